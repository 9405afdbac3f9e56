// figures: the course text's figures, drawn from real computations with cnnlab's own functions.
//
//   ./build/release/figures OUT_DIR          # writes OUT_DIR/<name>.svg, one line per figure
//   ./build/release/figures --list           # the figures, the page each is on and what computes it
//
// Every number in a figure comes from a call into the library (the reference solutions, the calculator, the
// model zoo), never from the drawing code: the sliding filter's output is conv_forward_naive's, the routed
// gradient is max_pool_backward_naive's, the VGG-16 bars are arch::analyze's. Where a figure also shows the
// arithmetic (the sum of one output, the product W_row X_col), the program recomputes it from the numbers on
// screen and refuses to draw when the two disagree. The docs target runs it (docs/CMakeLists.txt).
#include <algorithm>
#include <cmath>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>
#include <xtensor/xview.hpp>

#include "layers/affine.hpp"
#include "calculator/arch.hpp"
#include "layers/batchnorm.hpp"
#include "layers/conv.hpp"
#include "layers/dropout.hpp"
#include "core/errors.hpp"
#include "io/files.hpp"
#include "layers/im2col.hpp"
#include "layers/lrn.hpp"
#include "layers/optim.hpp"
#include "layers/pool.hpp"
#include "core/random.hpp"
#include "layers/relu.hpp"
#include "core/shapes.hpp"
#include "layers/softmax.hpp"
#include "io/svg.hpp"
#include "layers/svm.hpp"
#include "calculator/zoo.hpp"

using namespace cnn;
using svg::Anchor;
using svg::Canvas;
using svg::Series;

namespace {

svg::YAxis log_axis(std::optional<double> lo = {}, std::optional<double> hi = {}) {
  svg::YAxis a;
  a.log = true, a.min = lo, a.max = hi;
  return a;
}

// Light tints of the palette, one per receptive field / pooling window.
const std::vector<std::string> kTints = {"#cfe3f3", "#f8d8c0", "#c8eadf", "#f1d6e8", "#fbe8bf", "#d7eefa"};
const std::string kPadFill = "#eeeeee";

// A grid of numbers with a caption above it; fill(i, j) colours a cell, bold(i, j) writes its number in bold.
void number_grid(Canvas& c, double x, double y, double cell, std::size_t rows, std::size_t cols,
                 const std::function<double(std::size_t, std::size_t)>& value,
                 const std::function<std::string(std::size_t, std::size_t)>& fill, const std::string& caption,
                 const std::function<bool(std::size_t, std::size_t)>& bold = {}) {
  c.text(x + cell * static_cast<double>(cols) / 2, y - 10, caption, 14, Anchor::middle, "#111", true);
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t j = 0; j < cols; ++j) {
      const double cx = x + cell * static_cast<double>(j), cy = y + cell * static_cast<double>(i);
      c.rect(cx, cy, cell, cell, fill(i, j), "#999");
      const bool b = bold && bold(i, j);
      c.text(cx + cell / 2, cy + cell / 2 + 5, svg::fmt(value(i, j), 3), cell >= 36 ? 14 : 12, Anchor::middle,
             b ? "#000" : "#333", b);
    }
}

void outline(Canvas& c, double x, double y, double cell, std::size_t i0, std::size_t j0, std::size_t h, std::size_t w,
             const std::string& colour, double width = 3) {
  c.rect(x + cell * static_cast<double>(j0), y + cell * static_cast<double>(i0), cell * static_cast<double>(w),
         cell * static_cast<double>(h), "none", colour, width);
}

std::string signed_str(double v) { return v < 0 ? "(" + svg::fmt(v) + ")" : svg::fmt(v); }

void require_close(double a, double b, const std::string& what) {
  if (std::abs(a - b) > 1e-9 * std::max(1.0, std::abs(a)))
    throw value_error("figures", what + ": the figure's arithmetic gives " + svg::fmt(a, 12) + " but the library gives " +
                                     svg::fmt(b, 12));
}

Tensor4 integers(std::array<std::size_t, 4> shape, Rng& rng, int lo, int hi) {
  Tensor4 t = Tensor4::from_shape(shape);
  for (auto& v : t) v = lo + static_cast<int>(rng.index(static_cast<std::size_t>(hi - lo + 1)));
  return t;
}

// --- the convolution ---------------------------------------------------------------------------------------

// A 3x3 filter at stride 2 over a 5x5 input padded by 1; the receptive field of one output and its sum.
Canvas conv_sliding() {
  Rng rng(7);
  const Tensor4 x = integers({1, 1, 5, 5}, rng, 0, 3);
  const Tensor4 w = integers({1, 1, 3, 3}, rng, -1, 1);
  const Tensor1 b = {1.0};
  const ConvParam param{.stride = 2, .pad = 1};
  const Tensor4 y = conv_forward_naive(x, w, b, param).out;  // (1, 1, 3, 3)
  const std::size_t oi = 0, oj = 1, P = 1, S = 2;
  auto xpad = [&](std::size_t i, std::size_t j) {
    return (i < P || j < P || i >= 5 + P || j >= 5 + P) ? 0.0 : x(0, 0, i - P, j - P);
  };
  Canvas c(860, 480);
  svg::title(c, "A 3x3 filter at stride 2 over a 5x5 input with zero padding 1: output 3x3");
  const double cell = 40, x0 = 30, y0 = 80, fx = 380, ox = 620;
  number_grid(c, x0, y0, cell, 7, 7, xpad,
              [&](std::size_t i, std::size_t j) {
                if (i >= oi * S && i < oi * S + 3 && j >= oj * S && j < oj * S + 3) return kTints[0];
                return (i < P || j < P || i >= 5 + P || j >= 5 + P) ? kPadFill : std::string("white");
              },
              "padded input x\u0302 (7x7; grey: the padding)");
  outline(c, x0, y0, cell, oi * S, oj * S, 3, 3, svg::palette()[0]);
  c.text(fx - 30, y0 + 3 * cell + 25, "\u2217", 30, Anchor::middle);
  number_grid(c, fx, y0 + 2 * cell, cell, 3, 3, [&](std::size_t i, std::size_t j) { return w(0, 0, i, j); },
              [](std::size_t, std::size_t) { return std::string("#fff5d6"); }, "filter w (3x3), b = 1");
  c.text(ox - 40, y0 + 3 * cell + 25, "=", 30, Anchor::middle);
  number_grid(c, ox, y0 + 2 * cell, cell + 10, 3, 3, [&](std::size_t i, std::size_t j) { return y(0, 0, i, j); },
              [&](std::size_t i, std::size_t j) { return i == oi && j == oj ? kTints[0] : std::string("white"); },
              "output y (3x3)", [&](std::size_t i, std::size_t j) { return i == oi && j == oj; });
  outline(c, ox, y0 + 2 * cell, cell + 10, oi, oj, 1, 1, svg::palette()[0]);
  // The sum, term by term, from the numbers on screen; checked against the library's output.
  std::string terms;
  double sum = b(0);
  for (std::size_t p = 0; p < 3; ++p)
    for (std::size_t q = 0; q < 3; ++q) {
      const double xv = xpad(oi * S + p, oj * S + q), wv = w(0, 0, p, q);
      sum += wv * xv;
      terms += signed_str(wv) + "\u00b7" + svg::fmt(xv) + " + ";
    }
  require_close(sum, y(0, 0, oi, oj), "conv_sliding: y[0, 1]");
  c.text(30, y0 + 7 * cell + 50, "y[0, 1] = sum of w \u00b7 x\u0302 over the blue window + b", 15, Anchor::start, "#111", true);
  c.text(30, y0 + 7 * cell + 78, "= " + terms + "1", 15);
  c.text(30, y0 + 7 * cell + 106, "= " + svg::fmt(sum) + "   (conv_forward_naive gives " + svg::fmt(y(0, 0, oi, oj)) +
                                      "; the window moves 2 columns per output: stride 2)", 15);
  return c;
}

