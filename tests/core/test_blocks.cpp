// Tests of the composite blocks: concatenation (src/layers/concat.hpp), and ResNet's residual blocks and
// GoogLeNet's inception module as the runtime builds them from the architecture specs (src/calculator/arch.hpp).
#include <catch2/catch.hpp>
#include <cmath>
#include <xtensor/xadapt.hpp>

#include "calculator/arch.hpp"
#include "layers/concat.hpp"
#include "runtime/model.hpp"
#include "layers/softmax.hpp"
#include "reference/blocks_torch.hpp"
#include "support/testing.hpp"

using namespace cnn;

namespace {

Model one_block(const arch::Layer& block, arch::Shape input, std::uint64_t seed = 1) {
  arch::Architecture net;
  net.name = "block";
  net.input = input;
  net.layers = {block};
  return build_model(net, seed);
}

// Gradients of the whole model's parameters, copied, as ParamRefs for check_parameters.
struct Grads {
  std::vector<std::vector<double>> values;
  std::vector<ParamRef> refs;
  explicit Grads(Model& m) {
    auto ps = m.params();
    for (auto& p : ps) values.emplace_back(p.grad.begin(), p.grad.end());
    for (std::size_t i = 0; i < ps.size(); ++i) refs.push_back(ParamRef{ps[i].name, ps[i].shape, ps[i].value.data(), values[i].data()});
  }
};

}  // namespace

TEST_CASE("concat_channels stacks along depth and split_channels undoes it (a hand example)", "[blocks][concat]") {
  const Tensor4 a = testing::linspace<Tensor4>(1, 8, {1, 2, 2, 2});  // channels [1..4], [5..8]
  const Tensor4 b = testing::linspace<Tensor4>(9, 12, {1, 1, 2, 2});
  const Tensor4 y = concat_channels({a, b});
  REQUIRE(y.shape(1) == 3);
  REQUIRE(y(0, 1, 1, 1) == 8.0);
  REQUIRE(y(0, 2, 0, 0) == 9.0);
  const auto parts = split_channels(y, {2, 1});
  REQUIRE_CLOSE(compare("a", parts[0], a, {0, 0}));
  REQUIRE_CLOSE(compare("b", parts[1], b, {0, 0}));
  REQUIRE_THROWS_AS(concat_channels({a, Tensor4(xt::zeros<double>({1, 1, 3, 2}))}), shape_error);
  REQUIRE_THROWS_AS(split_channels(y, {2, 2}), shape_error);
}

TEST_CASE("split_channels is the gradient of concat_channels (numerical check)", "[blocks][concat][gradcheck]") {
  Rng rng(1);
  Tensor4 a = randn<Tensor4>({2, 2, 3, 3}, rng), b = randn<Tensor4>({2, 3, 3, 3}, rng);
  const Tensor4 dout = randn<Tensor4>({2, 5, 3, 3}, rng);
  const auto d = split_channels(dout, {2, 3});
  auto f = [&] { return concat_channels({a, b}); };
  REQUIRE_GRADIENT_OK(check_gradient("da", f, a, dout, d[0]));
  REQUIRE_GRADIENT_OK(check_gradient("db", f, b, dout, d[1]));
}

TEST_CASE("a residual block whose branch weights are zero is the identity, up to its final ReLU", "[blocks][residual]") {
  Model m = one_block(arch::Residual{.name = "res", .kind = arch::BlockKind::basic, .planes = 4}, {4, 6, 6});
  for (auto& p : m.params())
    if (p.name.ends_with(".w")) std::fill(p.value.begin(), p.value.end(), 0.0);
  Rng rng(2);
  const Tensor4 x = randn<Tensor4>({3, 4, 6, 6}, rng);
  const Tensor y = m.forward(Tensor(x), Mode::train);
  REQUIRE_CLOSE(compare("y = relu(x)", y, Tensor(xt::maximum(x, 0.0)), {0, 0}));

  // Backward: with the branch silent, all of dL/dx comes through the shortcut, dout * [x > 0]. The gradient
  // reaches x untouched by the convolutions: the lecture's point about residual blocks.
  const Tensor4 dout = randn<Tensor4>({3, 4, 6, 6}, rng);
  const Tensor dx = m.backward(Tensor(dout));
  REQUIRE_CLOSE(compare("dx", dx, Tensor(xt::where(x > 0.0, dout, 0.0)), {1e-14, 1e-14}));
}

