// Bad input to every public layer function, as one table: wrong rank (where the type lets it through),
// mismatched sizes, empty inputs, strides and paddings that do not tile, hyperparameters out of range. Each row
// calls one function and names the exception it must throw and fragments of the message, which must start with
// the function's name and hold what was expected and what came. The table of docs/checks.md lists the same
// checks. Runs against the reference solutions and the library (tests/core links cnnlab_solutions).
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "layers/affine.hpp"
#include "layers/batchnorm.hpp"
#include "internals/batchnorm_fast.hpp"
#include "runtime/composites.hpp"
#include "layers/concat.hpp"
#include "layers/conv.hpp"
#include "layers/dropout.hpp"
#include "core/errors.hpp"
#include "instruments/gradcheck.hpp"
#include "layers/im2col.hpp"
#include "layers/lrn.hpp"
#include "runtime/model.hpp"
#include "layers/optim.hpp"
#include "layers/pool.hpp"
#include "layers/relu.hpp"
#include "core/shapes.hpp"
#include "layers/softmax.hpp"
#include "layers/svm.hpp"
#include "support/testing.hpp"

using namespace cnn;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();
constexpr double inf_v = std::numeric_limits<double>::infinity();

enum class Kind { shape, value };

// One row of the table: `call` must throw `kind` with a message starting "<function>: " and holding every
// fragment.
struct Bad {
  std::string what;                    // the case, for the report
  std::string function;                // first word of the message
  Kind kind;                           // which exception
  std::vector<std::string> fragments;  // what the message must hold (expected and received values)
  std::function<void()> call;
};

void require_refused(const Bad& c) {
  INFO(c.what);
  if (c.kind == Kind::shape)
    REQUIRE_THROWS_AS(c.call(), shape_error);
  else
    REQUIRE_THROWS_AS(c.call(), value_error);
  REQUIRE_THROWS_WITH(c.call(), StartsWith(c.function + ": "));
  for (const auto& f : c.fragments) REQUIRE_THROWS_WITH(c.call(), Contains(f));
}

void run_table(const std::vector<Bad>& table) {
  REQUIRE_FALSE(table.empty());
  for (const auto& c : table) DYNAMIC_SECTION(c.what) { require_refused(c); }
}

Tensor4 zeros4(std::size_t a, std::size_t b, std::size_t c, std::size_t d) { return xt::zeros<double>({a, b, c, d}); }
Tensor2 zeros2(std::size_t a, std::size_t b) { return xt::zeros<double>({a, b}); }
Tensor1 zeros1(std::size_t a) { return xt::zeros<double>({a}); }

}  // namespace

TEST_CASE("affine and ReLU refuse wrong ranks, mismatched sizes and inconsistent caches", "[bad_input][affine][relu]") {
  const Tensor x = xt::zeros<double>({2, 3, 4});  // flattens to D = 12
  const Tensor2 w = zeros2(12, 5);
  const Tensor1 b = zeros1(5);
  const AffineCache cache{x, w, b};
  const AffineCache bad_cache{Tensor(zeros2(2, 3)), zeros2(4, 5), zeros1(5)};
  std::vector<Bad> table;
  for (const std::string fn : {"affine_forward", "affine_forward_blas"}) {
    const auto fwd = fn == "affine_forward" ? &affine_forward : &affine_forward_blas;
    table.push_back({fn + " rank 1", fn, Kind::shape, {"rank >= 2", "got (3)"},
                     [=] { fwd(Tensor{1.0, 2.0, 3.0}, w, b); }});
    table.push_back({fn + " D", fn, Kind::shape, {"x flattens to D = 12 but w has 10 rows"},
                     [=] { fwd(x, zeros2(10, 5), b); }});
    table.push_back({fn + " b", fn, Kind::shape, {"w has M = 5 columns but b has 4 entries"},
                     [=] { fwd(x, w, zeros1(4)); }});
  }
  for (const std::string fn : {"affine_backward", "affine_backward_blas"}) {
    const auto bwd = fn == "affine_backward" ? &affine_backward : &affine_backward_blas;
    table.push_back({fn + " dout", fn, Kind::shape, {"dout must be (N, M) = (2, 5), got (2, 4)"},
                     [=] { bwd(zeros2(2, 4), cache); }});
    table.push_back({fn + " cache", fn, Kind::shape, {"x flattens to D = 3 but w has 4 rows"},
                     [=] { bwd(zeros2(2, 5), bad_cache); }});
  }
  table.push_back({"relu scalar", "relu_forward", Kind::shape, {"rank >= 1", "scalar"}, [] { relu_forward(Tensor(1.0)); }});
  table.push_back({"relu dout", "relu_backward", Kind::shape, {"dout has shape (2, 3) but x has shape (2, 4)"},
                   [] { relu_backward(Tensor(zeros2(2, 3)), ReluCache{Tensor(zeros2(2, 4))}); }});
  table.push_back({"affine_relu", "affine_forward_blas", Kind::shape, {"D = 12 but w has 10 rows"},
                   [=] { affine_relu_forward(x, zeros2(10, 5), b); }});
  run_table(table);
}

