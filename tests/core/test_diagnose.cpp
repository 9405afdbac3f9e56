// Tests of the diagnosis of failed checks (src/instruments/diagnose.hpp). Each pattern is shown on a deliberately
// wrong implementation written here, checked by the real gradient checker or comparison against the reference
// layers of solutions/; correct implementations get no diagnosis, and random garbage gets "no common mistake
// fits". The diagnosis lines are printed (run with -s to see them all).
#include "instruments/diagnose.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <iostream>

#include <xtensor/xmath.hpp>
#include <xtensor/xview.hpp>

#include "layers/affine.hpp"
#include "layers/batchnorm.hpp"
#include "layers/conv.hpp"
#include "layers/dropout.hpp"
#include "instruments/gradcheck.hpp"
#include "layers/pool.hpp"
#include "layers/relu.hpp"
#include "layers/softmax.hpp"
#include "layers/svm.hpp"
#include "support/testing.hpp"

using namespace cnn;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

const Tolerance exact{1e-10, 1e-12};

// The report's diagnosis line, printed so that a run shows what a student would read.
template <class Check>
std::string diagnosis_of(const Check& check) {
  INFO(check.report());
  REQUIRE_FALSE(check.passed());
  std::cout << check.name << "\n  " << check.diagnosis << "\n";
  REQUIRE_THAT(check.diagnosis, StartsWith("diagnosis: "));
  REQUIRE(check.diagnosis.find('\n') == std::string::npos);  // one line
  REQUIRE_THAT(check.report(), Contains(check.diagnosis));
  return check.diagnosis;
}

// The message of the shape_error that @p call throws, printed like a diagnosis.
template <class Call>
std::string shape_error_message(Call&& call) {
  try {
    call();
  } catch (const shape_error& e) {
    std::cout << e.what() << "\n";
    return e.what();
  }
  FAIL("no shape_error was thrown");
  return "";
}

// --- the wrong implementations ----------------------------------------------------------------------------

// ReLU backward that lets the gradient through at x = 0 too.
Tensor relu_backward_ge(const Tensor& dout, const Tensor& x) {
  Tensor dx = dout;
  for (std::size_t i = 0; i < x.size(); ++i) dx.data()[i] = x.data()[i] >= 0.0 ? dout.data()[i] : 0.0;
  return dx;
}

// Softmax loss without the shift by the row maximum: exp overflows for large scores.
double softmax_loss_unshifted(const Tensor2& x, const Labels& y) {
  double loss = 0.0;
  for (std::size_t n = 0; n < x.shape(0); ++n) {
    double sum = 0.0;
    for (std::size_t k = 0; k < x.shape(1); ++k) sum += std::exp(x(n, k));
    loss -= std::log(std::exp(x(n, y(n))) / sum);
  }
  return loss / static_cast<double>(x.shape(0));
}

// Convolution forward that leaves at the bias every output whose window reaches into the padding (or that
// forgets the stride in its indices).
enum class ConvBug { skips_padding, unshifted, ignores_stride };
Tensor4 conv_forward_wrong(const Tensor4& x, const Tensor4& w, const Tensor1& b, const ConvParam& param, ConvBug bug) {
  const std::size_t N = x.shape(0), C = x.shape(1), H = x.shape(2), W = x.shape(3);
  const std::size_t F = w.shape(0), HH = w.shape(2), WW = w.shape(3), S = param.stride, P = param.pad;
  const std::size_t Hout = (H + 2 * P - HH) / S + 1, Wout = (W + 2 * P - WW) / S + 1;
  const std::size_t step = bug == ConvBug::ignores_stride ? 1 : S;
  Tensor4 y = xt::zeros<double>({N, F, Hout, Wout});
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t f = 0; f < F; ++f)
      for (std::size_t i = 0; i < Hout; ++i)
        for (std::size_t j = 0; j < Wout; ++j) {
          y(n, f, i, j) = b(f);
          const bool in_padding = i * S < P || j * S < P || i * S + HH > H + P || j * S + WW > W + P;
          if (bug == ConvBug::skips_padding && in_padding) continue;
          for (std::size_t c = 0; c < C; ++c)
            for (std::size_t p = 0; p < HH; ++p)
              for (std::size_t q = 0; q < WW; ++q) {
                const std::size_t h = i * step + p, v = j * step + q;  // in padded coordinates
                if (bug == ConvBug::unshifted) {  // x read without the shift by P, out-of-range entries skipped
                  if (h < H && v < W) y(n, f, i, j) += w(f, c, p, q) * x(n, c, h, v);
                } else if (h >= P && h < H + P && v >= P && v < W + P) {
                  y(n, f, i, j) += w(f, c, p, q) * x(n, c, h - P, v - P);
                }
              }
        }
  return y;
}

