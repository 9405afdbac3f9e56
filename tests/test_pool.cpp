// Tests of the pooling layers (src/layers/pool.hpp): the course's published numbers, PyTorch's outputs and
// gradients (tests/reference/pool_torch.py), gradient checks away from ties, a tie seen as a kink, naive
// against fast on many shapes, and bad input.
#include "layers/pool.hpp"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "reference/pool_torch.hpp"
#include "support/testing.hpp"

using namespace cnn;
using Catch::Matchers::Contains;
using Catch::Matchers::Message;
using testing::Near;
using testing::from_values;
using testing::linspace;

namespace {

// Distinct values, 0.01 apart, in random order: every window has a single maximum and no nudge of
// h = 1e-5 can change it, so max pooling is differentiable at every entry.
Tensor4 distinct_values(const std::array<std::size_t, 4>& shape, Rng& rng) {
  Tensor4 x = Tensor4::from_shape(shape);
  const std::size_t n = x.size();
  std::vector<double> v(n);
  for (std::size_t k = 0; k < n; ++k) v[k] = 0.01 * (static_cast<double>(k) - static_cast<double>(n) / 2);
  for (std::size_t k = n; k > 1; --k) std::swap(v[k - 1], v[rng.index(k)]);  // Fisher-Yates
  std::copy(v.begin(), v.end(), x.begin());
  return x;
}

// The inputs of tests/reference/pool_torch.py, built by the same rules.
Tensor4 reference_input(const char* rule, const std::array<std::size_t, 4>& shape) {
  Tensor4 x = Tensor4::from_shape(shape);
  const std::size_t n = x.size();
  for (std::size_t k = 0; k < n; ++k) {
    double& v = x.data()[k];
    if (std::strcmp(rule, "course") == 0)
      v = -0.3 + 0.7 * static_cast<double>(k) / static_cast<double>(n - 1);  // numpy.linspace(-0.3, 0.4)
    else if (std::strcmp(rule, "perm") == 0)
      v = static_cast<double>((37 * k) % n) / static_cast<double>(n) - 0.5;
    else
      v = static_cast<double>(k % 3);  // "ties"
  }
  return x;
}

Tensor4 reference_dout(const std::array<std::size_t, 4>& shape) {
  Tensor4 d = Tensor4::from_shape(shape);
  const std::size_t m = d.size();
  for (std::size_t k = 0; k < m; ++k) d.data()[k] = static_cast<double>((7 * k) % m) / static_cast<double>(m) - 0.4;
  return d;
}

Tensor4 ref_tensor(const std::vector<double>& values, const std::array<std::size_t, 4>& shape) {
  Tensor4 t = Tensor4::from_shape(shape);
  REQUIRE(t.size() == values.size());
  std::copy(values.begin(), values.end(), t.begin());
  return t;
}

std::string describe(const std::array<std::size_t, 4>& x_shape, const PoolParam& p) {
  return "x " + shape_str(x_shape) + ", window " + std::to_string(p.height) + "x" + std::to_string(p.width) +
         ", stride " + std::to_string(p.stride);
}

const Tolerance torch_tol{1e-10, 1e-10};  // PyTorch in float64 against cnnlab in double
const Tolerance same_tol{1e-12, 1e-12};   // naive against fast: the same sums, maybe in another order

}  // namespace

// --- known answers ----------------------------------------------------------------------------------------

TEST_CASE("max_pool_forward_naive gives the course's published numbers on its linspace example",
          "[pool][naive][known][fn:max_pool_forward_naive]") {
  // CS231n assignment 2 (ConvolutionalNetworks): x of shape (2, 3, 4, 4) = linspace(-0.3, 0.4), 2x2 windows at
  // stride 2. The notebook publishes out[0, 0, 0, 0] = -0.26315789 and a last entry of 0.4 (8 decimals); the
  // whole output comes from PyTorch (tests/reference/pool_torch.py, first case).
  const Tensor4 x = linspace<Tensor4>(-0.3, 0.4, {2, 3, 4, 4});
  const PoolParam param{.height = 2, .width = 2, .stride = 2};
  const auto [out, cache] = max_pool_forward_naive(x, param);
  const ref::PoolCase& rc = ref::pool_cases.at(0);
  REQUIRE(std::string(rc.input) == "course");
  REQUIRE_CLOSE(compare("out", out, ref_tensor(rc.max_out, rc.out_shape), torch_tol, pool_forward_context(x, param, true)));
  REQUIRE_THAT(out(0, 0, 0, 0), Near(-0.26315789, 5e-9));
  REQUIRE_THAT(out(1, 2, 1, 1), Near(0.4, 5e-9));
}

