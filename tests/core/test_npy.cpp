// Tests of the .npy module (src/io/npy.hpp) and of saving and loading a model's parameters as .npy files
// (src/runtime/params_npy.hpp): round trips, files written by NumPy, and every kind of broken file, each with
// the message checked. The files are written to a scratch folder the tests make and remove.
#include "io/npy.hpp"

#include <unistd.h>

#include <bit>
#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "support/scratch.hpp"
#include "runtime/model.hpp"
#include "runtime/params_npy.hpp"
#include "core/random.hpp"

using namespace cnn;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;
using testing::Scratch;

namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_file(const std::string& path, const Bytes& b) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

// Files written by NumPy 1.24.2 (Debian 12's python3-numpy), their bytes printed with
//   b = io.BytesIO(); np.save(b, a); b.getvalue()
// for a = np.array([[0.0, 0.25, 0.5], [0.75, 1.0, -2.5]])          (kNumpyF8: float64, shape (2, 3))
// and a = np.array([1.5, -2.0, 0.1], dtype='<f4')                   (kNumpyF4: float32, shape (3,))
// and, with np.lib.format.write_array(b, np.array([7.0, 8.0]), version=(2, 0)) (kNumpyV2: format 2.0).
const std::uint8_t kNumpyF8[] = {
    0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 0x01, 0x00, 0x76, 0x00, 0x7b, 0x27, 0x64, 0x65, 0x73, 0x63,
    0x72, 0x27, 0x3a, 0x20, 0x27, 0x3c, 0x66, 0x38, 0x27, 0x2c, 0x20, 0x27, 0x66, 0x6f, 0x72, 0x74,
    0x72, 0x61, 0x6e, 0x5f, 0x6f, 0x72, 0x64, 0x65, 0x72, 0x27, 0x3a, 0x20, 0x46, 0x61, 0x6c, 0x73,
    0x65, 0x2c, 0x20, 0x27, 0x73, 0x68, 0x61, 0x70, 0x65, 0x27, 0x3a, 0x20, 0x28, 0x32, 0x2c, 0x20,
    0x33, 0x29, 0x2c, 0x20, 0x7d, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
    0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
    0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
    0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x0a,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xd0, 0x3f,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xe0, 0x3f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xe8, 0x3f,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf0, 0x3f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0xc0,
};

const std::uint8_t kNumpyF4[] = {
    0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 0x01, 0x00, 0x76, 0x00, 0x7b, 0x27, 0x64, 0x65, 0x73, 0x63,
    0x72, 0x27, 0x3a, 0x20, 0x27, 0x3c, 0x66, 0x34, 0x27, 0x2c, 0x20, 0x27, 0x66, 0x6f, 0x72, 0x74,
    0x72, 0x61, 0x6e, 0x5f, 0x6f, 0x72, 0x64, 0x65, 0x72, 0x27, 0x3a, 0x20, 0x46, 0x61, 0x6c, 0x73,
    0x65, 0x2c, 0x20, 0x27, 0x73, 0x68, 0x61, 0x70, 0x65, 0x27, 0x3a, 0x20, 0x28, 0x33, 0x2c, 0x29,
    0x2c, 0x20, 0x7d, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
    0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
    0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
    0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x0a,
    0x00, 0x00, 0xc0, 0x3f, 0x00, 0x00, 0x00, 0xc0, 0xcd, 0xcc, 0xcc, 0x3d,
};

const std::uint8_t kNumpyV2[] = {
    0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 0x02, 0x00, 0x74, 0x00, 0x00, 0x00, 0x7b, 0x27, 0x64, 0x65,
    0x73, 0x63, 0x72, 0x27, 0x3a, 0x20, 0x27, 0x3c, 0x66, 0x38, 0x27, 0x2c, 0x20, 0x27, 0x66, 0x6f,
    0x72, 0x74, 0x72, 0x61, 0x6e, 0x5f, 0x6f, 0x72, 0x64, 0x65, 0x72, 0x27, 0x3a, 0x20, 0x46, 0x61,
    0x6c, 0x73, 0x65, 0x2c, 0x20, 0x27, 0x73, 0x68, 0x61, 0x70, 0x65, 0x27, 0x3a, 0x20, 0x28, 0x32,
    0x2c, 0x29, 0x2c, 0x20, 0x7d, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
    0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
    0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
    0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x0a,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1c, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20, 0x40,
};

