// Hidden cases of ./lab grade: inputs the handout's tests do not hold, so that an exercise tuned to the public
// tests does not pay. Shapes and values are drawn at grading time from a seed (CNNLAB_JUDGE_SEED, which
// ./lab grade draws once per run and prints; a failure names it, so the case can be replayed), plus edge
// shapes (one example, 1x1 filters and windows, stride 2 with padding, H != W). Every case compares the
// student's answer (through the runner) with the reference bodies' (judge::reference, the reference runner):
// the forward output, and for a backward pass the gradients from the same dout, which the reference's own
// gradient checks vouch for. Built only into the judge (tools/judge/judge.cmake); not in a student's handout.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include <xtensor/xadapt.hpp>

#include "core/random.hpp"
#include "judge.hpp"
#include "support/testing.hpp"

using namespace cnn;
using judge::reference;

namespace {

std::uint64_t grading_seed() {
  static const std::uint64_t seed = [] {
    const char* s = std::getenv("CNNLAB_JUDGE_SEED");
    return s != nullptr && *s != '\0' ? std::strtoull(s, nullptr, 10) : std::uint64_t{std::random_device{}()};
  }();
  return seed;
}

// A source of shapes and values for one test case: the grading seed mixed with the case's own number.
struct Draw {
  Rng rng;
  explicit Draw(std::uint64_t salt) : rng(grading_seed() * 0x9E3779B97F4A7C15ULL + salt) {}
  std::size_t between(std::size_t lo, std::size_t hi) { return lo + rng.index(hi - lo + 1); }
};

constexpr Tolerance hidden_tolerance{1e-8, 1e-10};

#define SAME(what, mine, ref) REQUIRE_CLOSE(compare(what, mine, ref, hidden_tolerance))
#define SEED_INFO INFO("hidden case, grading seed " << grading_seed() << " (CNNLAB_JUDGE_SEED)")

// x moved at least 1e-3 away from 0 (ReLU's kink)
Tensor off_zero(Tensor x) {
  for (double& v : x) v = std::copysign(std::abs(v) + 1e-3, v);
  return x;
}

// A convolution's shapes: random ones that fit exactly, then the edge ones.
struct ConvCase {
  std::size_t N, C, H, W, F, HH, WW;
  ConvParam p;
};
std::vector<ConvCase> conv_cases(Draw& d) {
  std::vector<ConvCase> out;
  for (int k = 0; k < 3; ++k) {
    const std::size_t S = d.between(1, 2), HH = d.between(1, 3), WW = d.between(1, 3);
    const std::size_t P = d.between(0, std::min<std::size_t>(HH, WW) - 1);
    const std::size_t Ho = d.between(1, 4), Wo = d.between(1, 4);
    if ((Ho - 1) * S + HH <= 2 * P || (Wo - 1) * S + WW <= 2 * P) continue;  // no room for the input
    const std::size_t H = (Ho - 1) * S + HH - 2 * P, W = (Wo - 1) * S + WW - 2 * P;
    out.push_back({d.between(1, 3), d.between(1, 3), H, W, d.between(1, 4), HH, WW, {S, P}});
  }
  out.push_back({1, 1, 1, 1, 1, 1, 1, {1, 0}});  // one example, one pixel, a 1x1 filter
  out.push_back({2, 3, 5, 7, 2, 3, 3, {2, 1}});  // stride 2 with padding, H != W
  out.push_back({1, 2, 4, 6, 3, 1, 1, {1, 0}});  // 1x1 filters
  return out;
}

template <class Forward, class Backward>
void conv_pair(std::uint64_t salt, Forward fwd, Backward bwd, bool backward) {
  Draw d(salt);
  for (const ConvCase& c : conv_cases(d)) {
    SEED_INFO;
    INFO("x (" << c.N << ", " << c.C << ", " << c.H << ", " << c.W << "), w (" << c.F << ", " << c.C << ", " << c.HH
               << ", " << c.WW << "), stride " << c.p.stride << ", pad " << c.p.pad);
    const Tensor4 x = randn<Tensor4>({c.N, c.C, c.H, c.W}, d.rng);
    const Tensor4 w = randn<Tensor4>({c.F, c.C, c.HH, c.WW}, d.rng);
    const Tensor1 b = randn<Tensor1>({c.F}, d.rng);
    const ConvForward mine = fwd(x, w, b, c.p);
    const ConvForward ref = reference([&] { return fwd(x, w, b, c.p); });
    SAME("out", mine.out, ref.out);
    if (!backward) continue;
    const Tensor4 dout = randn<Tensor4>(ref.out.shape(), d.rng);
    const ConvGrads g = bwd(dout, mine.cache);
    const ConvGrads r = reference([&] { return bwd(dout, ref.cache); });
    SAME("dx", g.dx, r.dx);
    SAME("dw", g.dw, r.dw);
    SAME("db", g.db, r.db);
  }
}

// Pooling windows: random ones (floor rounding, as the layers do), then the edge ones.
struct PoolCase {
  std::size_t N, C, H, W;
  PoolParam p;
};
std::vector<PoolCase> pool_cases(Draw& d) {
  std::vector<PoolCase> out;
  for (int k = 0; k < 3; ++k) {
    const std::size_t ph = d.between(1, 3), pw = d.between(1, 3), S = d.between(1, 3);
    out.push_back({d.between(1, 3), d.between(1, 3), ph + d.between(0, 5), pw + d.between(0, 5), {ph, pw, S}});
  }
  out.push_back({1, 1, 1, 1, {1, 1, 1}});  // one pixel, a 1x1 window
  out.push_back({2, 2, 5, 8, {2, 3, 2}});  // a window of 2 x 3, H != W, a partial window dropped
  return out;
}

template <class Forward, class Backward>
void pool_pair(std::uint64_t salt, Forward fwd, Backward bwd, bool backward) {
  Draw d(salt);
  for (const PoolCase& c : pool_cases(d)) {
    SEED_INFO;
    INFO("x (" << c.N << ", " << c.C << ", " << c.H << ", " << c.W << "), window " << c.p.height << " x "
               << c.p.width << ", stride " << c.p.stride);
    const Tensor4 x = randn<Tensor4>({c.N, c.C, c.H, c.W}, d.rng);
    const auto mine = fwd(x, c.p);
    const auto ref = reference([&] { return fwd(x, c.p); });
    SAME("out", mine.out, ref.out);
    if (!backward) continue;
    const Tensor4 dout = randn<Tensor4>(ref.out.shape(), d.rng);
    SAME("dx", bwd(dout, mine.cache).dx, reference([&] { return bwd(dout, ref.cache); }).dx);
  }
}

// (N, D) and (N, C, H, W) shapes for the normalisations
std::vector<std::array<std::size_t, 4>> norm_shapes(Draw& d) {
  std::vector<std::array<std::size_t, 4>> out;
  for (int k = 0; k < 3; ++k) out.push_back({d.between(2, 6), d.between(1, 4), d.between(1, 4), d.between(1, 4)});
  out.push_back({2, 1, 1, 1});  // two examples (the fewest train mode takes), one feature
  out.push_back({3, 2, 1, 5});  // H = 1
  return out;
}

}  // namespace

