// Tests of batch normalization and spatial batch normalization (src/layers/batchnorm.hpp): known answers from
// PyTorch and by hand, gradient checks of x, gamma and beta for both backward passes, the statistics of the
// output in train and test mode, and bad input.
#include "layers/batchnorm.hpp"

#include <cmath>
#include <limits>
#include <utility>

#include <xtensor/xview.hpp>

#include "core/errors.hpp"
#include "reference/norm_torch.hpp"
#include "support/testing.hpp"

using namespace cnn;
using Catch::Matchers::Message;
using testing::Near;
using testing::from_values;

namespace {

// Mean and biased standard deviation of column d of an (N, D) tensor.
double column_mean(const Tensor2& t, std::size_t d) {
  double s = 0.0;
  for (std::size_t n = 0; n < t.shape(0); ++n) s += t(n, d);
  return s / static_cast<double>(t.shape(0));
}

double column_std(const Tensor2& t, std::size_t d) {
  const double mu = column_mean(t, d);
  double s = 0.0;
  for (std::size_t n = 0; n < t.shape(0); ++n) s += (t(n, d) - mu) * (t(n, d) - mu);
  return std::sqrt(s / static_cast<double>(t.shape(0)));
}

// An (N, D) minibatch whose column d is normal with mean mu[d] and standard deviation sigma[d].
Tensor2 gaussian_batch(std::size_t N, const Tensor1& mu, const Tensor1& sigma, Rng& rng) {
  Tensor2 x = randn<Tensor2>({N, mu.size()}, rng);
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t d = 0; d < mu.size(); ++d) x(n, d) = mu(d) + sigma(d) * x(n, d);
  return x;
}

// The PyTorch example of tests/reference/norm_torch.py: x (4, 5), gamma, beta, running statistics.
struct TorchExample {
  Tensor2 x = from_values<Tensor2>(ref::bn_x, {4, 5});
  Tensor1 gamma = from_values<Tensor1>(ref::bn_gamma, {5});
  Tensor1 beta = from_values<Tensor1>(ref::bn_beta, {5});
  Tensor2 dout = from_values<Tensor2>(ref::bn_dout, {4, 5});
  BatchNormState state{from_values<Tensor1>(ref::bn_running_mean0, {5}), from_values<Tensor1>(ref::bn_running_var0, {5})};
  BatchNormParam param{Mode::train, ref::bn_eps, ref::bn_momentum};
};

}  // namespace

// --- known answers ----------------------------------------------------------------------------------------

TEST_CASE("batchnorm_forward and both backward passes match PyTorch in train mode", "[batchnorm][known][fn:batchnorm_forward][fn:batchnorm_backward][fn:batchnorm_backward_alt]") {
  TorchExample ex;
  const BatchNormState before = ex.state;
  const auto [out, cache] = batchnorm_forward(ex.x, ex.gamma, ex.beta, ex.param, ex.state);
  REQUIRE_CLOSE(compare("out", out, from_values<Tensor2>(ref::bn_out, {4, 5}), {1e-10, 1e-12},
                        batchnorm_forward_context("out", ex.x, ex.gamma, ex.beta, ex.param, before)));
  for (const bool alt : {false, true}) {
    INFO((alt ? "batchnorm_backward_alt" : "batchnorm_backward"));
    const auto [dx, dgamma, dbeta] = alt ? batchnorm_backward_alt(ex.dout, cache) : batchnorm_backward(ex.dout, cache);
    REQUIRE_CLOSE(compare("dx", dx, from_values<Tensor2>(ref::bn_dx, {4, 5}), {1e-10, 1e-12},
                          batchnorm_backward_context(ex.dout, cache)));
    REQUIRE_CLOSE(compare("dgamma", dgamma, from_values<Tensor1>(ref::bn_dgamma, {5})));
    REQUIRE_CLOSE(compare("dbeta", dbeta, from_values<Tensor1>(ref::bn_dbeta, {5})));
  }
}

