// cnnlab exercise file (made by tools/exgen; `./lab hint <function>` gives hints, one level at a time).
// Write your code between each BEGIN EXERCISE and END EXERCISE and leave the rest as it is (it is checked).
// Then: ./lab check <topic>   (the topics are listed by ./lab progress)
// The convolution layer as matrix products (see src/layers/conv.hpp for the contract).
// Same contract and cache as conv_forward_naive / conv_backward_naive. Differs only in how the sums are formed:
// every receptive field becomes a column of `cols` (C*HH*WW, N*Hout*Wout), and all dot products become one
// matrix product. The exercise asks for exactly that, built on your im2col and col2im. The library's own fast
// version (src/internals/conv_fast.hpp) forms `cols` a block of output rows at a time in a buffer kept between
// calls, on both cores, and multiplies each block with BLAS while it is in cache.
#include <algorithm>
#include <utility>
#include <vector>

#include <xtensor-blas/xlinalg.hpp>  // xt::linalg::dot, for the exercise
#include <xtensor/xview.hpp>

#include "layers/conv.hpp"
#include "internals/conv_fast.hpp"
#include "core/errors.hpp"
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
