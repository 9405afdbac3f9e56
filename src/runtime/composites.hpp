/// @file composites.hpp
/// @brief Sandwich layers, as in the course's layer_utils: a forward and a backward pass made of two or three
/// layers in a row, for the networks written by hand (the model zoo composes layers from specs instead).
///
/// Each composite calls the library's layer functions (the fast versions) in order and keeps their caches;
/// its backward pass calls their backward passes in reverse. Not exercises: once the layers work, these do.
/// Tests: `tests/core/test_composites.cpp`. Page: @ref layer_blocks.
#pragma once

#include "layers/affine.hpp"
#include "layers/batchnorm.hpp"
#include "internals/batchnorm_fast.hpp"
#include "layers/conv.hpp"
#include "layers/pool.hpp"
#include "layers/relu.hpp"

namespace cnn {

/// @brief Caches of an affine layer followed by a ReLU.
struct AffineReluCache {
  AffineCache affine;  ///< of affine_forward_blas
  ReluCache relu;      ///< of relu_forward
};

/// @brief Output of affine_relu_forward.
struct AffineReluForward {
  Tensor out;             ///< y = ReLU(x w + b), shape (N, M)
  AffineReluCache cache;  ///< for affine_relu_backward
};

/// @brief Affine then ReLU: @f$ y = \max(0, \tilde x w + b) @f$.
/// @param x  input, shape (N, d1, ..., dk)
/// @param w  weights, shape (D, M)
/// @param b  biases, shape (M)
/// @return   y of shape (N, M) and the caches
/// @throws cnn::shape_error as affine_forward
AffineReluForward affine_relu_forward(const Tensor& x, const Tensor2& w, const Tensor1& b);

/// @brief Backward pass of affine_relu_forward: ReLU's backward, then the affine layer's.
/// @param dout   upstream gradient, shape (N, M)
/// @param cache  from affine_relu_forward
/// @return       dx (shape of x), dw (D, M), db (M)
/// @throws cnn::shape_error when dout is not (N, M)
AffineGrads affine_relu_backward(const Tensor& dout, const AffineReluCache& cache);

/// @brief Caches of a convolution, a ReLU and a max pool.
struct ConvReluPoolCache {
  ConvCache conv;         ///< of conv_forward_im2col
  ReluCache relu;         ///< of relu_forward
  MaxPoolFastCache pool;  ///< of max_pool_forward_fast
};

/// @brief Output of conv_relu_pool_forward.
struct ConvReluPoolForward {
  Tensor4 out;              ///< y, shape (N, F, Hp, Wp) after pooling
  ConvReluPoolCache cache;  ///< for conv_relu_pool_backward
};

/// @brief Convolution, ReLU, max pooling: the lecture's CONV-RELU-POOL unit.
/// @param x      input, shape (N, C, H, W)
/// @param w      filters, shape (F, C, HH, WW)
/// @param b      biases, shape (F)
/// @param conv   stride and padding of the convolution
/// @param pool   window and stride of the max pool
/// @return       y and the caches
/// @throws cnn::shape_error as conv_forward_im2col and max_pool_forward_fast
ConvReluPoolForward conv_relu_pool_forward(const Tensor4& x, const Tensor4& w, const Tensor1& b, const ConvParam& conv,
                                           const PoolParam& pool);

/// @brief Backward pass of conv_relu_pool_forward.
/// @param dout   upstream gradient, shape of the pooled output
/// @param cache  from conv_relu_pool_forward
/// @return       dx (N, C, H, W), dw (F, C, HH, WW), db (F)
/// @throws cnn::shape_error when dout has another shape than the output
ConvGrads conv_relu_pool_backward(const Tensor4& dout, const ConvReluPoolCache& cache);

/// @brief Caches of a convolution, a spatial batch norm and a ReLU.
struct ConvBnReluCache {
  ConvCache conv;              ///< of conv_forward_im2col
  SpatialBatchNormFastCache bn;  ///< of spatial_batchnorm_forward_fast
  ReluCache relu;              ///< of relu_forward
};

/// @brief Output of conv_bn_relu_forward.
struct ConvBnReluForward {
  Tensor4 out;            ///< y, shape (N, F, Hout, Wout)
  ConvBnReluCache cache;  ///< for conv_bn_relu_backward
};

/// @brief Gradients of conv_bn_relu_backward.
struct ConvBnReluGrads {
  Tensor4 dx;      ///< dL/dx, shape (N, C, H, W)
  Tensor4 dw;      ///< dL/dw, shape (F, C, HH, WW)
  Tensor1 db;      ///< dL/db, shape (F)
  Tensor1 dgamma;  ///< dL/dgamma, shape (F)
  Tensor1 dbeta;   ///< dL/dbeta, shape (F)
};

/// @brief Convolution, spatial batch normalization, ReLU: ResNet's unit.
/// @param x       input, shape (N, C, H, W)
/// @param w       filters, shape (F, C, HH, WW)
/// @param b       biases, shape (F)
/// @param conv    stride and padding
/// @param gamma   batch-norm scale, shape (F)
/// @param beta    batch-norm shift, shape (F)
/// @param bn      batch-norm mode, eps, momentum
/// @param state   running statistics, each shape (F); updated in train mode
/// @return        y and the caches
/// @throws cnn::shape_error and cnn::value_error as the three layers
ConvBnReluForward conv_bn_relu_forward(const Tensor4& x, const Tensor4& w, const Tensor1& b, const ConvParam& conv,
                                       const Tensor1& gamma, const Tensor1& beta, const BatchNormParam& bn,
                                       BatchNormState& state);

/// @brief Backward pass of conv_bn_relu_forward (train mode).
/// @param dout   upstream gradient, shape (N, F, Hout, Wout)
/// @param cache  from a train-mode conv_bn_relu_forward
/// @return       dx, dw, db, dgamma, dbeta
/// @throws cnn::shape_error when dout has another shape than the output
ConvBnReluGrads conv_bn_relu_backward(const Tensor4& dout, const ConvBnReluCache& cache);

}  // namespace cnn
