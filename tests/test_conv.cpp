// Tests of the convolution layer (src/layers/conv.hpp), naive and im2col: the course's published numbers,
// PyTorch's answers, a Sobel filter worked out by hand, gradient checks, naive against im2col on random
// shapes, and bad input.
#include "layers/conv.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <xtensor/xadapt.hpp>
#include <xtensor/xview.hpp>

#include "core/errors.hpp"
#include "reference/conv_torch.hpp"
#include "support/testing.hpp"

using namespace cnn;
using Catch::Matchers::Message;
using testing::from_values;
using testing::linspace;

namespace {

// The two implementations under one roof, so that every test runs on both.
struct ConvImpl {
  const char* name;
  ConvForward (*forward)(const Tensor4&, const Tensor4&, const Tensor1&, const ConvParam&);
  ConvGrads (*backward)(const Tensor4&, const ConvCache&);
};
const ConvImpl naive{"naive", conv_forward_naive, conv_backward_naive};
const ConvImpl im2col_impl{"im2col", conv_forward_im2col, conv_backward_im2col};

// v[k] = ((k * mult + offset) % 101) / 50 - 1, row-major: scattered values in [-1, 1), exact in C++ and in
// NumPy. tests/reference/conv_torch.py builds its inputs the same way, with the same (mult, offset).
template <class T>
T pattern(const std::array<std::size_t, T::rank>& shape, std::size_t mult, std::size_t offset) {
  T t = T::from_shape(shape);
  for (std::size_t k = 0; k < t.size(); ++k)
    t.data()[k] = static_cast<double>((k * mult + offset) % 101) / 50.0 - 1.0;
  return t;
}

// The course's example: x (2, 3, 4, 4), w (3, 3, 4, 4), b (3), stride 2, pad 1, all numpy.linspace.
struct CourseExample {
  Tensor4 x = linspace<Tensor4>(-0.1, 0.5, {2, 3, 4, 4});
  Tensor4 w = linspace<Tensor4>(-0.2, 0.3, {3, 3, 4, 4});
  Tensor1 b = linspace<Tensor1>(-0.1, 0.2, {3});
  ConvParam param{.stride = 2, .pad = 1};
  Tensor4 dout = linspace<Tensor4>(-1.0, 2.0, {2, 3, 2, 2});
};

void check_course_forward(const ConvImpl& impl) {
  INFO("implementation: " << impl.name);
  const CourseExample ex;
  const Tensor4 out = impl.forward(ex.x, ex.w, ex.b, ex.param).out;
  // All of it, from PyTorch (tests/reference/conv_torch.py); first, so that a failure gets a diagnosis.
  REQUIRE_CLOSE(compare("out", out, from_values<Tensor4>(ref::conv_course_out, {2, 3, 2, 2}), {1e-10, 1e-12},
                        conv_forward_context(ex.x, ex.w, ex.b, ex.param)));
  // The numbers published with the course's assignment (8 decimals).
  const Tensor2 published_00 = {{-0.08759809, -0.10987781}, {-0.18387192, -0.2109216}};
  REQUIRE_CLOSE(compare("out[0, 0]", xt::eval(xt::view(out, 0, 0)), published_00, {0.0, 1e-8}));
  REQUIRE_THAT(out(1, 2, 1, 1), testing::Near(2.38247847, 1e-8));
}

void check_course_backward(const ConvImpl& impl) {
  INFO("implementation: " << impl.name);
  const CourseExample ex;
  const auto [out, cache] = impl.forward(ex.x, ex.w, ex.b, ex.param);
  const auto [dx, dw, db] = impl.backward(ex.dout, cache);
  const auto context = [&](const char* tensor) { return conv_backward_context(tensor, ex.x, ex.w, ex.dout, ex.param); };
  const Tolerance tol{1e-10, 1e-12};
  REQUIRE_CLOSE(compare("dx", dx, from_values<Tensor4>(ref::conv_course_dx, {2, 3, 4, 4}), tol, context("dx")));
  REQUIRE_CLOSE(compare("dw", dw, from_values<Tensor4>(ref::conv_course_dw, {3, 3, 4, 4}), tol, context("dw")));
  REQUIRE_CLOSE(compare("db", db, from_values<Tensor1>(ref::conv_course_db, {3}), tol, context("db")));
}

void check_torch_cases(const ConvImpl& impl) {
  for (const ref::ConvTorchCase& c : ref::conv_torch_cases) {
    INFO("implementation: " << impl.name << ", case: " << c.name);
    const Tensor4 x = pattern<Tensor4>(c.x_shape, 37, 11);
    const Tensor4 w = pattern<Tensor4>(c.w_shape, 53, 7);
    const Tensor1 b = pattern<Tensor1>({c.w_shape[0]}, 29, 3);
    const ConvParam param{.stride = c.stride, .pad = c.pad};
    const auto [out, cache] = impl.forward(x, w, b, param);
    const auto s = out.shape();
    const Tensor4 dout = pattern<Tensor4>({s[0], s[1], s[2], s[3]}, 41, 5);
    const auto [dx, dw, db] = impl.backward(dout, cache);
    REQUIRE(out.size() == c.out.size());
    const auto context = [&](const char* tensor) { return conv_backward_context(tensor, x, w, dout, param); };
    const Tolerance tol{1e-10, 1e-12};
    REQUIRE_CLOSE(compare("out", out, xt::adapt(c.out, out.shape()), tol, conv_forward_context(x, w, b, param)));
    REQUIRE_CLOSE(compare("dx", dx, xt::adapt(c.dx, x.shape()), tol, context("dx")));
    REQUIRE_CLOSE(compare("dw", dw, xt::adapt(c.dw, w.shape()), tol, context("dw")));
    REQUIRE_CLOSE(compare("db", db, xt::adapt(c.db, b.shape()), tol, context("db")));
  }
}

void check_sobel(const ConvImpl& impl) {
  INFO("implementation: " << impl.name);
  // A 4x5 image, dark on the left and bright on the right: every row is [0, 0, 1, 1, 1].
  Tensor4 x = xt::zeros<double>({1, 1, 4, 5});
  for (std::size_t h = 0; h < 4; ++h)
    for (std::size_t v = 2; v < 5; ++v) x(0, 0, h, v) = 1.0;
  // Filter 0, Sobel x (right minus left); filter 1, Sobel y (bottom minus top). Zero bias, stride 1, pad 1.
  Tensor4 w = xt::zeros<double>({2, 1, 3, 3});
  xt::view(w, 0, 0) = Tensor2{{-1, 0, 1}, {-2, 0, 2}, {-1, 0, 1}};
  xt::view(w, 1, 0) = Tensor2{{-1, -2, -1}, {0, 0, 0}, {1, 2, 1}};
  const Tensor1 b = xt::zeros<double>({2});
  const Tensor4 out = impl.forward(x, w, b, {.stride = 1, .pad = 1}).out;
  REQUIRE(out.shape(2) == 4);  // pad (3 - 1) / 2 = 1 keeps 4x5
  REQUIRE(out.shape(3) == 5);

  // By hand. A padded row reads [0 | 0, 0, 1, 1, 1 | 0] (padding between bars).
  // Sobel x at output column j: (row weight) * (xpad[j + 2] - xpad[j]), where the differences along a row are
  //   j = 0: 0 - 0 = 0,  j = 1: 1 - 0 = 1,  j = 2: 1 - 0 = 1,  j = 3: 1 - 1 = 0,  j = 4: 0 - 1 = -1
  // (the image's right border against the zero padding looks like a falling edge), and the row weight is
  // 1 + 2 + 1 = 4 inside, 2 + 1 = 3 on the top and bottom rows, where one filter row lies in the padding.
  const Tensor2 sobel_x = {{0, 3, 3, 0, -3}, {0, 4, 4, 0, -4}, {0, 4, 4, 0, -4}, {0, 3, 3, 0, -3}};
  // Sobel y: rows are all alike, so inside the image the row below cancels the row above: 0. On the top row
  // only the row below counts, with weights [1, 2, 1]: s_j = xpad[j] + 2 xpad[j + 1] + xpad[j + 2] =
  //   0 + 0 + 0 = 0,  0 + 0 + 1 = 1,  0 + 2 + 1 = 3,  1 + 2 + 1 = 4,  1 + 2 + 0 = 3;
  // on the bottom row only the row above counts, with weights [-1, -2, -1]: -s_j.
  const Tensor2 sobel_y = {{0, 1, 3, 4, 3}, {0, 0, 0, 0, 0}, {0, 0, 0, 0, 0}, {0, -1, -3, -4, -3}};
  REQUIRE_CLOSE(compare("Sobel x", xt::eval(xt::view(out, 0, 0)), sobel_x));
  REQUIRE_CLOSE(compare("Sobel y", xt::eval(xt::view(out, 0, 1)), sobel_y));
}

void check_gradients(const ConvImpl& impl, const std::array<std::size_t, 4>& x_shape,
                     const std::array<std::size_t, 4>& w_shape, ConvParam param, std::uint64_t seed) {
  INFO("implementation: " << impl.name << ", x " << shape_str(x_shape) << ", w " << shape_str(w_shape)
                          << ", stride " << param.stride << ", pad " << param.pad);
  Rng rng(seed);
  Tensor4 x = randn<Tensor4>(x_shape, rng);
  Tensor4 w = randn<Tensor4>(w_shape, rng);
  Tensor1 b = randn<Tensor1>(std::array<std::size_t, 1>{w_shape[0]}, rng);
  const auto [out, cache] = impl.forward(x, w, b, param);
  const Tensor4 dout = randn<Tensor4>(out.shape(), rng);  // random upstream gradient, not all ones
  const auto [dx, dw, db] = impl.backward(dout, cache);
  auto y = [&] { return impl.forward(x, w, b, param).out; };
  const std::string name = std::string(" of conv_backward_") + impl.name;
  const auto context = [&](const char* tensor) {
    return GradCheckOptions{.context = conv_backward_context(tensor, x, w, dout, param)};
  };
  REQUIRE_GRADIENT_OK(check_gradient("dx" + name, y, x, dout, dx, context("dx")));
  REQUIRE_GRADIENT_OK(check_gradient("dw" + name, y, w, dout, dw, context("dw")));
  REQUIRE_GRADIENT_OK(check_gradient("db" + name, y, b, dout, db, context("db")));
}

// A random configuration that tiles: sizes small enough for the naive loops, edge cases included.
struct Config {
  std::array<std::size_t, 4> x_shape, w_shape;
  ConvParam param;
};

std::vector<Config> random_configs(std::size_t count, std::uint64_t seed) {
  Rng rng(seed);
  auto between = [&](std::size_t lo, std::size_t hi) { return lo + rng.index(hi - lo + 1); };
  std::vector<Config> configs = {
      // the edge cases by name: N = 1 and C = 1; 1x1 filters; pad HH - 1; stride = filter; one output
      {{1, 1, 5, 5}, {1, 1, 3, 3}, {1, 0}},
      {{2, 3, 4, 6}, {4, 3, 1, 1}, {1, 0}},
      {{1, 2, 3, 4}, {2, 2, 3, 3}, {1, 2}},
      {{2, 2, 6, 4}, {3, 2, 2, 2}, {2, 0}},
      {{2, 2, 3, 5}, {2, 2, 3, 5}, {1, 0}},
  };
  while (configs.size() < count) {
    const std::size_t HH = between(1, 5), WW = between(1, 5), S = between(1, 3);
    const std::size_t P = between(0, std::min(HH, WW) - 1);
    const std::size_t Hout = between(1, 5), Wout = between(1, 5);
    // H + 2P - HH = (Hout - 1) S  gives the H that tiles exactly; skip when it would be below 1
    if ((Hout - 1) * S + HH < 2 * P + 1 || (Wout - 1) * S + WW < 2 * P + 1) continue;
    const std::size_t H = (Hout - 1) * S + HH - 2 * P, W = (Wout - 1) * S + WW - 2 * P;
    const std::size_t N = between(1, 3), C = between(1, 4), F = between(1, 4);
    configs.push_back({{N, C, H, W}, {F, C, HH, WW}, {S, P}});
  }
  return configs;
}

void check_naive_against_im2col(const std::vector<Config>& configs, std::uint64_t seed) {
  Rng rng(seed);
  for (const Config& c : configs) {
    INFO("x " << shape_str(c.x_shape) << ", w " << shape_str(c.w_shape) << ", stride " << c.param.stride
              << ", pad " << c.param.pad);
    const Tensor4 x = randn<Tensor4>(c.x_shape, rng);
    const Tensor4 w = randn<Tensor4>(c.w_shape, rng);
    const Tensor1 b = randn<Tensor1>(std::array<std::size_t, 1>{c.w_shape[0]}, rng);
    const auto [out_naive, cache_naive] = conv_forward_naive(x, w, b, c.param);
    const auto [out_fast, cache_fast] = conv_forward_im2col(x, w, b, c.param);
    REQUIRE_CLOSE(compare("out", out_fast, out_naive));
    const Tensor4 dout = randn<Tensor4>(out_naive.shape(), rng);
    const auto [dx_naive, dw_naive, db_naive] = conv_backward_naive(dout, cache_naive);
    const auto [dx_fast, dw_fast, db_fast] = conv_backward_im2col(dout, cache_fast);
    REQUIRE_CLOSE(compare("dx", dx_fast, dx_naive));
    REQUIRE_CLOSE(compare("dw", dw_fast, dw_naive));
    REQUIRE_CLOSE(compare("db", db_fast, db_naive));
  }
}

void check_bad_input(const ConvImpl& impl) {
  const std::string f = std::string("conv_forward_") + impl.name;
  const Tensor4 x7 = xt::zeros<double>({1, 1, 7, 7});
  const Tensor4 w3 = xt::zeros<double>({2, 1, 3, 3});
  const Tensor1 b2 = xt::zeros<double>({2});
  // the lecture's 7x7 input with a 3x3 filter at stride 3 does not fit
  REQUIRE_THROWS_MATCHES(impl.forward(x7, w3, b2, {.stride = 3, .pad = 0}), shape_error,
                         Message(f + ": (H - F + 2P) = 4 is not divisible by stride S = 3 (H = 7, F = 3, P = 0)"));
  REQUIRE_THROWS_AS(impl.forward(x7, w3, b2, {.stride = 0, .pad = 0}), value_error);
  const Tensor4 x_rgb = xt::zeros<double>({2, 3, 8, 8});
  REQUIRE_THROWS_MATCHES(impl.forward(x_rgb, w3, b2, {}), shape_error,
                         Message(f + ": x has C = 3 channels but the filters w have depth 1; expected w of shape "
                                     "(F, 3, HH, WW), got (2, 1, 3, 3)"));
  const Tensor1 b3 = xt::zeros<double>({3});
  REQUIRE_THROWS_MATCHES(impl.forward(x7, w3, b3, {}), shape_error,
                         Message(f + ": w has F = 2 filters but b has 3 entries"));
  const Tensor4 w9 = xt::zeros<double>({2, 1, 9, 3});
  REQUIRE_THROWS_MATCHES(
      impl.forward(x7, w9, b2, {}), shape_error,
      Message(f + ": window F = 9 is larger than the padded input H + 2P = 7 (H = 7, F = 9, P = 0)"));
}

void check_bad_dout(const ConvImpl& impl) {
  const Tensor4 x = xt::zeros<double>({2, 1, 5, 5});
  const Tensor4 w = xt::zeros<double>({3, 1, 3, 3});
  const Tensor1 b = xt::zeros<double>({3});
  const auto [out, cache] = impl.forward(x, w, b, {.stride = 1, .pad = 0});
  const Tensor4 dout = xt::zeros<double>({2, 3, 5, 5});
  REQUIRE_THROWS_MATCHES(impl.backward(dout, cache), shape_error,
                         Message(std::string("conv_backward_") + impl.name +
                                 ": dout must have the output's shape (N, F, Hout, Wout) = (2, 3, 3, 3), got "
                                 "(2, 3, 5, 5)"));
}

}  // namespace

