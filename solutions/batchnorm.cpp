// Batch normalization and spatial batch normalization (see src/layers/batchnorm.hpp for the contract).
// Two backward passes with one contract: batchnorm_backward walks the computation graph step by step,
// batchnorm_backward_alt uses the closed form; tests/test_batchnorm.cpp requires them to agree.
#include "layers/batchnorm.hpp"

#include <cmath>
#include <cstddef>
#include <string>
#include <vector>
#include <utility>

#include "core/checks.hpp"
#include "core/errors.hpp"

namespace cnn {

namespace {

// The checks both backward passes make.
void check_backward_args(const char* function, const Tensor2& dout, const BatchNormCache& cache) {
  if (cache.mode != Mode::train)
    throw value_error(function, "the cache comes from a test-mode forward pass; backward needs a train-mode one "
                                "(in test mode the layer is a fixed affine map per feature)");
  const std::size_t N = cache.x.shape(0), D = cache.x.shape(1);
  if (dout.shape(0) != N || dout.shape(1) != D)
    throw shape_error(function, "dout must be (N, D) = (" + std::to_string(N) + ", " + std::to_string(D) + "), got " +
                                    shape_str(dout.shape()));
  // A cache built by hand (or taken apart) must still fit together: the loops read all of it.
  check_same_shape(function, "cache.xhat", cache.xhat, "cache.x", cache.x);
  for (const auto& [name, t] : {std::pair<const char*, const Tensor1*>{"cache.mean", &cache.mean},
                                {"cache.var", &cache.var}, {"cache.gamma", &cache.gamma}})
    if (t->size() != D)
      throw shape_error(function, "cache.x has D = " + std::to_string(D) + " features but " + name + " has " +
                                      std::to_string(t->size()) + " entries");
}

}  // namespace

BatchNormForward batchnorm_forward(const Tensor2& x, const Tensor1& gamma, const Tensor1& beta,
                                   const BatchNormParam& param, BatchNormState& state) {
  const std::size_t N = x.shape(0), D = x.shape(1);
  check_batchnorm_forward("batchnorm_forward", N, "N", D, "D", gamma, beta, param, state);
  const double eps = param.eps, m = param.momentum;
  // Exercise: out (N, D), x normalized per feature, scaled by gamma, shifted by beta; state; the cache.
  // BEGIN SOLUTION batchnorm_forward
  // HINT 1: Normalize each feature (column) to mean 0 and variance 1, then let the layer choose its own scale
  //   gamma and shift beta. Training normalizes with the minibatch's own statistics and keeps running
  //   averages of them in state; testing normalizes with those running averages.
  // HINT 2: train mode, for each column d < D:
  //     mean(d) = (1/N) sum over n < N of x(n, d)
  //     var(d) = (1/N) sum over n < N of (x(n, d) - mean(d))^2          (biased: divided by N, not N - 1)
  //     state.running_mean(d) = m * running_mean(d) + (1 - m) * mean(d), and running_var likewise with var(d)
  //   test mode: mean = state.running_mean, var = state.running_var, and state stays as it is.
  //   Then for n < N, d < D:
  //     xhat(n, d) = (x(n, d) - mean(d)) / sqrt(var(d) + eps),   out(n, d) = gamma(d) * xhat(n, d) + beta(d)
  //   The cache is BatchNormCache{param.mode, x, xhat, mean, var, gamma, eps}, with the mean and var used.
  // HINT 3: mean = zeros (D), var = zeros (D)
  //   if param.mode is train:
  //     for d < D:
  //       mean(d) = (sum over n of x(n, d)) / N
  //       var(d) = (sum over n of (x(n, d) - mean(d))^2) / N
  //       state.running_mean(d) = m * state.running_mean(d) + (1 - m) * mean(d)
  //       state.running_var(d) = m * state.running_var(d) + (1 - m) * var(d)
  //   else: mean = state.running_mean, var = state.running_var
  //   xhat = zeros (N, D), out = zeros (N, D)
  //   for n < N, d < D:
  //     xhat(n, d) = (x(n, d) - mean(d)) / sqrt(var(d) + eps)
  //     out(n, d) = gamma(d) * xhat(n, d) + beta(d)
  //   return {out, BatchNormCache{param.mode, x, xhat, mean, var, gamma, eps}}
  Tensor1 mean = xt::zeros<double>({D});
  Tensor1 var = xt::zeros<double>({D});
  if (param.mode == Mode::train) {
    for (std::size_t d = 0; d < D; ++d) {
      for (std::size_t n = 0; n < N; ++n) mean(d) += x(n, d);
      mean(d) /= static_cast<double>(N);
      for (std::size_t n = 0; n < N; ++n) var(d) += (x(n, d) - mean(d)) * (x(n, d) - mean(d));
      var(d) /= static_cast<double>(N);  // biased: divided by N, not N - 1
      state.running_mean(d) = m * state.running_mean(d) + (1.0 - m) * mean(d);
      state.running_var(d) = m * state.running_var(d) + (1.0 - m) * var(d);
    }
  } else {
    mean = state.running_mean;
    var = state.running_var;
  }
  Tensor2 xhat = xt::zeros<double>({N, D});
  Tensor2 out = xt::zeros<double>({N, D});
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t d = 0; d < D; ++d) {
      xhat(n, d) = (x(n, d) - mean(d)) / std::sqrt(var(d) + eps);
      out(n, d) = gamma(d) * xhat(n, d) + beta(d);
    }
  return {std::move(out), BatchNormCache{param.mode, x, std::move(xhat), std::move(mean), std::move(var), gamma, eps}};
  // END SOLUTION
}