TEST_CASE("a residual block's dx (shortcut plus branch) matches the numerical gradient", "[blocks][residual]") {
  // With live weights both paths carry gradient: dx = (through the identity) + (through the convolutions).
  // The numerical gradient of the whole block sees both, so a block that dropped either path would fail.
  Model m = one_block(arch::Residual{.name = "res", .kind = arch::BlockKind::basic, .planes = 3}, {3, 5, 5}, 7);
  Rng rng(3);
  Tensor4 x = randn<Tensor4>({4, 3, 5, 5}, rng);
  const Tensor4 dout = randn<Tensor4>({4, 3, 5, 5}, rng);
  m.forward(Tensor(x), Mode::train);
  const Tensor dx = m.backward(Tensor(dout));
  auto f = [&] { return take_rank<4>(m.forward(Tensor(x), Mode::train), "test"); };
  GradCheckOptions opt;
  opt.tol = {1e-6, 1e-9};  // two batch norms and two ReLUs deep
  const Tensor4 dx4 = dx;
  REQUIRE_GRADIENT_OK(check_gradient("dx of a residual block", f, x, dout, dx4, opt));
}

TEST_CASE("every parameter of a bottleneck block with a projection shortcut passes a gradient check",
          "[blocks][residual][gradcheck]") {
  Model m = one_block(arch::Residual{.name = "res", .kind = arch::BlockKind::bottleneck, .planes = 2, .stride = 2,
                                     .shortcut = arch::Shortcut::projection},
                      {4, 5, 5}, 11);
  Rng rng(5);
  const Tensor4 x = randn<Tensor4>({3, 4, 5, 5}, rng);
  const Tensor y = m.forward(Tensor(x), Mode::train);
  REQUIRE(y.shape(1) == 8);  // 4 * planes
  REQUIRE(y.shape(2) == 3);  // stride 2: 1 + (5 + 2 - 3) / 2
  const Tensor4 dout = randn<Tensor4>({3, 8, 3, 3}, rng);
  m.backward(Tensor(dout));
  Grads g(m);
  auto loss = [&] { return xt::sum(m.forward(Tensor(x), Mode::train) * dout)(); };
  GradCheckOptions opt;
  opt.tol = {1e-6, 1e-9};
  opt.samples = 20;
  for (const auto& c : check_parameters(loss, g.refs, opt)) {
    INFO(c.report());
    REQUIRE(c.passed());
  }
}

TEST_CASE("an inception module's depth is the sum of its branches, and every branch gets a gradient",
          "[blocks][inception]") {
  const arch::Inception spec{.name = "inc", .n1x1 = 2, .n3x3_reduce = 2, .n3x3 = 3, .n5x5_reduce = 1, .n5x5 = 2,
                             .pool_proj = 1};
  Model m = one_block(spec, {3, 6, 6}, 13);
  Rng rng(6);
  const Tensor4 x = randn<Tensor4>({2, 3, 6, 6}, rng);
  const Tensor y = m.forward(Tensor(x), Mode::train);
  REQUIRE(y.shape(1) == 2 + 3 + 2 + 1);
  REQUIRE(y.shape(2) == 6);
  const Tensor4 dout = randn<Tensor4>({2, 8, 6, 6}, rng);
  m.backward(Tensor(dout));
  Grads g(m);
  for (std::size_t i = 0; i < g.refs.size(); ++i) {
    INFO(g.refs[i].name);
    double norm = 0;
    for (double v : g.values[i]) norm += v * v;
    if (g.refs[i].name.ends_with(".w")) REQUIRE(norm > 0.0);  // every branch's filters receive a gradient
  }
  auto loss = [&] { return xt::sum(m.forward(Tensor(x), Mode::train) * dout)(); };
  GradCheckOptions opt;
  opt.samples = 10;
  for (const auto& c : check_parameters(loss, g.refs, opt)) {
    INFO(c.report());
    REQUIRE(c.passed());
  }
}