TEST_CASE("max_pool_forward_fast gives the course's published numbers on its linspace example",
          "[pool][fast][known]") {
  const Tensor4 x = linspace<Tensor4>(-0.3, 0.4, {2, 3, 4, 4});
  const auto [out, cache] = max_pool_forward_fast(x, {.height = 2, .width = 2, .stride = 2});
  REQUIRE_THAT(out(0, 0, 0, 0), Near(-0.26315789, 5e-9));
  REQUIRE_THAT(out(1, 2, 1, 1), Near(0.4, 5e-9));
  const ref::PoolCase& rc = ref::pool_cases.at(0);
  REQUIRE_CLOSE(compare("out", out, ref_tensor(rc.max_out, rc.out_shape), torch_tol));
}

// The naive tests below build each backward pass's cache by hand, so that a student can write the four
// functions in any order.
TEST_CASE("max_pool_forward_naive matches PyTorch (ties included)", "[pool][naive][known][fn:max_pool_forward_naive]") {
  for (const ref::PoolCase& rc : ref::pool_cases) {
    INFO("case: " << rc.name);
    const Tensor4 x = reference_input(rc.input, rc.x_shape);
    const PoolParam param{rc.height, rc.width, rc.stride};
    const auto [out, cache] = max_pool_forward_naive(x, param);
    REQUIRE_CLOSE(compare("out", out, ref_tensor(rc.max_out, rc.out_shape), torch_tol, pool_forward_context(x, param, true)));
  }
}

TEST_CASE("max_pool_backward_naive matches PyTorch and sends a tie's gradient to its first maximum",
          "[pool][naive][known][fn:max_pool_backward_naive]") {
  for (const ref::PoolCase& rc : ref::pool_cases) {
    INFO("case: " << rc.name);
    const MaxPoolCache cache{reference_input(rc.input, rc.x_shape), {rc.height, rc.width, rc.stride}};
    const Tensor4 dx = max_pool_backward_naive(reference_dout(rc.out_shape), cache).dx;
    REQUIRE_CLOSE(compare("dx", dx, ref_tensor(rc.max_dx, rc.x_shape), torch_tol,
                          max_pool_backward_context(cache.x, cache.param, reference_dout(rc.out_shape))));
  }
}

TEST_CASE("avg_pool_forward_naive matches PyTorch", "[pool][naive][known][fn:avg_pool_forward_naive]") {
  for (const ref::PoolCase& rc : ref::pool_cases) {
    INFO("case: " << rc.name);
    const Tensor4 x = reference_input(rc.input, rc.x_shape);
    const PoolParam param{rc.height, rc.width, rc.stride};
    const auto [out, cache] = avg_pool_forward_naive(x, param);
    REQUIRE_CLOSE(compare("out", out, ref_tensor(rc.avg_out, rc.out_shape), torch_tol, pool_forward_context(x, param, false)));
  }
}

TEST_CASE("avg_pool_backward_naive matches PyTorch", "[pool][naive][known][fn:avg_pool_backward_naive]") {
  for (const ref::PoolCase& rc : ref::pool_cases) {
    INFO("case: " << rc.name);
    const AvgPoolCache cache{rc.x_shape, {rc.height, rc.width, rc.stride}};
    const Tensor4 dx = avg_pool_backward_naive(reference_dout(rc.out_shape), cache).dx;
    REQUIRE_CLOSE(compare("dx", dx, ref_tensor(rc.avg_dx, rc.x_shape), torch_tol));
  }
}