TEST_CASE("conv_forward_naive reproduces the course's published numbers and PyTorch", "[conv][naive][known][fn:conv_forward_naive]") {
  check_course_forward(naive);
}

TEST_CASE("conv_forward_im2col reproduces the course's published numbers and PyTorch", "[conv][im2col][known][fn:conv_forward_im2col]") {
  check_course_forward(im2col_impl);
}

TEST_CASE("conv_backward_naive matches PyTorch's autograd on the course's example", "[conv][naive][known][fn:conv_backward_naive]") {
  check_course_backward(naive);
}

TEST_CASE("conv_backward_im2col matches PyTorch's autograd on the course's example", "[conv][im2col][known][fn:conv_backward_im2col]") {
  check_course_backward(im2col_impl);
}

TEST_CASE("naive conv matches PyTorch on stride 2, padding, non-square, 1x1 and single-channel shapes",
          "[conv][naive][known][torch][fn:conv_forward_naive][fn:conv_backward_naive]") {
  check_torch_cases(naive);
}

TEST_CASE("im2col conv matches PyTorch on stride 2, padding, non-square, 1x1 and single-channel shapes",
          "[conv][im2col][known][torch][fn:conv_forward_im2col][fn:conv_backward_im2col]") {
  check_torch_cases(im2col_impl);
}

