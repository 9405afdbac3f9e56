// Tests of the exercise generator (tools/exgen): stubs, the sync check, progress, hints, the exercise table, the
// perfect student, and malformed markers.
#include "exgen.hpp"

#include <catch2/catch.hpp>

using Catch::Matchers::Contains;
using Catch::Matchers::Message;
using exgen::Kind;
using exgen::marker_error;

namespace {
const std::string kSolution =
    "int twice(int v) {\n"
    "  // Exercise: return two times v.\n"
    "  // BEGIN SOLUTION twice\n"
    "  return 2 * v;\n"
    "  // END SOLUTION\n"
    "}\n";
}

TEST_CASE("exgen replaces a marked region by a stub that names the function and the file", "[exgen]") {
  const std::string ex = exgen::make_exercise(kSolution, "solutions/t.cpp", "exercises/t.cpp");
  REQUIRE_THAT(ex, Contains("  // Exercise: return two times v.\n"
                            "  // BEGIN EXERCISE twice\n"
                            "  throw cnn::not_implemented(\"twice\", \"exercises/t.cpp\");\n"
                            "  // END EXERCISE\n"
                            "}\n"));
  REQUIRE_THAT(ex, !Contains("return 2 * v"));
  REQUIRE_THAT(ex, !Contains("solutions/"));  // a handout's exercise files point at no solution
}

TEST_CASE("the sync check ignores what a student writes inside a region, and nothing else", "[exgen]") {
  const std::string generated = exgen::make_exercise(kSolution, "solutions/t.cpp", "exercises/t.cpp");
  REQUIRE(exgen::compare_exercise(generated, generated, "exercises/t.cpp").empty());

  std::string filled = generated;
  const std::string stub = "  throw cnn::not_implemented(\"twice\", \"exercises/t.cpp\");\n";
  filled.replace(filled.find(stub), stub.size(), "  int r = v + v;\n  return r;\n");
  REQUIRE(exgen::compare_exercise(generated, filled, "exercises/t.cpp").empty());

  std::string hint_changed = generated;
  hint_changed.replace(hint_changed.find("two times"), 9, "three times");
  REQUIRE_THAT(exgen::compare_exercise(generated, hint_changed, "exercises/t.cpp"), Contains("exercises/t.cpp:5:"));

  const std::string newer = exgen::make_exercise(kSolution + "int more() { return 1; }\n", "solutions/t.cpp",
                                                 "exercises/t.cpp");
  REQUIRE_THAT(exgen::compare_exercise(newer, generated, "exercises/t.cpp"), Contains("ends at line"));
}

TEST_CASE("progress tells a stub from a written exercise", "[exgen]") {
  const std::string generated = exgen::make_exercise(kSolution, "solutions/t.cpp", "exercises/t.cpp");
  auto p = exgen::progress(generated, "exercises/t.cpp");
  REQUIRE(p.size() == 1);
  REQUIRE(p[0].name == "twice");
  REQUIRE_FALSE(p[0].done);
  std::string filled = generated;
  const std::string stub = "  throw cnn::not_implemented(\"twice\", \"exercises/t.cpp\");\n";
  filled.replace(filled.find(stub), stub.size(), "  return v << 1;\n");
  REQUIRE(exgen::progress(filled, "exercises/t.cpp")[0].done);
}

TEST_CASE("exgen refuses malformed markers with the file and line", "[exgen][errors]") {
  const std::string nested =
      "void f() {\n  // BEGIN SOLUTION f\n  // BEGIN SOLUTION f\n  // END SOLUTION\n  // END SOLUTION\n}\n";
  REQUIRE_THROWS_MATCHES(exgen::parse(nested, "s.cpp", Kind::solution), marker_error,
                         Message("s.cpp:3: nested '// BEGIN SOLUTION': the region 'f' opened at line 2 is not closed"));
  const std::string unclosed = "void f() {\n  // BEGIN SOLUTION f\n  return;\n}\n";
  REQUIRE_THROWS_MATCHES(exgen::parse(unclosed, "s.cpp", Kind::solution), marker_error,
                         Message("s.cpp:2: region 'f' is never closed with '// END SOLUTION'"));
  const std::string unopened = "void f() {\n  // END SOLUTION\n}\n";
  REQUIRE_THROWS_MATCHES(exgen::parse(unopened, "s.cpp", Kind::solution), marker_error,
                         Message("s.cpp:2: '// END SOLUTION' with no region open"));
  const std::string unnamed = "void f() {\n  // BEGIN SOLUTION\n  // END SOLUTION\n}\n";
  REQUIRE_THROWS_WITH(exgen::parse(unnamed, "s.cpp", Kind::solution), Contains("s.cpp:2: ") && Contains("name"));
  const std::string wrong_name = "void f() {\n  // BEGIN SOLUTION g\n  // END SOLUTION\n}\n";
  REQUIRE_THROWS_WITH(exgen::parse(wrong_name, "s.cpp", Kind::solution),
                      Contains("s.cpp:2: region 'g' but no function 'g(' appears above it"));
  const std::string twice =
      "void f() {\n  // BEGIN SOLUTION f\n  // END SOLUTION\n  // BEGIN SOLUTION f\n  // END SOLUTION\n}\n";
  REQUIRE_THROWS_WITH(exgen::parse(twice, "s.cpp", Kind::solution), Contains("s.cpp:4: a second region named 'f'"));
  const std::string mixed = "void f() {\n  // BEGIN EXERCISE f\n  // END EXERCISE\n}\n";
  REQUIRE_THROWS_WITH(exgen::parse(mixed, "s.cpp", Kind::solution), Contains("s.cpp:2: ") && Contains("other tree"));
}

