// Max, average and global average pooling, written as the formula's loops (see src/layers/pool.hpp for the
// contract). The fast versions, which are not exercises, are in src/internals/pool_fast.cpp.
#include "layers/pool.hpp"

#include <string>
#include <utility>

#include "core/errors.hpp"

namespace cnn {

MaxPoolForward max_pool_forward_naive(const Tensor4& x, const PoolParam& param) {
  const auto [N, C, Hout, Wout] = pool_output_shape("max_pool_forward_naive", x.shape(), param);
  const std::size_t HH = param.height, WW = param.width, S = param.stride;
  // Exercise: out (N, C, Hout, Wout), the maximum of each HH x WW window of x at stride S; and the cache.
  // BEGIN SOLUTION max_pool_forward_naive
  // HINT 1: Each channel of each example is pooled on its own: slide an HH x WW window over the map in steps
  //   of S and keep the largest value it covers.
  // HINT 2: out(n, c, i, j) = max over p < HH, q < WW of x(n, c, i*S + p, j*S + q)
  //   for n < N, c < C, i < Hout, j < Wout (no padding). The cache is MaxPoolCache{x, param}.
  //   Start each window's maximum from its first entry, x(n, c, i*S, j*S), not from 0: all of a window's
  //   entries may be negative.
  // HINT 3: out = zeros (N, C, Hout, Wout)
  //   for n < N, c < C, i < Hout, j < Wout:
  //     m = x(n, c, i*S, j*S)
  //     for p < HH, q < WW: if x(n, c, i*S + p, j*S + q) > m, then m = that entry
  //     out(n, c, i, j) = m
  //   return {out, MaxPoolCache{x, param}}
  Tensor4 out = xt::zeros<double>({N, C, Hout, Wout});
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t c = 0; c < C; ++c)
      for (std::size_t i = 0; i < Hout; ++i)
        for (std::size_t j = 0; j < Wout; ++j) {
          double m = x(n, c, i * S, j * S);
          for (std::size_t p = 0; p < HH; ++p)
            for (std::size_t q = 0; q < WW; ++q)
              if (x(n, c, i * S + p, j * S + q) > m) m = x(n, c, i * S + p, j * S + q);
          out(n, c, i, j) = m;
        }
  return {std::move(out), MaxPoolCache{x, param}};
  // END SOLUTION
}

PoolGrads max_pool_backward_naive(const Tensor4& dout, const MaxPoolCache& cache) {
  const Tensor4& x = cache.x;
  const auto [N, C, Hout, Wout] = pool_output_shape("max_pool_backward_naive", x.shape(), cache.param);
  check_pool_dout("max_pool_backward_naive", dout, {N, C, Hout, Wout});
  const std::size_t HH = cache.param.height, WW = cache.param.width, S = cache.param.stride;
  // Exercise: dx (N, C, H, W), the gradient of the loss with respect to x, given dout (N, C, Hout, Wout).
  // BEGIN SOLUTION max_pool_backward_naive
  // HINT 1: Only the entry that won a window's max moved that window's output, so each output's gradient goes
  //   back, whole, to the input that won the max; the other entries of the window get nothing from it.
  // HINT 2: for each window (n, c, i, j), let (p*, q*) be the position of its maximum,
  //     (p*, q*) = argmax over p < HH, q < WW of x(n, c, i*S + p, j*S + q); then
  //     dx(n, c, i*S + p*, j*S + q*) += dout(n, c, i, j)         dx (N, C, H, W), zero elsewhere
  //   On a tie the first maximum in row-major (p, q) order wins, as in PyTorch: move the winner only when an
  //   entry is strictly larger. Add rather than assign: when windows overlap, one entry can win several.
  // HINT 3: dx = zeros of the shape of x
  //   for n < N, c < C, i < Hout, j < Wout:
  //     p_max = 0, q_max = 0
  //     for p < HH, q < WW:
  //       if x(n, c, i*S + p, j*S + q) > x(n, c, i*S + p_max, j*S + q_max): p_max = p, q_max = q
  //     dx(n, c, i*S + p_max, j*S + q_max) += dout(n, c, i, j)
  //   return {dx}
  Tensor4 dx = xt::zeros<double>(x.shape());
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t c = 0; c < C; ++c)
      for (std::size_t i = 0; i < Hout; ++i)
        for (std::size_t j = 0; j < Wout; ++j) {
          std::size_t p_max = 0, q_max = 0;
          for (std::size_t p = 0; p < HH; ++p)
            for (std::size_t q = 0; q < WW; ++q)
              if (x(n, c, i * S + p, j * S + q) > x(n, c, i * S + p_max, j * S + q_max)) {
                p_max = p;
                q_max = q;
              }
          dx(n, c, i * S + p_max, j * S + q_max) += dout(n, c, i, j);
        }
  return {std::move(dx)};
  // END SOLUTION
}