TEST_CASE("batchnorm_forward updates the running statistics like PyTorch, up to its unbiased variance",
          "[batchnorm][known][fn:batchnorm_forward]") {
  // PyTorch got momentum 1 - 0.75 = 0.25 (its convention) and gives the same running mean. Its running variance
  // took the unbiased batch variance v N / (N - 1): r_torch = m r0 + (1 - m) v N / (N - 1). cnnlab takes the
  // biased v, so expect r = m r0 + (r_torch - m r0) (N - 1) / N.
  TorchExample ex;
  const BatchNormState before = ex.state;
  const Tensor1 r0 = ex.state.running_var;
  batchnorm_forward(ex.x, ex.gamma, ex.beta, ex.param, ex.state);
  const auto context = [&](const char* what) {
    return batchnorm_forward_context(what, ex.x, ex.gamma, ex.beta, ex.param, before);
  };
  REQUIRE_CLOSE(compare("running_mean", ex.state.running_mean, from_values<Tensor1>(ref::bn_torch_running_mean, {5}),
                        {1e-10, 1e-12}, context("running_mean")));
  const double m = ref::bn_momentum, N = 4.0;
  const Tensor1 torch_var = from_values<Tensor1>(ref::bn_torch_running_var, {5});
  const Tensor1 expected = m * r0 + (torch_var - m * r0) * (N - 1.0) / N;
  REQUIRE_CLOSE(compare("running_var", ex.state.running_var, expected, {1e-10, 1e-12}, context("running_var")));
}

TEST_CASE("batchnorm_forward in test mode matches PyTorch and leaves the running statistics alone",
          "[batchnorm][known][fn:batchnorm_forward]") {
  TorchExample ex;
  ex.param.mode = Mode::test;
  const BatchNormState before = ex.state;
  const auto [out, cache] = batchnorm_forward(ex.x, ex.gamma, ex.beta, ex.param, ex.state);
  REQUIRE_CLOSE(compare("out", out, from_values<Tensor2>(ref::bn_test_out, {4, 5})));
  REQUIRE_CLOSE(compare("running_mean", ex.state.running_mean, before.running_mean, {0.0, 0.0}));
  REQUIRE_CLOSE(compare("running_var", ex.state.running_var, before.running_var, {0.0, 0.0}));
}

TEST_CASE("batchnorm_forward by hand: two examples, two features, and one momentum step", "[batchnorm][known][fn:batchnorm_forward]") {
  // Column 0 = [1, 3]: mean 2, biased variance 1, so xhat = -+1 / sqrt(1 + eps); y = 2 xhat + 0.5.
  // Column 1 = [10, 30]: mean 20, variance 100, xhat = -+10 / sqrt(100 + eps); y = xhat.
  // Running statistics from (0, 0) and (1, 1) with m = 0.9: mean 0.1 * (2, 20) = (0.2, 2);
  // var 0.9 * 1 + 0.1 * (1, 100) = (1, 10.9).
  const Tensor2 x = {{1.0, 10.0}, {3.0, 30.0}};
  const Tensor1 gamma = {2.0, 1.0}, beta = {0.5, 0.0};
  BatchNormState state = batchnorm_state(2);
  const BatchNormState before = state;
  const double eps = 1e-5;
  const BatchNormParam param{Mode::train, eps, 0.9};
  const auto [out, cache] = batchnorm_forward(x, gamma, beta, param, state);
  const auto context = [&](const char* what) { return batchnorm_forward_context(what, x, gamma, beta, param, before); };
  const double a = 1.0 / std::sqrt(1.0 + eps), b = 10.0 / std::sqrt(100.0 + eps);
  const Tolerance tol{1e-10, 1e-12};
  REQUIRE_CLOSE(compare("out", out, Tensor2{{-2.0 * a + 0.5, -b}, {2.0 * a + 0.5, b}}, tol, context("out")));
  REQUIRE_CLOSE(compare("running_mean", state.running_mean, Tensor1{0.2, 2.0}, tol, context("running_mean")));
  REQUIRE_CLOSE(compare("running_var", state.running_var, Tensor1{1.0, 10.9}, tol, context("running_var")));
}

// --- gradient checks --------------------------------------------------------------------------------------

