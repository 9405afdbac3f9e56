// The multiclass SVM loss, written as the formula's loops (see src/layers/svm.hpp for the contract).
#include "layers/svm.hpp"

#include "core/checks.hpp"

namespace cnn {

LossResult svm_loss(const Tensor2& x, const Labels& y) {
  check_labels("svm_loss", x, y);
  const std::size_t N = x.shape(0), K = x.shape(1);
  const double delta = 1.0;  // the margin
  // Exercise: the mean multiclass SVM (hinge) loss of scores x (N, K) for labels y, and dx = dloss/dx.
  // BEGIN SOLUTION svm_loss
  // HINT 1: A wrong class costs something only when its score comes within delta of the correct class's
  //   score, and then it costs the gap. Each such margin pushes its own score down and the correct score up.
  // HINT 2: margin(n, k) = x(n, k) - x(n, y(n)) + delta, for every wrong class k != y(n)
  //   loss = (1/N) * sum over n < N and k != y(n) of max(0, margin(n, k))
  //   For each positive margin: dx(n, k) += 1/N and dx(n, y(n)) -= 1/N; the rest of dx (N, K) is 0.
  //   So dx(n, y(n)) = -(the number of positive margins in row n) / N.
  //   A margin of exactly 0 is inactive: it adds nothing to the loss or to dx.
  // HINT 3: r = {loss 0, dx zeros (N, K)}
  //   for n < N, k < K, skipping k == y(n):
  //     margin = x(n, k) - x(n, y(n)) + delta
  //     unless margin <= 0:     (written this way round, a NaN score counts, and reaches the loss)
  //       loss += margin / N
  //       dx(n, k) += 1 / N
  //       dx(n, y(n)) -= 1 / N
  //   return r
  LossResult r{0.0, xt::zeros<double>({N, K})};
  const double inv_N = 1.0 / static_cast<double>(N);
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t k = 0; k < K; ++k) {
      if (k == y(n)) continue;
      const double margin = x(n, k) - x(n, y(n)) + delta;
      if (!(margin <= 0.0)) {  // active, or NaN: a NaN score then reaches the loss instead of vanishing
        r.loss += margin * inv_N;
        r.dx(n, k) += inv_N;
        r.dx(n, y(n)) -= inv_N;
      }
    }
  return r;
  // END SOLUTION
}

}  // namespace cnn
