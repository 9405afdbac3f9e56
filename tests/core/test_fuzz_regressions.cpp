// Regression tests for what the fuzz targets (fuzz/) found in the readers, and tests of the byte-span entry points
// they call: gunzip_if_gzipped, parse_cifar10 and Solver::load_checkpoint_bytes. The inputs are made here, by
// the formats' definitions, from files the library itself writes.
#include <unistd.h>
#include <zlib.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "io/data.hpp"
#include "core/errors.hpp"
#include "io/files.hpp"
#include "runtime/model.hpp"
#include "runtime/solver.hpp"
#include "support/scratch.hpp"

using namespace cnn;
using Catch::Matchers::Contains;

namespace {

using Bytes = std::vector<std::uint8_t>;

// gzip bytes of @p data, made with zlib's deflate in gzip mode (what `gzip` writes).
Bytes gzip(const Bytes& data) {
  z_stream zs{};
  REQUIRE(deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  Bytes out(deflateBound(&zs, static_cast<uLong>(data.size())) + 32);
  zs.next_in = const_cast<Bytef*>(data.data());
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&zs, Z_FINISH) == Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

Bytes counting(std::size_t n) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i * 7 % 256);
  return b;
}

Bytes cat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

TEST_CASE("gunzip_if_gzipped inflates gzip bytes, one member or several, and passes other bytes through", "[data][gzip]") {
  const Bytes a = counting(1000), b = counting(77);
  REQUIRE(gunzip_if_gzipped(a, "plain") == a);
  REQUIRE(gunzip_if_gzipped(Bytes{}, "empty").empty());
  REQUIRE(gunzip_if_gzipped(gzip(a), "a.gz") == a);
  REQUIRE(gunzip_if_gzipped(cat(gzip(a), gzip(b)), "ab.gz") == cat(a, b));  // as `cat a.gz b.gz | gunzip` gives
  REQUIRE(gunzip_if_gzipped(cat(gzip(a), Bytes{0, 0, 0, 0}), "padded.gz") == a);  // trailing bytes: ignored, as gzip does
  REQUIRE(gunzip_if_gzipped(gzip(Bytes{}), "nothing.gz").empty());
}

TEST_CASE("gunzip_if_gzipped refuses truncated and corrupt gzip data and a size over the limit", "[data][gzip][errors]") {
  const Bytes a = counting(5000), z = gzip(a);
  const Bytes cut(z.begin(), z.end() - 6);
  REQUIRE_THROWS_AS(gunzip_if_gzipped(cut, "cut.gz"), io_error);
  REQUIRE_THROWS_WITH(gunzip_if_gzipped(cut, "cut.gz"),
                      Contains("gunzip_if_gzipped: cut.gz: corrupt or truncated gzip data"));
  REQUIRE_THROWS_WITH(gunzip_if_gzipped(Bytes{0x1f, 0x8b}, "magic_only.gz"), Contains("magic_only.gz") && Contains("truncated"));
  Bytes flipped = z;
  flipped[12] ^= 0xFF;
  flipped[13] ^= 0xFF;
  REQUIRE_THROWS_WITH(gunzip_if_gzipped(flipped, "flipped.gz"), Contains("flipped.gz: corrupt"));
  REQUIRE_THROWS_WITH(gunzip_if_gzipped(z, "big.gz", 4999), Contains("big.gz: inflates to more than 4999 bytes"));
  REQUIRE(gunzip_if_gzipped(z, "fits.gz", 5000) == a);
  REQUIRE_THROWS_WITH(gunzip_if_gzipped(a, "plain", 10), Contains("plain: inflates to more than 10 bytes"));
}

TEST_CASE("parse_cifar10 reads records from bytes and names the file in its refusals", "[data][cifar]") {
  Bytes rec = counting(3073);
  rec[0] = 4;
  const Dataset d = parse_cifar10(cat(rec, rec), "b.bin");
  REQUIRE(d.count == 2);
  REQUIRE(d.labels == Bytes{4, 4});
  REQUIRE(d.images == cat(Bytes(rec.begin() + 1, rec.end()), Bytes(rec.begin() + 1, rec.end())));
  REQUIRE_THROWS_WITH(parse_cifar10(Bytes(rec.begin(), rec.end() - 1), "short.bin"),
                      Contains("parse_cifar10: short.bin: 3072 bytes is not a whole number of 3073-byte CIFAR-10 records"));
  REQUIRE_THROWS_WITH(parse_cifar10(Bytes{}, "empty.bin"), Contains("empty.bin: 0 bytes"));
  rec[0] = 10;
  REQUIRE_THROWS_WITH(parse_cifar10(rec, "bad.bin"), Contains("bad.bin: label 10 in record 0 is not below 10"));
}

