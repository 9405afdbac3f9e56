// Sandwich layers: each forward pass is its layers in order, each backward pass theirs in reverse.
#include "cnnlab/composites.hpp"

#include <utility>

#include "cnnlab/model.hpp"  // take_rank, give_any

namespace cnn {

AffineReluForward affine_relu_forward(const Tensor& x, const Tensor2& w, const Tensor1& b) {
  auto a = affine_forward_blas(x, w, b);
  auto r = relu_forward(give_any(std::move(a.out)));
  return {std::move(r.out), AffineReluCache{std::move(a.cache), std::move(r.cache)}};
}

AffineGrads affine_relu_backward(const Tensor& dout, const AffineReluCache& cache) {
  Tensor da = relu_backward(dout, cache.relu).dx;
  return affine_backward_blas(take_rank<2>(std::move(da), "affine_relu_backward"), cache.affine);
}

ConvReluPoolForward conv_relu_pool_forward(const Tensor4& x, const Tensor4& w, const Tensor1& b, const ConvParam& conv,
                                           const PoolParam& pool) {
  auto c = conv_forward_im2col(x, w, b, conv);
  auto r = relu_forward(give_any(std::move(c.out)));
  auto p = max_pool_forward_fast(take_rank<4>(std::move(r.out), "conv_relu_pool_forward"), pool);
  return {std::move(p.out), ConvReluPoolCache{std::move(c.cache), std::move(r.cache), std::move(p.cache)}};
}

ConvGrads conv_relu_pool_backward(const Tensor4& dout, const ConvReluPoolCache& cache) {
  Tensor4 ds = max_pool_backward_fast(dout, cache.pool).dx;
  Tensor da = relu_backward(give_any(std::move(ds)), cache.relu).dx;
  return conv_backward_im2col(take_rank<4>(std::move(da), "conv_relu_pool_backward"), cache.conv);
}

ConvBnReluForward conv_bn_relu_forward(const Tensor4& x, const Tensor4& w, const Tensor1& b, const ConvParam& conv,
                                       const Tensor1& gamma, const Tensor1& beta, const BatchNormParam& bn,
                                       BatchNormState& state) {
  auto c = conv_forward_im2col(x, w, b, conv);
  auto n = spatial_batchnorm_forward_fast(c.out, gamma, beta, bn, state);
  auto r = relu_forward(give_any(std::move(n.out)));
  return {take_rank<4>(std::move(r.out), "conv_bn_relu_forward"),
          ConvBnReluCache{std::move(c.cache), std::move(n.cache), std::move(r.cache)}};
}

ConvBnReluGrads conv_bn_relu_backward(const Tensor4& dout, const ConvBnReluCache& cache) {
  Tensor da = relu_backward(give_any(Tensor4(dout)), cache.relu).dx;
  auto n = spatial_batchnorm_backward_fast(take_rank<4>(std::move(da), "conv_bn_relu_backward"), cache.bn);
  auto c = conv_backward_im2col(n.dx, cache.conv);
  return {std::move(c.dx), std::move(c.dw), std::move(c.db), std::move(n.dgamma), std::move(n.dbeta)};
}

}  // namespace cnn