TEST_CASE("fast max and average pooling match PyTorch forward and backward (ties included)",
          "[pool][fast][known]") {
  for (const ref::PoolCase& rc : ref::pool_cases) {
    INFO("case: " << rc.name);
    const PoolParam param{rc.height, rc.width, rc.stride};
    const Tensor4 x = reference_input(rc.input, rc.x_shape);
    const Tensor4 dout = reference_dout(rc.out_shape);

    const auto [max_out, max_cache] = max_pool_forward_fast(x, param);
    REQUIRE_CLOSE(compare("max out", max_out, ref_tensor(rc.max_out, rc.out_shape), torch_tol));
    REQUIRE_CLOSE(compare("max dx", max_pool_backward_fast(dout, max_cache).dx, ref_tensor(rc.max_dx, rc.x_shape),
                          torch_tol));

    const auto [avg_out, avg_cache] = avg_pool_forward_fast(x, param);
    REQUIRE_CLOSE(compare("avg out", avg_out, ref_tensor(rc.avg_out, rc.out_shape), torch_tol));
    REQUIRE_CLOSE(compare("avg dx", avg_pool_backward_fast(dout, avg_cache).dx, ref_tensor(rc.avg_dx, rc.x_shape),
                          torch_tol));
  }
}

TEST_CASE("the reference cases cover tiling and non-tiling windows with overlaps and gaps", "[pool][known]") {
  // So that the two PyTorch comparisons above exercise both paths of the fast versions.
  bool tiling = false, non_tiling = false, overlap = false, gaps = false;
  for (const ref::PoolCase& rc : ref::pool_cases) {
    const PoolParam param{rc.height, rc.width, rc.stride};
    (pool_windows_tile(rc.x_shape[2], rc.x_shape[3], param) ? tiling : non_tiling) = true;
    overlap = overlap || rc.stride < std::max(rc.height, rc.width);
    gaps = gaps || rc.stride > std::max(rc.height, rc.width);
  }
  REQUIRE(tiling);
  REQUIRE(non_tiling);
  REQUIRE(overlap);
  REQUIRE(gaps);
}

TEST_CASE("max pooling by hand: the gradient goes to the first maximum of a tied window", "[pool][naive][known][fn:max_pool_forward_naive][fn:max_pool_backward_naive]") {
  // One 2x2 window [[1, 3], [3, 2]]: the maximum 3 appears at (0, 1) and (1, 0). The first in row-major order,
  // (0, 1), gets all of dout = 0.7 (PyTorch does the same); the other entries get 0.
  Tensor4 x = Tensor4::from_shape({1, 1, 2, 2});
  x(0, 0, 0, 0) = 1.0;
  x(0, 0, 0, 1) = 3.0;
  x(0, 0, 1, 0) = 3.0;
  x(0, 0, 1, 1) = 2.0;
  Tensor4 dout = Tensor4::from_shape({1, 1, 1, 1});
  dout(0, 0, 0, 0) = 0.7;
  Tensor4 expected = xt::zeros<double>({1, 1, 2, 2});
  expected(0, 0, 0, 1) = 0.7;

  const auto [out, cache] = max_pool_forward_naive(x, {});
  REQUIRE(out(0, 0, 0, 0) == 3.0);
  REQUIRE_CLOSE(compare("naive dx", max_pool_backward_naive(dout, cache).dx, expected, {0.0, 0.0},
                        max_pool_backward_context(x, {}, dout)));
  const auto [out_fast, cache_fast] = max_pool_forward_fast(x, {});
  REQUIRE_CLOSE(compare("fast dx", max_pool_backward_fast(dout, cache_fast).dx, expected, {0.0, 0.0}));
}

TEST_CASE("average pooling by hand: 2x2 windows average and spread a quarter back", "[pool][naive][known][fn:avg_pool_forward_naive][fn:avg_pool_backward_naive]") {
  // x = [[1, 2, 5, 9], [3, 4, 7, 3]]: the windows average to (1+2+3+4)/4 = 2.5 and (5+9+7+3)/4 = 6.
  Tensor4 x = Tensor4::from_shape({1, 1, 2, 4});
  const double values[] = {1, 2, 5, 9, 3, 4, 7, 3};
  std::copy(std::begin(values), std::end(values), x.begin());
  const auto [out, cache] = avg_pool_forward_naive(x, {});
  REQUIRE(out.shape() == std::array<std::size_t, 4>{1, 1, 1, 2});
  REQUIRE_THAT(out(0, 0, 0, 0), Near(2.5, 1e-15));
  REQUIRE_THAT(out(0, 0, 0, 1), Near(6.0, 1e-15));
  Tensor4 dout = Tensor4::from_shape({1, 1, 1, 2});
  dout(0, 0, 0, 0) = 4.0;
  dout(0, 0, 0, 1) = -2.0;
  const Tensor4 dx = avg_pool_backward_naive(dout, cache).dx;
  for (std::size_t h = 0; h < 2; ++h) {
    REQUIRE_THAT(dx(0, 0, h, 0), Near(1.0, 1e-15));
    REQUIRE_THAT(dx(0, 0, h, 3), Near(-0.5, 1e-15));
  }
}

