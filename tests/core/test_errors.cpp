// Tests of the exception hierarchy (src/core/errors.hpp): messages name the function first.
#include "core/errors.hpp"

#include <catch2/catch.hpp>

using namespace cnn;

TEST_CASE("errors name the function, and all derive from cnn::error", "[errors]") {
  const shape_error e("affine_forward", "x flattens to D = 120 but w has 100 rows");
  REQUIRE(std::string(e.what()) == "affine_forward: x flattens to D = 120 but w has 100 rows");
  REQUIRE(e.function() == "affine_forward");
  REQUIRE_THROWS_AS(throw value_error("f", "bad"), error);
  REQUIRE_THROWS_AS(throw io_error("f", "bad"), std::runtime_error);
}

TEST_CASE("not_implemented reads 'not implemented: <function> (<file>)', which ctest turns into a skip",
          "[errors]") {
  const not_implemented e("affine_forward", "exercises/affine.cpp");
  REQUIRE(std::string(e.what()) == "not implemented: affine_forward (exercises/affine.cpp)");
  REQUIRE(e.file() == "exercises/affine.cpp");
}
