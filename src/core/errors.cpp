#include "core/errors.hpp"

namespace cnn {

namespace {
std::string join(std::string_view function, std::string_view message) {
  std::string s(function);
  s += ": ";
  s += message;
  return s;
}
}  // namespace

error::error(std::string_view function, std::string_view message)
    : std::runtime_error(join(function, message)), function_(function) {}

// The message is spelled "not implemented: f (file)" rather than "f: ..." so that ctest's
// SKIP_REGULAR_EXPRESSION can find it in any test's output.
not_implemented::not_implemented(std::string_view function, std::string_view file)
    : error("not implemented", std::string(function) + " (" + std::string(file) + ")"), file_(file) {}

}  // namespace cnn
