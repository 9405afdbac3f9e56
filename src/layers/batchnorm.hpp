/// @file batchnorm.hpp
/// @brief Batch normalization: every feature (or channel) of a minibatch brought to mean 0 and variance 1,
/// then scaled by @f$\gamma@f$ and shifted by @f$\beta@f$, both learned.
///
/// Two backward passes with one contract: batchnorm_backward goes step by step through the computation graph,
/// batchnorm_backward_alt uses the simplified closed form; the tests require them to agree. Spatial batch
/// normalization reshapes (N, C, H, W) to (N*H*W, C) and reuses the (N, D) layer.
///
/// Momentum convention (the course's): @f$ r \leftarrow m\, r + (1 - m)\, \mu_B @f$. PyTorch writes the same
/// update with @f$ m' = 1 - m @f$ (its default 0.1 is cnnlab's 0.9), and feeds its running variance with the
/// unbiased batch variance, where cnnlab uses the biased one it normalizes with. See @ref layer_batchnorm.
///
/// Exercise: `exercises/batchnorm.cpp`. Tests: `tests/test_batchnorm.cpp` (`./lab check batchnorm`), reference values from `tests/reference/norm_torch.py`. Page: @ref layer_batchnorm.
#pragma once

#include <array>
#include <cstddef>

#include <xtensor/xbuilder.hpp>

#include "core/mode.hpp"
#include "core/tensor.hpp"

