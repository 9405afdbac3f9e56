// Tests of the BLAS affine layer (solutions/affine_blas.cpp): it agrees with the naive loops, with NumPy, and
// with the numerical gradient.
#include "layers/affine.hpp"

#include "core/errors.hpp"
#include "reference/first_layers.hpp"
#include "support/testing.hpp"

using namespace cnn;
using testing::from_values;
using testing::linspace;

TEST_CASE("affine_forward_blas and affine_backward_blas match NumPy on the linspace example", "[affine_blas][known][fn:affine_forward_blas][fn:affine_backward_blas]") {
  const Tensor x = linspace(-0.1, 0.5, {2, 4, 5, 6});
  const Tensor2 w = linspace<Tensor2>(-0.2, 0.3, {120, 3});
  const Tensor1 b = linspace<Tensor1>(-0.3, 0.1, {3});
  const auto [out, cache] = affine_forward_blas(x, w, b);
  REQUIRE_CLOSE(compare("out", out, from_values<Tensor2>(ref::affine_out, {2, 3})));
  const auto [dx, dw, db] = affine_backward_blas(linspace<Tensor2>(-1.0, 2.0, {2, 3}), cache);
  REQUIRE_CLOSE(compare("dx", dx, from_values(ref::affine_dx, {2, 4, 5, 6})));
  REQUIRE_CLOSE(compare("dw", dw, from_values<Tensor2>(ref::affine_dw, {120, 3})));
  REQUIRE_CLOSE(compare("db", db, from_values<Tensor1>(ref::affine_db, {3})));
}

TEST_CASE("affine BLAS and naive versions agree on random shapes",
          "[affine_blas][naive][fn:affine_forward][fn:affine_backward][fn:affine_forward_blas][fn:affine_backward_blas]") {
  Rng rng(99);
  for (int trial = 0; trial < 20; ++trial) {
    const std::size_t N = 1 + rng.index(9), d1 = 1 + rng.index(5), d2 = 1 + rng.index(5), M = 1 + rng.index(9);
    const Tensor x = randn({N, d1, d2}, rng);
    const Tensor2 w = randn<Tensor2>({d1 * d2, M}, rng);
    const Tensor1 b = randn<Tensor1>({M}, rng);
    const Tensor2 dout = randn<Tensor2>({N, M}, rng);
    const auto fast = affine_forward_blas(x, w, b);
    const auto naive = affine_forward(x, w, b);
    REQUIRE_CLOSE(compare("out", fast.out, naive.out));
    const auto gf = affine_backward_blas(dout, fast.cache);
    const auto gn = affine_backward(dout, naive.cache);
    REQUIRE_CLOSE(compare("dx", gf.dx, gn.dx));
    REQUIRE_CLOSE(compare("dw", gf.dw, gn.dw));
    REQUIRE_CLOSE(compare("db", gf.db, gn.db));
  }
}

TEST_CASE("affine_backward_blas matches numerical gradients for x, w and b", "[affine_blas][gradcheck][fn:affine_backward_blas]") {
  Rng rng(17);
  Tensor x = randn({6, 4}, rng);
  Tensor2 w = randn<Tensor2>({4, 3}, rng);
  Tensor1 b = randn<Tensor1>({3}, rng);
  const Tensor2 dout = randn<Tensor2>({6, 3}, rng);
  const auto [dx, dw, db] = affine_backward_blas(dout, affine_forward_blas(x, w, b).cache);
  auto y = [&] { return affine_forward_blas(x, w, b).out; };
  REQUIRE_GRADIENT_OK(check_gradient("dx", y, x, dout, dx));
  REQUIRE_GRADIENT_OK(check_gradient("dw", y, w, dout, dw));
  REQUIRE_GRADIENT_OK(check_gradient("db", y, b, dout, db));
}

TEST_CASE("affine_forward_blas refuses mismatched shapes", "[affine_blas][errors][fn:affine_forward_blas]") {
  const Tensor x = xt::zeros<double>({2, 5});
  REQUIRE_THROWS_MATCHES(affine_forward_blas(x, Tensor2(xt::zeros<double>({4, 3})), Tensor1(xt::zeros<double>({3}))),
                         shape_error,
                         Catch::Matchers::Message("affine_forward_blas: x flattens to D = 5 but w has 4 rows"));
}
