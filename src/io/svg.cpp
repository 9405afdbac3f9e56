#include "io/svg.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "core/errors.hpp"
#include "io/files.hpp"

namespace cnn::svg {

const std::vector<std::string>& palette() {
  // Okabe and Ito's colour-blind-safe set, darkest first.
  static const std::vector<std::string> colours = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                                   "#E69F00", "#56B4E9", "#000000", "#F0E442"};
  return colours;
}

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string fmt(double v, int digits) {
  if (!std::isfinite(v)) return v != v ? "NaN" : (v > 0 ? "inf" : "-inf");
  if (v == 0) return "0";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

namespace {

std::string num(double v) {  // coordinates: two decimals are plenty
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  std::string s = buf;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s == "-0" ? "0" : s;
}

std::string base64(const std::vector<std::uint8_t>& bytes) {
  static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::uint32_t n = (std::uint32_t{bytes[i]} << 16) | (i + 1 < bytes.size() ? bytes[i + 1] << 8 : 0) |
                            (i + 2 < bytes.size() ? bytes[i + 2] : 0);
    out += table[(n >> 18) & 63];
    out += table[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? table[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? table[n & 63] : '=';
  }
  return out;
}

// Tick values: 1, 2 or 5 times a power of ten, about `target` of them between lo and hi.
std::vector<double> nice_ticks(double lo, double hi, int target = 6) {
  const double raw = (hi - lo) / target;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * mag) {
      step = m * mag;
      break;
    }
  std::vector<double> ticks;
  for (double t = std::ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step)
    ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
  return ticks;
}

// The frame shared by line charts and histograms: title, plot area, axis labels.
struct Frame {
  double left = 78, top = 48, right, bottom;
};

double legend_width(const std::vector<std::string>& names) {
  double longest = 0;
  for (const auto& n : names) longest = std::max(longest, static_cast<double>(n.size()));
  return 44 + 7.4 * longest;
}

// The legend sits right of the plot area, so that it never hides a curve.
Frame draw_frame(Canvas& c, const ChartText& text, const std::vector<std::string>& names) {
  Frame f;
  f.right = c.width() - 28 - legend_width(names);
  f.bottom = c.height() - 58;
  title(c, text.title);
  c.text((f.left + f.right) / 2, c.height() - 14, text.x_label, 14, Anchor::middle);
  c.text(20, (f.top + f.bottom) / 2, text.y_label, 14, Anchor::middle, "#222", false, -90);
  return f;
}

void draw_legend(Canvas& c, const Frame& f, const std::vector<std::string>& names,
                 const std::vector<std::string>& colours) {
  const double w = legend_width(names), h = 10 + 20.0 * static_cast<double>(names.size());
  const double x = f.right + 16, y = f.top;
  c.rect(x, y, w, h, "white", "#999");
  for (std::size_t i = 0; i < names.size(); ++i) {
    const double ly = y + 16 + 20.0 * static_cast<double>(i);
    c.line(x + 8, ly - 4, x + 32, ly - 4, colours[i], 3);
    c.text(x + 38, ly, names[i], 13);
  }
}

}  // namespace

void title(Canvas& c, const std::string& text) {
  // DejaVu Sans Bold averages about 0.62 em per character: shrink a long title until it fits.
  const double size = std::min(18.0, (c.width() - 24) / (0.62 * static_cast<double>(std::max<std::size_t>(text.size(), 1))));
  c.text(c.width() / 2, 28, text, size, Anchor::middle, "#111", true);
}

Canvas::Canvas(double width, double height) : width_(width), height_(height) {
  if (!(width > 0 && height > 0))
    throw value_error("svg::Canvas", "width and height must be positive, got " + fmt(width) + " x " + fmt(height));
}

void Canvas::rect(double x, double y, double w, double h, const std::string& fill, const std::string& stroke,
                  double stroke_width) {
  body_ += "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(w) + "\" height=\"" + num(h) +
           "\" fill=\"" + fill + "\"";
  if (stroke != "none") body_ += " stroke=\"" + stroke + "\" stroke-width=\"" + num(stroke_width) + "\"";
  body_ += "/>\n";
}

void Canvas::line(double x1, double y1, double x2, double y2, const std::string& stroke, double width, bool dashed) {
  body_ += "<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\" y2=\"" + num(y2) +
           "\" stroke=\"" + stroke + "\" stroke-width=\"" + num(width) + "\"" +
           (dashed ? " stroke-dasharray=\"6 4\"" : "") + "/>\n";
}

void Canvas::arrow(double x1, double y1, double x2, double y2, const std::string& stroke, double width) {
  // The head is drawn as a triangle in the line's colour (an SVG marker would take one colour for all).
  const double len = std::hypot(x2 - x1, y2 - y1), head = 6 + 2 * width;
  if (len <= 0) return;
  const double ux = (x2 - x1) / len, uy = (y2 - y1) / len;
  const double bx = x2 - ux * head, by = y2 - uy * head;
  line(x1, y1, bx, by, stroke, width);
  body_ += "<polygon points=\"" + num(x2) + "," + num(y2) + " " + num(bx - uy * head / 2) + "," +
           num(by + ux * head / 2) + " " + num(bx + uy * head / 2) + "," + num(by - ux * head / 2) + "\" fill=\"" +
           stroke + "\"/>\n";
  has_arrow_ = true;
}

void Canvas::polyline(const std::vector<double>& xs, const std::vector<double>& ys, const std::string& stroke,
                      double width) {
  body_ += "<polyline fill=\"none\" stroke=\"" + stroke + "\" stroke-width=\"" + num(width) +
           "\" stroke-linejoin=\"round\" points=\"";
  for (std::size_t i = 0; i < std::min(xs.size(), ys.size()); ++i) body_ += num(xs[i]) + "," + num(ys[i]) + " ";
  body_ += "\"/>\n";
}

void Canvas::text(double x, double y, const std::string& t, double size, Anchor anchor, const std::string& fill,
                  bool bold, double rotate) {
  static const char* anchors[] = {"start", "middle", "end"};
  body_ += "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" font-size=\"" + num(size) + "\" text-anchor=\"" +
           anchors[static_cast<int>(anchor)] + "\" fill=\"" + fill + "\"" + (bold ? " font-weight=\"bold\"" : "");
  if (rotate != 0) body_ += " transform=\"rotate(" + num(rotate) + " " + num(x) + " " + num(y) + ")\"";
  body_ += '>';  // appended piece by piece: g++ 12 warns (-Wrestrict) wrongly on "literal" + std::string here
  body_ += escape(t);
  body_ += "</text>\n";
}

void Canvas::image(double x, double y, double w, double h, const Image& im) {
  body_ += "<image x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(w) + "\" height=\"" + num(h) +
           "\" preserveAspectRatio=\"none\" style=\"image-rendering:pixelated\" href=\"data:image/png;base64," +
           base64(encode_png(im)) + "\"/>\n";
}

std::string Canvas::str() const {
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(width_) + "\" height=\"" + num(height_) +
         "\" viewBox=\"0 0 " + num(width_) + " " + num(height_) +
         "\" font-family=\"DejaVu Sans, Verdana, Arial, sans-serif\">\n<rect width=\"100%\" height=\"100%\" "
         "fill=\"white\"/>\n" +
         body_ + "</svg>\n";
}

void Canvas::write(const std::string& path) const {
  const std::string doc = str();
  write_file_atomically(path, "svg::Canvas::write", [&](std::ostream& out) { out << doc; });
}

Canvas line_chart(const std::vector<Series>& series, const ChartText& text, const YAxis& yaxis, double width,
                  double height) {
  double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
  for (const auto& s : series) {
    if (s.x.size() != s.y.size())
      throw value_error("svg::line_chart", "series \"" + s.name + "\" has " + std::to_string(s.x.size()) +
                                               " x values but " + std::to_string(s.y.size()) + " y values");
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.y[i]) || !std::isfinite(s.x[i]) || (yaxis.log && s.y[i] <= 0)) continue;
      xlo = std::min(xlo, s.x[i]), xhi = std::max(xhi, s.x[i]);
      ylo = std::min(ylo, s.y[i]), yhi = std::max(yhi, s.y[i]);
    }
  }
  if (!(xlo <= xhi)) throw value_error("svg::line_chart", "no finite point to draw in \"" + text.title + "\"");
  if (xhi == xlo) xhi = xlo + 1;
  if (yaxis.min) ylo = *yaxis.min;
  if (yaxis.max) yhi = *yaxis.max;
  auto tr = [&](double v) { return yaxis.log ? std::log10(v) : v; };
  double tlo = tr(ylo), thi = tr(yhi);
  if (yaxis.log) tlo = std::floor(tlo), thi = std::ceil(thi);
  if (thi <= tlo) thi = tlo + 1;
  if (!yaxis.log && !yaxis.min && !yaxis.max) {  // a little room above and below
    const double pad = 0.05 * (thi - tlo);
    tlo -= pad, thi += pad;
  }
  std::vector<std::string> names;
  for (const auto& s : series) names.push_back(s.name);
  Canvas c(width, height);
  const Frame f = draw_frame(c, text, names);
  auto px = [&](double x) { return f.left + (x - xlo) / (xhi - xlo) * (f.right - f.left); };
  auto py = [&](double y) { return f.bottom - (tr(y) - tlo) / (thi - tlo) * (f.bottom - f.top); };
  std::vector<double> yticks;
  if (yaxis.log)
    for (double e = tlo; e <= thi; ++e) yticks.push_back(std::pow(10.0, e));
  else
    yticks = nice_ticks(tlo, thi);
  for (double t : yticks) {
    c.line(f.left, py(t), f.right, py(t), "#e4e4e4");
    c.text(f.left - 6, py(t) + 4, fmt(t), 12, Anchor::end, "#444");
  }
  for (double t : text.x_ticks.empty() ? nice_ticks(xlo, xhi, 8) : text.x_ticks) {
    if (t < xlo || t > xhi) continue;
    c.line(px(t), f.top, px(t), f.bottom, "#f0f0f0");
    c.line(px(t), f.bottom, px(t), f.bottom + 5, "#444");
    c.text(px(t), f.bottom + 20, fmt(t, 6), 12, Anchor::middle, "#444");
  }
  c.line(f.left, f.top, f.left, f.bottom, "#444");
  c.line(f.left, f.bottom, f.right, f.bottom, "#444");
  std::vector<std::string> colours;
  for (std::size_t k = 0; k < series.size(); ++k) {
    const auto& s = series[k];
    const std::string& col = palette()[k % palette().size()];
    std::vector<double> xs, ys;
    auto flush = [&] {
      if (xs.size() > 1) c.polyline(xs, ys, col, 2.5);
      xs.clear(), ys.clear();
    };
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.y[i]) || (yaxis.log && s.y[i] <= 0) || (yaxis.min && s.y[i] < *yaxis.min) ||
          (yaxis.max && s.y[i] > *yaxis.max)) {
        flush();
        continue;
      }
      const double y = py(s.y[i]);
      if (s.dashed) {
        if (!xs.empty()) c.line(xs.back(), ys.back(), px(s.x[i]), y, col, 2, true);
      }
      xs.push_back(px(s.x[i]));
      ys.push_back(y);
      if (s.markers) c.rect(xs.back() - 3.5, y - 3.5, 7, 7, col);
    }
    if (s.dashed) xs.clear();
    flush();
    colours.push_back(col);
  }
  draw_legend(c, f, names, colours);
  return c;
}

