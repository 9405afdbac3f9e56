/// @file im2col.hpp
/// @brief im2col and col2im: every receptive field of a minibatch laid out as one column of a matrix, so
/// that a convolution becomes one matrix product.
///
/// Layout, fixed here for every user (conv_forward_im2col, the fast pooling, the calculator's workspace):
/// - `cols` has shape (C*HH*WW, N*Hout*Wout);
/// - row r = (c*HH + p)*WW + q holds input channel c at filter offset (p, q);
/// - column k = (n*Hout + i)*Wout + j is the receptive field of output position (i, j) of example n;
/// - cols(r, k) = x̂(n, c, i*S + p, j*S + q), where x̂ is x zero-padded by P on each side.
///
/// Exercise: `exercises/im2col.cpp`. Tests: `tests/test_im2col.cpp` (`./lab check im2col`). Page: @ref layer_conv.
#pragma once

#include <array>

#include "core/shapes.hpp"
#include "core/tensor.hpp"

namespace cnn {

/// @brief Lays every HH x WW x C receptive field of @p x out as a column.
/// @f[ \mathrm{cols}_{(c,p,q),\,(n,i,j)} = \hat x_{n,\,c,\,iS+p,\,jS+q} @f]
/// @param x      input, shape (N, C, H, W)
/// @param HH     filter height
/// @param WW     filter width
/// @param param  stride S and zero padding P
/// @return       cols, shape (C*HH*WW, N*Hout*Wout), Hout = 1 + (H + 2P - HH) / S, Wout likewise
/// @throws cnn::shape_error when the filter does not tile the padded input (see conv_output_size)
/// @throws cnn::value_error when the stride, HH or WW is 0
Tensor2 im2col(const Tensor4& x, std::size_t HH, std::size_t WW, const ConvParam& param);

/// @brief The adjoint of im2col: adds every column back into the receptive field it came from.
/// Where receptive fields overlap, their entries are summed; padding is dropped. This is exactly the
/// backward pass of im2col: if cols = im2col(x), then dx = col2im(dcols).
/// @param cols       shape (C*HH*WW, N*Hout*Wout)
/// @param x_shape    the shape (N, C, H, W) of the input im2col was applied to
/// @param HH         filter height
/// @param WW         filter width
/// @param param      stride S and zero padding P
/// @return           dx, shape (N, C, H, W)
/// @throws cnn::shape_error when cols does not have the shape im2col would give for @p x_shape
Tensor4 col2im(const Tensor2& cols, const std::array<std::size_t, 4>& x_shape, std::size_t HH, std::size_t WW,
               const ConvParam& param);

}  // namespace cnn
