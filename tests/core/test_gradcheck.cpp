// Tests of the gradient checker (src/instruments/gradcheck.hpp) on functions whose derivatives are known by hand,
// on deliberately wrong backward passes, and on kinks.
#include "instruments/gradcheck.hpp"

#include <cmath>
#include <limits>

#include "layers/affine.hpp"
#include "layers/relu.hpp"
#include "support/testing.hpp"

using namespace cnn;
using Catch::Matchers::Contains;

TEST_CASE("rel_error is |a - b| / max(|a|, |b|) and 0 for two zeros", "[gradcheck]") {
  REQUIRE(rel_error(0.0, 0.0) == 0.0);
  REQUIRE_THAT(rel_error(1.0, 0.5), Catch::Matchers::WithinRel(0.5, 1e-15));
  REQUIRE_THAT(rel_error(-1.0, 1.0), Catch::Matchers::WithinRel(2.0, 1e-15));
  REQUIRE(rel_error(0.0, 1e-300) == 1.0);
}

TEST_CASE("numerical_gradient of sum(x^3) is 3 x^2 (a hand derivative)", "[gradcheck]") {
  Tensor1 x = {-1.5, 0.25, 2.0};
  const Tensor1 g = numerical_gradient([&] { return xt::sum(x * x * x)(); }, x);
  REQUIRE_CLOSE(compare("gradient", g, Tensor1{3 * 2.25, 3 * 0.0625, 3 * 4.0}, {1e-8, 1e-10}));
  REQUIRE_CLOSE(compare("x is restored", x, Tensor1{-1.5, 0.25, 2.0}, {0.0, 0.0}));
}

TEST_CASE("check_gradient passes a correct gradient and fails a wrong one", "[gradcheck]") {
  // f(x) = sum(sin(x)); df/dx = cos(x).
  Tensor2 x = {{0.1, 0.7}, {-1.2, 2.5}};
  auto f = [&] { return xt::sum(xt::sin(x))(); };
  const Tensor2 right = xt::cos(x);
  const GradCheck ok = check_gradient("d sin", f, x, right);
  INFO(ok.report());
  REQUIRE(ok.passed());
  REQUIRE(ok.checked == 4);
  REQUIRE(ok.max_rel_error < 1e-8);

  Tensor2 wrong = right;
  wrong(1, 0) = -wrong(1, 0);
  const GradCheck bad = check_gradient("d sin", f, x, wrong);
  REQUIRE_FALSE(bad.passed());
  REQUIRE(bad.failures.size() == 1);
  REQUIRE(bad.failures[0].index == std::vector<std::size_t>{1, 0});
  REQUIRE_THAT(bad.failures[0].rel_error, Catch::Matchers::WithinAbs(2.0, 1e-6));
}

TEST_CASE("a backward pass with a sign error fails with index, values, relative error and tolerance",
          "[gradcheck][demo]") {
  // The demo of the issue: a ReLU backward that forgot nothing but flipped the sign of the passed gradient.
  Rng rng(1);
  Tensor x = randn({2, 3}, rng);
  for (double& v : x) v = std::copysign(std::abs(v) + 0.1, v);
  const Tensor dout = randn({2, 3}, rng);
  const Tensor wrong_dx = xt::where(x > 0.0, -dout, 0.0);  // should be +dout where x > 0
  const GradCheck gc = check_gradient("dx of a wrong relu_backward", [&] { return relu_forward(x).out; }, x, dout, wrong_dx);
  const std::string report = gc.report();
  WARN(report);
  REQUIRE_FALSE(gc.passed());
  REQUIRE_THAT(report, Contains("FAILED"));
  REQUIRE_THAT(report, Contains("index ("));
  REQUIRE_THAT(report, Contains("analytic"));
  REQUIRE_THAT(report, Contains("numerical"));
  REQUIRE_THAT(report, Contains("relative error 2 > tolerance 1e-07"));
  REQUIRE_THAT(report, Contains("diagnosis: your dx has the wrong sign at every entry"));
}

