/// @file relu.hpp
/// @brief The rectified linear unit: threshold at zero, elementwise.
///
/// Exercise: `exercises/relu.cpp`. Tests: `tests/test_relu.cpp` (`./lab check relu`). Page: @ref layer_relu.
#pragma once

#include "core/tensor.hpp"

namespace cnn {

/// @brief What relu_forward keeps for relu_backward.
struct ReluCache {
  Tensor x;  ///< input, any shape
};

/// @brief Output of relu_forward.
struct ReluForward {
  Tensor out;       ///< y, shape of x
  ReluCache cache;  ///< for relu_backward
};

/// @brief Gradient returned by relu_backward.
struct ReluGrads {
  Tensor dx;  ///< dL/dx, shape of x
};

/// @brief ReLU, forward pass: @f$ y_i = \max(0, x_i) @f$ for every entry.
///
/// A NaN stays NaN (the reference tests `x <= 0`, which is false for NaN; `x > 0 ? x : 0` would turn it into 0 and
/// hide it). See @ref checks.
/// @param x  input, any shape (rank at least 1)
/// @return   y of the same shape and the cache for relu_backward
/// @throws cnn::shape_error when x is a scalar (rank 0)
ReluForward relu_forward(const Tensor& x);

/// @brief ReLU, backward pass: the upstream gradient passes where the input was positive.
/// @f[ \frac{\partial L}{\partial x_i} = \bar y_i \, [\lnot(x_i \le 0)] @f]
/// which is @f$\bar y_i [x_i > 0]@f$ for every number. At @f$x_i = 0@f$ ReLU has no derivative; this uses 0 there
/// (the slope from the left), as most libraries do. Where @f$x_i@f$ is NaN the forward pass let it through, and
/// the gradient passes too (as in PyTorch): that is the one case where the two brackets differ.
/// @param dout   upstream gradient, shape of x
/// @param cache  from relu_forward
/// @return       dx, shape of x
/// @throws cnn::shape_error when dout and x differ in shape
ReluGrads relu_backward(const Tensor& dout, const ReluCache& cache);

}  // namespace cnn
