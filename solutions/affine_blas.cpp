// The affine layer as matrix products by BLAS. Same contract as solutions/affine.cpp; differs only in how the
// sums are formed: cblas_dgemm computes C = alpha op(A) op(B) + beta C on row-major arrays.
#include <cblas.h>

#include <string>
#include <utility>

#include "cnnlab/affine.hpp"
#include "cnnlab/checks.hpp"
#include "cnnlab/errors.hpp"

namespace cnn {

AffineForward affine_forward_blas(const Tensor& x, const Tensor2& w, const Tensor1& b) {
  check_affine_inputs("affine_forward_blas", x, w, b);
  const std::size_t N = x.shape(0), D = trailing_size(x.shape()), M = w.shape(1);
  // Exercise: fill out (N, M) with b in every row, then one cblas_dgemm adds x_rows (N, D) times w (D, M):
  // cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, M, D, 1.0, x, D, w, M, 1.0, out, M).
  // BEGIN SOLUTION affine_forward_blas
  Tensor2 out = Tensor2::from_shape({N, M});
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t m = 0; m < M; ++m) out(n, m) = b(m);
  const int n_ = static_cast<int>(N), m_ = static_cast<int>(M), d_ = static_cast<int>(D);
  if (N > 0 && M > 0 && D > 0)
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n_, m_, d_, 1.0, x.data(), d_, w.data(), m_, 1.0,
                out.data(), m_);
  return {std::move(out), AffineCache{x, w, b}};
  // END SOLUTION
}

AffineGrads affine_backward_blas(const Tensor2& dout, const AffineCache& cache) {
  const Tensor& x = cache.x;
  const Tensor2& w = cache.w;
  check_affine_inputs("affine_backward_blas", x, w, cache.b);  // a cache built by hand may not fit together
  const std::size_t N = x.shape(0), D = w.shape(0), M = w.shape(1);
  check_affine_dout("affine_backward_blas", dout, N, M);
  // Exercise: dx_rows (N, D) = dout (N, M) times w transposed; dw (D, M) = x_rows transposed times dout;
  // db = column sums of dout. CblasTrans on an operand uses it transposed without copying it.
  // BEGIN SOLUTION affine_backward_blas
  Tensor dx = Tensor::from_shape(x.shape());
  Tensor2 dw = Tensor2::from_shape({D, M});
  Tensor1 db = xt::zeros<double>({M});
  const int n_ = static_cast<int>(N), m_ = static_cast<int>(M), d_ = static_cast<int>(D);
  if (N > 0 && M > 0 && D > 0) {
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n_, d_, m_, 1.0, dout.data(), m_, w.data(), m_, 0.0,
                dx.data(), d_);
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, d_, m_, n_, 1.0, x.data(), d_, dout.data(), m_, 0.0,
                dw.data(), m_);
  } else {
    dx.fill(0.0);
    dw.fill(0.0);
  }
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t m = 0; m < M; ++m) db(m) += dout(n, m);
  return {std::move(dx), std::move(dw), std::move(db)};
  // END SOLUTION
}

}  // namespace cnn
