#include "exgen.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>

namespace exgen {
namespace {

const char* const kHeader[] = {
    "// cnnlab exercise file (made by tools/exgen; `./lab hint <function>` gives hints, one level at a time).",
    "// Write your code between each BEGIN EXERCISE and END EXERCISE and leave the rest as it is (it is checked).",
    "// Then: ./lab check <topic>   (the topics are listed by ./lab progress)",
};

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::string line;
  std::istringstream in(text);
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) {
    out += l;
    out += '\n';
  }
  return out;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

bool is_identifier(const std::string& s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

struct MarkerWords {
  std::string begin, end;
};

MarkerWords words(Kind kind) {
  return kind == Kind::solution ? MarkerWords{"// BEGIN SOLUTION", "// END SOLUTION"}
                                : MarkerWords{"// BEGIN EXERCISE", "// END EXERCISE"};
}

[[noreturn]] void fail(const std::string& file, std::size_t line, const std::string& what) {
  throw marker_error(file + ":" + std::to_string(line) + ": " + what);
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// A file with every region's body replaced by one placeholder, for comparisons; each line keeps the
// 1-based number it has in the file.
struct MaskedLine {
  std::string text;
  std::size_t line;
};

std::vector<MaskedLine> masked(const Parsed& p) {
  std::vector<MaskedLine> out;
  std::size_t next = 0;
  for (std::size_t i = 0; i < p.lines.size(); ++i) {
    if (next < p.regions.size() && i + 1 == p.regions[next].begin_line) {
      const Region& r = p.regions[next++];
      out.push_back({p.lines[i], i + 1});
      out.push_back({"<the body of region " + r.name + ">", i + 2});
      i = r.end_line - 1;
      out.push_back({p.lines[i], i + 1});
    } else {
      out.push_back({p.lines[i], i + 1});
    }
  }
  return out;
}

}  // namespace

Parsed parse(const std::string& text, const std::string& file, Kind kind) {
  Parsed p;
  p.lines = split_lines(text);
  const MarkerWords mine = words(kind);
  const MarkerWords other = words(kind == Kind::solution ? Kind::exercise : Kind::solution);
  std::set<std::string> names;
  Region* open = nullptr;
  Region current;
  std::string above;  // text above the current line, to find the region's function
  for (std::size_t i = 0; i < p.lines.size(); ++i) {
    const std::size_t lineno = i + 1;
    const std::string t = trim(p.lines[i]);
    if (starts_with(t, other.begin) || starts_with(t, other.end))
      fail(file, lineno, "marker '" + t + "' belongs in the other tree; here the markers are '" + mine.begin +
                             " <name>' and '" + mine.end + "'");
    if (starts_with(t, mine.begin)) {
      if (open)
        fail(file, lineno, "nested '" + mine.begin + "': the region '" + open->name + "' opened at line " +
                               std::to_string(open->begin_line) + " is not closed");
      const std::string name = trim(t.substr(mine.begin.size()));
      if (!is_identifier(name))
        fail(file, lineno, "'" + mine.begin + "' must be followed by the function's name, got '" + name + "'");
      if (!names.insert(name).second) fail(file, lineno, "a second region named '" + name + "'");
      if (above.find(name + "(") == std::string::npos)
        fail(file, lineno, "region '" + name + "' but no function '" + name + "(' appears above it");
      current = Region{};
      current.name = name;
      current.begin_line = lineno;
      current.indent = p.lines[i].substr(0, p.lines[i].find_first_not_of(" \t"));
      open = &current;
    } else if (starts_with(t, mine.end)) {
      if (!open) fail(file, lineno, "'" + mine.end + "' with no region open");
      if (t != mine.end) fail(file, lineno, "'" + mine.end + "' takes nothing after it, got '" + t + "'");
      open->end_line = lineno;
      p.regions.push_back(*open);
      open = nullptr;
    } else if (open) {
      open->body.push_back(p.lines[i]);
    }
    above += p.lines[i];
    above += '\n';
  }
  if (open)
    fail(file, open->begin_line, "region '" + open->name + "' is never closed with '" + mine.end + "'");
  return p;
}

std::string stub_statement(const std::string& name, const std::string& exercise_file) {
  return "throw cnn::not_implemented(\"" + name + "\", \"" + exercise_file + "\");";
}

std::string make_exercise(const std::string& solution_text, const std::string& solution_file,
                          const std::string& exercise_file) {
  const Parsed p = parse(solution_text, solution_file, Kind::solution);
  std::vector<std::string> out;
  for (const char* h : kHeader) out.push_back(h);
  std::size_t next = 0;
  for (std::size_t i = 0; i < p.lines.size(); ++i) {
    if (next < p.regions.size() && i + 1 == p.regions[next].begin_line) {
      const Region& r = p.regions[next++];
      out.push_back(r.indent + "// BEGIN EXERCISE " + r.name);
      out.push_back(r.indent + stub_statement(r.name, exercise_file));
      out.push_back(r.indent + "// END EXERCISE");
      i = r.end_line - 1;
    } else {
      out.push_back(p.lines[i]);
    }
  }
  return join_lines(out);
}

std::string compare_exercise(const std::string& generated, const std::string& actual, const std::string& exercise_file) {
  const auto want = masked(parse(generated, exercise_file + " (as generated)", Kind::exercise));
  const auto have = masked(parse(actual, exercise_file, Kind::exercise));
  const std::size_t n = std::min(want.size(), have.size());
  for (std::size_t i = 0; i < n; ++i)
    if (want[i].text != have[i].text)
      return exercise_file + ":" + std::to_string(have[i].line) + ": '" + have[i].text +
             "' differs from the generated line '" + want[i].text + "'";
  if (want.size() > have.size())
    return exercise_file + ": ends at line " + std::to_string(have.empty() ? 0 : have.back().line) +
           "; the generated text goes on with '" + want[n].text + "'";
  if (have.size() > want.size())
    return exercise_file + ":" + std::to_string(have[n].line) + ": '" + have[n].text +
           "' is past the end of the generated text";
  return "";
}

std::vector<RegionStatus> progress(const std::string& exercise_text, const std::string& exercise_file) {
  const Parsed p = parse(exercise_text, exercise_file, Kind::exercise);
  std::vector<RegionStatus> out;
  for (const auto& r : p.regions) {
    const bool stub = r.body.size() == 1 && trim(r.body[0]) == stub_statement(r.name, exercise_file);
    out.push_back({r.name, r.begin_line, !stub});
  }
  return out;
}

std::string solve(const std::string& exercise_text, const std::string& exercise_file, const std::string& solution_text,
                  const std::string& solution_file, const std::vector<std::string>& functions) {
  const Parsed ex = parse(exercise_text, exercise_file, Kind::exercise);
  const Parsed sol = parse(solution_text, solution_file, Kind::solution);
  auto wanted = [&](const std::string& name) {
    return functions.empty() || std::find(functions.begin(), functions.end(), name) != functions.end();
  };
  std::vector<std::string> out;
  std::size_t next = 0;
  for (std::size_t i = 0; i < ex.lines.size(); ++i) {
    if (next < ex.regions.size() && i + 1 == ex.regions[next].begin_line) {
      const Region& r = ex.regions[next++];
      const auto s = std::find_if(sol.regions.begin(), sol.regions.end(), [&](const Region& x) { return x.name == r.name; });
      out.push_back(ex.lines[i]);
      if (s != sol.regions.end() && wanted(r.name)) {
        bool in_hint = false;
        for (const std::string& line : s->body) {
          const std::string t = trim(line);
          in_hint = starts_with(t, "// HINT ") || (in_hint && starts_with(t, "//   "));
          if (!in_hint) out.push_back(line);
        }
      } else {
        out.insert(out.end(), r.body.begin(), r.body.end());
      }
      i = r.end_line - 1;
      out.push_back(ex.lines[i]);
    } else {
      out.push_back(ex.lines[i]);
    }
  }
  return join_lines(out);
}

std::vector<Hint> hints(const std::string& solution_text, const std::string& solution_file) {
  const Parsed p = parse(solution_text, solution_file, Kind::solution);
  std::vector<Hint> out;
  for (const Region& r : p.regions) {
    std::set<int> seen;
    Hint* open = nullptr;
    for (std::size_t k = 0; k < r.body.size(); ++k) {
      const std::string t = trim(r.body[k]);
      const std::size_t lineno = r.begin_line + 1 + k;
      if (starts_with(t, "// HINT ")) {
        const std::string rest = t.substr(8);
        const auto colon = rest.find(':');
        const std::string level = rest.substr(0, colon);
        if (colon == std::string::npos || level.size() != 1 || level[0] < '1' || level[0] > '3')
          fail(solution_file, lineno, "a hint reads '// HINT <1, 2 or 3>: text', got '" + t + "'");
        const int n = level[0] - '0';
        if (!seen.insert(n).second)
          fail(solution_file, lineno, "a second hint of level " + level + " for " + r.name);
        out.push_back({r.name, n, trim(rest.substr(colon + 1))});
        open = &out.back();
      } else if (open != nullptr && starts_with(t, "//   ")) {
        // a continuation: "//" and at least three spaces; the indentation beyond those three is kept
        const std::string& line = r.body[k];
        open->text += '\n';
        open->text += line.substr(line.find("//") + 5);
      } else {
        open = nullptr;
      }
    }
  }
  return out;
}

std::string hints_file(const std::vector<Hint>& all_hints, int max_level) {
  std::ostringstream out;
  out << "# Hints\n\n"
         "Generated by tools/exgen (./lab exercises); read them one at a time with `./lab hint <function> [1|2|3]`:\n"
         "level 1 is the idea, 2 the formula with shapes"
      << (max_level >= 3 ? ", 3 pseudo-code" : "") << ". Try each level before the next.\n";
  std::string current;
  for (const Hint& h : all_hints) {
    if (h.level > max_level) continue;
    if (h.function != current) {
      out << "\n## " << h.function << "\n";
      current = h.function;
    }
    out << "\n### " << h.level << "\n" << h.text << "\n";
  }
  return out.str();
}

std::vector<Hint> parse_hints_file(const std::string& text) {
  std::vector<Hint> out;
  std::string function;
  for (const std::string& line : split_lines(text)) {
    if (starts_with(line, "## ")) {
      function = trim(line.substr(3));
    } else if (starts_with(line, "### ") && !function.empty()) {
      out.push_back({function, std::atoi(line.c_str() + 4), ""});
    } else if (!out.empty() && out.back().function == function && !function.empty()) {
      if (!out.back().text.empty()) out.back().text += '\n';
      out.back().text += line;
    }
  }
  for (Hint& h : out)  // the blank line before the next heading
    while (!h.text.empty() && h.text.back() == '\n') h.text.pop_back();
  return out;
}

std::string table_source(const std::vector<std::pair<std::string, std::string>>& files, Kind kind) {
  std::ostringstream out;
  out << "// Generated by tools/exgen from the files of " << (kind == Kind::exercise ? "exercises/" : "solutions/")
      << " at build time: do not edit.\n"
         "#include \"instruments/exercise_table.hpp\"\n\nnamespace cnn {\n\nnamespace {\nconst ExerciseEntry kTable[] = {\n";
  std::size_t count = 0;
  for (const auto& [path, text] : files) {
    // the table names the student's file in both cases: that is the file to edit
    std::string shown = path;
    if (starts_with(shown, "solutions/")) shown = "exercises/" + shown.substr(10);
    auto entry = [&](const std::string& name, std::size_t line, bool written) {
      out << "    {\"" << name << "\", \"" << shown << "\", " << line << ", " << (written ? "true" : "false") << "},\n";
      ++count;
    };
    if (kind == Kind::exercise) {
      for (const auto& r : progress(text, path)) entry(r.name, r.line, r.done);
    } else {
      for (const auto& r : parse(text, path, Kind::solution).regions) entry(r.name, r.begin_line, true);
    }
  }
  if (count == 0) out << "    {\"\", \"\", 0, true},\n";  // an array may not be empty
  out << "};\n}  // namespace\n\nstd::span<const ExerciseEntry> exercise_table() {\n  return {kTable, "
      << count << "};\n}\n\n}  // namespace cnn\n";
  return out.str();
}

}  // namespace exgen
