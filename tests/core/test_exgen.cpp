// Tests of the exercise generator (tools/exgen): stubs, the sync check, progress, and malformed markers.
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
  REQUIRE_THAT(ex, Contains("generated from solutions/t.cpp"));
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
