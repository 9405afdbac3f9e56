// What a NaN or an infinity in the input does, layer by layer, for the reference solutions and the library
// (docs/checks.md has the table). No layer scans for non-finite values; IEEE arithmetic carries them, and the
// solver stops on a non-finite loss or gradient. These tests pin the cases that are not plain propagation: where
// a value vanishes (ReLU and the SVM used to turn NaN into 0; max pooling still skips a NaN that is not first
// in its window), where inf turns into NaN (inf * 0, inf - inf), and how far a NaN spreads (a whole batch-norm
// feature, the LRN window). They are here rather than in tests/test_<layer>.cpp because a student's correct
// exercise may legitimately differ.
#include <cmath>
#include <limits>

#include "layers/affine.hpp"
#include "layers/batchnorm.hpp"
#include "internals/batchnorm_fast.hpp"
#include "layers/concat.hpp"
#include "layers/conv.hpp"
#include "layers/dropout.hpp"
#include "layers/im2col.hpp"
#include "layers/lrn.hpp"
#include "layers/optim.hpp"
#include "layers/pool.hpp"
#include "layers/relu.hpp"
#include "layers/softmax.hpp"
#include "layers/svm.hpp"
#include "support/testing.hpp"

using namespace cnn;

namespace {
constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();
constexpr double inf_v = std::numeric_limits<double>::infinity();
}  // namespace

TEST_CASE("ReLU lets a NaN through, forward and backward, instead of turning it into 0", "[non_finite][relu]") {
  const Tensor x = {nan_v, inf_v, -inf_v, -1.0, 0.0, 2.0};
  const auto [out, cache] = relu_forward(x);
  REQUIRE(std::isnan(out(0)));
  REQUIRE(out(1) == inf_v);
  REQUIRE(out(2) == 0.0);
  REQUIRE(out(3) == 0.0);
  REQUIRE(out(4) == 0.0);
  REQUIRE(out(5) == 2.0);
  // The gradient passes where the forward pass let the input through: at a NaN too (as PyTorch's threshold).
  const auto [dx] = relu_backward(Tensor{3.0, 3.0, 3.0, 3.0, 3.0, 3.0}, cache);
  REQUIRE(dx == Tensor{3.0, 3.0, 0.0, 0.0, 0.0, 3.0});
  // A NaN in dout reaches dx where the unit was active, and is blocked where it was not.
  const auto [dx2] = relu_backward(Tensor{nan_v, nan_v, nan_v, nan_v, nan_v, nan_v}, cache);
  REQUIRE(std::isnan(dx2(5)));
  REQUIRE(dx2(3) == 0.0);
}

TEST_CASE("affine: a NaN spoils its example's outputs; inf times a zero weight is NaN", "[non_finite][affine]") {
  const Tensor x(Tensor2{{nan_v, 1.0}, {inf_v, 1.0}, {1.0, 2.0}});
  const Tensor2 w = {{1.0, 0.0}, {1.0, 1.0}};
  const Tensor1 b = {0.0, 0.0};
  for (const auto fwd : {&affine_forward, &affine_forward_blas}) {
    const Tensor2 out = fwd(x, w, b).out;
    REQUIRE(std::isnan(out(0, 0)));
    REQUIRE(std::isnan(out(0, 1)));   // NaN * 0 is NaN too
    REQUIRE(out(1, 0) == inf_v);      // inf * 1 + 1
    REQUIRE(std::isnan(out(1, 1)));   // inf * 0
    REQUIRE(out(2, 0) == 3.0);        // the other examples are untouched
    REQUIRE(out(2, 1) == 2.0);
  }
}