// The diagnosis of a wrong convolution forward pass, compared with the reference on random x (x_shape), F 3x3
// filters and biases.
std::string conv_forward_diagnosis(const std::array<std::size_t, 4>& x_shape, std::size_t F, const ConvParam& param,
                                   ConvBug bug) {
  Rng rng(3);
  const Tensor4 x = randn<Tensor4>(x_shape, rng);
  const Tensor4 w = randn<Tensor4>({F, x_shape[1], 3, 3}, rng);
  const Tensor1 b = randn<Tensor1>({F}, rng);
  return diagnosis_of(compare("out", conv_forward_wrong(x, w, b, param, bug), conv_forward_naive(x, w, b, param).out,
                              exact, conv_forward_context(x, w, b, param)));
}

// dw of a convolution from one example's sums only: example 0 (the loop over n is missing), or the last one
// (`=` where `+=` belongs).
Tensor4 conv_dw_one_example(const Tensor4& dout, const ConvCache& cache, std::size_t n) {
  const Tensor4 x1 = xt::view(cache.x, xt::range(n, n + 1));
  const Tensor4 dout1 = xt::view(dout, xt::range(n, n + 1));
  const auto [out, c1] = conv_forward_naive(x1, cache.w, cache.b, cache.param);
  return conv_backward_naive(dout1, c1).dw;
}

// Max-pool backward that shares dout among the whole window (average pooling's rule).
Tensor4 max_pool_backward_spread(const Tensor4& dout, const Tensor4& x, const PoolParam& p) {
  Tensor4 dx = xt::zeros<double>(x.shape());
  for (std::size_t n = 0; n < dout.shape(0); ++n)
    for (std::size_t c = 0; c < dout.shape(1); ++c)
      for (std::size_t i = 0; i < dout.shape(2); ++i)
        for (std::size_t j = 0; j < dout.shape(3); ++j)
          for (std::size_t a = 0; a < p.height; ++a)
            for (std::size_t b = 0; b < p.width; ++b)
              dx(n, c, i * p.stride + a, j * p.stride + b) += dout(n, c, i, j) / static_cast<double>(p.height * p.width);
  return dx;
}

// Batch norm's dx with the mean and the variance held constant.
Tensor2 batchnorm_dx_constant_stats(const Tensor2& dout, const BatchNormCache& cache) {
  Tensor2 dx = dout;
  for (std::size_t n = 0; n < dout.shape(0); ++n)
    for (std::size_t d = 0; d < dout.shape(1); ++d)
      dx(n, d) = dout(n, d) * cache.gamma(d) / std::sqrt(cache.var(d) + cache.eps);
  return dx;
}

// Dropout forward that multiplies the kept units by the keep probability instead of dividing by it; the same
// uniforms as dropout_forward (one per entry, kept where u >= p_drop).
Tensor dropout_times_keep(const Tensor& x, double p_drop, Rng& rng) {
  Tensor out = x;
  for (double& v : out) v = rng.uniform() >= p_drop ? v * (1.0 - p_drop) : 0.0;
  return out;
}

// A small affine example: x (10, 2, 3), w (6, 5), b (5), random dout.
struct Affine {
  Rng rng{231};
  Tensor x = randn({10, 2, 3}, rng);
  Tensor2 w = randn<Tensor2>({6, 5}, rng);
  Tensor1 b = randn<Tensor1>({5}, rng);
  Tensor2 dout = randn<Tensor2>({10, 5}, rng);
  AffineCache cache = affine_forward(x, w, b).cache;
  Tensor2 forward() const { return affine_forward(x, w, b).out; }
};

}  // namespace

// --- the nine mistakes of the issue ---------------------------------------------------------------------

TEST_CASE("relu backward with x >= 0: the comparison names the kink at 0", "[diagnose][relu]") {
  const Tensor x = {-2.0, 0.0, 3.0, -0.5};
  const Tensor dout = {10.0, 20.0, 30.0, 40.0};
  const Tensor expected = relu_backward(dout, relu_forward(x).cache).dx;
  const auto d = diagnosis_of(compare("dx", relu_backward_ge(dout, x), expected, exact, relu_context(x)));
  REQUIRE_THAT(d, Contains("only where x = 0 (at (1))") && Contains("x > 0, not x >= 0") && Contains("\"ReLU\""));
}

TEST_CASE("a gradient that matches neither one-sided slope at a kink is diagnosed as a kink", "[diagnose][kink]") {
  Tensor x = {-1.0, 0.0, 2.0};
  const Tensor dout = {1.0, 1.0, 1.0};
  const Tensor half_at_zero = {0.0, 0.3, 1.0};  // at 0 neither 0 (left) nor 1 (right)
  const auto d = diagnosis_of(check_gradient("dx of relu_backward", [&] { return relu_forward(x).out; }, x, dout,
                                             half_at_zero));
  REQUIRE_THAT(d, Contains("straddle a kink") && Contains("(1)") && Contains("section \"Kinks\""));
}

