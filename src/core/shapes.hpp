/// @file shapes.hpp
/// @brief Output sizes of sliding windows: the one place where (N - F + 2P) / S + 1 is computed.
///
/// Convolutions and pooling layers, the calculator and the model zoo all take their output sizes from here,
/// so a configuration is accepted or refused the same way everywhere. Page: @ref layer_conv.
#pragma once

#include <cstddef>
#include <string_view>

namespace cnn {

/// @brief Stride and zero padding of a convolution (the lecture's S and P), the same along both axes.
struct ConvParam {
  std::size_t stride = 1;  ///< S: step between neighbouring receptive fields, at least 1
  std::size_t pad = 0;     ///< P: zeros added on each side of the input, along H and W
};

/// @brief How a window that does not tile the input is treated.
enum class Rounding {
  exact,  ///< refuse: (N - F + 2P) must be divisible by S (convolutions; the lecture's rule)
  floor,  ///< drop the last partial window (pooling, as in PyTorch)
  ceil    ///< keep the last partial window (Caffe's pooling); never one that starts in the right padding
};

/// @brief Output size along one axis of a window of size @p f sliding over @p n inputs:
/// @f[ n_{out} = \frac{n - f + 2p}{s} + 1. @f]
/// Example from the lecture: a 7x7 input and a 3x3 filter give 5 at stride 1, 3 at stride 2, and do not fit
/// at stride 3, which is refused with the message
/// `conv: (W - F + 2P) = 4 is not divisible by stride S = 3 (W = 7, F = 3, P = 0)`.
/// @param function the caller, first word of any message (e.g. "conv_forward_naive")
/// @param n        input size along the axis, N (W or H)
/// @param f        window (filter) size along the axis, F
/// @param stride   step between windows, S > 0
/// @param pad      zero padding added on each side, P
/// @param rounding Rounding::exact (refuse when windows do not tile), Rounding::floor (round down) or
///                 Rounding::ceil (round up, as Caffe's pooling: then one less if the last window would start
///                 in the right padding)
/// @param axis     the axis's letter for messages: "W" or "H"
/// @return         the number of window positions along the axis
/// @throws cnn::value_error when @p stride is 0 or @p f is 0
/// @throws cnn::shape_error when the window is larger than the padded input, or (exact) does not tile it
std::size_t window_output_size(std::string_view function, std::size_t n, std::size_t f, std::size_t stride,
                               std::size_t pad, Rounding rounding, std::string_view axis = "W");

/// @brief Output size of a convolution along one axis; refuses sizes that do not tile (Rounding::exact).
/// @see window_output_size
std::size_t conv_output_size(std::string_view function, std::size_t n, std::size_t f, std::size_t stride,
                             std::size_t pad, std::string_view axis = "W");

/// @brief Output size of a pooling layer along one axis; rounds down (Rounding::floor), like PyTorch.
/// @see window_output_size
std::size_t pool_output_size(std::string_view function, std::size_t n, std::size_t f, std::size_t stride,
                             std::size_t pad = 0, std::string_view axis = "W");

}  // namespace cnn
