#include "labreport.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <iomanip>
#include <set>
#include <sstream>

namespace labreport {
namespace {

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

std::string unescape_xml(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    const auto semi = s.find(';', i);
    const std::string ent = semi == std::string::npos ? "" : s.substr(i + 1, semi - i - 1);
    if (ent == "lt") out += '<';
    else if (ent == "gt") out += '>';
    else if (ent == "amp") out += '&';
    else if (ent == "quot") out += '"';
    else if (ent == "apos") out += '\'';
    else if (!ent.empty() && ent[0] == '#') {
      const long code = ent.size() > 1 && ent[1] == 'x' ? std::strtol(ent.c_str() + 2, nullptr, 16)
                                                         : std::strtol(ent.c_str() + 1, nullptr, 10);
      out += code > 0 && code < 128 ? static_cast<char>(code) : '?';
    } else {
      out += '&';
      continue;
    }
    i = semi;
  }
  return out;
}

// The value of attribute @p name in the start tag @p tag, unescaped; nullopt when absent.
std::optional<std::string> attribute(const std::string& tag, const std::string& name) {
  const std::string key = " " + name + "=\"";
  std::size_t at = tag.find(key);
  if (at == std::string::npos) {
    const std::string key2 = "\t" + name + "=\"";
    at = tag.find(key2);
    if (at == std::string::npos) return std::nullopt;
  }
  at += key.size();
  const auto end = tag.find('"', at);
  if (end == std::string::npos) return std::nullopt;
  return unescape_xml(tag.substr(at, end - at));
}

std::string pad(const std::string& s, std::size_t width) {
  return s.size() >= width ? s + " " : s + std::string(width - s.size(), ' ');
}

}  // namespace

std::vector<Exercise> parse_course(const std::string& text, const std::string& file) {
  std::vector<Exercise> out;
  std::set<std::string> seen;
  const auto lines = split_lines(text);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string line = trim(lines[i].substr(0, lines[i].find('#')));
    if (line.empty()) continue;
    std::istringstream in(line);
    Exercise e;
    std::string points, flag, extra;
    in >> e.topic >> e.function >> points >> flag >> extra;
    const std::string where = file + ":" + std::to_string(i + 1) + ": ";
    if (points.empty())
      throw format_error(where + "expected 'topic function points [optional]', got '" + line + "'");
    char* end = nullptr;
    e.points = std::strtod(points.c_str(), &end);
    if (*end != '\0' || !(e.points >= 0.0))
      throw format_error(where + "points must be a number >= 0, got '" + points + "'");
    if (!flag.empty() && flag != "optional")
      throw format_error(where + "the fourth word may only be 'optional', got '" + flag + "'");
    if (!extra.empty()) throw format_error(where + "unexpected '" + extra + "' at the end of the line");
    e.optional = flag == "optional";
    if (!seen.insert(e.function).second) throw format_error(where + e.function + " is listed twice");
    out.push_back(e);
  }
  if (out.empty()) throw format_error(file + ": lists no exercise");
  return out;
}

std::vector<TestResult> parse_junit(const std::string& xml, const std::string& file) {
  std::vector<TestResult> out;
  std::size_t pos = 0;
  while ((pos = xml.find("<testcase", pos)) != std::string::npos) {
    const auto tag_end = xml.find('>', pos);
    if (tag_end == std::string::npos) throw format_error(file + ": a <testcase> tag is not closed");
    const std::string tag = xml.substr(pos, tag_end - pos);
    TestResult r;
    const auto name = attribute(tag, "name");
    if (!name) throw format_error(file + ": a <testcase> has no name");
    r.name = *name;
    const std::string status = attribute(tag, "status").value_or("");
    std::size_t next = tag_end + 1;
    std::string body;
    if (xml[tag_end - 1] != '/') {
      const auto close = xml.find("</testcase>", tag_end);
      if (close == std::string::npos) throw format_error(file + ": <testcase name=\"" + r.name + "\"> is not closed");
      body = xml.substr(tag_end + 1, close - tag_end - 1);
      next = close + 11;
    }
    const auto failure = body.find("<failure");
    const auto skipped = body.find("<skipped");
    if (skipped != std::string::npos || status == "notrun" || status == "disabled") {
      r.status = TestResult::Status::skipped;
      if (skipped != std::string::npos)
        r.message = attribute(body.substr(skipped, body.find('>', skipped) - skipped), "message").value_or("");
    } else if (failure != std::string::npos || status == "fail") {
      r.status = TestResult::Status::failed;
      if (failure != std::string::npos)
        r.message = attribute(body.substr(failure, body.find('>', failure) - failure), "message").value_or("");
    } else {
      r.status = TestResult::Status::passed;
    }
    const auto out_begin = body.find("<system-out>");
    if (out_begin != std::string::npos) {
      const auto out_end = body.find("</system-out>", out_begin);
      r.output = unescape_xml(body.substr(out_begin + 12, out_end == std::string::npos ? std::string::npos
                                                                                       : out_end - out_begin - 12));
    }
    out.push_back(std::move(r));
    pos = next;
  }
  return out;
}

