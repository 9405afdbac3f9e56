// labreport: turns test results into what a student and a teacher read.
//
// Inputs: tests/course.txt (the exercises in lecture order, with points), the exercise files (which functions
// are still stubs), the test lists the build writes (which functions each test grades) and ctest's JUnit XML
// (what each test did). A test grades the last of its functions in course order; the others are what it
// needs first (a backward test needs the forward pass).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

namespace labreport {

/// A file that does not read as its format promises, with "file:line: what" as its message.
class format_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One exercise function of the course.
struct Exercise {
  std::string topic;     ///< the word `./lab check` takes: relu, affine, conv, pool, ...
  std::string function;  ///< e.g. relu_forward
  double points = 0.0;
  bool optional = false;
};

/// tests/course.txt, in its order. @throws format_error naming the line
std::vector<Exercise> parse_course(const std::string& text, const std::string& file);

/// What ctest said of one test.
struct TestResult {
  std::string name;    ///< ctest's name, e.g. "exercise/relu_backward matches the numerical gradient ..."
  enum class Status { passed, failed, skipped } status = Status::failed;
  std::string message; ///< ctest's failure or skip message ("Timeout", "SKIP_REGULAR_EXPRESSION_MATCHED", ...)
  std::string output;  ///< what the test printed
};

/// The testcases of a JUnit file written by `ctest --output-junit`. @throws format_error
std::vector<TestResult> parse_junit(const std::string& xml, const std::string& file);

/// Lines "<test><TAB><function> <function>..." of the build's test lists: test -> functions.
std::map<std::string, std::vector<std::string>> parse_test_list(const std::string& text);

/// Where a function stands.
struct FunctionState {
  const Exercise* exercise = nullptr;
  std::string file;              ///< exercises/<f>.cpp
  std::size_t line = 0;          ///< its BEGIN EXERCISE line
  bool written = false;          ///< the stub is replaced
  std::size_t tests = 0;         ///< tests that grade it and ran (passed or failed)
  std::size_t passed = 0;
  std::size_t waiting = 0;       ///< tests skipped because a function they need first is a stub
  std::size_t blocked = 0;        ///< tests that stopped because the forward pass they need fails
  std::string blocked_by;        ///< that forward pass
  std::vector<const TestResult*> failures;
  /// "not written", "not checked yet", "passing", "failing", "blocked" (by its forward pass), "waiting" (for a stub)
  std::string verdict() const;
};

/// The state of every exercise of @p course.
/// @param written   function -> (file, line, written), from the exercise files
/// @param graded_by test -> the functions it names (the build's test lists)
/// @param results   what the tests did (later results of one test replace earlier ones)
std::vector<FunctionState> states(const std::vector<Exercise>& course,
                                  const std::map<std::string, std::tuple<std::string, std::size_t, bool>>& written,
                                  const std::map<std::string, std::vector<std::string>>& graded_by,
                                  const std::vector<TestResult>& results);

/// The part of a failed test's output worth reading: the assertion's messages (a gradient check's report, a
/// diagnosis, "fix <forward> first"), a crash's place as file:line, a timeout; at most @p max_lines lines.
/// @param symbolize turns "module(+0xoffset)" frames into "function at file:line" (addr2line), may be empty
std::string excerpt(const TestResult& r, std::size_t max_lines,
                    const std::function<std::string(const std::string&, const std::string&)>& symbolize);

/// `./lab check`: one line per function of @p topics, the failures' excerpts, and the next thing to do.
std::string check_report(const std::vector<FunctionState>& all, const std::vector<std::string>& topics,
                         const std::function<std::string(const std::string&, const std::string&)>& symbolize);

/// `./lab progress`: every topic in lecture order with its functions' states, and the next thing to do.
std::string progress_report(const std::vector<FunctionState>& all);

/// One function's grade.
struct Grade {
  const Exercise* exercise = nullptr;
  std::size_t passed = 0, total = 0;  ///< tests that grade it (a stub's tests count as run and failed)
  double score = 0.0;                 ///< its points when passed == total > 0, else 0
  std::string output;                 ///< a line for the student: why the score
  bool handed_in = true;              ///< false when its file was not in the submission
};

/// Grades from states(): a function earns its points when every test that grades it passes, else 0. A stub
/// scores 0; a test stopped by a failing forward pass counts as failed. @p test_counts gives, for every function, how many tests
/// grade it (from the test lists), so that a stub's tests, which were skipped, still count. The functions of
/// a file in @p missing (e.g. "exercises/pool.cpp": not in the submission, graded as its stub) score 0 and
/// say "not handed in".
std::vector<Grade> grades(const std::vector<FunctionState>& all, const std::map<std::string, std::size_t>& test_counts,
                          const std::vector<std::string>& missing = {});

/// Grades of a submission that could not be graded at all (its build failed): 0 for every function of
/// @p course in @p topics (all when empty), each with @p why as its output.
std::vector<Grade> failed_grades(const std::vector<Exercise>& course, const std::vector<std::string>& topics,
                                 const std::string& why);

/// Points earned on required functions, on optional ones (extra credit), and the required functions' total.
struct Totals {
  double required = 0.0, bonus = 0.0, required_max = 0.0;
};
Totals totals(const std::vector<Grade>& g);

/// The grades as a table, with the required total and the extra credit apart.
std::string grade_table(const std::vector<Grade>& g);

/// The grades in the format of Gradescope's autograder (results.json): a top-level "score" (required points
/// plus extra credit) and "tests" with "name", "score", "max_score" and "output". An optional function is
/// extra credit: "max_score" 0 and " (extra credit)" after its name, so the maximum is the required total.
/// Text is made valid JSON and UTF-8 whatever the student's code printed.
std::string gradescope_json(const std::vector<Grade>& g);

/// One student's row of build/grade/class.csv, after the header (header_only): name, the points of every
/// function in course order, total (required + extra credit), required total (the maximum).
std::string class_csv(const std::vector<Grade>& g, const std::string& name, bool header_only);

/// A JUnit file with one failing test case, for a submission that could not be graded (its build failed).
std::string failed_junit(const std::string& why);

/// The next thing to do, as one line starting "next: "; a failure in @p topics (the ones just checked) first.
std::string next_step(const std::vector<FunctionState>& all, const std::vector<std::string>& topics);

}  // namespace labreport