TEST_CASE("batchnorm_backward (the graph) matches numerical gradients for x, gamma and beta",
          "[batchnorm][gradcheck][fn:batchnorm_backward]") {
  Rng rng(1);
  Tensor2 x = gaussian_batch(6, Tensor1{0.5, -1.0, 2.0, 0.0}, Tensor1{1.0, 3.0, 0.5, 2.0}, rng);
  Tensor1 gamma = randn<Tensor1>({4}, rng, 0.5) + 1.0;
  Tensor1 beta = randn<Tensor1>({4}, rng);
  const Tensor2 dout = randn<Tensor2>({6, 4}, rng);
  BatchNormState state = batchnorm_state(4);
  const BatchNormParam param{};
  const auto [out, cache] = batchnorm_forward(x, gamma, beta, param, state);
  const BatchNormState after_one_pass = state;
  const auto [dx, dgamma, dbeta] = batchnorm_backward(dout, cache);
  // Each re-run of the forward pass updates a copy of the running statistics: the caller's stay frozen.
  auto y = [&] {
    BatchNormState scratch = state;
    return batchnorm_forward(x, gamma, beta, param, scratch).out;
  };
  REQUIRE_GRADIENT_OK(check_gradient("dx of batchnorm_backward", y, x, dout, dx,
                                     {.context = batchnorm_backward_context(dout, cache)}));
  REQUIRE_GRADIENT_OK(check_gradient("dgamma of batchnorm_backward", y, gamma, dout, dgamma));
  REQUIRE_GRADIENT_OK(check_gradient("dbeta of batchnorm_backward", y, beta, dout, dbeta));
  REQUIRE_CLOSE(compare("running_mean", state.running_mean, after_one_pass.running_mean, {0.0, 0.0}));
  REQUIRE_CLOSE(compare("running_var", state.running_var, after_one_pass.running_var, {0.0, 0.0}));
}

TEST_CASE("batchnorm_backward_alt (closed form) matches numerical gradients for x, gamma and beta",
          "[batchnorm][gradcheck][fn:batchnorm_backward_alt]") {
  Rng rng(2);
  Tensor2 x = gaussian_batch(5, Tensor1{-0.5, 4.0, 1.0}, Tensor1{2.0, 0.3, 1.0}, rng);
  Tensor1 gamma = randn<Tensor1>({3}, rng, 0.5) + 1.0;
  Tensor1 beta = randn<Tensor1>({3}, rng);
  const Tensor2 dout = randn<Tensor2>({5, 3}, rng);
  const BatchNormState state = batchnorm_state(3);
  const BatchNormParam param{Mode::train, 1e-5, 0.9};
  BatchNormState scratch = state;
  const auto [out, cache] = batchnorm_forward(x, gamma, beta, param, scratch);
  const auto [dx, dgamma, dbeta] = batchnorm_backward_alt(dout, cache);
  auto y = [&] {
    BatchNormState frozen = state;
    return batchnorm_forward(x, gamma, beta, param, frozen).out;
  };
  REQUIRE_GRADIENT_OK(check_gradient("dx of batchnorm_backward_alt", y, x, dout, dx,
                                     {.context = batchnorm_backward_context(dout, cache)}));
  REQUIRE_GRADIENT_OK(check_gradient("dgamma of batchnorm_backward_alt", y, gamma, dout, dgamma));
  REQUIRE_GRADIENT_OK(check_gradient("dbeta of batchnorm_backward_alt", y, beta, dout, dbeta));
}

TEST_CASE("batchnorm_backward and batchnorm_backward_alt agree on a larger minibatch", "[batchnorm][alt][fn:batchnorm_forward][fn:batchnorm_backward][fn:batchnorm_backward_alt]") {
  Rng rng(3);
  const Tensor2 x = randn<Tensor2>({64, 10}, rng, 3.0) + 1.0;
  const Tensor1 gamma = randn<Tensor1>({10}, rng);
  const Tensor1 beta = randn<Tensor1>({10}, rng);
  const Tensor2 dout = randn<Tensor2>({64, 10}, rng);
  BatchNormState state = batchnorm_state(10);
  const auto [out, cache] = batchnorm_forward(x, gamma, beta, {}, state);
  const BatchNormGrads graph = batchnorm_backward(dout, cache);
  const BatchNormGrads alt = batchnorm_backward_alt(dout, cache);
  // Two orders of the same sums: equal to rounding. Absolute tolerance because dx entries can be near 0.
  REQUIRE_CLOSE(compare("dx: alt vs graph", alt.dx, graph.dx, {1e-10, 1e-12}));
  REQUIRE_CLOSE(compare("dgamma: alt vs graph", alt.dgamma, graph.dgamma));
  REQUIRE_CLOSE(compare("dbeta: alt vs graph", alt.dbeta, graph.dbeta));
}

