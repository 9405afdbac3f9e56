// Local response normalization across channels, as loops (see src/cnnlab/lrn.hpp for the contract).
// alpha is the AlexNet paper's: k + alpha * (sum of squares), not divided by the window size.
#include "cnnlab/lrn.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "cnnlab/checks.hpp"
#include "cnnlab/errors.hpp"

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
  // Exercise: for every n, c, i, j: scale = k + alpha * (sum of x(n, c2, i, j)^2 over the channels c2 from
  // max(0, c - r) to min(C - 1, c + r)), and out = x * scale^(-beta). Keep x, scale and param in the cache.
  // (c - r would wrap around below 0 for an unsigned c: write the lower end as c < r ? 0 : c - r.)
  // BEGIN SOLUTION lrn_forward
  Tensor4 scale = xt::zeros<double>({N, C, H, W});
  Tensor4 out = xt::zeros<double>({N, C, H, W});
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t c = 0; c < C; ++c)
      for (std::size_t i = 0; i < H; ++i)
        for (std::size_t j = 0; j < W; ++j) {
          double sum = 0.0;
          for (std::size_t c2 = c < r ? 0 : c - r; c2 <= std::min(C - 1, c + r); ++c2)
            sum += x(n, c2, i, j) * x(n, c2, i, j);
          scale(n, c, i, j) = k + alpha * sum;
          out(n, c, i, j) = x(n, c, i, j) * std::pow(scale(n, c, i, j), -beta);
        }
  return {std::move(out), LrnCache{x, std::move(scale), param}};
  // END SOLUTION
}

LrnGrads lrn_backward(const Tensor4& dout, const LrnCache& cache) {
  check_same_shape("lrn_backward", "dout", dout, "x", cache.x);
  check_same_shape("lrn_backward", "cache.scale", cache.scale, "cache.x", cache.x);
  const Tensor4& x = cache.x;
  const Tensor4& scale = cache.scale;
  const std::size_t N = x.shape(0), C = x.shape(1), H = x.shape(2), W = x.shape(3);
  const std::size_t r = (cache.param.size - 1) / 2;
  const double alpha = cache.param.alpha, beta = cache.param.beta;
  // Exercise: for every example n, channel ch and pixel (i, j):
  //   dx = dout * scale^(-beta) - 2 alpha beta x * (sum over c of dout * x * scale^(-beta - 1)),
  // where c runs over [max(0, ch - r), min(C - 1, ch + r)], the factors inside the sum are taken at channel c
  // and the ones outside at channel ch.
  // BEGIN SOLUTION lrn_backward
  Tensor4 dx = xt::zeros<double>({N, C, H, W});
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t ch = 0; ch < C; ++ch)
      for (std::size_t i = 0; i < H; ++i)
        for (std::size_t j = 0; j < W; ++j) {
          // through the denominators of every channel c whose window holds ch
          double through_scales = 0.0;
          for (std::size_t c = ch < r ? 0 : ch - r; c <= std::min(C - 1, ch + r); ++c)
            through_scales += dout(n, c, i, j) * x(n, c, i, j) * std::pow(scale(n, c, i, j), -beta - 1.0);
          // directly, through ch's own output
          dx(n, ch, i, j) = dout(n, ch, i, j) * std::pow(scale(n, ch, i, j), -beta) -
                            2.0 * alpha * beta * x(n, ch, i, j) * through_scales;
        }
  return {std::move(dx)};
  // END SOLUTION
}

}  // namespace cnn
