// Fuzz target: the command line of cnncalc (tools/cnncalc). The input is split into arguments at NUL and
// newline bytes and handed to cnncalc::run, which must return 0, 1, 2 or 3 (success, refused, usage error,
// output not written), with no answers for `cnncalc quiz` on its standard input. A
// crash, a sanitizer report or any exception escaping run() (which would end `cnncalc` with std::terminate) is
// a bug: the target lets it through, and libFuzzer reports it.
//
// --output FILE would let the fuzzer write files anywhere: its value is replaced by /dev/null, so the code that
// writes a file still runs.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "cnncalc.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> args(1);
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == '\0' || data[i] == '\n') {
      if (args.size() >= 64) return 0;  // long command lines add nothing but time
      args.emplace_back();
    } else {
      args.back() += static_cast<char>(data[i]);
    }
  }
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string name = args[i].substr(0, args[i].find('='));
    if (name != "--output") continue;
    if (args[i].size() > name.size())
      args[i] = "--output=/dev/null";
    else if (i + 1 < args.size())  // whatever follows may be taken as the file name ("-1" is, for one)
      args[i + 1] = "/dev/null";
  }
  std::istringstream no_answers;
  std::ostringstream out, err;
  const int status = cnncalc::run(args, no_answers, out, err);
  if (status != cnncalc::exit_ok && status != cnncalc::exit_refused && status != cnncalc::exit_usage &&
      status != cnncalc::exit_write)
    std::abort();
  if (status == cnncalc::exit_usage && err.str().empty()) std::abort();  // a usage error always says why
  return 0;
}