// A .npy file of format 1.0 with the given header text (padded as NumPy pads it) and data bytes.
Bytes npy_v1(std::string header, const Bytes& data) {
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string text = "\x93NUMPY";
  text += '\x01';
  text += '\0';
  text += static_cast<char>(header.size() & 0xFF);
  text += static_cast<char>(header.size() >> 8);
  text += header;
  Bytes b(text.begin(), text.end());
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

Bytes doubles_le(const std::vector<double>& v) {
  Bytes b;
  for (double d : v) {
    const auto u = std::bit_cast<std::uint64_t>(d);
    for (int k = 0; k < 8; ++k) b.push_back(static_cast<std::uint8_t>(u >> (8 * k)));
  }
  return b;
}

NpyArray parse(const Bytes& b) { return parse_npy(b, "t.npy"); }

}  // namespace

TEST_CASE("parse_npy reads files written by NumPy: float64, float32 and format 2.0", "[npy]") {
  const NpyArray f8 = parse_npy(kNumpyF8, "numpy_f8.npy");
  REQUIRE(f8.shape == std::vector<std::size_t>{2, 3});
  REQUIRE(f8.values == std::vector<double>{0.0, 0.25, 0.5, 0.75, 1.0, -2.5});

  const NpyArray f4 = parse_npy(kNumpyF4, "numpy_f4.npy");
  REQUIRE(f4.shape == std::vector<std::size_t>{3});
  REQUIRE(f4.values[0] == 1.5);
  REQUIRE(f4.values[1] == -2.0);
  REQUIRE(f4.values[2] == static_cast<double>(0.1f));  // NumPy: float(np.float32(0.1)) == 0.10000000149011612
  REQUIRE(f4.values[2] == 0.10000000149011612);

  const NpyArray v2 = parse_npy(kNumpyV2, "numpy_v2.npy");
  REQUIRE(v2.shape == std::vector<std::size_t>{2});
  REQUIRE(v2.values == std::vector<double>{7.0, 8.0});
}

TEST_CASE("save_npy writes the same bytes as numpy.save, and a round trip keeps every value", "[npy]") {
  Scratch s;
  const std::vector<std::size_t> shape = {2, 3};
  const std::vector<double> values = {0.0, 0.25, 0.5, 0.75, 1.0, -2.5};
  save_npy(s.file("a.npy"), shape, values);
  REQUIRE(read_file(s.file("a.npy")) == Bytes(std::begin(kNumpyF8), std::end(kNumpyF8)));
  REQUIRE_FALSE(fs::exists(s.file("a.npy.tmp")));

  // Values that a text format would round: the bits come back.
  const std::vector<std::size_t> shape3 = {2, 1, 2};
  const std::vector<double> odd = {1.0 / 3.0, -0.0, std::numeric_limits<double>::denorm_min(), 1e308};
  save_npy(s.file("b.npy"), shape3, odd);
  const NpyArray b = load_npy(s.file("b.npy"));
  REQUIRE(b.shape == shape3);
  REQUIRE(b.values.size() == odd.size());
  for (std::size_t i = 0; i < odd.size(); ++i) REQUIRE(std::bit_cast<std::uint64_t>(b.values[i]) == std::bit_cast<std::uint64_t>(odd[i]));

  // A scalar (shape ()) and an empty array (shape (0, 4)).
  save_npy(s.file("scalar.npy"), std::vector<std::size_t>{}, std::vector<double>{42.0});
  const NpyArray sc = load_npy(s.file("scalar.npy"));
  REQUIRE(sc.shape.empty());
  REQUIRE(sc.values == std::vector<double>{42.0});
  save_npy(s.file("empty.npy"), std::vector<std::size_t>{0, 4}, std::vector<double>{});
  REQUIRE(load_npy(s.file("empty.npy")).shape == std::vector<std::size_t>{0, 4});

  // Saving over an existing file replaces it.
  save_npy(s.file("a.npy"), std::vector<std::size_t>{1}, std::vector<double>{5.0});
  REQUIRE(load_npy(s.file("a.npy")).values == std::vector<double>{5.0});
}

