// cnnlab exercise file (made by tools/exgen; `./lab hint <function>` gives hints, one level at a time).
// Write your code between each BEGIN EXERCISE and END EXERCISE and leave the rest as it is (it is checked).
// Then: ./lab check <topic>   (the topics are listed by ./lab progress)
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
  // BEGIN EXERCISE conv_forward_im2col
  throw cnn::not_implemented("conv_forward_im2col", "exercises/conv_im2col.cpp");
  // END EXERCISE
}

ConvGrads conv_backward_im2col(const Tensor4& dout, const ConvCache& cache) {
  const Tensor4& x = cache.x;
  const Tensor4& w = cache.w;
  const ConvParam& param = cache.param;
  const ConvShape shape = conv_shape("conv_backward_im2col", x, w, cache.b, param);
  check_conv_dout("conv_backward_im2col", dout, shape);
  const auto [N, C, H, W, F, HH, WW, Hout, Wout] = shape;
  // Exercise: the dx, dw and db of conv_backward_naive, computed with im2col, matrix products and col2im.
  // BEGIN EXERCISE conv_backward_im2col
  throw cnn::not_implemented("conv_backward_im2col", "exercises/conv_im2col.cpp");
  // END EXERCISE
}

}  // namespace cnn