TEST_CASE("the losses refuse empty scores, a label count other than N and labels of K or more", "[bad_input][loss]") {
  std::vector<Bad> table;
  for (const std::string fn : {"softmax_loss", "svm_loss"}) {
    const auto loss = fn == "softmax_loss" ? &softmax_loss : &svm_loss;
    table.push_back({fn + " N = 0", fn, Kind::shape, {"N > 0 and K > 0", "got (0, 4)"},
                     [=] { loss(zeros2(0, 4), Labels::from_shape({0})); }});
    table.push_back({fn + " K = 0", fn, Kind::shape, {"N > 0 and K > 0", "got (3, 0)"},
                     [=] { loss(zeros2(3, 0), testing::labels({0, 0, 0})); }});
    table.push_back({fn + " labels", fn, Kind::shape, {"N = 3 rows but y has 2 labels"},
                     [=] { loss(zeros2(3, 4), testing::labels({0, 1})); }});
    table.push_back({fn + " label", fn, Kind::value, {"y[1] = 4", "0 <= y < K = 4"},
                     [=] { loss(zeros2(3, 4), testing::labels({0, 4, 1})); }});
  }
  run_table(table);
}

TEST_CASE("convolutions and im2col refuse mismatched filters, zero strides and windows, and sizes that do not tile",
          "[bad_input][conv]") {
  const Tensor4 x = zeros4(2, 3, 7, 7);
  const Tensor4 w = zeros4(4, 3, 3, 3);
  const Tensor1 b = zeros1(4);
  std::vector<Bad> table;
  using Fwd = ConvForward (*)(const Tensor4&, const Tensor4&, const Tensor1&, const ConvParam&);
  using Bwd = ConvGrads (*)(const Tensor4&, const ConvCache&);
  const std::vector<std::tuple<std::string, Fwd, std::string, Bwd>> pairs = {
      {"conv_forward_naive", &conv_forward_naive, "conv_backward_naive", &conv_backward_naive},
      {"conv_forward_im2col", &conv_forward_im2col, "conv_backward_im2col", &conv_backward_im2col}};
  for (const auto& pair : pairs) {
    // (named copies, not a structured binding: clang before 16 cannot capture bindings in the lambdas below)
    const auto& [fn, fwd_ptr, bn, bwd_ptr] = pair;
    const Fwd fwd = fwd_ptr;
    const Bwd bwd = bwd_ptr;
    table.push_back({fn + " depth", fn, Kind::shape, {"x has C = 3 channels but the filters w have depth 2"},
                     [=] { fwd(x, zeros4(4, 2, 3, 3), b, {}); }});
    table.push_back({fn + " bias", fn, Kind::shape, {"w has F = 4 filters but b has 3 entries"},
                     [=] { fwd(x, w, zeros1(3), {}); }});
    table.push_back({fn + " stride", fn, Kind::shape,
                     {"(H - F + 2P) = 4 is not divisible by stride S = 3", "(H = 7, F = 3, P = 0)"},
                     [=] { fwd(x, w, b, {3, 0}); }});
    table.push_back({fn + " padding", fn, Kind::shape,
                     {"(H - F + 2P) = 5 is not divisible by stride S = 2", "(H = 6, F = 3, P = 1)"},
                     [=] { fwd(zeros4(1, 3, 6, 6), w, b, {2, 1}); }});
    table.push_back({fn + " width", fn, Kind::shape, {"(W - F + 2P) = 5 is not divisible by stride S = 2", "(W = 6, F = 3, P = 1)"},
                     [=] { fwd(zeros4(1, 3, 7, 6), w, b, {2, 1}); }});
    table.push_back({fn + " stride 0", fn, Kind::value, {"stride S must be at least 1, got 0"},
                     [=] { fwd(x, w, b, {0, 0}); }});
    table.push_back({fn + " HH = 0", fn, Kind::value, {"window size F must be at least 1, got 0"},
                     [=] { fwd(x, zeros4(4, 3, 0, 3), b, {}); }});
    table.push_back({fn + " too large", fn, Kind::shape, {"window F = 9 is larger than the padded input H + 2P = 7"},
                     [=] { fwd(x, zeros4(4, 3, 9, 9), b, {}); }});
    table.push_back({fn + " H = 0", fn, Kind::shape, {"window F = 3 is larger than the padded input H + 2P = 0"},
                     [=] { fwd(zeros4(2, 3, 0, 7), w, b, {}); }});
    const ConvCache cache{x, w, b, {2, 0}};  // output (2, 4, 3, 3)
    table.push_back({bn + " dout", bn, Kind::shape, {"(N, F, Hout, Wout) = (2, 4, 3, 3), got (2, 4, 3, 2)"},
                     [=] { bwd(zeros4(2, 4, 3, 2), cache); }});
    const ConvCache bad_cache{x, w, zeros1(2), {2, 0}};
    table.push_back({bn + " cache", bn, Kind::shape, {"w has F = 4 filters but b has 2 entries"},
                     [=] { bwd(zeros4(2, 4, 3, 3), bad_cache); }});
  }
  table.push_back({"im2col stride", "im2col", Kind::shape, {"(H - F + 2P) = 4 is not divisible by stride S = 3"},
                   [=] { im2col(x, 3, 3, {3, 0}); }});
  table.push_back({"im2col stride 0", "im2col", Kind::value, {"got 0"}, [=] { im2col(x, 3, 3, {0, 0}); }});
  table.push_back({"im2col WW = 0", "im2col", Kind::value, {"window size F must be at least 1, got 0"},
                   [=] { im2col(x, 3, 0, {}); }});
  table.push_back({"col2im cols", "col2im", Kind::shape, {"(C*HH*WW, N*Hout*Wout) = (27, 50)", "got (27, 49)"},
                   [] { col2im(zeros2(27, 49), {2, 3, 7, 7}, 3, 3, {1, 0}); }});
  table.push_back({"col2im stride", "col2im", Kind::shape, {"not divisible by stride S = 3"},
                   [] { col2im(zeros2(27, 50), {2, 3, 7, 7}, 3, 3, {3, 0}); }});
  table.push_back({"conv_output_size", "cnncalc", Kind::shape, {"(W - F + 2P) = 4 is not divisible by stride S = 3"},
                   [] { conv_output_size("cnncalc", 7, 3, 3, 0, "W"); }});
  table.push_back({"conv_relu_pool", "conv_forward_fast", Kind::shape, {"not divisible by stride S = 3"},
                   [=] { conv_relu_pool_forward(x, w, b, {3, 0}, {}); }});
  run_table(table);
}