std::map<std::string, std::vector<std::string>> parse_test_list(const std::string& text) {
  std::map<std::string, std::vector<std::string>> out;
  for (const std::string& line : split_lines(text)) {
    const auto tab = line.find('\t');
    if (tab == std::string::npos) continue;
    std::istringstream in(line.substr(tab + 1));
    auto& fns = out[line.substr(0, tab)];
    for (std::string f; in >> f;) fns.push_back(f);
  }
  return out;
}

std::string FunctionState::verdict() const {
  if (!written) return "not written";
  if (!failures.empty()) return "failing";
  if (blocked > 0) return "blocked";
  if (tests > 0) return "passing";
  if (waiting > 0) return "waiting";
  return "not checked yet";
}

std::vector<FunctionState> states(const std::vector<Exercise>& course,
                                  const std::map<std::string, std::tuple<std::string, std::size_t, bool>>& written,
                                  const std::map<std::string, std::vector<std::string>>& graded_by,
                                  const std::vector<TestResult>& results) {
  std::vector<FunctionState> out;
  std::map<std::string, std::size_t> order;
  for (const Exercise& e : course) {
    FunctionState s;
    s.exercise = &e;
    if (const auto it = written.find(e.function); it != written.end()) {
      s.file = std::get<0>(it->second);
      s.line = std::get<1>(it->second);
      s.written = std::get<2>(it->second);
    }
    order[e.function] = out.size();
    out.push_back(s);
  }
  // the latest result of each test
  std::map<std::string, const TestResult*> latest;
  for (const TestResult& r : results) latest[r.name] = &r;
  // the tests that failed for each function, and the functions each failed test names besides the one it grades
  using Failed = std::pair<const TestResult*, std::vector<std::size_t>>;  // a test, the other functions it runs
  std::vector<std::vector<Failed>> failed_tests(out.size());
  std::vector<std::vector<const TestResult*>> not_run_again(out.size());
  for (const auto& [name, r] : latest) {
    const auto it = graded_by.find(name);
    if (it == graded_by.end()) continue;
    // the test grades the last of its functions in course order
    std::optional<std::size_t> graded;
    for (const std::string& f : it->second)
      if (const auto o = order.find(f); o != order.end() && (!graded || o->second > *graded)) graded = o->second;
    if (!graded) continue;
    FunctionState& s = out[*graded];
    if (!s.written) continue;
    switch (r->status) {
      case TestResult::Status::passed:
        ++s.tests;
        ++s.passed;
        break;
      case TestResult::Status::failed:
        if (const auto fix = r->output.find("fix "); fix != std::string::npos &&
                                                       r->output.find(" first (", fix) != std::string::npos) {
          // forward before backward: the test stopped because the forward pass it needs fails
          ++s.blocked;
          s.blocked_by = r->output.substr(fix + 4, r->output.find(" first (", fix) - fix - 4);
          break;
        }
        if (r->output.find("cnnlab: not run again: ") != std::string::npos) {  // stopped in another test
          not_run_again[*graded].push_back(r);
          break;
        }
        failed_tests[*graded].push_back({r, {}});
        for (const std::string& f : it->second)
          if (const auto o = order.find(f); o != order.end() && o->second != *graded)
            failed_tests[*graded].back().second.push_back(o->second);
        break;
      case TestResult::Status::skipped:
        ++s.waiting;
        break;
    }
  }
  // Blame the first function in the chain: a failed test that also runs a function whose own tests fail (the
  // function before the one that calls it) is charged to that function; this one is blocked, not failing.
  for (std::size_t g = 0; g < out.size(); ++g) {
    FunctionState& s = out[g];
    for (const auto& [r, others] : failed_tests[g]) {
      std::optional<std::size_t> culprit;
      for (std::size_t other : others)
        if (other < g && out[other].written && (!failed_tests[other].empty() || !not_run_again[other].empty()) &&
            !culprit)
          culprit = other;
      if (culprit) {
        ++s.blocked;
        s.blocked_by = out[*culprit].exercise->function;
        continue;
      }
      ++s.tests;
      s.failures.push_back(r);
    }
    // a function stopped in one test (an endless loop) fails its other tests too, which were not run again
    for (const TestResult* r : not_run_again[g]) {
      ++s.tests;
      s.failures.push_back(r);
    }
  }
  return out;
}

