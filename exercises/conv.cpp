// cnnlab exercise file (made by tools/exgen; `./lab hint <function>` gives hints, one level at a time).
// Write your code between each BEGIN EXERCISE and END EXERCISE and leave the rest as it is (it is checked).
// Then: ./lab check <topic>   (the topics are listed by ./lab progress)
// The convolution layer, written as the formula's loops (see src/layers/conv.hpp for the contract).
// This is the algorithmic reference: conv_im2col.cpp computes the same sums and is tested against it.
#include "layers/conv.hpp"

#include <xtensor/xview.hpp>
#include <utility>

#include "core/errors.hpp"

namespace cnn {

ConvForward conv_forward_naive(const Tensor4& x, const Tensor4& w, const Tensor1& b, const ConvParam& param) {
  const auto [N, C, H, W, F, HH, WW, Hout, Wout] = conv_shape("conv_forward_naive", x, w, b, param);
  const std::size_t S = param.stride, P = param.pad;
  // Exercise: out (N, F, Hout, Wout), the F filters' responses on x zero-padded by P, at stride S; the cache.
  // BEGIN EXERCISE conv_forward_naive
  throw cnn::not_implemented("conv_forward_naive", "exercises/conv.cpp");
  // END EXERCISE
}

ConvGrads conv_backward_naive(const Tensor4& dout, const ConvCache& cache) {
  const Tensor4& x = cache.x;
  const Tensor4& w = cache.w;
  const ConvShape shape = conv_shape("conv_backward_naive", x, w, cache.b, cache.param);
  check_conv_dout("conv_backward_naive", dout, shape);
  const auto [N, C, H, W, F, HH, WW, Hout, Wout] = shape;
  const std::size_t S = cache.param.stride, P = cache.param.pad;
  // Exercise: dx (N, C, H, W), dw (F, C, HH, WW) and db (F), given dout = dL/dout (N, F, Hout, Wout).
  // BEGIN EXERCISE conv_backward_naive
  throw cnn::not_implemented("conv_backward_naive", "exercises/conv.cpp");
  // END EXERCISE
}

}  // namespace cnn
