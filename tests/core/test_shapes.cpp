// Tests of the output-size arithmetic (src/core/shapes.hpp) against the lecture's worked examples.
#include "core/shapes.hpp"

#include <catch2/catch.hpp>

#include "core/errors.hpp"

using namespace cnn;
using Catch::Matchers::Message;

TEST_CASE("the lecture's 7x7 input with a 3x3 filter: 5 at stride 1, 3 at stride 2, refused at stride 3",
          "[shapes]") {
  REQUIRE(conv_output_size("conv", 7, 3, 1, 0) == 5);
  REQUIRE(conv_output_size("conv", 7, 3, 2, 0) == 3);
  REQUIRE_THROWS_MATCHES(conv_output_size("conv", 7, 3, 3, 0), shape_error,
                         Message("conv: (W - F + 2P) = 4 is not divisible by stride S = 3 (W = 7, F = 3, P = 0)"));
}

TEST_CASE("padding (F - 1) / 2 at stride 1 keeps the size, and the lecture's other examples", "[shapes]") {
  for (std::size_t F : {1, 3, 5, 7}) REQUIRE(conv_output_size("conv", 32, F, 1, (F - 1) / 2) == 32);
  REQUIRE(conv_output_size("conv", 32, 5, 1, 0) == 28);   // 32x32x3 with 5x5 filters -> 28x28
  REQUIRE(conv_output_size("conv", 227, 11, 4, 0) == 55); // AlexNet conv1
  REQUIRE(pool_output_size("pool", 224, 2, 2) == 112);    // 224x224x64 -> 112x112x64
  REQUIRE(pool_output_size("pool", 55, 3, 2) == 27);      // AlexNet pool1
}

TEST_CASE("pooling rounds down where convolution refuses", "[shapes]") {
  REQUIRE(pool_output_size("pool", 7, 2, 2) == 3);  // (7 - 2) / 2 + 1 = 3.5 -> 3
  REQUIRE_THROWS_AS(conv_output_size("conv", 7, 2, 2, 0), shape_error);
}

TEST_CASE("window sizes refuse a zero stride, a zero window and a window larger than the padded input",
          "[shapes][errors]") {
  REQUIRE_THROWS_MATCHES(conv_output_size("f", 7, 3, 0, 0), value_error, Message("f: stride S must be at least 1, got 0"));
  REQUIRE_THROWS_AS(conv_output_size("f", 7, 0, 1, 0), value_error);
  REQUIRE_THROWS_MATCHES(conv_output_size("f", 3, 5, 1, 0, "H"), shape_error,
                         Message("f: window F = 5 is larger than the padded input H + 2P = 3 (H = 3, F = 5, P = 0)"));
  REQUIRE(conv_output_size("f", 3, 5, 1, 1) == 1);
}
