/// @file tensor.hpp
/// @brief The tensor types every layer uses, and small helpers to describe them in messages.
///
/// Glossary of the letters used in shapes throughout cnnlab:
/// N examples in a minibatch, C input channels (depth), H and W input height and width,
/// F filters (output channels), HH and WW filter height and width, D features of a flattened input,
/// M outputs of an affine layer, K classes.
#pragma once

#include <cstddef>
#include <sstream>
#include <string>

#include <xtensor/xarray.hpp>
#include <xtensor/xtensor.hpp>

namespace cnn {

/// @brief A tensor of any rank, used where the rank is free by contract (affine's x, ReLU).
using Tensor = xt::xarray<double>;
/// @brief A vector, e.g. biases of shape (F).
using Tensor1 = xt::xtensor<double, 1>;
/// @brief A matrix, e.g. scores of shape (N, K) or affine weights of shape (D, M).
using Tensor2 = xt::xtensor<double, 2>;
/// @brief Rank 3, e.g. one image of shape (C, H, W).
using Tensor3 = xt::xtensor<double, 3>;
/// @brief A minibatch of images (N, C, H, W), or a bank of filters (F, C, HH, WW).
using Tensor4 = xt::xtensor<double, 4>;
/// @brief Class labels, one per example, each in [0, K).
using Labels = xt::xtensor<std::size_t, 1>;

/// @brief Formats a shape as `(2, 3, 4)`; a rank-0 shape is `()`.
template <class Shape>
std::string shape_str(const Shape& shape) {
  std::ostringstream os;
  os << '(';
  bool first = true;
  for (auto d : shape) {
    if (!first) os << ", ";
    os << d;
    first = false;
  }
  os << ')';
  return os.str();
}

/// @brief Product of the sizes after the first axis: D for an (N, d1, ..., dk) input.
template <class Shape>
std::size_t trailing_size(const Shape& shape) {
  std::size_t d = 1;
  for (std::size_t i = 1; i < shape.size(); ++i) d *= shape[i];
  return d;
}

}  // namespace cnn