TEST_CASE("an all-ones dout lets a batchnorm backward that forgets the variance path pass, and a random dout does not",
          "[batchnorm][gradcheck][fn:batchnorm_backward]") {
  // A common bug: treat the variance as a constant, keeping only the paths through xhat = c / s and the mean:
  //   dx = gamma / s * (dout - mean over n of dout).
  // With dout = 1 the missing term, -gamma / (N s) * xhat * sum(dout * xhat), is a multiple of sum(xhat) = 0, and
  // so is the true dx: the wrong backward pass is exactly right. Only a random dout exposes it.
  const auto forgets_variance = [](const Tensor2& dout, const BatchNormCache& cache) {
    const std::size_t N = dout.shape(0), D = dout.shape(1);
    Tensor2 dx = xt::zeros<double>({N, D});
    for (std::size_t d = 0; d < D; ++d) {
      double mean_dout = 0.0;
      for (std::size_t n = 0; n < N; ++n) mean_dout += dout(n, d) / static_cast<double>(N);
      for (std::size_t n = 0; n < N; ++n)
        dx(n, d) = cache.gamma(d) / std::sqrt(cache.var(d) + cache.eps) * (dout(n, d) - mean_dout);
    }
    return dx;
  };
  Rng rng(4);
  Tensor2 x = gaussian_batch(8, Tensor1{1.0, -2.0, 0.0}, Tensor1{2.0, 1.0, 0.5}, rng);
  const Tensor1 gamma = {1.5, 0.7, -1.2}, beta = {0.1, -0.2, 0.3};
  const BatchNormState state = batchnorm_state(3);
  BatchNormState scratch = state;
  const BatchNormCache cache = batchnorm_forward(x, gamma, beta, {}, scratch).cache;
  auto y = [&] {
    BatchNormState frozen = state;
    return batchnorm_forward(x, gamma, beta, {}, frozen).out;
  };

  // With dout = 1 the true gradient is 0 and the numerical one is rounding noise of the loss (about 1e-16 * |L| / h,
  // here up to 5e-11): allow 1e-8 absolute error in all four checks. The wrong dx is off by O(1) with a random dout.
  GradCheckOptions options;
  options.tol.abs = 1e-8;
  const Tensor2 ones = xt::ones<double>({8, 3});
  const GradCheck with_ones =
      check_gradient("dx, wrong backward, dout = 1", y, x, ones, forgets_variance(ones, cache), options);
  INFO(with_ones.report());
  CHECK(with_ones.passed());  // the bug hides

  const Tensor2 dout = randn<Tensor2>({8, 3}, rng);
  const GradCheck with_random =
      check_gradient("dx, wrong backward, random dout", y, x, dout, forgets_variance(dout, cache), options);
  INFO(with_random.report());
  CHECK_FALSE(with_random.passed());  // the bug shows

  // ...while the real backward pass passes both.
  REQUIRE_GRADIENT_OK(check_gradient("dx, dout = 1", y, x, ones, batchnorm_backward(ones, cache).dx, options));
  REQUIRE_GRADIENT_OK(check_gradient("dx, random dout", y, x, dout, batchnorm_backward(dout, cache).dx, options));
}

// --- statistics of the output ---------------------------------------------------------------------------

TEST_CASE("batchnorm_forward in train mode gives every feature mean 0 and std 1, then applies gamma and beta",
          "[batchnorm][statistics][fn:batchnorm_forward]") {
  Rng rng(5);
  const Tensor1 mu = {5.0, -3.0, 0.0, 12.0}, sigma = {2.0, 0.5, 10.0, 4.0};
  const Tensor2 x = gaussian_batch(200, mu, sigma, rng);
  BatchNormState state = batchnorm_state(4);

  // gamma = 1, beta = 0: xhat itself. Its standard deviation is sigma_B / sqrt(sigma_B^2 + eps), where sigma_B is
  // the batch's own (biased) standard deviation: 1 up to eps / (2 sigma_B^2), which is 2e-5 for sigma = 0.5.
  const double eps = 1e-5;
  const Tensor1 one = xt::ones<double>({4}), zero = xt::zeros<double>({4});
  const Tensor2 xhat = batchnorm_forward(x, one, zero, {Mode::train, eps, 0.9}, state).out;
  Tensor1 unit_std = xt::zeros<double>({4});
  for (std::size_t d = 0; d < 4; ++d) {
    INFO("feature " << d);
    const double sigma_b = column_std(x, d);
    unit_std(d) = sigma_b / std::sqrt(sigma_b * sigma_b + eps);
    CHECK_THAT(column_mean(xhat, d), Near(0.0, 1e-12));
    CHECK_THAT(column_std(xhat, d), Near(unit_std(d), 1e-12));
    CHECK_THAT(unit_std(d), Near(1.0, 1e-4));
  }

  const Tensor1 gamma = {2.0, 0.5, -1.0, 3.0}, beta = {1.0, -2.0, 0.0, 0.25};
  const Tensor2 y = batchnorm_forward(x, gamma, beta, {Mode::train, eps, 0.9}, state).out;
  for (std::size_t d = 0; d < 4; ++d) {
    INFO("feature " << d);
    CHECK_THAT(column_mean(y, d), Near(beta(d), 1e-12));
    CHECK_THAT(column_std(y, d), Near(std::abs(gamma(d)) * unit_std(d), 1e-12));
  }
}

