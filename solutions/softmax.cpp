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
  // BEGIN SOLUTION softmax_loss
  // HINT 1: The softmax turns each row of scores into probabilities; the loss is the average over the rows of
  //   -log(the probability of the correct class). Its gradient is "probabilities minus the one-hot truth",
  //   averaged over the rows.
  // HINT 2: for each row n, with row_max = max over k of x(n, k):
  //     p(n, k) = exp(x(n, k) - row_max) / sum over k2 < K of exp(x(n, k2) - row_max)      (N, K)
  //   Subtracting row_max cancels in the ratio and keeps exp from overflowing on large scores.
  //     loss = -(1/N) * sum over n < N of log p(n, y(n))                                   (a number)
  //     dx(n, k) = (p(n, k) - [k == y(n)]) / N, where [.] is 1 when true and 0 when false   (N, K)
  //   log p(n, k) = x(n, k) - row_max - log(denominator) is more accurate than the log of the quotient.
  // HINT 3: r = {loss 0, dx zeros (N, K)}
  //   for n < N:
  //     row_max = the largest x(n, k) over k < K
  //     denom = sum over k < K of exp(x(n, k) - row_max)
  //     for k < K:
  //       log_p = x(n, k) - row_max - log(denom)
  //       dx(n, k) = (exp(log_p) - (1 if k == y(n) else 0)) / N
  //       if k == y(n): loss -= log_p / N
  //   return r        (N as a double: with integers, 1 / N is 0)
  LossResult r{0.0, xt::zeros<double>({N, K})};
  for (std::size_t n = 0; n < N; ++n) {
    double row_max = x(n, 0);
    for (std::size_t k = 1; k < K; ++k) row_max = std::max(row_max, x(n, k));
    double denom = 0.0;  // sum_k exp(x(n, k) - row_max)
    for (std::size_t k = 0; k < K; ++k) denom += std::exp(x(n, k) - row_max);
    for (std::size_t k = 0; k < K; ++k) {
      const double log_p = x(n, k) - row_max - std::log(denom);
      const double p = std::exp(log_p);
      r.dx(n, k) = (p - (k == y(n) ? 1.0 : 0.0)) / static_cast<double>(N);
      if (k == y(n)) r.loss -= log_p / static_cast<double>(N);
    }
  }
  return r;
  // END SOLUTION
}

}  // namespace cnn
