// exgen: writes the students' exercises/ from the reference solutions/, and checks that the two agree.
//
// In a file under solutions/, the part of a function that the student writes stands between two markers:
//
//     // Exercise: the hint the student sees (outside the markers, so it is kept).
//     // BEGIN SOLUTION affine_forward
//     ...reference code...
//     // END SOLUTION
//
// The matching file under exercises/ is the same text with each marked region replaced by a stub:
//
//     // BEGIN EXERCISE affine_forward
//     throw cnn::not_implemented("affine_forward", "exercises/affine.cpp");
//     // END EXERCISE
//
// Students edit only between BEGIN EXERCISE and END EXERCISE; the check compares everything else, so a filled
// exercise is still "in sync" while an exercise tree that lags behind its solutions is not.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace exgen {

/// A marker problem, with "file:line: what" as its message.
class marker_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One marked region of a file.
struct Region {
  std::string name;                ///< the function the region belongs to
  std::size_t begin_line = 0;      ///< 1-based line of the BEGIN marker
  std::size_t end_line = 0;        ///< 1-based line of the END marker
  std::string indent;              ///< leading white space of the BEGIN marker
  std::vector<std::string> body;   ///< the lines between the markers
};

/// A file split into lines, with its regions.
struct Parsed {
  std::vector<std::string> lines;
  std::vector<Region> regions;
};

/// Which pair of markers to look for.
enum class Kind { solution, exercise };

/// Splits @p text into lines and finds its regions.
/// @throws marker_error for a nested, unclosed or unopened region, a missing or repeated name, a name with
///         no function of that name above it, or a marker of the other kind
Parsed parse(const std::string& text, const std::string& file, Kind kind);

/// The stub statement that replaces a region: `throw cnn::not_implemented("name", "exercise_file");`.
std::string stub_statement(const std::string& name, const std::string& exercise_file);

/// The exercise file generated from a solution file.
/// @param solution_text  content of solutions/<f>
/// @param solution_file  its path as shown to people, e.g. "solutions/affine.cpp"
/// @param exercise_file  the exercise's path as shown to people, e.g. "exercises/affine.cpp"
std::string make_exercise(const std::string& solution_text, const std::string& solution_file,
                          const std::string& exercise_file);

/// Compares an exercise file with what its solution generates, ignoring what stands inside the regions.
/// @return an empty string when they agree, else a one-line description of the first difference
std::string compare_exercise(const std::string& generated, const std::string& actual, const std::string& exercise_file);

/// For each region of an exercise file: its name and whether the student has replaced the stub.
struct RegionStatus {
  std::string name;
  std::size_t line = 0;
  bool done = false;
};
std::vector<RegionStatus> progress(const std::string& exercise_text, const std::string& exercise_file);

/// The exercise file @p exercise_text with the regions named in @p functions (all when empty) holding the
/// reference bodies of @p solution_text instead, without their hints: a perfect student, for tests of the
/// grader and of the student loop.
std::string solve(const std::string& exercise_text, const std::string& exercise_file, const std::string& solution_text,
                  const std::string& solution_file, const std::vector<std::string>& functions);

/// One hint of a region: in solutions/, the lines `// HINT <level>: text` right inside the region, each
/// continued by the lines below it that start with `//` and at least three spaces. Level 1 is the idea,
/// 2 the formula with shapes, 3 pseudo-code.
struct Hint {
  std::string function;
  int level = 0;
  std::string text;  ///< the hint's lines, without the comment markers, joined by newlines
};

/// The hints of every region of a solution file, in order.
/// @throws marker_error for a level outside 1..3 or a level given twice for one function
std::vector<Hint> hints(const std::string& solution_text, const std::string& solution_file);

/// The hints file (exercises/hints.md) for @p all_hints, levels up to @p max_level.
std::string hints_file(const std::vector<Hint>& all_hints, int max_level);

/// Reads back a hints file written by hints_file().
std::vector<Hint> parse_hints_file(const std::string& text);

/// The C++ source of the exercise table (src/instruments/exercise_table.hpp) for one implementation.
/// @param files  (path as shown to people, text) of every file of exercises/ or solutions/
/// @param kind   Kind::exercise: a region is written once its stub is replaced; Kind::solution: all written
std::string table_source(const std::vector<std::pair<std::string, std::string>>& files, Kind kind);

}  // namespace exgen
