// Fuzz target: the IDX reader behind read_idx, gzip included. The bytes go through gunzip_if_gzipped (plain
// bytes pass through unchanged, bytes starting with 1f 8b are inflated) and then parse_idx. Refusing input with
// cnn::io_error is the expected outcome; anything else (a crash, a sanitizer report, another exception, a leak)
// is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "io/data.hpp"
#include "core/errors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  try {
    // A small inflation limit: a tiny gzip file can promise gigabytes, and the guard is what is being tested.
    const auto plain = cnn::gunzip_if_gzipped(bytes, "fuzz.idx", std::size_t{1} << 24);
    const cnn::IdxArray a = cnn::parse_idx(plain, "fuzz.idx");
    std::size_t total = 1;
    for (std::size_t d : a.dims) total *= d;
    if (total != a.data.size()) std::abort();  // parse_idx promises data of the product of dims
  } catch (const cnn::io_error&) {
  }
  return 0;
}