BatchNormGrads batchnorm_backward(const Tensor2& dout, const BatchNormCache& cache) {
  check_backward_args("batchnorm_backward", dout, cache);
  const Tensor2& x = cache.x;
  const Tensor2& xhat = cache.xhat;
  const Tensor1& gamma = cache.gamma;
  const std::size_t N = x.shape(0), D = x.shape(1);
  // Exercise: dx (N, D), dgamma (D), dbeta (D) given dout (N, D), walking the forward graph backwards.
  // BEGIN SOLUTION batchnorm_backward
  // HINT 1: Write the forward pass as small steps, c = x - mean, var = mean of c^2, s = sqrt(var + eps),
  //   xhat = c / s, out = gamma xhat + beta, and send the gradient back through them one at a time, one
  //   column d at a time. mean and var depend on x too: treating them as constants loses terms.
  // HINT 2: per column d, with sums over n < N, c(n) = x(n, d) - mean(d), s = sqrt(var(d) + eps) (cached):
  //     dbeta(d) = sum dout(n, d)              dgamma(d) = sum dout(n, d) * xhat(n, d)
  //     dxhat(n) = gamma(d) * dout(n, d)                         out = gamma xhat + beta
  //     ds = -sum dxhat(n) * c(n) / s^2                          xhat = c / s, s shared by every n
  //     dvar = ds / (2 s)                                        s = sqrt(var + eps)
  //     dc(n) = dxhat(n) / s + (2 / N) * c(n) * dvar             c reaches xhat, and var = (1/N) sum c^2
  //     dmean = -sum dc(n)                                       c = x - mean
  //     dx(n, d) = dc(n) + dmean / N                             x reaches c, and mean = (1/N) sum x
  // HINT 3: dx = zeros (N, D), dgamma = zeros (D), dbeta = zeros (D); c, dxhat, dc: N numbers each
  //   for d < D:
  //     s = sqrt(cache.var(d) + cache.eps)
  //     for n < N:
  //       dbeta(d) += dout(n, d), dgamma(d) += dout(n, d) * xhat(n, d), dxhat[n] = gamma(d) * dout(n, d)
  //     ds = 0, then for n < N:
  //       c[n] = x(n, d) - cache.mean(d), ds -= dxhat[n] * c[n] / (s * s)
  //     dvar = ds / (2 * s)
  //     dmean = 0, then for n < N:
  //       dc[n] = dxhat[n] / s + 2 / N * c[n] * dvar, dmean -= dc[n]     (N as a double: 2 / N would be 0)
  //     for n < N: dx(n, d) = dc[n] + dmean / N
  //   return {dx, dgamma, dbeta}
  Tensor2 dx = xt::zeros<double>({N, D});
  Tensor1 dgamma = xt::zeros<double>({D});
  Tensor1 dbeta = xt::zeros<double>({D});
  const double Nd = static_cast<double>(N);
  std::vector<double> c(N), dxhat(N), dc(N);
  for (std::size_t d = 0; d < D; ++d) {
    const double s = std::sqrt(cache.var(d) + cache.eps);
    // y = gamma * xhat + beta
    for (std::size_t n = 0; n < N; ++n) {
      dbeta(d) += dout(n, d);
      dgamma(d) += dout(n, d) * xhat(n, d);
      dxhat[n] = gamma(d) * dout(n, d);
    }
    // xhat = c / s: s is shared by every example, so its gradient sums over n
    double ds = 0.0;
    for (std::size_t n = 0; n < N; ++n) {
      c[n] = x(n, d) - cache.mean(d);
      ds -= dxhat[n] * c[n] / (s * s);
    }
    // s = sqrt(var + eps)
    const double dvar = ds / (2.0 * s);
    // c reaches the loss twice: directly through xhat = c / s, and through var = (1/N) sum c^2
    double dmean = 0.0;
    for (std::size_t n = 0; n < N; ++n) {
      dc[n] = dxhat[n] / s + 2.0 / Nd * c[n] * dvar;
      dmean -= dc[n];  // c = x - mean
    }
    // x reaches the loss directly through c, and through mean = (1/N) sum x
    for (std::size_t n = 0; n < N; ++n) dx(n, d) = dc[n] + dmean / Nd;
  }
  return {std::move(dx), std::move(dgamma), std::move(dbeta)};
  // END SOLUTION
}

