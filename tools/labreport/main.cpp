// labreport: what `./lab check`, `./lab progress` and `./lab grade` print (see labreport.hpp).
//
//   labreport check ROOT BUILD [TOPIC...]   the functions of TOPIC (all when none), their failures, what next
//   labreport progress ROOT BUILD           every exercise in lecture order, and what next
//   labreport grade ROOT BUILD OUT [--junit FILE] [--missing FILE...] [--name NAME] [TOPIC...]
//                                           the grade table; OUT/results.json for Gradescope and OUT/class.csv
//                                           (a header and the row of NAME); with --junit, the results of that
//                                           file only (./lab grade: the judge's run, nothing older); --missing
//                                           names the exercise files not handed in
//   labreport failed ROOT OUT WHY_FILE [--name NAME] [TOPIC...]
//                                           a submission that could not be graded (its build failed): 0 points,
//                                           the text of WHY_FILE as every function's output; OUT/results.json,
//                                           OUT/junit.xml and OUT/class.csv
//
// ROOT holds tests/course.txt and exercises/; BUILD is the build folder whose tests/*.tsv list the tests and
// whose results/*.xml hold ctest's JUnit output of the last runs. Exit status: 0 when every function checked
// passes (check) or always (progress), 1 when a function fails, 2 for usage or unreadable files.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "core/errors.hpp"
#include "io/files.hpp"
#include "instruments/stack.hpp"
#include "exgen.hpp"
#include "labreport.hpp"

namespace fs = std::filesystem;

namespace {

std::string read(const fs::path& p) {
  const auto bytes = cnn::read_file(p.string(), "labreport");
  return std::string(bytes.begin(), bytes.end());
}

struct Inputs {
  std::vector<labreport::Exercise> course;
  std::map<std::string, std::tuple<std::string, std::size_t, bool>> written;
  std::map<std::string, std::vector<std::string>> graded_by;
  std::vector<labreport::TestResult> results;
};

Inputs load(const fs::path& root, const fs::path& build, const std::string& junit = "") {
  Inputs in;
  in.course = labreport::parse_course(read(root / "tests" / "course.txt"), "tests/course.txt");
  for (const auto& e : fs::directory_iterator(root / "exercises"))
    if (e.path().extension() == ".cpp") {
      const std::string shown = "exercises/" + e.path().filename().string();
      try {
        for (const auto& r : exgen::progress(read(e.path()), shown)) in.written[r.name] = {shown, r.line, r.done};
      } catch (const exgen::marker_error& err) {  // markers a student broke: its functions are judged by their tests
        std::cerr << "labreport: warning: " << err.what() << "\n";
      }
    }
  if (fs::is_directory(build / "tests"))
    for (const auto& e : fs::directory_iterator(build / "tests"))
      if (e.path().extension() == ".tsv")
        for (auto& [test, fns] : labreport::parse_test_list(read(e.path()))) in.graded_by[test] = fns;
  if (!junit.empty()) {  // one run, named: nothing else in the folder counts
    for (auto& r : labreport::parse_junit(read(junit), junit)) in.results.push_back(std::move(r));
    return in;
  }
  // results oldest first, so that a later run of a test counts
  std::vector<fs::path> xmls;
  if (fs::is_directory(build / "results"))
    for (const auto& e : fs::directory_iterator(build / "results"))
      if (e.path().extension() == ".xml") xmls.push_back(e.path());
  std::sort(xmls.begin(), xmls.end(),
            [](const fs::path& a, const fs::path& b) { return fs::last_write_time(a) < fs::last_write_time(b); });
  for (const auto& x : xmls)
    for (auto& r : labreport::parse_junit(read(x), x.string())) in.results.push_back(std::move(r));
  return in;
}

// "module", "+0x1234" -> "exercises/pool.cpp:47 (in max_pool_backward_naive)", or "" when not known
std::string symbolize(const std::string& module, const std::string& offset) {
  const auto places = cnn::places_of(module, {static_cast<std::uintptr_t>(std::stoull(offset, nullptr, 16) - 1)});
  for (const auto& p : places.empty() ? std::vector<cnn::SourcePlace>{} : places[0])
    if (p.file.find("exercises/") != std::string::npos || p.file.find("solutions/") != std::string::npos)
      return cnn::describe(p);
  return "";
}

int usage() {
  std::cerr << "usage: labreport check ROOT BUILD [TOPIC...] | labreport progress ROOT BUILD | "
               "labreport grade ROOT BUILD OUT [--junit FILE] [--missing FILE...] [--name NAME] [TOPIC...] | "
               "labreport failed ROOT OUT WHY_FILE [--name NAME] [TOPIC...]\n";
  return 2;
}

}  // namespace