TEST_CASE("pooling refuses zero strides and windows, windows larger than the input, and a wrong dout",
          "[bad_input][pool]") {
  const Tensor4 x = zeros4(2, 3, 5, 4);
  std::vector<Bad> table;
  table.push_back({"max naive stride 0", "max_pool_forward_naive", Kind::value, {"stride S must be at least 1, got 0"},
                   [=] { max_pool_forward_naive(x, {2, 2, 0}); }});
  table.push_back({"max fast stride 0", "max_pool_forward_fast", Kind::value, {"stride S must be at least 1, got 0"},
                   [=] { max_pool_forward_fast(x, {2, 2, 0}); }});
  table.push_back({"avg naive height 0", "avg_pool_forward_naive", Kind::value, {"window size F must be at least 1"},
                   [=] { avg_pool_forward_naive(x, {0, 2, 1}); }});
  table.push_back({"avg fast width 0", "avg_pool_forward_fast", Kind::value, {"window size F must be at least 1"},
                   [=] { avg_pool_forward_fast(x, {2, 0, 1}); }});
  table.push_back({"max naive tall", "max_pool_forward_naive", Kind::shape, {"window F = 6 is larger", "H = 5"},
                   [=] { max_pool_forward_naive(x, {6, 2, 1}); }});
  table.push_back({"max fast wide", "max_pool_forward_fast", Kind::shape, {"window F = 5 is larger", "W = 4"},
                   [=] { max_pool_forward_fast(x, {2, 5, 1}); }});
  table.push_back({"avg naive H = 0", "avg_pool_forward_naive", Kind::shape, {"window F = 2 is larger", "H = 0"},
                   [] { avg_pool_forward_naive(zeros4(2, 3, 0, 4), {}); }});
  table.push_back({"avg fast W = 0", "avg_pool_forward_fast", Kind::shape, {"window F = 2 is larger", "W = 0"},
                   [] { avg_pool_forward_fast(zeros4(2, 3, 4, 0), {}); }});
  // x (2, 3, 5, 4), 2x2 windows at stride 2: output (2, 3, 2, 2), the last row rounded away.
  const std::string want = "(N, C, Hout, Wout) = (2, 3, 2, 2), got (2, 3, 3, 2)";
  const Tensor4 dout = zeros4(2, 3, 3, 2);
  table.push_back({"max naive dout", "max_pool_backward_naive", Kind::shape, {want},
                   [=] { max_pool_backward_naive(dout, MaxPoolCache{x, {}}); }});
  table.push_back({"max fast dout", "max_pool_backward_fast", Kind::shape, {want},
                   [=] { max_pool_backward_fast(dout, MaxPoolFastCache{{2, 3, 5, 4}, {}, std::vector<std::uint32_t>(24)}); }});
  table.push_back({"avg naive dout", "avg_pool_backward_naive", Kind::shape, {want},
                   [=] { avg_pool_backward_naive(dout, AvgPoolCache{{2, 3, 5, 4}, {}}); }});
  table.push_back({"avg fast dout", "avg_pool_backward_fast", Kind::shape, {want},
                   [=] { avg_pool_backward_fast(dout, AvgPoolCache{{2, 3, 5, 4}, {}}); }});
  table.push_back({"avg naive cache stride 0", "avg_pool_backward_naive", Kind::value, {"stride S must be at least 1"},
                   [=] { avg_pool_backward_naive(dout, AvgPoolCache{{2, 3, 5, 4}, {2, 2, 0}}); }});
  table.push_back({"global H = 0", "global_avg_pool_forward", Kind::shape, {"H, W >= 1", "got shape (2, 3, 0, 4)"},
                   [] { global_avg_pool_forward(zeros4(2, 3, 0, 4)); }});
  table.push_back({"global dout", "global_avg_pool_backward", Kind::shape, {"(N, C) = (2, 3), got (3, 2)"},
                   [] { global_avg_pool_backward(zeros2(3, 2), GlobalAvgPoolCache{{2, 3, 4, 4}}); }});
  table.push_back({"conv_relu_pool window", "max_pool_forward_fast", Kind::shape, {"window F = 8 is larger"},
                   [] { conv_relu_pool_forward(zeros4(1, 1, 5, 5), zeros4(2, 1, 3, 3), zeros1(2), {1, 1}, {8, 8, 1}); }});
  run_table(table);
}

