// The multiclass SVM loss, written as the formula's loops (see src/cnnlab/svm.hpp for the contract).
#include "cnnlab/svm.hpp"

#include "cnnlab/checks.hpp"

namespace cnn {

LossResult svm_loss(const Tensor2& x, const Labels& y) {
  check_labels("svm_loss", x, y);
  const std::size_t N = x.shape(0), K = x.shape(1);
  const double delta = 1.0;  // the margin
  // Exercise: for each row n and each wrong class k, margin = x(n, k) - x(n, y(n)) + delta; where it is
  // positive, add it to the loss, and add +1 to dx(n, k) and -1 to dx(n, y(n)). Divide both by N.
  // BEGIN SOLUTION svm_loss
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
