// Tests of local response normalization (src/layers/lrn.hpp): known answers from PyTorch (with its alpha / n
// convention converted) and by hand, gradient checks, bad input.
#include "layers/lrn.hpp"

#include <cmath>
#include <limits>

#include "core/errors.hpp"
#include "reference/norm_torch.hpp"
#include "support/testing.hpp"

using namespace cnn;
using Catch::Matchers::Message;
using testing::from_values;

TEST_CASE("lrn_forward and lrn_backward match PyTorch with AlexNet's k = 2, n = 5, alpha = 1e-4, beta = 0.75",
          "[lrn][known][fn:lrn_forward][fn:lrn_backward]") {
  // tests/reference/norm_torch.py passed alpha * n to torch.nn.functional.local_response_norm, which divides it
  // by n. 7 channels, so the windows at both ends are cut.
  const Tensor4 x = from_values<Tensor4>(ref::lrn_x, {2, 7, 2, 2});
  const Tensor4 dout = from_values<Tensor4>(ref::lrn_dout, {2, 7, 2, 2});
  const LrnParam alexnet{};
  REQUIRE(alexnet.size == 5);
  REQUIRE(alexnet.k == 2.0);
  REQUIRE(alexnet.alpha == 1e-4);
  REQUIRE(alexnet.beta == 0.75);
  const auto [out, cache] = lrn_forward(x, alexnet);
  REQUIRE_CLOSE(compare("out", out, from_values<Tensor4>(ref::lrn_alexnet_out, {2, 7, 2, 2})));
  REQUIRE_CLOSE(compare("dx", lrn_backward(dout, cache).dx, from_values<Tensor4>(ref::lrn_alexnet_dx, {2, 7, 2, 2})));
}

TEST_CASE("lrn_forward and lrn_backward match PyTorch where the sum of squares dominates (k = 1, n = 3, alpha = 0.5)",
          "[lrn][known][fn:lrn_forward][fn:lrn_backward]") {
  const Tensor4 x = from_values<Tensor4>(ref::lrn_x, {2, 7, 2, 2});
  const Tensor4 dout = from_values<Tensor4>(ref::lrn_dout, {2, 7, 2, 2});
  const LrnParam strong{.size = 3, .k = 1.0, .alpha = 0.5, .beta = 0.6};
  const auto [out, cache] = lrn_forward(x, strong);
  REQUIRE_CLOSE(compare("out", out, from_values<Tensor4>(ref::lrn_strong_out, {2, 7, 2, 2})));
  REQUIRE_CLOSE(compare("dx", lrn_backward(dout, cache).dx, from_values<Tensor4>(ref::lrn_strong_dx, {2, 7, 2, 2})));
}

TEST_CASE("lrn_forward by hand: three channels at one pixel, alpha not divided by n", "[lrn][known][fn:lrn_forward]") {
  // x = (1, 2, 3), n = 3, k = 1, alpha = 1, beta = 1:
  // s0 = 1 + 1 + 4 = 6 (window cut at the first channel), s1 = 1 + 1 + 4 + 9 = 15, s2 = 1 + 4 + 9 = 14;
  // y = (1/6, 2/15, 3/14). With PyTorch's alpha / n it would be s1 = 1 + 14/3.
  Tensor4 x = xt::zeros<double>({1, 3, 1, 1});
  x(0, 0, 0, 0) = 1.0;
  x(0, 1, 0, 0) = 2.0;
  x(0, 2, 0, 0) = 3.0;
  const auto [out, cache] = lrn_forward(x, {.size = 3, .k = 1.0, .alpha = 1.0, .beta = 1.0});
  Tensor4 expected = xt::zeros<double>({1, 3, 1, 1});
  expected(0, 0, 0, 0) = 1.0 / 6.0;
  expected(0, 1, 0, 0) = 2.0 / 15.0;
  expected(0, 2, 0, 0) = 3.0 / 14.0;
  REQUIRE_CLOSE(compare("out", out, expected));
  REQUIRE_CLOSE(compare("scale", cache.scale, Tensor4{{{{6.0}}, {{15.0}}, {{14.0}}}}));
}

