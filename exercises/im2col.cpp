// cnnlab exercise file (made by tools/exgen; `./lab hint <function>` gives hints, one level at a time).
// Write your code between each BEGIN EXERCISE and END EXERCISE and leave the rest as it is (it is checked).
// Then: ./lab check <topic>   (the topics are listed by ./lab progress)
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
  // BEGIN EXERCISE im2col
  throw cnn::not_implemented("im2col", "exercises/im2col.cpp");
  // END EXERCISE
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
  // BEGIN EXERCISE col2im
  throw cnn::not_implemented("col2im", "exercises/im2col.cpp");
  // END EXERCISE
}

}  // namespace cnn
