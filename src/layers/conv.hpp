/// @file conv.hpp
/// @brief The convolution layer: F filters, each spanning the full depth of the input, slid over it.
///
/// Two implementations with one contract. `conv_forward_naive` / `conv_backward_naive` are the textbook
/// loops, one per subscript of the formula: the algorithmic reference. `conv_forward_im2col` /
/// `conv_backward_im2col` form the same sums as matrix products (see im2col.hpp): every receptive field
/// becomes a column, and all dot products with all filters become one product by BLAS.
///
/// Letters as in tensor.hpp: x is (N, C, H, W), the filters w are (F, C, HH, WW), the biases b are (F), the
/// output is (N, F, Hout, Wout) with
/// @f[ H_{out} = 1 + \frac{H + 2P - HH}{S}, \qquad W_{out} = 1 + \frac{W + 2P - WW}{S}, @f]
/// refused (cnn::shape_error, with the arithmetic) when the division is not exact.
///
/// Exercises: `exercises/conv.cpp` (naive), `exercises/conv_im2col.cpp` (im2col + one matrix product).
/// Tests: `tests/test_conv.cpp` (`./lab check conv`, `./lab check conv_im2col`). Pages: @ref layer_conv, @ref layer_conv_backward.
#pragma once

#include <cstddef>
#include <string_view>

#include "core/shapes.hpp"
#include "core/tensor.hpp"

