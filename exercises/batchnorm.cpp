// cnnlab exercise file, generated from solutions/batchnorm.cpp by tools/exgen (./lab exercises).
// Write your code between each BEGIN EXERCISE and END EXERCISE; the rest of this file is checked against
// the generator, so leave it as it is. Then rebuild and run: ctest --preset release -L <layer>
// Batch normalization and spatial batch normalization (see src/cnnlab/batchnorm.hpp for the contract).
// Two backward passes with one contract: batchnorm_backward walks the computation graph step by step,
// batchnorm_backward_alt uses the closed form; tests/test_batchnorm.cpp requires them to agree.
#include "cnnlab/batchnorm.hpp"

#include <cmath>
#include <cstddef>
#include <string>
#include <vector>
#include <utility>

#include "cnnlab/checks.hpp"
#include "cnnlab/errors.hpp"

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
  // Exercise: in train mode, mean(d) and the biased var(d) of column d over the N examples, then
  // running = m * running + (1 - m) * batch for both statistics; in test mode, the running statistics instead
  // (and no update). Then xhat = (x - mean) / sqrt(var + eps) and out = gamma * xhat + beta, per column.
  // Keep in the cache the mode, x, xhat, the mean and variance you used, gamma and eps.
  // BEGIN EXERCISE batchnorm_forward
  throw cnn::not_implemented("batchnorm_forward", "exercises/batchnorm.cpp");
  // END EXERCISE
}

BatchNormGrads batchnorm_backward(const Tensor2& dout, const BatchNormCache& cache) {
  check_backward_args("batchnorm_backward", dout, cache);
  const Tensor2& x = cache.x;
  const Tensor2& xhat = cache.xhat;
  const Tensor1& gamma = cache.gamma;
  const std::size_t N = x.shape(0), D = x.shape(1);
  // Exercise: walk the forward graph backwards, one column d at a time, with c = x - mean and
  // s = sqrt(var + eps): dbeta = sum dout; dgamma = sum dout * xhat; dxhat = gamma * dout;
  // ds = -sum dxhat * c / s^2; dvar = ds / (2 s); dc = dxhat / s + (2 / N) c dvar; dmean = -sum dc;
  // dx = dc + dmean / N. (The sums run over the N examples.)
  // BEGIN EXERCISE batchnorm_backward
  throw cnn::not_implemented("batchnorm_backward", "exercises/batchnorm.cpp");
  // END EXERCISE
}

BatchNormGrads batchnorm_backward_alt(const Tensor2& dout, const BatchNormCache& cache) {
  check_backward_args("batchnorm_backward_alt", dout, cache);
  const Tensor2& xhat = cache.xhat;
  const Tensor1& gamma = cache.gamma;
  const std::size_t N = xhat.shape(0), D = xhat.shape(1);
  // Exercise: per column d, two sums over the examples, sum_dout = sum dout and sum_dout_xhat =
  // sum dout * xhat; then dbeta = sum_dout, dgamma = sum_dout_xhat and
  // dx = gamma / (N sqrt(var + eps)) * (N dout - sum_dout - xhat * sum_dout_xhat).
  // BEGIN EXERCISE batchnorm_backward_alt
  throw cnn::not_implemented("batchnorm_backward_alt", "exercises/batchnorm.cpp");
  // END EXERCISE
}

SpatialBatchNormForward spatial_batchnorm_forward(const Tensor4& x, const Tensor1& gamma, const Tensor1& beta,
                                                  const BatchNormParam& param, BatchNormState& state) {
  const std::size_t N = x.shape(0), C = x.shape(1), H = x.shape(2), W = x.shape(3);
  check_batchnorm_forward("spatial_batchnorm_forward", N * H * W, "N*H*W", C, "C", gamma, beta, param, state);
  // Exercise: lay x out as rows (N*H*W, C): rows((n*H + i)*W + j, c) = x(n, c, i, j), one row per pixel
  // of every example; call batchnorm_forward on the rows (it keeps the statistics per column, i.e. per
  // channel); lay its output back out as (N, C, H, W). Keep its cache and x's shape.
  // BEGIN EXERCISE spatial_batchnorm_forward
  throw cnn::not_implemented("spatial_batchnorm_forward", "exercises/batchnorm.cpp");
  // END EXERCISE
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
  // Exercise: lay dout out as rows (N*H*W, C) the way the forward pass laid out x, call
  // batchnorm_backward_alt with the cached rows, and lay dx back out as (N, C, H, W).
  // BEGIN EXERCISE spatial_batchnorm_backward
  throw cnn::not_implemented("spatial_batchnorm_backward", "exercises/batchnorm.cpp");
  // END EXERCISE
}

}  // namespace cnn
