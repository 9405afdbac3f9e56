// cnnlab exercise file (made by tools/exgen; `./lab hint <function>` gives hints, one level at a time).
// Write your code between each BEGIN EXERCISE and END EXERCISE and leave the rest as it is (it is checked).
// Then: ./lab check <topic>   (the topics are listed by ./lab progress)
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
  // Exercise: dx (N, D), dgamma (D), dbeta (D) given dout (N, D), walking the forward graph backwards.
  // BEGIN EXERCISE batchnorm_backward
  throw cnn::not_implemented("batchnorm_backward", "exercises/batchnorm.cpp");
  // END EXERCISE
}

BatchNormGrads batchnorm_backward_alt(const Tensor2& dout, const BatchNormCache& cache) {
  check_backward_args("batchnorm_backward_alt", dout, cache);
  const Tensor2& xhat = cache.xhat;
  const Tensor1& gamma = cache.gamma;
  const std::size_t N = xhat.shape(0), D = xhat.shape(1);
  // Exercise: the dx, dgamma and dbeta of batchnorm_backward, from the simplified closed-form expression.
  // BEGIN EXERCISE batchnorm_backward_alt
  throw cnn::not_implemented("batchnorm_backward_alt", "exercises/batchnorm.cpp");
  // END EXERCISE
}

SpatialBatchNormForward spatial_batchnorm_forward(const Tensor4& x, const Tensor1& gamma, const Tensor1& beta,
                                                  const BatchNormParam& param, BatchNormState& state) {
  const std::size_t N = x.shape(0), C = x.shape(1), H = x.shape(2), W = x.shape(3);
  check_batchnorm_forward("spatial_batchnorm_forward", N * H * W, "N*H*W", C, "C", gamma, beta, param, state);
  // Exercise: out (N, C, H, W), x batch-normalized per channel over its N*H*W values; state; the cache.
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
  // Exercise: dx (N, C, H, W), dgamma (C) and dbeta (C), given dout (N, C, H, W).
  // BEGIN EXERCISE spatial_batchnorm_backward
  throw cnn::not_implemented("spatial_batchnorm_backward", "exercises/batchnorm.cpp");
  // END EXERCISE
}

}  // namespace cnn