TEST_CASE("pooling keeps the depth and halves the size: 224x224x64 -> 112x112x64 (lecture)", "[pool][fast][known]") {
  const Tensor4 x = xt::zeros<double>({1, 64, 224, 224});
  REQUIRE(max_pool_forward_fast(x, {}).out.shape() == std::array<std::size_t, 4>{1, 64, 112, 112});
  // AlexNet's overlapping POOL1, 3x3 at stride 2: 55x55x96 -> 27x27x96.
  REQUIRE(pool_output_shape("test", {1, 96, 55, 55}, {3, 3, 2}) == std::array<std::size_t, 4>{1, 96, 27, 27});
  // Sizes round down: 3x3 at stride 2 over 56 fits 27 windows, (56 - 3) / 2 = 26.5 -> 26, plus 1. (Caffe's
  // pooling rounds up and would give 28.)
  REQUIRE(pool_output_shape("test", {1, 1, 56, 56}, {3, 3, 2}) == std::array<std::size_t, 4>{1, 1, 27, 27});
}

TEST_CASE("pool_windows_tile says when the fast versions take the reshape path", "[pool][fast]") {
  REQUIRE(pool_windows_tile(4, 6, {2, 2, 2}));
  REQUIRE(pool_windows_tile(9, 6, {3, 3, 3}));
  REQUIRE_FALSE(pool_windows_tile(5, 6, {2, 2, 2}));  // H not divisible by S
  REQUIRE_FALSE(pool_windows_tile(6, 6, {3, 3, 2}));  // overlapping windows
  REQUIRE_FALSE(pool_windows_tile(6, 6, {2, 2, 3}));  // gaps between windows
  REQUIRE_FALSE(pool_windows_tile(6, 6, {2, 3, 2}));  // not square
}

// --- gradient checks --------------------------------------------------------------------------------------

TEST_CASE("max_pool_backward_naive matches numerical gradients (no ties)", "[pool][naive][gradcheck][fn:max_pool_backward_naive]") {
  Rng rng(7);
  for (const PoolParam param : {PoolParam{2, 2, 2}, PoolParam{3, 3, 2}, PoolParam{2, 3, 1}, PoolParam{2, 2, 3}}) {
    Tensor4 x = distinct_values({2, 3, 7, 8}, rng);
    const auto [out, cache] = max_pool_forward_naive(x, param);
    const Tensor4 dout = randn<Tensor4>(out.shape(), rng);
    const Tensor4 dx = max_pool_backward_naive(dout, cache).dx;
    REQUIRE_GRADIENT_OK(check_gradient("dx of max_pool_backward_naive, " + describe(cache.x.shape(), param),
                                       [&] { return max_pool_forward_naive(x, param).out; }, x, dout, dx,
                                       {.context = max_pool_backward_context(x, param, dout)}));
  }
}

TEST_CASE("max_pool_backward_fast matches numerical gradients on both paths (no ties)", "[pool][fast][gradcheck]") {
  Rng rng(8);
  // (2, 2, 2) on 6x8 tiles (reshape path); the others take the window-matrix path.
  for (const PoolParam param : {PoolParam{2, 2, 2}, PoolParam{3, 3, 3}, PoolParam{3, 3, 2}, PoolParam{2, 3, 1},
                                PoolParam{2, 2, 3}}) {
    Tensor4 x = distinct_values({2, 3, 6, 9}, rng);
    const auto [out, cache] = max_pool_forward_fast(x, param);
    const Tensor4 dout = randn<Tensor4>(out.shape(), rng);
    const Tensor4 dx = max_pool_backward_fast(dout, cache).dx;
    REQUIRE_GRADIENT_OK(check_gradient("dx of max_pool_backward_fast, " + describe(cache.x_shape, param),
                                       [&] { return max_pool_forward_fast(x, param).out; }, x, dout, dx));
  }
}

