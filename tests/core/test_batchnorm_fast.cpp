// Tests of the fast spatial batch normalization (src/internals/batchnorm_fast.hpp): it agrees with the naive
// pair (solutions/batchnorm.cpp) in both modes, updates the running statistics the same way, and passes
// gradient checks.
#include "internals/batchnorm_fast.hpp"

#include <catch2/catch.hpp>

#include "core/errors.hpp"
#include "support/testing.hpp"

using namespace cnn;

TEST_CASE("fast spatial batchnorm agrees with the naive pair on random shapes, in train and test mode",
          "[batchnorm_fast][naive]") {
  Rng rng(21);
  for (int trial = 0; trial < 12; ++trial) {
    const std::size_t N = 1 + rng.index(4), C = 1 + rng.index(5), H = 1 + rng.index(5), W = 2 + rng.index(4);
    const Tensor4 x = randn<Tensor4>({N, C, H, W}, rng, 2.0);
    const Tensor1 gamma = rand_uniform<Tensor1>({C}, rng, 0.5, 1.5), beta = randn<Tensor1>({C}, rng);
    const Tensor4 dout = randn<Tensor4>({N, C, H, W}, rng);
    for (Mode mode : {Mode::train, Mode::test}) {
      BatchNormParam p;
      p.mode = mode;
      BatchNormState s1 = batchnorm_state(C), s2 = batchnorm_state(C);
      const auto naive = spatial_batchnorm_forward(x, gamma, beta, p, s1);
      const auto fast = spatial_batchnorm_forward_fast(x, gamma, beta, p, s2);
      REQUIRE_CLOSE(compare("out", fast.out, naive.out));
      REQUIRE_CLOSE(compare("running mean", s2.running_mean, s1.running_mean));
      REQUIRE_CLOSE(compare("running var", s2.running_var, s1.running_var));
      if (mode == Mode::train) {
        const auto gn = spatial_batchnorm_backward(dout, naive.cache);
        const auto gf = spatial_batchnorm_backward_fast(dout, fast.cache);
        REQUIRE_CLOSE(compare("dx", gf.dx, gn.dx, {1e-9, 1e-11}));
        REQUIRE_CLOSE(compare("dgamma", gf.dgamma, gn.dgamma));
        REQUIRE_CLOSE(compare("dbeta", gf.dbeta, gn.dbeta));
      }
    }
  }
}

TEST_CASE("fast spatial batchnorm backward matches the numerical gradient", "[batchnorm_fast][gradcheck]") {
  Rng rng(22);
  Tensor4 x = randn<Tensor4>({3, 2, 4, 3}, rng);
  Tensor1 gamma = rand_uniform<Tensor1>({2}, rng, 0.5, 1.5), beta = randn<Tensor1>({2}, rng);
  const Tensor4 dout = randn<Tensor4>({3, 2, 4, 3}, rng);
  BatchNormParam p;
  BatchNormState s = batchnorm_state(2);
  const auto g = spatial_batchnorm_backward_fast(dout, spatial_batchnorm_forward_fast(x, gamma, beta, p, s).cache);
  auto f = [&] {
    BatchNormState frozen = batchnorm_state(2);
    return spatial_batchnorm_forward_fast(x, gamma, beta, p, frozen).out;
  };
  GradCheckOptions opt;
  opt.tol = {1e-7, 1e-9};
  REQUIRE_GRADIENT_OK(check_gradient("dx", f, x, dout, g.dx, opt));
  REQUIRE_GRADIENT_OK(check_gradient("dgamma", f, gamma, dout, g.dgamma, opt));
  REQUIRE_GRADIENT_OK(check_gradient("dbeta", f, beta, dout, g.dbeta, opt));
}

TEST_CASE("fast spatial batchnorm refuses what the naive one refuses", "[batchnorm_fast][errors]") {
  const Tensor4 x = xt::zeros<double>({2, 3, 2, 2});
  BatchNormState s = batchnorm_state(3);
  BatchNormParam p;
  REQUIRE_THROWS_AS(spatial_batchnorm_forward_fast(x, Tensor1(xt::ones<double>({2})), Tensor1(xt::zeros<double>({3})), p, s),
                    shape_error);
  p.eps = 0.0;
  REQUIRE_THROWS_AS(spatial_batchnorm_forward_fast(x, Tensor1(xt::ones<double>({3})), Tensor1(xt::zeros<double>({3})), p, s),
                    value_error);
  BatchNormParam test;
  test.mode = Mode::test;
  const auto r = spatial_batchnorm_forward_fast(x, Tensor1(xt::ones<double>({3})), Tensor1(xt::zeros<double>({3})), test, s);
  REQUIRE_THROWS_AS(spatial_batchnorm_backward_fast(x, r.cache), value_error);
  REQUIRE_THROWS_AS(spatial_batchnorm_backward_fast(Tensor4(xt::zeros<double>({2, 3, 2, 3})), r.cache), shape_error);
}