TEST_CASE("conv_forward_naive finds a vertical edge with Sobel filters, as worked out by hand",
          "[conv][naive][known][fn:conv_forward_naive]") {
  check_sobel(naive);
}

TEST_CASE("conv_forward_im2col finds a vertical edge with Sobel filters, as worked out by hand",
          "[conv][im2col][known][fn:conv_forward_im2col]") {
  check_sobel(im2col_impl);
}

TEST_CASE("conv_backward_naive matches numerical gradients for x, w and b", "[conv][naive][gradcheck][fn:conv_backward_naive]") {
  check_gradients(naive, {2, 3, 5, 5}, {3, 3, 3, 3}, {.stride = 2, .pad = 1}, 231);
  check_gradients(naive, {1, 2, 6, 4}, {2, 2, 2, 3}, {.stride = 1, .pad = 1}, 7);
}

TEST_CASE("conv_backward_im2col matches numerical gradients for x, w and b", "[conv][im2col][gradcheck][fn:conv_backward_im2col]") {
  check_gradients(im2col_impl, {2, 3, 5, 5}, {3, 3, 3, 3}, {.stride = 2, .pad = 1}, 231);
  check_gradients(im2col_impl, {1, 2, 6, 4}, {2, 2, 2, 3}, {.stride = 1, .pad = 1}, 7);
}

TEST_CASE("naive and im2col conv agree to 1e-10 on 50 random shapes, forward and backward",
          "[conv][im2col][naive][property][fn:conv_forward_im2col][fn:conv_backward_im2col]") {
  check_naive_against_im2col(random_configs(50, 2016), 1);
}

TEST_CASE("conv_forward_naive refuses non-tiling strides, channel mismatches and wrong bias lengths",
          "[conv][naive][errors][fn:conv_forward_naive]") {
  check_bad_input(naive);
}

TEST_CASE("conv_forward_im2col refuses non-tiling strides, channel mismatches and wrong bias lengths",
          "[conv][im2col][errors][fn:conv_forward_im2col]") {
  check_bad_input(im2col_impl);
}

TEST_CASE("conv_backward_naive refuses an upstream gradient of the wrong shape", "[conv][naive][errors][fn:conv_backward_naive]") {
  check_bad_dout(naive);
}

TEST_CASE("conv_backward_im2col refuses an upstream gradient of the wrong shape", "[conv][im2col][errors][fn:conv_backward_im2col]") {
  check_bad_dout(im2col_impl);
}