namespace {

// The fill rule of tests/reference/blocks_torch.py, by the parameter's kind.
void fill_like_reference(Model& m) {
  for (auto& p : m.params()) {
    double lo = -0.3, hi = 0.3;
    if (p.name.ends_with(".b")) lo = -0.1, hi = 0.1;
    if (p.name.ends_with(".gamma")) lo = 0.5, hi = 1.5;
    if (p.name.ends_with(".beta")) lo = -0.2, hi = 0.2;
    const std::size_t n = p.value.size();
    for (std::size_t i = 0; i < n; ++i) p.value[i] = n == 1 ? lo : lo + (hi - lo) * static_cast<double>(i) / static_cast<double>(n - 1);
  }
}

void matches_reference(Model& m, std::initializer_list<std::size_t> x_shape, std::initializer_list<std::size_t> y_shape,
                       const std::vector<double>& out, const std::vector<double>& dx,
                       const std::vector<std::pair<std::string, std::vector<double>>>& grads) {
  fill_like_reference(m);
  const Tensor x = testing::linspace(-1.0, 1.0, x_shape);
  const Tensor y = m.forward(Tensor(x), Mode::train);
  REQUIRE_CLOSE(compare("out", y, testing::from_values(out, y_shape)));
  const Tensor d = m.backward(testing::linspace(-0.5, 0.7, y_shape));
  REQUIRE_CLOSE(compare("dx", d, testing::from_values(dx, x_shape)));
  auto params = m.params();
  REQUIRE(params.size() == grads.size());
  for (std::size_t i = 0; i < params.size(); ++i) {
    REQUIRE(params[i].name == grads[i].first);
    const Tensor g = xt::adapt(std::vector<double>(params[i].grad.begin(), params[i].grad.end()), params[i].shape);
    const Tensor e = xt::adapt(grads[i].second, params[i].shape);
    REQUIRE_CLOSE(compare("d" + params[i].name, g, e));
  }
}

}  // namespace

TEST_CASE("a residual block with a projection shortcut matches PyTorch, forward and backward", "[blocks][residual][known]") {
  // Reference: tests/reference/blocks_torch.py (conv2d, batch_norm in training mode, autograd, float64).
  Model m = one_block(arch::Residual{.name = "res", .kind = arch::BlockKind::basic, .planes = 4, .stride = 2,
                                     .shortcut = arch::Shortcut::projection},
                      {3, 5, 5});
  matches_reference(m, {2, 3, 5, 5}, {2, 4, 3, 3}, ref::blocks::residual_out, ref::blocks::residual_dx,
                    ref::blocks::residual_grads);
}

TEST_CASE("an inception module matches PyTorch, forward and backward", "[blocks][inception][known]") {
  // Reference: tests/reference/blocks_torch.py (conv2d, max_pool2d with padding, cat, autograd, float64).
  const arch::Inception spec{.name = "inc", .n1x1 = 2, .n3x3_reduce = 2, .n3x3 = 3, .n5x5_reduce = 1, .n5x5 = 2,
                             .pool_proj = 1};
  Model m = one_block(spec, {3, 6, 6});
  matches_reference(m, {2, 3, 6, 6}, {2, 8, 6, 6}, ref::blocks::inception_out, ref::blocks::inception_dx,
                    ref::blocks::inception_grads);
}