namespace {
// "cnn::relu_forward(xt::xtensor_container<...> const&)" -> "relu_forward"
std::string short_function(std::string f) {
  if (const auto paren = f.find('('); paren != std::string::npos) f.resize(paren);
  if (const auto colons = f.rfind("::"); colons != std::string::npos) f = f.substr(colons + 2);
  return f;
}

// What AddressSanitizer's kind of error means for a student: "heap-buffer-overflow" -> words.
std::string asan_words(const std::string& kind, const std::string& access) {
  const std::string what = starts_with(access, "WRITE") ? "a write" : starts_with(access, "READ") ? "a read" : "an access";
  if (kind == "heap-buffer-overflow") return what + " past the end (or before the start) of an array";
  if (kind == "stack-buffer-overflow") return what + " past the end of a local array";
  if (kind == "heap-use-after-free") return what + " of memory already freed (an array used after it was destroyed)";
  if (kind == "stack-use-after-return" || kind == "stack-use-after-scope")
    return what + " of a local variable that no longer exists";
  if (kind == "SEGV") return what + " outside the program's memory (a bad pointer or index)";
  return what + " of memory the program does not own";
}

// A frame of AddressSanitizer's stack: "    #0 0x55d in cnn::f(...) /path/exercises/relu.cpp:12:5" (symbolized)
// or "    #0 0x55d  (/path/prog+0x1234)"; "" when it is not in the student's files.
std::string asan_frame(const std::string& t,
                       const std::function<std::string(const std::string&, const std::string&)>& symbolize) {
  for (const char* dir : {"exercises/", "solutions/"}) {
    const auto at = t.find(dir);
    const auto in = t.find(" in ");
    if (at == std::string::npos || in == std::string::npos || in > at) continue;
    std::string place = t.substr(at);
    if (const auto c1 = place.find(':'); c1 != std::string::npos)
      if (const auto c2 = place.find(':', c1 + 1); c2 != std::string::npos) place.resize(c2);  // no column
    const auto space = place.find(' ');
    if (space != std::string::npos) place.resize(space);
    return place + " (in " + short_function(t.substr(in + 4, at - in - 5)) + ")";
  }
  const auto open = t.find("(/");
  const auto plus = t.find("+0x", open == std::string::npos ? 0 : open);
  if (!symbolize || open == std::string::npos || plus == std::string::npos) return "";
  const std::string where = symbolize(t.substr(open + 1, plus - open - 1), t.substr(plus + 1, t.find(')', plus) - plus - 1));
  return where.find("exercises/") != std::string::npos || where.find("solutions/") != std::string::npos ? where : "";
}
}  // namespace

