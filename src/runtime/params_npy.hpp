/// @file params_npy.hpp
/// @brief A model's parameters and buffers as one .npy file each, for NumPy and PyTorch (tools/to_torch.py),
/// and back. Page: @ref training.
#pragma once

#include <string>
#include <vector>

#include "runtime/model.hpp"

namespace cnn {

/// @brief Writes every parameter and every buffer (batch normalization's running statistics) of @p model to
/// `DIR/<name>.npy` (float64, C order), e.g. `conv1.w.npy`, each file atomically (see save_npy). A name with a
/// block prefix, `inception3a/1x1.w`, goes into a subfolder, which is created.
/// @param model the model whose values to save
/// @param dir   the folder, created when missing
/// @return the names of the files written, relative to @p dir, parameters first, then buffers
/// @throws cnn::io_error when the folder or a file cannot be written
std::vector<std::string> save_params_npy(Model& model, const std::string& dir);

/// @brief Sets every parameter and buffer of @p model from `DIR/<name>.npy` as save_params_npy wrote them
/// (float32 files are accepted and converted). All files are read and checked before the model changes: a
/// refused folder leaves the model as it was.
/// @param model the model to initialise; its architecture gives the names and shapes expected
/// @param dir   the folder
/// @throws cnn::io_error naming the file for a missing or malformed file (see parse_npy), a shape that is not
///         the model's, or a value that is not finite (with its index, see first_non_finite)
void load_params_npy(Model& model, const std::string& dir);

}  // namespace cnn
