// cnnlab exercise file (made by tools/exgen; `./lab hint <function>` gives hints, one level at a time).
// Write your code between each BEGIN EXERCISE and END EXERCISE and leave the rest as it is (it is checked).
// Then: ./lab check <topic>   (the topics are listed by ./lab progress)
// Local response normalization across channels, as loops (see src/layers/lrn.hpp for the contract).
// alpha is the AlexNet paper's: k + alpha * (sum of squares), not divided by the window size.
#include "layers/lrn.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "core/checks.hpp"
#include "core/errors.hpp"

namespace cnn {

LrnForward lrn_forward(const Tensor4& x, const LrnParam& param) {
  if (param.size == 0 || param.size % 2 == 0)
    throw value_error("lrn_forward", "size n must be odd so that the window is centred on its channel, got " +
                                         std::to_string(param.size));
  if (!(param.k > 0.0)) throw value_error("lrn_forward", "k must be > 0, got " + num_str(param.k));
  if (!(param.alpha >= 0.0)) throw value_error("lrn_forward", "alpha must be >= 0, got " + num_str(param.alpha));
  if (!(param.beta >= 0.0)) throw value_error("lrn_forward", "beta must be >= 0, got " + num_str(param.beta));
  const std::size_t N = x.shape(0), C = x.shape(1), H = x.shape(2), W = x.shape(3);
  const std::size_t r = (param.size - 1) / 2;  // channels on each side of the centre
  const double k = param.k, alpha = param.alpha, beta = param.beta;
  // Exercise: out (N, C, H, W), x normalized across neighbouring channels as in lrn.hpp; and the cache.
  // BEGIN EXERCISE lrn_forward
  throw cnn::not_implemented("lrn_forward", "exercises/lrn.cpp");
  // END EXERCISE
}

LrnGrads lrn_backward(const Tensor4& dout, const LrnCache& cache) {
  check_same_shape("lrn_backward", "dout", dout, "x", cache.x);
  check_same_shape("lrn_backward", "cache.scale", cache.scale, "cache.x", cache.x);
  const Tensor4& x = cache.x;
  const Tensor4& scale = cache.scale;
  const std::size_t N = x.shape(0), C = x.shape(1), H = x.shape(2), W = x.shape(3);
  const std::size_t r = (cache.param.size - 1) / 2;
  const double alpha = cache.param.alpha, beta = cache.param.beta;
  // Exercise: dx (N, C, H, W), the gradient of the loss with respect to x, given dout (N, C, H, W).
  // BEGIN EXERCISE lrn_backward
  throw cnn::not_implemented("lrn_backward", "exercises/lrn.cpp");
  // END EXERCISE
}

}  // namespace cnn