Canvas bar_chart(const std::vector<std::string>& labels, const std::vector<double>& values, const ChartText& text,
                 const std::string& unit, double width) {
  if (labels.size() != values.size() || labels.empty())
    throw value_error("svg::bar_chart", "expected one value per label, got " + std::to_string(labels.size()) +
                                            " labels and " + std::to_string(values.size()) + " values");
  double hi = 0, longest = 0;
  for (double v : values) {
    if (!(v >= 0)) throw value_error("svg::bar_chart", "values must be 0 or more, got " + fmt(v));
    hi = std::max(hi, v);
  }
  for (const auto& l : labels) longest = std::max(longest, static_cast<double>(l.size()));
  if (hi == 0) hi = 1;
  const double bar = 20, gap = 6, top = 48, left = 16 + 7.5 * longest, right = width - 110;
  const double height = top + static_cast<double>(labels.size()) * (bar + gap) + 64;
  Canvas c(width, height);
  title(c, text.title);
  const double bottom = top + static_cast<double>(labels.size()) * (bar + gap);
  auto px = [&](double v) { return left + v / hi * (right - left); };
  for (double t : nice_ticks(0, hi)) {
    c.line(px(t), top, px(t), bottom, "#e4e4e4");
    c.text(px(t), bottom + 18, fmt(t), 12, Anchor::middle, "#444");
  }
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const double y = top + static_cast<double>(i) * (bar + gap);
    c.text(left - 6, y + bar - 5, labels[i], 13, Anchor::end);
    c.rect(left, y, std::max(1.0, px(values[i]) - left), bar, palette()[0]);
    c.text(px(values[i]) + 5, y + bar - 5, fmt(values[i]) + unit, 12, Anchor::start, "#333");
  }
  c.line(left, top, left, bottom, "#444");
  c.text((left + right) / 2, bottom + 42, text.x_label, 14, Anchor::middle);
  return c;
}