BatchNormGrads batchnorm_backward_alt(const Tensor2& dout, const BatchNormCache& cache) {
  check_backward_args("batchnorm_backward_alt", dout, cache);
  const Tensor2& xhat = cache.xhat;
  const Tensor1& gamma = cache.gamma;
  const std::size_t N = xhat.shape(0), D = xhat.shape(1);
  // Exercise: the dx, dgamma and dbeta of batchnorm_backward, from the simplified closed-form expression.
  // BEGIN SOLUTION batchnorm_backward_alt
  // HINT 1: Carry the chain rule of batchnorm_backward through on paper: per column it collapses into one
  //   expression in dout and xhat with two sums over the examples, and no intermediate arrays.
  // HINT 2: per column d, with sums over n < N and s = sqrt(cache.var(d) + cache.eps):
  //     dbeta(d) = sum dout(n, d)              dgamma(d) = sum dout(n, d) * xhat(n, d)
  //     dx(n, d) = gamma(d) / (N s) * (N dout(n, d) - dbeta(d) - xhat(n, d) * dgamma(d))        dx (N, D)
  //   -dbeta(d) is the path through the mean, -xhat(n, d) * dgamma(d) the path through the variance.
  // HINT 3: for d < D:
  //     sum_dout = sum over n of dout(n, d)
  //     sum_dout_xhat = sum over n of dout(n, d) * xhat(n, d)
  //     scale = gamma(d) / (N * sqrt(cache.var(d) + cache.eps))      (N as a double)
  //     for n < N: dx(n, d) = scale * (N * dout(n, d) - sum_dout - xhat(n, d) * sum_dout_xhat)
  //     dgamma(d) = sum_dout_xhat, dbeta(d) = sum_dout
  //   return {dx, dgamma, dbeta}
  Tensor2 dx = xt::zeros<double>({N, D});
  Tensor1 dgamma = xt::zeros<double>({D});
  Tensor1 dbeta = xt::zeros<double>({D});
  const double Nd = static_cast<double>(N);
  for (std::size_t d = 0; d < D; ++d) {
    double sum_dout = 0.0, sum_dout_xhat = 0.0;
    for (std::size_t n = 0; n < N; ++n) {
      sum_dout += dout(n, d);
      sum_dout_xhat += dout(n, d) * xhat(n, d);
    }
    const double scale = gamma(d) / (Nd * std::sqrt(cache.var(d) + cache.eps));
    for (std::size_t n = 0; n < N; ++n)
      dx(n, d) = scale * (Nd * dout(n, d) - sum_dout - xhat(n, d) * sum_dout_xhat);
    dgamma(d) = sum_dout_xhat;
    dbeta(d) = sum_dout;
  }
  return {std::move(dx), std::move(dgamma), std::move(dbeta)};
  // END SOLUTION
}