TEST_CASE("avg_pool_backward_naive matches numerical gradients", "[pool][naive][gradcheck][fn:avg_pool_backward_naive]") {
  Rng rng(9);
  for (const PoolParam param : {PoolParam{2, 2, 2}, PoolParam{3, 3, 2}, PoolParam{2, 3, 1}, PoolParam{2, 2, 3}}) {
    Tensor4 x = randn<Tensor4>({2, 3, 7, 8}, rng);
    const auto [out, cache] = avg_pool_forward_naive(x, param);
    const Tensor4 dout = randn<Tensor4>(out.shape(), rng);
    const Tensor4 dx = avg_pool_backward_naive(dout, cache).dx;
    REQUIRE_GRADIENT_OK(check_gradient("dx of avg_pool_backward_naive, " + describe(cache.x_shape, param),
                                       [&] { return avg_pool_forward_naive(x, param).out; }, x, dout, dx));
  }
}

TEST_CASE("avg_pool_backward_fast matches numerical gradients on both paths", "[pool][fast][gradcheck]") {
  Rng rng(10);
  for (const PoolParam param : {PoolParam{2, 2, 2}, PoolParam{3, 3, 3}, PoolParam{3, 3, 2}, PoolParam{2, 3, 1},
                                PoolParam{2, 2, 3}}) {
    Tensor4 x = randn<Tensor4>({2, 3, 6, 9}, rng);
    const auto [out, cache] = avg_pool_forward_fast(x, param);
    const Tensor4 dout = randn<Tensor4>(out.shape(), rng);
    const Tensor4 dx = avg_pool_backward_fast(dout, cache).dx;
    REQUIRE_GRADIENT_OK(check_gradient("dx of avg_pool_backward_fast, " + describe(cache.x_shape, param),
                                       [&] { return avg_pool_forward_fast(x, param).out; }, x, dout, dx));
  }
}

TEST_CASE("a tie in a max-pool window is reported by the gradient checker as a kink rather than a failure",
          "[pool][naive][gradcheck][kink][fn:max_pool_backward_naive]") {
  // The tied window [[1, 3], [3, 2]] of the hand example. Nudging the winner (0, 1) up raises the output, down
  // hands the maximum to (1, 0): slopes dout from the right, 0 from the left. Nudging (1, 0) up makes it the
  // winner: the same two slopes. The centred difference sees half of dout at both, which matches neither
  // backward value (dout and 0); the checker sees the one-sided slopes disagree, reports a kink, and accepts
  // each backward value because it equals one of them.
  Tensor4 x = Tensor4::from_shape({1, 1, 2, 2});
  x(0, 0, 0, 0) = 1.0;
  x(0, 0, 0, 1) = 3.0;
  x(0, 0, 1, 0) = 3.0;
  x(0, 0, 1, 1) = 2.0;
  Tensor4 dout = Tensor4::from_shape({1, 1, 1, 1});
  dout(0, 0, 0, 0) = 0.7;
  const auto [out, cache] = max_pool_forward_naive(x, {});
  const Tensor4 dx = max_pool_backward_naive(dout, cache).dx;
  const GradCheck gc = check_gradient("dx of max_pool_backward_naive at a tie",
                                      [&] { return max_pool_forward_naive(x, {}).out; }, x, dout, dx,
                                      {.context = max_pool_backward_context(x, {}, dout)});
  INFO(gc.report());
  REQUIRE(gc.passed());
  REQUIRE(gc.kinks.size() == 2);
  REQUIRE(gc.kinks[0].index == std::vector<std::size_t>{0, 0, 0, 1});
  REQUIRE(gc.kinks[1].index == std::vector<std::size_t>{0, 0, 1, 0});
  for (const GradEntry& e : gc.kinks) {
    REQUIRE_THAT(e.numeric, Near(0.35, 1e-9));  // what a checker without kink detection would compare
    REQUIRE_THAT(e.slope_left, Near(0.0, 1e-9));
    REQUIRE_THAT(e.slope_right, Near(0.7, 1e-9));
  }
  REQUIRE_THAT(gc.report(), Contains("straddle a kink"));

  // A backward pass that counted dout twice at the winner matches neither one-sided slope: it fails, and the
  // failure is flagged as a kink. (Splitting dout evenly over the tied entries would pass: 0.35 is the centred
  // difference itself, and at a tie any split is a valid subgradient.)
  Tensor4 doubled = dx;
  doubled(0, 0, 0, 1) = 1.4;
  const GradCheck bad = check_gradient("dx doubled at the tie", [&] { return max_pool_forward_naive(x, {}).out; }, x,
                                       dout, doubled);
  REQUIRE_FALSE(bad.passed());
  REQUIRE(bad.failures.size() == 1);
  REQUIRE(bad.failures[0].kink);
}