Canvas histogram(const std::vector<std::string>& names, const std::vector<std::vector<double>>& samples,
                 std::size_t bins, const ChartText& text, double width, double height) {
  if (names.size() != samples.size() || samples.empty() || bins == 0)
    throw value_error("svg::histogram", "expected one name per sample and at least one bin");
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& s : samples) {
    if (s.empty()) throw value_error("svg::histogram", "a sample is empty");
    for (double v : s) lo = std::min(lo, v), hi = std::max(hi, v);
  }
  if (hi <= lo) hi = lo + 1;
  std::vector<std::vector<double>> counts(samples.size(), std::vector<double>(bins, 0.0));
  double top_count = 0;
  for (std::size_t k = 0; k < samples.size(); ++k) {
    for (double v : samples[k]) {
      const auto b = std::min(bins - 1, static_cast<std::size_t>((v - lo) / (hi - lo) * static_cast<double>(bins)));
      counts[k][b] += 1;
    }
    top_count = std::max(top_count, *std::max_element(counts[k].begin(), counts[k].end()));
  }
  Canvas c(width, height);
  const Frame f = draw_frame(c, text, names);
  const double ylo = 0, yhi = top_count * 1.08;
  auto px = [&](double x) { return f.left + (x - lo) / (hi - lo) * (f.right - f.left); };
  auto py = [&](double y) { return f.bottom - (y - ylo) / (yhi - ylo) * (f.bottom - f.top); };
  for (double t : nice_ticks(ylo, yhi, 5)) {
    c.line(f.left, py(t), f.right, py(t), "#e4e4e4");
    c.text(f.left - 6, py(t) + 4, fmt(t), 12, Anchor::end, "#444");
  }
  for (double t : nice_ticks(lo, hi, 8)) {
    c.line(px(t), f.bottom, px(t), f.bottom + 5, "#444");
    c.text(px(t), f.bottom + 20, fmt(t), 12, Anchor::middle, "#444");
  }
  const double bw = (hi - lo) / static_cast<double>(bins);
  std::vector<std::string> colours;
  for (std::size_t k = 0; k < samples.size(); ++k) {
    const std::string& col = palette()[k % palette().size()];
    std::vector<double> xs, ys;
    for (std::size_t b = 0; b < bins; ++b) {
      const double x0 = px(lo + bw * static_cast<double>(b)), x1 = px(lo + bw * static_cast<double>(b + 1));
      xs.insert(xs.end(), {x0, x1});
      ys.insert(ys.end(), {py(counts[k][b]), py(counts[k][b])});
    }
    xs.insert(xs.begin(), xs.front()), ys.insert(ys.begin(), f.bottom);
    xs.push_back(xs.back()), ys.push_back(f.bottom);
    c.polyline(xs, ys, col, 2);
    colours.push_back(col);
  }
  c.line(f.left, f.top, f.left, f.bottom, "#444");
  c.line(f.left, f.bottom, f.right, f.bottom, "#444");
  draw_legend(c, f, names, colours);
  return c;
}

