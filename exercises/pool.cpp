// cnnlab exercise file (made by tools/exgen; `./lab hint <function>` gives hints, one level at a time).
// Write your code between each BEGIN EXERCISE and END EXERCISE and leave the rest as it is (it is checked).
// Then: ./lab check <topic>   (the topics are listed by ./lab progress)
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
  // BEGIN EXERCISE max_pool_forward_naive
  throw cnn::not_implemented("max_pool_forward_naive", "exercises/pool.cpp");
  // END EXERCISE
}

PoolGrads max_pool_backward_naive(const Tensor4& dout, const MaxPoolCache& cache) {
  const Tensor4& x = cache.x;
  const auto [N, C, Hout, Wout] = pool_output_shape("max_pool_backward_naive", x.shape(), cache.param);
  check_pool_dout("max_pool_backward_naive", dout, {N, C, Hout, Wout});
  const std::size_t HH = cache.param.height, WW = cache.param.width, S = cache.param.stride;
  // Exercise: dx (N, C, H, W), the gradient of the loss with respect to x, given dout (N, C, Hout, Wout).
  // BEGIN EXERCISE max_pool_backward_naive
  throw cnn::not_implemented("max_pool_backward_naive", "exercises/pool.cpp");
  // END EXERCISE
}

AvgPoolForward avg_pool_forward_naive(const Tensor4& x, const PoolParam& param) {
  const auto [N, C, Hout, Wout] = pool_output_shape("avg_pool_forward_naive", x.shape(), param);
  const std::size_t HH = param.height, WW = param.width, S = param.stride;
  const AvgPoolCache cache{{N, C, x.shape(2), x.shape(3)}, param};
  // Exercise: out (N, C, Hout, Wout), the mean of each HH x WW window of x at stride S; and the cache.
  // BEGIN EXERCISE avg_pool_forward_naive
  throw cnn::not_implemented("avg_pool_forward_naive", "exercises/pool.cpp");
  // END EXERCISE
}

PoolGrads avg_pool_backward_naive(const Tensor4& dout, const AvgPoolCache& cache) {
  const auto [N, C, Hout, Wout] = pool_output_shape("avg_pool_backward_naive", cache.x_shape, cache.param);
  check_pool_dout("avg_pool_backward_naive", dout, {N, C, Hout, Wout});
  const std::size_t HH = cache.param.height, WW = cache.param.width, S = cache.param.stride;
  // Exercise: dx (cache.x_shape), the gradient of the loss with respect to x, given dout (N, C, Hout, Wout).
  // BEGIN EXERCISE avg_pool_backward_naive
  throw cnn::not_implemented("avg_pool_backward_naive", "exercises/pool.cpp");
  // END EXERCISE
}

GlobalAvgPoolForward global_avg_pool_forward(const Tensor4& x) {
  const std::size_t N = x.shape(0), C = x.shape(1), H = x.shape(2), W = x.shape(3);
  if (H == 0 || W == 0)
    throw shape_error("global_avg_pool_forward", "x must have H, W >= 1 to average over, got shape " +
                                                     shape_str(x.shape()));
  // Exercise: out (N, C), the mean of each (H, W) map of x; and the cache.
  // BEGIN EXERCISE global_avg_pool_forward
  throw cnn::not_implemented("global_avg_pool_forward", "exercises/pool.cpp");
  // END EXERCISE
}

PoolGrads global_avg_pool_backward(const Tensor2& dout, const GlobalAvgPoolCache& cache) {
  const auto [N, C, H, W] = cache.x_shape;
  if (dout.shape(0) != N || dout.shape(1) != C)
    throw shape_error("global_avg_pool_backward", "dout must be (N, C) = (" + std::to_string(N) + ", " +
                                                      std::to_string(C) + "), got " + shape_str(dout.shape()));
  // Exercise: dx (N, C, H, W), the gradient of the loss with respect to x, given dout (N, C).
  // BEGIN EXERCISE global_avg_pool_backward
  throw cnn::not_implemented("global_avg_pool_backward", "exercises/pool.cpp");
  // END EXERCISE
}

}  // namespace cnn
