// Tests of the data readers (src/io/data.hpp) on small files the tests write themselves, good and broken,
// and on the real Fashion-MNIST files from the Debian package.
#include "io/data.hpp"

#include <zlib.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "support/scratch.hpp"

using namespace cnn;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;
using testing::Scratch;

namespace {

using Bytes = std::vector<std::uint8_t>;

void write_plain(const std::string& path, const Bytes& b) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

void write_gz(const std::string& path, const Bytes& b) {
  gzFile f = gzopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  REQUIRE(gzwrite(f, b.data(), static_cast<unsigned>(b.size())) == static_cast<int>(b.size()));
  gzclose(f);
}

void put_u32(Bytes& b, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(v >> s));
}

// IDX bytes by the format's definition: 0, 0, type 0x08, rank, big-endian sizes, data.
Bytes idx(const std::vector<std::uint32_t>& dims, const Bytes& data) {
  Bytes b = {0, 0, 0x08, static_cast<std::uint8_t>(dims.size())};
  for (auto d : dims) put_u32(b, d);
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

Bytes iota_bytes(std::size_t n) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i % 251);
  return b;
}

}  // namespace

TEST_CASE("read_idx reads three 2x3 images and their labels, gzipped and plain", "[data][idx]") {
  Scratch s;
  const Bytes pixels = iota_bytes(18), labels = {7, 0, 9};
  write_gz(s.file("img.gz"), idx({3, 2, 3}, pixels));
  write_plain(s.file("lab"), idx({3}, labels));
  const Dataset d = read_idx(s.file("img.gz"), s.file("lab"));
  REQUIRE(d.count == 3);
  REQUIRE(d.channels == 1);
  REQUIRE(d.height == 2);
  REQUIRE(d.width == 3);
  REQUIRE(d.images == pixels);
  REQUIRE(d.labels == labels);

  // A batch converts bytes to (byte / 255 - mean) / std.
  const std::vector<std::size_t> pick = {2, 0};
  const Tensor4 x = batch_images(d, pick, Normalization{0.5, 0.25});
  REQUIRE(x.shape(0) == 2);
  REQUIRE_THAT(x(0, 0, 0, 0), Catch::Matchers::WithinAbs((12 / 255.0 - 0.5) / 0.25, 1e-12));
  REQUIRE_THAT(x(1, 0, 1, 2), Catch::Matchers::WithinAbs((5 / 255.0 - 0.5) / 0.25, 1e-12));
  const Labels y = batch_labels(d, pick);
  REQUIRE(y(0) == 9);
  REQUIRE(y(1) == 7);
}

TEST_CASE("read_idx refuses broken files with the file name and what is wrong", "[data][idx][errors]") {
  Scratch s;
  const std::string img = s.file("img"), lab = s.file("lab");
  write_plain(lab, idx({2}, {1, 2}));

  write_plain(img, Bytes{1, 2, 3, 4, 5, 6, 7, 8});
  REQUIRE_THROWS_WITH(read_idx(img, lab), Contains(img) && Contains("not an IDX file"));

  Bytes wrong_type = idx({2, 2, 2}, iota_bytes(8));
  wrong_type[2] = 0x0D;  // float
  write_plain(img, wrong_type);
  REQUIRE_THROWS_WITH(read_idx(img, lab), Contains("unsigned byte"));

  Bytes truncated = idx({2, 2, 2}, iota_bytes(8));
  truncated.resize(truncated.size() - 3);
  write_plain(img, truncated);
  REQUIRE_THROWS_WITH(read_idx(img, lab), Contains(img) && Contains("truncated") && Contains("found 5"));

  write_plain(img, idx({3, 2, 2}, iota_bytes(12)));
  REQUIRE_THROWS_WITH(read_idx(img, lab), Contains("3 images") && Contains("2 labels"));

  write_plain(img, idx({2, 4}, iota_bytes(8)));
  REQUIRE_THROWS_WITH(read_idx(img, lab), Contains("3 dimensions"));

  write_plain(img, idx({2, 2, 2}, iota_bytes(8)));
  write_plain(lab, idx({2}, {1, 12}));
  REQUIRE_THROWS_WITH(read_idx(img, lab), Contains("label 12 at index 1"));

  REQUIRE_THROWS_WITH(read_idx(s.file("nothing"), lab), Contains("no such file"));
}