TEST_CASE("hidden: relu_forward on random shapes of every rank", "[hidden][fn:relu_forward]") {
  Draw d(1);
  for (std::size_t rank = 1; rank <= 4; ++rank) {
    SEED_INFO;
    std::vector<std::size_t> shape;
    for (std::size_t k = 0; k < rank; ++k) shape.push_back(d.between(1, 4));
    const Tensor x = off_zero(randn<Tensor>(shape, d.rng));
    SAME("out", relu_forward(x).out, reference([&] { return relu_forward(x); }).out);
  }
}

TEST_CASE("hidden: relu_backward on random shapes", "[hidden][fn:relu_forward][fn:relu_backward]") {
  Draw d(2);
  for (std::size_t rank = 1; rank <= 4; ++rank) {
    SEED_INFO;
    std::vector<std::size_t> shape;
    for (std::size_t k = 0; k < rank; ++k) shape.push_back(d.between(1, 4));
    const Tensor x = off_zero(randn<Tensor>(shape, d.rng)), dout = randn<Tensor>(shape, d.rng);
    const auto mine = relu_forward(x);
    const auto ref = reference([&] { return relu_forward(x); });
    SAME("dx", relu_backward(dout, mine.cache).dx, reference([&] { return relu_backward(dout, ref.cache); }).dx);
  }
}