namespace {
const std::string kHinted =
    "int twice(int v) {\n"
    "  // Exercise: return two times v.\n"
    "  // BEGIN SOLUTION twice\n"
    "  // HINT 1: doubling is adding v to itself.\n"
    "  // HINT 2: out = v + v\n"
    "  //   (or 2 v)\n"
    "  // HINT 3: return v + v\n"
    "  //   (in C++: return 2 * v;)\n"
    "  //   and nothing else\n"
    "  return 2 * v;\n"
    "  //   a comment of the body, not of a hint\n"
    "  // END SOLUTION\n"
    "}\n";
}  // namespace

TEST_CASE("hints are read from the region, continued over indented comment lines, and left out of the stub",
          "[exgen][hints]") {
  const auto hints = exgen::hints(kHinted, "solutions/t.cpp");
  REQUIRE(hints.size() == 3);
  CHECK(hints[0].function == "twice");
  CHECK(hints[0].level == 1);
  CHECK(hints[0].text == "doubling is adding v to itself.");
  CHECK(hints[1].text == "out = v + v\n(or 2 v)");
  CHECK(hints[2].text == "return v + v\n(in C++: return 2 * v;)\nand nothing else");
  const std::string ex = exgen::make_exercise(kHinted, "solutions/t.cpp", "exercises/t.cpp");
  REQUIRE_THAT(ex, !Contains("HINT") && !Contains("doubling"));
}

TEST_CASE("the hints file holds the levels asked for and reads back the same", "[exgen][hints]") {
  const auto hints = exgen::hints(kHinted, "solutions/t.cpp");
  const auto all = exgen::parse_hints_file(exgen::hints_file(hints, 3));
  REQUIRE(all.size() == 3);
  for (std::size_t k = 0; k < 3; ++k) {
    CHECK(all[k].function == hints[k].function);
    CHECK(all[k].level == hints[k].level);
    CHECK(all[k].text == hints[k].text);
  }
  const auto two = exgen::parse_hints_file(exgen::hints_file(hints, 2));  // a handout without pseudo-code
  REQUIRE(two.size() == 2);
  CHECK(two.back().level == 2);
}

TEST_CASE("exgen refuses a hint level outside 1..3 and a level given twice", "[exgen][hints][errors]") {
  const std::string four = "int f() {\n  // BEGIN SOLUTION f\n  // HINT 4: no\n  // END SOLUTION\n}\n";
  REQUIRE_THROWS_WITH(exgen::hints(four, "s.cpp"), Contains("s.cpp:3: a hint reads '// HINT <1, 2 or 3>: text'"));
  const std::string twice = "int f() {\n  // BEGIN SOLUTION f\n  // HINT 1: a\n  // HINT 1: b\n  // END SOLUTION\n}\n";
  REQUIRE_THROWS_WITH(exgen::hints(twice, "s.cpp"), Contains("s.cpp:4: a second hint of level 1 for f"));
}

TEST_CASE("solve puts the reference body without its hints into the exercise, and only where asked", "[exgen]") {
  const std::string stub = exgen::make_exercise(kHinted, "solutions/t.cpp", "exercises/t.cpp");
  const std::string solved = exgen::solve(stub, "exercises/t.cpp", kHinted, "solutions/t.cpp", {});
  REQUIRE_THAT(solved, Contains("  // BEGIN EXERCISE twice\n  return 2 * v;\n  //   a comment of the body, not of a hint\n"
                                "  // END EXERCISE\n"));
  REQUIRE_THAT(solved, !Contains("HINT"));
  REQUIRE(exgen::progress(solved, "exercises/t.cpp")[0].done);
  REQUIRE(exgen::compare_exercise(stub, solved, "exercises/t.cpp").empty());  // still in sync
  REQUIRE(exgen::solve(stub, "exercises/t.cpp", kHinted, "solutions/t.cpp", {"other"}) == stub);
}

TEST_CASE("the exercise table says which functions are written, with their file and line", "[exgen][table]") {
  const std::string stub = exgen::make_exercise(kHinted, "solutions/t.cpp", "exercises/t.cpp");
  const std::string src = exgen::table_source({{"exercises/t.cpp", stub}}, Kind::exercise);
  // the stub's BEGIN line: three header lines, then the solution's line 3
  REQUIRE_THAT(src, Contains("{\"twice\", \"exercises/t.cpp\", 6, false}"));
  const std::string solved = exgen::solve(stub, "exercises/t.cpp", kHinted, "solutions/t.cpp", {});
  REQUIRE_THAT(exgen::table_source({{"exercises/t.cpp", solved}}, Kind::exercise), Contains(", 6, true}"));
  REQUIRE_THAT(exgen::table_source({{"solutions/t.cpp", kHinted}}, Kind::solution),
               Contains("{\"twice\", \"exercises/t.cpp\", 3, true}"));
}
