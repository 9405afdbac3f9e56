// cnncalc: the calculator's command line. Everything but this function is in cnncalc.cpp (tested in-process
// by tests/core/test_cnncalc.cpp); `cnncalc --help` lists the commands.
#include <iostream>
#include <string>
#include <vector>

#include "cnncalc.hpp"
#include "io/cli.hpp"

int main(int argc, char** argv) {
  // run() answers usage errors and refusals itself; anything else (out of memory, a bug) ends here, with its
  // message and exit status 1 rather than an abort.
  return cnn::cli::guarded("cnncalc", "", "", [&] {
    const std::vector<std::string> args(argv + 1, argv + argc);
    return cnncalc::run(args, std::cout, std::cerr);
  });
}
