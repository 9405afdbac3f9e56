/// @file lrn.hpp
/// @brief Local response normalization across channels, as in AlexNet (its NORM1 and NORM2 layers): every
/// activation is divided by a power of the summed squares of its neighbours in depth at the same pixel.
///
/// Convention: cnnlab follows the AlexNet paper, @f$k + \alpha \sum x^2@f$, with @f$\alpha@f$ **not** divided
/// by the window size n. PyTorch's `local_response_norm` and Caffe divide by n (@f$k + \frac{\alpha}{n}\sum
/// x^2@f$): cnnlab's @f$\alpha@f$ equals theirs divided by n. Only a naive (loop) version exists. The layer
/// has fallen out of use (batch normalization replaced it); it is here because the lecture's AlexNet has it.
///
/// Exercise: `exercises/lrn.cpp`. Tests: `tests/test_lrn.cpp` (`./lab check lrn`), reference values from `tests/reference/norm_torch.py`. Page: @ref layer_lrn.
#pragma once

#include <cstddef>

#include "core/tensor.hpp"

namespace cnn {

/// @brief Hyperparameters of local response normalization; the defaults are AlexNet's.
struct LrnParam {
  std::size_t size = 5;  ///< n: channels in the window, odd (the window is centred), at least 1
  double k = 2.0;        ///< additive constant, > 0 (keeps the denominator away from 0)
  double alpha = 1e-4;   ///< weight of the sum of squares, >= 0, not divided by n (PyTorch's alpha / n)
  double beta = 0.75;    ///< exponent, >= 0
};

/// @brief What lrn_forward keeps for lrn_backward.
struct LrnCache {
  Tensor4 x;       ///< input, shape (N, C, H, W)
  Tensor4 scale;   ///< the denominator's base @f$s = k + \alpha \sum x^2@f$, shape (N, C, H, W)
  LrnParam param;  ///< the hyperparameters of the forward pass
};

/// @brief Output of lrn_forward.
struct LrnForward {
  Tensor4 out;     ///< y, shape (N, C, H, W)
  LrnCache cache;  ///< for lrn_backward
};

/// @brief Gradient returned by lrn_backward.
struct LrnGrads {
  Tensor4 dx;  ///< dL/dx, shape (N, C, H, W)
};

/// @brief Local response normalization, forward pass. At every example n and pixel (i, j), channel c is
/// divided by a power of the sum of squares over the n channels centred on it (indices n, i, j left out):
/// @f[ s_c = k + \alpha \sum_{c' = \max(0,\, c - r)}^{\min(C - 1,\, c + r)} x_{c'}^2, \qquad
///     y_c = x_c\, s_c^{-\beta}, \qquad r = (n - 1) / 2. @f]
/// Windows are cut at the first and last channel (as if padded with zeros). AlexNet: k = 2, n = 5,
/// @f$\alpha = 10^{-4}@f$, @f$\beta = 0.75@f$.
/// @param x      input, shape (N, C, H, W)
/// @param param  size n, k, alpha, beta
/// @return       y of shape (N, C, H, W) and the cache for lrn_backward
/// @throws cnn::value_error when size is even or 0, k <= 0, alpha < 0 or beta < 0 (or any is NaN)
LrnForward lrn_forward(const Tensor4& x, const LrnParam& param);

/// @brief Local response normalization, backward pass. Channel j reaches the loss through its own output
/// and through the denominators of every channel whose window holds it (the windows are symmetric, so those
/// are the channels in j's own window):
/// @f[ \frac{\partial L}{\partial x_j} = \bar y_j\, s_j^{-\beta}
///     - 2\alpha\beta\, x_j \sum_{c = \max(0,\, j - r)}^{\min(C - 1,\, j + r)} \bar y_c\, x_c\, s_c^{-\beta - 1}. @f]
/// @param dout   upstream gradient @f$\bar y@f$, shape (N, C, H, W)
/// @param cache  from lrn_forward
/// @return       dx, shape (N, C, H, W)
/// @throws cnn::shape_error when dout, or the cache's scale, does not have the shape of x
LrnGrads lrn_backward(const Tensor4& dout, const LrnCache& cache);

}  // namespace cnn