TEST_CASE("pooling rounds a stride that does not tile down instead of refusing it", "[bad_input][pool]") {
  // 5 rows, 2x2 windows at stride 2: 1 + (5 - 2) / 2 = 2 rows of windows (the last input row is in none); 3x3
  // windows at stride 2 over 6 columns: 1 + (6 - 3) / 2 = 2. Convolution refuses both.
  const Tensor4 x = zeros4(1, 1, 5, 6);
  REQUIRE(max_pool_forward_naive(x, {2, 2, 2}).out.shape() == std::array<std::size_t, 4>{1, 1, 2, 3});
  REQUIRE(max_pool_forward_fast(x, {3, 3, 2}).out.shape() == std::array<std::size_t, 4>{1, 1, 2, 2});
  REQUIRE(avg_pool_forward_naive(x, {3, 3, 2}).out.shape() == std::array<std::size_t, 4>{1, 1, 2, 2});
  REQUIRE(avg_pool_forward_fast(x, {2, 2, 2}).out.shape() == std::array<std::size_t, 4>{1, 1, 2, 3});
  REQUIRE_THROWS_AS(conv_forward_naive(x, zeros4(1, 1, 2, 2), zeros1(1), {2, 0}), shape_error);
}

TEST_CASE("batch normalization refuses empty inputs, one value per feature in train mode, mismatched parameters "
          "and eps, momentum or a running variance out of range",
          "[bad_input][batchnorm]") {
  const Tensor1 g3 = xt::ones<double>({3}), g2 = xt::ones<double>({2});
  const BatchNormParam train{}, test{Mode::test, 1e-5, 0.9};
  std::vector<Bad> table;
  using Fwd4 = std::function<void(const Tensor4&, const Tensor1&, const BatchNormParam&, BatchNormState&)>;
  const std::vector<std::pair<std::string, Fwd4>> spatial = {
      {"spatial_batchnorm_forward",
       [](const Tensor4& x, const Tensor1& g, const BatchNormParam& p, BatchNormState& s) {
         spatial_batchnorm_forward(x, g, g, p, s);
       }},
      {"spatial_batchnorm_forward_fast",
       [](const Tensor4& x, const Tensor1& g, const BatchNormParam& p, BatchNormState& s) {
         spatial_batchnorm_forward_fast(x, g, g, p, s);
       }}};
  const Fwd4 flat = [](const Tensor4& x, const Tensor1& g, const BatchNormParam& p, BatchNormState& s) {
    // (N, D, 1, 1) viewed as (N, D): the table then drives all three forward passes alike
    Tensor2 x2 = Tensor2::from_shape({x.shape(0), x.shape(1)});
    std::copy(x.begin(), x.end(), x2.begin());
    batchnorm_forward(x2, g, g, p, s);
  };
  std::vector<std::tuple<std::string, Fwd4, std::string, std::string>> fwds = {{"batchnorm_forward", flat, "N", "D"}};
  for (const auto& [fn, f] : spatial) fwds.emplace_back(fn, f, "N*H*W", "C");
  for (const auto& [fn, f, rows, letter] : fwds) {
    const auto call = [f = f](Tensor4 x, Tensor1 g, BatchNormParam p, double running_var = 1.0) {
      return [=] {
        BatchNormState s = batchnorm_state(g.size());
        if (s.running_var.size() > 1) s.running_var(1) = running_var;
        f(x, g, p, s);
      };
    };
    table.push_back({fn + " empty", fn, Kind::shape, {"x is empty: " + rows + " = 0"}, call(zeros4(0, 3, 1, 1), g3, test)});
    table.push_back({fn + " no features", fn, Kind::shape, {"x is empty: " + letter + " = 0"},
                     call(zeros4(4, 0, 1, 1), zeros1(0), train)});
    table.push_back({fn + " one value", fn, Kind::shape, {"train mode needs " + rows + " >= 2", "got " + rows + " = 1"},
                     call(zeros4(1, 3, 1, 1), g3, train)});
    table.push_back({fn + " gamma", fn, Kind::shape, {"x has " + letter + " = 3", "but gamma has 2 entries"},
                     [=, f = f] {
                       BatchNormState s = batchnorm_state(3);
                       f(zeros4(4, 3, 1, 1), g2, train, s);
                     }});
    table.push_back({fn + " state", fn, Kind::shape, {"state.running_mean has 2 entries"},
                     [=, f = f] {
                       BatchNormState s = batchnorm_state(2);
                       f(zeros4(4, 3, 1, 1), g3, train, s);
                     }});
    table.push_back({fn + " eps 0", fn, Kind::value, {"eps must be > 0, got 0"},
                     call(zeros4(4, 3, 1, 1), g3, {Mode::train, 0.0, 0.9})});
    table.push_back({fn + " eps NaN", fn, Kind::value, {"eps must be > 0, got nan"},
                     call(zeros4(4, 3, 1, 1), g3, {Mode::train, nan_v, 0.9})});
    table.push_back({fn + " momentum", fn, Kind::value, {"momentum must be in [0, 1], got 1.5"},
                     call(zeros4(4, 3, 1, 1), g3, {Mode::train, 1e-5, 1.5})});
    table.push_back({fn + " momentum -0.1", fn, Kind::value, {"momentum must be in [0, 1], got -0.1"},
                     call(zeros4(4, 3, 1, 1), g3, {Mode::test, 1e-5, -0.1})});
    table.push_back({fn + " running_var", fn, Kind::value, {"state.running_var[1] = -0.5 is not a variance"},
                     call(zeros4(4, 3, 1, 1), g3, test, -0.5)});
    table.push_back({fn + " running_var NaN", fn, Kind::value, {"state.running_var[1] = nan is not a variance"},
                     call(zeros4(4, 3, 1, 1), g3, test, nan_v)});
  }
  BatchNormState s3 = batchnorm_state(3);
  const Tensor2 x2 = {{1.0, 2.0, 0.0}, {3.0, 5.0, 1.0}};
  const auto train2 = batchnorm_forward(x2, g3, g3, train, s3).cache;
  const auto test2 = batchnorm_forward(x2, g3, g3, test, s3).cache;
  const Tensor4 x4 = {{{{1.0}}, {{2.0}}, {{0.0}}}, {{{3.0}}, {{5.0}}, {{1.0}}}};
  const auto train4 = spatial_batchnorm_forward(x4, g3, g3, train, s3).cache;
  const auto fast4 = spatial_batchnorm_forward_fast(x4, g3, g3, train, s3).cache;
  const auto fast4_test = spatial_batchnorm_forward_fast(x4, g3, g3, test, s3).cache;
  table.push_back({"bn dout", "batchnorm_backward", Kind::shape, {"(N, D) = (2, 3), got (2, 4)"},
                   [=] { batchnorm_backward(zeros2(2, 4), train2); }});
  table.push_back({"bn alt dout", "batchnorm_backward_alt", Kind::shape, {"(N, D) = (2, 3), got (3, 3)"},
                   [=] { batchnorm_backward_alt(zeros2(3, 3), train2); }});
  table.push_back({"bn test cache", "batchnorm_backward", Kind::value, {"test-mode forward pass"},
                   [=] { batchnorm_backward(zeros2(2, 3), test2); }});
  table.push_back({"sbn dout", "spatial_batchnorm_backward", Kind::shape, {"(2, 3, 1, 1), got (2, 3, 1, 2)"},
                   [=] { spatial_batchnorm_backward(zeros4(2, 3, 1, 2), train4); }});
  table.push_back({"sbn fast dout", "spatial_batchnorm_backward_fast", Kind::shape, {"(2, 3, 1, 1), got (2, 3, 2, 1)"},
                   [=] { spatial_batchnorm_backward_fast(zeros4(2, 3, 2, 1), fast4); }});
  table.push_back({"sbn fast test cache", "spatial_batchnorm_backward_fast", Kind::value, {"test-mode forward pass"},
                   [=] { spatial_batchnorm_backward_fast(zeros4(2, 3, 1, 1), fast4_test); }});
  BatchNormCache torn = train2;
  torn.gamma = zeros1(2);
  table.push_back({"bn cache", "batchnorm_backward_alt", Kind::shape, {"cache.x has D = 3 features but cache.gamma has 2"},
                   [=] { batchnorm_backward_alt(zeros2(2, 3), torn); }});
  BatchNormCache torn_xhat = train2;
  torn_xhat.xhat = zeros2(2, 2);
  table.push_back({"bn cache xhat", "batchnorm_backward", Kind::shape, {"cache.xhat has shape (2, 2) but cache.x has shape (2, 3)"},
                   [=] { batchnorm_backward(zeros2(2, 3), torn_xhat); }});
  SpatialBatchNormCache torn4 = train4;
  torn4.x_shape = {1, 3, 1, 1};
  table.push_back({"sbn cache", "spatial_batchnorm_backward", Kind::shape, {"(N*H*W, C) = (1, 3)", "got (2, 3)"},
                   [=] { spatial_batchnorm_backward(zeros4(1, 3, 1, 1), torn4); }});
  SpatialBatchNormFastCache torn_fast = fast4;
  torn_fast.inv_std = zeros1(2);
  table.push_back({"sbn fast cache", "spatial_batchnorm_backward_fast", Kind::shape, {"C = 3 channels but inv_std has 2"},
                   [=] { spatial_batchnorm_backward_fast(zeros4(2, 3, 1, 1), torn_fast); }});
  table.push_back({"conv_bn_relu gamma", "spatial_batchnorm_forward_fast", Kind::shape, {"but gamma has 3 entries"},
                   [] {
                     BatchNormState s = batchnorm_state(2);
                     conv_bn_relu_forward(zeros4(2, 1, 3, 3), zeros4(2, 1, 3, 3), zeros1(2), {1, 1},
                                          xt::ones<double>({3}), zeros1(2), {}, s);
                   }});
  run_table(table);
}

