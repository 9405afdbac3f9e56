/// @file batchnorm_fast.hpp
/// @brief Spatial batch normalization computed on the (N, C, H, W) layout directly: the fast version of
/// spatial_batchnorm_forward / spatial_batchnorm_backward, used by the runtime.
///
/// Same mathematics, modes, parameters and running-statistics update as the naive pair (batchnorm.hpp); it differs
/// only in the order of the loops. The naive pair lays x out as rows (N*H*W, C) and walks one column at a time,
/// which reads memory with a stride of C; this one sums each channel's H*W plane of every example, which reads
/// memory in order. Not an exercise (like the fast pooling): the tests compare it with the student's naive pair.
/// Tests: `tests/core/test_batchnorm_fast.cpp`. Page: @ref layer_batchnorm.
#pragma once

#include <array>

#include "layers/batchnorm.hpp"

namespace cnn {

/// @brief What spatial_batchnorm_forward_fast keeps for its backward pass.
struct SpatialBatchNormFastCache {
  Mode mode = Mode::train;                ///< the mode of the forward pass (backward needs train)
  Tensor4 xhat;                           ///< normalized input, shape (N, C, H, W)
  Tensor1 inv_std;                        ///< @f$1/\sqrt{\sigma_c^2 + \epsilon}@f$ per channel, shape (C)
  Tensor1 gamma;                          ///< scale, shape (C)
};

/// @brief Output of spatial_batchnorm_forward_fast.
struct SpatialBatchNormFastForward {
  Tensor4 out;                      ///< y, shape (N, C, H, W)
  SpatialBatchNormFastCache cache;  ///< for spatial_batchnorm_backward_fast
};

/// @brief Spatial batch normalization, forward pass, channel plane by channel plane. Same contract as
/// spatial_batchnorm_forward (shapes, modes, the running-statistics update, what it throws).
/// @param x      input, shape (N, C, H, W)
/// @param gamma  scale, shape (C)
/// @param beta   shift, shape (C)
/// @param param  mode, eps, momentum
/// @param state  running mean and variance, each shape (C); updated in train mode
/// @return       y and the cache for spatial_batchnorm_backward_fast
/// @throws cnn::shape_error when gamma, beta or a running statistic does not have C entries, when x is empty
///         (N*H*W = 0 or C = 0), or when N*H*W is 1 in train mode
/// @throws cnn::value_error when eps <= 0, momentum is outside [0, 1] or a running variance is negative (or NaN)
SpatialBatchNormFastForward spatial_batchnorm_forward_fast(const Tensor4& x, const Tensor1& gamma, const Tensor1& beta,
                                                           const BatchNormParam& param, BatchNormState& state);

/// @brief Spatial batch normalization, backward pass in the closed form, per channel with M = N*H*W:
/// @f$ dx = \frac{\gamma}{M\sqrt{\sigma^2+\epsilon}}\,(M\,\bar y - \textstyle\sum \bar y - \hat x \sum \bar y\,\hat x) @f$.
/// @param dout   upstream gradient, shape (N, C, H, W)
/// @param cache  from a train-mode spatial_batchnorm_forward_fast
/// @return       dx (N, C, H, W), dgamma (C), dbeta (C)
/// @throws cnn::shape_error when dout does not have the input's shape, or when the cache's inv_std or gamma
///         does not have C entries
/// @throws cnn::value_error when the cache comes from a test-mode forward pass
SpatialBatchNormGrads spatial_batchnorm_backward_fast(const Tensor4& dout, const SpatialBatchNormFastCache& cache);

}  // namespace cnn