Canvas matrix_chart(const std::vector<double>& values, const std::vector<std::string>& row_labels,
                    const std::vector<std::string>& col_labels, const ChartText& text, bool highlight_diagonal) {
  const std::size_t R = row_labels.size(), C = col_labels.size();
  if (values.size() != R * C || R == 0 || C == 0)
    throw value_error("svg::matrix_chart", "expected " + std::to_string(R) + " x " + std::to_string(C) +
                                               " values, got " + std::to_string(values.size()));
  double longest_row = 0, longest_col = 0, hi = 0;
  for (const auto& l : row_labels) longest_row = std::max(longest_row, static_cast<double>(l.size()));
  for (const auto& l : col_labels) longest_col = std::max(longest_col, static_cast<double>(l.size()));
  for (double v : values) hi = std::max(hi, std::abs(v));
  if (hi == 0) hi = 1;
  const double cell = 52, left = 56 + 7.6 * longest_row, top = 70 + 5.6 * longest_col;
  Canvas c(left + cell * static_cast<double>(C) + 24, top + cell * static_cast<double>(R) + 20);
  title(c, text.title);
  c.text(left + cell * static_cast<double>(C) / 2, 50, text.x_label, 14, Anchor::middle);
  c.text(18, top + cell * static_cast<double>(R) / 2, text.y_label, 14, Anchor::middle, "#222", false, -90);
  for (std::size_t j = 0; j < C; ++j)
    c.text(left + cell * (static_cast<double>(j) + 0.5), top - 6, col_labels[j], 12, Anchor::start, "#222", false, -45);
  for (std::size_t i = 0; i < R; ++i) {
    c.text(left - 6, top + cell * (static_cast<double>(i) + 0.6), row_labels[i], 12, Anchor::end);
    for (std::size_t j = 0; j < C; ++j) {
      const double v = values[i * C + j], t = std::abs(v) / hi;
      // white to a full colour, on a square-root scale so that small counts still show
      const double s = std::sqrt(t);
      const bool good = !highlight_diagonal || i == j;
      const int r = static_cast<int>(255 - s * (good ? 255 - 0 : 255 - 213));
      const int g = static_cast<int>(255 - s * (good ? 255 - 114 : 255 - 94));
      const int b = static_cast<int>(255 - s * (good ? 255 - 178 : 255 - 0));
      char col[8];
      std::snprintf(col, sizeof col, "#%02x%02x%02x", r, g, b);
      const double x = left + cell * static_cast<double>(j), y = top + cell * static_cast<double>(i);
      c.rect(x, y, cell, cell, col, "#ccc");
      c.text(x + cell / 2, y + cell / 2 + 5, fmt(v, 4), 13, Anchor::middle, s > 0.6 ? "white" : "#222");
    }
  }
  return c;
}

