#include "internals/batchnorm_fast.hpp"

#include <cmath>
#include <string>
#include <utility>

#include "core/checks.hpp"
#include "core/errors.hpp"

namespace cnn {

SpatialBatchNormFastForward spatial_batchnorm_forward_fast(const Tensor4& x, const Tensor1& gamma, const Tensor1& beta,
                                                           const BatchNormParam& param, BatchNormState& state) {
  const char* fn = "spatial_batchnorm_forward_fast";
  const std::size_t N = x.shape(0), C = x.shape(1), P = x.shape(2) * x.shape(3);  // P: pixels per plane
  const std::size_t M = N * P;
  check_batchnorm_forward(fn, M, "N*H*W", C, "C", gamma, beta, param, state);

  Tensor1 mean = Tensor1::from_shape({C}), var = Tensor1::from_shape({C});
  const double* xs = x.data();
  if (param.mode == Mode::train) {
    for (std::size_t c = 0; c < C; ++c) {
      double s = 0.0;
      for (std::size_t n = 0; n < N; ++n)
        for (std::size_t p = 0; p < P; ++p) s += xs[(n * C + c) * P + p];
      mean(c) = s / static_cast<double>(M);
      double q = 0.0;
      for (std::size_t n = 0; n < N; ++n)
        for (std::size_t p = 0; p < P; ++p) {
          const double d = xs[(n * C + c) * P + p] - mean(c);
          q += d * d;
        }
      var(c) = q / static_cast<double>(M);  // biased, as in the naive version
      state.running_mean(c) = param.momentum * state.running_mean(c) + (1.0 - param.momentum) * mean(c);
      state.running_var(c) = param.momentum * state.running_var(c) + (1.0 - param.momentum) * var(c);
    }
  } else {
    mean = state.running_mean;
    var = state.running_var;
  }
  SpatialBatchNormFastForward r;
  r.cache.mode = param.mode;
  r.cache.gamma = gamma;
  r.cache.inv_std = Tensor1::from_shape({C});
  r.cache.xhat = Tensor4::from_shape(x.shape());
  r.out = Tensor4::from_shape(x.shape());
  double* xh = r.cache.xhat.data();
  double* ys = r.out.data();
  for (std::size_t c = 0; c < C; ++c) r.cache.inv_std(c) = 1.0 / std::sqrt(var(c) + param.eps);
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t c = 0; c < C; ++c) {
      const double mu = mean(c), is = r.cache.inv_std(c), g = gamma(c), b = beta(c);
      const std::size_t at = (n * C + c) * P;
      for (std::size_t p = 0; p < P; ++p) {
        xh[at + p] = (xs[at + p] - mu) * is;
        ys[at + p] = g * xh[at + p] + b;
      }
    }
  return r;
}

SpatialBatchNormGrads spatial_batchnorm_backward_fast(const Tensor4& dout, const SpatialBatchNormFastCache& cache) {
  const char* fn = "spatial_batchnorm_backward_fast";
  const Tensor4& xhat = cache.xhat;
  if (dout.shape() != xhat.shape())
    throw shape_error(fn, "dout must have the shape of x, " + shape_str(xhat.shape()) + ", got " + shape_str(dout.shape()));
  if (cache.mode != Mode::train)
    throw value_error(fn, "the cache comes from a test-mode forward pass; backward needs a train-mode one");
  const std::size_t N = xhat.shape(0), C = xhat.shape(1), P = xhat.shape(2) * xhat.shape(3);
  if (cache.inv_std.size() != C || cache.gamma.size() != C)
    throw shape_error(fn, "the cache has C = " + std::to_string(C) + " channels but inv_std has " +
                              std::to_string(cache.inv_std.size()) + " entries and gamma " +
                              std::to_string(cache.gamma.size()));
  const double M = static_cast<double>(N * P);
  SpatialBatchNormGrads g{Tensor4::from_shape(xhat.shape()), Tensor1::from_shape({C}), Tensor1::from_shape({C})};
  const double* d = dout.data();
  const double* xh = xhat.data();
  double* dx = g.dx.data();
  for (std::size_t c = 0; c < C; ++c) {
    double sum_d = 0.0, sum_dx = 0.0;  // sum of dout and of dout * xhat over the channel
    for (std::size_t n = 0; n < N; ++n)
      for (std::size_t p = 0; p < P; ++p) {
        const std::size_t i = (n * C + c) * P + p;
        sum_d += d[i];
        sum_dx += d[i] * xh[i];
      }
    g.dbeta(c) = sum_d;
    g.dgamma(c) = sum_dx;
    const double scale = cache.gamma(c) * cache.inv_std(c) / M;
    for (std::size_t n = 0; n < N; ++n)
      for (std::size_t p = 0; p < P; ++p) {
        const std::size_t i = (n * C + c) * P + p;
        dx[i] = scale * (M * d[i] - sum_d - xh[i] * sum_dx);
      }
  }
  return g;
}

}  // namespace cnn