namespace {
template <class Forward, class Backward>
void affine_pair(std::uint64_t salt, Forward fwd, Backward bwd, bool backward) {
  Draw d(salt);
  for (int k = 0; k < 4; ++k) {
    SEED_INFO;
    const std::size_t N = k == 3 ? 1 : d.between(1, 4), d1 = d.between(1, 3), d2 = d.between(1, 3), M = d.between(1, 5);
    const Tensor x = randn<Tensor>({N, d1, d2}, d.rng);
    const Tensor2 w = randn<Tensor2>({d1 * d2, M}, d.rng);
    const Tensor1 b = randn<Tensor1>({M}, d.rng);
    const auto mine = fwd(x, w, b);
    const auto ref = reference([&] { return fwd(x, w, b); });
    SAME("out", mine.out, ref.out);
    if (!backward) continue;
    const Tensor2 dout = randn<Tensor2>({N, M}, d.rng);
    const AffineGrads g = bwd(dout, mine.cache);
    const AffineGrads r = reference([&] { return bwd(dout, ref.cache); });
    SAME("dx", g.dx, r.dx);
    SAME("dw", g.dw, r.dw);
    SAME("db", g.db, r.db);
  }
}
}  // namespace

TEST_CASE("hidden: affine_forward on random shapes", "[hidden][fn:affine_forward]") {
  affine_pair(3, [](auto&... a) { return affine_forward(a...); }, [](auto&... a) { return affine_backward(a...); }, false);
}
TEST_CASE("hidden: affine_backward on random shapes", "[hidden][fn:affine_forward][fn:affine_backward]") {
  affine_pair(4, [](auto&... a) { return affine_forward(a...); }, [](auto&... a) { return affine_backward(a...); }, true);
}
TEST_CASE("hidden: affine_forward_blas on random shapes", "[hidden][fn:affine_forward_blas]") {
  affine_pair(5, [](auto&... a) { return affine_forward_blas(a...); }, [](auto&... a) { return affine_backward_blas(a...); }, false);
}
TEST_CASE("hidden: affine_backward_blas on random shapes", "[hidden][fn:affine_forward_blas][fn:affine_backward_blas]") {
  affine_pair(6, [](auto&... a) { return affine_forward_blas(a...); }, [](auto&... a) { return affine_backward_blas(a...); }, true);
}

namespace {
template <class Loss>
void loss_cases(std::uint64_t salt, Loss loss) {
  Draw d(salt);
  for (int k = 0; k < 4; ++k) {
    SEED_INFO;
    const std::size_t N = k == 3 ? 1 : d.between(1, 6), C = d.between(2, 7);
    const Tensor2 x = randn<Tensor2>({N, C}, d.rng, k == 2 ? 400.0 : 1.0);  // one case whose exp overflows
    Labels y = Labels::from_shape({N});
    for (auto& v : y) v = d.rng.index(C);
    const LossResult mine = loss(x, y);
    const LossResult ref = reference([&] { return loss(x, y); });
    SAME("loss", Tensor1{mine.loss}, Tensor1{ref.loss});
    SAME("dx", mine.dx, ref.dx);
  }
}
}  // namespace

TEST_CASE("hidden: softmax_loss on random scores and labels", "[hidden][fn:softmax_loss]") {
  loss_cases(7, [](auto&... a) { return softmax_loss(a...); });
}
TEST_CASE("hidden: svm_loss on random scores and labels", "[hidden][fn:svm_loss]") {
  loss_cases(8, [](auto&... a) { return svm_loss(a...); });
}

TEST_CASE("hidden: conv_forward_naive on random and edge shapes", "[hidden][fn:conv_forward_naive]") {
  conv_pair(9, [](auto&... a) { return conv_forward_naive(a...); }, [](auto&... a) { return conv_backward_naive(a...); }, false);
}
TEST_CASE("hidden: conv_backward_naive on random and edge shapes", "[hidden][fn:conv_forward_naive][fn:conv_backward_naive]") {
  conv_pair(10, [](auto&... a) { return conv_forward_naive(a...); }, [](auto&... a) { return conv_backward_naive(a...); }, true);
}
TEST_CASE("hidden: conv_forward_im2col on random and edge shapes", "[hidden][fn:conv_forward_im2col]") {
  conv_pair(11, [](auto&... a) { return conv_forward_im2col(a...); }, [](auto&... a) { return conv_backward_im2col(a...); }, false);
}
TEST_CASE("hidden: conv_backward_im2col on random and edge shapes", "[hidden][fn:conv_forward_im2col][fn:conv_backward_im2col]") {
  conv_pair(12, [](auto&... a) { return conv_forward_im2col(a...); }, [](auto&... a) { return conv_backward_im2col(a...); }, true);
}