// The course notes' convolution demo, stepped: a 5x5x3 input padded by 1, two 3x3x3 filters at stride 2, an
// output of 3x3x2. The top shows every number, with the windows of one output; below, one small panel per output
// position shows where the windows fall on the three channels and the two outputs computed there. Every output
// is summed here from the numbers on screen and checked against conv_forward_naive.
Canvas conv_demo() {
  Rng rng(11);
  const Tensor4 x = integers({1, 3, 5, 5}, rng, 0, 2);
  const Tensor4 w = integers({2, 3, 3, 3}, rng, -1, 1);
  const Tensor1 b = {1.0, 0.0};
  const ConvParam param{.stride = 2, .pad = 1};
  const Tensor4 y = conv_forward_naive(x, w, b, param).out;  // (1, 2, 3, 3)
  const std::size_t P = 1, S = 2, H = 5;
  auto xpad = [&](std::size_t c, std::size_t i, std::size_t j) {
    return (i < P || j < P || i >= H + P || j >= H + P) ? 0.0 : x(0, c, i - P, j - P);
  };
  auto pad_fill = [&](std::size_t i, std::size_t j) {
    return (i < P || j < P || i >= H + P || j >= H + P) ? kPadFill : std::string("white");
  };
  // Each output summed from the numbers drawn, against the library's.
  for (std::size_t f = 0; f < 2; ++f)
    for (std::size_t i = 0; i < 3; ++i)
      for (std::size_t j = 0; j < 3; ++j) {
        double sum = b(f);
        for (std::size_t c = 0; c < 3; ++c)
          for (std::size_t p = 0; p < 3; ++p)
            for (std::size_t q = 0; q < 3; ++q) sum += w(f, c, p, q) * xpad(c, i * S + p, j * S + q);
        require_close(sum, y(0, f, i, j), std::string("conv_demo: y[") + std::to_string(f) + ", " + std::to_string(i) + ", " +
                                              std::to_string(j) + "]");
      }
  Canvas c(860, 1060);
  svg::title(c, "Input 5x5x3, padding 1, two 3x3x3 filters, stride 2: output 3x3x2 (conv_forward_naive)");
  const double cell = 22, top = 70, gap = 190;
  const std::size_t oi = 1, oj = 0, si = oi * S, sj = oj * S;  // the top part shows output (1, 0)
  // (r, q) of the padded input lies in the window of output (i, j); unsigned, so r < i * S wraps and fails
  auto in_window = [&](std::size_t r, std::size_t q, std::size_t i, std::size_t j) {
    return r - i * S < 3 && q - j * S < 3;
  };
  for (std::size_t ch = 0; ch < 3; ++ch) {
    const double y0 = top + gap * static_cast<double>(ch);
    number_grid(c, 20, y0, cell, 7, 7, [&](std::size_t i, std::size_t j) { return xpad(ch, i, j); },
                [&](std::size_t i, std::size_t j) {
                  return in_window(i, j, oi, oj) ? kTints[0] : pad_fill(i, j);
                },
                "x̂ channel " + std::to_string(ch));
    outline(c, 20, y0, cell, si, sj, 3, 3, svg::palette()[0]);
    for (std::size_t f = 0; f < 2; ++f)
      number_grid(c, 240 + 130 * static_cast<double>(f), y0 + 2 * cell, cell + 6, 3, 3,
                  [&](std::size_t i, std::size_t j) { return w(f, ch, i, j); },
                  [&](std::size_t, std::size_t) { return std::string(f == 0 ? "#fff5d6" : "#e9e2f6"); },
                  std::string("w") + std::to_string(f) + " channel " + std::to_string(ch));
  }
  c.text(240 + 42, top + 3 * gap - 10, std::string("b0 = ") + svg::fmt(b(0)), 14, Anchor::middle, "#111", true);
  c.text(370 + 42, top + 3 * gap - 10, std::string("b1 = ") + svg::fmt(b(1)), 14, Anchor::middle, "#111", true);
  for (std::size_t f = 0; f < 2; ++f) {
    const double y0 = top + 40 + gap * static_cast<double>(f) * 1.3;
    number_grid(c, 560, y0, cell + 14, 3, 3, [&](std::size_t i, std::size_t j) { return y(0, f, i, j); },
                [&](std::size_t i, std::size_t j) {
                  return i == oi && j == oj ? kTints[1] : std::string("white");
                },
                std::string("output y, map ") + std::to_string(f));
  }
  c.text(560, top + 40 + gap * 2.6 + 20, "y[f, 1, 0] = sum over the 3 channels of", 13);
  c.text(560, top + 40 + gap * 2.6 + 38, "w_f times the blue windows, + b_f", 13);
  // The steps: every output position.
  const double panel_top = top + 3 * gap + 30, small = 9;
  c.text(20, panel_top, "Every output position, in order: the window on each channel, and the two outputs there",
         15, Anchor::start, "#111", true);
  for (std::size_t i = 0; i < 3; ++i)
    for (std::size_t j = 0; j < 3; ++j) {
      const double px = 20 + 280 * static_cast<double>(j), py = panel_top + 20 + 130 * static_cast<double>(i);
      for (std::size_t ch = 0; ch < 3; ++ch) {
        const double gx = px + 7 * small * static_cast<double>(ch) + 8 * static_cast<double>(ch);
        for (std::size_t r = 0; r < 7; ++r)
          for (std::size_t q = 0; q < 7; ++q) {
            const bool in = in_window(r, q, i, j);
            c.rect(gx + small * static_cast<double>(q), py + small * static_cast<double>(r), small, small,
                   in ? kTints[0] : pad_fill(r, q), "#bbb", 0.5);
          }
        outline(c, gx, py, small, i * S, j * S, 3, 3, svg::palette()[0], 1.5);
      }
      c.text(px, py + 7 * small + 18, std::string("step ") + std::to_string(3 * i + j + 1) + ": position (" + std::to_string(i) +
                                         ", " + std::to_string(j) + ")", 12, Anchor::start, "#444");
      c.text(px, py + 7 * small + 34, std::string("y0 = ") + svg::fmt(y(0, 0, i, j)) + ",  y1 = " + svg::fmt(y(0, 1, i, j)), 13,
             Anchor::start, "#111", true);
    }
  return c;
}

