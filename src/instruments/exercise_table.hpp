/// @file exercise_table.hpp
/// @brief Which exercise functions exist, where each lives, and whether it is written yet.
///
/// The table is made at build time by exgen from the files of the implementation a program links: from
/// exercises/ (a function is *written* once its stub is replaced) or from the reference bodies (all written).
/// Tests use it to skip the tests of a stub; programs, through stop_unless_written (layer_set.hpp), to say
/// before they start which functions a student still has to write.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>


namespace cnn {

/// @brief One exercise function.
struct ExerciseEntry {
  const char* function;  ///< e.g. "affine_forward"
  const char* file;      ///< the file to edit, e.g. "exercises/affine.cpp"
  unsigned line;         ///< the line of its BEGIN EXERCISE marker
  bool written;          ///< false while the stub is still there
};

/// @brief Every exercise function of the linked implementation, file by file. Defined in a file that exgen
/// generates into the library cnnlab_exercises or cnnlab_solutions, so the functions below are inline: every
/// program that calls them links one of the two after its own objects.
std::span<const ExerciseEntry> exercise_table();

/// @brief The entry of @p function, or nullptr when it is not an exercise.
inline const ExerciseEntry* find_exercise(std::string_view function) {
  for (const ExerciseEntry& e : exercise_table())
    if (function == e.function) return &e;
  return nullptr;
}

/// @brief True when @p function is an exercise that is written, or not an exercise at all.
inline bool exercise_written(std::string_view function) {
  const ExerciseEntry* e = find_exercise(function);
  return e == nullptr || e->written;
}

}  // namespace cnn
