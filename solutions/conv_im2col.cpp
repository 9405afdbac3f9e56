// The convolution layer as one matrix product (see src/layers/conv.hpp for the contract).
// Same contract and cache as conv_forward_naive / conv_backward_naive. Differs only in how the sums are formed:
// every receptive field becomes a column of `cols` (C*HH*WW, N*Hout*Wout), every filter a row of `w_row`
// (F, C*HH*WW), and all the layer's dot products become one matrix product, w_row cols. The backward pass is the
// affine layer's, on those matrices, with col2im carrying the columns' gradient back to x.
// The runtime's own fast convolution (src/internals/conv_fast.hpp) forms the same product a block of output
// rows at a time; it is tested against these clear versions, never the other way round.
#include <xtensor-blas/xlinalg.hpp>  // xt::linalg::dot
#include <xtensor/xmanipulation.hpp>  // xt::transpose

#include "core/errors.hpp"
#include "layers/conv.hpp"
#include "layers/im2col.hpp"

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
  const Tensor2 cols = im2col(x, HH, WW, param);                       // (C*HH*WW, N*Hout*Wout)
  const Tensor2 w_row = xt::reshape_view(w, {F, C * HH * WW});         // (F, C*HH*WW)
  // y = w_row cols, (F, N*Hout*Wout). xt::linalg::dot needs non-empty factors: with no examples or no channels
  // every sum is empty and y is all zeros.
  Tensor2 y = xt::zeros<double>({F, N * Hout * Wout});
  if (N > 0 && C > 0) y = xt::linalg::dot(w_row, cols);
  Tensor4 out = xt::zeros<double>({N, F, Hout, Wout});
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t f = 0; f < F; ++f)
      for (std::size_t i = 0; i < Hout; ++i)
        for (std::size_t j = 0; j < Wout; ++j)
          out(n, f, i, j) = y(f, (n * Hout + i) * Wout + j) + b(f);  // column (n, i, j) of y, plus the bias
  return {out, ConvCache{x, w, b, param}};
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
  Tensor2 dy = xt::zeros<double>({F, N * Hout * Wout});  // dout laid out like y
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t f = 0; f < F; ++f)
      for (std::size_t i = 0; i < Hout; ++i)
        for (std::size_t j = 0; j < Wout; ++j) dy(f, (n * Hout + i) * Wout + j) = dout(n, f, i, j);
  const Tensor2 cols = im2col(x, HH, WW, param);                           // (C*HH*WW, N*Hout*Wout)
  const Tensor2 w_row = xt::reshape_view(w, {F, C * HH * WW});             // (F, C*HH*WW)
  // the two products of affine_backward; with no examples or no channels every sum is empty (zeros), and
  // xt::linalg::dot needs non-empty factors
  Tensor2 dw_row = xt::zeros<double>({F, C * HH * WW});                     // dy colsᵀ
  Tensor2 dcols = xt::zeros<double>({C * HH * WW, N * Hout * Wout});        // w_rowᵀ dy
  if (N > 0 && C > 0) {
    dw_row = xt::linalg::dot(dy, xt::transpose(cols));
    dcols = xt::linalg::dot(xt::transpose(w_row), dy);
  }
  Tensor4 dw = xt::reshape_view(dw_row, {F, C, HH, WW});
  Tensor1 db = xt::zeros<double>({F});                                      // each row of dy summed
  for (std::size_t f = 0; f < F; ++f)
    for (std::size_t k = 0; k < N * Hout * Wout; ++k) db(f) += dy(f, k);
  Tensor4 dx = col2im(dcols, {N, C, H, W}, HH, WW, param);                 // (N, C, H, W)
  return {dx, dw, db};
  // END SOLUTION
}

}  // namespace cnn
