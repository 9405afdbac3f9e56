/// @file stack.hpp
/// @brief Where in the student's code something happened: call stacks turned into a file and a line.
///
/// Used by the index checks of the student's build (an index outside an array is reported with the line of
/// the exercise that used it) and by `./lab check` for a test that crashed. Needs debug information (-g) and
/// binutils' addr2line; without them the places are simply unknown.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cnn {

/// @brief A place in the source.
struct SourcePlace {
  std::string function;  ///< demangled, e.g. "cnn::max_pool_backward_naive(...)"
  std::string file;      ///< as the compiler saw it, e.g. "/home/me/cnnlab/exercises/pool.cpp"
  unsigned line = 0;     ///< 1-based, 0 when unknown
};

/// @brief The places of code offsets inside one module (an executable or a shared library), through addr2line:
/// for each offset, its inlined frames first and the function that holds them last.
std::vector<std::vector<SourcePlace>> places_of(const std::string& module, const std::vector<std::uintptr_t>& offsets);

/// @brief The first place in the student's code (a file under exercises/, or the reference bodies) on the current call
/// stack, innermost first; nullopt when there is none or it cannot be told.
std::optional<SourcePlace> exercise_place_on_stack();

/// @brief "exercises/pool.cpp:47 (in max_pool_backward_naive)": the path from the exercises' folder on and
/// the bare function name.
std::string describe(const SourcePlace& place);

}  // namespace cnn