TEST_CASE("hidden: im2col and col2im on random and edge shapes", "[hidden][fn:im2col][fn:col2im]") {
  Draw d(13);
  for (const ConvCase& c : conv_cases(d)) {
    SEED_INFO;
    const Tensor4 x = randn<Tensor4>({c.N, c.C, c.H, c.W}, d.rng);
    const Tensor2 cols = im2col(x, c.HH, c.WW, c.p);
    const Tensor2 ref = reference([&] { return im2col(x, c.HH, c.WW, c.p); });
    SAME("im2col", cols, ref);
    const Tensor2 dcols = randn<Tensor2>(ref.shape(), d.rng);
    const std::array<std::size_t, 4> shape{c.N, c.C, c.H, c.W};
    SAME("col2im", col2im(dcols, shape, c.HH, c.WW, c.p), reference([&] { return col2im(dcols, shape, c.HH, c.WW, c.p); }));
  }
}

TEST_CASE("hidden: max_pool_forward_naive on random and edge windows", "[hidden][fn:max_pool_forward_naive]") {
  pool_pair(14, [](auto&... a) { return max_pool_forward_naive(a...); }, [](auto&... a) { return max_pool_backward_naive(a...); }, false);
}
TEST_CASE("hidden: max_pool_backward_naive on random and edge windows", "[hidden][fn:max_pool_forward_naive][fn:max_pool_backward_naive]") {
  pool_pair(15, [](auto&... a) { return max_pool_forward_naive(a...); }, [](auto&... a) { return max_pool_backward_naive(a...); }, true);
}
TEST_CASE("hidden: avg_pool_forward_naive on random and edge windows", "[hidden][fn:avg_pool_forward_naive]") {
  pool_pair(16, [](auto&... a) { return avg_pool_forward_naive(a...); }, [](auto&... a) { return avg_pool_backward_naive(a...); }, false);
}
TEST_CASE("hidden: avg_pool_backward_naive on random and edge windows", "[hidden][fn:avg_pool_forward_naive][fn:avg_pool_backward_naive]") {
  pool_pair(17, [](auto&... a) { return avg_pool_forward_naive(a...); }, [](auto&... a) { return avg_pool_backward_naive(a...); }, true);
}

TEST_CASE("hidden: global average pooling on random shapes", "[hidden][fn:global_avg_pool_forward][fn:global_avg_pool_backward]") {
  Draw d(18);
  for (const auto& s : norm_shapes(d)) {
    SEED_INFO;
    const Tensor4 x = randn<Tensor4>({s[0], s[1], s[2], s[3]}, d.rng);
    const auto mine = global_avg_pool_forward(x);
    const auto ref = reference([&] { return global_avg_pool_forward(x); });
    SAME("out", mine.out, ref.out);
    const Tensor2 dout = randn<Tensor2>({s[0], s[1]}, d.rng);
    SAME("dx", global_avg_pool_backward(dout, mine.cache).dx,
         reference([&] { return global_avg_pool_backward(dout, ref.cache); }).dx);
  }
}

namespace {
// batch norm on (N, D) in train and test mode, with the running statistics; backward through @p bwd
template <class Backward>
void batchnorm_cases(std::uint64_t salt, Backward bwd, bool backward) {
  Draw d(salt);
  for (const auto& s : norm_shapes(d)) {
    for (Mode mode : {Mode::train, Mode::test}) {
      SEED_INFO;
      INFO("x (" << s[0] << ", " << s[1] * s[3] << "), " << (mode == Mode::train ? "train" : "test") << " mode");
      const std::size_t N = s[0], D = s[1] * s[3];
      const Tensor2 x = randn<Tensor2>({N, D}, d.rng, 2.0) + 0.5;
      const Tensor1 gamma = randn<Tensor1>({D}, d.rng, 0.5) + 1.0, beta = randn<Tensor1>({D}, d.rng);
      BatchNormState state{randn<Tensor1>({D}, d.rng), rand_uniform<Tensor1>({D}, d.rng, 0.5, 2.0)};
      BatchNormState ref_state = state;
      const BatchNormParam param{mode, 1e-5, 0.8};
      const auto mine = batchnorm_forward(x, gamma, beta, param, state);
      const auto ref = reference([&] { return batchnorm_forward(x, gamma, beta, param, ref_state); });
      SAME("out", mine.out, ref.out);
      SAME("running_mean", state.running_mean, ref_state.running_mean);
      SAME("running_var", state.running_var, ref_state.running_var);
      if (!backward || mode == Mode::test) continue;
      const Tensor2 dout = randn<Tensor2>({N, D}, d.rng);
      const BatchNormGrads g = bwd(dout, mine.cache);
      const BatchNormGrads r = reference([&] { return bwd(dout, ref.cache); });
      SAME("dx", g.dx, r.dx);
      SAME("dgamma", g.dgamma, r.dgamma);
      SAME("dbeta", g.dbeta, r.dbeta);
    }
  }
}
}  // namespace