std::string excerpt(const TestResult& r, std::size_t max_lines,
                    const std::function<std::string(const std::string&, const std::string&)>& symbolize) {
  std::vector<std::string> keep;
  const bool stopped = r.output.find("did not finish in ") != std::string::npos &&
                       r.output.find("cnnlab: call stack") != std::string::npos;
  if (!stopped && (r.message == "Timeout" || r.output.find("***Timeout") != std::string::npos))
    keep.push_back("did not finish in time: an endless loop? (a loop whose counter never reaches its bound)");
  const auto lines = split_lines(r.output);
  bool in_stack = false, after_header = false, placed = false, in_asan = false, asan_placed = false;
  std::string stop_line, asan_kind, asan_access;
  auto flush_asan = [&](const std::string& where) {
    keep.push_back("stopped by AddressSanitizer: " + asan_words(asan_kind, asan_access) +
                   (where.empty() ? "" : ", at " + where) +
                   (asan_access.empty() ? "" : " (" + asan_access + ")"));
    asan_placed = true;
  };
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    const std::string t = trim(line);
    // AddressSanitizer's report: its kind, the access, and the first frame in the student's files
    if (const auto e = t.find("ERROR: AddressSanitizer: "); e != std::string::npos) {
      in_asan = true;
      asan_placed = false;
      asan_kind = t.substr(e + 25);
      asan_kind = asan_kind.substr(0, asan_kind.find(' '));
      asan_access.clear();
      continue;
    }
    if (in_asan) {
      if (starts_with(t, "READ of size") || starts_with(t, "WRITE of size")) {
        asan_access = t.substr(0, t.find(" at 0x"));
      } else if (starts_with(t, "#") && !asan_placed) {
        if (const std::string where = asan_frame(t, symbolize); !where.empty()) flush_asan(where);
      } else if (t.find("SUMMARY: AddressSanitizer") != std::string::npos || starts_with(t, "==") ||
                 starts_with(t, "Shadow bytes")) {
        if (!asan_placed) flush_asan("");
        in_asan = false;
      }
      continue;
    }
    if (starts_with(t, "cnnlab: call stack")) {
      in_stack = true;
      continue;
    }
    if (starts_with(t, "cnnlab: end of call stack")) {
      in_stack = false;
      if (!stop_line.empty()) keep.push_back(stop_line + ".");  // no frame in the student's files
      stop_line.clear();
      continue;
    }
    if (in_stack) {
      // "module(+0x1234) [0x...]": the first frame in the student's files is the place to look
      const auto open = t.find("(+0x");
      if (placed || !symbolize || open == std::string::npos) continue;
      const std::string where = symbolize(t.substr(0, open), t.substr(open + 2, t.find(')', open) - open - 2));
      if (where.find("exercises/") != std::string::npos || where.find("solutions/") != std::string::npos) {
        if (!stop_line.empty()) {
          keep.push_back(stop_line + " It was running " + where);
          stop_line.clear();
        } else {
          keep.push_back("  at " + where);
        }
        placed = true;
      }
      continue;
    }
    if (starts_with(t, "cnnlab: the test crashed")) {
      keep.push_back(t.substr(8));
      continue;
    }
    // the timer of the test main: "cnnlab: relu_forward did not finish in 20 s: an endless loop? (in "...")"
    if (starts_with(t, "cnnlab: ") && t.find(" did not finish in ") != std::string::npos) {
      stop_line = t.substr(8, t.find(" (in \"") == std::string::npos ? std::string::npos : t.find(" (in \"") - 8);
      continue;
    }
    if (starts_with(t, "cnnlab: not run again: ")) {
      keep.push_back(t.substr(8));
      continue;
    }
    if (starts_with(t, "fix ") && t.find(" first (") != std::string::npos) {  // forward before backward
      keep.push_back(t);
      continue;
    }
    if (starts_with(t, "......")) {
      after_header = true;
      continue;
    }
    if (!after_header || t.empty() || starts_with(t, "=====") || starts_with(t, "-----")) continue;
    if (starts_with(t, "test cases:") || starts_with(t, "assertions:")) continue;
    if (t == "{Unknown expression after the reported line}") continue;
    if (starts_with(t, "REQUIRE") || starts_with(t, "CHECK") || t == "with expansion:" || t == "with message:" ||
        t == "with messages:" || t == "false" || t == "true")
      continue;
    if (t.size() > 9 && t.compare(t.size() - 9, 9, ": FAILED:") == 0) {
      const auto slash = t.find("tests/");
      keep.push_back("(the check at " + (slash == std::string::npos ? t : t.substr(slash, t.size() - slash - 9)) + ")");
      continue;
    }
    if (t.size() > 7 && t.compare(t.size() - 7, 7, ": FAILED") == 0) continue;  // "test.cpp:12: FAILED" of a FAIL
    keep.push_back(line);
  }
  if (in_asan && !asan_placed) flush_asan("");
  // ctest's JUnit carries no message for a test it stopped at its own time limit: never leave a failure silent
  if (keep.empty())
    keep.push_back("the test stopped without a message (ctest's time limit, or a crash before it could say "
                   "more): run the test program alone to see it, e.g. ./build/student/test_relu_exercise");
  // ./lab check fills new memory with NaN bytes (ASAN_OPTIONS in lab): a NaN in a comparison is often an entry
  // the code never wrote
  const bool has_nan = std::any_of(keep.begin(), keep.end(), [](const std::string& k) {
    for (std::size_t at = k.find("nan"); at != std::string::npos; at = k.find("nan", at + 1))
      if ((at == 0 || !std::isalpha(static_cast<unsigned char>(k[at - 1]))) &&
          (at + 3 == k.size() || !std::isalpha(static_cast<unsigned char>(k[at + 3]))))
        return true;
    return false;
  });
  if (has_nan)
    keep.insert(keep.begin() + static_cast<std::ptrdiff_t>(std::min(keep.size(), max_lines > 0 ? max_lines - 1 : 0)), "(a NaN where a number belongs may be an entry your code never wrote: ./lab check fills new "
                   "arrays with NaN, so an output entry left unset, or read before it is set, shows as NaN)");
  std::ostringstream os;
  for (std::size_t k = 0; k < keep.size() && k < max_lines; ++k) os << "      " << keep[k] << "\n";
  if (keep.size() > max_lines)
    os << "      ... (" << keep.size() - max_lines << " more lines: run the test program itself to see them all)\n";
  return os.str();
}

