// cnnlab exercise file (made by tools/exgen; `./lab hint <function>` gives hints, one level at a time).
// Write your code between each BEGIN EXERCISE and END EXERCISE and leave the rest as it is (it is checked).
// Then: ./lab check <topic>   (the topics are listed by ./lab progress)
// Inverted dropout, as loops over the entries (see src/layers/dropout.hpp for the contract).
// p_drop is the probability of ZEROING a unit; a kept unit is scaled by 1 / (1 - p_drop).
#include "layers/dropout.hpp"

#include <sstream>
#include <string>
#include <utility>

#include "core/checks.hpp"
#include "core/errors.hpp"

namespace cnn {

DropoutForward dropout_forward(const Tensor& x, const DropoutParam& param, Rng& rng) {
  if (x.dimension() == 0) throw shape_error("dropout_forward", "x must have rank >= 1, got a scalar");
  if (!(param.p_drop >= 0.0 && param.p_drop < 1.0)) {
    std::ostringstream os;
    os << "p_drop is the probability of zeroing a unit and must be in [0, 1), got " << param.p_drop;
    throw value_error("dropout_forward", os.str());
  }
  const double p_drop = param.p_drop;
  // Exercise: out (shape of x) and its mask: inverted dropout in train mode, the identity in test mode.
  // BEGIN EXERCISE dropout_forward
  throw cnn::not_implemented("dropout_forward", "exercises/dropout.cpp");
  // END EXERCISE
}

DropoutGrads dropout_backward(const Tensor& dout, const DropoutCache& cache) {
  check_same_shape("dropout_backward", "dout", dout, "x", cache.mask);
  // Exercise: dx (shape of x), the gradient of the loss with respect to x, given dout.
  // BEGIN EXERCISE dropout_backward
  throw cnn::not_implemented("dropout_backward", "exercises/dropout.cpp");
  // END EXERCISE
}

}  // namespace cnn
