// Tests of the affine layer (src/layers/affine.hpp): known answers from NumPy, gradient checks, bad input.
#include "layers/affine.hpp"

#include "core/errors.hpp"
#include "reference/first_layers.hpp"
#include "support/testing.hpp"

using namespace cnn;
using testing::from_values;
using testing::linspace;

TEST_CASE("affine_forward matches NumPy on the course's linspace example", "[affine][known][fn:affine_forward]") {
  // Inputs as in tests/reference/first_layers.py; the expected values come from NumPy there. They also equal
  // the values published with the course's assignment: [[1.49834967, 1.70660132, 1.91485297], ...].
  const Tensor x = linspace(-0.1, 0.5, {2, 4, 5, 6});
  const Tensor2 w = linspace<Tensor2>(-0.2, 0.3, {120, 3});
  const Tensor1 b = linspace<Tensor1>(-0.3, 0.1, {3});
  const auto [out, cache] = affine_forward(x, w, b);
  REQUIRE_CLOSE(compare("out", out, from_values<Tensor2>(ref::affine_out, {2, 3})));
}

TEST_CASE("affine_backward matches NumPy on the linspace example", "[affine][known][fn:affine_backward]") {
  const Tensor x = linspace(-0.1, 0.5, {2, 4, 5, 6});
  const Tensor2 w = linspace<Tensor2>(-0.2, 0.3, {120, 3});
  const Tensor1 b = linspace<Tensor1>(-0.3, 0.1, {3});
  const Tensor2 dout = linspace<Tensor2>(-1.0, 2.0, {2, 3});
  const auto [out, cache] = affine_forward(x, w, b);
  const auto [dx, dw, db] = affine_backward(dout, cache);
  const DiagnosisContext context = layer_context("\"The affine layer\"", FlatArray::of(dout));
  REQUIRE_CLOSE(compare("dx", dx, from_values(ref::affine_dx, {2, 4, 5, 6}), {1e-10, 1e-12}, context));
  REQUIRE_CLOSE(compare("dw", dw, from_values<Tensor2>(ref::affine_dw, {120, 3}), {1e-10, 1e-12}, context));
  REQUIRE_CLOSE(compare("db", db, from_values<Tensor1>(ref::affine_db, {3}), {1e-10, 1e-12}, context));
}

TEST_CASE("affine_forward by hand: one example, two features, two outputs", "[affine][known][fn:affine_forward]") {
  // y = b + x w with x = [1, 2], w = [[3, 4], [5, 6]], b = [0.5, -0.5]:
  // y0 = 0.5 + 1*3 + 2*5 = 13.5, y1 = -0.5 + 1*4 + 2*6 = 15.5
  Tensor x = {{1.0, 2.0}};
  const Tensor2 w = {{3.0, 4.0}, {5.0, 6.0}};
  const Tensor1 b = {0.5, -0.5};
  const auto [out, cache] = affine_forward(x, w, b);
  REQUIRE_CLOSE(compare("out", out, Tensor2{{13.5, 15.5}}));
}

TEST_CASE("affine_backward matches numerical gradients for x, w and b", "[affine][gradcheck][fn:affine_backward]") {
  Rng rng(231);
  Tensor x = randn({10, 2, 3}, rng);
  Tensor2 w = randn<Tensor2>({6, 5}, rng);
  Tensor1 b = randn<Tensor1>({5}, rng);
  const Tensor2 dout = randn<Tensor2>({10, 5}, rng);  // random upstream gradient, not all ones

  const auto [out, cache] = affine_forward(x, w, b);
  const auto [dx, dw, db] = affine_backward(dout, cache);
  auto y = [&] { return affine_forward(x, w, b).out; };
  const GradCheckOptions options{.context = layer_context("\"The affine layer\"")};
  REQUIRE_GRADIENT_OK(check_gradient("dx of affine_backward", y, x, dout, dx, options));
  REQUIRE_GRADIENT_OK(check_gradient("dw of affine_backward", y, w, dout, dw, options));
  REQUIRE_GRADIENT_OK(check_gradient("db of affine_backward", y, b, dout, db, options));
}

TEST_CASE("affine_forward refuses mismatched shapes with the sizes in the message", "[affine][errors][fn:affine_forward]") {
  const Tensor x = xt::zeros<double>({2, 4, 5, 6});  // D = 120
  const Tensor2 w = xt::zeros<double>({100, 3});
  const Tensor1 b = xt::zeros<double>({3});
  REQUIRE_THROWS_MATCHES(affine_forward(x, w, b), shape_error,
                         Catch::Matchers::Message("affine_forward: x flattens to D = 120 but w has 100 rows"));
  const Tensor2 w120 = xt::zeros<double>({120, 3});
  const Tensor1 b4 = xt::zeros<double>({4});
  REQUIRE_THROWS_MATCHES(affine_forward(x, w120, b4), shape_error,
                         Catch::Matchers::Message("affine_forward: w has M = 3 columns but b has 4 entries"));
  const Tensor x1 = xt::zeros<double>({120});
  REQUIRE_THROWS_AS(affine_forward(x1, w120, b), shape_error);
}

TEST_CASE("affine_backward refuses an upstream gradient of the wrong shape", "[affine][errors][fn:affine_backward]") {
  const Tensor x = xt::zeros<double>({2, 3});
  const Tensor2 w = xt::zeros<double>({3, 4});
  const Tensor1 b = xt::zeros<double>({4});
  const auto [out, cache] = affine_forward(x, w, b);
  const Tensor2 dout = xt::zeros<double>({2, 5});
  REQUIRE_THROWS_MATCHES(affine_backward(dout, cache), shape_error,
                         Catch::Matchers::Message("affine_backward: dout must be (N, M) = (2, 4), got (2, 5)"));
}
