// cnnlab exercise file (made by tools/exgen; `./lab hint <function>` gives hints, one level at a time).
// Write your code between each BEGIN EXERCISE and END EXERCISE and leave the rest as it is (it is checked).
// Then: ./lab check <topic>   (the topics are listed by ./lab progress)
// The affine layer, written as the formula's loops (see src/layers/affine.hpp for the contract).
#include "layers/affine.hpp"

#include <string>
#include <utility>

#include "core/checks.hpp"
#include "core/errors.hpp"

namespace cnn {

AffineForward affine_forward(const Tensor& x, const Tensor2& w, const Tensor1& b) {
  check_affine_inputs("affine_forward", x, w, b);
  const std::size_t N = x.shape(0), D = trailing_size(x.shape()), M = w.shape(1);
  // Exercise: out (N, M) = x_rows w + b, where x_rows is x reshaped to (N, D); and the cache.
  // BEGIN EXERCISE affine_forward
  throw cnn::not_implemented("affine_forward", "exercises/affine.cpp");
  // END EXERCISE
}

AffineGrads affine_backward(const Tensor2& dout, const AffineCache& cache) {
  const Tensor& x = cache.x;
  const Tensor2& w = cache.w;
  check_affine_inputs("affine_backward", x, w, cache.b);  // a cache built by hand may not fit together
  const std::size_t N = x.shape(0), D = w.shape(0), M = w.shape(1);
  check_affine_dout("affine_backward", dout, N, M);
  // Exercise: dx (shape of x), dw (D, M) and db (M), the gradients of the loss, given dout = dL/dout (N, M).
  // BEGIN EXERCISE affine_backward
  throw cnn::not_implemented("affine_backward", "exercises/affine.cpp");
  // END EXERCISE
}

}  // namespace cnn
