// im2col and col2im, written for clarity (see src/cnnlab/im2col.hpp for the layout).
// The fast convolution does not call these: it fills the same layout chunk by chunk on both cores
// (src/conv_fast.cpp), and the tests check the two against each other.
#include "cnnlab/im2col.hpp"

#include <string>

#include <xtensor/xview.hpp>

#include "cnnlab/errors.hpp"

namespace cnn {

Tensor2 im2col(const Tensor4& x, std::size_t HH, std::size_t WW, const ConvParam& param) {
  const std::size_t N = x.shape(0), C = x.shape(1), H = x.shape(2), W = x.shape(3);
  const std::size_t Hout = conv_output_size("im2col", H, HH, param.stride, param.pad, "H");
  const std::size_t Wout = conv_output_size("im2col", W, WW, param.stride, param.pad, "W");
  const std::size_t S = param.stride, P = param.pad;
  // Exercise: pad x with P zeros on each side of H and W (xpad), then for every n, c, p, q, i, j:
  //   cols((c * HH + p) * WW + q, (n * Hout + i) * Wout + j) = xpad(n, c, i * S + p, j * S + q).
  // BEGIN SOLUTION im2col
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
  // Exercise: the loops of im2col with the assignment turned around and made a sum, into a padded dxpad:
  //   dxpad(n, c, i * S + p, j * S + q) += cols((c * HH + p) * WW + q, (n * Hout + i) * Wout + j);
  // then return dxpad without its padding (a view of rows P .. P + H - 1 and columns P .. P + W - 1).
  // BEGIN SOLUTION col2im
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
