// cnnlab exercise file (made by tools/exgen; `./lab hint <function>` gives hints, one level at a time).
// Write your code between each BEGIN EXERCISE and END EXERCISE and leave the rest as it is (it is checked).
// Then: ./lab check <topic>   (the topics are listed by ./lab progress)
// The affine layer as matrix products by BLAS. Same contract as affine_forward / affine_backward; differs only in how the
// sums are formed: cblas_dgemm computes C = alpha op(A) op(B) + beta C on row-major arrays.
#include <cblas.h>

#include <string>
#include <utility>

#include "layers/affine.hpp"
#include "core/checks.hpp"
#include "core/errors.hpp"

namespace cnn {

AffineForward affine_forward_blas(const Tensor& x, const Tensor2& w, const Tensor1& b) {
  check_affine_inputs("affine_forward_blas", x, w, b);
  const std::size_t N = x.shape(0), D = trailing_size(x.shape()), M = w.shape(1);
  // Exercise: the out and cache of affine_forward, with the product x_rows w formed by one cblas_dgemm call.
  // BEGIN EXERCISE affine_forward_blas
  throw cnn::not_implemented("affine_forward_blas", "exercises/affine_blas.cpp");
  // END EXERCISE
}

AffineGrads affine_backward_blas(const Tensor2& dout, const AffineCache& cache) {
  const Tensor& x = cache.x;
  const Tensor2& w = cache.w;
  check_affine_inputs("affine_backward_blas", x, w, cache.b);  // a cache built by hand may not fit together
  const std::size_t N = x.shape(0), D = w.shape(0), M = w.shape(1);
  check_affine_dout("affine_backward_blas", dout, N, M);
  // Exercise: the dx, dw and db of affine_backward, with its two matrix products formed by cblas_dgemm.
  // BEGIN EXERCISE affine_backward_blas
  throw cnn::not_implemented("affine_backward_blas", "exercises/affine_blas.cpp");
  // END EXERCISE
}

}  // namespace cnn