TEST_CASE("softmax: a NaN or +inf score gives a NaN loss; -inf is a probability of 0", "[non_finite][softmax]") {
  const Tensor2 with_nan = {{0.0, nan_v, 1.0}, {1.0, 2.0, 3.0}};
  const auto r = softmax_loss(with_nan, testing::labels({0, 2}));
  REQUIRE(std::isnan(r.loss));
  REQUIRE(std::isnan(r.dx(0, 0)));
  REQUIRE(std::isfinite(r.dx(1, 0)));  // the other row's gradient is still finite
  REQUIRE(std::isnan(softmax_loss(Tensor2{{inf_v, 0.0}}, testing::labels({0})).loss));  // inf - inf in the shift
  // -inf on a wrong class: p = 0 there; the rest is the softmax of (0, 0): loss log 2, dx (-1/2, 0, 1/2).
  const auto m = softmax_loss(Tensor2{{0.0, -inf_v, 0.0}}, testing::labels({0}));
  REQUIRE(m.loss == Approx(std::log(2.0)));
  REQUIRE(m.dx(0, 0) == Approx(-0.5));
  REQUIRE(m.dx(0, 1) == 0.0);
  REQUIRE(m.dx(0, 2) == Approx(0.5));
  // -inf on the true class: probability 0, loss +inf.
  REQUIRE(softmax_loss(Tensor2{{-inf_v, 0.0}}, testing::labels({0})).loss == inf_v);
}

TEST_CASE("svm: a NaN score reaches the loss instead of vanishing; inf margins are inf or 0",
          "[non_finite][svm]") {
  // NaN on the true class makes every margin NaN; `margin > 0` would have skipped them all (loss 0).
  REQUIRE(std::isnan(svm_loss(Tensor2{{0.0, nan_v, 0.0}}, testing::labels({1})).loss));
  REQUIRE(std::isnan(svm_loss(Tensor2{{0.0, 0.0, nan_v}}, testing::labels({0})).loss));
  // +inf on the true class: every margin is -inf, inactive: loss 0, gradient 0.
  const auto won = svm_loss(Tensor2{{inf_v, 0.0, 0.0}}, testing::labels({0}));
  REQUIRE(won.loss == 0.0);
  REQUIRE(won.dx == Tensor2{{0.0, 0.0, 0.0}});
  // +inf on a wrong class: an infinite margin.
  REQUIRE(svm_loss(Tensor2{{0.0, inf_v, 0.0}}, testing::labels({0})).loss == inf_v);
}

TEST_CASE("convolution: NaN spreads to every output whose window holds it; inf meets the zero padding as NaN",
          "[non_finite][conv]") {
  Tensor4 x = xt::ones<double>({1, 1, 3, 3});
  x(0, 0, 1, 1) = nan_v;
  const Tensor4 w = xt::ones<double>({1, 1, 2, 2});
  const Tensor1 b = {0.0};
  for (const auto fwd : {&conv_forward_naive, &conv_forward_im2col}) {
    const Tensor4 out = fwd(x, w, b, {1, 0}).out;  // 2x2 outputs, each window holds the centre
    for (double v : out) REQUIRE(std::isnan(v));
    // An infinite weight: where its tap lands on padding, inf * 0 = NaN; inside, inf.
    Tensor4 w_inf = xt::zeros<double>({1, 1, 3, 3});
    w_inf(0, 0, 0, 0) = inf_v;  // top-left tap
    const Tensor4 out2 = fwd(Tensor4(xt::ones<double>({1, 1, 3, 3})), w_inf, b, {1, 1}).out;
    REQUIRE(std::isnan(out2(0, 0, 0, 0)));  // the tap reads the padding
    REQUIRE(out2(0, 0, 1, 1) == inf_v);     // the tap reads x(0, 0) = 1
  }
  // im2col copies values as they are, NaN included.
  const Tensor2 cols = im2col(x, 3, 3, {1, 0});
  REQUIRE(std::isnan(cols(4, 0)));
}

