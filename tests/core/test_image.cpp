// Tests of the PNG writer and the picture helpers (src/io/image.hpp). The PNG bytes are checked against
// the format's definition with zlib's own crc32 and uncompress, an independent implementation.
#include "io/image.hpp"

#include <zlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "core/errors.hpp"
#include "support/scratch.hpp"

using namespace cnn;

namespace {
std::uint32_t u32(const std::vector<std::uint8_t>& b, std::size_t at) {
  return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) | (std::uint32_t{b[at + 2]} << 8) | b[at + 3];
}
}  // namespace

TEST_CASE("encode_png writes a valid 3x2 RGB PNG: signature, IHDR, CRCs, and rows that inflate back", "[image][png]") {
  Image im{3, 2, 3, {}};
  for (std::uint8_t i = 0; i < 18; ++i) im.pixels.push_back(static_cast<std::uint8_t>(i * 10));
  const auto b = encode_png(im);
  const std::vector<std::uint8_t> signature = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  REQUIRE(std::vector<std::uint8_t>(b.begin(), b.begin() + 8) == signature);

  // Walk the chunks: length, type, data, CRC over type + data.
  std::size_t at = 8;
  std::vector<std::string> types;
  std::vector<std::uint8_t> idat;
  while (at < b.size()) {
    const std::uint32_t len = u32(b, at);
    const std::string type(b.begin() + static_cast<std::ptrdiff_t>(at + 4), b.begin() + static_cast<std::ptrdiff_t>(at + 8));
    const uLong crc = crc32(0L, b.data() + at + 4, 4 + len);
    REQUIRE(u32(b, at + 8 + len) == static_cast<std::uint32_t>(crc));
    if (type == "IHDR") {
      REQUIRE(u32(b, at + 8) == 3);   // width
      REQUIRE(u32(b, at + 12) == 2);  // height
      REQUIRE(b[at + 16] == 8);       // bit depth
      REQUIRE(b[at + 17] == 2);       // colour type RGB
    }
    if (type == "IDAT") idat.insert(idat.end(), b.begin() + static_cast<std::ptrdiff_t>(at + 8), b.begin() + static_cast<std::ptrdiff_t>(at + 8 + len));
    types.push_back(type);
    at += 12 + len;
  }
  REQUIRE(types == std::vector<std::string>{"IHDR", "IDAT", "IEND"});
  std::vector<std::uint8_t> raw(2 * (1 + 9));
  uLongf raw_size = raw.size();
  REQUIRE(uncompress(raw.data(), &raw_size, idat.data(), idat.size()) == Z_OK);
  REQUIRE(raw_size == raw.size());
  REQUIRE(raw[0] == 0);  // filter type none
  REQUIRE(raw[1] == 0);
  REQUIRE(raw[10] == 0);
  REQUIRE(raw[11] == 90);  // first pixel of row 2: byte 9 of the pixels
}

TEST_CASE("write_png leaves the file complete and no temporary behind, and refuses bad images", "[image][png]") {
  const testing::Scratch scratch;
  const auto path = scratch.file("image.png");
  write_png(path, Image::filled(4, 4, 1, 200));
  REQUIRE(std::filesystem::file_size(path) == encode_png(Image::filled(4, 4, 1, 200)).size());
  REQUIRE_FALSE(std::filesystem::exists(path + ".tmp"));
  REQUIRE_THROWS_AS(encode_png(Image{2, 2, 2, std::vector<std::uint8_t>(8)}), value_error);
  REQUIRE_THROWS_AS(encode_png(Image{2, 2, 1, std::vector<std::uint8_t>(3)}), value_error);
  REQUIRE_THROWS_AS(write_png("/nonexistent-dir/x.png", Image::filled(2, 2, 1, 0)), io_error);
}

TEST_CASE("filter_grid lays six 5x5 filters out as a 3x2 grid of magnified tiles", "[image]") {
  Tensor4 w = xt::zeros<double>({6, 1, 5, 5});
  w(0, 0, 0, 0) = 1.0;  // filter 0: one bright corner pixel, the rest dark
  const Image im = filter_grid(w, 2);
  // ceil(sqrt(6)) = 3 columns, 2 rows; each cell 5*2 + 1 pixels, plus the outer border.
  REQUIRE(im.width == 3 * 11 + 1);
  REQUIRE(im.height == 2 * 11 + 1);
  REQUIRE(im.pixels[(1 * im.width + 1)] == 255);  // top-left of filter 0: its maximum
  REQUIRE(im.pixels[(1 * im.width + 3)] == 0);    // next entry of filter 0: its minimum
  REQUIRE(im.pixels[(1 * im.width + 12)] == 128); // filter 1 is constant: mid-grey
}

TEST_CASE("line_plot draws inside its frame and refuses an empty y range", "[image]") {
  const Image im = line_plot({Curve{{0.0, 1.0, 0.5}, 255, 0, 0}}, 0.0, 1.0, 200, 100);
  REQUIRE(im.width == 200);
  std::size_t red = 0;
  for (std::size_t i = 0; i < im.pixels.size(); i += 3)
    if (im.pixels[i] == 255 && im.pixels[i + 1] == 0) ++red;
  REQUIRE(red > 100);
  REQUIRE_THROWS_AS(line_plot({}, 1.0, 1.0), value_error);
}
