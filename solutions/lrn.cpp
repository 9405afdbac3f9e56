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
  // BEGIN SOLUTION lrn_forward
  // HINT 1: Each value is divided by a measure of how active the same pixel is in the channels around its own
  //   (param.size channels centred on it, cut off at the first and last channel): strong responses damp
  //   their neighbours.
  // HINT 2: for n < N, c < C, i < H, j < W, with r = (size - 1) / 2 channels on each side:
  //     scale(n, c, i, j) = k + alpha * sum of x(n, c2, i, j)^2 over max(0, c - r) <= c2 <= min(C - 1, c + r)
  //     out(n, c, i, j) = x(n, c, i, j) * scale(n, c, i, j)^(-beta)
  //   alpha multiplies the plain sum (AlexNet's convention), not the sum divided by size.
  //   The cache is LrnCache{x, scale, param}; scale has the shape of x.
  // HINT 3: scale = zeros (N, C, H, W), out = zeros (N, C, H, W)
  //   for n < N, c < C, i < H, j < W:
  //     sum = 0
  //     for c2 from (c < r ? 0 : c - r) to min(C - 1, c + r), both ends included:
  //       sum += x(n, c2, i, j)^2
  //     scale(n, c, i, j) = k + alpha * sum
  //     out(n, c, i, j) = x(n, c, i, j) * pow(scale(n, c, i, j), -beta)
  //   return {out, LrnCache{x, scale, param}}
  //   (c - r for an unsigned c < r wraps around to a huge number: hence c < r ? 0 : c - r.)
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
  // Exercise: dx (N, C, H, W), the gradient of the loss with respect to x, given dout (N, C, H, W).
  // BEGIN SOLUTION lrn_backward
  // HINT 1: x(n, ch, i, j) reaches the loss two ways: directly, through its own output out(n, ch, i, j), and
  //   through the scale of every channel c whose window holds ch (its own included).
  // HINT 2: at one (n, i, j): out(c) = x(c) scale(c)^(-beta), scale(c) = k + alpha * sum over c2 near c of
  //   x(c2)^2; so for every c with |c - ch| <= r, where [.] is 1 when true and 0 when false,
  //     d out(c) / d x(ch) = [c == ch] scale(ch)^(-beta) - 2 alpha beta x(c) x(ch) scale(c)^(-beta - 1)
  //   Summed against dout:
  //     dx(n, ch, i, j) = dout(n, ch, i, j) * scale(n, ch, i, j)^(-beta) - 2 alpha beta x(n, ch, i, j) *
  //                       sum over c of dout(n, c, i, j) * x(n, c, i, j) * scale(n, c, i, j)^(-beta - 1)
  //   with c from max(0, ch - r) to min(C - 1, ch + r): ch is in c's window exactly when c is in ch's.
  //   scale = cache.scale and x = cache.x, both (N, C, H, W).
  // HINT 3: dx = zeros (N, C, H, W)
  //   for n < N, ch < C, i < H, j < W:
  //     through_scales = 0
  //     for c from (ch < r ? 0 : ch - r) to min(C - 1, ch + r), both ends included:
  //       through_scales += dout(n, c, i, j) * x(n, c, i, j) * pow(scale(n, c, i, j), -beta - 1)
  //     dx(n, ch, i, j) = dout(n, ch, i, j) * pow(scale(n, ch, i, j), -beta)
  //                       - 2 * alpha * beta * x(n, ch, i, j) * through_scales
  //   return {dx}
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
