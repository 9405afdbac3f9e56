/// @file files.hpp
/// @brief Writing a file so that nobody ever sees half of it: the one way cnnlab writes checkpoints,
/// pictures, tables and parameters; and reading one whole.
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace cnn {

/// @brief Writes a file through a temporary file: @p write fills `path + ".tmp"`, which is flushed, synced to
/// disk (fsync) and renamed over @p path; the folder is synced after the rename. A reader, or a program
/// started after a crash at any moment, finds either the previous file or the new one, never a mix. When
/// anything fails, the temporary file is removed and the previous file is left as it was.
/// @param path      the file to write
/// @param function  the public function on whose behalf it is written, named in errors
/// @param write     writes the contents to the stream it is given (binary mode); may throw
/// @throws cnn::io_error naming @p function and @p path when the file cannot be created, written or renamed
///         (anything @p write throws is passed on, after the temporary file is removed)
void write_file_atomically(const std::string& path, std::string_view function,
                           const std::function<void(std::ostream&)>& write);

/// @brief Reads a whole file into memory: the one way cnnlab's readers get their bytes (they then parse a span,
/// which is what the fuzz targets feed).
/// @param path      the file to read
/// @param function  the public function on whose behalf it is read, named in errors
/// @throws cnn::io_error naming @p function and @p path when it is not a regular file ("no such file"), cannot
///         be opened or fails while being read
std::vector<std::uint8_t> read_file(const std::string& path, std::string_view function);

}  // namespace cnn
