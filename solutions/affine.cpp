// The affine layer, written as the formula's loops (see src/layers/affine.hpp for the contract).
#include "layers/affine.hpp"

#include <string>
#include <utility>

#include "core/checks.hpp"
#include "core/errors.hpp"

namespace cnn {

AffineForward affine_forward(const Tensor& x, const Tensor2& w, const Tensor1& b) {
  check_affine_inputs("affine_forward", x, w, b);
  const std::size_t N = x.shape(0), D = trailing_size(x.shape()), M = w.shape(1);
  // Exercise: out (N, M) = x_rows w + b, where x_rows is x reshaped to (N, D); and the cache.
  // BEGIN SOLUTION affine_forward
  // HINT 1: Flatten each example into one row of D numbers. Then every output is a bias plus the dot product
  //   of that row with one column of w.
  // HINT 2: out(n, m) = b(m) + sum over d < D of x_rows(n, d) * w(d, m), for n < N and m < M:
  //   x_rows (N, D) times w (D, M), plus b (M) added to every row, gives out (N, M).
  //   x_rows needs no copy: x.data()[n * D + d] is entry d of example n (xtensor stores the rows one after
  //   the other), whatever the rank of x. The cache is AffineCache{x, w, b}.
  // HINT 3: out = zeros (N, M), x_rows = x.data()
  //   for n < N, m < M:
  //     sum = b(m)
  //     for d < D: sum += x_rows[n * D + d] * w(d, m)
  //     out(n, m) = sum
  //   return {out, AffineCache{x, w, b}}
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
  // Exercise: dx (shape of x), dw (D, M) and db (M), the gradients of the loss, given dout = dL/dout (N, M).
  // BEGIN SOLUTION affine_backward
  // HINT 1: Each out(n, m) is b(m) plus a sum of products x_rows(n, d) * w(d, m). A product sends its
  //   upstream gradient, times the other factor, to each factor; a bias gets it unchanged. Every example uses
  //   the same w and b, so their gradients add up over the minibatch.
  // HINT 2: dx_rows (N, D) = dout (N, M) wᵀ (M, D):   dx_rows(n, d) = sum over m < M of dout(n, m) * w(d, m)
  //   dw (D, M) = x_rowsᵀ (D, N) dout (N, M):        dw(d, m) = sum over n < N of x_rows(n, d) * dout(n, m)
  //   db (M) = sum over the examples:                 db(m) = sum over n < N of dout(n, m)
  //   dx has the shape of x, (N, d1, ..., dk): write it through dx.data() as N rows of D, like x_rows.
  // HINT 3: dx = zeros of the shape of x, dw = zeros (D, M), db = zeros (M)
  //   x_rows = x.data(), dx_rows = dx.data()
  //   for n < N, m < M:
  //     db(m) += dout(n, m)
  //     for d < D:
  //       dx_rows[n * D + d] += dout(n, m) * w(d, m)
  //       dw(d, m) += x_rows[n * D + d] * dout(n, m)
  //   return {dx, dw, db}
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
