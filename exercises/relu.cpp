// cnnlab exercise file (made by tools/exgen; `./lab hint <function>` gives hints, one level at a time).
// Write your code between each BEGIN EXERCISE and END EXERCISE and leave the rest as it is (it is checked).
// Then: ./lab check <topic>   (the topics are listed by ./lab progress)
// ReLU, elementwise (see src/layers/relu.hpp for the contract).
#include "layers/relu.hpp"

#include <utility>

#include "core/checks.hpp"
#include "core/errors.hpp"

namespace cnn {

ReluForward relu_forward(const Tensor& x) {
  if (x.dimension() == 0) throw shape_error("relu_forward", "x must have rank >= 1, got a scalar");
  // Exercise: out, the ReLU max(0, x) of every entry of x (same shape), and the cache for relu_backward.
  // BEGIN EXERCISE relu_forward
  throw cnn::not_implemented("relu_forward", "exercises/relu.cpp");
  // END EXERCISE
}

ReluGrads relu_backward(const Tensor& dout, const ReluCache& cache) {
  const Tensor& x = cache.x;
  check_same_shape("relu_backward", "dout", dout, "x", x);
  // Exercise: dx, the gradient of the loss with respect to x (shape of x), given dout = dL/dout.
  // BEGIN EXERCISE relu_backward
  throw cnn::not_implemented("relu_backward", "exercises/relu.cpp");
  // END EXERCISE
}

}  // namespace cnn