TEST_CASE("after many train-mode passes the running statistics reach the data's, and test mode uses them",
          "[batchnorm][statistics][fn:batchnorm_forward]") {
  // Batches of N = 100 drawn from fixed normal distributions; momentum 0.99, 2000 passes (0.99^2000 ~ 2e-9 of
  // the initial values remains). In the stationary regime the running mean fluctuates with standard deviation
  // sqrt((1 - m) / (1 + m)) sigma / sqrt(N) ~ 0.0071 sigma and the running variance (of normal data) with
  // sqrt((1 - m) / (1 + m)) sqrt(2 / N) sigma^2 ~ 0.010 sigma^2; the tolerances are five of those. The running
  // variance averages biased batch variances, whose expectation is (N - 1) / N sigma^2.
  const std::size_t N = 100;
  const Tensor1 mu = {1.0, -2.0, 0.5}, sigma = {0.5, 2.0, 1.0};
  const Tensor1 one = xt::ones<double>({3}), zero = xt::zeros<double>({3});
  const BatchNormParam train{Mode::train, 1e-5, 0.99};
  Rng rng(6);
  BatchNormState state = batchnorm_state(3);
  for (int pass = 0; pass < 2000; ++pass) batchnorm_forward(gaussian_batch(N, mu, sigma, rng), one, zero, train, state);
  for (std::size_t d = 0; d < 3; ++d) {
    INFO("feature " << d);
    CHECK_THAT(state.running_mean(d), Near(mu(d), 5 * 0.0071 * sigma(d)));
    CHECK_THAT(state.running_var(d), Near((N - 1.0) / N * sigma(d) * sigma(d), 5 * 0.010 * sigma(d) * sigma(d)));
  }

  // Test mode on a fresh, large batch: normalized by the running statistics, so close to mean 0 and std 1
  // (within the running statistics' error plus the new batch's own: a few hundredths).
  const BatchNormParam test{Mode::test, 1e-5, 0.99};
  const BatchNormState before = state;
  const Tensor2 x = gaussian_batch(10000, mu, sigma, rng);
  const Tensor2 y = batchnorm_forward(x, one, zero, test, state).out;
  for (std::size_t d = 0; d < 3; ++d) {
    INFO("feature " << d);
    CHECK_THAT(column_mean(y, d), Near(0.0, 0.05));
    CHECK_THAT(column_std(y, d), Near(1.0, 0.05));
    CHECK_THAT(y(0, d), Near((x(0, d) - before.running_mean(d)) / std::sqrt(before.running_var(d) + 1e-5), 1e-12));
  }
  REQUIRE_CLOSE(compare("running_mean", state.running_mean, before.running_mean, {0.0, 0.0}));
  REQUIRE_CLOSE(compare("running_var", state.running_var, before.running_var, {0.0, 0.0}));

  // In test mode an example's output does not depend on the rest of its batch; in train mode it does.
  const Tensor2 first = xt::view(x, xt::range(0, 2), xt::all());
  const Tensor2 y_first = batchnorm_forward(first, one, zero, test, state).out;
  REQUIRE_CLOSE(compare("test mode, 2 examples vs 10000", y_first, Tensor2(xt::view(y, xt::range(0, 2), xt::all()))));
  BatchNormState scratch = state;
  const Tensor2 y_first_train = batchnorm_forward(first, one, zero, train, scratch).out;
  REQUIRE_FALSE(compare("train mode", y_first_train, Tensor2(xt::view(y, xt::range(0, 2), xt::all()))).passed());
}

// --- spatial batch normalization --------------------------------------------------------------------------

