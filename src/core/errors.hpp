/// @file errors.hpp
/// @brief The exceptions cnnlab throws, and the helpers that phrase their messages.
///
/// Every message names the function that refused, what it expected and what it got, for example
/// `affine_forward: x flattens to D = 120 but w has 100 rows`. The page @ref checks lists what every function
/// refuses.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace cnn {

/// @brief Base of every exception cnnlab throws; catch this to catch them all.
class error : public std::runtime_error {
 public:
  /// @param function the public function that refused (first word of the message)
  /// @param message  what was expected and what came
  error(std::string_view function, std::string_view message);

  /// @brief The name of the function that threw.
  const std::string& function() const noexcept { return function_; }

 private:
  std::string function_;
};

/// @brief An input has the wrong rank, or two inputs disagree in size, or filters do not tile the input.
class shape_error : public error {
 public:
  using error::error;
};

/// @brief A hyperparameter or value is out of range (a stride of 0, a negative probability, a NaN).
class value_error : public error {
 public:
  using error::error;
};

/// @brief A file could not be read or written, or its content is not what its format promises.
class io_error : public error {
 public:
  using error::error;
};

/// @brief An index outside its array. Thrown only in builds with index checks (the `student` and `bounds`
/// presets), where the message also says where in exercises/ the index was used.
class index_error : public error {
 public:
  using error::error;
};

/// @brief Thrown by an exercise stub that the student has not written yet.
///
/// The message reads `not implemented: <function> (<file>)`; ctest reports a test that ends with it as
/// skipped rather than failed.
class not_implemented : public error {
 public:
  /// @param function the exercise function, e.g. `affine_forward`
  /// @param file     the file to edit, e.g. `exercises/affine.cpp`
  not_implemented(std::string_view function, std::string_view file);

  /// @brief The file in which the stub lives.
  const std::string& file() const noexcept { return file_; }

 private:
  std::string file_;
};

}  // namespace cnn
