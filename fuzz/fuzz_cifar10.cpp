// Fuzz target: the CIFAR-10 binary reader behind read_cifar10 (parse_cifar10). Refusing input with
// cnn::io_error is the expected outcome; anything else is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "io/data.hpp"
#include "core/errors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const cnn::Dataset d = cnn::parse_cifar10(std::span<const std::uint8_t>(data, size), "fuzz.bin");
    // What a successful parse promises: every label below 10, one image of 3x32x32 bytes per label.
    if (d.labels.size() != d.count || d.images.size() != d.count * d.image_size()) std::abort();
    for (auto l : d.labels)
      if (l >= 10) std::abort();
  } catch (const cnn::io_error&) {
  }
  return 0;
}