TEST_CASE("save_npy refuses a shape that does not match the values, and a folder it cannot write, leaving no file",
          "[npy][errors]") {
  Scratch s;
  const std::vector<double> five(5, 1.0);
  REQUIRE_THROWS_AS(save_npy(s.file("x.npy"), std::vector<std::size_t>{2, 3}, five), shape_error);
  REQUIRE_THROWS_WITH(save_npy(s.file("x.npy"), std::vector<std::size_t>{2, 3}, five),
                      Contains("save_npy") && Contains("x.npy") && Contains("(2, 3) holds 6 values, got 5"));
  REQUIRE_FALSE(fs::exists(s.file("x.npy")));
  REQUIRE_FALSE(fs::exists(s.file("x.npy.tmp")));
  const std::string nowhere = s.file("no/such/folder/x.npy");
  REQUIRE_THROWS_WITH(save_npy(nowhere, std::vector<std::size_t>{5}, five),
                      Contains("save_npy") && Contains(nowhere) && Contains("cannot create"));
  REQUIRE_THROWS_AS(save_npy(s.file("big.npy"), std::vector<std::size_t>{std::size_t{1} << 40, std::size_t{1} << 40}, five),
                    shape_error);
}

TEST_CASE("parse_npy refuses broken files, naming the function, the file, what it expected and what it found",
          "[npy][errors]") {
  const Bytes six = doubles_le({1, 2, 3, 4, 5, 6});
  const std::string good = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }";
  REQUIRE(parse(npy_v1(good, six)).values.size() == 6);  // the base every broken file below differs from

  SECTION("not a .npy file") {
    REQUIRE_THROWS_AS(parse(Bytes{'P', 'K', 3, 4}), io_error);
    REQUIRE_THROWS_WITH(parse(Bytes{'P', 'K', 3, 4}), Contains("parse_npy: t.npy: not a .npy file") &&
                                                           Contains("expected the magic bytes") && Contains("PK"));
    REQUIRE_THROWS_WITH(parse(Bytes{}), Contains("not a .npy file"));
  }
  SECTION("unknown version") {
    Bytes b = npy_v1(good, six);
    b[6] = 4;
    REQUIRE_THROWS_WITH(parse(b), Contains("version 4.0") && Contains("expected 1.0, 2.0 or 3.0"));
  }
  SECTION("cut short in the header") {
    const Bytes b = npy_v1(good, six);
    REQUIRE_THROWS_WITH(parse(Bytes(b.begin(), b.begin() + 7)), Contains("cut short before the version"));
    REQUIRE_THROWS_WITH(parse(Bytes(b.begin(), b.begin() + 9)), Contains("too short for a version 1.0 header length"));
    REQUIRE_THROWS_WITH(parse(Bytes(b.begin(), b.begin() + 50)),
                        Contains("truncated in the header: it promises 118 bytes, found 40"));
  }
  SECTION("Fortran order") {
    REQUIRE_THROWS_WITH(parse(npy_v1("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", six)),
                        Contains("t.npy") && Contains("fortran_order is True; expected C order"));
  }
  SECTION("other dtypes and big-endian") {
    REQUIRE_THROWS_WITH(parse(npy_v1("{'descr': '>f8', 'fortran_order': False, 'shape': (2, 3), }", six)),
                        Contains("dtype '>f8' is big-endian; expected little-endian '<f8'"));
    REQUIRE_THROWS_WITH(parse(npy_v1("{'descr': '<i8', 'fortran_order': False, 'shape': (2, 3), }", six)),
                        Contains("dtype '<i8' is not supported; expected '<f8' (float64) or '<f4' (float32)"));
    REQUIRE_THROWS_WITH(parse(npy_v1("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (2, 3), }", six)),
                        Contains("malformed header: expected a string, True, False or a tuple"));
  }
  SECTION("malformed header dict") {
    REQUIRE_THROWS_WITH(parse(npy_v1("descr: <f8", six)), Contains("malformed header: expected a dict starting with '{'") &&
                                                                Contains("\"descr: <f8"));
    REQUIRE_THROWS_WITH(parse(npy_v1("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3)", six)),
                        Contains("expected ',' or '}' after the value of 'shape'"));
    REQUIRE_THROWS_WITH(parse(npy_v1("{'descr': '<f8', 'shape': (2, 3), }", six)),
                        Contains("the header has no 'fortran_order' key"));
    REQUIRE_THROWS_WITH(parse(npy_v1("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), 'x': 1}", six)),
                        Contains("expected a string, True, False or a tuple"));
    REQUIRE_THROWS_WITH(parse(npy_v1("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), 'x': True}", six)),
                        Contains("unexpected header key 'x'; expected only 'descr', 'fortran_order' and 'shape'"));
    REQUIRE_THROWS_WITH(parse(npy_v1("{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (2, 3)}", six)),
                        Contains("header key 'descr' must be given once"));
    REQUIRE_THROWS_WITH(parse(npy_v1("{'descr': '<f8', 'fortran_order': 0, 'shape': (2, 3), }", six)),
                        Contains("expected a string, True, False or a tuple"));
    REQUIRE_THROWS_WITH(parse(npy_v1("{'descr': '<f8', 'fortran_order': False, 'shape': '(2, 3)', }", six)),
                        Contains("header key 'shape' must be a tuple of sizes"));
    REQUIRE_THROWS_WITH(parse(npy_v1("{'descr': '<f8', 'fortran_order': False, 'shape': (6), }", six)),
                        Contains("expected ',' after the only element of a tuple"));
    REQUIRE_THROWS_WITH(parse(npy_v1("{'descr': '<f8', 'fortran_order': False, 'shape': (2, -3), }", six)),
                        Contains("expected a non-negative integer"));
    REQUIRE_THROWS_WITH(parse(npy_v1("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), } x", six)),
                        Contains("only spaces and a newline after the dict's '}'"));
  }
  SECTION("shape and data disagree") {
    REQUIRE_THROWS_WITH(parse(npy_v1(good, doubles_le({1, 2, 3, 4, 5}))),
                        Contains("t.npy: truncated: shape (2, 3) of '<f8' needs 48 bytes of data, found 40"));
    REQUIRE_THROWS_WITH(parse(npy_v1(good, doubles_le({1, 2, 3, 4, 5, 6, 7}))),
                        Contains("8 bytes after the 48 bytes of data that shape (2, 3) of '<f8' needs"));
    const Bytes b = npy_v1(good, six);
    REQUIRE_THROWS_WITH(parse(Bytes(b.begin(), b.end() - 3)), Contains("found 45"));
  }
  SECTION("absurd sizes") {
    // 2^32 * 2^32 * 8 bytes overflows 64 bits; so does a dimension of 20 digits.
    REQUIRE_THROWS_WITH(parse(npy_v1("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", six)),
                        Contains("shape (4294967296, 4294967296) is too large: its size overflows 64 bits"));
    REQUIRE_THROWS_WITH(parse(npy_v1("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,), }", six)),
                        Contains("expected a dimension that fits in 64 bits"));
    REQUIRE_THROWS_WITH(parse(npy_v1("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000, 1000000000), }", six)),
                        Contains("needs 8000000000000000000 bytes of data, found 48"));
  }
}