TEST_CASE("hidden: batchnorm_forward on random shapes, both modes", "[hidden][fn:batchnorm_forward]") {
  batchnorm_cases(19, [](auto&... a) { return batchnorm_backward(a...); }, false);
}
TEST_CASE("hidden: batchnorm_backward on random shapes", "[hidden][fn:batchnorm_forward][fn:batchnorm_backward]") {
  batchnorm_cases(20, [](auto&... a) { return batchnorm_backward(a...); }, true);
}
TEST_CASE("hidden: batchnorm_backward_alt on random shapes", "[hidden][fn:batchnorm_forward][fn:batchnorm_backward_alt]") {
  batchnorm_cases(21, [](auto&... a) { return batchnorm_backward_alt(a...); }, true);
}

namespace {
void spatial_cases(std::uint64_t salt, bool backward) {
  Draw d(salt);
  for (const auto& s : norm_shapes(d)) {
    SEED_INFO;
    const std::size_t N = s[0], C = s[1], H = s[2], W = s[3];
    const Tensor4 x = randn<Tensor4>({N, C, H, W}, d.rng, 2.0) + 0.5;
    const Tensor1 gamma = randn<Tensor1>({C}, d.rng, 0.5) + 1.0, beta = randn<Tensor1>({C}, d.rng);
    BatchNormState state = batchnorm_state(C), ref_state = state;
    const auto mine = spatial_batchnorm_forward(x, gamma, beta, {}, state);
    const auto ref = reference([&] { return spatial_batchnorm_forward(x, gamma, beta, {}, ref_state); });
    SAME("out", mine.out, ref.out);
    SAME("running_mean", state.running_mean, ref_state.running_mean);
    SAME("running_var", state.running_var, ref_state.running_var);
    if (!backward) continue;
    const Tensor4 dout = randn<Tensor4>({N, C, H, W}, d.rng);
    const auto g = spatial_batchnorm_backward(dout, mine.cache);
    const auto r = reference([&] { return spatial_batchnorm_backward(dout, ref.cache); });
    SAME("dx", g.dx, r.dx);
    SAME("dgamma", g.dgamma, r.dgamma);
    SAME("dbeta", g.dbeta, r.dbeta);
  }
}
}  // namespace

TEST_CASE("hidden: spatial_batchnorm_forward on random shapes", "[hidden][fn:spatial_batchnorm_forward]") {
  spatial_cases(22, false);
}
TEST_CASE("hidden: spatial_batchnorm_backward on random shapes",
          "[hidden][fn:spatial_batchnorm_forward][fn:spatial_batchnorm_backward]") {
  spatial_cases(23, true);
}

TEST_CASE("hidden: dropout keeps or scales every entry by its mask, both passes", "[hidden][fn:dropout_forward][fn:dropout_backward]") {
  // Which entries drop depends on how the random numbers are drawn, so the case checks the contract instead
  // of the reference's mask: out = x * mask with mask in {0, 1 / (1 - p)}, dx = dout * mask, test mode = x.
  Draw d(24);
  for (int k = 0; k < 3; ++k) {
    SEED_INFO;
    const double p = 0.1 + 0.2 * static_cast<double>(k);
    const Tensor x = randn<Tensor>({d.between(1, 4), d.between(2, 5), d.between(2, 5)}, d.rng) + 3.0;  // no 0
    Rng rng(d.rng.index(1000));
    const auto [out, cache] = dropout_forward(x, {p, Mode::train}, rng);
    REQUIRE(out.shape() == x.shape());
    REQUIRE(cache.mask.shape() == x.shape());
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double m = cache.mask.data()[i];
      REQUIRE((m == 0.0 || std::abs(m - 1.0 / (1.0 - p)) < 1e-12));
      REQUIRE(std::abs(out.data()[i] - x.data()[i] * m) <= 1e-12 * std::abs(x.data()[i] * m) + 1e-15);
    }
    const Tensor dout = randn<Tensor>(x.shape(), d.rng);
    SAME("dx", dropout_backward(dout, cache).dx, Tensor(dout * cache.mask));
    SAME("test mode", dropout_forward(x, {p, Mode::test}, rng).out, x);
  }
}