TEST_CASE("an affine backward with a transposed weight gradient fails the check", "[gradcheck][demo]") {
  // dw = dout^T x instead of x^T dout: the right numbers in the wrong places (square w so the shapes agree).
  Rng rng(2);
  Tensor x = randn({4, 3}, rng);
  Tensor2 w = randn<Tensor2>({3, 3}, rng);
  const Tensor1 b = randn<Tensor1>({3}, rng);
  const Tensor2 dout = randn<Tensor2>({4, 3}, rng);
  const auto [out, cache] = affine_forward(x, w, b);
  const auto [dx, dw, db] = affine_backward(dout, cache);
  const Tensor2 dw_transposed = xt::transpose(dw);
  const GradCheck gc = check_gradient("dw (transposed)", [&] { return affine_forward(x, w, b).out; }, w, dout,
                                      dw_transposed);
  WARN(gc.report());
  REQUIRE_FALSE(gc.passed());
  REQUIRE(gc.failures.size() == 6);  // every off-diagonal entry; the diagonal is unchanged by a transpose
  REQUIRE_THAT(gc.report(), Contains("diagnosis: your dw is the transpose of the numerical gradient"));
}

TEST_CASE("a step straddling ReLU's kink is reported as a kink, not as an unexplained failure", "[gradcheck][kink]") {
  // x1 = 4e-6 lies within h = 1e-5 of 0, so the centred step from -6e-6 to 1.4e-5 sees a slope of
  // 1.4e-5 / 2e-5 = 0.7. By hand, the one-sided slopes are (4e-6 - 0) / 1e-5 = 0.4 from the left and
  // (1.4e-5 - 4e-6) / 1e-5 = 1 from the right; relu_backward's answer 1 matches the right side: accepted.
  Tensor x = {0.5, 4e-6, -0.3};
  const Tensor dout = {1.0, 1.0, 1.0};
  const auto [out, cache] = relu_forward(x);
  const auto [dx] = relu_backward(dout, cache);
  const GradCheck gc = check_gradient("dx of relu at a kink", [&] { return relu_forward(x).out; }, x, dout, dx);
  INFO(gc.report());
  REQUIRE(gc.passed());
  REQUIRE(gc.kinks.size() == 1);
  REQUIRE(gc.kinks[0].index == std::vector<std::size_t>{1});
  REQUIRE_THAT(gc.kinks[0].numeric, Catch::Matchers::WithinAbs(0.7, 1e-9));
  REQUIRE_THAT(gc.kinks[0].slope_left, Catch::Matchers::WithinAbs(0.4, 1e-9));
  REQUIRE_THAT(gc.kinks[0].slope_right, Catch::Matchers::WithinAbs(1.0, 1e-9));
  REQUIRE_THAT(gc.report(), Contains("straddle a kink"));

  // An analytic value that matches neither side still fails, and says it was at a kink.
  const Tensor wrong = {1.0, 0.5, 0.0};
  const GradCheck bad = check_gradient("dx", [&] { return relu_forward(x).out; }, x, dout, wrong);
  REQUIRE_FALSE(bad.passed());
  REQUIRE(bad.failures.size() == 1);
  REQUIRE(bad.failures[0].kink);
}

TEST_CASE("a sparse check looks at the requested number of distinct entries, the same ones for a seed",
          "[gradcheck]") {
  Tensor2 x = xt::ones<double>({20, 30});
  auto f = [&] { return xt::sum(x * x)(); };
  const Tensor2 g = 2.0 * x;
  GradCheckOptions opt;
  opt.samples = 25;
  opt.seed = 42;
  const GradCheck a = check_gradient("sparse", f, x, g, opt);
  REQUIRE(a.passed());
  REQUIRE(a.checked == 25);
  Tensor2 wrong = g;
  wrong.fill(0.0);
  const GradCheck b = check_gradient("sparse", f, x, wrong, opt);
  const GradCheck c = check_gradient("sparse", f, x, wrong, opt);
  REQUIRE(b.failures.size() == 25);
  for (std::size_t k = 0; k < 25; ++k) REQUIRE(b.failures[k].index == c.failures[k].index);
  for (std::size_t k = 1; k < 25; ++k) REQUIRE(b.failures[k - 1].index != b.failures[k].index);
}

