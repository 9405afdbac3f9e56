/// @file npy.hpp
/// @brief NumPy's .npy files of doubles: written atomically, read with every field of the header checked.
///
/// A .npy file is the magic bytes `\x93NUMPY`, a version (1.0, 2.0 or 3.0), the length of a header (2 bytes
/// little-endian in version 1, 4 bytes in 2 and 3), the header itself, a Python dict literal such as
/// `{'descr': '<f8', 'fortran_order': False, 'shape': (6, 1, 5, 5), }` padded with spaces and a newline,
/// and then the values. cnnlab writes little-endian float64 (`<f8`) in C (row-major) order, version 1.0
/// (2.0 only for a header too long for version 1). It reads `<f8` and `<f4` (float32, converted to double)
/// in C order; anything else is refused with a cnn::io_error that names the file. Page: @ref training.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace cnn {

/// @brief An array read from a .npy file: its shape and its values as doubles, row-major.
struct NpyArray {
  std::vector<std::size_t> shape;  ///< sizes of the dimensions; empty for a scalar (one value)
  std::vector<double> values;      ///< product of shape values, row-major (C order)
};

/// @brief Writes @p values of shape @p shape to @p path as a .npy file (version 1.0, `<f8`, C order), through
/// cnn::write_file_atomically (a temporary file, flush, fsync, rename): a failed save leaves no half-written file and
/// leaves an older file of that name as it was.
/// @param path   the file to write (its folder must exist)
/// @param shape  the array's shape; empty for a scalar
/// @param values the values, row-major; as many as the product of @p shape
/// @throws cnn::shape_error when the number of values is not the product of @p shape
/// @throws cnn::io_error when the file cannot be written
void save_npy(const std::string& path, std::span<const std::size_t> shape, std::span<const double> values);

/// @brief Parses the bytes of a .npy file; @p name is the file name used in messages.
/// @throws cnn::io_error for a wrong magic string, an unknown version, a header that is cut short or is not a
///         dict of exactly 'descr', 'fortran_order' and 'shape', Fortran order, a dtype other than `<f8` or
///         `<f4` (big-endian included), dimensions whose product overflows, and data that is shorter or longer
///         than the shape promises
NpyArray parse_npy(std::span<const std::uint8_t> bytes, const std::string& name);

/// @brief Reads a .npy file: see parse_npy.
/// @throws cnn::io_error for a missing or unreadable file, or for anything parse_npy refuses
NpyArray load_npy(const std::string& path);

/// @brief Where the first value that is not finite sits, for messages: "nan at index 17 = (0, 0, 3, 2)", or ""
/// when every value is finite. Parameters loaded from a file are checked with it, so that a NaN is refused
/// with the file and the index before it reaches training or a test accuracy.
/// @param values row-major values
/// @param shape  their shape (an empty shape prints the flat index only)
std::string first_non_finite(std::span<const double> values, std::span<const std::size_t> shape);

}  // namespace cnn
