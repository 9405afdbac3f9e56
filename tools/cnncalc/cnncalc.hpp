// cnncalc: the command line of the calculator (src/calculator/arch.hpp) and the model zoo (src/calculator/zoo.hpp).
//
//   cnncalc conv --input 32x32x3 --filters 6 --size 5 [--stride 1] [--pad 0] [--groups 1] [--no-bias] [--round R]
//   cnncalc pool --input 224x224x64 --size 2 [--stride 2] [--pad 0] [--kind max|avg] [--round R]
//   cnncalc fc --input 6x6x256 --outputs 4096 [--no-bias]
//   cnncalc model NAME|FILE [--input WxHxD] [--format table|md|csv|net] [--expand] [--batch N] [--rule R]
//   cnncalc models [--format table|md|csv]
//   cnncalc diff A B            (two zoo names or network files)
//   cnncalc quiz [NAME|FILE]    (questions on stdout, answers from stdin)
//
// Exit status: 0 success, 1 a layer does not fit its input or a network file is broken (refused with the
// arithmetic, or the line and column), 2 usage error, 3 the output file could not be written.
// Everything but main() lives here, so tests/core/test_cnncalc.cpp can run the program in-process.
#pragma once

#include <iosfwd>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "calculator/arch.hpp"

namespace cnncalc {

/// Exit statuses.
inline constexpr int exit_ok = 0;       ///< success
inline constexpr int exit_refused = 1;  ///< a layer does not fit its input, or a network file is broken
inline constexpr int exit_usage = 2;    ///< unknown command or option, missing or bad value
inline constexpr int exit_write = 3;    ///< the output file could not be written

/// A mistake on the command line; `command` names the subcommand whose help applies ("" for the program).
class usage_error : public std::runtime_error {
 public:
  usage_error(std::string command, const std::string& message)
      : std::runtime_error(message), command_(std::move(command)) {}
  /// The subcommand whose usage to print.
  const std::string& command() const noexcept { return command_; }

 private:
  std::string command_;
};

/// The help text of the program (command "") or of one subcommand, with options and examples.
/// Throws usage_error for an unknown command.
std::string help(std::string_view command);

/// A count given on the command line: decimal digits only, at least `min`, at most 1,000,000.
/// Throws usage_error naming `flag` otherwise.
std::size_t parse_count(std::string_view text, std::string_view flag, std::size_t min, const std::string& command);

/// A volume written the lecture's way, W x H x D: "227x227x3". With `allow_2d`, "WxH" keeps `depth`; with
/// `allow_1d`, a single number D means 1x1xD (a fully connected layer's input). Throws usage_error.
cnn::arch::Shape parse_volume(std::string_view text, const std::string& command, bool allow_2d = false,
                              std::size_t depth = 0, bool allow_1d = false);

/// Runs the program on its arguments (without the program name): results on `out`, messages on `err`;
/// `cnncalc quiz` reads its answers from `in`. Returns the exit status.
int run(const std::vector<std::string>& args, std::istream& in, std::ostream& out, std::ostream& err);

/// As above, answers from the standard input.
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace cnncalc