// --- the checkpoint reader ------------------------------------------------------------------------------------
// The model of fuzz/fuzz_checkpoint.cpp: fc1 (4 -> 3), bn1 over 3 features. A checkpoint of it starts with
// "CNNLABCK", u32 version, u64 epochs, u64 steps, f64 learning rate, u32 rule (byte 36), five hyperparameters
// (bytes 40 to 79), u64 number of arrays (byte 80), u32 length of the first name (byte 88), "fc1.w" (byte 92), u32
// rank (byte 97). With no epoch done and no validation set it ends with the u64 number of arrays of best values,
// 0, followed in the file by the checksum (u32), which Rig::checkpoint() leaves out.

namespace {

struct Rig {
  Dataset data;
  Dataset none;
  Model model;
  std::unique_ptr<Solver> solver;

  explicit Rig(UpdateRule rule, std::uint64_t seed = 1) {
    data.count = 1;
    data.channels = 1;
    data.height = 2;
    data.width = 2;
    data.classes = 3;
    data.images = {0, 1, 2, 3};
    data.labels = {1};
    model.add(make_affine("fc1", 4, 3)).add(make_batchnorm("bn1", 3)).add(make_scores("scores"));
    Rng rng(seed);
    model.initialize(rng);
    SolverConfig cfg;
    cfg.rule = rule;
    cfg.epochs = 0;
    solver = std::make_unique<Solver>(model, data, none, cfg);
  }

  Bytes checkpoint() const {
    const testing::Scratch scratch;
    const std::string path = scratch.file("solver.ckpt");
    solver->save_checkpoint(path);
    Bytes b = cnn::read_file(path, "test");
    b.resize(b.size() - 4);  // what load_checkpoint_bytes reads: the file without its checksum
    return b;
  }

  std::vector<double> first_param() { return {model.params()[0].value.begin(), model.params()[0].value.end()}; }
};

template <class T>
void poke(Bytes& b, std::size_t at, T v) {
  std::memcpy(b.data() + at, &v, sizeof v);
}

template <class T>
void append(Bytes& b, T v) {
  b.resize(b.size() + sizeof v);
  std::memcpy(b.data() + b.size() - sizeof v, &v, sizeof v);
}

void append_doubles(Bytes& b, const std::vector<double>& v) {
  append<std::uint64_t>(b, v.size());
  for (double d : v) append(b, d);
}

}  // namespace

TEST_CASE("checkpoint reader: the layout the regression tests below rely on", "[model][checkpoint]") {
  Rig rig(UpdateRule::sgd);
  const Bytes b = rig.checkpoint();
  REQUIRE(std::memcmp(b.data() + 92, "fc1.w", 5) == 0);
  std::uint32_t rank = 0;
  std::memcpy(&rank, b.data() + 97, sizeof rank);
  REQUIRE(rank == 2);
  std::uint64_t n_best = 1;
  std::memcpy(&n_best, b.data() + b.size() - 8, sizeof n_best);
  REQUIRE(n_best == 0);
  Rig other(UpdateRule::sgd, 2);
  REQUIRE_NOTHROW(other.solver->load_checkpoint_bytes(b, "ok.ckpt"));
  REQUIRE(other.first_param() == rig.first_param());
}

// Found by fuzz_checkpoint (fuzz/corpus/checkpoint/crash-shape-rank-allocation): the rank of an array was used
// as a vector size before anything checked it, so a rank of 4 billion asked for 32 GB (AddressSanitizer:
// out-of-memory; without it std::bad_alloc escaped as something other than cnn::io_error).
TEST_CASE("fuzz regression: an absurd rank in a checkpoint is refused before anything is allocated", "[model][checkpoint][fuzz]") {
  Rig rig(UpdateRule::sgd);
  Bytes b = rig.checkpoint();
  poke<std::uint32_t>(b, 97, 0xFFFFFFFFu);
  REQUIRE_THROWS_AS(rig.solver->load_checkpoint_bytes(b, "rank.ckpt"), io_error);
  REQUIRE_THROWS_WITH(rig.solver->load_checkpoint_bytes(b, "rank.ckpt"),
                      Contains("Solver::load_checkpoint: rank.ckpt: fc1.w: truncated (a shape of 4294967295 dimensions)"));
}