std::string next_step(const std::vector<FunctionState>& all, const std::vector<std::string>& topics) {
  // first, a failure (fixing beats starting something new), in the topics just checked before the others; then
  // the first function not written or not checked
  auto in_topics = [&](const FunctionState& s) {
    return std::find(topics.begin(), topics.end(), s.exercise->topic) != topics.end();
  };
  for (const auto& s : all)
    if (s.written && (!s.failures.empty() || s.blocked > 0) && in_topics(s))
      return "next: fix " + (s.failures.empty() ? s.blocked_by : s.exercise->function) + " (the failures above say where; stuck? ./lab hint " +
             (s.failures.empty() ? s.blocked_by : s.exercise->function) + "), then ./lab check " + s.exercise->topic;
  // a failure from an earlier run of another topic: nothing above shows it, so say where it comes from (with
  // no topics, as in ./lab progress, every result is the last check of its topic)
  for (const auto& s : all)
    if (s.written && !s.failures.empty())
      return "next: fix " + s.exercise->function + " in " + s.file + ":" + std::to_string(s.line) + " (it failed " +
             (topics.empty() ? "at" : "at your last") + " ./lab check " + s.exercise->topic + "; stuck? ./lab hint " +
             s.exercise->function + "), then ./lab check " + s.exercise->topic;
  for (const auto& s : all) {
    if (s.exercise->optional) continue;
    if (!s.written)
      return "next: write " + s.exercise->function + " in " + s.file + ":" + std::to_string(s.line) +
             ", then ./lab check " + s.exercise->topic + " (./lab hint " + s.exercise->function + " for the idea)";
    if (s.tests == 0) return "next: ./lab check " + s.exercise->topic + " (" + s.exercise->function + " is written but not checked yet)";
  }
  for (const auto& s : all)
    if (!s.written || s.tests == 0)
      return "next: every required exercise passes; the optional " + s.exercise->function + " (" + s.file +
             ") is next, or train the network with your own layers: ./lab run";
  return "next: every exercise passes. Train the network with your own layers: ./lab run";
}

namespace {
std::string state_line(const FunctionState& s) {
  std::ostringstream os;
  os << "  " << pad(s.exercise->function, 28);
  const std::string v = s.verdict();
  if (v == "passing") {
    os << "passing  (" << s.passed << " of " << s.tests << " tests)";
  } else if (v == "failing") {
    os << "FAILING  (" << s.failures.size() << " of " << s.tests << " tests fail)";
  } else if (v == "blocked") {
    os << "blocked: fix " << s.blocked_by << " first (" << s.blocked << " tests need it)";
  } else if (v == "waiting") {
    os << "written, waiting for a function it needs (" << s.waiting << " tests skipped)";
  } else {
    os << v;
  }
  if (s.exercise->optional) os << "  [optional]";
  return os.str();
}
}  // namespace