TEST_CASE("dropout, LRN, concatenation and the update rules refuse hyperparameters out of range and mismatched "
          "sizes",
          "[bad_input][dropout][lrn][concat][optim]") {
  std::vector<Bad> table;
  const Tensor x = xt::zeros<double>({2, 3});
  for (const double p : {1.0, -0.1, 1.5, nan_v}) {
    std::ostringstream os;
    os << "got " << p;
    table.push_back({"dropout " + os.str(), "dropout_forward", Kind::value, {"must be in [0, 1)", os.str()}, [=] {
                       Rng rng(1);
                       dropout_forward(x, {p, Mode::test}, rng);  // refused in test mode too
                     }});
  }
  table.push_back({"dropout scalar", "dropout_forward", Kind::shape, {"rank >= 1", "scalar"}, [] {
                     Rng rng(1);
                     dropout_forward(Tensor(2.0), {}, rng);
                   }});
  table.push_back({"dropout dout", "dropout_backward", Kind::shape, {"dout has shape (3, 2) but x has shape (2, 3)"},
                   [=] { dropout_backward(Tensor(zeros2(3, 2)), DropoutCache{x}); }});

  const Tensor4 x4 = zeros4(2, 5, 3, 3);
  table.push_back({"lrn size 0", "lrn_forward", Kind::value, {"size n must be odd", "got 0"},
                   [=] { lrn_forward(x4, {.size = 0}); }});
  table.push_back({"lrn size 4", "lrn_forward", Kind::value, {"size n must be odd", "got 4"},
                   [=] { lrn_forward(x4, {.size = 4}); }});
  table.push_back({"lrn k", "lrn_forward", Kind::value, {"k must be > 0, got 0"}, [=] { lrn_forward(x4, {.k = 0.0}); }});
  table.push_back({"lrn alpha", "lrn_forward", Kind::value, {"alpha must be >= 0, got -1"},
                   [=] { lrn_forward(x4, {.alpha = -1.0}); }});
  table.push_back({"lrn beta NaN", "lrn_forward", Kind::value, {"beta must be >= 0, got nan"},
                   [=] { lrn_forward(x4, {.beta = nan_v}); }});
  table.push_back({"lrn dout", "lrn_backward", Kind::shape, {"dout has shape (2, 4, 3, 3) but x has shape (2, 5, 3, 3)"},
                   [=] { lrn_backward(zeros4(2, 4, 3, 3), lrn_forward(x4, {}).cache); }});

  table.push_back({"lrn cache", "lrn_backward", Kind::shape, {"cache.scale has shape (2, 5, 3, 2) but cache.x has shape (2, 5, 3, 3)"},
                   [=] {
                     LrnCache c = lrn_forward(x4, {}).cache;
                     c.scale = zeros4(2, 5, 3, 2);
                     lrn_backward(x4, c);
                   }});
  table.push_back({"concat none", "concat_channels", Kind::shape, {"no parts"}, [] { concat_channels({}); }});
  table.push_back({"concat H", "concat_channels", Kind::shape, {"part 1 has shape (2, 1, 4, 3) but part 0 has (2, 3, 3, 3)"},
                   [=] { concat_channels({zeros4(2, 3, 3, 3), zeros4(2, 1, 4, 3)}); }});
  table.push_back({"split", "split_channels", Kind::shape, {"add up to 4 but dout has 5 channels"},
                   [=] { split_channels(x4, {1, 3}); }});

  std::vector<double> w = {1.0, 2.0};
  const std::vector<double> g = {0.5, 0.5}, g3 = {1.0, 1.0, 1.0};
  table.push_back({"sgd sizes", "sgd", Kind::shape, {"w has 2 entries but dw has 3"}, [=]() mutable { sgd(w, g3, {}); }});
  table.push_back({"sgd lr", "sgd", Kind::value, {"learning_rate must be finite and >= 0, got -0.001"},
                   [=]() mutable { sgd(w, g, {-1e-3, 0.0}); }});
  table.push_back({"sgd lr inf", "sgd", Kind::value, {"got inf"}, [=]() mutable { sgd(w, g, {inf_v, 0.0}); }});
  table.push_back({"sgd decay", "sgd", Kind::value, {"weight_decay must be finite and >= 0, got -1"},
                   [=]() mutable { sgd(w, g, {1e-2, -1.0}); }});
  table.push_back({"momentum", "sgd_momentum", Kind::value, {"momentum must be in [0, 1), got 1"}, [=]() mutable {
                     MomentumConfig c;
                     c.momentum = 1.0;
                     sgd_momentum(w, g, c);
                   }});
  table.push_back({"nesterov", "nesterov", Kind::value, {"momentum must be in [0, 1), got -0.5"}, [=]() mutable {
                     NesterovConfig c;
                     c.momentum = -0.5;
                     nesterov(w, g, c);
                   }});
  table.push_back({"adagrad", "adagrad", Kind::value, {"epsilon must be > 0, got 0"}, [=]() mutable {
                     AdagradConfig c;
                     c.epsilon = 0.0;
                     adagrad(w, g, c);
                   }});
  table.push_back({"rmsprop", "rmsprop", Kind::value, {"decay_rate must be in [0, 1), got nan"}, [=]() mutable {
                     RmspropConfig c;
                     c.decay_rate = nan_v;
                     rmsprop(w, g, c);
                   }});
  table.push_back({"adam", "adam", Kind::value, {"beta2 must be in [0, 1), got 1"}, [=]() mutable {
                     AdamConfig c;
                     c.beta2 = 1.0;
                     adam(w, g, c);
                   }});
  table.push_back({"adam state", "adam", Kind::shape, {"has 3 entries but w has 2"}, [=]() mutable {
                     AdamConfig c;
                     c.m = {0.0, 0.0, 0.0};
                     adam(w, g, c);
                   }});
  table.push_back({"adadelta", "adadelta", Kind::value, {"rho must be in [0, 1), got 1.5"}, [=]() mutable {
                     AdadeltaConfig c;
                     c.rho = 1.5;
                     adadelta(w, g, c);
                   }});
  run_table(table);
}

