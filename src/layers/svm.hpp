/// @file svm.hpp
/// @brief The multiclass SVM (hinge) loss: the true class should beat every other class by a margin of 1.
///
/// Exercise: `exercises/svm.cpp`. Tests: `tests/test_svm.cpp` (`./lab check svm`). Page: @ref layer_losses.
#pragma once

#include "layers/softmax.hpp"  // LossResult
#include "core/tensor.hpp"

namespace cnn {

/// @brief Multiclass SVM loss, forward and backward in one call. With margin @f$\Delta = 1@f$,
/// @f[ L = \frac{1}{N} \sum_n \sum_{k \ne y_n} \max(0,\; x_{n,k} - x_{n,y_n} + \Delta), @f]
/// @f[ \frac{\partial L}{\partial x_{n,k}} = \frac{1}{N} [\,x_{n,k} - x_{n,y_n} + \Delta > 0\,] \ (k \ne y_n),
///     \qquad \frac{\partial L}{\partial x_{n,y_n}} = -\sum_{k \ne y_n} \frac{\partial L}{\partial x_{n,k}}. @f]
/// A margin of exactly 0 is a kink; it counts as inactive here. A NaN margin counts as active, so that a NaN score
/// gives a NaN loss rather than vanishing (see @ref checks).
/// @param x  class scores, shape (N, K)
/// @param y  labels, shape (N), each in [0, K)
/// @return   the loss and dx of shape (N, K)
/// @throws cnn::shape_error when y's length is not N, or when N or K is 0
/// @throws cnn::value_error when a label is not below K
LossResult svm_loss(const Tensor2& x, const Labels& y);

}  // namespace cnn
