// Shapes and checks shared by the naive pooling layers (exercises/pool.cpp) and the fast ones
// (src/internals/pool_fast.cpp), so both accept and refuse the same inputs with the same messages.
#include <algorithm>

#include "core/errors.hpp"
#include "layers/pool.hpp"
#include "core/shapes.hpp"

namespace cnn {

std::array<std::size_t, 4> pool_output_shape(std::string_view function, const std::array<std::size_t, 4>& x_shape,
                                             const PoolParam& param) {
  const auto [N, C, H, W] = x_shape;
  const std::size_t Hout = pool_output_size(function, H, param.height, param.stride, 0, "H");
  const std::size_t Wout = pool_output_size(function, W, param.width, param.stride, 0, "W");
  return {N, C, Hout, Wout};
}

void check_pool_dout(std::string_view function, const Tensor4& dout, const std::array<std::size_t, 4>& expected) {
  if (!std::equal(expected.begin(), expected.end(), dout.shape().begin()))
    throw shape_error(function, "dout must have the output's shape (N, C, Hout, Wout) = " + shape_str(expected) +
                                    ", got " + shape_str(dout.shape()));
}

bool pool_windows_tile(std::size_t H, std::size_t W, const PoolParam& param) {
  const std::size_t S = param.stride;
  return S > 0 && param.height == S && param.width == S && H % S == 0 && W % S == 0;
}

}  // namespace cnn
