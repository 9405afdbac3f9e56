// cnnlab exercise file (made by tools/exgen; `./lab hint <function>` gives hints, one level at a time).
// Write your code between each BEGIN EXERCISE and END EXERCISE and leave the rest as it is (it is checked).
// Then: ./lab check <topic>   (the topics are listed by ./lab progress)
// The softmax loss, written as the formula's loops (see src/layers/softmax.hpp for the contract).
#include "layers/softmax.hpp"

#include <algorithm>
#include <cmath>

#include "core/checks.hpp"

namespace cnn {

LossResult softmax_loss(const Tensor2& x, const Labels& y) {
  check_labels("softmax_loss", x, y);
  const std::size_t N = x.shape(0), K = x.shape(1);
  // Exercise: the mean softmax (cross-entropy) loss of scores x (N, K) for labels y, and dx = dloss/dx.
  // BEGIN EXERCISE softmax_loss
  throw cnn::not_implemented("softmax_loss", "exercises/softmax.cpp");
  // END EXERCISE
}

}  // namespace cnn
