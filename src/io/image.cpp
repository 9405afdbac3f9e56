#include "io/image.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/errors.hpp"
#include "io/files.hpp"

namespace cnn {

Image Image::filled(std::size_t width, std::size_t height, std::size_t channels, std::uint8_t value) {
  return Image{width, height, channels, std::vector<std::uint8_t>(width * height * channels, value)};
}

namespace {

void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

// A PNG chunk: length, type, data, CRC-32 of type and data.
void put_chunk(std::vector<std::uint8_t>& out, const char* type, const std::vector<std::uint8_t>& data) {
  put_u32(out, static_cast<std::uint32_t>(data.size()));
  const std::size_t type_at = out.size();
  out.insert(out.end(), type, type + 4);
  out.insert(out.end(), data.begin(), data.end());
  const uLong crc = crc32(0L, out.data() + type_at, static_cast<uInt>(4 + data.size()));
  put_u32(out, static_cast<std::uint32_t>(crc));
}

void set_pixel(Image& im, std::ptrdiff_t x, std::ptrdiff_t y, std::uint8_t r, std::uint8_t g, std::uint8_t b) {
  if (x < 0 || y < 0 || x >= static_cast<std::ptrdiff_t>(im.width) || y >= static_cast<std::ptrdiff_t>(im.height))
    return;
  std::uint8_t* p = &im.pixels[(static_cast<std::size_t>(y) * im.width + static_cast<std::size_t>(x)) * im.channels];
  if (im.channels == 3) {
    p[0] = r;
    p[1] = g;
    p[2] = b;
  } else {
    p[0] = static_cast<std::uint8_t>((r + g + b) / 3);
  }
}

// Scales a block of values to [0, 255], on its own range (a constant block becomes mid-grey).
std::vector<std::uint8_t> to_bytes(const std::vector<double>& v) {
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  std::vector<std::uint8_t> out(v.size(), 128);
  if (v.empty() || *hi - *lo <= 0.0) return out;
  for (std::size_t i = 0; i < v.size(); ++i)
    out[i] = static_cast<std::uint8_t>(std::lround(255.0 * (v[i] - *lo) / (*hi - *lo)));
  return out;
}

// Lays tiles of th x tw (channels interleaved) in a grid with 1-pixel white borders, each pixel magnified.
Image tile(const std::vector<std::vector<std::uint8_t>>& tiles, std::size_t th, std::size_t tw, std::size_t channels,
           std::size_t scale) {
  const std::size_t n = tiles.size();
  const std::size_t cols = static_cast<std::size_t>(std::ceil(std::sqrt(static_cast<double>(n))));
  const std::size_t rows = (n + cols - 1) / cols;
  const std::size_t cell_w = tw * scale + 1, cell_h = th * scale + 1;
  Image im = Image::filled(cols * cell_w + 1, rows * cell_h + 1, channels, 255);
  for (std::size_t t = 0; t < n; ++t) {
    const std::size_t x0 = 1 + (t % cols) * cell_w, y0 = 1 + (t / cols) * cell_h;
    for (std::size_t i = 0; i < th * scale; ++i)
      for (std::size_t j = 0; j < tw * scale; ++j)
        for (std::size_t c = 0; c < channels; ++c)
          im.pixels[((y0 + i) * im.width + x0 + j) * channels + c] = tiles[t][((i / scale) * tw + j / scale) * channels + c];
  }
  return im;
}

// Digits and a decimal point, 3x5 pixels each, for tick labels.
constexpr std::array<std::array<const char*, 5>, 11> kGlyphs{{
    {"111", "101", "101", "101", "111"}, {"010", "110", "010", "010", "111"}, {"111", "001", "111", "100", "111"},
    {"111", "001", "111", "001", "111"}, {"101", "101", "111", "001", "001"}, {"111", "100", "111", "001", "111"},
    {"111", "100", "111", "101", "111"}, {"111", "001", "001", "001", "001"}, {"111", "101", "111", "101", "111"},
    {"111", "101", "111", "001", "111"}, {"000", "000", "000", "000", "010"},
}};

void draw_text(Image& im, std::ptrdiff_t x, std::ptrdiff_t y, const std::string& text, std::ptrdiff_t px = 2) {
  for (char ch : text) {
    const int g = ch == '.' ? 10 : (ch >= '0' && ch <= '9' ? ch - '0' : -1);
    if (g >= 0)
      for (std::ptrdiff_t r = 0; r < 5; ++r)
        for (std::ptrdiff_t c = 0; c < 3; ++c)
          if (kGlyphs[static_cast<std::size_t>(g)][static_cast<std::size_t>(r)][c] == '1')
            for (std::ptrdiff_t a = 0; a < px; ++a)
              for (std::ptrdiff_t b = 0; b < px; ++b) set_pixel(im, x + c * px + b, y + r * px + a, 60, 60, 60);
    x += 4 * px;
  }
}

std::string tick_label(double v) {
  std::ostringstream os;
  os.precision(std::abs(v) < 10 ? 2 : 4);
  os << v;
  return os.str();
}

}  // namespace

std::vector<std::uint8_t> encode_png(const Image& im) {
  if (im.width == 0 || im.height == 0) throw value_error("encode_png", "image is empty");
  if (im.channels != 1 && im.channels != 3)
    throw value_error("encode_png", "channels must be 1 or 3, got " + std::to_string(im.channels));
  if (im.pixels.size() != im.width * im.height * im.channels)
    throw value_error("encode_png", "expected " + std::to_string(im.width * im.height * im.channels) +
                                        " bytes of pixels, got " + std::to_string(im.pixels.size()));
  std::vector<std::uint8_t> out = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  std::vector<std::uint8_t> ihdr;
  put_u32(ihdr, static_cast<std::uint32_t>(im.width));
  put_u32(ihdr, static_cast<std::uint32_t>(im.height));
  ihdr.push_back(8);                               // bit depth
  ihdr.push_back(im.channels == 3 ? 2 : 0);        // colour type: RGB or grey
  ihdr.insert(ihdr.end(), {0, 0, 0});              // deflate, adaptive filtering, no interlace
  put_chunk(out, "IHDR", ihdr);
  // Every row starts with its filter type; 0 = none.
  const std::size_t row = im.width * im.channels;
  std::vector<std::uint8_t> raw;
  raw.reserve((row + 1) * im.height);
  for (std::size_t y = 0; y < im.height; ++y) {
    raw.push_back(0);
    raw.insert(raw.end(), im.pixels.begin() + static_cast<std::ptrdiff_t>(y * row),
               im.pixels.begin() + static_cast<std::ptrdiff_t>((y + 1) * row));
  }
  uLongf size = compressBound(static_cast<uLong>(raw.size()));
  std::vector<std::uint8_t> idat(size);
  if (compress2(idat.data(), &size, raw.data(), static_cast<uLong>(raw.size()), 6) != Z_OK)
    throw value_error("encode_png", "zlib could not compress the image");
  idat.resize(size);
  put_chunk(out, "IDAT", idat);
  put_chunk(out, "IEND", {});
  return out;
}

void write_png(const std::string& path, const Image& image) {
  const auto bytes = encode_png(image);
  write_file_atomically(path, "write_png", [&](std::ostream& out) {
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  });
}

Image scaled_image(const std::vector<double>& values, std::size_t height, std::size_t width, std::size_t channels) {
  if (channels != 1 && channels != 3)
    throw value_error("scaled_image", "channels must be 1 or 3, got " + std::to_string(channels));
  if (values.size() != height * width * channels || values.empty())
    throw value_error("scaled_image", "expected " + std::to_string(height * width * channels) + " values for " +
                                          std::to_string(height) + "x" + std::to_string(width) + "x" +
                                          std::to_string(channels) + ", got " + std::to_string(values.size()));
  return Image{width, height, channels, to_bytes(values)};
}

Image filter_grid(const Tensor4& w, std::size_t scale) {
  const std::size_t F = w.shape(0), C = w.shape(1), HH = w.shape(2), WW = w.shape(3);
  if (F == 0 || HH == 0 || WW == 0) throw value_error("filter_grid", "no filters to draw: w has shape " + shape_str(w.shape()));
  const std::size_t channels = C == 3 ? 3 : 1;
  std::vector<std::vector<std::uint8_t>> tiles;
  for (std::size_t f = 0; f < F; ++f) {
    std::vector<double> v;  // (HH, WW, channels) interleaved
    for (std::size_t p = 0; p < HH; ++p)
      for (std::size_t q = 0; q < WW; ++q)
        for (std::size_t c = 0; c < channels; ++c) v.push_back(w(f, c, p, q));
    tiles.push_back(to_bytes(v));
  }
  return tile(tiles, HH, WW, channels, scale);
}

Image map_grid(const Tensor3& maps, std::size_t scale) {
  const std::size_t C = maps.shape(0), H = maps.shape(1), W = maps.shape(2);
  if (C == 0 || H == 0 || W == 0) throw value_error("map_grid", "no maps to draw: shape " + shape_str(maps.shape()));
  std::vector<std::vector<std::uint8_t>> tiles;
  for (std::size_t c = 0; c < C; ++c) {
    std::vector<double> v(maps.data() + c * H * W, maps.data() + (c + 1) * H * W);
    tiles.push_back(to_bytes(v));
  }
  return tile(tiles, H, W, 1, scale);
}

Image line_plot(const std::vector<Curve>& curves, double y_min, double y_max, std::size_t width, std::size_t height) {
  if (!(y_max > y_min)) throw value_error("line_plot", "y_max must be above y_min");
  if (width < 120 || height < 80) throw value_error("line_plot", "image too small for the axes (at least 120x80)");
  Image im = Image::filled(width, height, 3, 255);
  const std::ptrdiff_t left = 48, right = static_cast<std::ptrdiff_t>(width) - 12, top = 12,
                       bottom = static_cast<std::ptrdiff_t>(height) - 24;
  auto to_y = [&](double v) {
    const double t = std::clamp((v - y_min) / (y_max - y_min), 0.0, 1.0);
    return bottom - static_cast<std::ptrdiff_t>(std::lround(t * static_cast<double>(bottom - top)));
  };
  // grid lines and tick labels: five horizontal divisions
  for (int k = 0; k <= 5; ++k) {
    const double v = y_min + (y_max - y_min) * k / 5.0;
    const std::ptrdiff_t y = to_y(v);
    for (std::ptrdiff_t x = left; x <= right; ++x) set_pixel(im, x, y, 225, 225, 225);
    draw_text(im, 4, y - 5, tick_label(v));
  }
  for (std::ptrdiff_t y = top; y <= bottom; ++y) set_pixel(im, left, y, 0, 0, 0);
  for (std::ptrdiff_t x = left; x <= right; ++x) set_pixel(im, x, bottom, 0, 0, 0);
  std::size_t longest = 1;
  for (const auto& c : curves) longest = std::max(longest, c.y.size());
  draw_text(im, left, bottom + 6, "0");
  draw_text(im, right - 4 * 2 * static_cast<std::ptrdiff_t>(std::to_string(longest - 1).size()), bottom + 6,
            std::to_string(longest - 1));
  for (const auto& c : curves) {
    if (c.y.empty()) continue;
    const double span = c.y.size() > 1 ? static_cast<double>(c.y.size() - 1) : 1.0;
    std::ptrdiff_t px = -1, py = -1;
    for (std::size_t i = 0; i < c.y.size(); ++i) {
      if (!std::isfinite(c.y[i])) continue;
      const std::ptrdiff_t x = left + static_cast<std::ptrdiff_t>(std::lround(static_cast<double>(i) / span * static_cast<double>(right - left)));
      const std::ptrdiff_t y = to_y(c.y[i]);
      if (px >= 0) {  // a straight segment from the previous point, thickened by one pixel
        const std::ptrdiff_t steps = std::max<std::ptrdiff_t>({std::abs(x - px), std::abs(y - py), 1});
        for (std::ptrdiff_t s = 0; s <= steps; ++s) {
          const std::ptrdiff_t sx = px + (x - px) * s / steps, sy = py + (y - py) * s / steps;
          set_pixel(im, sx, sy, c.r, c.g, c.b);
          set_pixel(im, sx, sy + 1, c.r, c.g, c.b);
        }
      }
      px = x;
      py = y;
    }
  }
  return im;
}

}  // namespace cnn