AvgPoolForward avg_pool_forward_naive(const Tensor4& x, const PoolParam& param) {
  const auto [N, C, Hout, Wout] = pool_output_shape("avg_pool_forward_naive", x.shape(), param);
  const std::size_t HH = param.height, WW = param.width, S = param.stride;
  const AvgPoolCache cache{{N, C, x.shape(2), x.shape(3)}, param};
  // Exercise: out (N, C, Hout, Wout), the mean of each HH x WW window of x at stride S; and the cache.
  // BEGIN SOLUTION avg_pool_forward_naive
  // HINT 1: Like max pooling, but each window's output is the average of the values it covers.
  // HINT 2: out(n, c, i, j) = (1 / (HH*WW)) * sum over p < HH, q < WW of x(n, c, i*S + p, j*S + q)
  //   for n < N, c < C, i < Hout, j < Wout (no padding). The cache, built above for you, keeps only the shape
  //   of x and param: the backward pass needs no values of x.
  // HINT 3: out = zeros (N, C, Hout, Wout)
  //   for n < N, c < C, i < Hout, j < Wout:
  //     sum = 0
  //     for p < HH, q < WW: sum += x(n, c, i*S + p, j*S + q)
  //     out(n, c, i, j) = sum / (HH*WW)      (HH*WW as a double)
  //   return {out, cache}
  Tensor4 out = xt::zeros<double>({N, C, Hout, Wout});
  const double area = static_cast<double>(HH * WW);
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t c = 0; c < C; ++c)
      for (std::size_t i = 0; i < Hout; ++i)
        for (std::size_t j = 0; j < Wout; ++j) {
          double sum = 0.0;
          for (std::size_t p = 0; p < HH; ++p)
            for (std::size_t q = 0; q < WW; ++q) sum += x(n, c, i * S + p, j * S + q);
          out(n, c, i, j) = sum / area;
        }
  return {std::move(out), cache};
  // END SOLUTION
}

PoolGrads avg_pool_backward_naive(const Tensor4& dout, const AvgPoolCache& cache) {
  const auto [N, C, Hout, Wout] = pool_output_shape("avg_pool_backward_naive", cache.x_shape, cache.param);
  check_pool_dout("avg_pool_backward_naive", dout, {N, C, Hout, Wout});
  const std::size_t HH = cache.param.height, WW = cache.param.width, S = cache.param.stride;
  // Exercise: dx (cache.x_shape), the gradient of the loss with respect to x, given dout (N, C, Hout, Wout).
  // BEGIN SOLUTION avg_pool_backward_naive
  // HINT 1: Every entry of a window weighs 1 / (HH*WW) in the window's output, so the output's gradient is
  //   shared out equally over the window.
  // HINT 2: for every window (n, c, i, j) and every p < HH, q < WW:
  //     dx(n, c, i*S + p, j*S + q) += dout(n, c, i, j) / (HH*WW)           dx (N, C, H, W) = cache.x_shape
  //   Entries that no window covers keep 0. Add rather than assign: windows may overlap.
  // HINT 3: dx = zeros (cache.x_shape)
  //   for n < N, c < C, i < Hout, j < Wout:
  //     share = dout(n, c, i, j) / (HH*WW)
  //     for p < HH, q < WW: dx(n, c, i*S + p, j*S + q) += share
  //   return {dx}
  Tensor4 dx = xt::zeros<double>(cache.x_shape);
  const double area = static_cast<double>(HH * WW);
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t c = 0; c < C; ++c)
      for (std::size_t i = 0; i < Hout; ++i)
        for (std::size_t j = 0; j < Wout; ++j) {
          const double share = dout(n, c, i, j) / area;
          for (std::size_t p = 0; p < HH; ++p)
            for (std::size_t q = 0; q < WW; ++q) dx(n, c, i * S + p, j * S + q) += share;
        }
  return {std::move(dx)};
  // END SOLUTION
}