TEST_CASE("the runtime's layer objects refuse an input of the wrong rank, naming the layer", "[bad_input][model]") {
  std::vector<Bad> table;
  const auto forward = [](std::function<std::unique_ptr<Layer>()> make, Tensor x) {
    return [=] { make()->forward(x, Mode::train); };
  };
  const Tensor rank2 = xt::zeros<double>({2, 3});
  const Tensor rank3 = xt::zeros<double>({2, 3, 4});
  table.push_back({"conv rank 2", "conv1", Kind::shape, {"expected an input of rank 4, got shape (2, 3)"},
                   forward([] { return make_conv("conv1", 3, 4, 3, {1, 1}); }, rank2)});
  table.push_back({"pool rank 3", "pool1", Kind::shape, {"expected an input of rank 4, got shape (2, 3, 4)"},
                   forward([] { return make_max_pool("pool1", 2, 2); }, rank3)});
  table.push_back({"avg pool rank 2", "pool2", Kind::shape, {"expected an input of rank 4"},
                   forward([] { return make_avg_pool("pool2", 2, 2); }, rank2)});
  table.push_back({"lrn rank 3", "norm1", Kind::shape, {"expected an input of rank 4"},
                   forward([] { return make_lrn("norm1", {}); }, rank3)});
  table.push_back({"gap rank 2", "gap", Kind::shape, {"expected an input of rank 4"},
                   forward([] { return make_global_avg_pool("gap"); }, rank2)});
  table.push_back({"bn rank 3", "bn1", Kind::shape, {"expected an input of rank 2, got shape (2, 3, 4)"},
                   forward([] { return make_batchnorm("bn1", 3); }, rank3)});
  table.push_back({"spatial bn rank 2", "bn2", Kind::shape, {"expected an input of rank 4, got shape (2, 3)"},
                   forward([] { return make_spatial_batchnorm("bn2", 3); }, rank2)});
  table.push_back({"affine rank 1", "affine_forward_blas", Kind::shape, {"rank >= 2", "got (3)"},
                   forward([] { return make_affine("fc1", 3, 2); }, Tensor{1.0, 2.0, 3.0})});
  table.push_back({"relu rank 0", "relu_forward", Kind::shape, {"scalar"},
                   forward([] { return make_relu("relu1"); }, Tensor(1.0))});
  // Hyperparameters are refused when the layer is made, naming its maker and the layer.
  table.push_back({"dropout p", "make_dropout", Kind::value, {"drop1: p_drop", "got 1.5"},
                   [] { make_dropout("drop1", 1.5, 1); }});
  table.push_back({"conv stride 0", "make_conv", Kind::value, {"conv1: stride S must be at least 1, got 0"},
                   [] { make_conv("conv1", 3, 4, 3, {0, 1}); }});
  table.push_back({"conv no filters", "make_conv", Kind::value, {"conv1:", "K = 0"},
                   [] { make_conv("conv1", 3, 0, 3, {1, 1}); }});
  table.push_back({"max pool pad", "make_max_pool", Kind::value, {"padding P = 2 is more than half the window F = 3"},
                   [] { make_max_pool("pool1", 3, 1, 2); }});
  table.push_back({"avg pool pad", "make_avg_pool", Kind::value, {"padding P = 1 is more than half the window F = 1"},
                   [] { make_avg_pool("pool2", 1, 1, 1); }});
  table.push_back({"backward first", "Layer::backward", Kind::value, {"fc1: backward called before any forward pass"},
                   [] { make_affine("fc1", 3, 2)->backward(Tensor(zeros2(2, 2))); }});
  table.push_back({"conv backward rank", "conv1", Kind::shape, {"expected an input of rank 4, got shape (2, 3)"}, [] {
                     auto conv = make_conv("conv1", 3, 4, 3, {1, 1});
                     conv->forward(Tensor(zeros4(1, 3, 5, 5)), Mode::train);
                     conv->backward(Tensor(zeros2(2, 3)));
                   }});
  run_table(table);
}

