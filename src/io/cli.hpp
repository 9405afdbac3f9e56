/// @file cli.hpp
/// @brief The command line of cnnlab's programs (train, cnncalc, the walkthroughs): flags and their values,
/// counts and numbers checked with the flag's name, and the exit statuses and messages every program shares.
///
/// Every program ends in one of three ways: 0 success; 1 an error (a cnn::error, running out of memory, any
/// other exception), with one line saying what went wrong; 2 a usage error, with that line and the usage text.
/// No program aborts. Page: @ref checks.
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace cnn::cli {

inline constexpr int exit_ok = 0;     ///< success
inline constexpr int exit_error = 1;  ///< an error while running (bad data, a file that cannot be written, ...)
inline constexpr int exit_usage = 2;  ///< a mistake on the command line

/// @brief A mistake on the command line: an unknown flag, a missing or bad value. Programs answer it with
/// exit status 2 and their usage text.
class usage_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// @brief A flag a program accepts: its name (`--batch`) and whether a value follows it.
struct Flag {
  std::string name;          ///< with its dashes, e.g. `--batch`
  bool takes_value = true;   ///< false for a switch such as `--resume`
};

/// @brief The command line, split into flags with their values and positional arguments.
struct Parsed {
  std::vector<std::string> positional;        ///< arguments that are not flags, in order
  std::map<std::string, std::string> values;  ///< flag -> value; a switch maps to ""
  bool help = false;                          ///< `-h` or `--help` was given

  /// @brief Whether @p flag was given.
  bool has(const std::string& flag) const { return values.count(flag) > 0; }
  /// @brief The value of @p flag (it must have been given).
  const std::string& get(const std::string& flag) const { return values.at(flag); }
};

/// @brief Splits @p args (without the program's name) into flags and positional arguments.
///
/// A value follows its flag (`--batch 64`) or is joined to it (`--batch=64`). A value may begin with '-' only
/// when it is a number, so that `--batch -1` reaches count(), which names the flag and the range, while
/// `--batch --epochs 2` says that `--batch` needs a value.
/// @throws usage_error for an unknown flag, a flag given twice, a missing value or a value given to a switch
Parsed parse(std::span<const std::string> args, std::span<const Flag> flags);

/// @brief A whole number given for @p flag: decimal digits only, from @p min to @p max.
/// @throws usage_error naming @p flag and the range: `"--batch must be at least 1, got -1"`
std::uint64_t count(std::string_view text, std::string_view flag, std::uint64_t min, std::uint64_t max);

/// @brief A finite decimal number given for @p flag ("0.02", "1e-3"); ranges are the caller's.
/// @throws usage_error naming @p flag: `"--lr expects a number, got 'x'"`, `"... a finite number, got 'inf'"`
double number(std::string_view text, std::string_view flag);

/// @brief Outside text made safe to quote in a message: control bytes and bytes that are not UTF-8 are
/// escaped (`\n`, `\t`, `\r`, `\xNN`), and text longer than @p max_bytes is cut at a character boundary and
/// ended with `... (N bytes)`, N the whole text's size. A 10 MB line of a network file becomes a few hundred
/// bytes of message; binary bytes never reach the terminal raw.
/// @param text      the text to quote (a line, an argument, a file name)
/// @param max_bytes how much of it to keep (before escaping)
std::string printable(std::string_view text, std::size_t max_bytes = 200);

/// @brief A whole message made to fit one screen: as printable() for every line (newlines are kept, at most
/// 24 lines), and at most 2,000 bytes in all, the rest replaced by `... (N bytes)`.
std::string one_screen(std::string_view message);

/// @brief Flushes the standard output and says whether everything written to it arrived: a program whose
/// output went to a full disk, a closed pipe or /dev/full has failed, like a failed write to a file.
/// @return "" when the output was written, else the reason ("No space left on device")
std::string stdout_failure();

/// @brief The one line that reports an exception, and its exit status: 2 for a usage_error, 1 for anything
/// else. std::bad_alloc becomes "out of memory" followed by @p oom_hint (e.g. `"try a smaller --batch"`).
/// @param program the program's name, the first word of the line ("train")
/// @param error   the exception
/// @param usage   the usage text printed after a usage error (may be empty)
/// @param oom_hint what to do when memory runs out (may be empty)
/// @param out     where the line goes (the standard error)
int report(std::string_view program, const std::exception_ptr& error, std::string_view usage,
           std::string_view oom_hint, std::ostream& out);

/// @brief Runs a program's @p body and turns any exception it lets out into report()'s line and exit status.
/// Then checks that the standard output was written (stdout_failure): when it was not, says so
/// (`train: cannot write the standard output (No space left on device)`) and returns 1.
/// @return what @p body returns, or report()'s status, or 1 for an output that could not be written
int guarded(std::string_view program, std::string_view usage, std::string_view oom_hint,
            const std::function<int()>& body);

/// @brief For programs that do all their work in main(): an exception that nobody catches prints report()'s
/// line and exits with status 1 (or 2), instead of std::terminate's abort. Installs a std::terminate handler,
/// and a handler at exit that fails the program (status 1, with a message) when its standard output could not
/// be written.
void exit_cleanly_on_uncaught(std::string_view program);

}  // namespace cnn::cli