TEST_CASE("affine db summed over the wrong axis: the shape error names db and b and the axis", "[diagnose][affine]") {
  Affine a;
  const Tensor1 db_wrong = xt::sum(a.dout, {1});  // (10): over the outputs instead of the examples
  auto y = [&] { return a.forward(); };
  const std::string m = shape_error_message([&] { check_gradient("db of affine_backward", y, a.b, a.dout, db_wrong); });
  REQUIRE_THAT(m, Contains("db of affine_backward: your db has shape (10) but b has shape (5)"));
  REQUIRE_THAT(m, Contains("diagnosis: your db has shape (10) where (5) is expected: it is dout summed over axis 1, "
                           "the expected one sums dout over axis 0: the sum runs over the wrong axis"));
  // The same mistake seen by a comparison with a known answer, given dout.
  const auto d = diagnosis_of(compare("db", db_wrong, affine_backward(a.dout, a.cache).db, exact,
                                      layer_context("\"The affine layer\"", FlatArray::of(a.dout))));
  REQUIRE_THAT(d, Contains("summed over axis 1") && Contains("\"The affine layer\""));
}

TEST_CASE("softmax without the max shift overflows: the diagnosis says so", "[diagnose][softmax]") {
  const Tensor2 x = {{1000.0, 0.0}, {3.0, 1.0}};
  const Labels y = testing::labels({0, 1});
  const Tensor1 loss = {softmax_loss_unshifted(x, y)};
  const Tensor1 expected = {softmax_loss(x, y).loss};
  const auto d = diagnosis_of(compare("loss", loss, expected, exact, layer_context("\"The softmax and SVM losses\"")));
  REQUIRE_THAT(d, Contains("your loss is NaN at (0)") && Contains("overflowed") && Contains("exp of a number above 709"));
}

TEST_CASE("conv forward that ignores the padding differs only on the padded border", "[diagnose][conv]") {
  const auto d = conv_forward_diagnosis({2, 3, 6, 6}, 4, {.stride = 1, .pad = 1}, ConvBug::skips_padding);
  REQUIRE_THAT(d, Contains("only at outputs whose window overlaps the zero padding (160 of those 160 differ; the "
                           "128 inside agree)") &&
                      Contains("section \"Spatial arithmetic\""));
}

TEST_CASE("conv forward that reads x without the shift by the padding", "[diagnose][conv]") {
  const auto d = conv_forward_diagnosis({2, 3, 5, 5}, 2, {.stride = 2, .pad = 1}, ConvBug::unshifted);
  REQUIRE_THAT(d, Contains("your out reads x at (i S + p, j S + q) as if it were padded at the bottom and right only"));
}

TEST_CASE("conv forward that ignores the stride matches the stride-1 output at (i, j)", "[diagnose][conv]") {
  const auto d = conv_forward_diagnosis({2, 3, 7, 7}, 2, {.stride = 2, .pad = 1}, ConvBug::ignores_stride);
  REQUIRE_THAT(d, Contains("your out holds at (i, j) the stride-1 output at (i, j)"));
}

TEST_CASE("conv dw from example 0 only: the gradient check and the comparison name the missing sum",
          "[diagnose][conv]") {
  Rng rng(5);
  Tensor4 x = randn<Tensor4>({3, 2, 5, 5}, rng);
  Tensor4 w = randn<Tensor4>({2, 2, 3, 3}, rng);
  const Tensor1 b = randn<Tensor1>({2}, rng);
  const ConvParam param{.stride = 2, .pad = 1};
  const auto [out, cache] = conv_forward_naive(x, w, b, param);
  const Tensor4 dout = randn<Tensor4>(out.shape(), rng);
  auto y = [&] { return conv_forward_naive(x, w, b, param).out; };
  const auto d = diagnosis_of(check_gradient("dw of conv_backward_naive", y, w, dout, conv_dw_one_example(dout, cache, 0)));
  REQUIRE_THAT(d, Contains("your dw is the gradient of example 0 alone") &&
                      Contains("the sum over the N = 3 examples of the minibatch is missing"));
  const auto last = diagnosis_of(check_gradient("dw of conv_backward_naive", y, w, dout, conv_dw_one_example(dout, cache, 2)));
  REQUIRE_THAT(last, Contains("the last example alone") && Contains("`=` where `+=` belongs"));
  const auto c = diagnosis_of(compare("dw", conv_dw_one_example(dout, cache, 0), conv_backward_naive(dout, cache).dw,
                                      exact, conv_backward_context("dw", x, w, dout, param)));
  REQUIRE_THAT(c, Contains("example 0's contribution alone") &&
                      Contains("section \"dw: a correlation of the input with the upstream gradient\""));
}