namespace cnn {

/// @brief What a convolution's forward pass keeps for its backward pass: its inputs.
struct ConvCache {
  Tensor4 x;        ///< input, shape (N, C, H, W)
  Tensor4 w;        ///< filters, shape (F, C, HH, WW)
  Tensor1 b;        ///< biases, shape (F)
  ConvParam param;  ///< stride S and zero padding P
};

/// @brief Output of conv_forward_naive and conv_forward_im2col.
struct ConvForward {
  Tensor4 out;      ///< y, shape (N, F, Hout, Wout)
  ConvCache cache;  ///< for conv_backward_naive or conv_backward_im2col (either one)
};

/// @brief Gradients returned by conv_backward_naive and conv_backward_im2col.
struct ConvGrads {
  Tensor4 dx;  ///< dL/dx, shape (N, C, H, W)
  Tensor4 dw;  ///< dL/dw, shape (F, C, HH, WW)
  Tensor1 db;  ///< dL/db, shape (F)
};

/// @brief Every size of one convolution, named as in the formulas.
struct ConvShape {
  std::size_t N = 0;     ///< examples in the minibatch
  std::size_t C = 0;     ///< input channels (depth of x and of every filter)
  std::size_t H = 0;     ///< input height
  std::size_t W = 0;     ///< input width
  std::size_t F = 0;     ///< filters (output channels)
  std::size_t HH = 0;    ///< filter height
  std::size_t WW = 0;    ///< filter width
  std::size_t Hout = 0;  ///< output height, 1 + (H + 2P - HH) / S
  std::size_t Wout = 0;  ///< output width, 1 + (W + 2P - WW) / S
};

/// @brief Checks the inputs of a convolution and returns its sizes. Every conv function calls it first.
/// @param function the caller, first word of any message (e.g. "conv_forward_naive")
/// @param x        input, shape (N, C, H, W)
/// @param w        filters, shape (F, C, HH, WW)
/// @param b        biases, shape (F)
/// @param param    stride S and zero padding P
/// @return         N, C, H, W, F, HH, WW, Hout, Wout
/// @throws cnn::shape_error when w's depth is not x's C, when b's length is not F, or when the filters do not
///         tile the padded input at this stride (message with the arithmetic, see conv_output_size)
/// @throws cnn::value_error when the stride, HH or WW is 0
ConvShape conv_shape(std::string_view function, const Tensor4& x, const Tensor4& w, const Tensor1& b,
                     const ConvParam& param);

/// @brief Checks that an upstream gradient has the shape of the forward pass's output.
/// @param function the caller, first word of the message (e.g. "conv_backward_naive")
/// @param dout     upstream gradient, expected shape (N, F, Hout, Wout)
/// @param s        the convolution's sizes, from conv_shape
/// @throws cnn::shape_error when dout is not (N, F, Hout, Wout)
void check_conv_dout(std::string_view function, const Tensor4& dout, const ConvShape& s);

/// @brief Convolution, forward pass, written as the textbook loops.
/// @f[ y_{n,f,i,j} = b_f + \sum_{c=0}^{C-1}\sum_{p=0}^{HH-1}\sum_{q=0}^{WW-1}
///      w_{f,c,p,q}\; \hat x_{n,c,\,iS+p,\,jS+q} @f]
/// where @f$\hat x@f$ is @p x zero-padded by @p param.pad on each side (strictly a cross-correlation: the
/// filters are not flipped, as in every deep-learning library).
/// @param x      input, shape (N, C, H, W)
/// @param w      filters, shape (F, C, HH, WW)
/// @param b      biases, shape (F)
/// @param param  stride S >= 1 and zero padding P (any P; P <= HH - 1 is the useful range)
/// @return       y of shape (N, F, Hout, Wout), Hout = 1 + (H + 2P - HH) / S, Wout = 1 + (W + 2P - WW) / S;
///               and the cache for the backward pass
/// @throws cnn::shape_error when w's depth is not C, when b's length is not F, or when the filters do not
///         tile the padded input at this stride
/// @throws cnn::value_error when the stride, HH or WW is 0
ConvForward conv_forward_naive(const Tensor4& x, const Tensor4& w, const Tensor1& b, const ConvParam& param);

/// @brief Convolution, backward pass, written as the textbook loops, given
/// @f$\bar y = \partial L/\partial y@f$ (@p dout). Each term @f$w_{f,c,p,q}\,\hat x_{n,c,iS+p,jS+q}@f$ of
/// the forward sum sends @f$\bar y_{n,f,i,j}@f$ times its other factor to each factor:
/// @f[ \frac{\partial L}{\partial w_{f,c,p,q}} = \sum_{n,i,j} \bar y_{n,f,i,j}\, \hat x_{n,c,\,iS+p,\,jS+q},
///     \qquad \frac{\partial L}{\partial b_f} = \sum_{n,i,j} \bar y_{n,f,i,j}, @f]
/// @f[ \frac{\partial L}{\partial \hat x_{n,c,h,v}} = \sum_{f}\sum_{(i,p):\,iS+p=h}\;\sum_{(j,q):\,jS+q=v}
///      \bar y_{n,f,i,j}\, w_{f,c,p,q}, @f]
/// and dx is @f$\partial L/\partial \hat x@f$ with the padding cut off. At stride 1 that is a full
/// convolution of @f$\bar y@f$ with the flipped filters; dw is a correlation of @f$\hat x@f$ with
/// @f$\bar y@f$ (page @ref layer_conv_backward).
/// @param dout   upstream gradient, shape (N, F, Hout, Wout)
/// @param cache  from conv_forward_naive or conv_forward_im2col
/// @return       dx (N, C, H, W), dw (F, C, HH, WW), db (F)
/// @throws cnn::shape_error when dout is not (N, F, Hout, Wout), or when the cache is inconsistent
ConvGrads conv_backward_naive(const Tensor4& dout, const ConvCache& cache);

/// @brief Convolution, forward pass, as one matrix product: same contract and result as conv_forward_naive.
///
/// With @f$K = C \cdot HH \cdot WW@f$ and @f$P' = N \cdot H_{out} W_{out}@f$ output positions,
/// @f[ X_{col} = \mathrm{im2col}(x) \in \mathbb{R}^{K \times P'}, \qquad
///     W_{row} = w \text{ reshaped to } (F, K), \qquad
///     Y = W_{row} X_{col} + b\,\mathbf{1}^\top \in \mathbb{R}^{F \times P'}, @f]
/// and y(n, f, i, j) = Y(f, (n Hout + i) Wout + j). The reference builds @f$X_{col}@f$ a block of output rows
/// of one example at a time, in a buffer kept between calls, multiplies each block straight into y while it is
/// in cache, and shares the blocks out among the cores (page @ref layer_conv). The runtime's own conv layer takes
/// the same path for strided layers; at stride 1 it usually takes the direct way, which reads the rows of
/// @f$X_{col}@f$ in place from the padded input instead of building it (same page).
/// @param x      input, shape (N, C, H, W)
/// @param w      filters, shape (F, C, HH, WW)
/// @param b      biases, shape (F)
/// @param param  stride S and zero padding P
/// @return       y of shape (N, F, Hout, Wout) and the cache for the backward pass
/// @throws cnn::shape_error as conv_forward_naive
/// @throws cnn::value_error as conv_forward_naive
ConvForward conv_forward_im2col(const Tensor4& x, const Tensor4& w, const Tensor1& b, const ConvParam& param);

/// @brief Convolution, backward pass, as matrix products: same contract and result as conv_backward_naive.
///
/// With @f$\bar Y@f$ the upstream gradient laid out like Y, (F, P'):
/// @f[ dW_{row} = \bar Y X_{col}^\top, \qquad db = \bar Y \mathbf{1}, \qquad
///     dX_{col} = W_{row}^\top \bar Y, \qquad dx = \mathrm{col2im}(dX_{col}), @f]
/// where col2im, the adjoint of im2col, adds each column back into the receptive field it came from.
/// @param dout   upstream gradient, shape (N, F, Hout, Wout)
/// @param cache  from conv_forward_im2col or conv_forward_naive
/// @return       dx (N, C, H, W), dw (F, C, HH, WW), db (F)
/// @throws cnn::shape_error when dout is not (N, F, Hout, Wout), or when the cache is inconsistent
ConvGrads conv_backward_im2col(const Tensor4& dout, const ConvCache& cache);

}  // namespace cnn