SpatialBatchNormForward spatial_batchnorm_forward(const Tensor4& x, const Tensor1& gamma, const Tensor1& beta,
                                                  const BatchNormParam& param, BatchNormState& state) {
  const std::size_t N = x.shape(0), C = x.shape(1), H = x.shape(2), W = x.shape(3);
  check_batchnorm_forward("spatial_batchnorm_forward", N * H * W, "N*H*W", C, "C", gamma, beta, param, state);
  // Exercise: out (N, C, H, W), x batch-normalized per channel over its N*H*W values; state; the cache.
  // BEGIN SOLUTION spatial_batchnorm_forward
  // HINT 1: A channel is one feature, seen at every pixel. Spatial batch norm is ordinary batch norm with one
  //   row per pixel of every example and one column per channel: lay x out that way and reuse
  //   batchnorm_forward.
  // HINT 2: rows (N*H*W, C):  rows((n*H + i)*W + j, c) = x(n, c, i, j)
  //   f = batchnorm_forward(rows, gamma, beta, param, state): its statistics are per column, i.e. per channel
  //   out(n, c, i, j) = f.out((n*H + i)*W + j, c); the cache is SpatialBatchNormCache{f.cache, {N, C, H, W}}.
  // HINT 3: rows = zeros (N*H*W, C)
  //   for n < N, c < C, i < H, j < W: rows((n*H + i)*W + j, c) = x(n, c, i, j)
  //   f = batchnorm_forward(rows, gamma, beta, param, state)
  //   out = zeros (N, C, H, W)
  //   for n < N, c < C, i < H, j < W: out(n, c, i, j) = f.out((n*H + i)*W + j, c)
  //   return {out, SpatialBatchNormCache{f.cache, {N, C, H, W}}}
  Tensor2 rows = xt::zeros<double>({N * H * W, C});
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t c = 0; c < C; ++c)
      for (std::size_t i = 0; i < H; ++i)
        for (std::size_t j = 0; j < W; ++j) rows((n * H + i) * W + j, c) = x(n, c, i, j);
  BatchNormForward f = batchnorm_forward(rows, gamma, beta, param, state);
  Tensor4 out = xt::zeros<double>({N, C, H, W});
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t c = 0; c < C; ++c)
      for (std::size_t i = 0; i < H; ++i)
        for (std::size_t j = 0; j < W; ++j) out(n, c, i, j) = f.out((n * H + i) * W + j, c);
  return {std::move(out), SpatialBatchNormCache{std::move(f.cache), {N, C, H, W}}};
  // END SOLUTION
}

SpatialBatchNormGrads spatial_batchnorm_backward(const Tensor4& dout, const SpatialBatchNormCache& cache) {
  const auto [N, C, H, W] = cache.x_shape;
  if (dout.shape(0) != N || dout.shape(1) != C || dout.shape(2) != H || dout.shape(3) != W)
    throw shape_error("spatial_batchnorm_backward", "dout must have the shape of x, " + shape_str(cache.x_shape) +
                                                        ", got " + shape_str(dout.shape()));
  if (cache.rows.mode != Mode::train)
    throw value_error("spatial_batchnorm_backward",
                      "the cache comes from a test-mode forward pass; backward needs a train-mode one");
  if (cache.rows.x.shape(0) != N * H * W || cache.rows.x.shape(1) != C)
    throw shape_error("spatial_batchnorm_backward", "the cache's rows must be (N*H*W, C) = (" +
                                                        std::to_string(N * H * W) + ", " + std::to_string(C) +
                                                        ") for x of shape " + shape_str(cache.x_shape) + ", got " +
                                                        shape_str(cache.rows.x.shape()));
  // Exercise: dx (N, C, H, W), dgamma (C) and dbeta (C), given dout (N, C, H, W).
  // BEGIN SOLUTION spatial_batchnorm_backward
  // HINT 1: Follow the forward pass: lay dout out as rows the way x was, let a batch norm backward pass work
  //   on them with the cached rows, and lay dx back out as (N, C, H, W).
  // HINT 2: dout_rows (N*H*W, C):  dout_rows((n*H + i)*W + j, c) = dout(n, c, i, j)
  //   g = batchnorm_backward(dout_rows, cache.rows)   (the required one; the optional _alt gives the same)
  //   dx(n, c, i, j) = g.dx((n*H + i)*W + j, c); dgamma = g.dgamma and dbeta = g.dbeta, both (C).
  // HINT 3: dout_rows = zeros (N*H*W, C)
  //   for n < N, c < C, i < H, j < W: dout_rows((n*H + i)*W + j, c) = dout(n, c, i, j)
  //   g = batchnorm_backward(dout_rows, cache.rows)
  //   dx = zeros (N, C, H, W)
  //   for n < N, c < C, i < H, j < W: dx(n, c, i, j) = g.dx((n*H + i)*W + j, c)
  //   return {dx, g.dgamma, g.dbeta}
  Tensor2 dout_rows = xt::zeros<double>({N * H * W, C});
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t c = 0; c < C; ++c)
      for (std::size_t i = 0; i < H; ++i)
        for (std::size_t j = 0; j < W; ++j) dout_rows((n * H + i) * W + j, c) = dout(n, c, i, j);
  BatchNormGrads g = batchnorm_backward(dout_rows, cache.rows);
  Tensor4 dx = xt::zeros<double>({N, C, H, W});
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t c = 0; c < C; ++c)
      for (std::size_t i = 0; i < H; ++i)
        for (std::size_t j = 0; j < W; ++j) dx(n, c, i, j) = g.dx((n * H + i) * W + j, c);
  return {std::move(dx), std::move(g.dgamma), std::move(g.dbeta)};
  // END SOLUTION
}

}  // namespace cnn