// --- naive against fast -----------------------------------------------------------------------------------

namespace {

// Shapes on which naive and fast must agree: listed ones for every kind of window, then random ones.
std::vector<std::pair<std::array<std::size_t, 4>, PoolParam>> agreement_configs() {
  std::vector<std::pair<std::array<std::size_t, 4>, PoolParam>> configs = {
      {{2, 3, 8, 8}, {2, 2, 2}},    // tiles (the common case)
      {{1, 2, 9, 12}, {3, 3, 3}},   // tiles, stride 3
      {{2, 2, 8, 8}, {4, 4, 4}},    // tiles, stride 4
      {{1, 3, 5, 5}, {1, 1, 1}},    // tiles trivially: the identity
      {{2, 3, 7, 8}, {2, 2, 2}},    // odd H: the last row is dropped
      {{2, 3, 13, 13}, {3, 3, 2}},  // overlapping (AlexNet's kind)
      {{1, 2, 9, 7}, {3, 2, 1}},    // rectangular, stride 1
      {{2, 2, 10, 11}, {2, 2, 3}},  // gaps between windows
      {{1, 1, 6, 6}, {1, 1, 2}},    // every other entry
      {{3, 1, 4, 9}, {4, 4, 1}},    // one row of windows
  };
  Rng rng(2016);
  for (int k = 0; k < 60; ++k) {
    const PoolParam p{1 + rng.index(4), 1 + rng.index(4), 1 + rng.index(4)};
    configs.push_back({{1 + rng.index(3), 1 + rng.index(3), p.height + rng.index(9), p.width + rng.index(9)}, p});
  }
  return configs;
}

}  // namespace

TEST_CASE("the naive-against-fast shapes include tiling and non-tiling windows with overlaps and gaps",
          "[pool][fast]") {
  std::size_t tiling = 0, overlapping = 0, gapped = 0;
  const auto configs = agreement_configs();
  for (const auto& [x_shape, param] : configs) {
    tiling += pool_windows_tile(x_shape[2], x_shape[3], param);
    overlapping += param.stride < std::max(param.height, param.width);
    gapped += param.stride > std::max(param.height, param.width);
  }
  INFO("tiling " << tiling << ", overlapping " << overlapping << ", with gaps " << gapped << " of "
                 << configs.size());
  REQUIRE(tiling >= 4);
  REQUIRE(configs.size() - tiling >= 4);
  REQUIRE(overlapping >= 4);
  REQUIRE(gapped >= 4);
}

TEST_CASE("naive and fast max pooling agree to 1e-12 on many tiling and non-tiling shapes", "[pool][naive][fast][fn:max_pool_forward_naive][fn:max_pool_backward_naive]") {
  Rng rng(1);
  for (const auto& [x_shape, param] : agreement_configs()) {
    INFO(describe(x_shape, param));
    const Tensor4 x = randn<Tensor4>(x_shape, rng);
    const auto [out_naive, cache_naive] = max_pool_forward_naive(x, param);
    const auto [out_fast, cache_fast] = max_pool_forward_fast(x, param);
    REQUIRE_CLOSE(compare("out", out_fast, out_naive, same_tol));
    const Tensor4 dout = randn<Tensor4>(out_naive.shape(), rng);
    REQUIRE_CLOSE(compare("dx", max_pool_backward_fast(dout, cache_fast).dx,
                          max_pool_backward_naive(dout, cache_naive).dx, same_tol));
  }
}