TEST_CASE("check_parameters checks every parameter of a small model against its loss", "[gradcheck]") {
  // loss = sum((x w + b)^2) / 2, so dL/dw = x^T (x w + b) and dL/db = column sums of (x w + b).
  Rng rng(5);
  const Tensor x = randn({3, 4}, rng);
  Tensor2 w = randn<Tensor2>({4, 2}, rng);
  Tensor1 b = randn<Tensor1>({2}, rng);
  auto loss = [&] {
    const Tensor2 y = affine_forward(x, w, b).out;
    return 0.5 * xt::sum(y * y)();
  };
  const auto [y, cache] = affine_forward(x, w, b);
  const auto [dx, dw, db] = affine_backward(y, cache);  // dL/dy = y
  const auto checks = check_parameters(loss, {param_ref("w", w, dw), param_ref("b", b, db)});
  REQUIRE(checks.size() == 2);
  for (const auto& c : checks) {
    INFO(c.report());
    REQUIRE(c.passed());
  }
  Tensor1 db_wrong = 2.0 * db;
  const auto bad = check_parameters(loss, {param_ref("b", b, db_wrong)});
  REQUIRE_FALSE(bad[0].passed());
}

TEST_CASE("check_gradient refuses shapes that disagree and a bad step", "[gradcheck][errors]") {
  Tensor1 x = {1.0, 2.0};
  const Tensor1 g3 = {1.0, 2.0, 3.0};
  REQUIRE_THROWS_AS(check_gradient("dx", [&] { return xt::sum(x)(); }, x, g3), shape_error);
  // The message names the tensor checked and its input, from the check's name "dX of f".
  REQUIRE_THROWS_WITH(check_gradient("db of a sum", [&] { return xt::sum(x)(); }, x, g3),
                      Contains("check_gradient: db of a sum: your db has shape (3) but b has shape (2)\n"
                               "diagnosis: wrong shape: your db has shape (3) but the expected shape is (2)"));
  GradCheckOptions opt;
  opt.h = 0.0;
  REQUIRE_THROWS_AS(check_gradient("dx", [&] { return xt::sum(x)(); }, x, Tensor1{1.0, 1.0}, opt), value_error);
  const Tensor1 dout3 = {1.0, 1.0, 1.0};
  REQUIRE_THROWS_AS(check_gradient("dx", [&] { return Tensor1(2.0 * x); }, x, dout3, Tensor1{2.0, 2.0}), shape_error);
}

TEST_CASE("a NaN in the analytic gradient fails the check", "[gradcheck]") {
  Tensor1 x = {1.0, 2.0};
  const Tensor1 g = {1.0, std::numeric_limits<double>::quiet_NaN()};
  const GradCheck gc = check_gradient("dx", [&] { return xt::sum(x)(); }, x, g);
  REQUIRE_FALSE(gc.passed());
  REQUIRE_THAT(gc.report(), Contains("diagnosis: your dx is NaN at (1) where the expected value is finite"));
}

TEST_CASE("compare reports the worst entry and refuses different shapes", "[gradcheck][compare]") {
  const Tensor2 a = {{1.0, 2.0}, {3.0, 4.0}};
  const Tensor2 e = {{1.0, 2.0}, {3.0, 4.5}};
  const Comparison c = compare("a", a, e);
  REQUIRE_FALSE(c.passed());
  REQUIRE(c.mismatches == 1);
  REQUIRE(c.worst_index == std::vector<std::size_t>{1, 1});
  REQUIRE_THAT(c.report(), Contains("index (1, 1)"));
  REQUIRE(compare("a", a, a).passed());
  REQUIRE_FALSE(compare("a", a, Tensor1{1.0, 2.0, 3.0, 4.0}).passed());
  const Tensor2 nan = {{1.0, 2.0}, {3.0, std::numeric_limits<double>::quiet_NaN()}};
  REQUIRE_FALSE(compare("nan", nan, a).passed());
}
