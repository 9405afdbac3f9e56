// Tests of ReLU (src/layers/relu.hpp): known answers, gradient check away from the kink at 0, bad input.
#include "layers/relu.hpp"

#include <cmath>
#include <limits>

#include "core/errors.hpp"
#include "reference/first_layers.hpp"
#include "support/testing.hpp"

using namespace cnn;
using testing::from_values;
using testing::linspace;

TEST_CASE("relu_forward and relu_backward match NumPy on a linspace input", "[relu][known][fn:relu_forward][fn:relu_backward]") {
  const Tensor x = linspace(-0.5, 0.5, {3, 4});  // no entry is exactly 0
  const Tensor dout = linspace(1.0, 2.1, {3, 4});
  const auto [out, cache] = relu_forward(x);
  REQUIRE_CLOSE(compare("out", out, from_values(ref::relu_out, {3, 4})));
  const auto [dx] = relu_backward(dout, cache);
  REQUIRE_CLOSE(compare("dx", dx, from_values(ref::relu_dx, {3, 4}), {1e-10, 1e-12}, relu_context(x)));
}

TEST_CASE("relu_forward by hand: negatives and 0 become 0, positives pass unchanged, any rank",
          "[relu][known][fn:relu_forward]") {
  // max(0, x) entry by entry, worked out by hand on a (2, 1, 3) input
  const Tensor x = {{{-1.5, 0.0, 2.25}}, {{4.0, -0.001, 1e-9}}};
  const auto [out, cache] = relu_forward(x);
  REQUIRE_CLOSE(compare("out", out, Tensor{{{0.0, 0.0, 2.25}}, {{4.0, 0.0, 1e-9}}}));
  REQUIRE_CLOSE(compare("the cache keeps x", cache.x, x));
}

TEST_CASE("relu by hand, including the kink at 0 where the gradient is taken as 0", "[relu][known][fn:relu_forward][fn:relu_backward]") {
  const Tensor x = {-2.0, 0.0, 3.0};
  const auto [out, cache] = relu_forward(x);
  REQUIRE_CLOSE(compare("out", out, Tensor{0.0, 0.0, 3.0}));
  const auto [dx] = relu_backward(Tensor{10.0, 20.0, 30.0}, cache);
  REQUIRE_CLOSE(compare("dx", dx, Tensor{0.0, 0.0, 30.0}, {1e-10, 1e-12}, relu_context(x)));
}

TEST_CASE("relu_backward matches the numerical gradient on a 4-d input", "[relu][gradcheck][fn:relu_backward]") {
  Rng rng(7);
  Tensor x = randn({2, 3, 4, 4}, rng);
  // Move every entry at least 1e-3 away from the kink at 0: a centred step of 1e-5 then never straddles it.
  for (double& v : x) v = std::copysign(std::abs(v) + 1e-3, v);
  const Tensor dout = randn({2, 3, 4, 4}, rng);
  const auto [out, cache] = relu_forward(x);
  const auto [dx] = relu_backward(dout, cache);
  const GradCheck gc = check_gradient("dx of relu_backward", [&] { return relu_forward(x).out; }, x, dout, dx,
                                      {.context = relu_context(x)});
  REQUIRE_GRADIENT_OK(gc);
  REQUIRE(gc.kinks.empty());
}

TEST_CASE("relu refuses a scalar and a dout of another shape", "[relu][errors][fn:relu_forward][fn:relu_backward]") {
  REQUIRE_THROWS_AS(relu_forward(Tensor(3.0)), shape_error);
  const auto [out, cache] = relu_forward(Tensor{1.0, 2.0});
  REQUIRE_THROWS_MATCHES(relu_backward(Tensor{1.0, 2.0, 3.0}, cache), shape_error,
                         Catch::Matchers::Message("relu_backward: dout has shape (3) but x has shape (2); they must match"));
}

TEST_CASE("relu_forward keeps +inf, zeroes -inf, and gives NaN (the reference) or 0 for a NaN", "[relu][non_finite][fn:relu_forward][fn:relu_backward]") {
  // Which of the two a NaN becomes depends on how the threshold is written: `x <= 0 ? 0 : x` keeps it (the
  // reference, so that a NaN reaches the loss and the solver stops), `x > 0 ? x : 0` hides it. Both are
  // accepted here; tests/core/test_non_finite.cpp pins the reference's choice (docs/checks.md).
  const double inf = std::numeric_limits<double>::infinity();
  const Tensor x = {std::numeric_limits<double>::quiet_NaN(), inf, -inf, 1.5};
  const auto [out, cache] = relu_forward(x);
  REQUIRE((std::isnan(out(0)) || out(0) == 0.0));
  REQUIRE(out(1) == inf);
  REQUIRE(out(2) == 0.0);
  REQUIRE(out(3) == 1.5);
  const auto [dx] = relu_backward(Tensor{2.0, 2.0, 2.0, 2.0}, cache);
  REQUIRE((dx(0) == 2.0 || dx(0) == 0.0));
  REQUIRE(dx(1) == 2.0);
  REQUIRE(dx(2) == 0.0);
}