// Found by fuzz_checkpoint (fuzz/corpus/checkpoint/crash-best-count-allocation): the number of arrays of best
// values was used as a vector size unchecked; a huge one threw std::length_error out of the reader.
TEST_CASE("fuzz regression: an absurd number of best-value arrays is refused", "[model][checkpoint][fuzz]") {
  Rig rig(UpdateRule::sgd);
  Bytes b = rig.checkpoint();
  poke<std::uint64_t>(b, b.size() - 8, std::uint64_t{1} << 61);
  REQUIRE_THROWS_WITH(rig.solver->load_checkpoint_bytes(b, "best.ckpt"),
                      Contains("best.ckpt: holds 2305843009213693952 arrays of best values, expected 0 or 6 "
                               "(one per parameter and buffer)"));
}

// Found while writing fuzz_checkpoint, which runs train() after every accepted checkpoint, and confirmed with it
// on fuzz/corpus/checkpoint/crash-best-values-overflow (AddressSanitizer: heap-buffer-overflow in Solver::train):
// best values of the wrong number or size were accepted, and train() then copied them into the parameters past
// their end. Now the reader refuses them; the right ones are restored by train().
TEST_CASE("fuzz regression: best values must match the model's arrays; the right ones are restored", "[model][checkpoint][fuzz]") {
  Rig rig(UpdateRule::sgd);
  const Bytes base = rig.checkpoint();
  Bytes bad(base.begin(), base.end() - 8);
  append<std::uint64_t>(bad, 6);
  append_doubles(bad, std::vector<double>(40, 1.0));  // fc1.w has 12 values: train() wrote 28 past its end
  for (int k = 0; k < 5; ++k) append_doubles(bad, {0.0, 0.0, 0.0});
  REQUIRE_THROWS_WITH(rig.solver->load_checkpoint_bytes(bad, "bad.ckpt"),
                      Contains("bad.ckpt: best values of fc1.w: 40 values, expected 12"));
  Bytes few(base.begin(), base.end() - 8);
  append<std::uint64_t>(few, 2);  // train() read best values of all 6 arrays
  append_doubles(few, std::vector<double>(12, 1.0));
  append_doubles(few, {0.0, 0.0, 0.0});
  REQUIRE_THROWS_WITH(rig.solver->load_checkpoint_bytes(few, "few.ckpt"),
                      Contains("few.ckpt: holds 2 arrays of best values, expected 0 or 6"));

  Bytes good(base.begin(), base.end() - 8);
  append<std::uint64_t>(good, 6);
  append_doubles(good, std::vector<double>(12, 0.5));
  for (int k = 0; k < 5; ++k) append_doubles(good, {0.25, 0.25, 0.25});
  Rig other(UpdateRule::sgd, 3);
  other.solver->load_checkpoint_bytes(good, "good.ckpt");
  other.solver->train();  // no epochs left: only restores the best values
  REQUIRE(other.first_param() == std::vector<double>(12, 0.5));
}

// Also from reading the reader for the fuzz target: a history whose lengths disagree with the epoch count was
// accepted, and lectures/train.cpp's write_history indexes the three per-epoch series together.
TEST_CASE("fuzz regression: a history that disagrees with the epoch and step counts is refused", "[model][checkpoint][fuzz]") {
  Rig rig(UpdateRule::sgd);
  Bytes b = rig.checkpoint();
  poke<std::uint64_t>(b, 12, 1);  // epochs done: 1, with no accuracies recorded
  REQUIRE_THROWS_WITH(rig.solver->load_checkpoint_bytes(b, "h.ckpt"),
                      Contains("h.ckpt: corrupt history: 0 training accuracies, 0 validation accuracies and 0 epoch "
                               "times for 1 epochs"));
  b = rig.checkpoint();
  poke<std::uint64_t>(b, 20, 5);  // steps done: 5, with no losses recorded
  REQUIRE_THROWS_WITH(rig.solver->load_checkpoint_bytes(b, "h.ckpt"), Contains("0 losses for 5 steps"));
}

// The reader promised to change nothing unless the whole file is good, but checked the number of optimizer state
// vectors only while copying: parameters were already overwritten when it refused.
TEST_CASE("fuzz regression: optimizer state of the wrong kind is refused before the model changes", "[model][checkpoint][fuzz]") {
  Rig sgd(UpdateRule::sgd, 1);
  Bytes b = sgd.checkpoint();  // no state vectors per parameter
  poke<std::uint32_t>(b, 36, static_cast<std::uint32_t>(UpdateRule::momentum));
  Rig momentum(UpdateRule::momentum, 2);
  const auto before = momentum.first_param();
  REQUIRE(before != sgd.first_param());
  REQUIRE_THROWS_WITH(momentum.solver->load_checkpoint_bytes(b, "rule.ckpt"),
                      Contains("rule.ckpt: optimizer state does not match the update rule"));
  REQUIRE(momentum.first_param() == before);
}