std::string check_report(const std::vector<FunctionState>& all, const std::vector<std::string>& topics,
                         const std::function<std::string(const std::string&, const std::string&)>& symbolize) {
  std::ostringstream os;
  auto wanted = [&](const FunctionState& s) {
    return topics.empty() || std::find(topics.begin(), topics.end(), s.exercise->topic) != topics.end();
  };
  for (const auto& s : all) {
    if (!wanted(s) || s.failures.empty()) continue;
    os << s.exercise->function << ": " << s.failures.size() << (s.failures.size() == 1 ? " test fails\n" : " tests fail\n");
    for (const TestResult* r : s.failures) {
      const auto slash = r->name.find('/');
      os << "  x " << (slash == std::string::npos ? r->name : r->name.substr(slash + 1)) << "\n"
         << excerpt(*r, 24, symbolize);
    }
    os << "\n";
  }
  std::string topic;
  for (const auto& s : all) {
    if (!wanted(s)) continue;
    if (s.exercise->topic != topic) os << (topic = s.exercise->topic) << "\n";
    os << state_line(s) << "\n";
  }
  os << "\n" << next_step(all, topics) << "\n";
  return os.str();
}

std::string progress_report(const std::vector<FunctionState>& all) {
  std::ostringstream os;
  std::size_t done = 0, required = 0;
  std::string topic;
  for (const auto& s : all) {
    if (s.exercise->topic != topic) os << (topic = s.exercise->topic) << "\n";
    os << state_line(s) << "\n";
    if (!s.exercise->optional) {
      ++required;
      if (s.verdict() == "passing") ++done;
    }
  }
  os << "\n" << done << " of " << required << " required exercises pass (results of your last ./lab check of each topic)\n"
     << next_step(all, {}) << "\n";
  return os.str();
}

std::vector<Grade> grades(const std::vector<FunctionState>& all, const std::map<std::string, std::size_t>& test_counts,
                          const std::vector<std::string>& missing) {
  std::vector<Grade> out;
  for (const auto& s : all) {
    Grade g;
    g.exercise = s.exercise;
    if (std::find(missing.begin(), missing.end(), s.file) != missing.end()) {
      const auto it = test_counts.find(s.exercise->function);
      g.total = it == test_counts.end() ? 0 : it->second;
      g.handed_in = false;
      g.output = "not handed in (" + s.file + " is not in the submission)";
      out.push_back(g);
      continue;
    }
    const auto it = test_counts.find(s.exercise->function);
    g.total = std::max<std::size_t>(it == test_counts.end() ? 0 : it->second, s.tests + s.blocked);
    g.passed = s.written ? s.passed : 0;
    // all or nothing: a function earns its points when every test that grades it passes (a shape check that
    // stands before the student's code passes whatever the code does, so a share would pay for nothing)
    g.score = g.total > 0 && g.passed == g.total ? s.exercise->points : 0.0;
    std::ostringstream os;
    if (!s.written) {
      os << "not written (" << s.file << ")";
    } else if (g.total == 0) {
      os << "no test grades this function";
    } else {
      os << g.passed << " of " << g.total << " tests pass";
      if (s.blocked > 0) os << "; " << s.blocked << " stopped because " << s.blocked_by << " fails";
      for (const TestResult* r : s.failures) {
        const auto slash = r->name.find('/');
        os << "\nfails: " << (slash == std::string::npos ? r->name : r->name.substr(slash + 1));
        // the judge's own word on a student's process that gave no answer (crash, exit, time)
        std::istringstream lines(r->output);
        for (std::string line; std::getline(lines, line);)
          if (line.rfind("cnnlab judge: ", 0) == 0 && line.find("this test fails") == std::string::npos) {
            os << "\n  " << line.substr(14);
            break;
          }
      }
      if (s.tests + s.blocked < g.total) os << "\n" << g.total - s.tests - s.blocked << " tests did not run";
    }
    g.output = os.str();
    out.push_back(g);
  }
  return out;
}

namespace {
std::string points(double v) {
  std::ostringstream os;
  os << std::fixed << std::setprecision(v == static_cast<long>(v) ? 0 : 2) << v;
  return os.str();
}

// The length of the UTF-8 sequence that starts at s[i], or 0 when none does.
std::size_t utf8_length(const std::string& s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  const std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((b(i + k) >> 6) != 0x2) return 0;
  return n;
}

// @p text as valid UTF-8: a byte that starts no sequence becomes '?'
std::string valid_utf8(const std::string& text) {
  std::string s;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = utf8_length(text, i);
    s += n == 0 ? std::string("?") : text.substr(i, n);
    i += n == 0 ? 1 : n;
  }
  return s;
}

