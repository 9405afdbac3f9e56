// Tests of the reference runtime's own versions of the layers, loss and update rules that are exercises
// elsewhere (src/runtime/layer_objects.cpp, src/internals/training_fast.cpp): each is compared with the exercise's reference body
// (solutions/, linked into the core tests), forward and backward, on several shapes and hyperparameters.
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "layers/batchnorm.hpp"
#include "layers/dropout.hpp"
#include "layers/lrn.hpp"
#include "runtime/model.hpp"
#include "layers/optim.hpp"
#include "layers/pool.hpp"
#include "layers/softmax.hpp"
#include "internals/training_fast.hpp"
#include "support/testing.hpp"

using namespace cnn;

namespace {

// The gradient of the vector parameter called @p name of @p layer.
Tensor1 grad_of(Layer& layer, const std::string& name) {
  for (auto& p : layer.params())
    if (p.name == name) {
      Tensor1 g = Tensor1::from_shape({p.grad.size()});
      std::copy(p.grad.begin(), p.grad.end(), g.begin());
      return g;
    }
  FAIL("no parameter " << name);
  return {};
}

void set_param(Layer& layer, const std::string& name, const Tensor1& values) {
  for (auto& p : layer.params())
    if (p.name == name) std::copy(values.begin(), values.end(), p.value.begin());
}

}  // namespace

TEST_CASE("softmax_loss_fast gives softmax_loss's loss and gradient", "[runtime][softmax][naive]") {
  Rng rng(41);
  for (const auto& [N, K] : {std::pair<std::size_t, std::size_t>{1, 2}, {5, 10}, {64, 10}, {3, 1000}}) {
    INFO("N " << N << ", K " << K);
    Tensor2 x = 10.0 * randn<Tensor2>({N, K}, rng);  // scores far apart: the row maximum's shift matters
    Labels y = Labels::from_shape({N});
    for (auto& v : y) v = rng.index(K);
    const LossResult fast = softmax_loss_fast(x, y), ref = softmax_loss(x, y);
    REQUIRE_THAT(fast.loss, Catch::Matchers::WithinRel(ref.loss, 1e-13));
    REQUIRE_CLOSE(compare("dx", fast.dx, ref.dx, {1e-12, 1e-15}));
  }
  REQUIRE_THROWS_AS(softmax_loss_fast(xt::zeros<double>({2, 3}), Labels{0, 3}), value_error);
}

TEMPLATE_TEST_CASE("the library's update rules take the exercises' steps, state included", "[runtime][optim][naive]",
                   SgdConfig, MomentumConfig, NesterovConfig, AdagradConfig, RmspropConfig, AdamConfig, AdadeltaConfig) {
  auto step = [](auto& w, const auto& g, TestType& c, bool fast) {
    std::span<double> ws(w);
    std::span<const double> gs(g);
    if constexpr (std::is_same_v<TestType, SgdConfig>) fast ? sgd_fast(ws, gs, c) : sgd(ws, gs, c);
    if constexpr (std::is_same_v<TestType, MomentumConfig>) fast ? sgd_momentum_fast(ws, gs, c) : sgd_momentum(ws, gs, c);
    if constexpr (std::is_same_v<TestType, NesterovConfig>) fast ? nesterov_fast(ws, gs, c) : nesterov(ws, gs, c);
    if constexpr (std::is_same_v<TestType, AdagradConfig>) fast ? adagrad_fast(ws, gs, c) : adagrad(ws, gs, c);
    if constexpr (std::is_same_v<TestType, RmspropConfig>) fast ? rmsprop_fast(ws, gs, c) : rmsprop(ws, gs, c);
    if constexpr (std::is_same_v<TestType, AdamConfig>) fast ? adam_fast(ws, gs, c) : adam(ws, gs, c);
    if constexpr (std::is_same_v<TestType, AdadeltaConfig>) fast ? adadelta_fast(ws, gs, c) : adadelta(ws, gs, c);
  };
  Rng rng(42);
  std::vector<double> w(50);
  for (double& v : w) v = rng.normal();
  std::vector<double> w_fast = w;
  TestType c, c_fast;
  c.weight_decay = c_fast.weight_decay = 1e-3;
  for (int t = 0; t < 5; ++t) {  // several steps: the state (velocity, caches, Adam's t) carries over
    std::vector<double> g(w.size());
    for (double& v : g) v = rng.normal();
    step(w, g, c, false);
    step(w_fast, g, c_fast, true);
  }
  for (std::size_t i = 0; i < w.size(); ++i) REQUIRE_THAT(w_fast[i], Catch::Matchers::WithinRel(w[i], 1e-13));
  std::vector<double> short_g(3);
  REQUIRE_THROWS_AS(step(w_fast, short_g, c_fast, true), shape_error);
}