TEST_CASE("spatial_batchnorm_forward and spatial_batchnorm_backward match PyTorch", "[batchnorm][spatial][known][fn:spatial_batchnorm_forward][fn:spatial_batchnorm_backward]") {
  const Tensor4 x = from_values<Tensor4>(ref::sbn_x, {2, 3, 2, 3});
  const Tensor1 gamma = from_values<Tensor1>(ref::sbn_gamma, {3});
  const Tensor1 beta = from_values<Tensor1>(ref::sbn_beta, {3});
  const Tensor4 dout = from_values<Tensor4>(ref::sbn_dout, {2, 3, 2, 3});
  BatchNormState state = batchnorm_state(3);
  const auto [out, cache] = spatial_batchnorm_forward(x, gamma, beta, {Mode::train, ref::bn_eps, ref::bn_momentum}, state);
  REQUIRE_CLOSE(compare("out", out, from_values<Tensor4>(ref::sbn_out, {2, 3, 2, 3})));
  const auto [dx, dgamma, dbeta] = spatial_batchnorm_backward(dout, cache);
  REQUIRE_CLOSE(compare("dx", dx, from_values<Tensor4>(ref::sbn_dx, {2, 3, 2, 3})));
  REQUIRE_CLOSE(compare("dgamma", dgamma, from_values<Tensor1>(ref::sbn_dgamma, {3})));
  REQUIRE_CLOSE(compare("dbeta", dbeta, from_values<Tensor1>(ref::sbn_dbeta, {3})));
  // Running statistics, per channel; PyTorch's running variance is unbiased over the N*H*W = 12 values (see above).
  REQUIRE_CLOSE(compare("running_mean", state.running_mean, from_values<Tensor1>(ref::sbn_torch_running_mean, {3})));
  const double m = ref::bn_momentum, M = 12.0;
  const Tensor1 torch_var = from_values<Tensor1>(ref::sbn_torch_running_var, {3});
  const Tensor1 expected = m * 1.0 + (torch_var - m * 1.0) * (M - 1.0) / M;
  REQUIRE_CLOSE(compare("running_var", state.running_var, expected));
}

TEST_CASE("spatial_batchnorm_forward in train mode gives every channel mean 0 and std 1 over N, H and W",
          "[batchnorm][spatial][statistics][fn:spatial_batchnorm_forward]") {
  Rng rng(7);
  Tensor4 x = randn<Tensor4>({4, 3, 5, 5}, rng);
  const double shift[] = {4.0, -1.0, 0.0}, scale[] = {3.0, 0.2, 7.0};
  for (std::size_t n = 0; n < 4; ++n)
    for (std::size_t c = 0; c < 3; ++c)
      for (std::size_t i = 0; i < 5; ++i)
        for (std::size_t j = 0; j < 5; ++j) x(n, c, i, j) = shift[c] + scale[c] * x(n, c, i, j);
  BatchNormState state = batchnorm_state(3);
  const Tensor1 gamma = {2.0, 1.0, 0.5}, beta = {-1.0, 0.0, 3.0};
  const double eps = 1e-5;
  const Tensor4 y = spatial_batchnorm_forward(x, gamma, beta, {Mode::train, eps, 0.9}, state).out;
  // Mean and biased standard deviation of channel c of t over its N*H*W = 100 values, after (t - shift) / scale.
  const auto channel_stats = [](const Tensor4& t, std::size_t c, double shift, double scale) {
    double sum = 0.0, sq = 0.0;
    for (std::size_t n = 0; n < 4; ++n)
      for (std::size_t i = 0; i < 5; ++i)
        for (std::size_t j = 0; j < 5; ++j) sum += (t(n, c, i, j) - shift) / scale;
    const double mean = sum / 100.0;
    for (std::size_t n = 0; n < 4; ++n)
      for (std::size_t i = 0; i < 5; ++i)
        for (std::size_t j = 0; j < 5; ++j) sq += std::pow((t(n, c, i, j) - shift) / scale - mean, 2);
    return std::pair{mean, std::sqrt(sq / 100.0)};
  };
  for (std::size_t c = 0; c < 3; ++c) {
    INFO("channel " << c);
    const auto [mean, std_dev] = channel_stats(y, c, beta(c), gamma(c));  // undo gamma and beta
    const double sigma_b = channel_stats(x, c, 0.0, 1.0).second;
    CHECK_THAT(mean, Near(0.0, 1e-12));
    CHECK_THAT(std_dev, Near(sigma_b / std::sqrt(sigma_b * sigma_b + eps), 1e-12));  // 1 up to eps / (2 sigma_b^2)
    CHECK_THAT(std_dev, Near(1.0, 2e-4));
  }
}