TEST_CASE("max-pool gradient spread over the window instead of sent to the winner", "[diagnose][pool]") {
  Rng rng(6);
  Tensor4 x = randn<Tensor4>({2, 2, 4, 4}, rng);
  const PoolParam param{2, 2, 2};
  const auto [out, cache] = max_pool_forward_naive(x, param);
  const Tensor4 dout = randn<Tensor4>(out.shape(), rng);
  GradCheckOptions options;
  options.context = max_pool_backward_context(x, param, dout);
  const auto d = diagnosis_of(check_gradient("dx of max_pool_backward_naive",
                                             [&] { return max_pool_forward_naive(x, param).out; }, x, dout,
                                             max_pool_backward_spread(dout, x, param), options));
  REQUIRE_THAT(d, Contains("your dx spreads each dout evenly over its window") && Contains("the entry that won the max") &&
                      Contains("(docs: \"Pooling layers\", section \"Backward\")"));
}

TEST_CASE("batch norm backward with the mean and the variance constant: the missing terms are named",
          "[diagnose][batchnorm]") {
  Rng rng(7);
  Tensor2 x = randn<Tensor2>({6, 4}, rng, 2.0) + 1.0;
  const Tensor1 gamma = {1.5, 0.7, -1.2, 1.0}, beta = {0.1, -0.2, 0.3, 0.0};
  const Tensor2 dout = randn<Tensor2>({6, 4}, rng);
  const BatchNormState state = batchnorm_state(4);
  BatchNormState scratch = state;
  const BatchNormCache cache = batchnorm_forward(x, gamma, beta, {}, scratch).cache;
  auto y = [&] {
    BatchNormState frozen = state;
    return batchnorm_forward(x, gamma, beta, {}, frozen).out;
  };
  GradCheckOptions options;
  options.context = batchnorm_backward_context(dout, cache);
  const auto d = diagnosis_of(
      check_gradient("dx of batchnorm_backward", y, x, dout, batchnorm_dx_constant_stats(dout, cache), options));
  REQUIRE_THAT(d, Contains("dout * gamma / sqrt(var + eps): the mean and the variance are treated as constants") &&
                      Contains("section \"Backward pass, step by step\""));
  // The variance alone held constant (the demo of tests/test_batchnorm.cpp).
  Tensor2 var_constant = batchnorm_dx_constant_stats(dout, cache);
  for (std::size_t d2 = 0; d2 < 4; ++d2) {
    double mean = 0.0;
    for (std::size_t n = 0; n < 6; ++n) mean += dout(n, d2) / 6.0;
    for (std::size_t n = 0; n < 6; ++n) var_constant(n, d2) -= mean * gamma(d2) / std::sqrt(cache.var(d2) + cache.eps);
  }
  const auto v = diagnosis_of(check_gradient("dx of batchnorm_backward", y, x, dout, var_constant, options));
  REQUIRE_THAT(v, Contains("your dx treats the variance as a constant"));
}

TEST_CASE("dropout that multiplies by the keep probability is off by (1 - p_drop)^2", "[diagnose][dropout]") {
  const double p_drop = 0.3;
  Rng rng(8);
  const Tensor x = randn({4, 5}, rng);
  Rng a(9), b(9);
  const Tensor wrong = dropout_times_keep(x, p_drop, a);
  const Tensor expected = dropout_forward(x, {p_drop, Mode::train}, b).out;
  const auto d = diagnosis_of(compare("out", wrong, expected, exact, dropout_context(p_drop)));
  REQUIRE_THAT(d, Contains("your out is the expected values times (1 - p_drop)^2 = 0.49: the kept units are "
                           "multiplied by the keep probability 1 - p_drop = 0.7 instead of divided by it") &&
                      Contains("\"Dropout\""));
}

TEST_CASE("a dx of the wrong shape: the error names dx and x and the expected shape", "[diagnose][shape]") {
  Affine a;
  auto y = [&] { return a.forward(); };
  const Tensor dx = affine_backward(a.dout, a.cache).dx;
  // the right values, flattened to (N, D)
  const Tensor2 flat = xt::reshape_view(dx, {10, 6});
  const std::string m = shape_error_message([&] { check_gradient("dx of affine_backward", y, a.x, a.dout, flat); });
  REQUIRE_THAT(m, Contains("dx of affine_backward: your dx has shape (10, 6) but x has shape (10, 2, 3)") &&
                      Contains("diagnosis: your dx holds the expected values in the wrong shape (10, 6): reshape it "
                               "to (10, 2, 3)"));
  // other values in another shape: only the shapes are named
  const Tensor wrong = xt::ones<double>({10, 3, 2});
  const std::string w = shape_error_message([&] { check_gradient("dx of affine_backward", y, a.x, a.dout, wrong); });
  REQUIRE_THAT(w, Contains("diagnosis: wrong shape: your dx has shape (10, 3, 2) but the expected shape is (10, 2, 3)"));
}

// --- the other patterns ---------------------------------------------------------------------------------