namespace cnn {

/// @brief Hyperparameters of batch normalization.
struct BatchNormParam {
  Mode mode = Mode::train;  ///< train: normalize with the batch's statistics and update the running ones
  double eps = 1e-5;        ///< @f$\epsilon@f$ added to the variance before the square root, > 0
  double momentum = 0.9;    ///< m in @f$ r \leftarrow m\, r + (1 - m)\, \text{batch} @f$, in [0, 1] (PyTorch: 1 - m)
};

/// @brief The running statistics of batch normalization: state the caller owns, updated by every
/// train-mode forward pass and used by every test-mode one.
struct BatchNormState {
  Tensor1 running_mean;  ///< running average of the batch means, shape (D) (or (C) for spatial)
  Tensor1 running_var;   ///< running average of the biased batch variances, shape (D) (or (C))
};

/// @brief Fresh running statistics for @p D features: mean 0 and variance 1 (as PyTorch starts them), so a
/// test-mode pass before any training is close to the identity followed by @f$\gamma, \beta@f$.
/// @param D number of features (or channels)
/// @return  running_mean = 0 and running_var = 1, each of shape (D)
inline BatchNormState batchnorm_state(std::size_t D) {
  return BatchNormState{xt::zeros<double>({D}), xt::ones<double>({D})};
}

/// @brief What batchnorm_forward keeps for the backward passes.
struct BatchNormCache {
  Mode mode = Mode::train;  ///< the mode of the forward pass (backward needs train)
  Tensor2 x;                ///< input, shape (N, D)
  Tensor2 xhat;             ///< normalized input @f$\hat x@f$, shape (N, D)
  Tensor1 mean;             ///< the mean that was subtracted, shape (D): the batch's (train) or the running one (test)
  Tensor1 var;              ///< the variance that was used, shape (D): the batch's biased one (train) or the running one
  Tensor1 gamma;            ///< scale, shape (D)
  double eps = 1e-5;        ///< @f$\epsilon@f$ of the forward pass
};

/// @brief Output of batchnorm_forward.
struct BatchNormForward {
  Tensor2 out;           ///< y, shape (N, D)
  BatchNormCache cache;  ///< for batchnorm_backward and batchnorm_backward_alt
};

/// @brief Gradients returned by batchnorm_backward and batchnorm_backward_alt.
struct BatchNormGrads {
  Tensor2 dx;      ///< dL/dx, shape (N, D)
  Tensor1 dgamma;  ///< dL/dgamma, shape (D)
  Tensor1 dbeta;   ///< dL/dbeta, shape (D)
};

/// @brief Batch normalization, forward pass, for every feature d of an (N, D) minibatch.
///
/// Train mode uses the batch mean and the biased batch variance,
/// @f[ \mu_d = \frac{1}{N}\sum_{n} x_{n,d}, \qquad \sigma^2_d = \frac{1}{N}\sum_{n} (x_{n,d} - \mu_d)^2, @f]
/// @f[ \hat x_{n,d} = \frac{x_{n,d} - \mu_d}{\sqrt{\sigma^2_d + \epsilon}}, \qquad
///     y_{n,d} = \gamma_d\, \hat x_{n,d} + \beta_d, @f]
/// and then updates the caller's running statistics (momentum m, the course's convention):
/// @f[ \bar\mu_d \leftarrow m\,\bar\mu_d + (1 - m)\,\mu_d, \qquad
///     \bar\sigma^2_d \leftarrow m\,\bar\sigma^2_d + (1 - m)\,\sigma^2_d. @f]
/// Test mode uses @f$\bar\mu, \bar\sigma^2@f$ in place of @f$\mu, \sigma^2@f$ and leaves @p state unchanged,
/// so each example's output no longer depends on the rest of the batch.
/// @param x      input, shape (N, D); train mode needs N >= 2 (one example has no variance)
/// @param gamma  scale, shape (D)
/// @param beta   shift, shape (D)
/// @param param  mode, eps, momentum
/// @param state  running mean and variance, each shape (D); updated in train mode (see batchnorm_state)
/// @return       y of shape (N, D) and the cache for the backward passes
/// @throws cnn::shape_error when gamma, beta or a running statistic does not have D entries, when N or D is 0,
///         or when N is 1 in train mode
/// @throws cnn::value_error when eps <= 0 or momentum is outside [0, 1] (or either is NaN), or when a running
///         variance is negative (or NaN)
BatchNormForward batchnorm_forward(const Tensor2& x, const Tensor1& gamma, const Tensor1& beta,
                                   const BatchNormParam& param, BatchNormState& state);

/// @brief Batch normalization, backward pass, step by step through the computation graph.
///
/// The forward pass as a graph of small steps (per feature d, sums over n):
/// @f$ \mu = \tfrac1N\sum x @f$, @f$ c = x - \mu @f$, @f$ \sigma^2 = \tfrac1N\sum c^2 @f$,
/// @f$ s = \sqrt{\sigma^2 + \epsilon} @f$, @f$ \hat x = c / s @f$, @f$ y = \gamma\hat x + \beta @f$.
/// The backward pass walks it in reverse, one local derivative per step:
/// @f[ \bar\beta = \sum_n \bar y, \quad \bar\gamma = \sum_n \bar y\,\hat x, \quad \bar{\hat x} = \gamma\,\bar y, @f]
/// @f[ \bar s = -\sum_n \bar{\hat x}\, c / s^2, \quad \overline{\sigma^2} = \bar s / (2 s), \quad
///     \bar c = \bar{\hat x} / s + \tfrac{2}{N}\, c\, \overline{\sigma^2}, \quad
///     \bar\mu = -\sum_n \bar c, \quad \bar x = \bar c + \bar\mu / N. @f]
/// Same contract and result as batchnorm_backward_alt.
/// @param dout   upstream gradient @f$\bar y@f$, shape (N, D)
/// @param cache  from a train-mode batchnorm_forward
/// @return       dx (N, D), dgamma (D), dbeta (D)
/// @throws cnn::shape_error when dout is not (N, D), or when the cache's parts do not fit together
/// @throws cnn::value_error when the cache comes from a test-mode forward pass (not supported: there the layer
///         is a fixed affine map per feature)
BatchNormGrads batchnorm_backward(const Tensor2& dout, const BatchNormCache& cache);

/// @brief Batch normalization, backward pass, in the simplified closed form. Collapsing the graph of
/// batchnorm_backward (with @f$\sum_n \hat x_{n,d} = 0@f$) gives, per feature d,
/// @f[ \frac{\partial L}{\partial x_{n,d}} = \frac{\gamma_d}{N\sqrt{\sigma^2_d + \epsilon}}
///     \Big( N \bar y_{n,d} - \sum_{k} \bar y_{k,d} - \hat x_{n,d} \sum_{k} \bar y_{k,d}\, \hat x_{k,d} \Big), @f]
/// with @f$\partial L/\partial\gamma_d = \sum_n \bar y_{n,d}\,\hat x_{n,d}@f$ and
/// @f$\partial L/\partial\beta_d = \sum_n \bar y_{n,d}@f$. Same contract and result as batchnorm_backward,
/// with fewer passes over the data.
/// @param dout   upstream gradient @f$\bar y@f$, shape (N, D)
/// @param cache  from a train-mode batchnorm_forward
/// @return       dx (N, D), dgamma (D), dbeta (D)
/// @throws cnn::shape_error when dout is not (N, D), or when the cache's parts do not fit together
/// @throws cnn::value_error when the cache comes from a test-mode forward pass
BatchNormGrads batchnorm_backward_alt(const Tensor2& dout, const BatchNormCache& cache);

/// @brief What spatial_batchnorm_forward keeps for spatial_batchnorm_backward.
struct SpatialBatchNormCache {
  BatchNormCache rows;                  ///< the cache of the (N*H*W, C) batchnorm_forward call
  std::array<std::size_t, 4> x_shape{};  ///< (N, C, H, W) of the input
};

/// @brief Output of spatial_batchnorm_forward.
struct SpatialBatchNormForward {
  Tensor4 out;                  ///< y, shape (N, C, H, W)
  SpatialBatchNormCache cache;  ///< for spatial_batchnorm_backward
};

/// @brief Gradients returned by spatial_batchnorm_backward.
struct SpatialBatchNormGrads {
  Tensor4 dx;      ///< dL/dx, shape (N, C, H, W)
  Tensor1 dgamma;  ///< dL/dgamma, shape (C)
  Tensor1 dbeta;   ///< dL/dbeta, shape (C)
};

/// @brief Spatial batch normalization, forward pass: statistics per channel c over all of N, H and W,
/// @f[ \mu_c = \frac{1}{NHW}\sum_{n,i,j} x_{n,c,i,j}, \qquad
///     \sigma^2_c = \frac{1}{NHW}\sum_{n,i,j} (x_{n,c,i,j} - \mu_c)^2, \qquad
///     y_{n,c,i,j} = \gamma_c \frac{x_{n,c,i,j} - \mu_c}{\sqrt{\sigma^2_c + \epsilon}} + \beta_c. @f]
/// Computed by laying x out as rows (N*H*W, C), row (n*H + i)*W + j holding the C channels of pixel (i, j) of
/// example n, and calling batchnorm_forward; the running statistics have one entry per channel.
/// @param x      input, shape (N, C, H, W); train mode needs N*H*W >= 2
/// @param gamma  scale, shape (C)
/// @param beta   shift, shape (C)
/// @param param  mode, eps, momentum (as for batchnorm_forward)
/// @param state  running mean and variance, each shape (C); updated in train mode
/// @return       y of shape (N, C, H, W) and the cache for spatial_batchnorm_backward
/// @throws cnn::shape_error when gamma, beta or a running statistic does not have C entries, when x is empty
///         (N*H*W = 0 or C = 0), or when N*H*W is 1 in train mode
/// @throws cnn::value_error when eps <= 0, momentum is outside [0, 1] or a running variance is negative (or NaN)
SpatialBatchNormForward spatial_batchnorm_forward(const Tensor4& x, const Tensor1& gamma, const Tensor1& beta,
                                                  const BatchNormParam& param, BatchNormState& state);

/// @brief Spatial batch normalization, backward pass: dout laid out as rows (N*H*W, C) like x, passed to
/// batchnorm_backward (the required one; batchnorm_backward_alt gives the same), and dx laid back out as
/// (N, C, H, W).
/// @param dout   upstream gradient, shape (N, C, H, W)
/// @param cache  from a train-mode spatial_batchnorm_forward
/// @return       dx (N, C, H, W), dgamma (C), dbeta (C)
/// @throws cnn::shape_error when dout does not have the input's shape, or when the cache's rows are not
///         (N*H*W, C)
/// @throws cnn::value_error when the cache comes from a test-mode forward pass
SpatialBatchNormGrads spatial_batchnorm_backward(const Tensor4& dout, const SpatialBatchNormCache& cache);

}  // namespace cnn
