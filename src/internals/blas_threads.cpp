#include "internals/blas_threads.hpp"

#include <cblas.h>

namespace cnn::detail {

BlasOnOneThread::BlasOnOneThread() : before_(openblas_get_num_threads()) {
  if (before_ != 1) openblas_set_num_threads(1);
}

BlasOnOneThread::~BlasOnOneThread() {
  if (before_ != 1) openblas_set_num_threads(before_);
}

}  // namespace cnn::detail
