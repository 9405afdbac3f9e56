// exgen: the command that keeps exercises/ generated from solutions/.
//
//   exgen generate ROOT [--force]   write ROOT/exercises/*.cpp from ROOT/solutions/*.cpp
//   exgen check ROOT                exit 1 when exercises/ is stale (ignores what students wrote in regions)
//   exgen progress ROOT             exercises done / total, and which remain
//
// Exit status: 0 success, 1 stale or refused, 2 usage or marker error.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "cnnlab/files.hpp"
#include "exgen.hpp"

namespace fs = std::filesystem;

namespace {

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Through a temporary file and a rename (cnn::write_file_atomically), so a file is never left half written.
void write_atomically(const fs::path& p, const std::string& text) {
  cnn::write_file_atomically(p.string(), "exgen", [&](std::ostream& out) { out << text; });
}

std::vector<std::string> solution_files(const fs::path& root) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(root / "solutions"))
    if (e.is_regular_file() && e.path().extension() == ".cpp") names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

int generate(const fs::path& root, bool force) {
  fs::create_directories(root / "exercises");
  // First make every file in memory, so that a marker error anywhere writes nothing at all.
  std::vector<std::pair<fs::path, std::string>> outputs;
  for (const auto& name : solution_files(root)) {
    const std::string text = exgen::make_exercise(read(root / "solutions" / name), "solutions/" + name,
                                                  "exercises/" + name);
    const fs::path target = root / "exercises" / name;
    if (fs::exists(target) && !force) {
      for (const auto& r : exgen::progress(read(target), "exercises/" + name))
        if (r.done) {
          std::cerr << "exgen: exercises/" << name << ":" << r.line << ": region " << r.name
                    << " holds your own code; not overwriting it (--force discards it)\n";
          return 1;
        }
    }
    outputs.emplace_back(target, text);
  }
  for (const auto& [target, text] : outputs) {
    if (fs::exists(target) && read(target) == text) continue;
    write_atomically(target, text);
    std::cout << "exgen: wrote " << fs::relative(target, root).string() << "\n";
  }
  for (const auto& e : fs::directory_iterator(root / "exercises"))
    if (e.path().extension() == ".cpp" && !fs::exists(root / "solutions" / e.path().filename()))
      std::cout << "exgen: note: exercises/" << e.path().filename().string()
                << " has no solution file; remove it if it is obsolete\n";
  return 0;
}

int check(const fs::path& root) {
  int stale = 0;
  const auto names = solution_files(root);
  for (const auto& name : names) {
    const fs::path target = root / "exercises" / name;
    if (!fs::exists(target)) {
      std::cerr << "exgen: exercises/" << name << " is missing (solutions/" << name << " exists)\n";
      ++stale;
      continue;
    }
    const std::string generated =
        exgen::make_exercise(read(root / "solutions" / name), "solutions/" + name, "exercises/" + name);
    const std::string diff = exgen::compare_exercise(generated, read(target), "exercises/" + name);
    if (!diff.empty()) {
      std::cerr << "exgen: stale: " << diff << "\n";
      ++stale;
    }
  }
  for (const auto& e : fs::directory_iterator(root / "exercises"))
    if (e.path().extension() == ".cpp" && !fs::exists(root / "solutions" / e.path().filename())) {
      std::cerr << "exgen: exercises/" << e.path().filename().string() << " has no file in solutions/\n";
      ++stale;
    }
  if (stale) {
    std::cerr << "exgen: " << stale << " exercise file(s) out of sync with solutions/; run ./lab exercises\n";
    return 1;
  }
  std::cout << "exgen: exercises/ is in sync with solutions/ (" << names.size() << " files)\n";
  return 0;
}

int progress(const fs::path& root) {
  std::size_t total = 0, done = 0;
  std::vector<std::string> remaining;
  for (const auto& name : solution_files(root)) {
    const fs::path target = root / "exercises" / name;
    if (!fs::exists(target)) continue;
    for (const auto& r : exgen::progress(read(target), "exercises/" + name)) {
      ++total;
      if (r.done)
        ++done;
      else
        remaining.push_back("  " + r.name + "  (exercises/" + name + ":" + std::to_string(r.line) + ")");
    }
  }
  std::cout << "exercises written: " << done << " / " << total << "\n";
  if (!remaining.empty()) {
    std::cout << "still stubs:\n";
    for (const auto& r : remaining) std::cout << r << "\n";
  }
  std::cout << "A written exercise is proven by its tests: ctest --preset release -L exercise\n";
  return 0;
}

int usage() {
  std::cerr << "usage: exgen generate ROOT [--force] | exgen check ROOT | exgen progress ROOT\n"
               "  ROOT is the folder holding solutions/ and exercises/\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() < 2) return usage();
  if (args[0] != "generate" && args[0] != "check" && args[0] != "progress") {
    std::cerr << "exgen: unknown command '" << args[0] << "'\n";
    return usage();
  }
  const fs::path root = args[1];
  const bool force = args.size() == 3 && args[2] == "--force";
  if (args.size() > 3 || (args.size() == 3 && !force)) return usage();
  try {
    if (!fs::is_directory(root / "solutions")) {
      std::cerr << "exgen: " << (root / "solutions").string() << " is not a folder\n";
      return 2;
    }
    if (args[0] == "generate") return generate(root, force);
    if (args[0] == "check" && !force) return check(root);
    if (args[0] == "progress" && !force) return progress(root);
    return usage();
  } catch (const exgen::marker_error& e) {
    std::cerr << "exgen: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "exgen: " << e.what() << "\n";
    return 2;
  }
}
