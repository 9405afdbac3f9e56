// Tests of im2col and col2im (src/layers/im2col.hpp): small cases checked by hand, the adjoint identity
// <im2col(x), c> = <x, col2im(c)>, agreement of the fast chunked versions with the clear ones, bad input.
#include "layers/im2col.hpp"

#include <array>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include <xtensor/xview.hpp>

#include "internals/conv_fast.hpp"
#include "core/errors.hpp"
#include "support/testing.hpp"

using namespace cnn;
using Catch::Matchers::Message;

namespace {

// x (1, 1, 3, 3) holding 1 .. 9 row by row:
//   1 2 3
//   4 5 6
//   7 8 9
Tensor4 one_to_nine() {
  Tensor4 x = Tensor4::from_shape({1, 1, 3, 3});
  for (std::size_t k = 0; k < 9; ++k) x.data()[k] = static_cast<double>(k + 1);
  return x;
}

double dot(const Tensor2& a, const Tensor2& b) {
  double s = 0.0;
  for (std::size_t k = 0; k < a.size(); ++k) s += a.data()[k] * b.data()[k];
  return s;
}

double dot(const Tensor4& a, const Tensor4& b) {
  double s = 0.0;
  for (std::size_t k = 0; k < a.size(); ++k) s += a.data()[k] * b.data()[k];
  return s;
}

struct Case {
  std::array<std::size_t, 4> x_shape;
  std::size_t HH, WW;
  ConvParam param;
};

// Shapes with stride > 1, padding, non-square inputs and filters, 1x1 filters, one example, one channel.
const std::vector<Case> cases = {
    {{1, 1, 3, 3}, 2, 2, {1, 0}}, {{2, 3, 5, 5}, 3, 3, {2, 1}}, {{2, 2, 7, 9}, 3, 5, {2, 2}},
    {{3, 4, 5, 6}, 1, 1, {1, 0}}, {{1, 2, 4, 4}, 3, 3, {1, 2}}, {{2, 1, 10, 7}, 4, 4, {3, 0}},
    {{4, 3, 6, 6}, 2, 2, {2, 0}}, {{1, 1, 1, 1}, 1, 1, {1, 0}},
};

}  // namespace

TEST_CASE("im2col by hand: a 2x2 filter on a 3x3 image gives four columns of four", "[im2col][known][fn:im2col]") {
  const Tensor2 cols = im2col(one_to_nine(), 2, 2, {.stride = 1, .pad = 0});
  // Column k is the receptive field of output (i, j), k = i * 2 + j; row r = p * 2 + q is filter offset (p, q).
  //   field (0, 0): 1 2 / 4 5,  (0, 1): 2 3 / 5 6,  (1, 0): 4 5 / 7 8,  (1, 1): 5 6 / 8 9
  const Tensor2 expected = {{1, 2, 4, 5},   // (p, q) = (0, 0): top left of each field
                            {2, 3, 5, 6},   // (0, 1)
                            {4, 5, 7, 8},   // (1, 0)
                            {5, 6, 8, 9}};  // (1, 1): bottom right
  REQUIRE_CLOSE(compare("cols", cols, expected));
}

TEST_CASE("im2col by hand: a 3x3 filter at stride 2 with padding 1 sees zeros at the borders",
          "[im2col][known][fn:im2col]") {
  const Tensor2 cols = im2col(one_to_nine(), 3, 3, {.stride = 2, .pad = 1});
  REQUIRE(cols.shape(0) == 9);  // (3 + 2 - 3) / 2 + 1 = 2 outputs per side: four fields of 3x3
  REQUIRE(cols.shape(1) == 4);
  // The padded image is 5x5; fields start at padded rows and columns 0 and 2:
  //   (0, 0): 0 0 0 / 0 1 2 / 0 4 5    (0, 1): 0 0 0 / 2 3 0 / 5 6 0
  //   (1, 0): 0 4 5 / 0 7 8 / 0 0 0    (1, 1): 5 6 0 / 8 9 0 / 0 0 0
  const Tensor2 fields = {{0, 0, 0, 0, 1, 2, 0, 4, 5},
                          {0, 0, 0, 2, 3, 0, 5, 6, 0},
                          {0, 4, 5, 0, 7, 8, 0, 0, 0},
                          {5, 6, 0, 8, 9, 0, 0, 0, 0}};
  REQUIRE_CLOSE(compare("cols", cols, Tensor2(xt::transpose(fields))));
}

TEST_CASE("im2col by hand: channels go down the rows, examples along the columns", "[im2col][known][fn:im2col]") {
  // x (2, 2, 1, 2) = 1 .. 8; with 1x1 filters each column is one pixel's channels: cols(c, n*2 + j) = x(n, c, 0, j)
  Tensor4 x = Tensor4::from_shape({2, 2, 1, 2});
  for (std::size_t k = 0; k < 8; ++k) x.data()[k] = static_cast<double>(k + 1);
  // x(0, 0) = [1 2], x(0, 1) = [3 4], x(1, 0) = [5 6], x(1, 1) = [7 8]
  const Tensor2 expected = {{1, 2, 5, 6}, {3, 4, 7, 8}};
  REQUIRE_CLOSE(compare("cols", im2col(x, 1, 1, {}), expected));
}