TEST_CASE("a corrupt or cut-off gzip file is refused, not read as garbage", "[data][idx][errors]") {
  Scratch s;
  const std::string gz = s.file("img.gz");
  write_gz(gz, idx({2, 2, 2}, iota_bytes(8)));
  std::ifstream in(gz, std::ios::binary);
  Bytes bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  in.close();

  Bytes cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(bytes.size() - 6));  // loses part of the trailer
  write_plain(gz, cut);
  REQUIRE_THROWS_AS(read_maybe_gzipped(gz), io_error);

  Bytes flipped = bytes;
  flipped[12] ^= 0xFF;  // inside the deflate stream
  flipped[13] ^= 0xFF;
  write_plain(gz, flipped);
  REQUIRE_THROWS_WITH(read_maybe_gzipped(gz), Contains(gz));
}

TEST_CASE("read_cifar10 reads whole 3073-byte records and refuses a partial one", "[data][cifar]") {
  Scratch s;
  Bytes rec;
  for (std::uint8_t label : {3, 8}) {
    rec.push_back(label);
    const Bytes px = iota_bytes(3072);
    rec.insert(rec.end(), px.begin(), px.end());
  }
  write_plain(s.file("b1.bin"), rec);
  const Dataset d = read_cifar10({s.file("b1.bin")});
  REQUIRE(d.count == 2);
  REQUIRE(d.channels == 3);
  REQUIRE(d.labels == Bytes{3, 8});
  REQUIRE(d.images.size() == 2 * 3072);
  rec.pop_back();
  write_plain(s.file("b2.bin"), rec);
  REQUIRE_THROWS_WITH(read_cifar10({s.file("b2.bin")}), Contains("not a whole number"));
}

TEST_CASE("split_validation keeps the last images for validation", "[data]") {
  Dataset d;
  d.count = 5;
  d.channels = d.height = d.width = 1;
  d.images = {10, 11, 12, 13, 14};
  d.labels = {0, 1, 2, 3, 4};
  const auto [train, val] = split_validation(d, 2);
  REQUIRE(train.count == 3);
  REQUIRE(val.count == 2);
  REQUIRE(val.images == Bytes{13, 14});
  REQUIRE(val.labels == Bytes{3, 4});
  REQUIRE_THROWS_AS(split_validation(d, 5), value_error);
}

TEST_CASE("Fashion-MNIST from the Debian package: 60,000 + 10,000 images, 6,000 and 1,000 per class",
          "[data][fashion]") {
  // Published facts of the data set: 28x28 grey images, balanced classes; the first training image is an
  // ankle boot (label 9). The package is installed by ./lab setup.
  const Dataset train = load_fashion_mnist(kFashionMnistDir, "train");
  const Dataset test = load_fashion_mnist(kFashionMnistDir, "test");
  REQUIRE(train.count == 60000);
  REQUIRE(test.count == 10000);
  REQUIRE(train.height == 28);
  REQUIRE(train.width == 28);
  REQUIRE(train.labels[0] == 9);
  std::vector<std::size_t> per_class(10, 0);
  for (auto y : train.labels) ++per_class[y];
  for (auto c : per_class) REQUIRE(c == 6000);
  REQUIRE(train.class_names[9] == "Ankle boot");
}

TEST_CASE("a missing data set says how to install it", "[data][errors]") {
  REQUIRE_THROWS_WITH(load_fashion_mnist("/nonexistent/fmnist", "train"),
                      Contains("apt-get install dataset-fashion-mnist") && Contains("--data"));
}