TEST_CASE("naive and fast average pooling agree to 1e-12 on many tiling and non-tiling shapes",
          "[pool][naive][fast][fn:avg_pool_forward_naive][fn:avg_pool_backward_naive]") {
  Rng rng(2);
  for (const auto& [x_shape, param] : agreement_configs()) {
    INFO(describe(x_shape, param));
    const Tensor4 x = randn<Tensor4>(x_shape, rng);
    const auto [out_naive, cache_naive] = avg_pool_forward_naive(x, param);
    const auto [out_fast, cache_fast] = avg_pool_forward_fast(x, param);
    REQUIRE_CLOSE(compare("out", out_fast, out_naive, same_tol));
    const Tensor4 dout = randn<Tensor4>(out_naive.shape(), rng);
    REQUIRE_CLOSE(compare("dx", avg_pool_backward_fast(dout, cache_fast).dx,
                          avg_pool_backward_naive(dout, cache_naive).dx, same_tol));
  }
}

// --- global average pooling -------------------------------------------------------------------------------

TEST_CASE("global_avg_pool_forward by hand: each map becomes its mean", "[pool][global][known][fn:global_avg_pool_forward]") {
  // Map (0, 0) = [[1, 2]] has mean 1.5; map (0, 1) = [[3, 5]] has mean 4.
  Tensor4 x = Tensor4::from_shape({1, 2, 1, 2});
  const double values[] = {1, 2, 3, 5};
  std::copy(std::begin(values), std::end(values), x.begin());
  const auto [out, cache] = global_avg_pool_forward(x);
  REQUIRE_CLOSE(compare("out", out, Tensor2{{1.5, 4.0}}, {0.0, 1e-15}));
}

TEST_CASE("global average pooling matches PyTorch forward and backward", "[pool][global][known][fn:global_avg_pool_forward][fn:global_avg_pool_backward]") {
  const Tensor4 x = reference_input("perm", {2, 3, 4, 5});
  Tensor2 dout = Tensor2::from_shape({2, 3});
  for (std::size_t k = 0; k < 6; ++k) dout.data()[k] = static_cast<double>((7 * k) % 6) / 6.0 - 0.4;
  const auto [out, cache] = global_avg_pool_forward(x);
  REQUIRE_CLOSE(compare("out", out, from_values<Tensor2>(ref::global_avg_out, {2, 3}), torch_tol));
  REQUIRE_CLOSE(compare("dx", global_avg_pool_backward(dout, cache).dx,
                        from_values<Tensor4>(ref::global_avg_dx, {2, 3, 4, 5}), torch_tol));
}

TEST_CASE("global_avg_pool_backward matches numerical gradients", "[pool][global][gradcheck][fn:global_avg_pool_backward]") {
  Rng rng(11);
  Tensor4 x = randn<Tensor4>({2, 3, 4, 5}, rng);
  const Tensor2 dout = randn<Tensor2>({2, 3}, rng);
  const auto [out, cache] = global_avg_pool_forward(x);
  const Tensor4 dx = global_avg_pool_backward(dout, cache).dx;
  REQUIRE_GRADIENT_OK(check_gradient("dx of global_avg_pool_backward", [&] { return global_avg_pool_forward(x).out; },
                                     x, dout, dx));
}

// --- bad input --------------------------------------------------------------------------------------------

TEST_CASE("pooling refuses a window larger than the input and names the function and the sizes", "[pool][errors][fn:max_pool_forward_naive][fn:avg_pool_forward_naive]") {
  const Tensor4 x = xt::zeros<double>({1, 2, 3, 5});
  const PoolParam too_tall{4, 2, 1};
  const PoolParam too_wide{2, 6, 1};
  REQUIRE_THROWS_WITH(max_pool_forward_naive(x, too_tall),
                      Contains("max_pool_forward_naive: window F = 4 is larger") && Contains("H = 3"));
  REQUIRE_THROWS_WITH(max_pool_forward_fast(x, too_tall),
                      Contains("max_pool_forward_fast: window F = 4 is larger") && Contains("H = 3"));
  REQUIRE_THROWS_WITH(avg_pool_forward_naive(x, too_wide),
                      Contains("avg_pool_forward_naive: window F = 6 is larger") && Contains("W = 5"));
  REQUIRE_THROWS_WITH(avg_pool_forward_fast(x, too_wide),
                      Contains("avg_pool_forward_fast: window F = 6 is larger") && Contains("W = 5"));
  REQUIRE_THROWS_AS(max_pool_forward_fast(x, too_wide), shape_error);
}

