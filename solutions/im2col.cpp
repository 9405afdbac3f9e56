// im2col and col2im, written for clarity (see src/layers/im2col.hpp for the layout).
// The fast convolution does not call these: it fills the same layout chunk by chunk on both cores
// (src/internals/conv_fast.cpp), and the tests check the two against each other.
#include "layers/im2col.hpp"

#include <string>

#include <xtensor/xview.hpp>

#include "core/errors.hpp"

namespace cnn {

Tensor2 im2col(const Tensor4& x, std::size_t HH, std::size_t WW, const ConvParam& param) {
  const std::size_t N = x.shape(0), C = x.shape(1), H = x.shape(2), W = x.shape(3);
  const std::size_t Hout = conv_output_size("im2col", H, HH, param.stride, param.pad, "H");
  const std::size_t Wout = conv_output_size("im2col", W, WW, param.stride, param.pad, "W");
  const std::size_t S = param.stride, P = param.pad;
  // Exercise: cols (C*HH*WW, N*Hout*Wout), every receptive field of x padded by P as a column (im2col.hpp).
  // BEGIN SOLUTION im2col
  // HINT 1: Each output position of a convolution reads one receptive field: C x HH x WW numbers of the
  //   padded input. Copy each field, unrolled, into its own column; then a convolution becomes one matrix
  //   product.
  // HINT 2: xpad (N, C, H + 2P, W + 2P) is x with P zeros on each side of H and W; then for every
  //   n < N, c < C, p < HH, q < WW, i < Hout, j < Wout:
  //     cols((c*HH + p)*WW + q, (n*Hout + i)*Wout + j) = xpad(n, c, i*S + p, j*S + q)
  //   The row says which entry of the field (c, p, q); the column says which field: output (n, i, j).
  // HINT 3: xpad = zeros (N, C, H + 2P, W + 2P), with x copied into its middle as in conv_forward_naive
  //   cols = zeros (C*HH*WW, N*Hout*Wout)
  //   for n < N, c < C, p < HH, q < WW, i < Hout, j < Wout:
  //     row = (c*HH + p)*WW + q
  //     col = (n*Hout + i)*Wout + j
  //     cols(row, col) = xpad(n, c, i*S + p, j*S + q)
  //   return cols
  Tensor4 xpad = xt::zeros<double>({N, C, H + 2 * P, W + 2 * P});
  xt::view(xpad, xt::all(), xt::all(), xt::range(P, P + H), xt::range(P, P + W)) = x;

  Tensor2 cols = xt::zeros<double>({C * HH * WW, N * Hout * Wout});
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t c = 0; c < C; ++c)
      for (std::size_t p = 0; p < HH; ++p)
        for (std::size_t q = 0; q < WW; ++q)
          for (std::size_t i = 0; i < Hout; ++i)
            for (std::size_t j = 0; j < Wout; ++j) {
              const std::size_t row = (c * HH + p) * WW + q;  // which entry of the receptive field
              const std::size_t col = (n * Hout + i) * Wout + j;  // which receptive field
              cols(row, col) = xpad(n, c, i * S + p, j * S + q);
            }
  return cols;
  // END SOLUTION
}

Tensor4 col2im(const Tensor2& cols, const std::array<std::size_t, 4>& x_shape, std::size_t HH, std::size_t WW,
               const ConvParam& param) {
  const auto [N, C, H, W] = x_shape;
  const std::size_t Hout = conv_output_size("col2im", H, HH, param.stride, param.pad, "H");
  const std::size_t Wout = conv_output_size("col2im", W, WW, param.stride, param.pad, "W");
  const std::size_t S = param.stride, P = param.pad;
  if (cols.shape(0) != C * HH * WW || cols.shape(1) != N * Hout * Wout)
    throw shape_error("col2im", "cols must be (C*HH*WW, N*Hout*Wout) = (" + std::to_string(C * HH * WW) + ", " +
                                    std::to_string(N * Hout * Wout) + ") for x of shape " + shape_str(x_shape) +
                                    " and " + std::to_string(HH) + "x" + std::to_string(WW) + " filters, got " +
                                    shape_str(cols.shape()));
  // Exercise: dx (N, C, H, W), the adjoint of im2col: each entry of cols added back where im2col read it.
  // BEGIN SOLUTION col2im
  // HINT 1: col2im carries gradients back through im2col's copying: an input entry that was copied into
  //   several columns (overlapping fields) receives the sum of all its copies, and the padding is dropped.
  // HINT 2: dxpad (N, C, H + 2P, W + 2P) starts at 0; for every n, c, p, q, i, j in the ranges of im2col:
  //     dxpad(n, c, i*S + p, j*S + q) += cols((c*HH + p)*WW + q, (n*Hout + i)*Wout + j)
  //   dx (N, C, H, W) is dxpad without its border: rows P .. P + H - 1 and columns P .. P + W - 1.
  // HINT 3: dxpad = zeros (N, C, H + 2P, W + 2P)
  //   for n < N, c < C, p < HH, q < WW, i < Hout, j < Wout:
  //     dxpad(n, c, i*S + p, j*S + q) += cols((c*HH + p)*WW + q, (n*Hout + i)*Wout + j)
  //   dx = xt::view(dxpad, xt::all(), xt::all(), xt::range(P, P + H), xt::range(P, P + W))
  //   return dx
  Tensor4 dxpad = xt::zeros<double>({N, C, H + 2 * P, W + 2 * P});
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t c = 0; c < C; ++c)
      for (std::size_t p = 0; p < HH; ++p)
        for (std::size_t q = 0; q < WW; ++q)
          for (std::size_t i = 0; i < Hout; ++i)
            for (std::size_t j = 0; j < Wout; ++j) {
              const std::size_t row = (c * HH + p) * WW + q;
              const std::size_t col = (n * Hout + i) * Wout + j;
              dxpad(n, c, i * S + p, j * S + q) += cols(row, col);  // overlapping fields add up
            }
  Tensor4 dx = xt::view(dxpad, xt::all(), xt::all(), xt::range(P, P + H), xt::range(P, P + W));
  return dx;
  // END SOLUTION
}

}  // namespace cnn
