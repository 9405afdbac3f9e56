// xtensor's index checks, reported with the place in the student's code (see instruments/index_checks.hpp). This
// file is compiled in every build; only builds with CNNLAB_INDEX_CHECKS call it.
#include <exception>
#include <string>

#include "core/errors.hpp"
#include "instruments/stack.hpp"

namespace cnn::detail {

[[noreturn]] void index_check_failed(const std::string& message) {
  // xtensor wraps a failed check in a second throw ("file:line: check failed\n\t<message>") from inside its
  // catch block: pass the first one on unchanged.
  if (const std::exception_ptr current = std::current_exception()) {
    try {
      std::rethrow_exception(current);
    } catch (const index_error&) {
      throw;
    } catch (...) {
    }
  }
  const auto place = exercise_place_on_stack();
  const std::string text = message + (place ? ", at " + describe(*place) : std::string(", in cnnlab's own code"));
  std::string function = place ? place->function.substr(0, place->function.find('(')) : "xtensor";
  if (const auto colons = function.rfind("::"); colons != std::string::npos) function = function.substr(colons + 2);
  throw index_error(function, text);
}

}  // namespace cnn::detail
