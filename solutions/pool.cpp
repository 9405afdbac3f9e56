// Max, average and global average pooling, written as the formula's loops (see src/cnnlab/pool.hpp for the
// contract). The fast versions, which are not exercises, are in src/pool_fast.cpp.
#include "cnnlab/pool.hpp"

#include <string>
#include <utility>

#include "cnnlab/errors.hpp"

namespace cnn {

MaxPoolForward max_pool_forward_naive(const Tensor4& x, const PoolParam& param) {
  const auto [N, C, Hout, Wout] = pool_output_shape("max_pool_forward_naive", x.shape(), param);
  const std::size_t HH = param.height, WW = param.width, S = param.stride;
  // Exercise: out(n, c, i, j) = the largest x(n, c, i*S + p, j*S + q) over 0 <= p < HH and 0 <= q < WW.
  // Start each window's maximum from its first entry, x(n, c, i*S, j*S), rather than from 0.
  // Return {out, MaxPoolCache{x, param}}.
  // BEGIN SOLUTION max_pool_forward_naive
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
  // Exercise: for every window, find the position (p*, q*) of its maximum again (the first one on ties: update
  // only when an entry is strictly larger) and add dout(n, c, i, j) to dx(n, c, i*S + p*, j*S + q*).
  // Add rather than assign: when windows overlap, one entry can win several of them. Return {dx}.
  // BEGIN SOLUTION max_pool_backward_naive
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
  // Exercise: out(n, c, i, j) = the sum of x(n, c, i*S + p, j*S + q) over 0 <= p < HH and 0 <= q < WW,
  // divided by HH*WW. Return {out, cache}.
  // BEGIN SOLUTION avg_pool_forward_naive
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
  // Exercise: start from dx = 0 of shape cache.x_shape; add dout(n, c, i, j) / (HH*WW) to every
  // dx(n, c, i*S + p, j*S + q) of the window. Add rather than assign: windows may overlap. Return {dx}.
  // BEGIN SOLUTION avg_pool_backward_naive
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
  // Exercise: out(n, c) = the mean of x(n, c, h, w) over all h < H and w < W.
  // Return {out, GlobalAvgPoolCache{{N, C, H, W}}}.
  // BEGIN SOLUTION global_avg_pool_forward
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
  // Exercise: dx(n, c, h, w) = dout(n, c) / (H*W) for every h and w.
  // BEGIN SOLUTION global_avg_pool_backward
  Tensor4 dx = xt::zeros<double>(cache.x_shape);
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t c = 0; c < C; ++c)
      for (std::size_t h = 0; h < H; ++h)
        for (std::size_t w = 0; w < W; ++w) dx(n, c, h, w) = dout(n, c) / static_cast<double>(H * W);
  return {std::move(dx)};
  // END SOLUTION
}

}  // namespace cnn
