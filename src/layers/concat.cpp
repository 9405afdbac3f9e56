#include "layers/concat.hpp"

#include <algorithm>
#include <string>

#include "core/errors.hpp"

namespace cnn {

Tensor4 concat_channels(const std::vector<Tensor4>& parts) {
  if (parts.empty()) throw shape_error("concat_channels", "nothing to concatenate: no parts");
  const std::size_t N = parts[0].shape(0), H = parts[0].shape(2), W = parts[0].shape(3);
  std::size_t C = 0;
  for (std::size_t k = 0; k < parts.size(); ++k) {
    const auto& p = parts[k];
    if (p.shape(0) != N || p.shape(2) != H || p.shape(3) != W)
      throw shape_error("concat_channels", "part " + std::to_string(k) + " has shape " + shape_str(p.shape()) +
                                               " but part 0 has " + shape_str(parts[0].shape()) +
                                               "; only the depth may differ");
    C += p.shape(1);
  }
  Tensor4 out = Tensor4::from_shape({N, C, H, W});
  const std::size_t plane = H * W;
  for (std::size_t n = 0; n < N; ++n) {
    std::size_t c0 = 0;  // first output channel of the current part
    for (const auto& p : parts) {
      const std::size_t Ck = p.shape(1);
      std::copy_n(p.data() + n * Ck * plane, Ck * plane, out.data() + (n * C + c0) * plane);
      c0 += Ck;
    }
  }
  return out;
}

std::vector<Tensor4> split_channels(const Tensor4& dout, const std::vector<std::size_t>& channels) {
  const std::size_t N = dout.shape(0), C = dout.shape(1), H = dout.shape(2), W = dout.shape(3);
  std::size_t total = 0;
  for (auto c : channels) total += c;
  if (total != C)
    throw shape_error("split_channels", "the parts' depths add up to " + std::to_string(total) + " but dout has " +
                                            std::to_string(C) + " channels");
  std::vector<Tensor4> parts;
  const std::size_t plane = H * W;
  std::size_t c0 = 0;
  for (auto Ck : channels) {
    Tensor4 p = Tensor4::from_shape({N, Ck, H, W});
    for (std::size_t n = 0; n < N; ++n)
      std::copy_n(dout.data() + (n * C + c0) * plane, Ck * plane, p.data() + n * Ck * plane);
    parts.push_back(std::move(p));
    c0 += Ck;
  }
  return parts;
}

}  // namespace cnn