// The lecture's 7x7 input with a 3x3 filter at strides 1, 2 and 3: where the windows fall, and what
// conv_output_size says.
Canvas conv_stride() {
  const double cell = 44, x0 = 150;
  Canvas c(860, 480);
  svg::title(c, "One row of a 7x7 input, a 3x3 filter: the windows at stride 1, 2 and 3");
  double y = 70;
  for (std::size_t S : {1, 2, 3}) {
    std::string verdict;
    try {
      const std::size_t out = conv_output_size("conv_output_size", 7, 3, S, 0);
      verdict = "output " + std::to_string(out) + "x" + std::to_string(out) + ": (7 - 3) / " + std::to_string(S) + " + 1 = " +
                std::to_string(out);
    } catch (const shape_error& e) {
      verdict = std::string("does not fit: the last window sticks out. cnnlab says:\n") + e.what();
    }
    c.text(20, y + cell / 2 + 6, "stride " + std::to_string(S), 16, Anchor::start, "#111", true);
    for (std::size_t j = 0; j < 7; ++j) {
      c.rect(x0 + cell * static_cast<double>(j), y, cell, cell, "white", "#999");
      c.text(x0 + cell * (static_cast<double>(j) + 0.5), y + cell / 2 + 5, std::to_string(j), 13, Anchor::middle, "#777");
    }
    std::size_t k = 0;
    for (std::size_t start = 0; start < 7; start += S, ++k) {
      const bool fits = start + 3 <= 7;
      if (!fits && (7 - 3) % S == 0) break;  // the windows tile: nothing sticks out
      const double by = y + cell + 8 + 9.0 * static_cast<double>(k);
      const std::string col = fits ? svg::palette()[k % 3] : "#cc0000";
      c.line(x0 + cell * static_cast<double>(start) + 3, by, x0 + cell * static_cast<double>(start + 3) - 3, by, col, 5, !fits);
      if (!fits) break;
    }
    const double ty = y + cell + 8 + 9.0 * static_cast<double>(k) + 24;
    const auto nl = verdict.find('\n');
    c.text(x0, ty, verdict.substr(0, nl), 14, Anchor::start, S == 3 ? "#b00000" : "#222");
    if (nl != std::string::npos) c.text(x0, ty + 20, verdict.substr(nl + 1), 13, Anchor::start, "#b00000");
    y = ty + 34;
  }
  return c;
}

// im2col on a tiny case: x (1, 2, 3, 3), two 2x2 filters at stride 1; X_col's columns are the receptive fields.
Canvas im2col_figure() {
  Rng rng(3);
  const Tensor4 x = integers({1, 2, 3, 3}, rng, 0, 9);
  const Tensor4 w = integers({2, 2, 2, 2}, rng, -1, 1);
  const Tensor1 b = xt::zeros<double>({2});
  const ConvParam param{.stride = 1, .pad = 0};
  const Tensor2 cols = im2col(x, 2, 2, param);  // (C*HH*WW, Hout*Wout) = (8, 4)
  const Tensor4 y = conv_forward_naive(x, w, b, param).out;  // (1, 2, 2, 2)
  Canvas c(900, 640);
  svg::title(c, "im2col: fields become columns, filters become rows, the convolution one product");
  // The input four times, each copy with one receptive field shaded.
  const double small = 24;
  for (std::size_t k = 0; k < 4; ++k) {
    const std::size_t fi = k / 2, fj = k % 2;
    const double bx = 30 + 215.0 * static_cast<double>(k), by = 80;
    for (std::size_t ch = 0; ch < 2; ++ch) {
      const double gx = bx + (3 * small + 12) * static_cast<double>(ch);
      number_grid(c, gx, by, small, 3, 3, [&](std::size_t i, std::size_t j) { return x(0, ch, i, j); },
                  [&](std::size_t i, std::size_t j) {
                    return (i >= fi && i < fi + 2 && j >= fj && j < fj + 2) ? kTints[k] : std::string("white");
                  },
                  "c = " + std::to_string(ch));
    }
    c.text(bx + 84, by + 3 * small + 22, "field " + std::to_string(k) + ": y[:, " + std::to_string(fi) + ", " +
                                             std::to_string(fj) + "]", 13, Anchor::middle);
  }
  const double cell = 34, top = 250;
  // W_row: (F, C*HH*WW) = (2, 8), the filters flattened.
  const double wx = 30;
  number_grid(c, wx, top + 3 * cell, cell, 2, 8, [&](std::size_t f, std::size_t r) { return w(f, r / 4, (r / 2) % 2, r % 2); },
              [](std::size_t, std::size_t r) { return r < 4 ? std::string("#fff5d6") : std::string("#fdeecb"); },
              "W_row (2 filters x 8)");
  c.text(wx + 8 * cell + 22, top + 4 * cell + 6, "\u00d7", 26, Anchor::middle);
  const double cx = wx + 8 * cell + 44;
  number_grid(c, cx, top, cell, 8, 4, [&](std::size_t r, std::size_t k) { return cols(r, k); },
              [&](std::size_t, std::size_t k) { return kTints[k]; }, "X_col (8 x 4 fields)");
  for (std::size_t r = 0; r < 8; ++r)
    c.text(cx + 4 * cell + 6, top + cell * (static_cast<double>(r) + 0.65),
           "c" + std::to_string(r / 4) + " p" + std::to_string((r / 2) % 2) + " q" + std::to_string(r % 2), 12,
           Anchor::start, "#555");
  c.text(cx + 4 * cell + 78, top + 4 * cell + 6, "=", 26, Anchor::middle);
  const double yx = cx + 4 * cell + 104;
  // The product from the numbers on screen, checked against conv_forward_naive.
  Tensor2 prod = xt::zeros<double>({2, 4});
  for (std::size_t f = 0; f < 2; ++f)
    for (std::size_t k = 0; k < 4; ++k) {
      for (std::size_t r = 0; r < 8; ++r) prod(f, k) += w(f, r / 4, (r / 2) % 2, r % 2) * cols(r, k);
      require_close(prod(f, k), y(0, f, k / 2, k % 2), "im2col: W_row X_col");
    }
  number_grid(c, yx, top + 3 * cell, cell, 2, 4, [&](std::size_t f, std::size_t k) { return prod(f, k); },
              [&](std::size_t, std::size_t k) { return kTints[k]; }, "Y (2 x 4)");
  c.text(30, top + 8 * cell + 40, "Row f of Y, read as 2x2, is filter f's activation map: conv_forward_naive gives the same "
                                  "numbers.", 14);
  c.text(30, top + 8 * cell + 62, "Each column of X_col holds the 2 x 2 x 2 = 8 inputs under one position of the filter, "
                                  "in the order (c, p, q) of w's entries.", 14);
  return c;
}