TEST_CASE("spatial_batchnorm with H = W = 1 is batchnorm on (N, C)", "[batchnorm][spatial][fn:batchnorm_forward][fn:spatial_batchnorm_forward]") {
  Rng rng(8);
  const Tensor4 x = randn<Tensor4>({6, 4, 1, 1}, rng);
  const Tensor1 gamma = randn<Tensor1>({4}, rng), beta = randn<Tensor1>({4}, rng);
  BatchNormState s4 = batchnorm_state(4), s2 = batchnorm_state(4);
  const Tensor4 y4 = spatial_batchnorm_forward(x, gamma, beta, {}, s4).out;
  const Tensor2 x2 = xt::reshape_view(x, {6, 4});
  const Tensor2 y2 = batchnorm_forward(x2, gamma, beta, {}, s2).out;
  REQUIRE_CLOSE(compare("out", Tensor2(xt::reshape_view(y4, {6, 4})), y2));
}

TEST_CASE("spatial_batchnorm_backward matches numerical gradients for x, gamma and beta",
          "[batchnorm][spatial][gradcheck][fn:spatial_batchnorm_backward]") {
  Rng rng(9);
  Tensor4 x = randn<Tensor4>({2, 3, 3, 4}, rng, 2.0) + 0.5;
  Tensor1 gamma = randn<Tensor1>({3}, rng, 0.5) + 1.0;
  Tensor1 beta = randn<Tensor1>({3}, rng);
  const Tensor4 dout = randn<Tensor4>({2, 3, 3, 4}, rng);
  const BatchNormState state = batchnorm_state(3);
  BatchNormState scratch = state;
  const auto [out, cache] = spatial_batchnorm_forward(x, gamma, beta, {}, scratch);
  const auto [dx, dgamma, dbeta] = spatial_batchnorm_backward(dout, cache);
  auto y = [&] {
    BatchNormState frozen = state;
    return spatial_batchnorm_forward(x, gamma, beta, {}, frozen).out;
  };
  REQUIRE_GRADIENT_OK(check_gradient("dx of spatial_batchnorm_backward", y, x, dout, dx));
  REQUIRE_GRADIENT_OK(check_gradient("dgamma of spatial_batchnorm_backward", y, gamma, dout, dgamma));
  REQUIRE_GRADIENT_OK(check_gradient("dbeta of spatial_batchnorm_backward", y, beta, dout, dbeta));
}

// --- bad input ------------------------------------------------------------------------------------------------

TEST_CASE("batchnorm_forward refuses mismatched gamma, beta and running statistics", "[batchnorm][errors][fn:batchnorm_forward]") {
  const Tensor2 x = xt::ones<double>({4, 5});
  const Tensor1 g5 = xt::ones<double>({5}), g4 = xt::ones<double>({4});
  BatchNormState state = batchnorm_state(5);
  REQUIRE_THROWS_MATCHES(batchnorm_forward(x, g4, g5, {}, state), shape_error,
                         Message("batchnorm_forward: x has D = 5 features but gamma has 4 entries"));
  REQUIRE_THROWS_MATCHES(batchnorm_forward(x, g5, g4, {}, state), shape_error,
                         Message("batchnorm_forward: x has D = 5 features but beta has 4 entries"));
  BatchNormState small = batchnorm_state(4);
  REQUIRE_THROWS_MATCHES(batchnorm_forward(x, g5, g5, {}, small), shape_error,
                         Message("batchnorm_forward: x has D = 5 features but state.running_mean has 4 entries"));
  BatchNormState empty;
  REQUIRE_THROWS_AS(batchnorm_forward(x, g5, g5, {}, empty), shape_error);
}

TEST_CASE("batchnorm_forward refuses eps <= 0, a momentum outside 0..1 and a negative running variance",
          "[batchnorm][errors][fn:batchnorm_forward]") {
  const Tensor2 x = {{1.0, 2.0}, {3.0, 5.0}};
  const Tensor1 g = xt::ones<double>({2});
  BatchNormState state = batchnorm_state(2);
  REQUIRE_THROWS_MATCHES(batchnorm_forward(x, g, g, {Mode::train, 0.0, 0.9}, state), value_error,
                         Message("batchnorm_forward: eps must be > 0, got 0"));
  REQUIRE_THROWS_MATCHES(batchnorm_forward(x, g, g, {Mode::test, -1e-5, 0.9}, state), value_error,
                         Message("batchnorm_forward: eps must be > 0, got -1e-05"));
  REQUIRE_THROWS_AS(batchnorm_forward(x, g, g, {Mode::train, std::numeric_limits<double>::quiet_NaN(), 0.9}, state),
                    value_error);
  REQUIRE_THROWS_MATCHES(batchnorm_forward(x, g, g, {Mode::train, 1e-5, 1.5}, state), value_error,
                         Message("batchnorm_forward: momentum must be in [0, 1], got 1.5"));
  REQUIRE_THROWS_AS(batchnorm_forward(x, g, g, {Mode::train, 1e-5, -0.1}, state), value_error);
  state.running_var(1) = -0.5;
  REQUIRE_THROWS_MATCHES(batchnorm_forward(x, g, g, {Mode::test, 1e-5, 0.9}, state), value_error,
                         Message("batchnorm_forward: state.running_var[1] = -0.5 is not a variance: expected >= 0"));
}

