// exgen: the command that keeps exercises/ generated from solutions/.
//
//   exgen generate ROOT [--force]        write ROOT/exercises/*.cpp and exercises/hints.md from ROOT/solutions/
//   exgen check ROOT                     exit 1 when exercises/ is stale (ignores what students wrote in regions)
//   exgen table ROOT exercises|solutions OUT.cpp
//                                        the exercise table (src/instruments/exercise_table.hpp) of one implementation
//   exgen written ROOT OUT.tsv           the same as text, one function a line (for ./lab grade's judge)
//   exgen hint ROOT FUNCTION [LEVEL]     one hint of ROOT/exercises/hints.md (level 1 when not given)
//   exgen solve ROOT [FUNCTION...]       put the reference bodies into exercises/ (a perfect student, for tests)
//   exgen handout ROOT OUT [--pseudo-code]
//                                        OUT/exercises/: fresh stubs and hints up to level 2 (3 with the flag)
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

#include "core/errors.hpp"
#include "io/files.hpp"
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

// Every hint of every solution file, in file order.
std::vector<exgen::Hint> all_hints(const fs::path& root) {
  std::vector<exgen::Hint> out;
  for (const auto& name : solution_files(root))
    for (auto& h : exgen::hints(read(root / "solutions" / name), "solutions/" + name)) out.push_back(std::move(h));
  return out;
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
  outputs.emplace_back(root / "exercises" / "hints.md", exgen::hints_file(all_hints(root), 3));
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
  const fs::path hints = root / "exercises" / "hints.md";
  if (!fs::exists(hints) || read(hints) != exgen::hints_file(all_hints(root), 3)) {
    std::cerr << "exgen: stale: exercises/hints.md differs from the hints in solutions/\n";
    ++stale;
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

int table(const fs::path& root, const std::string& which, const fs::path& out) {
  if (which != "exercises" && which != "solutions") {
    std::cerr << "exgen: table: expected 'exercises' or 'solutions', got '" << which << "'\n";
    return 2;
  }
  // the files of that folder (a student's handout has exercises/ and no solutions/)
  std::vector<std::pair<std::string, std::string>> files;
  std::vector<fs::path> paths;
  if (fs::is_directory(root / which))
    for (const auto& e : fs::directory_iterator(root / which))
      if (e.is_regular_file() && e.path().extension() == ".cpp") paths.push_back(e.path());
  std::sort(paths.begin(), paths.end());
  for (const auto& p : paths) files.emplace_back(which + "/" + p.filename().string(), read(p));
  const std::string text =
      exgen::table_source(files, which == "exercises" ? exgen::Kind::exercise : exgen::Kind::solution);
  // written only when it changes, so that the build recompiles it only then
  if (!out.parent_path().empty()) fs::create_directories(out.parent_path());
  if (!fs::exists(out) || read(out) != text) write_atomically(out, text);
  return 0;
}

// The exercise table of ROOT/exercises as text, for the grader's judge (tools/judge/proxy.cpp): one line per
// function in file order, "function<TAB>exercises/file.cpp<TAB>line<TAB>1|0" (1 once written). A file whose
// markers do not parse is left out with a warning: its functions then count as written, and their tests judge.
int written(const fs::path& root, const fs::path& out) {
  std::vector<fs::path> paths;
  for (const auto& e : fs::directory_iterator(root / "exercises"))
    if (e.is_regular_file() && e.path().extension() == ".cpp") paths.push_back(e.path());
  std::sort(paths.begin(), paths.end());
  std::ostringstream text;
  for (const auto& p : paths) {
    const std::string shown = "exercises/" + p.filename().string();
    try {
      for (const auto& r : exgen::progress(read(p), shown))
        text << r.name << '\t' << shown << '\t' << r.line << '\t' << (r.done ? 1 : 0) << '\n';
    } catch (const exgen::marker_error& e) {
      std::cerr << "exgen: warning: " << e.what() << "\n";
    }
  }
  write_atomically(out, text.str());
  return 0;
}

int hint(const fs::path& root, const std::string& function, const std::string& level_arg) {
  const fs::path file = root / "exercises" / "hints.md";
  if (!fs::exists(file)) {
    std::cerr << "exgen: no hints here (" << file.string() << " is missing)\n";
    return 1;
  }
  if (level_arg != "1" && level_arg != "2" && level_arg != "3") {
    std::cerr << "exgen: hint: the level is 1 (the idea), 2 (the formula with shapes) or 3 (pseudo-code), got '"
              << level_arg << "'\n";
    return 2;
  }
  const int level = level_arg[0] - '0';
  const auto hints = exgen::parse_hints_file(read(file));
  int highest = 0;
  for (const auto& h : hints)
    if (h.function == function) highest = std::max(highest, h.level);
  if (highest == 0) {
    std::cerr << "exgen: no hints for '" << function << "'; the exercise functions with hints are:";
    std::string last;
    for (const auto& h : hints)
      if (h.function != last) std::cerr << " " << (last = h.function);
    std::cerr << "\n";
    return 1;
  }
  if (level > highest) {
    std::cout << function << ": this handout has hints up to level " << highest << "; ask your teacher for more.\n";
    return 0;
  }
  static const char* const kWhat[] = {"", "the idea", "the formula, with shapes", "pseudo-code"};
  for (const auto& h : hints)
    if (h.function == function && h.level == level) {
      std::cout << function << ", hint " << level << " of " << highest << " (" << kWhat[level] << "):\n\n";
      std::istringstream lines(h.text);
      for (std::string line; std::getline(lines, line);) std::cout << "  " << line << "\n";
      if (level < highest)
        std::cout << "\nStill stuck after trying it? ./lab hint " << function << " " << level + 1 << "\n";
      return 0;
    }
  std::cout << function << " has no hint of level " << level << ".\n";
  return 0;
}

int solve(const fs::path& root, const std::vector<std::string>& functions) {
  std::vector<std::pair<fs::path, std::string>> outputs;
  for (const auto& name : solution_files(root)) {
    const fs::path target = root / "exercises" / name;
    if (!fs::exists(target)) continue;
    const std::string text = exgen::solve(read(target), "exercises/" + name, read(root / "solutions" / name),
                                          "solutions/" + name, functions);
    if (text != read(target)) outputs.emplace_back(target, text);
  }
  for (const auto& [target, text] : outputs) {
    write_atomically(target, text);
    std::cout << "exgen: wrote the reference bodies into " << fs::relative(target, root).string() << "\n";
  }
  return 0;
}

// A student's copy of the exercises: OUT/exercises/ with every stub fresh (whatever ROOT/exercises/ holds)
// and the hints up to level 2, or 3 with --pseudo-code.
int handout(const fs::path& root, const fs::path& out, bool pseudo_code) {
  fs::create_directories(out / "exercises");
  for (const auto& name : solution_files(root))
    write_atomically(out / "exercises" / name,
                     exgen::make_exercise(read(root / "solutions" / name), "solutions/" + name, "exercises/" + name));
  write_atomically(out / "exercises" / "hints.md", exgen::hints_file(all_hints(root), pseudo_code ? 3 : 2));
  return 0;
}

int usage() {
  std::cerr << "usage: exgen generate ROOT [--force] | exgen check ROOT | exgen table ROOT exercises|solutions OUT.cpp\n"
               "       | exgen hint ROOT FUNCTION [1|2|3] | exgen solve ROOT [FUNCTION...]\n"
               "       | exgen handout ROOT OUT [--pseudo-code] | exgen written ROOT OUT.tsv\n"
               "  ROOT is the folder holding solutions/ and exercises/\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() < 2) return usage();
  const std::string& cmd = args[0];
  if (cmd != "generate" && cmd != "check" && cmd != "table" && cmd != "hint" && cmd != "solve" && cmd != "handout" &&
      cmd != "written") {
    std::cerr << "exgen: unknown command '" << cmd << "'\n";
    return usage();
  }
  const fs::path root = args[1];
  try {
    if (cmd == "hint") {
      if (args.size() < 3 || args.size() > 4) return usage();
      return hint(root, args[2], args.size() == 4 ? args[3] : "1");
    }
    if (cmd == "written") return args.size() == 3 ? written(root, args[2]) : usage();
    if (cmd == "table") return args.size() == 4 ? table(root, args[2], args[3]) : usage();
    if (!fs::is_directory(root / "solutions")) {
      std::cerr << "exgen: " << (root / "solutions").string() << " is not a folder\n";
      return 2;
    }
    if (cmd == "handout") {
      if (args.size() == 3) return handout(root, args[2], false);
      if (args.size() == 4 && args[3] == "--pseudo-code") return handout(root, args[2], true);
      return usage();
    }
    if (cmd == "solve") return solve(root, std::vector<std::string>(args.begin() + 2, args.end()));
    const bool force = args.size() == 3 && args[2] == "--force";
    if (args.size() > 3 || (args.size() == 3 && !force)) return usage();
    if (cmd == "generate") return generate(root, force);
    if (!force) return check(root);
    return usage();
  } catch (const exgen::marker_error& e) {
    std::cerr << "exgen: " << e.what() << "\n";
    return 2;
  } catch (const cnn::error& e) {  // its message starts with "exgen: " already
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "exgen: " << e.what() << "\n";
    return 2;
  }
}