// --- pooling -------------------------------------------------------------------------------------------------

Canvas pool_max() {
  Rng rng(11);
  std::vector<double> values(16);
  for (std::size_t i = 0; i < 16; ++i) values[i] = static_cast<double>(i + 1);
  for (std::size_t i = 16; i > 1; --i) std::swap(values[i - 1], values[rng.index(i)]);  // distinct: no ties
  Tensor4 x = Tensor4::from_shape({1, 1, 4, 4});
  std::copy(values.begin(), values.end(), x.begin());
  const PoolParam param{.height = 2, .width = 2, .stride = 2};
  const auto fwd = max_pool_forward_naive(x, param);
  Tensor4 dout = Tensor4::from_shape({1, 1, 2, 2});
  const double g[] = {0.5, -1, 2, 0.25};
  std::copy(std::begin(g), std::end(g), dout.begin());
  const Tensor4 dx = max_pool_backward_naive(dout, fwd.cache).dx;
  auto window = [](std::size_t i, std::size_t j) { return (i / 2) * 2 + j / 2; };
  auto is_max = [&](std::size_t i, std::size_t j) { return x(0, 0, i, j) == fwd.out(0, 0, i / 2, j / 2); };
  Canvas c(820, 560);
  svg::title(c, "Max pooling 2x2, stride 2: forward keeps each window's maximum, backward routes to it");
  const double cell = 46;
  auto tint = [&](std::size_t i, std::size_t j) { return kTints[window(i, j)]; };
  c.text(30, 72, "forward", 16, Anchor::start, "#111", true);
  number_grid(c, 130, 100, cell, 4, 4, [&](std::size_t i, std::size_t j) { return x(0, 0, i, j); }, tint, "x (4x4)", is_max);
  for (std::size_t i = 0; i < 4; ++i)
    for (std::size_t j = 0; j < 4; ++j)
      if (is_max(i, j)) outline(c, 130, 100, cell, i, j, 1, 1, "#222", 2.5);
  c.arrow(130 + 4 * cell + 20, 100 + 2 * cell, 130 + 4 * cell + 110, 100 + 2 * cell, "#444");
  c.text(130 + 4 * cell + 65, 100 + 2 * cell - 10, "max", 14, Anchor::middle);
  number_grid(c, 460, 100 + cell, cell, 2, 2, [&](std::size_t i, std::size_t j) { return fwd.out(0, 0, i, j); },
              [&](std::size_t i, std::size_t j) { return kTints[i * 2 + j]; }, "y (2x2)");
  c.text(30, 332, "backward", 16, Anchor::start, "#111", true);
  number_grid(c, 460, 360 + cell, cell, 2, 2, [&](std::size_t i, std::size_t j) { return dout(0, 0, i, j); },
              [&](std::size_t i, std::size_t j) { return kTints[i * 2 + j]; }, "dL/dy (given)");
  c.arrow(460 - 20, 360 + 2 * cell, 130 + 4 * cell + 20, 360 + 2 * cell, "#444");
  c.text(130 + 4 * cell + 65, 360 + 2 * cell - 10, "route", 14, Anchor::middle);
  number_grid(c, 130, 360, cell, 4, 4, [&](std::size_t i, std::size_t j) { return dx(0, 0, i, j); },
              [&](std::size_t i, std::size_t j) { return is_max(i, j) ? tint(i, j) : std::string("white"); },
              "dL/dx = max_pool_backward_naive", is_max);
  c.text(600, 420, "Each window's gradient goes", 14);
  c.text(600, 440, "to the input that won the max;", 14);
  c.text(600, 460, "the other three get 0.", 14);
  return c;
}

// --- batch normalization ---------------------------------------------------------------------------------------

std::pair<Canvas, Canvas> batchnorm_histograms() {
  Rng rng(5);
  const std::size_t N = 2000;
  const double mean[] = {4.0, -2.0, 1.0}, stdev[] = {1.5, 0.5, 3.0};
  Tensor2 x = Tensor2::from_shape({N, 3});
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t d = 0; d < 3; ++d) x(n, d) = mean[d] + stdev[d] * rng.normal();
  BatchNormState state = batchnorm_state(3);
  const Tensor2 y = batchnorm_forward(x, xt::ones<double>({3}), xt::zeros<double>({3}), BatchNormParam{}, state).out;
  std::vector<std::string> before, after;
  std::vector<std::vector<double>> xs(3), ys(3);
  for (std::size_t d = 0; d < 3; ++d) {
    for (std::size_t n = 0; n < N; ++n) xs[d].push_back(x(n, d)), ys[d].push_back(y(n, d));
    auto stats = [](const std::vector<double>& v) {
      double m = 0, s = 0;
      for (double a : v) m += a;
      m /= static_cast<double>(v.size());
      for (double a : v) s += (a - m) * (a - m);
      return std::pair{m, std::sqrt(s / static_cast<double>(v.size()))};
    };
    const auto [mx, sx] = stats(xs[d]);
    const auto [my, sy] = stats(ys[d]);
    before.push_back("feature " + std::to_string(d) + ": mean " + svg::fmt(mx, 2) + ", std " + svg::fmt(sx, 2));
    after.push_back("feature " + std::to_string(d) + ": mean " + svg::fmt(std::abs(my) < 1e-12 ? 0.0 : my, 2) +
                    ", std " + svg::fmt(sy, 3));
  }
  const std::string xlabel = "value of the feature (no unit)", ylabel = "examples per bin";
  return {svg::histogram(before, xs, 40, {"Before: three features of a minibatch of 2,000 examples", xlabel, ylabel}),
          svg::histogram(after, ys, 40, {"After batchnorm_forward (gamma = 1, beta = 0): every feature zero-mean, unit-variance",
                                         xlabel, ylabel}, 860)};
}

// --- residual blocks ---------------------------------------------------------------------------------------------

