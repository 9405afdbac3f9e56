/// @file checks.hpp
/// @brief Input checks shared by several layers; each throws with the calling function's name.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>

#include "layers/batchnorm.hpp"
#include "core/errors.hpp"
#include "core/tensor.hpp"

namespace cnn {

/// @brief Checks scores (N, K) against labels (N): N > 0, K > 0, one label per row, every label below K.
/// @throws cnn::shape_error on a size mismatch or an empty input
/// @throws cnn::value_error on a label of K or more
void check_labels(std::string_view function, const Tensor2& x, const Labels& y);

/// @brief Checks an affine layer's inputs: x of rank >= 2 flattening to D = w's rows, b of w's M columns.
/// @throws cnn::shape_error naming @p function, with the sizes
void check_affine_inputs(std::string_view function, const Tensor& x, const Tensor2& w, const Tensor1& b);

/// @brief Checks an affine layer's upstream gradient: (N, M) for an input of N examples and M outputs.
/// @throws cnn::shape_error naming @p function, with the sizes
void check_affine_dout(std::string_view function, const Tensor2& dout, std::size_t N, std::size_t M);

/// @brief Checks the inputs of a batch normalization forward pass (the naive pair and the fast spatial one):
/// at least one value per feature, at least 2 in train mode, at least one feature, gamma, beta and both running
/// statistics of one entry per feature, eps > 0, momentum in [0, 1], every running variance >= 0.
/// @param function  the caller, first word of any message
/// @param rows      values per feature: N, or N*H*W for the spatial versions
/// @param rows_name how messages name @p rows: "N" or "N*H*W"
/// @param features  D (or C for the spatial versions)
/// @param letter    how messages name @p features: "D" (features) or "C" (channels)
/// @param gamma     scale
/// @param beta      shift
/// @param param     mode, eps, momentum
/// @param state     running mean and variance
/// @throws cnn::shape_error on a size mismatch, an empty x, or a single value per feature in train mode
/// @throws cnn::value_error on eps <= 0, a momentum outside [0, 1], a negative running variance (or a NaN in any)
void check_batchnorm_forward(std::string_view function, std::size_t rows, std::string_view rows_name,
                             std::size_t features, std::string_view letter, const Tensor1& gamma, const Tensor1& beta,
                             const BatchNormParam& param, const BatchNormState& state);

/// @brief Formats a double as `<<` does (shortest readable form: 1e-05, 0.5, nan, inf), for messages.
std::string num_str(double v);

/// @brief Checks that two tensors have the same shape.
/// @throws cnn::shape_error naming both arguments and both shapes
template <class A, class B>
void check_same_shape(std::string_view function, std::string_view name_a, const A& a, std::string_view name_b,
                      const B& b) {
  const bool same = a.shape().size() == b.shape().size() &&
                    std::equal(a.shape().begin(), a.shape().end(), b.shape().begin());
  if (!same)
    throw shape_error(function, std::string(name_a) + " has shape " + shape_str(a.shape()) + " but " +
                                    std::string(name_b) + " has shape " + shape_str(b.shape()) + "; they must match");
}

}  // namespace cnn