TEST_CASE("hidden: lrn_forward and lrn_backward on random shapes and sizes", "[hidden][fn:lrn_forward][fn:lrn_backward]") {
  Draw d(25);
  for (int k = 0; k < 3; ++k) {
    SEED_INFO;
    const Tensor4 x = randn<Tensor4>({d.between(1, 3), d.between(1, 6), d.between(1, 4), d.between(1, 4)}, d.rng);
    const LrnParam param{2 * d.between(0, 2) + 1, 1.0 + d.rng.uniform(), 1e-2 * d.rng.uniform(0.5, 2.0), 0.75};
    const auto mine = lrn_forward(x, param);
    const auto ref = reference([&] { return lrn_forward(x, param); });
    SAME("out", mine.out, ref.out);
    const Tensor4 dout = randn<Tensor4>(x.shape(), d.rng);
    SAME("dx", lrn_backward(dout, mine.cache).dx, reference([&] { return lrn_backward(dout, ref.cache); }).dx);
  }
}

namespace {
// three steps of an update rule from a fresh configuration, on a random length: the weights and the state
template <class Config, class Step>
void update_cases(std::uint64_t salt, Config config, Step step) {
  Draw d(salt);
  SEED_INFO;
  const std::size_t n = d.between(1, 20);
  std::vector<double> w(n), ref_w;
  for (double& v : w) v = d.rng.normal();
  ref_w = w;
  Config ref_config = config;
  for (int t = 0; t < 3; ++t) {
    std::vector<double> dw(n);
    for (double& v : dw) v = d.rng.normal();
    step(std::span<double>(w), std::span<const double>(dw), config);
    reference([&] {
      step(std::span<double>(ref_w), std::span<const double>(dw), ref_config);
      return 0;
    });
    INFO("after step " << t + 1);
    SAME("w", Tensor1(xt::adapt(w, {n})), Tensor1(xt::adapt(ref_w, {n})));
  }
}
}  // namespace

TEST_CASE("hidden: sgd on a random length", "[hidden][fn:sgd]") {
  update_cases(26, SgdConfig{0.05, 1e-3}, [](auto w, auto dw, auto& c) { sgd(w, dw, c); });
}
TEST_CASE("hidden: sgd_momentum on a random length", "[hidden][fn:sgd_momentum]") {
  update_cases(27, MomentumConfig{0.05, 0.8, 1e-3, {}}, [](auto w, auto dw, auto& c) { sgd_momentum(w, dw, c); });
}
TEST_CASE("hidden: nesterov on a random length", "[hidden][fn:nesterov]") {
  update_cases(28, NesterovConfig{0.05, 0.8, 1e-3, {}}, [](auto w, auto dw, auto& c) { nesterov(w, dw, c); });
}
TEST_CASE("hidden: adagrad on a random length", "[hidden][fn:adagrad]") {
  update_cases(29, AdagradConfig{0.05, 1e-10, 1e-3, {}}, [](auto w, auto dw, auto& c) { adagrad(w, dw, c); });
}
TEST_CASE("hidden: rmsprop on a random length", "[hidden][fn:rmsprop]") {
  update_cases(30, RmspropConfig{0.01, 0.9, 1e-8, 1e-3, {}}, [](auto w, auto dw, auto& c) { rmsprop(w, dw, c); });
}
TEST_CASE("hidden: adam on a random length", "[hidden][fn:adam]") {
  update_cases(31, AdamConfig{0.01, 0.8, 0.95, 1e-8, 1e-3, {}, {}, 0}, [](auto w, auto dw, auto& c) { adam(w, dw, c); });
}
TEST_CASE("hidden: adadelta on a random length", "[hidden][fn:adadelta]") {
  update_cases(32, AdadeltaConfig{1.0, 0.8, 1e-6, 1e-3, {}, {}}, [](auto w, auto dw, auto& c) { adadelta(w, dw, c); });
}