// One block y = x + W2 relu(W1 x): the addition hands dL/dy to both paths; numbers from affine and relu.
Canvas residual_flow() {
  Rng rng(2);
  const std::size_t D = 3;
  const Tensor2 x = randn<Tensor2>({1, D}, rng);
  const Tensor2 w1 = randn<Tensor2>({D, D}, rng, 0.6), w2 = randn<Tensor2>({D, D}, rng, 0.6);
  const Tensor1 b = xt::zeros<double>({D});
  const auto a1 = affine_forward(x, w1, b);
  const auto r = relu_forward(a1.out);
  const auto a2 = affine_forward(r.out, w2, b);
  Tensor2 dout = Tensor2::from_shape({1, D});
  const double g[] = {1.0, -0.5, 0.25};
  std::copy(std::begin(g), std::end(g), dout.begin());
  // backward through the residual path
  const Tensor dF2 = affine_backward(dout, a2.cache).dx;
  const Tensor dR = relu_backward(dF2, r.cache).dx;
  const Tensor2 dR2 = dR;
  const Tensor dF = affine_backward(dR2, a1.cache).dx;
  auto vec = [](const auto& t) {
    std::string s = "(";
    for (std::size_t i = 0; i < t.size(); ++i) s += (i ? ", " : "") + svg::fmt(t.flat(i), 2);
    return s + ")";
  };
  Tensor dx = dF;
  dx += dout;
  Canvas c(900, 430);
  svg::title(c, "A residual block y = x + F(x): the addition hands the same gradient to both paths");
  const double by = 190, bh = 50;
  auto box = [&](double x0, double w, const std::string& label, const std::string& fill) {
    c.rect(x0, by - bh / 2, w, bh, fill, "#555", 1.5);
    c.text(x0 + w / 2, by + 5, label, 15, Anchor::middle);
  };
  c.text(40, by + 5, "x", 20, Anchor::middle, "#111", true);
  c.arrow(55, by, 150, by, "#444");
  box(150, 110, "affine W1", "#e8f1fa");
  c.arrow(260, by, 300, by, "#444");
  box(300, 90, "ReLU", "#e8f1fa");
  c.arrow(390, by, 430, by, "#444");
  box(430, 110, "affine W2", "#e8f1fa");
  c.arrow(540, by, 632, by, "#444");
  c.rect(632, by - 20, 40, 40, "#fff5d6", "#555", 1.5);
  c.text(652, by + 8, "+", 24, Anchor::middle, "#111", true);
  c.arrow(672, by, 760, by, "#444");
  c.text(785, by + 5, "y", 20, Anchor::middle, "#111", true);
  // the shortcut
  c.line(95, by, 95, 95, "#444", 2);
  c.line(95, 95, 652, 95, "#444", 2);
  c.arrow(652, 95, 652, by - 20, "#444");
  c.text(380, 85, "identity shortcut: x itself", 14, Anchor::middle);
  // gradients, in the path's colours
  const std::string red = svg::palette()[1], blue = svg::palette()[0];
  c.text(765, by + 45, "dL/dy = " + vec(dout), 14, Anchor::middle, "#111", true);
  c.text(380, 125, "gradient on the shortcut: dL/dy unchanged = " + vec(dout), 14, Anchor::middle, red);
  c.text(380, by + 55, "gradient into F: dL/dy = " + vec(dout) + ", back through W2, ReLU, W1", 14, Anchor::middle, blue);
  c.text(380, by + 80, "gives dF = " + vec(dF), 14, Anchor::middle, blue);
  c.text(40, 330, "dL/dx = dL/dy + dF = " + vec(dout) + " + " + vec(dF) + " = " + vec(dx), 15, Anchor::start, "#111", true);
  c.text(40, 358, "However small dF becomes in a deep stack, the shortcut's share dL/dy reaches x whole.", 14);
  c.text(40, 380, "(numbers from affine_forward/backward and relu_forward/backward on one 3-vector; W1, W2 random)", 13,
         Anchor::start, "#555");
  return c;
}

// The gradient's size at every depth of a plain stack and of a residual stack, same weights.
Canvas residual_depth() {
  const std::size_t L = 30, D = 32, N = 8;
  Rng rng(9);
  std::vector<Tensor2> ws;
  for (std::size_t l = 0; l < L; ++l) ws.push_back(randn<Tensor2>({D, D}, rng, 0.5 / std::sqrt(static_cast<double>(D))));
  const Tensor1 b = xt::zeros<double>({D});
  const Tensor2 x0 = randn<Tensor2>({N, D}, rng);
  const Tensor2 dtop = randn<Tensor2>({N, D}, rng);
  std::vector<Series> out;
  for (bool residual : {false, true}) {
    std::vector<AffineCache> caches;
    std::vector<ReluCache> relus;
    Tensor2 h = x0;
    for (std::size_t l = 0; l < L; ++l) {
      auto r = relu_forward(h);
      auto a = affine_forward(r.out, ws[l], b);
      relus.push_back(r.cache);
      caches.push_back(a.cache);
      h = residual ? Tensor2(h + a.out) : a.out;
    }
    Tensor2 g = dtop;
    Series s{residual ? "residual: h + W relu(h)" : "plain: W relu(h)", {}, {}, true};
    std::vector<double> norms(L + 1);
    norms[L] = std::sqrt(xt::sum(g * g)());
    for (std::size_t l = L; l-- > 0;) {
      const Tensor2 da = affine_backward(g, caches[l]).dx;
      const Tensor2 dr = relu_backward(da, relus[l]).dx;
      g = residual ? Tensor2(g + dr) : dr;
      norms[l] = std::sqrt(xt::sum(g * g)());
    }
    for (std::size_t l = 0; l <= L; ++l) s.x.push_back(static_cast<double>(l)), s.y.push_back(norms[l]);
    out.push_back(s);
  }
  return svg::line_chart(out, {"Size of the gradient at every depth of a 30-layer stack (same weights)",
                               "depth (layer 0 is the input; the loss is above layer 30)", "norm of dL/dh (log scale)"},
                         log_axis());
}

// --- the inception module ----------------------------------------------------------------------------------------

Canvas inception() {
  const arch::Architecture net = zoo::googlenet();
  const arch::NetworkStats stats = arch::analyze(net);
  const arch::Inception* block = nullptr;
  arch::Shape input;
  for (std::size_t k = 0; k < net.layers.size(); ++k)
    if (const auto* inc = std::get_if<arch::Inception>(&net.layers[k]); inc && inc->name == "inception_3a") {
      block = inc;
      input = stats.layers[k].input;
    }
  if (!block) throw value_error("figures", "the zoo's GoogLeNet has no inception_3a");
  const arch::Block b = arch::expand(*block);
  Canvas c(900, 520);
  svg::title(c, "GoogLeNet's inception_3a: four branches see the same input, their outputs are stacked along depth");
  c.rect(330, 55, 240, 44, "#eeeeee", "#555", 1.5);
  c.text(450, 83, "input " + arch::to_string(input), 15, Anchor::middle, "#111", true);
  const double colw = 215, x0 = 20;
  std::size_t depth = 0;
  double lowest = 0;
  for (std::size_t k = 0; k < b.branches.size(); ++k) {
    const double cx = x0 + colw * static_cast<double>(k) + colw / 2;
    c.arrow(450, 99, cx, 140, "#888", 1.5);
    arch::Shape s = input;
    double y = 140;
    for (const auto& layer : b.branches[k]) {
      const arch::LayerStats st = arch::analyze(layer, s);
      if (st.type == "relu") {
        s = st.output;
        continue;
      }
      c.rect(cx - 95, y, 190, 62, st.type == "conv" ? "#e8f1fa" : "#fdf0e0", "#555", 1.5);
      c.text(cx, y + 22, st.type + "  " + st.config, 13, Anchor::middle, "#111", true);
      c.text(cx, y + 44, "\u2192 " + arch::to_string(st.output), 14, Anchor::middle);
      s = st.output;
      y += 62;
      c.arrow(cx, y, cx, y + 28, "#888", 1.5);
      y += 28;
    }
    depth += s.c;
    c.text(cx, y + 18, "depth " + std::to_string(s.c), 15, Anchor::middle, svg::palette()[1], true);
    lowest = std::max(lowest, y + 18);
  }
  c.rect(250, lowest + 20, 400, 44, "#fff5d6", "#555", 1.5);
  c.text(450, lowest + 48, "concatenate along depth: " + std::to_string(depth) + " maps of " + std::to_string(input.w) +
                               "x" + std::to_string(input.h),
         15, Anchor::middle, "#111", true);
  c.text(450, lowest + 90, "(shapes from arch::expand and arch::analyze on the model zoo's GoogLeNet)", 13, Anchor::middle,
         "#555");
  return c;
}

