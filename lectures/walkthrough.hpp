// Small helpers shared by the walkthrough programs in lectures/: section headings, "the lecture's number
// beside cnnlab's" rows, number formats, and the command line (none of them takes arguments but --help).
#pragma once

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "calculator/arch.hpp"
#include "io/cli.hpp"
#include "core/errors.hpp"
#include "runtime/layer_set.hpp"

namespace walkthrough {

// Every walkthrough prints what it shows and takes no arguments: --help (or -h) prints what the program
// shows and exits 0; anything else is a usage error, exit status 2, as for the other programs (the shared
// parser of src/io/cli.hpp). An exception that escapes main() ends the program with its message and
// status 1, not an abort.
inline void no_arguments(int argc, char** argv, std::string_view about) {
  const std::string name = argc > 0 ? std::string(argv[0]).substr(std::string(argv[0]).rfind('/') + 1) : "walkthrough";
  cnn::cli::exit_cleanly_on_uncaught(name);
  const std::string usage = "usage: " + name + " [--help]\n";
  const std::vector<std::string> args(argv + std::min(argc, 1), argv + argc);
  try {
    const cnn::cli::Parsed p = cnn::cli::parse(args, {});
    if (p.help) {
      std::cout << "usage: " << name << "\n" << about << "\n";
      std::exit(cnn::cli::exit_ok);
    }
    if (!p.positional.empty()) throw cnn::cli::usage_error("unknown argument '" + p.positional.front() + "'");
  } catch (const cnn::cli::usage_error&) {
    std::exit(cnn::cli::report(name, std::current_exception(), usage, "", std::cerr));
  }
}

// The case studies, which run their network at the end, take one option: --layers SET (reference, the default,
// or mine: the network runs your exercises, after a check that the ones it needs are written, and the table
// times your conv_forward_naive beside your conv_forward_im2col). --help and bad arguments as no_arguments.
inline cnn::LayerSet layers_argument(int argc, char** argv, const cnn::arch::Architecture& net, std::string_view about) {
  const std::string name = argc > 0 ? std::string(argv[0]).substr(std::string(argv[0]).rfind('/') + 1) : "walkthrough";
  const std::string usage = "usage: " + name + " [--layers reference|mine]";
  std::string set = "reference";
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--help" || a == "-h") {
      std::cout << usage << "\n" << about << "\n\n  --layers mine  run the network with your exercises (exercises/)\n";
      std::exit(0);
    }
    if (a == "--layers" && i + 1 < argc && (std::string_view(argv[i + 1]) == "reference" || std::string_view(argv[i + 1]) == "mine")) {
      set = argv[++i];
      continue;
    }
    std::cerr << name << ": unknown argument '" << a << "'\n" << usage << "\n";
    std::exit(2);
  }
  if (set == "reference") return cnn::reference_layers();
  std::vector<std::string> needs = cnn::exercises_for_network(net);
  needs.push_back("conv_forward_naive");
  cnn::stop_unless_written(name + " --layers mine", needs);
  return cnn::my_layers();
}

inline void section(const std::string& title) { std::cout << "\n== " << title << " ==\n\n"; }

// One row: what, the lecture's number, cnnlab's computed number; the widths of the first two columns.
inline void compare(const std::string& what, const std::string& lecture, const std::string& computed, int what_width = 34,
                    int lecture_width = 22) {
  std::cout << "  " << std::left << std::setw(what_width) << what << std::setw(lecture_width) << lecture << computed << "\n";
}

// A layer of an analysed network by name.
inline const cnn::arch::LayerStats& layer(const cnn::arch::NetworkStats& s, const std::string& name) {
  for (const auto& l : s.layers)
    if (l.name == name) return l;
  throw cnn::value_error("walkthrough::layer", "no layer named " + name);
}

// v with a fixed number of decimals and a suffix, e.g. fixed(60.97, 1, "M") = "61.0M".
inline std::string fixed(double v, int decimals, const std::string& suffix = "") {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf + suffix;
}

inline std::string millions(double n, int decimals = 1) { return fixed(n / 1e6, decimals, "M"); }

}  // namespace walkthrough