TEST_CASE("the gradient checker refuses a bad step and shapes that disagree", "[bad_input][gradcheck]") {
  Tensor1 x = {1.0, 2.0};
  const Tensor1 g2 = {1.0, 1.0}, g3 = {1.0, 1.0, 1.0};
  const auto f = [&] { return x(0) * x(1); };
  std::vector<Bad> table;
  table.push_back({"shapes", "check_gradient", Kind::shape, {"shape (3) but x has shape (2)"},
                   [&] { check_gradient("dx", f, x, g3); }});
  for (const double h : {0.0, -1e-5, nan_v})
    table.push_back({"h", "check_gradient", Kind::value, {"step h must be a positive number"}, [&, h] {
                       GradCheckOptions o;
                       o.h = h;
                       check_gradient("dx", f, x, g2, o);
                     }});
  run_table(table);
}

TEST_CASE("an empty batch or channel axis gives an empty result; statistics and windows over nothing are refused",
          "[bad_input][zero]") {
  using S4 = std::array<std::size_t, 4>;
  const Tensor4 no_examples = zeros4(0, 2, 4, 4), no_channels = zeros4(2, 0, 4, 4);
  for (const Tensor4& x : {no_examples, no_channels}) {
    const std::size_t N = x.shape(0), C = x.shape(1);
    INFO("x of shape " << shape_str(x.shape()));
    const Tensor4 w = zeros4(3, C, 3, 3);
    const Tensor1 b = xt::ones<double>({3});
    for (const auto fwd : {&conv_forward_naive, &conv_forward_im2col}) {
      const auto r = fwd(x, w, b, {1, 1});
      REQUIRE(r.out.shape() == S4{N, 3, 4, 4});
      if (N > 0) REQUIRE(r.out(1, 2, 3, 3) == 1.0);  // no channels: the output is the bias
      REQUIRE(conv_backward_naive(r.out, r.cache).dx.shape() == x.shape());
      REQUIRE(conv_backward_im2col(r.out, r.cache).dw.shape() == w.shape());
    }
    REQUIRE(max_pool_forward_naive(x, {}).out.shape() == S4{N, C, 2, 2});
    const auto mp = max_pool_forward_fast(x, {});
    REQUIRE(max_pool_backward_fast(mp.out, mp.cache).dx.shape() == x.shape());
    const auto ap = avg_pool_forward_fast(x, {3, 3, 1});
    REQUIRE(avg_pool_backward_naive(ap.out, ap.cache).dx.shape() == x.shape());
    REQUIRE(global_avg_pool_forward(x).out.shape() == std::array<std::size_t, 2>{N, C});
    REQUIRE(lrn_forward(x, {}).out.shape() == x.shape());
    REQUIRE(relu_forward(Tensor(x)).out.shape() == Tensor(x).shape());
    Rng rng(3);
    REQUIRE(dropout_forward(Tensor(x), {}, rng).out.size() == 0);
    REQUIRE(concat_channels({x, x}).shape() == S4{N, 2 * C, 4, 4});
  }
  // Affine: N = 0 gives (0, M); D = 0 gives the biases; M = 0 gives (N, 0). Naive and BLAS alike.
  for (const auto fwd : {&affine_forward, &affine_forward_blas}) {
    REQUIRE(fwd(Tensor(zeros2(0, 3)), zeros2(3, 2), zeros1(2)).out.shape() == std::array<std::size_t, 2>{0, 2});
    const auto r = fwd(Tensor(zeros2(2, 0)), zeros2(0, 2), xt::ones<double>({2}));
    REQUIRE(r.out == Tensor2(xt::ones<double>({2, 2})));
    REQUIRE(affine_backward_blas(r.out, r.cache).dx.shape() == Tensor(zeros2(2, 0)).shape());
    REQUIRE(fwd(Tensor(zeros2(2, 3)), zeros2(3, 0), zeros1(0)).out.shape() == std::array<std::size_t, 2>{2, 0});
  }
  std::vector<double> none;
  AdamConfig adam_config;
  REQUIRE_NOTHROW(adam(none, none, adam_config));
  // Refused: a mean over no examples or classes, statistics of nothing, a window over no rows.
  REQUIRE_THROWS_AS(softmax_loss(zeros2(0, 3), Labels::from_shape({0})), shape_error);
  REQUIRE_THROWS_AS(svm_loss(zeros2(2, 0), testing::labels({0, 0})), shape_error);
  BatchNormState s2 = batchnorm_state(2);
  REQUIRE_THROWS_AS(spatial_batchnorm_forward(no_examples, xt::ones<double>({2}), zeros1(2), {Mode::test}, s2),
                    shape_error);
  BatchNormState s0 = batchnorm_state(0);
  REQUIRE_THROWS_AS(spatial_batchnorm_forward(no_channels, zeros1(0), zeros1(0), {}, s0), shape_error);
  REQUIRE_THROWS_AS(global_avg_pool_forward(zeros4(2, 2, 4, 0)), shape_error);
  REQUIRE_THROWS_AS(max_pool_forward_fast(zeros4(2, 2, 0, 4), {}), shape_error);
  REQUIRE_THROWS_AS(conv_forward_im2col(zeros4(2, 2, 4, 0), zeros4(3, 2, 3, 3), zeros1(3), {1, 0}), shape_error);
}
