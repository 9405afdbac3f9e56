/// @file softmax.hpp
/// @brief The softmax (cross-entropy) loss: class scores to probabilities, then the log-loss of the true class.
///
/// Exercise: `exercises/softmax.cpp`. Tests: `tests/test_softmax.cpp` (`./lab check softmax`). Page: @ref layer_losses.
#pragma once

#include "core/tensor.hpp"

namespace cnn {

/// @brief A loss and its gradient with respect to the scores.
struct LossResult {
  double loss = 0.0;  ///< the data loss, averaged over the N examples
  Tensor2 dx;         ///< dL/dx, shape (N, K)
};

/// @brief Softmax loss, forward and backward in one call (the loss ends the network, so there is no
/// upstream gradient). With @f$ p_{n,k} = e^{x_{n,k}} / \sum_j e^{x_{n,j}} @f$,
/// @f[ L = -\frac{1}{N} \sum_{n} \log p_{n, y_n}, \qquad
///     \frac{\partial L}{\partial x_{n,k}} = \frac{1}{N}\left(p_{n,k} - [k = y_n]\right). @f]
/// The scores are shifted by their row maximum before exponentiating; this changes no probability and
/// keeps @f$e^x@f$ from overflowing.
/// @param x  class scores, shape (N, K)
/// @param y  labels, shape (N), each in [0, K)
/// @return   the loss and dx of shape (N, K)
/// @throws cnn::shape_error when y's length is not N, or when N or K is 0
/// @throws cnn::value_error when a label is not below K
LossResult softmax_loss(const Tensor2& x, const Labels& y);

}  // namespace cnn
