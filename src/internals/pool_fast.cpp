// Fast max and average pooling. Same contracts as the naive loops of the pooling exercises (see
// src/layers/pool.hpp); ready-made rather than exercises, as the course hands out its fast_layers.py.
// They differ only in how the windows are visited:
//
// - the reshape path, when the windows tile the input (HH = WW = S, S divides H and W; pool_windows_tile).
//   Row block r = (n*C + c)*Hout + i of the input, S map rows of W entries, is then an array of shape
//   (S, Wout, S) with block(p, j, q) = x(n, c, i*S + p, j*S + q): the whole input is x reshaped to
//   (N*C*Hout, S, Wout, S), and pooling reduces axes 1 and 3. The loops walk memory in order, and the
//   backward passes fill dx one block of S map rows at a time while it is in cache, with no separate zero fill.
// - the window-matrix path otherwise (overlapping windows, gaps between windows, sizes that leave a border).
//   Every window is copied into a row of `windows` (N*C*Hout*Wout, HH*WW), im2col-style, and pooling reduces
//   each row. Backward goes the other way: add each row of a gradient matrix back into its window (col2im).
//   Rows rather than columns (im2col's layout) so that each reduction reads contiguous memory.
//
// Max pooling records, for each output, the position h*W + w of its window's maximum within its map, so the
// backward pass is a scatter: no search, no comparison with x.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>

#include "internals/conv_fast.hpp"
#include "core/errors.hpp"
#include "layers/pool.hpp"