TEST_CASE("max-pool gradient copied to every entry of the window", "[diagnose][pool]") {
  Rng rng(13);
  const Tensor4 x = randn<Tensor4>({1, 2, 4, 6}, rng);
  const PoolParam param{2, 2, 2};
  const auto [out, cache] = max_pool_forward_naive(x, param);
  const Tensor4 dout = randn<Tensor4>(out.shape(), rng);
  const Tensor4 copied = max_pool_backward_spread(dout, x, param) * 4.0;
  const auto d = diagnosis_of(compare("dx", copied, max_pool_backward_naive(dout, cache).dx, exact,
                                      max_pool_backward_context(x, param, dout)));
  REQUIRE_THAT(d, Contains("your dx copies each dout to every entry of its window"));
}

TEST_CASE("a backward pass that handles example 0 only", "[diagnose][minibatch]") {
  Affine a;
  auto y = [&] { return a.forward(); };
  Tensor dx = affine_backward(a.dout, a.cache).dx;
  Tensor only_first = xt::zeros<double>(dx.shape());
  xt::view(only_first, 0) = xt::view(dx, 0);
  const auto g = diagnosis_of(check_gradient("dx of affine_backward", y, a.x, a.dout, only_first));
  REQUIRE_THAT(g, Contains("your dx is the gradient of example 0 alone"));
  // the other examples wrong in some other way: seen by the comparison
  Rng rng(14);
  Tensor other = randn(dx.shape(), rng);
  xt::view(other, 0) = xt::view(dx, 0);
  const auto c = diagnosis_of(compare("dx", other, dx));
  REQUIRE_THAT(c, Contains("only example 0 of your dx is right, every other example differs"));
}

TEST_CASE("a transposed dw: of shape (M, D) in a comparison, of a square w in a gradient check",
          "[diagnose][transpose]") {
  // dw = dout^T x (M, D) instead of x^T dout (D, M)
  Affine a;
  const Tensor2 dw = affine_backward(a.dout, a.cache).dw;
  const auto d = diagnosis_of(compare("dw", Tensor2(xt::transpose(dw)), dw, exact, layer_context("\"The affine layer\"")));
  REQUIRE_THAT(d, Contains("your dw is the transpose of the expected one: shape (5, 6) holds (6, 5)'s values"));
  // a square w: the shapes agree, the values sit in mirrored places
  Rng rng(12);
  Tensor2 x = randn<Tensor2>({4, 3}, rng), w = randn<Tensor2>({3, 3}, rng);
  const Tensor1 b = randn<Tensor1>({3}, rng);
  const Tensor2 dout = randn<Tensor2>({4, 3}, rng);
  const Tensor2 dw_square = affine_backward(dout, affine_forward(x, w, b).cache).dw;
  const auto g = diagnosis_of(check_gradient("dw of affine_backward", [&] { return affine_forward(x, w, b).out; }, w,
                                             dout, Tensor2(xt::transpose(dw_square))));
  REQUIRE_THAT(g, Contains("your dw is the transpose of the numerical gradient"));
}

TEST_CASE("a wrong sign and a missing 1/N are named", "[diagnose][factor]") {
  Rng rng(10);
  Tensor x = randn({3, 4}, rng);
  const Tensor dout = randn({3, 4}, rng);
  for (double& v : x) v = std::copysign(std::abs(v) + 1e-3, v);
  const Tensor dx = relu_backward(dout, relu_forward(x).cache).dx;
  const auto s = diagnosis_of(check_gradient("dx of relu_backward", [&] { return relu_forward(x).out; }, x, dout,
                                             Tensor(-dx)));
  REQUIRE_THAT(s, Contains("your dx has the wrong sign at every entry"));

  Tensor2 scores = randn<Tensor2>({8, 5}, rng);
  const Labels y = testing::labels({0, 1, 2, 3, 4, 0, 1, 2});
  const Tensor2 dscores = softmax_loss(scores, y).dx;
  const auto n = diagnosis_of(compare("dx", Tensor2(dscores * 8.0), dscores, exact,
                                      layer_context("\"The softmax and SVM losses\"", FlatArray::of(scores))));
  REQUIRE_THAT(n, Contains("times N = 8 (the minibatch size): a division by N is missing"));
  const auto c = diagnosis_of(compare("dx", Tensor2(dscores * 3.7), dscores));
  REQUIRE_THAT(c, Contains("times the constant 3.7 at every entry"));
}

TEST_CASE("correct implementations get no diagnosis", "[diagnose][correct]") {
  Affine a;
  const auto [dx, dw, db] = affine_backward(a.dout, a.cache);
  auto y = [&] { return a.forward(); };
  for (const GradCheck& gc : {check_gradient("dx of affine_backward", y, a.x, a.dout, dx),
                              check_gradient("dw of affine_backward", y, a.w, a.dout, dw),
                              check_gradient("db of affine_backward", y, a.b, a.dout, db)}) {
    INFO(gc.report());
    REQUIRE(gc.passed());
    REQUIRE(gc.diagnosis.empty());
    REQUIRE_THAT(gc.report(), !Contains("diagnosis"));
  }
  const Comparison c = compare("db", db, Tensor1(xt::sum(a.dout, {0})), exact, layer_context("\"The affine layer\""));
  REQUIRE(c.passed());
  REQUIRE(c.diagnosis.empty());
}

