// The convolution layer as matrix products (see src/cnnlab/conv.hpp for the contract).
// Same contract and cache as conv_forward_naive / conv_backward_naive. Differs only in how the sums are formed:
// every receptive field becomes a column of `cols` (C*HH*WW, N*Hout*Wout), and all dot products become one
// matrix product. The exercise asks for exactly that, built on your im2col and col2im. The library's own fast
// version (src/cnnlab/conv_fast.hpp) forms `cols` a chunk of examples at a time in a buffer kept between calls,
// on both cores, and multiplies with BLAS.
#include <algorithm>
#include <utility>
#include <vector>

#include <xtensor-blas/xlinalg.hpp>  // xt::linalg::dot, for the exercise
#include <xtensor/xview.hpp>

#include "cnnlab/conv.hpp"
#include "cnnlab/conv_fast.hpp"
#include "cnnlab/errors.hpp"
#include "cnnlab/im2col.hpp"

namespace cnn {

ConvForward conv_forward_im2col(const Tensor4& x, const Tensor4& w, const Tensor1& b, const ConvParam& param) {
  const ConvShape shape = conv_shape("conv_forward_im2col", x, w, b, param);
  const auto [N, C, H, W, F, HH, WW, Hout, Wout] = shape;
  // Exercise: the out and cache of conv_forward_naive, computed with your im2col and one matrix product.
  // BEGIN SOLUTION conv_forward_im2col
  // HINT 1: After im2col every column is one receptive field, and every filter unrolled into a row is what
  //   such a column is dotted with: all the layer's dot products make one matrix product, filter rows times
  //   cols.
  // HINT 2: cols = im2col(x, HH, WW, param)                    (C*HH*WW, N*Hout*Wout)
  //   w_row = w reshaped to (F, C*HH*WW)                       (row f is filter f, unrolled like a column)
  //   y = w_row cols                                           (F, N*Hout*Wout)
  //   out(n, f, i, j) = y(f, (n*Hout + i)*Wout + j) + b(f)     (N, F, Hout, Wout)
  //   y's column order is (n, i, j) and out's axes are (n, f, i, j): a plain reshape of y would mix them up.
  // HINT 3: cols = im2col(x, HH, WW, param)
  //   w_row: Tensor2 w_row = xt::reshape_view(w, {F, C * HH * WW})
  //   y = xt::linalg::dot(w_row, cols)
  //   out = zeros (N, F, Hout, Wout)
  //   for n < N, f < F, i < Hout, j < Wout: out(n, f, i, j) = y(f, (n*Hout + i)*Wout + j) + b(f)
  //   return {out, ConvCache{x, w, b, param}}
  //   (The reference below forms the same product with BLAS, a chunk of examples at a time, on both cores.)
  const std::size_t K = C * HH * WW, HWo = Hout * Wout;
  Tensor4 out = Tensor4::from_shape({N, F, Hout, Wout});
  // out[n] is (F, HWo): it receives out[n] = b 1ᵀ + w_row (F, K) times the (K, HWo) columns of example n.
  const detail::ConvPlan plan = detail::conv_plan(shape, param);
  if (plan.examples_in_parallel) {
    // Small products (LeNet): the examples are shared out among the cores, one example at a time per core.
    // (F = F: clang before 16 cannot capture a structured binding implicitly.)
    detail::parallel_for(N, [&, F = F](std::size_t n0, std::size_t n1) {
      double* cols = detail::thread_workspace().get(0, K * HWo);  // (K, HWo), this core's own
      for (std::size_t n = n0; n < n1; ++n) {
        detail::im2col_chunk(x, n, n + 1, shape, param, cols);
        detail::fill_bias(out, b, n, n + 1);
        detail::gemm_one_core(false, false, F, HWo, K, 1.0, w.data(), K, cols, HWo, 1.0, out.data() + n * F * HWo,
                              HWo);
      }
    });
    return {std::move(out), ConvCache{x, w, b, param}};  // moved: copying a big output costs a pass over memory
  }
  // Large products: one example after another, each product on all cores by BLAS; the columns are built a chunk
  // of examples at a time, except for 1x1 filters at stride 1 without padding: there x[n] is example n's columns.
  for (std::size_t n0 = 0; n0 < N; n0 += plan.chunk) {
    const std::size_t n1 = std::min(N, n0 + plan.chunk), positions = (n1 - n0) * HWo;
    double* cols = nullptr;  // (K, positions): the receptive fields of examples n0 .. n1-1
    if (!plan.x_is_cols) {
      cols = detail::thread_workspace().get(0, K * positions);
      detail::im2col_chunk(x, n0, n1, shape, param, cols);
    }
    detail::fill_bias(out, b, n0, n1);
    for (std::size_t n = n0; n < n1; ++n) {
      const double* cols_n = plan.x_is_cols ? x.data() + n * K * HWo : cols + (n - n0) * HWo;
      detail::gemm(false, false, F, HWo, K, 1.0, w.data(), K, cols_n, plan.x_is_cols ? HWo : positions, 1.0,
                   out.data() + n * F * HWo, HWo);
    }
  }
  return {std::move(out), ConvCache{x, w, b, param}};
  // END SOLUTION
}

ConvGrads conv_backward_im2col(const Tensor4& dout, const ConvCache& cache) {
  const Tensor4& x = cache.x;
  const Tensor4& w = cache.w;
  const ConvParam& param = cache.param;
  const ConvShape shape = conv_shape("conv_backward_im2col", x, w, cache.b, param);
  check_conv_dout("conv_backward_im2col", dout, shape);
  const auto [N, C, H, W, F, HH, WW, Hout, Wout] = shape;
  // Exercise: the dx, dw and db of conv_backward_naive, computed with im2col, matrix products and col2im.
  // BEGIN SOLUTION conv_backward_im2col
  // HINT 1: The forward pass was y = w_row cols + b: an affine layer on the columns. The gradients of
  //   affine_backward apply to it as matrix products, and col2im carries the columns' gradient back to x.
  // HINT 2: dy (F, N*Hout*Wout) is dout laid out like y:  dy(f, (n*Hout + i)*Wout + j) = dout(n, f, i, j)
  //   cols = im2col(x, HH, WW, param)                      (C*HH*WW, N*Hout*Wout)
  //   dw = dy colsᵀ                                        (F, C*HH*WW), reshaped to (F, C, HH, WW)
  //   db(f) = sum of row f of dy                           (F)
  //   dcols = w_rowᵀ dy                                    (C*HH*WW, N*Hout*Wout)
  //   dx = col2im(dcols, {N, C, H, W}, HH, WW, param)      (N, C, H, W)
  // HINT 3: dy = zeros (F, N*Hout*Wout)
  //   for n < N, f < F, i < Hout, j < Wout: dy(f, (n*Hout + i)*Wout + j) = dout(n, f, i, j)
  //   cols = im2col(x, HH, WW, param)
  //   dw = xt::linalg::dot(dy, xt::transpose(cols)), reshaped to (F, C, HH, WW)
  //   db = xt::sum(dy, {1})
  //   w_row = w reshaped to (F, C*HH*WW), as in the forward pass
  //   dx = col2im(xt::linalg::dot(xt::transpose(w_row), dy), {N, C, H, W}, HH, WW, param)
  //   return {dx, dw, db}
  //   (The reference below does this per example with BLAS, on both cores.)
  const std::size_t K = C * HH * WW, HWo = Hout * Wout;
  Tensor4 dx = Tensor4::from_shape({N, C, H, W});
  Tensor4 dw = xt::zeros<double>({F, C, HH, WW});
  const Tensor1 db = detail::bias_gradient(dout);  // db(f) = sum of dout(n, f, i, j) over n, i, j
  // dY of example n is dout[n], (F, HWo), as it lies in memory. Per example:
  //   dw_row += dY_n cols_nᵀ (F, K);  dcols_n = w_rowᵀ dY_n (K, HWo), over cols_n (used up);  dx[n] = col2im(dcols_n)
  const detail::ConvPlan plan = detail::conv_plan(shape, param);  // as in conv_forward_im2col
  if (plan.examples_in_parallel) {
    // Each core takes a part of the minibatch and sums its own dw; the parts are added up at the end, in order.
    const std::size_t parts = detail::parallel_threads();
    std::vector<double> dw_parts(parts * F * K, 0.0);
    detail::parallel_for(parts, [&, N = N, F = F](std::size_t p0, std::size_t p1) {
      double* cols = detail::thread_workspace().get(0, K * HWo);  // (K, HWo), this core's own
      for (std::size_t part = p0; part < p1; ++part)
        for (std::size_t n = N * part / parts; n < N * (part + 1) / parts; ++n) {
          const double* dy = dout.data() + n * F * HWo;
          detail::im2col_chunk(x, n, n + 1, shape, param, cols);
          detail::gemm_one_core(false, true, F, K, HWo, 1.0, dy, HWo, cols, HWo, 1.0, &dw_parts[part * F * K], K);
          detail::gemm_one_core(true, false, K, HWo, F, 1.0, w.data(), K, dy, HWo, 0.0, cols, HWo);
          detail::col2im_chunk(cols, n, n + 1, shape, param, dx);
        }
    });
    for (std::size_t part = 0; part < parts; ++part)
      for (std::size_t k = 0; k < F * K; ++k) dw.data()[k] += dw_parts[part * F * K + k];
    return {std::move(dx), std::move(dw), db};
  }
  for (std::size_t n0 = 0; n0 < N; n0 += plan.chunk) {
    const std::size_t n1 = std::min(N, n0 + plan.chunk), positions = (n1 - n0) * HWo;
    const std::size_t ld = plan.x_is_cols ? HWo : positions;  // row stride of the columns
    double* cols = nullptr;  // (K, positions): X_col of examples n0 .. n1-1, then dX_col
    if (!plan.x_is_cols) {
      cols = detail::thread_workspace().get(0, K * positions);
      detail::im2col_chunk(x, n0, n1, shape, param, cols);
    }
    for (std::size_t n = n0; n < n1; ++n) {
      const double* cols_n = plan.x_is_cols ? x.data() + n * K * HWo : cols + (n - n0) * HWo;
      detail::gemm(false, true, F, K, HWo, 1.0, dout.data() + n * F * HWo, HWo, cols_n, ld, 1.0, dw.data(), K);
    }
    for (std::size_t n = n0; n < n1; ++n) {  // for 1x1, dcols_n is dx[n] itself
      double* dcols_n = plan.x_is_cols ? dx.data() + n * K * HWo : cols + (n - n0) * HWo;
      detail::gemm(true, false, K, HWo, F, 1.0, w.data(), K, dout.data() + n * F * HWo, HWo, 0.0, dcols_n, ld);
    }
    if (!plan.x_is_cols) detail::col2im_chunk(cols, n0, n1, shape, param, dx);
  }
  return {std::move(dx), std::move(dw), db};
  // END SOLUTION
}

}  // namespace cnn
