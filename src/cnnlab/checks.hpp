/// @file checks.hpp
/// @brief Input checks shared by several layers; each throws with the calling function's name.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>

#include "cnnlab/errors.hpp"
#include "cnnlab/tensor.hpp"

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
