// cnncalc: the calculator's command line. Everything but this function is in cnncalc.cpp (tested in-process
// by tests/core/test_cnncalc.cpp); `cnncalc --help` lists the commands.
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "cnncalc.hpp"
#include "io/cli.hpp"

int main(int argc, char** argv) {
  // run() answers usage errors and refusals itself; anything else (out of memory, a bug) ends here, with its
  // message and exit status 1 rather than an abort. Its messages are gathered and printed at most one screen
  // long (cli::one_screen); a standard output that could not be written fails like an --output file (status 3).
  return cnn::cli::guarded("cnncalc", "", "", [&] {
    const std::vector<std::string> args(argv + 1, argv + argc);
    std::ostringstream messages;
    int status = cnncalc::run(args, std::cout, messages);
    if (!messages.str().empty()) std::cerr << cnn::cli::one_screen(messages.str()) << std::flush;
    if (const std::string why = cnn::cli::stdout_failure(); !why.empty()) {
      std::cerr << "cnncalc: cannot write the standard output (" << why << ")\n";
      status = cnncalc::exit_write;
    }
    return status;
  });
}
