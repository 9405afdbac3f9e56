// Tests of inverted dropout (src/layers/dropout.hpp): the fraction of units kept and the mean preserved, within a
// few standard errors on a large tensor; p_drop is the probability of DROPPING; test mode is the identity;
// masks follow the seed; gradient check with a fixed mask; bad input.
#include "layers/dropout.hpp"

#include <cmath>
#include <limits>

#include "core/errors.hpp"
#include "support/testing.hpp"

using namespace cnn;
using Catch::Matchers::Message;
using testing::Near;

namespace {

// Fraction of the entries of t that are not 0.
double fraction_nonzero(const Tensor& t) {
  std::size_t kept = 0;
  for (double v : t) kept += v != 0.0 ? 1 : 0;
  return static_cast<double>(kept) / static_cast<double>(t.size());
}

}  // namespace

TEST_CASE("dropout_forward keeps a fraction 1 - p_drop of the units, within 5 standard errors",
          "[dropout][statistics][fn:dropout_forward]") {
  // With M = 10^6 independent units, the kept fraction has standard error sqrt(p (1 - p) / M) <= 5e-4.
  const Tensor x = xt::ones<double>({1000, 1000});
  Rng rng(11);
  for (const double p_drop : {0.1, 0.25, 0.5, 0.75, 0.9}) {
    INFO("p_drop = " << p_drop);
    const Tensor out = dropout_forward(x, {p_drop, Mode::train}, rng).out;
    const double se = std::sqrt(p_drop * (1.0 - p_drop) / static_cast<double>(x.size()));
    CHECK_THAT(fraction_nonzero(out), Near(1.0 - p_drop, 5.0 * se));
  }
}

TEST_CASE("dropout_forward preserves the mean through the inverted scaling 1 / (1 - p_drop)", "[dropout][statistics][fn:dropout_forward]") {
  // out_i = x_i m_i with m_i = 1 / (1 - p) (probability 1 - p) or 0: E[m] = 1 and Var[m] = p / (1 - p). For a
  // constant x = 3, the mean of the output over M units has standard error 3 sqrt(p / (1 - p) / M).
  const Tensor x = 3.0 * xt::ones<double>({1000, 1000});
  Rng rng(12);
  for (const double p_drop : {0.2, 0.5, 0.8}) {
    INFO("p_drop = " << p_drop);
    const Tensor out = dropout_forward(x, {p_drop, Mode::train}, rng).out;
    const double mean = xt::mean(out)();
    const double se = 3.0 * std::sqrt(p_drop / (1.0 - p_drop) / static_cast<double>(x.size()));
    CHECK_THAT(mean, Near(3.0, 5.0 * se));
  }
}

TEST_CASE("dropout: p_drop is the probability of dropping, and kept units are scaled by 1 / (1 - p_drop)",
          "[dropout][known][fn:dropout_forward]") {
  // The keep-vs-drop confusion would show here: p_drop = 0.2 keeps about 80% of the units and scales them by
  // 1.25 (a keep probability of 0.2 would keep 20% and scale by 5).
  Rng rng(13);
  const Tensor x = xt::ones<double>({100, 100});
  const Tensor out = dropout_forward(x, {0.2, Mode::train}, rng).out;
  CHECK(fraction_nonzero(out) > 0.75);
  for (double v : out) REQUIRE((v == 0.0 || v == 1.25));
  // p_drop = 0 drops nothing: the identity, even in train mode.
  const Tensor same = dropout_forward(x, {0.0, Mode::train}, rng).out;
  REQUIRE_CLOSE(compare("p_drop = 0", same, x, {0.0, 0.0}));
}

TEST_CASE("dropout_forward draws one uniform per entry in order: kept where u >= p_drop", "[dropout][known][fn:dropout_forward]") {
  // The documented mask, rebuilt from the same seed by hand.
  Rng rng(14), again(14);
  const Tensor x = {{1.0, -2.0, 3.0}, {4.0, -5.0, 6.0}};
  const auto [out, cache] = dropout_forward(x, {0.4, Mode::train}, rng);
  Tensor expected = x;
  for (double& v : expected) v = again.uniform() >= 0.4 ? v / 0.6 : 0.0;
  REQUIRE_CLOSE(compare("out", out, expected, {1e-10, 1e-12}, dropout_context(0.4)));
}