// --- VGG-16: where the memory and the parameters are ------------------------------------------------------------

std::pair<Canvas, Canvas> vgg16_bars() {
  const arch::NetworkStats stats = arch::analyze(zoo::vgg16());
  std::vector<std::string> labels;
  std::vector<double> memory, params;
  for (const auto& l : stats.layers) {
    if (l.type != "conv" && l.type != "max pool" && l.type != "fc") continue;
    labels.push_back(l.name + "  " + arch::to_string(l.output));
    memory.push_back(static_cast<double>(l.activations) * 4 / 1e6);
    params.push_back(static_cast<double>(l.weights + l.biases) / 1e6);
  }
  double total = 0;
  for (double m : memory) total += m;
  return {svg::bar_chart(labels, memory,
                         {"VGG-16, one 224x224 image: memory of each layer's output (" + svg::fmt(total, 3) +
                              " MB in all, forward pass)",
                          "megabytes (4-byte floats, 10^6 bytes)", ""},
                         " MB", 860),
          svg::bar_chart(labels, params,
                         {"VGG-16: parameters of each layer (" + svg::fmt(static_cast<double>(stats.total.weights + stats.total.biases) / 1e6, 4) +
                              " million in all)",
                          "millions of weights and biases", ""},
                         " M", 860)};
}

// --- the first layers ----------------------------------------------------------------------------------------

Canvas affine_figure() {
  Rng rng(4);
  const Tensor4 xi = integers({1, 1, 2, 4}, rng, -2, 3);
  const Tensor4 wi = integers({1, 1, 4, 3}, rng, -1, 2);
  const Tensor2 x = xt::view(xi, 0, 0, xt::all(), xt::all());
  const Tensor2 w = xt::view(wi, 0, 0, xt::all(), xt::all());
  const Tensor1 b = {0.5, -1.0, 0.0};
  const Tensor2 y = affine_forward(x, w, b).out;
  Canvas c(860, 300);
  svg::title(c, "The affine layer y = x w + b: output (0, 1) is row 0 of x times column 1 of w, plus b[1]");
  const double cell = 40;
  auto hl = [](bool on) { return on ? kTints[0] : std::string("white"); };
  number_grid(c, 30, 90, cell, 2, 4, [&](std::size_t i, std::size_t j) { return x(i, j); },
              [&](std::size_t i, std::size_t) { return hl(i == 0); }, "x (N = 2, D = 4)");
  c.text(30 + 4 * cell + 22, 90 + cell + 8, "\u00d7", 24, Anchor::middle);
  number_grid(c, 240, 70, cell, 4, 3, [&](std::size_t i, std::size_t j) { return w(i, j); },
              [&](std::size_t, std::size_t j) { return hl(j == 1); }, "w (D = 4, M = 3)");
  c.text(240 + 3 * cell + 22, 90 + cell + 8, "+", 24, Anchor::middle);
  number_grid(c, 402, 90, cell, 1, 3, [&](std::size_t, std::size_t j) { return b(j); },
              [&](std::size_t, std::size_t j) { return hl(j == 1); }, "b (M = 3)");
  c.text(402 + 3 * cell + 22, 90 + cell + 8, "=", 24, Anchor::middle);
  number_grid(c, 564, 90, cell, 2, 3, [&](std::size_t i, std::size_t j) { return y(i, j); },
              [&](std::size_t i, std::size_t j) { return hl(i == 0 && j == 1); }, "y = affine_forward(x, w, b)",
              [](std::size_t i, std::size_t j) { return i == 0 && j == 1; });
  std::string terms;
  double sum = b(1);
  for (std::size_t d = 0; d < 4; ++d) {
    sum += x(0, d) * w(d, 1);
    terms += signed_str(x(0, d)) + "\u00b7" + signed_str(w(d, 1)) + " + ";
  }
  require_close(sum, y(0, 1), "affine y[0, 1]");
  c.text(30, 260, "y[0, 1] = " + terms + signed_str(b(1)) + " = " + svg::fmt(sum), 15);
  return c;
}

Canvas relu_figure() {
  Tensor x = xt::linspace<double>(-3.0, 3.0, 121);
  const auto f = relu_forward(x);
  const Tensor dx = relu_backward(xt::ones<double>({121}), f.cache).dx;
  Series y{"y = relu_forward(x)", {}, {}}, d{"dL/dx = relu_backward(dL/dy = 1)", {}, {}};
  for (std::size_t i = 0; i < 121; ++i) {
    y.x.push_back(x(i)), y.y.push_back(f.out(i));
    d.x.push_back(x(i)), d.y.push_back(dx(i));
  }
  return svg::line_chart({y, d}, {"ReLU and its gradient: the gradient passes where x > 0 and stops elsewhere",
                                  "input x", "output, or gradient for dL/dy = 1"});
}

Canvas losses_figure() {
  Series soft{"softmax_loss", {}, {}}, hinge{"svm_loss (margin 1)", {}, {}};
  const Labels label = {0};
  for (int k = 0; k <= 100; ++k) {
    const double s = -2.0 + 0.1 * k;
    const Tensor2 scores = {{s, 5.1, -1.7}};
    soft.x.push_back(s), soft.y.push_back(softmax_loss(scores, label).loss);
    hinge.x.push_back(s), hinge.y.push_back(svm_loss(scores, label).loss);
  }
  return svg::line_chart({soft, hinge}, {"Loss of one example as the correct class's score rises (other scores 5.1, -1.7)",
                                         "score of the correct class", "loss"});
}

// --- the convolution's backward pass -------------------------------------------------------------------------------