TEST_CASE("random garbage gets \"no common mistake fits\"", "[diagnose][none]") {
  Affine a;
  Rng rng(11);
  const Tensor2 garbage = randn<Tensor2>({6, 5}, rng);
  auto y = [&] { return a.forward(); };
  const auto d = diagnosis_of(check_gradient("dw of affine_backward", y, a.w, a.dout, garbage));
  REQUIRE_THAT(d, StartsWith("diagnosis: no common mistake fits") && Contains("section \"Reading a failure\""));
  const auto c = diagnosis_of(compare("out", garbage, a.w, exact, dropout_context(0.5)));
  REQUIRE_THAT(c, StartsWith("diagnosis: no common mistake fits"));
}

TEST_CASE("checked_tensor reads the tensor's name from the check's name", "[diagnose][names]") {
  REQUIRE(checked_tensor("db of affine_backward") == "db");
  REQUIRE(checked_tensor("dgamma of batchnorm_backward") == "dgamma");
  REQUIRE(checked_tensor("dx, wrong backward, dout = 1") == "dx");
  REQUIRE(checked_tensor("out") == "");
  REQUIRE(checked_tensor("conv1.w") == "");
  REQUIRE(checked_tensor("d") == "");
}

// --- the second round's families, each fed its look-alikes ---------------------------------------------------
// A diagnosis must name its own mistake and nothing else: every case below plants one mistake and the one
// closest to it, and checks that each gets its own name (or, for a look-alike with no name, no wrong one).

namespace {

// The multiclass SVM loss with margin @p delta; with_own: the true class's own margin counted too.
double svm_loss_with(const Tensor2& x, const Labels& y, double delta, bool with_own) {
  double loss = 0.0;
  for (std::size_t i = 0; i < x.shape(0); ++i)
    for (std::size_t j = 0; j < x.shape(1); ++j)
      if (j != y(i) || with_own) loss += std::max(0.0, x(i, j) - x(i, y(i)) + delta);
  return loss / static_cast<double>(x.shape(0));
}

// Max or average pooling whose window (i, j) starts at (i Si, j Sj).
Tensor4 pool_with_strides(const Tensor4& x, const PoolParam& p, std::size_t Si, std::size_t Sj, bool max) {
  const std::size_t Hout = 1 + (x.shape(2) - p.height) / p.stride, Wout = 1 + (x.shape(3) - p.width) / p.stride;
  Tensor4 out = xt::zeros<double>({x.shape(0), x.shape(1), Hout, Wout});
  for (std::size_t n = 0; n < x.shape(0); ++n)
    for (std::size_t c = 0; c < x.shape(1); ++c)
      for (std::size_t i = 0; i < Hout; ++i)
        for (std::size_t j = 0; j < Wout; ++j) {
          double v = max ? -1e300 : 0.0;
          for (std::size_t a = 0; a < p.height; ++a)
            for (std::size_t b = 0; b < p.width; ++b) {
              const double e = x(n, c, i * Si + a, j * Sj + b);
              v = max ? std::max(v, e) : v + e / static_cast<double>(p.height * p.width);
            }
          out(n, c, i, j) = v;
        }
  return out;
}

}  // namespace

TEST_CASE("an SVM margin of 0 or 2, and the true class counted, are each named; another wrong loss is not",
          "[diagnose][offset][svm]") {
  Rng rng(5);
  const Tensor2 x = randn<Tensor2>({5, 4}, rng);
  const Labels y = testing::labels({0, 1, 2, 3, 0});
  const double right = svm_loss(x, y).loss;
  REQUIRE_THAT(right, testing::Near(svm_loss_with(x, y, 1.0, false), 1e-12));  // the helper is the course's loss
  const auto check = [&](double loss) {
    return compare("loss", Tensor1{loss}, Tensor1{right}, exact, svm_context("loss", x, y));
  };
  REQUIRE_THAT(diagnosis_of(check(svm_loss_with(x, y, 0.0, false))), Contains("margin of 0"));
  REQUIRE_THAT(diagnosis_of(check(svm_loss_with(x, y, 2.0, false))), Contains("margin of 2"));
  const auto own = diagnosis_of(check(svm_loss_with(x, y, 1.0, true)));
  REQUIRE_THAT(own, Contains("counts the true class too") && !Contains("margin of"));
  // look-alikes: the loss without the mean over N is a factor N, not a margin; a loss off by an odd amount is
  // no known mistake, and the line says both numbers
  const auto summed = diagnosis_of(check(svm_loss_with(x, y, 1.0, false) * 5.0));
  REQUIRE_THAT(summed, Contains("a division by N is missing") && !Contains("margin"));
  const auto odd = diagnosis_of(check(right + 0.125));
  REQUIRE_THAT(odd, StartsWith("diagnosis: no common mistake fits") && !Contains("margin") &&
                        Contains("where " + num_str(right) + " is expected (higher by 0.125)"));
}