TEST_CASE("max pooling keeps a NaN only when it is first in its window (naive and fast agree); average pooling "
          "always keeps it",
          "[non_finite][pool]") {
  // One 2x2 window; the NaN moves through its four positions (row-major).
  for (std::size_t k = 0; k < 4; ++k) {
    Tensor4 x = Tensor4{{{{1.0, 2.0}, {3.0, 4.0}}}};
    x(0, 0, k / 2, k % 2) = nan_v;
    INFO("NaN at window position " << k);
    const double naive = max_pool_forward_naive(x, {}).out(0, 0, 0, 0);
    const auto fast = max_pool_forward_fast(x, {});
    const double fast_v = fast.out(0, 0, 0, 0);
    if (k == 0) {
      REQUIRE(std::isnan(naive));
      REQUIRE(std::isnan(fast_v));
    } else {
      REQUIRE(naive == 4.0 - (k == 3 ? 1.0 : 0.0));  // the largest of the other three
      REQUIRE(fast_v == naive);
    }
    // The window-matrix path of the fast version (overlapping windows) decides the same way.
    REQUIRE(std::isnan(max_pool_forward_fast(x, {2, 2, 1}).out(0, 0, 0, 0)) == (k == 0));
    REQUIRE(std::isnan(avg_pool_forward_naive(x, {}).out(0, 0, 0, 0)));
    REQUIRE(std::isnan(avg_pool_forward_fast(x, {}).out(0, 0, 0, 0)));
    REQUIRE(std::isnan(global_avg_pool_forward(x).out(0, 0)));
  }
  // +inf wins a max window; -inf loses it; inf and -inf in one average window give NaN.
  const Tensor4 y = Tensor4{{{{inf_v, -inf_v}, {0.0, 1.0}}}};
  REQUIRE(max_pool_forward_naive(y, {}).out(0, 0, 0, 0) == inf_v);
  REQUIRE(max_pool_forward_fast(y, {}).out(0, 0, 0, 0) == inf_v);
  REQUIRE(std::isnan(avg_pool_forward_fast(y, {}).out(0, 0, 0, 0)));
  // Rows that no window covers (rounded away) never reach the output, NaN or not.
  Tensor4 z = xt::ones<double>({1, 1, 3, 2});
  z(0, 0, 2, 0) = nan_v;
  REQUIRE(max_pool_forward_naive(z, {}).out(0, 0, 0, 0) == 1.0);
  REQUIRE(avg_pool_forward_fast(z, {}).out(0, 0, 0, 0) == 1.0);
}

TEST_CASE("batch normalization: a NaN spoils its whole feature in train mode, and the running statistics; in test "
          "mode only its own entry",
          "[non_finite][batchnorm]") {
  Tensor2 x = {{1.0, 2.0}, {3.0, 5.0}, {0.0, 1.0}};
  x(1, 1) = nan_v;
  const Tensor1 g = xt::ones<double>({2}), z = xt::zeros<double>({2});
  BatchNormState s = batchnorm_state(2);
  const Tensor2 out = batchnorm_forward(x, g, z, {}, s).out;
  for (std::size_t n = 0; n < 3; ++n) {
    REQUIRE(std::isfinite(out(n, 0)));
    REQUIRE(std::isnan(out(n, 1)));
  }
  REQUIRE(std::isnan(s.running_mean(1)));  // and every later test-mode pass of this feature
  REQUIRE(std::isnan(s.running_var(1)));
  REQUIRE(std::isfinite(s.running_mean(0)));
  BatchNormState fresh = batchnorm_state(2);
  const Tensor2 test_out = batchnorm_forward(x, g, z, {Mode::test}, fresh).out;
  REQUIRE(std::isnan(test_out(1, 1)));
  REQUIRE(std::isfinite(test_out(0, 1)));
  // An infinity: x - mean is inf - inf for it and -inf for the rest, the variance inf: the feature is NaN or 0.
  x(1, 1) = inf_v;
  BatchNormState s2 = batchnorm_state(2);
  const Tensor2 out_inf = batchnorm_forward(x, g, z, {}, s2).out;
  REQUIRE(std::isnan(out_inf(1, 1)));
  REQUIRE_FALSE(std::isfinite(s2.running_var(1)));
  // The fast spatial version agrees: (N, C, 1, 1) is the same layer.
  Tensor4 x4 = Tensor4::from_shape({3, 2, 1, 1});
  std::copy(x.begin(), x.end(), x4.begin());
  x4(1, 1, 0, 0) = nan_v;
  BatchNormState s3 = batchnorm_state(2);
  const Tensor4 out4 = spatial_batchnorm_forward_fast(x4, g, z, {}, s3).out;
  REQUIRE(std::isnan(out4(0, 1, 0, 0)));
  REQUIRE(std::isfinite(out4(0, 0, 0, 0)));
  REQUIRE(std::isnan(s3.running_mean(1)));
}