TEST_CASE("the runtime's LRN layer agrees with lrn_forward and lrn_backward", "[runtime][lrn][naive]") {
  Rng rng(43);
  for (const LrnParam& p : {LrnParam{}, LrnParam{3, 1.0, 0.5, 0.9}, LrnParam{1, 2.0, 1e-4, 0.75}}) {
    INFO("n " << p.size);
    auto layer = make_lrn("norm", p);
    const Tensor4 x = randn<Tensor4>({2, 7, 3, 4}, rng);
    const auto ref = lrn_forward(x, p);
    REQUIRE_CLOSE(compare("out", layer->forward(Tensor(x), Mode::train), ref.out));
    const Tensor4 dout = randn<Tensor4>(x.shape(), rng);
    REQUIRE_CLOSE(compare("dx", layer->backward(Tensor(dout)), lrn_backward(dout, ref.cache).dx));
  }
  REQUIRE_THROWS_AS(make_lrn("norm", LrnParam{2, 2.0, 1e-4, 0.75})->forward(Tensor(xt::ones<double>({1, 3, 2, 2})), Mode::train),
                    value_error);
}

TEST_CASE("the runtime's global average pooling agrees with global_avg_pool_forward and its backward",
          "[runtime][pool][naive]") {
  Rng rng(44);
  auto layer = make_global_avg_pool("gap");
  const Tensor4 x = randn<Tensor4>({3, 5, 7, 6}, rng);
  const auto ref = global_avg_pool_forward(x);
  REQUIRE_CLOSE(compare("out", layer->forward(Tensor(x), Mode::train), ref.out));
  const Tensor2 dout = randn<Tensor2>({3, 5}, rng);
  REQUIRE_CLOSE(compare("dx", layer->backward(Tensor(dout)), global_avg_pool_backward(dout, ref.cache).dx));
  REQUIRE_THROWS_AS(layer->backward(Tensor(xt::zeros<double>({3, 4}))), shape_error);
}

TEST_CASE("the runtime's dropout draws dropout_forward's masks, in train mode only", "[runtime][dropout][naive]") {
  for (const double p : {0.0, 0.3, 0.5, 0.9}) {
    INFO("p_drop " << p);
    auto layer = make_dropout("drop", p, 7);
    Rng rng(7), data_rng(45);  // the layer's generator and the reference's start from the same seed
    for (int step = 0; step < 3; ++step) {  // masks of later steps too: both generators advance alike
      const Tensor x = randn<Tensor>({4, 3, 5}, data_rng);
      const auto ref = dropout_forward(x, DropoutParam{p, Mode::train}, rng);
      REQUIRE_CLOSE(compare("out", layer->forward(Tensor(x), Mode::train), ref.out, {0.0, 0.0}));
      const Tensor dout = randn<Tensor>(x.shape(), data_rng);
      REQUIRE_CLOSE(compare("dx", layer->backward(Tensor(dout)), dropout_backward(dout, ref.cache).dx, {0.0, 0.0}));
    }
    const Tensor x = randn<Tensor>({2, 3}, data_rng);
    REQUIRE_CLOSE(compare("test mode", layer->forward(Tensor(x), Mode::test), x, {0.0, 0.0}));
  }
}

TEST_CASE("the runtime's batch norm over features agrees with batchnorm_forward and batchnorm_backward",
          "[runtime][batchnorm][naive]") {
  Rng rng(46);
  auto layer = make_batchnorm("bn", 6, 0.8);
  const Tensor1 gamma = randn<Tensor1>({6}, rng), beta = randn<Tensor1>({6}, rng);
  set_param(*layer, "bn.gamma", gamma);
  set_param(*layer, "bn.beta", beta);
  BatchNormState state = batchnorm_state(6);
  BatchNormParam param;
  param.momentum = 0.8;
  for (int step = 0; step < 2; ++step) {
    const Tensor2 x = 3.0 + 2.0 * randn<Tensor2>({10, 6}, rng);
    param.mode = Mode::train;
    const auto ref = batchnorm_forward(x, gamma, beta, param, state);
    REQUIRE_CLOSE(compare("out", layer->forward(Tensor(x), Mode::train), ref.out));
    const Tensor2 dout = randn<Tensor2>({10, 6}, rng);
    const auto g = batchnorm_backward(dout, ref.cache);
    REQUIRE_CLOSE(compare("dx", layer->backward(Tensor(dout)), g.dx, {1e-9, 1e-12}));
    REQUIRE_CLOSE(compare("dgamma", grad_of(*layer, "bn.gamma"), g.dgamma));
    REQUIRE_CLOSE(compare("dbeta", grad_of(*layer, "bn.beta"), g.dbeta));
  }
  // Test mode uses the running statistics, which both updated alike.
  const Tensor2 x = randn<Tensor2>({4, 6}, rng);
  param.mode = Mode::test;
  REQUIRE_CLOSE(compare("test mode", layer->forward(Tensor(x), Mode::test), batchnorm_forward(x, gamma, beta, param, state).out));
}