TEST_CASE("batchnorm_forward refuses one example in train mode and an empty minibatch", "[batchnorm][errors][fn:batchnorm_forward]") {
  const Tensor1 g = xt::ones<double>({3});
  BatchNormState state = batchnorm_state(3);
  const Tensor2 one = xt::ones<double>({1, 3});
  REQUIRE_THROWS_MATCHES(
      batchnorm_forward(one, g, g, {}, state), shape_error,
      Message("batchnorm_forward: train mode needs N >= 2 values per feature to measure a variance, got N = 1"));
  REQUIRE_NOTHROW(batchnorm_forward(one, g, g, {Mode::test, 1e-5, 0.9}, state));
  const Tensor2 none = xt::ones<double>({0, 3});
  REQUIRE_THROWS_MATCHES(batchnorm_forward(none, g, g, {Mode::test, 1e-5, 0.9}, state), shape_error,
                         Message("batchnorm_forward: x is empty: N = 0"));
}

TEST_CASE("both batchnorm backward passes refuse a dout of the wrong shape and a test-mode cache",
          "[batchnorm][errors][fn:batchnorm_backward][fn:batchnorm_backward_alt]") {
  const Tensor2 x = {{1.0, 2.0, 0.0}, {3.0, 5.0, 1.0}};
  const Tensor1 g = xt::ones<double>({3});
  BatchNormState state = batchnorm_state(3);
  const BatchNormCache train_cache = batchnorm_forward(x, g, g, {}, state).cache;
  const BatchNormCache test_cache = batchnorm_forward(x, g, g, {Mode::test, 1e-5, 0.9}, state).cache;
  const Tensor2 bad = xt::ones<double>({2, 4});
  const Tensor2 good = xt::ones<double>({2, 3});
  REQUIRE_THROWS_MATCHES(batchnorm_backward(bad, train_cache), shape_error,
                         Message("batchnorm_backward: dout must be (N, D) = (2, 3), got (2, 4)"));
  REQUIRE_THROWS_MATCHES(batchnorm_backward_alt(bad, train_cache), shape_error,
                         Message("batchnorm_backward_alt: dout must be (N, D) = (2, 3), got (2, 4)"));
  REQUIRE_THROWS_AS(batchnorm_backward(good, test_cache), value_error);
  REQUIRE_THROWS_AS(batchnorm_backward_alt(good, test_cache), value_error);
}

TEST_CASE("spatial batchnorm refuses mismatched gamma, one value per channel, and a dout of the wrong shape",
          "[batchnorm][spatial][errors][fn:spatial_batchnorm_forward][fn:spatial_batchnorm_backward]") {
  const Tensor4 x = xt::ones<double>({2, 3, 2, 2});
  const Tensor1 g3 = xt::ones<double>({3}), g2 = xt::ones<double>({2});
  BatchNormState state = batchnorm_state(3);
  REQUIRE_THROWS_MATCHES(spatial_batchnorm_forward(x, g2, g3, {}, state), shape_error,
                         Message("spatial_batchnorm_forward: x has C = 3 channels but gamma has 2 entries"));
  REQUIRE_THROWS_MATCHES(spatial_batchnorm_forward(x, g3, g3, {Mode::train, 0.0, 0.9}, state), value_error,
                         Message("spatial_batchnorm_forward: eps must be > 0, got 0"));
  const Tensor4 single = xt::ones<double>({1, 3, 1, 1});
  REQUIRE_THROWS_AS(spatial_batchnorm_forward(single, g3, g3, {}, state), shape_error);
  const SpatialBatchNormCache cache = spatial_batchnorm_forward(x, g3, g3, {}, state).cache;
  const Tensor4 bad = xt::ones<double>({2, 3, 2, 3});
  REQUIRE_THROWS_MATCHES(spatial_batchnorm_backward(bad, cache), shape_error,
                         Message("spatial_batchnorm_backward: dout must have the shape of x, (2, 3, 2, 2), got (2, 3, 2, 3)"));
}