Canvas tile_grid(const std::vector<Tile>& tiles, const std::string& title, std::size_t columns, double tile) {
  if (tiles.empty()) throw value_error("svg::tile_grid", "no pictures to lay out");
  columns = std::max<std::size_t>(1, std::min(columns, tiles.size()));
  const std::size_t rows = (tiles.size() + columns - 1) / columns;
  std::size_t lines = 1, longest = 0;
  for (const auto& t : tiles) {
    lines = std::max<std::size_t>(lines, 1 + std::count(t.caption.begin(), t.caption.end(), '\n'));
    std::istringstream caption(t.caption);
    for (std::string line; std::getline(caption, line);) longest = std::max(longest, line.size());
  }
  // a cell is as wide as the picture or its longest caption line (13 px text, about 7.4 px a character)
  const double cell_w = std::max(tile, 7.4 * static_cast<double>(longest)) + 16, cell_h = tile + 10 + 17.0 * static_cast<double>(lines) + 8, top = 44;
  Canvas c(std::max(cell_w * static_cast<double>(columns) + 16, 7.8 * static_cast<double>(title.size()) + 40),
           top + cell_h * static_cast<double>(rows));
  svg::title(c, title);
  for (std::size_t k = 0; k < tiles.size(); ++k) {
    const Image& im = tiles[k].image;
    const double x = 16 + cell_w * static_cast<double>(k % columns) + (cell_w - 16 - tile) / 2,
                 y = top + cell_h * static_cast<double>(k / columns);
    const double longer = static_cast<double>(std::max(im.width, im.height));
    const double w = tile * static_cast<double>(im.width) / longer, h = tile * static_cast<double>(im.height) / longer;
    c.image(x + (tile - w) / 2, y + (tile - h) / 2, w, h, im);
    c.rect(x + (tile - w) / 2, y + (tile - h) / 2, w, h, "none", "#888");
    std::istringstream caption(tiles[k].caption);
    std::string line;
    for (double ly = y + tile + 20; std::getline(caption, line); ly += 17)
      c.text(x + tile / 2, ly, line, 13, Anchor::middle);
  }
  return c;
}

}  // namespace cnn::svg