Canvas conv_backward_figure() {
  Rng rng(8);
  const Tensor4 x = integers({1, 1, 4, 4}, rng, 0, 3);
  const Tensor4 w = integers({1, 1, 3, 3}, rng, -2, 2);
  const Tensor1 b = {0.0};
  const auto fwd = conv_forward_naive(x, w, b, ConvParam{.stride = 1, .pad = 1});
  Tensor4 dout = xt::zeros<double>({1, 1, 4, 4});
  dout(0, 0, 1, 2) = 1.0;
  const auto grads = conv_backward_naive(dout, fwd.cache);
  Canvas c(860, 330);
  svg::title(c, "One output's gradient spreads over its receptive field, weighted by the filter");
  const double cell = 44;
  auto in_field = [](std::size_t i, std::size_t j) { return i <= 2 && j >= 1 && j <= 3; };
  number_grid(c, 30, 90, cell, 4, 4, [&](std::size_t i, std::size_t j) { return dout(0, 0, i, j); },
              [](std::size_t i, std::size_t j) { return i == 1 && j == 2 ? kTints[1] : std::string("white"); },
              "dL/dy: 1 at output (1, 2)");
  number_grid(c, 270, 112, cell, 3, 3, [&](std::size_t i, std::size_t j) { return w(0, 0, i, j); },
              [](std::size_t, std::size_t) { return std::string("#fff5d6"); }, "filter w (3x3, pad 1)");
  c.arrow(30 + 4 * cell + 130 + 3 * cell - 60, 90 + 2 * cell, 540, 90 + 2 * cell, "#444");
  number_grid(c, 560, 90, cell, 4, 4, [&](std::size_t i, std::size_t j) { return grads.dx(0, 0, i, j); },
              [&](std::size_t i, std::size_t j) { return in_field(i, j) ? kTints[1] : std::string("white"); },
              "dL/dx = conv_backward_naive");
  c.text(30, 300, "Output (1, 2) saw x[0..2, 1..3]; its gradient lands there, times the weight that touched each input.", 14);
  return c;
}

// --- dropout, LRN ----------------------------------------------------------------------------------------------

Canvas dropout_figure() {
  Rng rng(1);
  const Tensor x = xt::ones<double>({1, 1, 8, 8});
  const DropoutParam param{.p_drop = 0.5, .mode = Mode::train};
  const Tensor a = dropout_forward(x, param, rng).out;
  const Tensor b = dropout_forward(x, param, rng).out;
  Canvas c(860, 470);
  svg::title(c, "Inverted dropout, p_drop = 0.5, on 64 ones: two training steps, two masks");
  const double cell = 40;
  for (int k = 0; k < 2; ++k) {
    const Tensor& t = k == 0 ? a : b;
    std::size_t kept = 0;
    double sum = 0;
    for (double v : t) kept += v != 0, sum += v;
    number_grid(c, 30 + 430.0 * k, 80, cell, 8, 8, [&](std::size_t i, std::size_t j) { return t(0, 0, i, j); },
                [&](std::size_t i, std::size_t j) { return t(0, 0, i, j) != 0 ? kTints[0] : std::string("#eeeeee"); },
                "step " + std::to_string(k + 1) + ": dropout_forward");
    c.text(30 + 430.0 * k + 4 * cell, 80 + 8 * cell + 28,
           std::to_string(kept) + " of 64 kept, each scaled to 2; mean " + svg::fmt(sum / 64, 3), 14, Anchor::middle);
  }
  c.text(30, 80 + 8 * cell + 60, "Kept units are scaled by 1 / (1 - p) = 2: the expected output equals the input, and at test time "
                                 "the layer is the identity.", 14);
  return c;
}

Canvas lrn_figure() {
  const LrnParam param{};  // AlexNet's: n = 5, k = 2, alpha = 1e-4, beta = 0.75
  std::vector<Series> series;
  for (double nb : {0.0, 20.0, 40.0}) {
    Series s{"neighbouring channels at " + svg::fmt(nb), {}, {}};
    for (int k = 0; k <= 80; ++k) {
      const double a = 0.5 * k;
      Tensor4 x = Tensor4::from_shape({1, 5, 1, 1});
      for (std::size_t ch = 0; ch < 5; ++ch) x(0, ch, 0, 0) = ch == 2 ? a : nb;
      s.x.push_back(a), s.y.push_back(lrn_forward(x, param).out(0, 2, 0, 0));
    }
    series.push_back(s);
  }
  return svg::line_chart(series, {"Local response normalization (AlexNet's n = 5, k = 2, alpha = 1e-4, beta = 0.75)",
                                  "activation of the centre channel", "its output after lrn_forward"});
}

// --- update rules, gradient checking ------------------------------------------------------------------------------

Canvas update_rules_figure() {
  // A long, narrow valley: L(w) = (w0^2 + 20 w1^2) / 2, from w = (-4, 1).
  auto grad = [](const std::vector<double>& w) { return std::vector<double>{w[0], 20 * w[1]}; };
  auto loss = [](const std::vector<double>& w) { return 0.5 * (w[0] * w[0] + 20 * w[1] * w[1]); };
  std::vector<Series> series;
  auto run = [&](const std::string& name, const std::function<void(std::vector<double>&, const std::vector<double>&)>& step) {
    std::vector<double> w = {-4.0, 1.0};
    Series s{name, {}, {}};
    for (int t = 0; t <= 100; ++t) {
      s.x.push_back(t), s.y.push_back(loss(w));
      step(w, grad(w));
    }
    series.push_back(s);
  };
  SgdConfig sgd_cfg;
  MomentumConfig mom;
  NesterovConfig nes;
  AdagradConfig ada;
  RmspropConfig rms;
  AdamConfig adam_cfg;
  sgd_cfg.learning_rate = 0.05, mom.learning_rate = 0.02, nes.learning_rate = 0.02;
  ada.learning_rate = 1.0, rms.learning_rate = 0.1, adam_cfg.learning_rate = 0.2;
  run("sgd, lr 0.05", [&](auto& w, const auto& g) { sgd(w, g, sgd_cfg); });
  run("momentum 0.9, lr 0.02", [&](auto& w, const auto& g) { sgd_momentum(w, g, mom); });
  run("nesterov 0.9, lr 0.02", [&](auto& w, const auto& g) { nesterov(w, g, nes); });
  run("adagrad, lr 1", [&](auto& w, const auto& g) { adagrad(w, g, ada); });
  run("rmsprop, lr 0.1", [&](auto& w, const auto& g) { rmsprop(w, g, rms); });
  run("adam, lr 0.2", [&](auto& w, const auto& g) { adam(w, g, adam_cfg); });
  return svg::line_chart(series, {"Six update rules on a narrow valley L = (w0\u00b2 + 20 w1\u00b2) / 2, from (-4, 1)",
                                  "step", "loss (log scale)"},
                         log_axis(1e-8, 100), 900, 460);
}