// Takes "--flag VALUE" (or, for --missing, every value up to the next flag) out of args.
std::vector<std::string> take_flag(std::vector<std::string>& args, const std::string& flag) {
  std::vector<std::string> values;
  for (auto it = args.begin(); it != args.end();) {
    if (*it != flag) {
      ++it;
      continue;
    }
    it = args.erase(it);
    while (it != args.end() && it->rfind("--", 0) != 0) {
      values.push_back(*it);
      it = args.erase(it);
      if (flag != "--missing") break;
    }
  }
  return values;
}

void write_grade_files(const fs::path& out, const std::vector<labreport::Grade>& g, const std::string& name) {
  fs::create_directories(out);
  cnn::write_file_atomically((out / "results.json").string(), "labreport",
                             [&](std::ostream& os) { os << labreport::gradescope_json(g); });
  cnn::write_file_atomically((out / "class.csv").string(), "labreport", [&](std::ostream& os) {
    os << labreport::class_csv(g, name, true) << labreport::class_csv(g, name, false);
  });
}

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  const auto junit = take_flag(args, "--junit"), missing = take_flag(args, "--missing"),
             name_flag = take_flag(args, "--name");
  const std::string name = name_flag.empty() ? "student" : name_flag.front();
  if (args.size() < 3) return usage();
  try {
    if (args[0] == "failed" && args.size() >= 4) {
      const auto course = labreport::parse_course(read(fs::path(args[1]) / "tests" / "course.txt"), "tests/course.txt");
      const std::string why = read(args[3]);
      const auto g = labreport::failed_grades(course, std::vector<std::string>(args.begin() + 4, args.end()), why);
      write_grade_files(args[2], g, name);
      cnn::write_file_atomically((fs::path(args[2]) / "junit.xml").string(), "labreport",
                                 [&](std::ostream& os) { os << labreport::failed_junit(why); });
      std::cout << labreport::grade_table(g);
      return 0;
    }
    const Inputs in = load(args[1], args[2], junit.empty() ? "" : junit.front());
    const auto all = labreport::states(in.course, in.written, in.graded_by, in.results);
    if (args[0] == "check") {
      std::vector<std::string> topics(args.begin() + 3, args.end());
      for (const auto& t : topics)
        if (std::none_of(in.course.begin(), in.course.end(), [&](const auto& e) { return e.topic == t; })) {
          std::cerr << "labreport: no topic '" << t << "' in tests/course.txt\n";
          return 2;
        }
      std::cout << labreport::check_report(all, topics, symbolize);
      const bool failing = std::any_of(all.begin(), all.end(), [&](const auto& s) {
        return !s.failures.empty() &&
               (topics.empty() || std::find(topics.begin(), topics.end(), s.exercise->topic) != topics.end());
      });
      return failing ? 1 : 0;
    }
    if (args[0] == "grade" && args.size() >= 4) {
      // how many tests grade each function, from the test lists (a stub's tests are skipped, yet they count)
      std::map<std::string, std::size_t> order, counts;
      for (std::size_t i = 0; i < in.course.size(); ++i) order[in.course[i].function] = i;
      for (const auto& [test, fns] : in.graded_by) {
        if (test.rfind("exercise/", 0) != 0) continue;
        std::optional<std::size_t> last;
        for (const auto& f : fns)
          if (const auto o = order.find(f); o != order.end() && (!last || o->second > *last)) last = o->second;
        if (last) ++counts[in.course[*last].function];
      }
      // only the topics asked for (all when none)
      const std::vector<std::string> topics(args.begin() + 4, args.end());
      std::vector<labreport::FunctionState> chosen;
      for (const auto& st : all)
        if (topics.empty() || std::find(topics.begin(), topics.end(), st.exercise->topic) != topics.end())
          chosen.push_back(st);
      const auto g = labreport::grades(chosen, counts, missing);
      write_grade_files(args[3], g, name);
      std::cout << labreport::grade_table(g);
      return 0;
    }
    if (args[0] == "progress" && args.size() == 3) {
      std::cout << labreport::progress_report(all);
      return 0;
    }
    return usage();
  } catch (const cnn::error& e) {
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "labreport: " << e.what() << "\n";
    return 2;
  }
}