TEST_CASE("dropout keeps a NaN even where it drops the unit (0 * NaN); test mode is the identity",
          "[non_finite][dropout]") {
  const Tensor x = {nan_v, nan_v, nan_v, nan_v, inf_v, inf_v, inf_v, inf_v};
  Rng rng(7);
  const auto [out, cache] = dropout_forward(x, {0.5, Mode::train}, rng);
  std::size_t dropped = 0;
  for (std::size_t i = 0; i < 8; ++i) {
    dropped += cache.mask(i) == 0.0;
    if (i < 4) REQUIRE(std::isnan(out(i)));
    else if (cache.mask(i) == 0.0) REQUIRE(std::isnan(out(i)));  // 0 * inf
    else REQUIRE(out(i) == inf_v);
  }
  REQUIRE(dropped > 0);  // the seed drops some units, so the 0 * NaN case is exercised
  Rng rng2(7);
  const Tensor same = dropout_forward(x, {0.5, Mode::test}, rng2).out;
  REQUIRE(std::isnan(same(0)));
  REQUIRE(same(4) == inf_v);
}

TEST_CASE("LRN: a NaN spreads to the channels whose window holds it; an inf becomes NaN and zeroes its neighbours",
          "[non_finite][lrn]") {
  Tensor4 x = xt::ones<double>({1, 7, 1, 2});
  x(0, 3, 0, 0) = nan_v;
  x(0, 3, 0, 1) = inf_v;
  const Tensor4 out = lrn_forward(x, {.size = 3}).out;  // r = 1: channels 2, 3, 4 see channel 3
  for (std::size_t c = 0; c < 7; ++c) {
    INFO("channel " << c);
    const bool near = c >= 2 && c <= 4;
    REQUIRE(std::isnan(out(0, c, 0, 0)) == near);
    if (c == 3) REQUIRE(std::isnan(out(0, c, 0, 1)));        // inf * inf^-beta = inf * 0
    else if (near) REQUIRE(out(0, c, 0, 1) == 0.0);          // 1 * inf^-beta
    else REQUIRE(std::isfinite(out(0, c, 0, 1)));
  }
}

TEST_CASE("concatenation copies NaN and inf as they are", "[non_finite][concat]") {
  const Tensor4 a = Tensor4{{{{nan_v}}}}, b = Tensor4{{{{inf_v}}}};
  const Tensor4 y = concat_channels({a, b});
  REQUIRE(std::isnan(y(0, 0, 0, 0)));
  REQUIRE(y(0, 1, 0, 0) == inf_v);
  REQUIRE(std::isnan(split_channels(y, {1, 1})[0](0, 0, 0, 0)));
}

TEST_CASE("update rules: a NaN gradient spoils its own weight; Adam's moments keep it; an inf gradient gives NaN in "
          "Adam",
          "[non_finite][optim]") {
  std::vector<double> w = {1.0, 1.0};
  sgd(w, std::vector<double>{nan_v, 1.0}, SgdConfig{0.1, 0.0});
  REQUIRE(std::isnan(w[0]));
  REQUIRE(w[1] == Approx(0.9));
  std::vector<double> v = {1.0, 1.0};
  sgd(v, std::vector<double>{inf_v, 1.0}, SgdConfig{0.1, 0.0});
  REQUIRE(v[0] == -inf_v);
  std::vector<double> a = {1.0, 1.0};
  AdamConfig c;
  adam(a, std::vector<double>{inf_v, 1.0}, c);  // m / sqrt(v) = inf / inf
  REQUIRE(std::isnan(a[0]));
  REQUIRE(std::isfinite(a[1]));
  REQUIRE(c.m[0] == inf_v);  // m = inf, v = inf: the moments keep it, and every later step is NaN
  adam(a, std::vector<double>{1.0, 1.0}, c);
  REQUIRE(std::isnan(a[0]));
}
