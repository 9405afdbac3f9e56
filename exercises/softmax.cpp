// cnnlab exercise file, generated from solutions/softmax.cpp by tools/exgen (./lab exercises).
// Write your code between each BEGIN EXERCISE and END EXERCISE; the rest of this file is checked against
// the generator, so leave it as it is. Then rebuild and run: ctest --preset release -L <layer>
// The softmax loss, written as the formula's loops (see src/cnnlab/softmax.hpp for the contract).
#include "cnnlab/softmax.hpp"

#include <algorithm>
#include <cmath>

#include "cnnlab/checks.hpp"

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