TEST_CASE("a constant added to every entry is named as an offset; a factor, or one number, is not",
          "[diagnose][offset]") {
  const Tensor2 e = {{0.5, -1.0, 2.0}, {3.0, 0.25, -0.75}};
  const auto offset = diagnosis_of(compare("scores", Tensor2(e + 1.0), e, exact));
  REQUIRE_THAT(offset, Contains("plus 1 at every entry") && Contains("constant term"));
  REQUIRE_THAT(diagnosis_of(compare("scores", Tensor2(e - 0.5), e, exact)), Contains("minus 0.5 at every entry"));
  const auto factor = diagnosis_of(compare("scores", Tensor2(e * 2.0), e, exact));
  REQUIRE_THAT(factor, Contains("times 2") && !Contains("plus"));
  // one number: an offset always fits it, so none is claimed; the line says both values and the difference
  const auto one = diagnosis_of(compare("loss", Tensor1{1.9}, Tensor1{2.9}, exact));
  REQUIRE_THAT(one, Contains("your loss is 1.9 where 2.9 is expected (lower by 1)") && !Contains("constant"));
}

TEST_CASE("the stride ignored in one index of a pooling window is named with the index; in both, as both",
          "[diagnose][stride][pool]") {
  Rng rng(8);
  const Tensor4 x = randn<Tensor4>({2, 2, 6, 6}, rng);
  const PoolParam p{.height = 2, .width = 2, .stride = 2};
  for (const bool max : {true, false}) {
    INFO((max ? "max" : "average") << " pooling");
    const Tensor4 right = pool_with_strides(x, p, 2, 2, max);
    const auto check = [&](std::size_t Si, std::size_t Sj) {
      return compare("out", pool_with_strides(x, p, Si, Sj, max), right, exact, pool_forward_context(x, p, max));
    };
    REQUIRE_THAT(diagnosis_of(check(1, 2)), Contains("the row index ignores the stride"));
    REQUIRE_THAT(diagnosis_of(check(2, 1)), Contains("the column index ignores the stride"));
    REQUIRE_THAT(diagnosis_of(check(1, 1)), Contains("ignored in both indices"));
  }
  // look-alike: max pooling where average belongs is no stride mistake
  const auto avg_for_max = diagnosis_of(compare("out", pool_with_strides(x, p, 2, 2, false),
                                                pool_with_strides(x, p, 2, 2, true), exact, pool_forward_context(x, p, true)));
  REQUIRE_THAT(avg_for_max, !Contains("stride"));
}

TEST_CASE("the stride ignored in one index of a convolution's window is named with the index",
          "[diagnose][stride][conv]") {
  Rng rng(9);
  const Tensor4 x = randn<Tensor4>({2, 3, 7, 7}, rng), w = randn<Tensor4>({2, 3, 3, 3}, rng);
  const Tensor1 b = randn<Tensor1>({2}, rng);
  const ConvParam param{.stride = 2, .pad = 1};
  const Tensor4 right = conv_forward_naive(x, w, b, param).out;  // 2 x 2 x 4 x 4
  const Tensor4 y1 = conv_forward_naive(x, w, b, {.stride = 1, .pad = 1}).out;  // 2 x 2 x 7 x 7
  const Tensor4 rows_ignore = xt::view(y1, xt::all(), xt::all(), xt::range(0, 4), xt::range(0, 7, 2));
  const Tensor4 cols_ignore = xt::view(y1, xt::all(), xt::all(), xt::range(0, 7, 2), xt::range(0, 4));
  const auto context = conv_forward_context(x, w, b, param);
  REQUIRE_THAT(diagnosis_of(compare("out", rows_ignore, right, exact, context)), Contains("the row index ignores the stride"));
  REQUIRE_THAT(diagnosis_of(compare("out", cols_ignore, right, exact, context)), Contains("the column index ignores the stride"));
  const Tensor4 both = xt::view(y1, xt::all(), xt::all(), xt::range(0, 4), xt::range(0, 4));
  REQUIRE_THAT(diagnosis_of(compare("out", both, right, exact, context)), Contains("ignores the stride") &&
                                                                            !Contains("row index") && !Contains("column index"));
}

