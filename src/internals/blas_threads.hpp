/// @file blas_threads.hpp
/// @brief Runs BLAS on the calling thread alone for a while: for code that calls cblas_dgemm itself (the
/// exercises), whose products are small at a training batch's size.
#pragma once

namespace cnn::detail {

/// @brief While it lives, OpenBLAS computes every product on the calling thread; its own threads are not
/// woken. The library's products share the work among its own threads instead (conv_fast.hpp's
/// gemm_parallel); an exercise that calls BLAS directly would otherwise wake OpenBLAS's threads for every
/// product of a minibatch, which costs more than they save (LeNet-5's fc3 at a batch of 64, forward pass:
/// 6.4 ms with OpenBLAS's two threads against 0.55 ms on one, measured on a loaded 2-core machine).
class BlasOnOneThread {
 public:
  BlasOnOneThread();
  ~BlasOnOneThread();
  BlasOnOneThread(const BlasOnOneThread&) = delete;
  BlasOnOneThread& operator=(const BlasOnOneThread&) = delete;

 private:
  int before_;  // OpenBLAS's number of threads when the guard was made, restored when it ends
};

}  // namespace cnn::detail