std::string json_string(const std::string& text) {
  const std::string s = valid_utf8(text);
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}
}  // namespace

Totals totals(const std::vector<Grade>& g) {
  Totals t;
  for (const Grade& x : g) {
    (x.exercise->optional ? t.bonus : t.required) += x.score;
    if (!x.exercise->optional) t.required_max += x.exercise->points;
  }
  return t;
}

std::vector<Grade> failed_grades(const std::vector<Exercise>& course, const std::vector<std::string>& topics,
                                 const std::string& why) {
  std::vector<Grade> out;
  for (const Exercise& e : course)
    if (topics.empty() || std::find(topics.begin(), topics.end(), e.topic) != topics.end()) {
      Grade g;
      g.exercise = &e;
      g.output = why;
      out.push_back(g);
    }
  return out;
}

std::string grade_table(const std::vector<Grade>& g) {
  std::ostringstream os;
  os << pad("topic", 19) << pad("function", 28) << pad("tests", 9) << "points\n";
  for (const Grade& x : g) {
    os << pad(x.exercise->topic, 19) << pad(x.exercise->function, 28)
       << pad(x.handed_in ? std::to_string(x.passed) + "/" + std::to_string(x.total) : "-", 9) << points(x.score)
       << " / " << points(x.exercise->points) << (x.exercise->optional ? "  [optional: extra credit]" : "")
       << (x.handed_in ? "" : "  not handed in") << "\n";
  }
  const Totals t = totals(g);
  os << pad("total", 56) << points(t.required + t.bonus) << " / " << points(t.required_max) << "  (required "
     << points(t.required) << ", extra credit " << points(t.bonus) << ")\n";
  return os.str();
}

std::string gradescope_json(const std::vector<Grade>& g) {
  std::ostringstream os;
  const Totals t = totals(g);
  os << "{\n  \"score\": " << t.required + t.bonus << ",\n  \"output\": "
     << json_string("required functions: " + points(t.required) + " of " + points(t.required_max) +
                    "; extra credit (optional functions): " + points(t.bonus))
     << ",\n  \"tests\": [\n";
  for (std::size_t i = 0; i < g.size(); ++i) {
    const Grade& x = g[i];
    const bool extra = x.exercise->optional;
    os << "    {\"name\": "
       << json_string(x.exercise->topic + ": " + x.exercise->function + (extra ? " (extra credit)" : ""))
       << ", \"score\": " << x.score << ", \"max_score\": " << (extra ? 0.0 : x.exercise->points)
       << ", \"output\": " << json_string(x.output) << "}" << (i + 1 < g.size() ? "," : "") << "\n";
  }
  os << "  ]\n}\n";
  return os.str();
}

std::string class_csv(const std::vector<Grade>& g, const std::string& name, bool header_only) {
  std::ostringstream os;
  // a name with a comma, a quote or a line break is quoted, as CSV readers expect
  const bool quote = name.find_first_of(",\"\n\r") != std::string::npos;
  std::string shown = name;
  for (std::size_t at = 0; quote && (at = shown.find('"', at)) != std::string::npos; at += 2) shown.insert(at, 1, '"');
  if (header_only) {
    os << "name";
    for (const Grade& x : g) os << "," << x.exercise->function;
    os << ",total,required_total\n";
    return os.str();
  }
  os << (quote ? "\"" + shown + "\"" : shown);
  for (const Grade& x : g) os << "," << points(x.score);
  const Totals t = totals(g);
  os << "," << points(t.required + t.bonus) << "," << points(t.required_max) << "\n";
  return os.str();
}

std::string failed_junit(const std::string& why) {
  std::string text;
  for (char c : valid_utf8(why)) {
    switch (c) {
      case '<': text += "&lt;"; break;
      case '>': text += "&gt;"; break;
      case '&': text += "&amp;"; break;
      case '"': text += "&quot;"; break;
      default:
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\n' || c == '\t') text += c;
    }
  }
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"grade\" tests=\"1\" failures=\"1\">\n"
         "  <testcase name=\"build\" classname=\"grade\" status=\"run\">\n    <failure message=\"the build failed\">" +
         text + "</failure>\n  </testcase>\n</testsuite>\n";
}

}  // namespace labreport
