/// @file dropout.hpp
/// @brief Inverted dropout: in training, every unit is zeroed with probability p_drop and the survivors are
/// scaled by 1 / (1 - p_drop), so that nothing needs rescaling at test time.
///
/// One name for the probability, everywhere in cnnlab: **p_drop is the probability of zeroing a unit** (as
/// PyTorch's `p`). The course's assignment has used `p` for the probability of *keeping* a unit in some years
/// and of dropping it in others; convert with p_drop = 1 - p_keep. Only a naive (loop) version exists: the
/// layer is one multiplication per entry, with nothing a faster algorithm could save.
///
/// Exercise: `exercises/dropout.cpp`. Tests: `tests/test_dropout.cpp` (`./lab check dropout`). Page: @ref layer_dropout.
#pragma once

#include "core/mode.hpp"
#include "core/random.hpp"
#include "core/tensor.hpp"

namespace cnn {

/// @brief Hyperparameters of dropout.
struct DropoutParam {
  double p_drop = 0.5;      ///< probability of zeroing a unit in train mode, in [0, 1); 0.5 as in AlexNet
  Mode mode = Mode::train;  ///< train: drop and rescale; test: the identity
};

/// @brief What dropout_forward keeps for dropout_backward.
struct DropoutCache {
  Tensor mask;  ///< shape of x: 0 for a dropped unit, 1 / (1 - p_drop) for a kept one; all ones in test mode
};

/// @brief Output of dropout_forward.
struct DropoutForward {
  Tensor out;          ///< y, shape of x
  DropoutCache cache;  ///< for dropout_backward
};

/// @brief Gradient returned by dropout_backward.
struct DropoutGrads {
  Tensor dx;  ///< dL/dx, shape of x
};

/// @brief Inverted dropout, forward pass. In train mode, with @f$p@f$ = p_drop,
/// @f[ y_i = m_i\, x_i, \qquad m_i = \begin{cases} 1/(1 - p) & \text{if } u_i \ge p \text{ (kept, probability } 1 - p)
///     \\ 0 & \text{if } u_i < p \text{ (dropped, probability } p) \end{cases} @f]
/// where @f$u_i@f$ is the i-th draw of @p rng's uniform() on [0, 1), one draw per entry of x in row-major
/// order: the same seed gives the same mask. Then @f$E[y_i] = x_i@f$. In test mode @f$y = x@f$ and @p rng is
/// not touched.
/// @param x      input, any shape (rank at least 1)
/// @param param  p_drop (probability of zeroing a unit) and mode
/// @param rng    source of the mask; advanced by x.size() draws in train mode
/// @return       y of the shape of x, and the cache (the mask) for dropout_backward
/// @throws cnn::shape_error when x is a scalar (rank 0)
/// @throws cnn::value_error when p_drop is outside [0, 1) or NaN (p_drop = 1 would drop everything and
///         divide by 0)
DropoutForward dropout_forward(const Tensor& x, const DropoutParam& param, Rng& rng);

/// @brief Inverted dropout, backward pass: the gradient flows through the kept units, scaled like them,
/// @f[ \frac{\partial L}{\partial x_i} = m_i\, \bar y_i . @f]
/// @param dout   upstream gradient, shape of x
/// @param cache  from dropout_forward (in test mode its mask is all ones, and dx = dout)
/// @return       dx, shape of x
/// @throws cnn::shape_error when dout and x differ in shape
DropoutGrads dropout_backward(const Tensor& dout, const DropoutCache& cache);

}  // namespace cnn
