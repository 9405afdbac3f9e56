#include "core/shapes.hpp"

#include <string>

#include "core/errors.hpp"

namespace cnn {

std::size_t window_output_size(std::string_view function, std::size_t n, std::size_t f, std::size_t stride,
                               std::size_t pad, Rounding rounding, std::string_view axis) {
  const std::string A(axis);
  const std::string values = "(" + A + " = " + std::to_string(n) + ", F = " + std::to_string(f) +
                             ", P = " + std::to_string(pad) + ")";
  if (stride == 0) throw value_error(function, "stride S must be at least 1, got 0");
  if (f == 0) throw value_error(function, "window size F must be at least 1, got 0");
  const std::size_t padded = n + 2 * pad;
  if (f > padded)
    throw shape_error(function, "window F = " + std::to_string(f) + " is larger than the padded input " + A +
                                    " + 2P = " + std::to_string(padded) + " " + values);
  const std::size_t span = padded - f;  // (N - F + 2P)
  if (rounding == Rounding::exact && span % stride != 0)
    throw shape_error(function, "(" + A + " - F + 2P) = " + std::to_string(span) +
                                    " is not divisible by stride S = " + std::to_string(stride) + " " + values);
  if (rounding == Rounding::ceil) {
    std::size_t out = (span + stride - 1) / stride + 1;
    if (pad > 0 && (out - 1) * stride >= n + pad) --out;  // Caffe: the last window must start inside the input
    return out;
  }
  return span / stride + 1;
}

std::size_t conv_output_size(std::string_view function, std::size_t n, std::size_t f, std::size_t stride,
                             std::size_t pad, std::string_view axis) {
  return window_output_size(function, n, f, stride, pad, Rounding::exact, axis);
}

std::size_t pool_output_size(std::string_view function, std::size_t n, std::size_t f, std::size_t stride,
                             std::size_t pad, std::string_view axis) {
  return window_output_size(function, n, f, stride, pad, Rounding::floor, axis);
}

}  // namespace cnn
