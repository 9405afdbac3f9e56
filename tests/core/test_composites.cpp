// Tests of the sandwich layers (src/runtime/composites.hpp): each equals its layers run one after another, and
// its backward pass matches the numerical gradient for every input and parameter.
#include "runtime/composites.hpp"

#include <catch2/catch.hpp>
#include <cmath>

#include "support/testing.hpp"

using namespace cnn;

TEST_CASE("affine_relu matches the numerical gradient and equals affine then ReLU", "[composites][gradcheck]") {
  Rng rng(1);
  Tensor x = randn({4, 2, 3}, rng);
  Tensor2 w = randn<Tensor2>({6, 5}, rng);
  Tensor1 b = randn<Tensor1>({5}, rng);
  const auto [out, cache] = affine_relu_forward(x, w, b);
  REQUIRE_CLOSE(compare("out", out, relu_forward(Tensor(affine_forward(x, w, b).out)).out));
  const Tensor dout = randn({4, 5}, rng);
  const auto [dx, dw, db] = affine_relu_backward(dout, cache);
  auto f = [&] { return affine_relu_forward(x, w, b).out; };
  REQUIRE_GRADIENT_OK(check_gradient("dx", f, x, dout, dx));
  REQUIRE_GRADIENT_OK(check_gradient("dw", f, w, dout, dw));
  REQUIRE_GRADIENT_OK(check_gradient("db", f, b, dout, db));
}

TEST_CASE("conv_relu_pool matches the numerical gradient for x, w and b", "[composites][gradcheck]") {
  Rng rng(2);
  Tensor4 x = randn<Tensor4>({2, 3, 8, 8}, rng);
  Tensor4 w = randn<Tensor4>({3, 3, 3, 3}, rng);
  Tensor1 b = randn<Tensor1>({3}, rng);
  const ConvParam cp{1, 1};
  const PoolParam pp{2, 2, 2};
  const auto [out, cache] = conv_relu_pool_forward(x, w, b, cp, pp);
  REQUIRE(out.shape(2) == 4);
  const Tensor4 dout = randn<Tensor4>({2, 3, 4, 4}, rng);
  const auto [dx, dw, db] = conv_relu_pool_backward(dout, cache);
  auto f = [&] { return conv_relu_pool_forward(x, w, b, cp, pp).out; };
  // ReLU zeros and max-pool ties are possible in a composed layer: the checker names them as kinks.
  REQUIRE_GRADIENT_OK(check_gradient("dx", f, x, dout, dx));
  REQUIRE_GRADIENT_OK(check_gradient("dw", f, w, dout, dw));
  REQUIRE_GRADIENT_OK(check_gradient("db", f, b, dout, db));
}

TEST_CASE("conv_bn_relu matches the numerical gradient for every input and parameter", "[composites][gradcheck]") {
  Rng rng(3);
  Tensor4 x = randn<Tensor4>({3, 2, 5, 5}, rng);
  Tensor4 w = randn<Tensor4>({3, 2, 3, 3}, rng);
  Tensor1 b = randn<Tensor1>({3}, rng);
  Tensor1 gamma = rand_uniform<Tensor1>({3}, rng, 0.5, 1.5);
  Tensor1 beta = randn<Tensor1>({3}, rng);
  const ConvParam cp{1, 1};
  BatchNormParam bp;
  BatchNormState state = batchnorm_state(3);
  const auto [out, cache] = conv_bn_relu_forward(x, w, b, cp, gamma, beta, bp, state);
  const Tensor4 dout = randn<Tensor4>({3, 3, 5, 5}, rng);
  const auto g = conv_bn_relu_backward(dout, cache);
  auto f = [&] {
    BatchNormState frozen = batchnorm_state(3);  // the checker's passes must not move the caller's statistics
    return conv_bn_relu_forward(x, w, b, cp, gamma, beta, bp, frozen).out;
  };
  GradCheckOptions opt;
  opt.tol = {1e-6, 1e-9};
  REQUIRE_GRADIENT_OK(check_gradient("dx", f, x, dout, g.dx, opt));
  REQUIRE_GRADIENT_OK(check_gradient("dw", f, w, dout, g.dw, opt));
  REQUIRE_GRADIENT_OK(check_gradient("dgamma", f, gamma, dout, g.dgamma, opt));
  REQUIRE_GRADIENT_OK(check_gradient("dbeta", f, beta, dout, g.dbeta, opt));
  // b is followed by a batch norm, which subtracts every channel's mean: its gradient is zero.
  REQUIRE_CLOSE(compare("db", g.db, Tensor1(xt::zeros<double>({3})), {0.0, 1e-12}));
}