TEST_CASE("pooling refuses a stride of 0 and an empty window", "[pool][errors][fn:max_pool_forward_naive][fn:avg_pool_forward_naive]") {
  const Tensor4 x = xt::zeros<double>({1, 1, 4, 4});
  const PoolParam no_stride{2, 2, 0};
  REQUIRE_THROWS_MATCHES(max_pool_forward_naive(x, no_stride), value_error,
                         Message("max_pool_forward_naive: stride S must be at least 1, got 0"));
  REQUIRE_THROWS_MATCHES(max_pool_forward_fast(x, no_stride), value_error,
                         Message("max_pool_forward_fast: stride S must be at least 1, got 0"));
  REQUIRE_THROWS_MATCHES(avg_pool_forward_naive(x, no_stride), value_error,
                         Message("avg_pool_forward_naive: stride S must be at least 1, got 0"));
  REQUIRE_THROWS_MATCHES(avg_pool_forward_fast(x, no_stride), value_error,
                         Message("avg_pool_forward_fast: stride S must be at least 1, got 0"));
  REQUIRE_THROWS_AS(max_pool_forward_naive(x, {0, 2, 2}), value_error);
  REQUIRE_THROWS_AS(avg_pool_forward_fast(x, {2, 0, 2}), value_error);
}

TEST_CASE("pooling backward passes refuse an upstream gradient of the wrong shape", "[pool][errors][fn:max_pool_backward_naive][fn:avg_pool_backward_naive]") {
  // x (2, 3, 4, 4) with 2x2 windows at stride 2 gives (2, 3, 2, 2); dout comes as (2, 3, 3, 3).
  const Tensor4 x = xt::zeros<double>({2, 3, 4, 4});
  const Tensor4 dout = xt::zeros<double>({2, 3, 3, 3});
  const PoolParam param{};
  const std::string shapes = "dout must have the output's shape (N, C, Hout, Wout) = (2, 3, 2, 2), got (2, 3, 3, 3)";
  REQUIRE_THROWS_MATCHES(max_pool_backward_naive(dout, MaxPoolCache{x, param}), shape_error,
                         Message("max_pool_backward_naive: " + shapes));
  const MaxPoolFastCache fast_cache{{2, 3, 4, 4}, param, std::vector<std::uint32_t>(24)};
  REQUIRE_THROWS_MATCHES(max_pool_backward_fast(dout, fast_cache), shape_error,
                         Message("max_pool_backward_fast: " + shapes));
  const AvgPoolCache avg_cache{{2, 3, 4, 4}, param};
  REQUIRE_THROWS_MATCHES(avg_pool_backward_naive(dout, avg_cache), shape_error,
                         Message("avg_pool_backward_naive: " + shapes));
  REQUIRE_THROWS_MATCHES(avg_pool_backward_fast(dout, avg_cache), shape_error,
                         Message("avg_pool_backward_fast: " + shapes));

  // A fast cache without its argmax positions (built by hand, or emptied) is refused too.
  const MaxPoolFastCache empty{{2, 3, 4, 4}, param, {}};
  const Tensor4 right = xt::zeros<double>({2, 3, 2, 2});
  REQUIRE_THROWS_MATCHES(max_pool_backward_fast(right, empty), shape_error,
                         Message("max_pool_backward_fast: the cache holds 0 argmax positions but dout has 24 entries; "
                                 "pass the cache of max_pool_forward_fast"));
}

TEST_CASE("global average pooling refuses empty maps and a wrong upstream gradient", "[pool][global][errors][fn:global_avg_pool_forward][fn:global_avg_pool_backward]") {
  const Tensor4 empty = xt::zeros<double>({2, 3, 0, 4});
  REQUIRE_THROWS_MATCHES(global_avg_pool_forward(empty), shape_error,
                         Message("global_avg_pool_forward: x must have H, W >= 1 to average over, got shape "
                                 "(2, 3, 0, 4)"));
  const Tensor2 dout = xt::zeros<double>({2, 4});
  REQUIRE_THROWS_MATCHES(global_avg_pool_backward(dout, GlobalAvgPoolCache{{2, 3, 4, 4}}), shape_error,
                         Message("global_avg_pool_backward: dout must be (N, C) = (2, 3), got (2, 4)"));
}