TEST_CASE("col2im by hand: all-ones columns count how many fields cover each pixel", "[im2col][known][fn:col2im]") {
  const Tensor2 ones = xt::ones<double>({4, 4});  // 2x2 filter on a 3x3 image, stride 1: four fields
  const Tensor4 counts = col2im(ones, {1, 1, 3, 3}, 2, 2, {.stride = 1, .pad = 0});
  // corners lie in one field, edge midpoints in two, the centre in all four
  const Tensor2 expected = {{1, 2, 1}, {2, 4, 2}, {1, 2, 1}};
  REQUIRE_CLOSE(compare("counts", xt::eval(xt::view(counts, 0, 0)), expected));
}

TEST_CASE("col2im is the adjoint of im2col: <im2col(x), c> = <x, col2im(c)>", "[im2col][adjoint][fn:im2col][fn:col2im]") {
  Rng rng(42);
  for (const Case& c : cases) {
    INFO("x " << shape_str(c.x_shape) << ", filter " << c.HH << "x" << c.WW << ", stride " << c.param.stride
              << ", pad " << c.param.pad);
    const Tensor4 x = randn<Tensor4>(c.x_shape, rng);
    const Tensor2 cols = im2col(x, c.HH, c.WW, c.param);
    const Tensor2 dcols = randn<Tensor2>(cols.shape(), rng);
    const Tensor4 dx = col2im(dcols, c.x_shape, c.HH, c.WW, c.param);
    REQUIRE(dx.shape() == x.shape());
    const double lhs = dot(cols, dcols), rhs = dot(x, dx);
    REQUIRE_THAT(lhs, testing::Near(rhs, 1e-10 * (1.0 + std::abs(rhs))));
  }
}

TEST_CASE("the fast row-block im2col and col2im agree with im2col and col2im", "[im2col][fast]") {
  Rng rng(7);
  for (const Case& c : cases) {
    INFO("x " << shape_str(c.x_shape) << ", filter " << c.HH << "x" << c.WW << ", stride " << c.param.stride
              << ", pad " << c.param.pad);
    const Tensor4 x = randn<Tensor4>(c.x_shape, rng);
    const Tensor2 cols = im2col(x, c.HH, c.WW, c.param);
    const Tensor2 dcols = randn<Tensor2>(cols.shape(), rng);
    const Tensor4 dx = col2im(dcols, c.x_shape, c.HH, c.WW, c.param);

    const auto [N, C, H, W] = c.x_shape;
    const ConvShape s{N, C, H, W, 1, c.HH, c.WW, 1 + (H + 2 * c.param.pad - c.HH) / c.param.stride,
                      1 + (W + 2 * c.param.pad - c.WW) / c.param.stride};
    const std::size_t K = C * c.HH * c.WW, HWo = s.Hout * s.Wout;
    REQUIRE(cols.shape(1) == N * HWo);
    // Every split of each example's output rows into two blocks [0, m) and [m, Hout), the whole example included.
    for (std::size_t m = 1; m <= s.Hout; ++m) {
      INFO("blocks of output rows [0, " << m << ") and [" << m << ", " << s.Hout << ")");
      Tensor4 dx_fast = xt::zeros<double>(c.x_shape);  // col2im_rows adds
      for (std::size_t n = 0; n < N; ++n)
        for (const auto& [i0, i1] : {std::pair{std::size_t{0}, m}, std::pair{m, s.Hout}}) {
          if (i0 == i1) continue;
          const std::size_t first = n * HWo + i0 * s.Wout, last = n * HWo + i1 * s.Wout;
          Tensor2 part = Tensor2::from_shape({K, last - first});
          detail::im2col_rows(x, n, i0, i1, s, c.param, part.data());
          REQUIRE_CLOSE(compare("cols of the block", part, Tensor2(xt::view(cols, xt::all(), xt::range(first, last))),
                                {0.0, 0.0}));
          const Tensor2 dpart = xt::view(dcols, xt::all(), xt::range(first, last));
          detail::col2im_rows(dpart.data(), n, i0, i1, s, c.param, dx_fast);
        }
      REQUIRE_CLOSE(compare("dx", dx_fast, dx, {1e-12, 1e-14}));
    }
  }
}

TEST_CASE("im2col refuses a filter that does not tile the input, and col2im columns of the wrong shape",
          "[im2col][errors][fn:im2col][fn:col2im]") {
  const Tensor4 x = xt::zeros<double>({1, 1, 7, 7});
  REQUIRE_THROWS_MATCHES(im2col(x, 3, 3, {.stride = 3, .pad = 0}), shape_error,
                         Message("im2col: (H - F + 2P) = 4 is not divisible by stride S = 3 (H = 7, F = 3, P = 0)"));
  REQUIRE_THROWS_AS(im2col(x, 3, 3, {.stride = 0, .pad = 0}), value_error);
  REQUIRE_THROWS_AS(im2col(x, 0, 3, {}), value_error);
  const Tensor2 cols = xt::zeros<double>({9, 24});
  REQUIRE_THROWS_MATCHES(col2im(cols, {1, 1, 7, 7}, 3, 3, {}), shape_error,
                         Message("col2im: cols must be (C*HH*WW, N*Hout*Wout) = (9, 25) for x of shape (1, 1, 7, 7) "
                                 "and 3x3 filters, got (9, 24)"));
}
