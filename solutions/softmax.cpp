// The softmax loss, written as the formula's loops (see src/cnnlab/softmax.hpp for the contract).
#include "cnnlab/softmax.hpp"

#include <algorithm>
#include <cmath>

#include "cnnlab/checks.hpp"

namespace cnn {

LossResult softmax_loss(const Tensor2& x, const Labels& y) {
  check_labels("softmax_loss", x, y);
  const std::size_t N = x.shape(0), K = x.shape(1);
  // Exercise: for each row, shift by the row maximum, p = exp(x) / sum exp(x), loss -= log p[y] / N,
  // dx = (p - one_hot(y)) / N.
  // BEGIN SOLUTION softmax_loss
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