TEST_CASE("load_npy names a missing file", "[npy][errors]") {
  Scratch s;
  REQUIRE_THROWS_WITH(load_npy(s.file("none.npy")), Contains("load_npy") && Contains("none.npy: no such file"));
  write_file(s.file("cut.npy"), Bytes(std::begin(kNumpyF8), std::end(kNumpyF8) - 8));
  REQUIRE_THROWS_WITH(load_npy(s.file("cut.npy")), Contains(s.file("cut.npy")) && Contains("truncated"));
}

namespace {

Model small_model(std::uint64_t seed) {
  Model m;
  m.add(make_conv("conv1", 1, 2, 3, ConvParam{1, 1})).add(make_spatial_batchnorm("bn1", 2)).add(make_relu("relu1"))
      .add(make_affine("fc2", 2 * 4 * 4, 3)).add(make_scores("scores"));
  Rng rng(seed);
  m.initialize(rng);
  return m;
}

std::vector<std::vector<double>> values_of(Model& m) {
  std::vector<std::vector<double>> v;
  for (auto& p : m.params()) v.emplace_back(p.value.begin(), p.value.end());
  for (auto& b : m.buffers()) v.emplace_back(b.value.begin(), b.value.end());
  return v;
}

}  // namespace

TEST_CASE("a model's parameters and buffers round-trip through DIR/<name>.npy", "[npy][params]") {
  Scratch s;
  Model a = small_model(1);
  // Running statistics that differ from the initial ones, so that the buffers are really carried over.
  auto bufs = a.buffers();
  for (std::size_t k = 0; k < bufs[0].value.size(); ++k) bufs[0].value[k] = 0.5 + static_cast<double>(k);
  const std::vector<std::string> files = save_params_npy(a, s.file("params"));
  REQUIRE(files == std::vector<std::string>{"conv1.w.npy", "conv1.b.npy", "bn1.gamma.npy", "bn1.beta.npy", "fc2.w.npy",
                                            "fc2.b.npy", "bn1.running_mean.npy", "bn1.running_var.npy"});
  REQUIRE(load_npy(s.file("params/conv1.w.npy")).shape == std::vector<std::size_t>{2, 1, 3, 3});
  REQUIRE(load_npy(s.file("params/fc2.w.npy")).shape == std::vector<std::size_t>{32, 3});

  Model b = small_model(2);
  REQUIRE(values_of(b) != values_of(a));
  load_params_npy(b, s.file("params"));
  REQUIRE(values_of(b) == values_of(a));
}