TEST_CASE("batch norm with the unbiased variance, or the momentum the wrong way round, is named; a factor 2 is not",
          "[diagnose][batchnorm]") {
  Rng rng(12);
  const std::size_t N = 4, D = 3;
  const Tensor2 x = randn<Tensor2>({N, D}, rng);
  const Tensor1 gamma = {1.5, 0.5, 2.0}, beta = {0.1, -0.2, 0.3};
  const BatchNormParam param{Mode::train, 1e-5, 0.9};
  BatchNormState state{Tensor1{0.3, -0.1, 0.2}, Tensor1{1.2, 0.8, 1.1}};
  const BatchNormState before = state;
  const Tensor2 out = batchnorm_forward(x, gamma, beta, param, state).out;
  const double m = param.momentum, n = static_cast<double>(N);
  const Tensor1 mean = xt::mean(x, {0}), var = xt::variance(x, {0});  // biased: divided by N
  const Tensor1 unbiased = var * n / (n - 1.0);
  const auto context = [&](const char* what) { return batchnorm_forward_context(what, x, gamma, beta, param, before); };

  Tensor2 out_unbiased = xt::zeros<double>({N, D});
  for (std::size_t i = 0; i < N; ++i)
    for (std::size_t d = 0; d < D; ++d)
      out_unbiased(i, d) = gamma(d) * (x(i, d) - mean(d)) / std::sqrt(unbiased(d) + param.eps) + beta(d);
  REQUIRE_THAT(diagnosis_of(compare("out", out_unbiased, out, exact, context("out"))),
               Contains("unbiased variance") && Contains("N - 1 = 3"));
  const auto doubled = diagnosis_of(compare("out", Tensor2(out * 2.0), out, exact, context("out")));
  REQUIRE_THAT(doubled, Contains("times 2") && !Contains("unbiased"));

  const Tensor1 swapped_mean = (1.0 - m) * before.running_mean + m * mean;
  REQUIRE_THAT(diagnosis_of(compare("running_mean", swapped_mean, state.running_mean, exact, context("running_mean"))),
               Contains("momentum the wrong way round"));
  const Tensor1 swapped_var = (1.0 - m) * before.running_var + m * var;
  REQUIRE_THAT(diagnosis_of(compare("running_var", swapped_var, state.running_var, exact, context("running_var"))),
               Contains("momentum the wrong way round") && !Contains("unbiased"));
  const Tensor1 unbiased_var = m * before.running_var + (1.0 - m) * unbiased;
  REQUIRE_THAT(diagnosis_of(compare("running_var", unbiased_var, state.running_var, exact, context("running_var"))),
               Contains("unbiased variance") && !Contains("wrong way round"));
  // look-alike: the running mean replaced by the batch mean (no average at all) is neither mistake
  const auto replaced = diagnosis_of(compare("running_mean", mean, state.running_mean, exact, context("running_mean")));
  REQUIRE_THAT(replaced, !Contains("wrong way round") && !Contains("unbiased"));
}

TEST_CASE("factors N/(N - 1) and m/(1 - m) are named where the context knows N and m, and only there",
          "[diagnose][factor]") {
  const Tensor2 e = {{1.0, 2.0}, {3.0, -1.0}, {0.5, 4.0}, {2.5, -2.0}};  // N = 4
  const FlatArray x4 = FlatArray::of(e);
  const auto n_factor = diagnosis_of(compare("var", Tensor2(e * (4.0 / 3.0)), e, exact, layer_context("", {}, x4)));
  REQUIRE_THAT(n_factor, Contains("N/(N - 1) = 4/3") && Contains("divided by N - 1"));
  DiagnosisContext with_m;
  with_m.momentum = 0.9;
  REQUIRE_THAT(diagnosis_of(compare("r", Tensor2(e * 9.0), e, exact, with_m)), Contains("m / (1 - m) = 9") &&
                                                                                  Contains("mixed up with 1 - m"));
  // look-alikes: the same factors without N or m in the context are only "a constant"
  REQUIRE_THAT(diagnosis_of(compare("var", Tensor2(e * (4.0 / 3.0)), e, exact)), !Contains("N - 1"));
  REQUIRE_THAT(diagnosis_of(compare("r", Tensor2(e * 9.0), e, exact)), Contains("times the constant 9") &&
                                                                          !Contains("momentum"));
}

TEST_CASE("an overflow in softmax says to subtract the row's max; an overflow elsewhere gets the general advice",
          "[diagnose][overflow]") {
  const Tensor2 x = {{1000.0, 0.0}, {2.0, 1.0}};
  const Labels y = testing::labels({1, 0});
  const double right = softmax_loss(x, y).loss;
  const double unshifted = softmax_loss_unshifted(x, y);
  REQUIRE_FALSE(std::isfinite(unshifted));
  const auto d = diagnosis_of(compare("loss", Tensor1{unshifted}, Tensor1{right}, exact, softmax_context(x)));
  REQUIRE_THAT(d, Contains("Subtract each row's maximum score before exp"));
  const auto general = diagnosis_of(compare("loss", Tensor1{unshifted}, Tensor1{right}, exact));
  REQUIRE_THAT(general, Contains("overflowed") && !Contains("maximum score"));
}
