// The affine layer as matrix products by BLAS. Same contract as affine_forward / affine_backward; differs only in how the
// sums are formed: cblas_dgemm computes C = alpha op(A) op(B) + beta C on row-major arrays.
#include <cblas.h>

#include <string>
#include <utility>

#include "layers/affine.hpp"
#include "core/checks.hpp"
#include "core/errors.hpp"

namespace cnn {

AffineForward affine_forward_blas(const Tensor& x, const Tensor2& w, const Tensor1& b) {
  check_affine_inputs("affine_forward_blas", x, w, b);
  const std::size_t N = x.shape(0), D = trailing_size(x.shape()), M = w.shape(1);
  // Exercise: the out and cache of affine_forward, with the product x_rows w formed by one cblas_dgemm call.
  // BEGIN SOLUTION affine_forward_blas
  // HINT 1: cblas_dgemm computes C = alpha op(A) op(B) + beta C. Put b in every row of out first, then let
  //   beta = 1 add the product on top of it.
  // HINT 2: out (N, M) starts as out(n, m) = b(m); then out = 1.0 * x_rows (N, D) w (D, M) + 1.0 * out.
  //   Row-major, no transposes: dgemm's sizes are N, M, D (rows of out, columns of out, the summed length);
  //   the leading dimensions are the stored row lengths, D for x, M for w and M for out. x.data() already
  //   is x_rows. dgemm takes ints: static_cast the sizes.
  //   With N, M or D equal to 0 skip the call: there is nothing to add, and BLAS calls a leading dimension
  //   of 0 an error.
  // HINT 3: out = (N, M), with out(n, m) = b(m) for n < N, m < M
  //   if N, M and D are all > 0 (each as an int):
  //     cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, M, D, 1.0, x.data(), D, w.data(), M, 1.0,
  //                 out.data(), M)
  //   return {out, AffineCache{x, w, b}}
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
  // Exercise: the dx, dw and db of affine_backward, with its two matrix products formed by cblas_dgemm.
  // BEGIN SOLUTION affine_backward_blas
  // HINT 1: Both matrix gradients of affine_backward are products with one factor transposed. dgemm reads an
  //   operand transposed where it lies (CblasTrans), so each gradient is one call; db is a plain sum.
  // HINT 2: dx_rows (N, D) = dout (N, M) wᵀ (M, D)         dw (D, M) = x_rowsᵀ (D, N) dout (N, M)
  //   db(m) = sum over n < N of dout(n, m)                   db (M)
  //   A transposed operand keeps the leading dimension of its stored rows: w (stored D x M) has M, x
  //   (stored N x D) has D, dout has M. beta = 0: dx and dw start with no values worth keeping.
  //   With N, M or D equal to 0 skip the calls (a leading dimension of 0 is an error for BLAS) and fill dx
  //   and dw with 0.
  // HINT 3: dx = the shape of x, dw = (D, M), db = zeros (M)
  //   if N, M and D are all > 0 (each as an int):
  //     cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N, D, M, 1.0, dout.data(), M, w.data(), M, 0.0,
  //                 dx.data(), D)
  //     cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, D, M, N, 1.0, x.data(), D, dout.data(), M, 0.0,
  //                 dw.data(), M)
  //   else: dx and dw filled with 0
  //   for n < N, m < M: db(m) += dout(n, m)
  //   return {dx, dw, db}
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
