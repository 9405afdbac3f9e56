// Fuzz target: the network file reader (src/calculator/netfile.hpp). Any bytes are either refused with a
// cnn::error (naming the line and column) or read into a network; a network that was read is walked by the
// calculator (which may refuse it with a cnn::error), and written back with format_net, which must read back to
// the same text. A crash, a sanitizer report, another exception or a round trip that changes the text is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/errors.hpp"
#include "calculator/netfile.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return 0;  // a network file of a few lines says everything a longer one can
  cnn::arch::Architecture net;
  try {
    net = cnn::parse_net(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.net");
  } catch (const cnn::error&) {
    return 0;
  }
  try {
    (void)cnn::arch::analyze(net);
  } catch (const cnn::error&) {
  }
  const std::string text = cnn::format_net(net);
  if (cnn::format_net(cnn::parse_net(text, "fuzz.net")) != text) std::abort();
  return 0;
}