Canvas gradcheck_figure() {
  Rng rng(6);
  const Tensor2 x = randn<Tensor2>({2, 5}, rng);
  const Labels y = {1, 3};
  const double analytic = softmax_loss(x, y).dx(0, 2);
  Series centred{"centred: (L(x+h) - L(x-h)) / 2h", {}, {}, true}, forward{"one-sided: (L(x+h) - L(x)) / h", {}, {}, true};
  for (int e = -1; e >= -13; --e) {
    const double h = std::pow(10.0, e);
    Tensor2 xp = x, xm = x;
    xp(0, 2) += h, xm(0, 2) -= h;
    const double lp = softmax_loss(xp, y).loss, lm = softmax_loss(xm, y).loss, l0 = softmax_loss(x, y).loss;
    auto rel = [&](double num) { return std::abs(num - analytic) / std::max(std::abs(num) + std::abs(analytic), 1e-300); };
    centred.x.push_back(e), centred.y.push_back(rel((lp - lm) / (2 * h)));
    forward.x.push_back(e), forward.y.push_back(rel((lp - l0) / h));
  }
  return svg::line_chart({centred, forward},
                         {"Relative error of a numerical gradient of softmax_loss against its analytic dx",
                          "step h, as log10 h (-5 means h = 0.00001)", "relative error (log scale)"},
                         log_axis());
}

struct Figure {
  std::string name, page, what;
  std::function<void(const std::string&)> write;
};

std::vector<Figure> figures() {
  auto one = [](Canvas (*make)()) { return [make](const std::string& path) { make().write(path); }; };
  auto bn_part = [](bool after) {
    return [after](const std::string& path) {
      static const auto pair = batchnorm_histograms();
      (after ? pair.second : pair.first).write(path);
    };
  };
  auto vgg_part = [](bool params) {
    return [params](const std::string& path) {
      static const auto pair = vgg16_bars();
      (params ? pair.second : pair.first).write(path);
    };
  };
  return {
      {"affine", "layer_affine", "affine_forward on a 2x4 input", one(affine_figure)},
      {"relu", "layer_relu", "relu_forward and relu_backward on [-3, 3]", one(relu_figure)},
      {"losses", "layer_losses", "softmax_loss and svm_loss as one score varies", one(losses_figure)},
      {"conv_sliding", "layer_conv", "conv_forward_naive, 5x5 input, pad 1, stride 2", one(conv_sliding)},
      {"conv_demo", "layer_conv", "conv_forward_naive, 5x5x3 input, two 3x3x3 filters, pad 1, stride 2", one(conv_demo)},
      {"conv_stride", "layer_conv", "conv_output_size at strides 1, 2, 3 (7x7, 3x3)", one(conv_stride)},
      {"im2col", "layer_conv", "im2col and conv_forward_naive, x (1, 2, 3, 3), two 2x2 filters", one(im2col_figure)},
      {"conv_backward", "layer_conv_backward", "conv_backward_naive with a one-hot dL/dy", one(conv_backward_figure)},
      {"pool_max", "layer_pool", "max_pool_forward_naive and max_pool_backward_naive, 4x4", one(pool_max)},
      {"batchnorm_before", "layer_batchnorm", "three features of 2,000 examples, before", bn_part(false)},
      {"batchnorm_after", "layer_batchnorm", "the same after batchnorm_forward", bn_part(true)},
      {"dropout", "layer_dropout", "dropout_forward, two steps of one Rng", one(dropout_figure)},
      {"lrn", "layer_lrn", "lrn_forward on 5 channels", one(lrn_figure)},
      {"residual_flow", "layer_blocks", "affine and relu forward/backward through one residual block", one(residual_flow)},
      {"residual_depth", "layer_blocks", "gradient norms through 30 plain and 30 residual layers", one(residual_depth)},
      {"inception", "layer_blocks", "arch::expand and arch::analyze of GoogLeNet's inception_3a", one(inception)},
      {"vgg16_memory", "figures_list", "arch::analyze(zoo::vgg16()): activations x 4 bytes", vgg_part(false)},
      {"vgg16_params", "figures_list", "arch::analyze(zoo::vgg16()): weights and biases", vgg_part(true)},
      {"update_rules", "update_rules", "six rules of optim.hpp on a quadratic valley", one(update_rules_figure)},
      {"gradcheck", "gradient_checking", "centred and one-sided differences of softmax_loss", one(gradcheck_figure)},
  };
}

// The list of figures as a Markdown table, for the page "The figures" (docs/figures.md includes it).
std::string figure_table() {
  std::string md = "| figure | page | computed by |\n|---|---|---|\n";
  for (const auto& f : figures()) md += "| `" + f.name + ".svg` | @ref " + f.page + " | " + f.what + " |\n";
  return md;
}

// In a student's handout the figures are drawn by the student's own layer functions: until one is written, its
// figures are a placeholder that says which function draws them, and the docs still build.
void write_placeholder(const std::string& path, const Figure& f, const cnn::not_implemented& e) {
  std::string fn = e.what();  // "not implemented: <function> (<file>)"
  fn = fn.substr(fn.find(": ") + 2);
  const std::string svg =
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"720\" height=\"110\" viewBox=\"0 0 720 110\">\n"
      "<rect x=\"1\" y=\"1\" width=\"718\" height=\"108\" fill=\"#f6f6f6\" stroke=\"#999\" stroke-dasharray=\"6 4\"/>\n"
      "<text x=\"20\" y=\"42\" font-family=\"sans-serif\" font-size=\"16\">This figure (" + f.what +
      ") is drawn by</text>\n"
      "<text x=\"20\" y=\"72\" font-family=\"sans-serif\" font-size=\"16\">your " + fn +
      ": write it (./lab check), then build the docs again.</text>\n</svg>\n";
  write_file_atomically(path, "figures", [&](std::ostream& out) { out << svg; });
}

}  // namespace

int main(int argc, char** argv) {
  const std::string usage = "usage: figures OUT_DIR | --list | --help\n"
                            "Draws the course text's figures (SVG) into OUT_DIR from computations with cnnlab's functions,\n"
                            "and their list as a Markdown table into OUT_DIR/figures_list.md; --list prints the list.\n";
  if (argc != 2) {
    std::cerr << "figures: expected one argument\n" << usage;
    return 2;
  }
  const std::string arg = argv[1];
  if (arg == "--help" || arg == "-h") {
    std::cout << usage;
    return 0;
  }
  if (arg == "--list") {
    std::cout << figure_table();
    return 0;
  }
  if (arg.rfind("--", 0) == 0) {
    std::cerr << "figures: unknown option \"" << arg << "\"\n" << usage;
    return 2;
  }
  try {
    for (const auto& f : figures()) {
      try {
        f.write(arg + "/" + f.name + ".svg");
        std::cout << "figures: " << f.name << ".svg (" << f.what << ")\n";
      } catch (const cnn::not_implemented& e) {
        write_placeholder(arg + "/" + f.name + ".svg", f, e);
        std::cout << "figures: " << f.name << ".svg waits for " << e.what() << "\n";
      }
    }
    const std::string table = figure_table();
    write_file_atomically(arg + "/figures_list.md", "figures", [&](std::ostream& out) { out << table; });
  } catch (const cnn::error& e) {
    std::cerr << "figures: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
