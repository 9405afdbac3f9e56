// The affine layer, written as the formula's loops (see src/cnnlab/affine.hpp for the contract).
#include "cnnlab/affine.hpp"

#include <string>
#include <utility>

#include "cnnlab/checks.hpp"
#include "cnnlab/errors.hpp"

namespace cnn {

AffineForward affine_forward(const Tensor& x, const Tensor2& w, const Tensor1& b) {
  check_affine_inputs("affine_forward", x, w, b);
  const std::size_t N = x.shape(0), D = trailing_size(x.shape()), M = w.shape(1);
  // Exercise: y(n, m) = b(m) + sum over d of x_rows(n, d) * w(d, m), where x_rows is x reshaped to (N, D).
  // x.data()[n * D + d] is entry d of example n (xtensor stores rows one after the other).
  // BEGIN SOLUTION affine_forward
  Tensor2 out = xt::zeros<double>({N, M});
  const double* x_rows = x.data();  // (N, D)
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t m = 0; m < M; ++m) {
      double sum = b(m);
      for (std::size_t d = 0; d < D; ++d) sum += x_rows[n * D + d] * w(d, m);
      out(n, m) = sum;
    }
  return {std::move(out), AffineCache{x, w, b}};
  // END SOLUTION
}

AffineGrads affine_backward(const Tensor2& dout, const AffineCache& cache) {
  const Tensor& x = cache.x;
  const Tensor2& w = cache.w;
  check_affine_inputs("affine_backward", x, w, cache.b);  // a cache built by hand may not fit together
  const std::size_t N = x.shape(0), D = w.shape(0), M = w.shape(1);
  check_affine_dout("affine_backward", dout, N, M);
  // Exercise: dx_rows = dout wᵀ (then reshape to x's shape), dw = x_rowsᵀ dout, db = sum of dout over n.
  // BEGIN SOLUTION affine_backward
  Tensor dx = xt::zeros<double>(x.shape());
  Tensor2 dw = xt::zeros<double>({D, M});
  Tensor1 db = xt::zeros<double>({M});
  const double* x_rows = x.data();  // (N, D)
  double* dx_rows = dx.data();      // (N, D)
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t m = 0; m < M; ++m) {
      db(m) += dout(n, m);
      for (std::size_t d = 0; d < D; ++d) {
        dx_rows[n * D + d] += dout(n, m) * w(d, m);
        dw(d, m) += x_rows[n * D + d] * dout(n, m);
      }
    }
  return {std::move(dx), std::move(dw), std::move(db)};
  // END SOLUTION
}

}  // namespace cnn
