// Tests of the update rules (src/layers/optim.hpp): three steps against PyTorch's torch.optim, hand
// calculations, state handling and bad hyperparameters.
#include "layers/optim.hpp"

#include <cmath>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "reference/optim_torch.hpp"
#include "support/testing.hpp"

using namespace cnn;

namespace {

// The same w0 and gradients as tests/reference/optim_torch.py.
std::vector<double> linspace(double lo, double hi, std::size_t n) {
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = lo + (hi - lo) * static_cast<double>(i) / static_cast<double>(n - 1);
  return v;
}

std::vector<double> gradient_at_step(std::size_t k) {
  auto g = linspace(-0.6, 0.4, 20);
  for (double& v : g) v = v * (1.0 + 0.5 * static_cast<double>(k)) + 0.1 * static_cast<double>(k);
  return g;
}

// Runs three steps of `step(w, dw)` and compares w with PyTorch's after each.
template <class Step>
void matches_torch(const std::string& name, Step step, const std::vector<std::vector<double>>& expected) {
  std::vector<double> w = linspace(-0.4, 0.6, 20);
  for (std::size_t k = 0; k < 3; ++k) {
    const auto g = gradient_at_step(k);
    step(std::span<double>(w), std::span<const double>(g));
    const Tensor actual = testing::from_values(w, {4, 5});
    const Tensor want = testing::from_values(expected[k], {4, 5});
    REQUIRE_CLOSE(compare(name + " after step " + std::to_string(k + 1), actual, want, {1e-12, 1e-14}));
  }
}

}  // namespace

TEST_CASE("sgd matches torch.optim.SGD for three steps with weight decay", "[optim][known][fn:sgd]") {
  SgdConfig c{1e-2, 1e-3};
  matches_torch("sgd", [&](auto w, auto g) { sgd(w, g, c); },
                {ref::optim::sgd_step1, ref::optim::sgd_step2, ref::optim::sgd_step3});
}

TEST_CASE("sgd_momentum matches torch.optim.SGD(momentum=0.9) for three steps", "[optim][known][fn:sgd_momentum]") {
  MomentumConfig c;
  c.learning_rate = 1e-2;
  c.momentum = 0.9;
  c.weight_decay = 1e-3;
  matches_torch("sgd_momentum", [&](auto w, auto g) { sgd_momentum(w, g, c); },
                {ref::optim::sgd_momentum_step1, ref::optim::sgd_momentum_step2, ref::optim::sgd_momentum_step3});
}

TEST_CASE("nesterov matches torch.optim.SGD(nesterov=True) for three steps", "[optim][known][fn:nesterov]") {
  NesterovConfig c;
  c.weight_decay = 1e-3;
  matches_torch("nesterov", [&](auto w, auto g) { nesterov(w, g, c); },
                {ref::optim::nesterov_step1, ref::optim::nesterov_step2, ref::optim::nesterov_step3});
}

TEST_CASE("adagrad matches torch.optim.Adagrad for three steps", "[optim][known][fn:adagrad]") {
  AdagradConfig c;
  c.weight_decay = 1e-3;
  matches_torch("adagrad", [&](auto w, auto g) { adagrad(w, g, c); },
                {ref::optim::adagrad_step1, ref::optim::adagrad_step2, ref::optim::adagrad_step3});
}

TEST_CASE("rmsprop matches torch.optim.RMSprop for three steps", "[optim][known][fn:rmsprop]") {
  RmspropConfig c;
  c.weight_decay = 1e-3;
  matches_torch("rmsprop", [&](auto w, auto g) { rmsprop(w, g, c); },
                {ref::optim::rmsprop_step1, ref::optim::rmsprop_step2, ref::optim::rmsprop_step3});
}

TEST_CASE("adam matches torch.optim.Adam for three steps", "[optim][known][fn:adam]") {
  AdamConfig c;
  c.weight_decay = 1e-3;
  matches_torch("adam", [&](auto w, auto g) { adam(w, g, c); },
                {ref::optim::adam_step1, ref::optim::adam_step2, ref::optim::adam_step3});
  REQUIRE(c.t == 3);
}

TEST_CASE("adadelta matches torch.optim.Adadelta for three steps", "[optim][known][fn:adadelta]") {
  AdadeltaConfig c;
  c.weight_decay = 1e-3;
  matches_torch("adadelta", [&](auto w, auto g) { adadelta(w, g, c); },
                {ref::optim::adadelta_step1, ref::optim::adadelta_step2, ref::optim::adadelta_step3});
}

TEST_CASE("update rules by hand: one SGD step, and Adam's first step is the learning rate times sign(g)",
          "[optim][known][fn:sgd][fn:sgd_momentum][fn:adam]") {
  // SGD: w = 1 - 0.1 * 0.5 = 0.95.
  std::vector<double> w = {1.0};
  const std::vector<double> g = {0.5};
  sgd(w, g, SgdConfig{0.1, 0.0});
  REQUIRE_THAT(w[0], testing::Near(0.95, 1e-15));
  // Adam, first step: m_hat = g and v_hat = g^2 after bias correction, so the step is lr * g / (|g| + eps).
  std::vector<double> w2 = {0.0, 0.0};
  const std::vector<double> g2 = {0.3, -2.0};
  AdamConfig a;
  a.learning_rate = 0.01;
  adam(w2, g2, a);
  REQUIRE_THAT(w2[0], testing::Near(-0.01 * 0.3 / (0.3 + 1e-8), 1e-15));
  REQUIRE_THAT(w2[1], testing::Near(0.01 * 2.0 / (2.0 + 1e-8), 1e-15));
  // Momentum, two steps with g = 1, lr = 0.1, mu = 0.9: v = -0.1, w = -0.1; v = -0.19, w = -0.29.
  std::vector<double> w3 = {0.0};
  const std::vector<double> one = {1.0};
  MomentumConfig mc;
  mc.learning_rate = 0.1;
  sgd_momentum(w3, one, mc);
  sgd_momentum(w3, one, mc);
  REQUIRE_THAT(w3[0], testing::Near(-0.29, 1e-15));
}

TEST_CASE("update rules refuse mismatched sizes, a config reused for another parameter, bad hyperparameters",
          "[optim][errors][fn:sgd][fn:sgd_momentum][fn:adam]") {
  std::vector<double> w = {1.0, 2.0};
  const std::vector<double> g3 = {1.0, 1.0, 1.0};
  REQUIRE_THROWS_MATCHES(sgd(w, g3, SgdConfig{}), shape_error,
                         Catch::Matchers::Message("sgd: w has 2 entries but dw has 3"));
  const std::vector<double> g = {1.0, 1.0};
  MomentumConfig c;
  sgd_momentum(w, g, c);
  std::vector<double> other = {1.0, 2.0, 3.0};
  REQUIRE_THROWS_AS(sgd_momentum(other, g3, c), shape_error);
  MomentumConfig bad;
  bad.momentum = 1.0;
  REQUIRE_THROWS_MATCHES(sgd_momentum(w, g, bad), value_error,
                         Catch::Matchers::Message("sgd_momentum: momentum must be in [0, 1), got 1"));
  REQUIRE_THROWS_AS(sgd(w, g, SgdConfig{-1.0, 0.0}), value_error);
  AdamConfig nan_lr;
  nan_lr.learning_rate = std::nan("");
  REQUIRE_THROWS_AS(adam(w, g, nan_lr), value_error);
}