TEST_CASE("dropout in test mode is the identity, forward and backward, and does not touch the generator",
          "[dropout][test-mode][fn:dropout_forward][fn:dropout_backward]") {
  Rng rng(15), untouched(15);
  const Tensor x = randn({4, 3, 2}, rng);
  Rng used(99), fresh(99);
  const auto [out, cache] = dropout_forward(x, {0.5, Mode::test}, used);
  REQUIRE_CLOSE(compare("out", out, x, {0.0, 0.0}));
  const Tensor dout = randn({4, 3, 2}, rng);
  REQUIRE_CLOSE(compare("dx", dropout_backward(dout, cache).dx, dout, {0.0, 0.0}));
  REQUIRE(used.uniform() == fresh.uniform());
}

TEST_CASE("dropout masks are identical for identical seeds and differ for different seeds", "[dropout][seed][fn:dropout_forward]") {
  const Tensor x = xt::ones<double>({50, 40});
  Rng a(2016), b(2016), c(2017);
  const Tensor ma = dropout_forward(x, {0.5, Mode::train}, a).cache.mask;
  const Tensor mb = dropout_forward(x, {0.5, Mode::train}, b).cache.mask;
  const Tensor mc = dropout_forward(x, {0.5, Mode::train}, c).cache.mask;
  REQUIRE_CLOSE(compare("same seed", ma, mb, {0.0, 0.0}));
  REQUIRE_FALSE(compare("other seed", ma, mc, {0.0, 0.0}).passed());
  // A generator that goes on draws a new mask for the next minibatch.
  const Tensor ma2 = dropout_forward(x, {0.5, Mode::train}, a).cache.mask;
  REQUIRE_FALSE(compare("next call", ma, ma2, {0.0, 0.0}).passed());
}

TEST_CASE("dropout_backward matches the numerical gradient with a fixed mask", "[dropout][gradcheck][fn:dropout_backward]") {
  Rng rng(16);
  Tensor x = randn({3, 4, 5}, rng);
  const Tensor dout = randn({3, 4, 5}, rng);
  const DropoutParam param{0.3, Mode::train};
  Rng mask_rng(17);
  const auto [out, cache] = dropout_forward(x, param, mask_rng);
  const auto [dx] = dropout_backward(dout, cache);
  // Every re-run of the forward pass draws the same mask: a fresh generator with the same seed.
  auto y = [&] {
    Rng same(17);
    return dropout_forward(x, param, same).out;
  };
  REQUIRE_GRADIENT_OK(check_gradient("dx of dropout_backward", y, x, dout, dx, {.context = dropout_context(0.3)}));
  // The gradient is zero exactly where the unit was dropped.
  for (std::size_t i = 0; i < x.size(); ++i) REQUIRE((cache.mask.data()[i] == 0.0) == (dx.data()[i] == 0.0));
}

TEST_CASE("dropout refuses a p_drop outside 0 <= p_drop < 1, a scalar, and a dout of the wrong shape", "[dropout][errors][fn:dropout_forward][fn:dropout_backward]") {
  Rng rng(18);
  const Tensor x = xt::ones<double>({2, 3});
  REQUIRE_THROWS_MATCHES(dropout_forward(x, {1.0, Mode::train}, rng), value_error,
                         Message("dropout_forward: p_drop is the probability of zeroing a unit and must be in [0, 1), "
                                 "got 1"));
  REQUIRE_THROWS_MATCHES(dropout_forward(x, {-0.1, Mode::train}, rng), value_error,
                         Message("dropout_forward: p_drop is the probability of zeroing a unit and must be in [0, 1), "
                                 "got -0.1"));
  REQUIRE_THROWS_AS(dropout_forward(x, {1.5, Mode::test}, rng), value_error);
  REQUIRE_THROWS_AS(dropout_forward(x, {std::numeric_limits<double>::quiet_NaN(), Mode::train}, rng), value_error);
  REQUIRE_THROWS_AS(dropout_forward(Tensor(2.0), {0.5, Mode::train}, rng), shape_error);
  const DropoutCache cache = dropout_forward(x, {0.5, Mode::train}, rng).cache;
  REQUIRE_THROWS_MATCHES(dropout_backward(xt::ones<double>({3, 2}), cache), shape_error,
                         Message("dropout_backward: dout has shape (3, 2) but x has shape (2, 3); they must match"));
}