GlobalAvgPoolForward global_avg_pool_forward(const Tensor4& x) {
  const std::size_t N = x.shape(0), C = x.shape(1), H = x.shape(2), W = x.shape(3);
  if (H == 0 || W == 0)
    throw shape_error("global_avg_pool_forward", "x must have H, W >= 1 to average over, got shape " +
                                                     shape_str(x.shape()));
  // Exercise: out (N, C), the mean of each (H, W) map of x; and the cache.
  // BEGIN SOLUTION global_avg_pool_forward
  // HINT 1: Average pooling with one window as large as the whole map: each channel of each example becomes
  //   one number.
  // HINT 2: out(n, c) = (1 / (H*W)) * sum over h < H, w < W of x(n, c, h, w), for n < N and c < C.
  //   The cache is GlobalAvgPoolCache{{N, C, H, W}}: only the shape of x.
  // HINT 3: out = zeros (N, C)
  //   for n < N, c < C:
  //     sum = 0
  //     for h < H, w < W: sum += x(n, c, h, w)
  //     out(n, c) = sum / (H*W)
  //   return {out, GlobalAvgPoolCache{{N, C, H, W}}}
  Tensor2 out = xt::zeros<double>({N, C});
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t c = 0; c < C; ++c) {
      double sum = 0.0;
      for (std::size_t h = 0; h < H; ++h)
        for (std::size_t w = 0; w < W; ++w) sum += x(n, c, h, w);
      out(n, c) = sum / static_cast<double>(H * W);
    }
  return {std::move(out), GlobalAvgPoolCache{{N, C, H, W}}};
  // END SOLUTION
}

PoolGrads global_avg_pool_backward(const Tensor2& dout, const GlobalAvgPoolCache& cache) {
  const auto [N, C, H, W] = cache.x_shape;
  if (dout.shape(0) != N || dout.shape(1) != C)
    throw shape_error("global_avg_pool_backward", "dout must be (N, C) = (" + std::to_string(N) + ", " +
                                                      std::to_string(C) + "), got " + shape_str(dout.shape()));
  // Exercise: dx (N, C, H, W), the gradient of the loss with respect to x, given dout (N, C).
  // BEGIN SOLUTION global_avg_pool_backward
  // HINT 1: Each entry of a map counts 1 / (H*W) in the map's mean, so each gets that share of the map's
  //   gradient.
  // HINT 2: dx(n, c, h, w) = dout(n, c) / (H*W) for every n < N, c < C, h < H, w < W; dx has shape
  //   cache.x_shape = (N, C, H, W).
  // HINT 3: dx = zeros (N, C, H, W)
  //   for n < N, c < C, h < H, w < W: dx(n, c, h, w) = dout(n, c) / (H*W)
  //   return {dx}
  Tensor4 dx = xt::zeros<double>(cache.x_shape);
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t c = 0; c < C; ++c)
      for (std::size_t h = 0; h < H; ++h)
        for (std::size_t w = 0; w < W; ++w) dx(n, c, h, w) = dout(n, c) / static_cast<double>(H * W);
  return {std::move(dx)};
  // END SOLUTION
}

}  // namespace cnn