TEST_CASE("load_params_npy refuses a missing file or a wrong shape and leaves the model as it was", "[npy][params][errors]") {
  Scratch s;
  Model a = small_model(1);
  save_params_npy(a, s.file("p"));
  Model b = small_model(2);
  const auto before = values_of(b);

  fs::remove(s.file("p/fc2.b.npy"));
  REQUIRE_THROWS_AS(load_params_npy(b, s.file("p")), io_error);
  REQUIRE_THROWS_WITH(load_params_npy(b, s.file("p")),
                      Contains("load_params_npy") && Contains("fc2.b.npy: missing; expected fc2.b of shape (3)"));
  REQUIRE(values_of(b) == before);

  save_npy(s.file("p/fc2.b.npy"), std::vector<std::size_t>{4}, std::vector<double>{1, 2, 3, 4});
  REQUIRE_THROWS_WITH(load_params_npy(b, s.file("p")),
                      Contains("fc2.b.npy: fc2.b has shape (4), expected (3) for this model"));
  REQUIRE(values_of(b) == before);

  write_file(s.file("p/fc2.b.npy"), Bytes{1, 2, 3});
  REQUIRE_THROWS_WITH(load_params_npy(b, s.file("p")), Contains("parse_npy") && Contains("fc2.b.npy: not a .npy file"));
  REQUIRE(values_of(b) == before);
}
