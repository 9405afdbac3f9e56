/// @file conv_fast.hpp
/// @brief Internals of the library's fast convolution (the runtime's): a workspace reused between calls,
/// a loop split over the cores, im2col and col2im for a chunk of examples, and the matrix product by BLAS.
///
/// None of this is an exercise and none of it is needed to understand the layer: the clear versions are
/// conv_forward_naive and im2col / col2im. What these add is speed: buffers that are not allocated (and
/// faulted in page by page) on every call, X_col built a chunk of examples at a time so that it stays in
/// cache between the moment it is written and the moment the matrix product reads it, and the memory-bound
/// loops run on every core. Threads never nest: either a small pool (parallel_for) shares out examples and
/// each of its threads calls BLAS with products small enough for OpenBLAS to run them on that thread alone
/// (gemm_one_core), or the pool copies and OpenBLAS multiplies with its own threads, one after the other.
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

#include "cnnlab/conv.hpp"
#include "cnnlab/shapes.hpp"
#include "cnnlab/tensor.hpp"

namespace cnn::detail {

/// Runs body(begin, end) on contiguous chunks of [0, n) that together cover it once, on every core, and returns
/// when all are done. The range is cut into a few chunks per core, which the calling thread and the pool's
/// threads take one after another (a thread the system is slow to wake takes fewer), so a body must not depend
/// on which thread runs it or on where the chunks end. The body must not throw. A call made while another is
/// running (from another thread, or from inside a body) runs the whole range on the calling thread instead.
void parallel_for(std::size_t n, const std::function<void(std::size_t, std::size_t)>& body);

/// How many threads parallel_for uses (the cores the system reports, at least 1).
std::size_t parallel_threads();

/// Buffers of doubles kept from one call to the next, one set per calling thread. A buffer only grows;
/// its contents are whatever the last user left there.
class Workspace {
 public:
  /// The buffer @p slot (0 or 1) with room for at least @p size doubles.
  double* get(std::size_t slot, std::size_t size);

 private:
  std::vector<double> buffers_[2];
};

/// The calling thread's workspace.
Workspace& thread_workspace();

/// How the fast convolution splits its work.
struct ConvPlan {
  /// Small products (under 2^22 multiply-adds per example, the LeNet shapes): the examples are shared out among
  /// the cores, and each core builds the columns of one example at a time in its own buffer and multiplies them
  /// on that core alone (gemm_one_core). Otherwise, one example after another, each product by BLAS on all
  /// cores, with X_col built a chunk of examples at a time.
  bool examples_in_parallel = false;
  std::size_t chunk = 1;   ///< examples whose X_col is built at once (when not examples_in_parallel)
  bool x_is_cols = false;  ///< not examples_in_parallel, 1x1 filters, stride 1, no padding: X_col of example n is x[n]
};

/// The two thresholds conv_plan works with.
struct ConvTuning {
  std::size_t chunk_bytes = std::size_t{1} << 20;        ///< budget of X_col per chunk, in bytes
  std::size_t parallel_below_madds = std::size_t{1} << 22;  ///< examples in parallel below this product size
};

/// The plan for a convolution (see ConvPlan): examples in parallel when the product of one example,
/// F * Hout*Wout * C*HH*WW multiply-adds, is below 2^22; else chunks whose X_col,
/// (C*HH*WW, chunk*Hout*Wout), fits the chunk budget of 1 MiB (at least one example).
ConvPlan conv_plan(const ConvShape& s, const ConvParam& param);

/// Replaces the thresholds of conv_plan and returns the previous ones; affects every thread. For tests (a
/// chunk budget of 1 byte makes every chunk one example; a threshold of 0 or of SIZE_MAX forces one way of
/// sharing the work) and for tuning.
ConvTuning set_conv_tuning(const ConvTuning& tuning);

/// db(f) = the sum of dout(n, f, i, j) over n, i, j. Runs on every core.
Tensor1 bias_gradient(const Tensor4& dout);

/// out(n, f, :, :) = b(f) for the examples n in [n0, n1). Runs on every core.
void fill_bias(Tensor4& out, const Tensor1& b, std::size_t n0, std::size_t n1);

/// im2col for examples [n0, n1) of @p x, in the layout of im2col.hpp, written to @p cols: a row-major
/// (C*HH*WW, (n1 - n0)*Hout*Wout) matrix. Runs on every core.
void im2col_chunk(const Tensor4& x, std::size_t n0, std::size_t n1, const ConvShape& s, const ConvParam& param,
                  double* cols);

/// col2im for examples [n0, n1): overwrites dx(n0 .. n1-1, ...) with the sum of every column of @p cols
/// (laid out as im2col_chunk writes it) put back into its receptive field. Runs on every core.
void col2im_chunk(const double* cols, std::size_t n0, std::size_t n1, const ConvShape& s, const ConvParam& param,
                  Tensor4& dx);

/// gemm cut into products of at most 2^18 multiply-adds, each of which OpenBLAS runs on the calling thread
/// alone (its threshold for using its threads is 4 * 65536 by default; larger products are cut along the
/// columns of C or along the sum). For products made on several cores at once, one per core.
void gemm_one_core(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n, std::size_t k, double alpha,
                   const double* a, std::size_t lda, const double* b, std::size_t ldb, double beta, double* c,
                   std::size_t ldc);

/// The fast convolution's forward pass without a cache, for the runtime's layer objects (src/model/), which
/// keep x themselves instead of a copy of it: the same sums as conv_forward_im2col, in the same order.
/// @return y of shape (N, F, Hout, Wout)
/// @throws cnn::shape_error, cnn::value_error as conv_forward_im2col
Tensor4 conv_forward_fast(const Tensor4& x, const Tensor4& w, const Tensor1& b, const ConvParam& param);

/// The fast convolution's backward pass for the runtime: as conv_backward_im2col, given the forward pass's x and
/// w, but writing dw and db into the caller's arrays (reshaped when their shape differs) and computing dx only
/// when @p dx is not null (the first layer of a network needs no dx: that saves a product and col2im).
/// @throws cnn::shape_error when dout is not (N, F, Hout, Wout)
void conv_backward_fast(const Tensor4& dout, const Tensor4& x, const Tensor4& w, const ConvParam& param, Tensor4& dw,
                        Tensor1& db, Tensor4* dx);

/// gemm with the rows of C shared out among the cores: a fixed number of row blocks (one per core when the
/// product has at least 2^18 multiply-adds, else one), each made by gemm_one_core, so that OpenBLAS's own threads
/// stay asleep and the result does not depend on which thread made which block. For the affine layers.
void gemm_parallel(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n, std::size_t k, double alpha,
                   const double* a, std::size_t lda, const double* b, std::size_t ldb, double beta, double* c,
                   std::size_t ldc);

/// C = alpha op(A) op(B) + beta C on row-major matrices, by OpenBLAS's dgemm; op(A) is (m, k), op(B) is
/// (k, n), C is (m, n); lda, ldb, ldc are the row strides of A, B and C as stored.
void gemm(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n, std::size_t k, double alpha,
          const double* a, std::size_t lda, const double* b, std::size_t ldb, double beta, double* c,
          std::size_t ldc);

}  // namespace cnn::detail