TEST_CASE("lrn_backward matches the numerical gradient", "[lrn][gradcheck][fn:lrn_backward]") {
  Rng rng(21);
  const Tensor4 dout0 = randn<Tensor4>({2, 6, 3, 3}, rng);
  SECTION("a strong setting, window 5 over 6 channels") {
    Tensor4 x = randn<Tensor4>({2, 6, 3, 3}, rng, 2.0);
    const LrnParam param{.size = 5, .k = 1.0, .alpha = 0.3, .beta = 0.75};
    const auto [out, cache] = lrn_forward(x, param);
    const Tensor4 dx = lrn_backward(dout0, cache).dx;
    REQUIRE_GRADIENT_OK(check_gradient("dx of lrn_backward", [&] { return lrn_forward(x, param).out; }, x, dout0, dx));
  }
  SECTION("AlexNet's setting on inputs of scale 10") {
    Tensor4 x = randn<Tensor4>({2, 6, 3, 3}, rng, 10.0);
    const auto [out, cache] = lrn_forward(x, {});
    const Tensor4 dx = lrn_backward(dout0, cache).dx;
    REQUIRE_GRADIENT_OK(check_gradient("dx of lrn_backward", [&] { return lrn_forward(x, {}).out; }, x, dout0, dx));
  }
  SECTION("a window wider than the channels (n = 7, C = 2) and n = 1 (each channel alone)") {
    Tensor4 x = randn<Tensor4>({2, 2, 2, 2}, rng);
    const Tensor4 dout = randn<Tensor4>({2, 2, 2, 2}, rng);
    for (const std::size_t size : {std::size_t{7}, std::size_t{1}}) {
      const LrnParam param{.size = size, .k = 0.5, .alpha = 1.0, .beta = 0.5};
      const Tensor4 dx = lrn_backward(dout, lrn_forward(x, param).cache).dx;
      REQUIRE_GRADIENT_OK(check_gradient("dx of lrn_backward, n = " + std::to_string(size),
                                         [&] { return lrn_forward(x, param).out; }, x, dout, dx));
    }
  }
}

TEST_CASE("lrn_forward refuses an even or zero window, k <= 0, alpha < 0, beta < 0", "[lrn][errors][fn:lrn_forward]") {
  const Tensor4 x = xt::ones<double>({1, 3, 2, 2});
  REQUIRE_THROWS_MATCHES(lrn_forward(x, {.size = 4}), value_error,
                         Message("lrn_forward: size n must be odd so that the window is centred on its channel, got 4"));
  REQUIRE_THROWS_AS(lrn_forward(x, {.size = 0}), value_error);
  REQUIRE_THROWS_MATCHES(lrn_forward(x, {.k = 0.0}), value_error, Message("lrn_forward: k must be > 0, got 0"));
  REQUIRE_THROWS_MATCHES(lrn_forward(x, {.alpha = -1e-4}), value_error,
                         Message("lrn_forward: alpha must be >= 0, got -0.0001"));
  REQUIRE_THROWS_MATCHES(lrn_forward(x, {.beta = -0.75}), value_error, Message("lrn_forward: beta must be >= 0, got -0.75"));
  REQUIRE_THROWS_AS(lrn_forward(x, {.alpha = std::numeric_limits<double>::quiet_NaN()}), value_error);
}

TEST_CASE("lrn_backward refuses a dout of the wrong shape", "[lrn][errors][fn:lrn_backward]") {
  const Tensor4 x = xt::ones<double>({1, 3, 2, 2});
  const LrnCache cache = lrn_forward(x, {}).cache;
  const Tensor4 bad = xt::ones<double>({1, 4, 2, 2});
  REQUIRE_THROWS_MATCHES(lrn_backward(bad, cache), shape_error,
                         Message("lrn_backward: dout has shape (1, 4, 2, 2) but x has shape (1, 3, 2, 2); they must match"));
}