namespace cnn {
namespace {

// Kernels with a template argument Fixed take the stride as that constant when it is 2 (the common case: the
// compiler then unrolls the window loops) and as a run-time argument otherwise (Fixed = 0).
template <std::size_t Fixed>
constexpr std::size_t stride_of(std::size_t runtime) {
  return Fixed != 0 ? Fixed : runtime;
}

// The reshape path's kernels work on a range [r0, r1) of row blocks; over_rows shares the blocks out among the
// cores (parallel_for of conv_fast.hpp) when there are enough entries to be worth waking the other threads for,
// about 32k. Every block is written by one thread only, so the result is the same however the work is shared.
template <class Body>
void over_rows(std::size_t rows, std::size_t entries_per_row, const Body& body) {
  if (rows * entries_per_row < (std::size_t{1} << 15))
    body(0, rows);
  else
    detail::parallel_for(rows, body);
}

// Reshape path, max: x read as (rows, S, Wout, S) with rows = N*C*Hout; out (rows, Wout); argmax (rows, Wout)
// holds (i*S + p)*W + j*S + q of the first maximum, a position within the (H, W) map.
template <std::size_t Fixed>
void max_tiled(const double* x, double* out, std::uint32_t* argmax, std::size_t r0, std::size_t r1, std::size_t Hout,
               std::size_t W, std::size_t runtime_stride) {
  const std::size_t S = stride_of<Fixed>(runtime_stride);
  const std::size_t Wout = W / S;
  for (std::size_t r = r0; r < r1; ++r) {
    const double* block = x + r * S * W;                                      // (S, Wout, S)
    const auto block_start = static_cast<std::uint32_t>((r % Hout) * S * W);  // (i*S)*W within the map
    for (std::size_t j = 0; j < Wout; ++j) {
      double m = block[j * S];
      std::uint32_t at = static_cast<std::uint32_t>(j * S);
      for (std::size_t p = 0; p < S; ++p)
        for (std::size_t q = 0; q < S; ++q) {
          const auto pos = static_cast<std::uint32_t>(p * W + j * S + q);
          const double v = block[pos];
          const bool larger = v > m;  // strictly: the first maximum wins a tie
          m = larger ? v : m;
          at = larger ? pos : at;
        }
      out[r * Wout + j] = m;
      argmax[r * Wout + j] = block_start + at;
    }
  }
}

// Reshape path, max backward: each block of dx (S map rows, (S, Wout, S)) is set to 0, then every dout of the
// block is put at its window's argmax. The block is still in cache for the second step.
void max_tiled_backward(const double* dout, const std::uint32_t* argmax, double* dx, std::size_t r0, std::size_t r1,
                        std::size_t Hout, std::size_t W, std::size_t S) {
  const std::size_t Wout = W / S;
  for (std::size_t r = r0; r < r1; ++r) {
    double* block = dx + r * S * W;
    const auto block_start = static_cast<std::uint32_t>((r % Hout) * S * W);  // (i*S)*W within the map
    std::fill(block, block + S * W, 0.0);
    for (std::size_t k = r * Wout; k < (r + 1) * Wout; ++k) block[argmax[k] - block_start] = dout[k];
  }
}

// Reshape path, average: out (rows, Wout) = mean over p and q of the (rows, S, Wout, S) input.
template <std::size_t Fixed>
void avg_tiled(const double* x, double* out, std::size_t r0, std::size_t r1, std::size_t W, std::size_t runtime_stride) {
  const std::size_t S = stride_of<Fixed>(runtime_stride);
  const std::size_t Wout = W / S;
  const double area = static_cast<double>(S * S);
  for (std::size_t r = r0; r < r1; ++r) {
    const double* block = x + r * S * W;
    for (std::size_t j = 0; j < Wout; ++j) {
      double sum = 0.0;
      for (std::size_t p = 0; p < S; ++p)
        for (std::size_t q = 0; q < S; ++q) sum += block[p * W + j * S + q];
      out[r * Wout + j] = sum / area;
    }
  }
}

// Reshape path, average backward: every entry of window (r, j) gets dout(r, j) / (S*S).
template <std::size_t Fixed>
void avg_tiled_backward(const double* dout, double* dx, std::size_t r0, std::size_t r1, std::size_t W,
                        std::size_t runtime_stride) {
  const std::size_t S = stride_of<Fixed>(runtime_stride);
  const std::size_t Wout = W / S;
  const double area = static_cast<double>(S * S);
  for (std::size_t r = r0; r < r1; ++r) {
    double* block = dx + r * S * W;
    for (std::size_t j = 0; j < Wout; ++j) {
      const double share = dout[r * Wout + j] / area;
      for (std::size_t p = 0; p < S; ++p)
        for (std::size_t q = 0; q < S; ++q) block[p * W + j * S + q] = share;
    }
  }
}

// Window-matrix path: windows(k, p*WW + q) = x(n, c, i*S + p, j*S + q) with k = ((n*C + c)*Hout + i)*Wout + j.
Tensor2 gather_windows(const Tensor4& x, const PoolParam& param, std::size_t Hout, std::size_t Wout) {
  const std::size_t maps = x.shape(0) * x.shape(1), H = x.shape(2), W = x.shape(3);
  const std::size_t HH = param.height, WW = param.width, S = param.stride;
  Tensor2 windows = Tensor2::from_shape({maps * Hout * Wout, HH * WW});
  double* row = windows.data();
  for (std::size_t m = 0; m < maps; ++m) {
    const double* map = x.data() + m * H * W;
    for (std::size_t i = 0; i < Hout; ++i)
      for (std::size_t j = 0; j < Wout; ++j, row += HH * WW)
        for (std::size_t p = 0; p < HH; ++p)
          for (std::size_t q = 0; q < WW; ++q) row[p * WW + q] = map[(i * S + p) * W + j * S + q];
  }
  return windows;
}

// The adjoint of gather_windows (col2im for pooling): dx starts at 0 and each row is added into its window.
Tensor4 scatter_windows(const Tensor2& windows, const std::array<std::size_t, 4>& x_shape, const PoolParam& param,
                        std::size_t Hout, std::size_t Wout) {
  const std::size_t maps = x_shape[0] * x_shape[1], H = x_shape[2], W = x_shape[3];
  const std::size_t HH = param.height, WW = param.width, S = param.stride;
  Tensor4 dx = xt::zeros<double>(x_shape);
  const double* row = windows.data();
  for (std::size_t m = 0; m < maps; ++m) {
    double* map = dx.data() + m * H * W;
    for (std::size_t i = 0; i < Hout; ++i)
      for (std::size_t j = 0; j < Wout; ++j, row += HH * WW)
        for (std::size_t p = 0; p < HH; ++p)
          for (std::size_t q = 0; q < WW; ++q) map[(i * S + p) * W + j * S + q] += row[p * WW + q];
  }
  return dx;
}

}  // namespace

MaxPoolFastForward max_pool_forward_fast(const Tensor4& x, const PoolParam& param) {
  const auto [N, C, Hout, Wout] = pool_output_shape("max_pool_forward_fast", x.shape(), param);
  const std::size_t H = x.shape(2), W = x.shape(3), S = param.stride;
  if (H * W > std::numeric_limits<std::uint32_t>::max())
    throw shape_error("max_pool_forward_fast", "each (H, W) map must have fewer than 2^32 entries for the argmax "
                                               "positions, got H*W = " + std::to_string(H * W));
  MaxPoolFastForward result{Tensor4::from_shape({N, C, Hout, Wout}), MaxPoolFastCache{{N, C, H, W}, param, {}}};
  std::vector<std::uint32_t>& argmax = result.cache.argmax;
  argmax.resize(N * C * Hout * Wout);
  double* out = result.out.data();

  if (pool_windows_tile(H, W, param)) {
    std::uint32_t* at = argmax.data();
    over_rows(N * C * Hout, S * W, [&, Hout = Hout](std::size_t r0, std::size_t r1) {
      if (S == 2)
        max_tiled<2>(x.data(), out, at, r0, r1, Hout, W, S);
      else
        max_tiled<0>(x.data(), out, at, r0, r1, Hout, W, S);
    });
    return result;
  }

  const Tensor2 windows = gather_windows(x, param, Hout, Wout);  // (N*C*Hout*Wout, HH*WW)
  const std::size_t area = param.height * param.width;
  std::size_t k = 0;
  for (std::size_t m = 0; m < N * C; ++m)
    for (std::size_t i = 0; i < Hout; ++i)
      for (std::size_t j = 0; j < Wout; ++j, ++k) {
        const double* row = windows.data() + k * area;
        std::size_t best = 0;  // column p*WW + q of the first maximum
        for (std::size_t col = 1; col < area; ++col)
          if (row[col] > row[best]) best = col;
        out[k] = row[best];
        const std::size_t p = best / param.width, q = best % param.width;
        argmax[k] = static_cast<std::uint32_t>((i * S + p) * W + j * S + q);
      }
  return result;
}

PoolGrads max_pool_backward_fast(const Tensor4& dout, const MaxPoolFastCache& cache) {
  const auto [N, C, Hout, Wout] = pool_output_shape("max_pool_backward_fast", cache.x_shape, cache.param);
  check_pool_dout("max_pool_backward_fast", dout, {N, C, Hout, Wout});
  if (cache.argmax.size() != dout.size())
    throw shape_error("max_pool_backward_fast", "the cache holds " + std::to_string(cache.argmax.size()) +
                                                    " argmax positions but dout has " + std::to_string(dout.size()) +
                                                    " entries; pass the cache of max_pool_forward_fast");
  const std::size_t H = cache.x_shape[2], W = cache.x_shape[3], S = cache.param.stride;

  if (pool_windows_tile(H, W, cache.param)) {
    PoolGrads grads{Tensor4::from_shape(cache.x_shape)};  // every entry is written below
    over_rows(N * C * Hout, S * W, [&, Hout = Hout](std::size_t r0, std::size_t r1) {
      max_tiled_backward(dout.data(), cache.argmax.data(), grads.dx.data(), r0, r1, Hout, W, S);
    });
    return grads;
  }

  // Windows overlap or leave gaps: start from 0 and add each dout at its argmax (several, for one entry that
  // won several overlapping windows).
  PoolGrads grads{xt::zeros<double>(cache.x_shape)};
  const std::size_t per_map = Hout * Wout;
  for (std::size_t m = 0; m < N * C; ++m) {
    double* map = grads.dx.data() + m * H * W;
    for (std::size_t k = m * per_map; k < (m + 1) * per_map; ++k) map[cache.argmax[k]] += dout.data()[k];
  }
  return grads;
}

AvgPoolForward avg_pool_forward_fast(const Tensor4& x, const PoolParam& param) {
  const auto [N, C, Hout, Wout] = pool_output_shape("avg_pool_forward_fast", x.shape(), param);
  const std::size_t H = x.shape(2), W = x.shape(3), S = param.stride;
  AvgPoolForward result{Tensor4::from_shape({N, C, Hout, Wout}), AvgPoolCache{{N, C, H, W}, param}};
  double* out = result.out.data();

  if (pool_windows_tile(H, W, param)) {
    over_rows(N * C * Hout, S * W, [&](std::size_t r0, std::size_t r1) {
      if (S == 2)
        avg_tiled<2>(x.data(), out, r0, r1, W, S);
      else
        avg_tiled<0>(x.data(), out, r0, r1, W, S);
    });
    return result;
  }

  const Tensor2 windows = gather_windows(x, param, Hout, Wout);  // (N*C*Hout*Wout, HH*WW)
  const std::size_t area = param.height * param.width;
  for (std::size_t k = 0; k < windows.shape(0); ++k) {
    const double* row = windows.data() + k * area;
    double sum = 0.0;
    for (std::size_t col = 0; col < area; ++col) sum += row[col];
    out[k] = sum / static_cast<double>(area);
  }
  return result;
}

PoolGrads avg_pool_backward_fast(const Tensor4& dout, const AvgPoolCache& cache) {
  const auto [N, C, Hout, Wout] = pool_output_shape("avg_pool_backward_fast", cache.x_shape, cache.param);
  check_pool_dout("avg_pool_backward_fast", dout, {N, C, Hout, Wout});
  const std::size_t H = cache.x_shape[2], W = cache.x_shape[3], S = cache.param.stride;

  if (pool_windows_tile(H, W, cache.param)) {
    PoolGrads grads{Tensor4::from_shape(cache.x_shape)};  // every entry is written below
    over_rows(N * C * Hout, S * W, [&](std::size_t r0, std::size_t r1) {
      if (S == 2)
        avg_tiled_backward<2>(dout.data(), grads.dx.data(), r0, r1, W, S);
      else
        avg_tiled_backward<0>(dout.data(), grads.dx.data(), r0, r1, W, S);
    });
    return grads;
  }

  // d windows: every entry of row k is dout(k) / (HH*WW); then add the rows back into their windows.
  const std::size_t area = cache.param.height * cache.param.width;
  Tensor2 dwindows = Tensor2::from_shape({dout.size(), area});  // (N*C*Hout*Wout, HH*WW)
  for (std::size_t k = 0; k < dout.size(); ++k) {
    const double share = dout.data()[k] / static_cast<double>(area);
    for (std::size_t col = 0; col < area; ++col) dwindows(k, col) = share;
  }
  return {scatter_windows(dwindows, cache.x_shape, cache.param, Hout, Wout)};
}

}  // namespace cnn
