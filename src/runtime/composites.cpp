// Sandwich layers: each forward pass is its layers in order, each backward pass theirs in reverse. They run the
// library's own versions of the layers (never the exercises) and fill the exercises' cache types, so that a
// cache can be read as the course's layer_utils would keep it.
#include "runtime/composites.hpp"

#include <utility>

#include "core/checks.hpp"
#include "internals/conv_fast.hpp"
#include "runtime/model.hpp"  // take_rank, give_any

namespace cnn {

namespace {

// max(0, a) entrywise, and the gradient through it: dout where a > 0, else 0 (relu_forward, relu_backward).
Tensor relu_of(Tensor a) {
  for (double& v : a) v = v <= 0.0 ? 0.0 : v;  // a NaN passes, as in relu_forward
  return a;
}

Tensor relu_grad(Tensor dout, const Tensor& a, const char* function) {
  check_same_shape(function, "dout", dout, "x", a);
  for (std::size_t i = 0; i < dout.size(); ++i)
    if (!(a.data()[i] > 0.0)) dout.data()[i] = 0.0;
  return dout;
}

// y = x_rows w + b, x_rows the (N, D) view of x (affine_forward_blas).
Tensor2 affine_of(const Tensor& x, const Tensor2& w, const Tensor1& b) {
  check_affine_inputs("affine_forward_blas", x, w, b);
  const std::size_t N = x.shape(0), D = w.shape(0), M = w.shape(1);
  Tensor2 out = Tensor2::from_shape({N, M});
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t m = 0; m < M; ++m) out(n, m) = b(m);
  detail::gemm_parallel(false, false, N, M, D, 1.0, x.data(), D, w.data(), M, 1.0, out.data(), M);
  return out;
}

ConvGrads conv_grads(const Tensor4& dout, const ConvCache& c) {
  ConvGrads g{Tensor4::from_shape(c.x.shape()), Tensor4::from_shape(c.w.shape()), Tensor1::from_shape({c.w.shape(0)})};
  detail::conv_backward_fast(dout, c.x, c.w, c.param, g.dw, g.db, &g.dx);
  return g;
}

}  // namespace

AffineReluForward affine_relu_forward(const Tensor& x, const Tensor2& w, const Tensor1& b) {
  Tensor a = give_any(affine_of(x, w, b));
  Tensor out = relu_of(a);
  return {std::move(out), AffineReluCache{AffineCache{x, w, b}, ReluCache{std::move(a)}}};
}

AffineGrads affine_relu_backward(const Tensor& dout, const AffineReluCache& cache) {
  const Tensor2 da = take_rank<2>(relu_grad(dout, cache.relu.x, "affine_relu_backward"), "affine_relu_backward");
  const AffineCache& c = cache.affine;
  const std::size_t N = c.x.shape(0), D = c.w.shape(0), M = c.w.shape(1);
  check_affine_dout("affine_backward_blas", da, N, M);
  AffineGrads g{Tensor::from_shape(c.x.shape()), Tensor2::from_shape({D, M}), xt::zeros<double>({M})};
  detail::gemm_parallel(false, true, N, D, M, 1.0, da.data(), M, c.w.data(), M, 0.0, g.dx.data(), D);
  detail::gemm_parallel(true, false, D, M, N, 1.0, c.x.data(), D, da.data(), M, 0.0, g.dw.data(), M);
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t m = 0; m < M; ++m) g.db(m) += da(n, m);
  return g;
}

ConvReluPoolForward conv_relu_pool_forward(const Tensor4& x, const Tensor4& w, const Tensor1& b, const ConvParam& conv,
                                           const PoolParam& pool) {
  Tensor a = give_any(detail::conv_forward_fast(x, w, b, conv));
  auto p = max_pool_forward_fast(take_rank<4>(relu_of(a), "conv_relu_pool_forward"), pool);
  return {std::move(p.out), ConvReluPoolCache{ConvCache{x, w, b, conv}, ReluCache{std::move(a)}, std::move(p.cache)}};
}

ConvGrads conv_relu_pool_backward(const Tensor4& dout, const ConvReluPoolCache& cache) {
  Tensor ds = give_any(max_pool_backward_fast(dout, cache.pool).dx);
  Tensor da = relu_grad(std::move(ds), cache.relu.x, "conv_relu_pool_backward");
  return conv_grads(take_rank<4>(std::move(da), "conv_relu_pool_backward"), cache.conv);
}

ConvBnReluForward conv_bn_relu_forward(const Tensor4& x, const Tensor4& w, const Tensor1& b, const ConvParam& conv,
                                       const Tensor1& gamma, const Tensor1& beta, const BatchNormParam& bn,
                                       BatchNormState& state) {
  const Tensor4 c = detail::conv_forward_fast(x, w, b, conv);
  auto n = spatial_batchnorm_forward_fast(c, gamma, beta, bn, state);
  Tensor a = give_any(std::move(n.out));
  Tensor out = relu_of(a);
  return {take_rank<4>(std::move(out), "conv_bn_relu_forward"),
          ConvBnReluCache{ConvCache{x, w, b, conv}, std::move(n.cache), ReluCache{std::move(a)}}};
}

ConvBnReluGrads conv_bn_relu_backward(const Tensor4& dout, const ConvBnReluCache& cache) {
  Tensor da = relu_grad(give_any(Tensor4(dout)), cache.relu.x, "conv_bn_relu_backward");
  auto n = spatial_batchnorm_backward_fast(take_rank<4>(std::move(da), "conv_bn_relu_backward"), cache.bn);
  auto c = conv_grads(n.dx, cache.conv);
  return {std::move(c.dx), std::move(c.dw), std::move(c.db), std::move(n.dgamma), std::move(n.dbeta)};
}

}  // namespace cnn
