// Tests of the runtime's own fast paths (src/runtime/layer_objects.cpp, src/internals/conv_fast.cpp, src/internals/pool_fast.cpp): the layer
// objects keep their input instead of a cache, threshold ReLU in place, write gradients into their own arrays
// and share the work among the cores. Each is compared with the naive layer functions (solutions/) on several
// shapes, forward and backward, including the first layer's backward pass without dx.
#include <array>
#include <catch2/catch.hpp>
#include <cstring>
#include <cmath>
#include <limits>

#include "layers/affine.hpp"
#include "layers/conv.hpp"
#include "internals/conv_fast.hpp"
#include "runtime/model.hpp"
#include "layers/pool.hpp"
#include "layers/relu.hpp"
#include "layers/softmax.hpp"
#include "support/testing.hpp"

using namespace cnn;

namespace {

// Copies @p values into the parameter called @p name of @p layer.
template <class T>
void set_param(Layer& layer, const std::string& name, const T& values) {
  for (auto& p : layer.params())
    if (p.name == name) {
      REQUIRE(p.value.size() == values.size());
      std::copy(values.begin(), values.end(), p.value.begin());
      return;
    }
  FAIL("no parameter " << name);
}

// The gradient of the parameter called @p name of @p layer, in the shape of @p like.
template <class T>
T grad_of(Layer& layer, const std::string& name, const T& like) {
  for (auto& p : layer.params())
    if (p.name == name) {
      T g = T::from_shape(like.shape());
      REQUIRE(p.grad.size() == g.size());
      std::copy(p.grad.begin(), p.grad.end(), g.begin());
      return g;
    }
  FAIL("no parameter " << name);
  return like;
}

struct ConvCase {
  std::array<std::size_t, 4> x_shape;  // N, C, H, W
  std::size_t F, size;
  ConvParam param;
};

// LeNet's two convolutions at a small batch, and odd shapes: strides, no padding, 1x1 filters.
const std::vector<ConvCase> conv_cases = {
    {{3, 1, 28, 28}, 6, 5, {.stride = 1, .pad = 2}}, {{3, 6, 14, 14}, 16, 5, {.stride = 1, .pad = 0}},
    {{2, 3, 7, 9}, 4, 3, {.stride = 2, .pad = 1}},    {{2, 5, 6, 6}, 3, 1, {.stride = 1, .pad = 0}},
    {{1, 2, 5, 5}, 2, 5, {.stride = 1, .pad = 0}},    {{4, 3, 8, 8}, 5, 2, {.stride = 2, .pad = 0}},
};

// Sets the fast convolution's default settings for one test case and puts back what was there when it ends,
// however it ends (set_conv_tuning affects every thread).
struct TuningGuard {
  detail::ConvTuning before = detail::set_conv_tuning({});
  TuningGuard() = default;
  TuningGuard(const TuningGuard&) = delete;
  TuningGuard& operator=(const TuningGuard&) = delete;
  ~TuningGuard() { detail::set_conv_tuning(before); }
};

}  // namespace

TEST_CASE("conv_forward_fast and conv_backward_fast agree with the naive pair, with and without dx",
          "[runtime][conv][naive]") {
  const TuningGuard restore;
  const std::size_t never = std::size_t(-1);
  // The default plan (the direct way for the stride-1 cases), then one output row per block and a single part,
  // then a whole example per block, then the default budget with the direct way turned off.
  for (const detail::ConvTuning& tuning : {detail::ConvTuning{}, detail::ConvTuning{.block_bytes = 1, .min_columns = 0, .examples_in_parallel = false},
                                          detail::ConvTuning{.block_bytes = never, .min_columns = 0, .examples_in_parallel = true},
                                          detail::ConvTuning{.direct = false}}) {
    detail::set_conv_tuning(tuning);
    Rng rng(31);
    for (const ConvCase& c : conv_cases) {
      INFO("x " << shape_str(c.x_shape) << ", " << c.F << " filters of " << c.size << ", stride " << c.param.stride
                << ", pad " << c.param.pad << ", block bytes " << tuning.block_bytes << ", direct " << tuning.direct);
      const Tensor4 x = randn<Tensor4>(c.x_shape, rng);
      const Tensor4 w = randn<Tensor4>({c.F, c.x_shape[1], c.size, c.size}, rng);
      const Tensor1 b = randn<Tensor1>({c.F}, rng);
      const auto naive = conv_forward_naive(x, w, b, c.param);
      const Tensor4 out = detail::conv_forward_fast(x, w, b, c.param);
      REQUIRE_CLOSE(compare("out", out, naive.out));
      const Tensor4 dout = randn<Tensor4>(naive.out.shape(), rng);
      const auto g = conv_backward_naive(dout, naive.cache);
      Tensor4 dx, dw;
      Tensor1 db;
      detail::conv_backward_fast(dout, x, w, c.param, dw, db, &dx);
      REQUIRE_CLOSE(compare("dx", dx, g.dx));
      REQUIRE_CLOSE(compare("dw", dw, g.dw));
      REQUIRE_CLOSE(compare("db", db, g.db));
      Tensor4 dw2 = randn<Tensor4>(w.shape(), rng);  // overwritten, not added to
      Tensor1 db2;
      detail::conv_backward_fast(dout, x, w, c.param, dw2, db2, nullptr);
      REQUIRE_CLOSE(compare("dw without dx", dw2, g.dw));
      REQUIRE_CLOSE(compare("db without dx", db2, g.db));
    }
  }
}

TEST_CASE("conv_forward_fast and conv_backward_fast agree with the im2col reference pair, on both ways of the plan",
          "[runtime][conv][im2col]") {
  // The exercise's reference (solutions/conv_im2col.cpp: im2col, one product, col2im) is written for the reader;
  // the runtime's fast path is checked against it here, with the direct way allowed and with BLAS only.
  const TuningGuard restore;
  for (const detail::ConvTuning& tuning : {detail::ConvTuning{}, detail::ConvTuning{.direct = false}}) {
    detail::set_conv_tuning(tuning);
    Rng rng(47);
    for (const ConvCase& c : conv_cases) {
      INFO("x " << shape_str(c.x_shape) << ", " << c.F << " filters of " << c.size << ", stride " << c.param.stride
                << ", pad " << c.param.pad << ", direct " << tuning.direct);
      const Tensor4 x = randn<Tensor4>(c.x_shape, rng);
      const Tensor4 w = randn<Tensor4>({c.F, c.x_shape[1], c.size, c.size}, rng);
      const Tensor1 b = randn<Tensor1>({c.F}, rng);
      const auto ref = conv_forward_im2col(x, w, b, c.param);
      REQUIRE_CLOSE(compare("out", detail::conv_forward_fast(x, w, b, c.param), ref.out));
      const Tensor4 dout = randn<Tensor4>(ref.out.shape(), rng);
      const auto g = conv_backward_im2col(dout, ref.cache);
      Tensor4 dx, dw;
      Tensor1 db;
      detail::conv_backward_fast(dout, x, w, c.param, dw, db, &dx);
      REQUIRE_CLOSE(compare("dx", dx, g.dx));
      REQUIRE_CLOSE(compare("dw", dw, g.dw));
      REQUIRE_CLOSE(compare("db", db, g.db));
    }
  }
}

TEST_CASE("the direct way agrees with the naive pair on random stride-1 shapes, and the plan takes it for LeNet-5",
          "[runtime][conv][naive][property]") {
  // The direct way (shifted_products and shifted_dots, conv_fast.hpp) needs AVX2 and FMA; elsewhere the plan
  // never takes it and im2col's tests cover the fast path.
  if (!detail::direct_conv_available()) {
    WARN("this processor lacks AVX2 or FMA: the direct way is never taken here");
    return;
  }
  const TuningGuard restore;
  // LeNet-5's convolutions, a CIFAR-sized one and a VGG layer of 64 channels take it; a stride of 2 does not,
  // nor anything when it is turned off. With the AVX2 kernels alone, 1x1 filters without padding (x is X_col
  // already) and a VGG layer of 128 channels (3x3x128 rows of 96 positions: more than the 512 KiB budget) keep
  // im2col; with AVX-512 they take it too, in place when a plane is a whole number of 8-position tiles.
  auto plan = [](std::array<std::size_t, 4> x, std::size_t F, std::size_t k, ConvParam p) {
    const Tensor4 xs = Tensor4::from_shape(x), ws = Tensor4::from_shape({F, x[1], k, k});
    return detail::conv_plan(conv_shape("test", xs, ws, Tensor1::from_shape({F}), p), p);
  };
  const bool wide = detail::direct_conv_avx512();
  CHECK(plan({64, 1, 28, 28}, 6, 5, {.stride = 1, .pad = 2}).direct);
  CHECK(plan({64, 6, 14, 14}, 16, 5, {.stride = 1, .pad = 0}).direct);
  CHECK(plan({64, 3, 32, 32}, 32, 3, {.stride = 1, .pad = 1}).direct);
  CHECK_FALSE(plan({8, 3, 33, 33}, 8, 3, {.stride = 2, .pad = 1}).direct);
  CHECK(plan({8, 64, 56, 56}, 32, 1, {.stride = 1, .pad = 0}).direct == wide);
  CHECK(plan({8, 64, 56, 56}, 32, 1, {.stride = 1, .pad = 0}).in_place == wide);
  CHECK_FALSE(plan({8, 64, 7, 7}, 32, 1, {.stride = 1, .pad = 0}).in_place);  // 49 positions: not whole tiles
  CHECK(plan({8, 64, 56, 56}, 32, 1, {.stride = 1, .pad = 1}).direct);
  CHECK_FALSE(plan({8, 64, 56, 56}, 32, 1, {.stride = 1, .pad = 1}).in_place);
  CHECK(plan({8, 64, 56, 56}, 64, 3, {.stride = 1, .pad = 1}).direct);
  CHECK(plan({8, 128, 28, 28}, 128, 3, {.stride = 1, .pad = 1}).direct == wide);
  detail::set_conv_tuning({.avx512 = false});
  CHECK_FALSE(plan({8, 64, 56, 56}, 32, 1, {.stride = 1, .pad = 0}).direct);
  CHECK_FALSE(plan({8, 128, 28, 28}, 128, 3, {.stride = 1, .pad = 1}).direct);
  detail::set_conv_tuning({.direct = false});
  CHECK_FALSE(plan({64, 1, 28, 28}, 6, 5, {.stride = 1, .pad = 2}).direct);
  detail::set_conv_tuning({});

  // Random shapes: filter counts and channel counts that leave every tile size (8, 6, 4, 2, 1 rows; 3, 5, 8 and
  // 1 shifts) a remainder, rows shorter and longer than a tile, padding wider than the filter's reach, 1x1
  // filters in place and not. Where the processor has AVX-512, once with its kernels and once with AVX2's.
  Rng rng(2024);
  auto check = [&rng](std::size_t N, std::size_t C, std::size_t H, std::size_t W, std::size_t F, std::size_t k,
                      std::size_t pad, bool wide) {
    const ConvParam param{.stride = 1, .pad = pad};
    INFO("x (" << N << ", " << C << ", " << H << ", " << W << "), " << F << " filters of " << k << ", pad " << pad
               << (wide ? ", AVX-512" : ", AVX2"));
    detail::set_conv_tuning({.avx512 = wide});
    const Tensor4 x = randn<Tensor4>({N, C, H, W}, rng);
    const Tensor4 w = randn<Tensor4>({F, C, k, k}, rng);
    const Tensor1 b = randn<Tensor1>({F}, rng);
    REQUIRE(detail::conv_plan(conv_shape("test", x, w, b, param), param).direct == (wide || k > 1 || pad > 0));
    const auto naive = conv_forward_naive(x, w, b, param);
    const Tensor4 out = detail::conv_forward_fast(x, w, b, param);
    REQUIRE_CLOSE(compare("out", out, naive.out));
    const Tensor4 dout = randn<Tensor4>(naive.out.shape(), rng);
    const auto g = conv_backward_naive(dout, naive.cache);
    Tensor4 dx, dw;
    Tensor1 db;
    detail::conv_backward_fast(dout, x, w, param, dw, db, &dx);
    REQUIRE_CLOSE(compare("dx", dx, g.dx));
    REQUIRE_CLOSE(compare("dw", dw, g.dw));
    REQUIRE_CLOSE(compare("db", db, g.db));
    Tensor4 dw2 = randn<Tensor4>(w.shape(), rng);  // overwritten, not added to
    Tensor1 db2;
    detail::conv_backward_fast(dout, x, w, param, dw2, db2, nullptr);
    REQUIRE_CLOSE(compare("dw without dx", dw2, g.dw));
    REQUIRE_CLOSE(compare("db without dx", db2, g.db));
    if (wide && (k > 1 || pad > 0)) {
      // Both kernels form every output number as the same chain of fused multiply-adds: the same bits. (Not
      // for 1x1 filters without padding, which without AVX-512 go to BLAS.)
      detail::set_conv_tuning({.avx512 = false});
      CHECK(xt::all(xt::equal(detail::conv_forward_fast(x, w, b, param), out)));
      Tensor4 dx2, dw3;
      Tensor1 db3;
      detail::conv_backward_fast(dout, x, w, param, dw3, db3, &dx2);
      CHECK(xt::all(xt::equal(dx2, dx)));
      CHECK(xt::all(xt::equal(dw3, dw)));
    }
  };
  const std::vector<bool> kernels = detail::direct_conv_avx512() ? std::vector<bool>{true, false} : std::vector<bool>{false};
  for (bool wide : kernels) {
    for (int trial = 0; trial < 60; ++trial) {
      const std::size_t N = 1 + rng.index(4), C = 1 + rng.index(5), F = 1 + rng.index(13);
      const std::size_t k = 1 + rng.index(5), pad = rng.index(3);
      check(N, C, k + rng.index(10), k + rng.index(12), F, k, pad, wide);
    }
    check(2, 3, 4, 6, 9, 1, 0, wide);   // 1x1 in place (24 positions a plane)
    check(3, 5, 5, 8, 17, 1, 0, wide);  // in place, 40 positions
    check(2, 3, 3, 5, 7, 1, 0, wide);   // 15 positions: through the padded copies
  }
}

TEST_CASE("the runtime's conv layer agrees with the naive pair, and backward_params gives the same gradients",
          "[runtime][conv][naive]") {
  Rng rng(32);
  for (const ConvCase& c : conv_cases) {
    INFO("x " << shape_str(c.x_shape) << ", " << c.F << " filters of " << c.size);
    auto layer = make_conv("conv", c.x_shape[1], c.F, c.size, c.param);
    const Tensor4 x = randn<Tensor4>(c.x_shape, rng);
    const Tensor4 w = randn<Tensor4>({c.F, c.x_shape[1], c.size, c.size}, rng);
    const Tensor1 b = randn<Tensor1>({c.F}, rng);
    set_param(*layer, "conv.w", w);
    set_param(*layer, "conv.b", b);
    const auto naive = conv_forward_naive(x, w, b, c.param);
    REQUIRE_CLOSE(compare("out", layer->forward(Tensor(x), Mode::train), naive.out));
    const Tensor4 dout = randn<Tensor4>(naive.out.shape(), rng);
    const auto g = conv_backward_naive(dout, naive.cache);
    REQUIRE_CLOSE(compare("dx", layer->backward(Tensor(dout)), g.dx));
    REQUIRE_CLOSE(compare("dw", grad_of(*layer, "conv.w", w), g.dw));
    REQUIRE_CLOSE(compare("db", grad_of(*layer, "conv.b", b), g.db));
    layer->backward_params(Tensor(dout));
    REQUIRE_CLOSE(compare("dw (backward_params)", grad_of(*layer, "conv.w", w), g.dw));
    REQUIRE_CLOSE(compare("db (backward_params)", grad_of(*layer, "conv.b", b), g.db));
  }
}

TEST_CASE("the runtime's in-place ReLU gives exactly relu_forward and relu_backward", "[runtime][relu][naive]") {
  Rng rng(33);
  // Small arrays run on one thread, large ones (from 2^15 entries) on every core.
  for (const std::vector<std::size_t>& shape : {std::vector<std::size_t>{3, 4}, std::vector<std::size_t>{2, 3, 5, 7},
                                               std::vector<std::size_t>{4, 6, 40, 41}}) {
    INFO("shape " << shape_str(shape));
    Tensor x = randn<Tensor>(shape, rng);
    x.data()[0] = 0.0;
    x.data()[1] = -0.0;
    x.data()[2] = std::numeric_limits<double>::quiet_NaN();
    x.data()[3] = std::numeric_limits<double>::infinity();
    const Tensor dout = randn<Tensor>(shape, rng);
    const auto naive = relu_forward(x);
    auto layer = make_relu("relu");
    const Tensor out = layer->forward(Tensor(x), Mode::train);
    REQUIRE(out.shape() == naive.out.shape());
    // bit for bit, the sign of zero and the NaN included (NaN == NaN is false, so compare the bytes)
    REQUIRE(std::isnan(out.data()[2]));
    REQUIRE(std::memcmp(out.data(), naive.out.data(), out.size() * sizeof(double)) == 0);
    const Tensor dx = layer->backward(Tensor(dout));
    const Tensor expected = relu_backward(dout, naive.cache).dx;
    REQUIRE(dx.data()[2] == dout.data()[2]);  // the gradient passes at a NaN input
    REQUIRE(std::memcmp(dx.data(), expected.data(), dx.size() * sizeof(double)) == 0);
  }
  auto layer = make_relu("relu");
  REQUIRE_THROWS_AS(layer->backward(Tensor(xt::zeros<double>({2, 2}))), value_error);
  layer->forward(Tensor(xt::zeros<double>({2, 3})), Mode::train);
  REQUIRE_THROWS_AS(layer->backward(Tensor(xt::zeros<double>({3, 2}))), shape_error);
}

TEST_CASE("the runtime's affine layer agrees with affine_forward and affine_backward", "[runtime][affine][naive]") {
  Rng rng(34);
  // (N, input shape, M): products below and above the size at which the rows are shared among the cores.
  struct Case {
    std::vector<std::size_t> x_shape;
    std::size_t M;
  };
  for (const Case& c : {Case{{2, 3}, 4}, Case{{5, 2, 3, 2}, 7}, Case{{64, 16, 5, 5}, 120}, Case{{64, 120}, 84},
                        Case{{33, 301}, 101}}) {
    INFO("x " << shape_str(c.x_shape) << ", M " << c.M);
    std::size_t D = 1;
    for (std::size_t k = 1; k < c.x_shape.size(); ++k) D *= c.x_shape[k];
    const Tensor x = randn<Tensor>(c.x_shape, rng);
    const Tensor2 w = randn<Tensor2>({D, c.M}, rng);
    const Tensor1 b = randn<Tensor1>({c.M}, rng);
    auto layer = make_affine("fc", D, c.M);
    set_param(*layer, "fc.w", w);
    set_param(*layer, "fc.b", b);
    const auto naive = affine_forward(x, w, b);
    REQUIRE_CLOSE(compare("out", layer->forward(Tensor(x), Mode::train), naive.out));
    const Tensor2 dout = randn<Tensor2>({c.x_shape[0], c.M}, rng);
    const auto g = affine_backward(dout, naive.cache);
    REQUIRE_CLOSE(compare("dx", layer->backward(Tensor(dout)), g.dx));
    REQUIRE_CLOSE(compare("dw", grad_of(*layer, "fc.w", w), g.dw));
    REQUIRE_CLOSE(compare("db", grad_of(*layer, "fc.b", b), g.db));
  }
}

namespace {

using Gemm = void (*)(bool, bool, std::size_t, std::size_t, std::size_t, double, const double*, std::size_t,
                      const double*, std::size_t, double, double*, std::size_t);

// C = alpha op(A) op(B) + beta C by @p gemm_variant against one call of detail::gemm, for every transpose and
// each (m, n, k) of @p shapes.
void check_against_gemm(Gemm gemm_variant, const std::vector<std::array<std::size_t, 3>>& shapes, Rng& rng) {
  for (const bool ta : {false, true})
    for (const bool tb : {false, true})
      for (const auto& mnk : shapes) {
        const std::size_t m = mnk[0], n = mnk[1], k = mnk[2];
        INFO("transpose A " << ta << ", transpose B " << tb << ", m " << m << ", n " << n << ", k " << k);
        const Tensor2 a = ta ? randn<Tensor2>({k, m}, rng) : randn<Tensor2>({m, k}, rng);
        const Tensor2 b = tb ? randn<Tensor2>({n, k}, rng) : randn<Tensor2>({k, n}, rng);
        const Tensor2 c0 = randn<Tensor2>({m, n}, rng);
        Tensor2 expected = c0, actual = c0;
        detail::gemm(ta, tb, m, n, k, 0.5, a.data(), a.shape(1), b.data(), b.shape(1), 2.0, expected.data(), n);
        gemm_variant(ta, tb, m, n, k, 0.5, a.data(), a.shape(1), b.data(), b.shape(1), 2.0, actual.data(), n);
        REQUIRE_CLOSE(compare("C", actual, expected, {1e-12, 1e-12}));
      }
}

}  // namespace

TEST_CASE("gemm_parallel agrees with gemm for every transpose, small and large", "[runtime][gemm]") {
  Rng rng(35);
  check_against_gemm(&detail::gemm_parallel, {{3, 4, 5}, {64, 120, 400}, {401, 120, 64}, {1, 700, 600}, {16, 300, 250}}, rng);
}

TEST_CASE("fast pooling shared among the cores agrees with the naive loops", "[runtime][pool][naive]") {
  Rng rng(36);
  // Inputs of at least 2^15 entries are pooled on every core; the first shape is small, for the one-thread path.
  for (const std::array<std::size_t, 4> shape : {std::array<std::size_t, 4>{2, 3, 4, 6}, std::array<std::size_t, 4>{8, 6, 28, 28},
                                                 std::array<std::size_t, 4>{5, 7, 30, 24}}) {
    for (const std::size_t S : {2, 3}) {
      if (shape[2] % S != 0 || shape[3] % S != 0) continue;
      INFO("x " << shape_str(shape) << ", window and stride " << S);
      const PoolParam param{S, S, S};
      const Tensor4 x = randn<Tensor4>(shape, rng);
      const auto naive_max = max_pool_forward_naive(x, param);
      const auto fast_max = max_pool_forward_fast(x, param);
      REQUIRE_CLOSE(compare("max out", fast_max.out, naive_max.out));
      const Tensor4 dout = randn<Tensor4>(naive_max.out.shape(), rng);
      REQUIRE_CLOSE(compare("max dx", max_pool_backward_fast(dout, fast_max.cache).dx,
                            max_pool_backward_naive(dout, naive_max.cache).dx));
      const auto naive_avg = avg_pool_forward_naive(x, param);
      const auto fast_avg = avg_pool_forward_fast(x, param);
      REQUIRE_CLOSE(compare("avg out", fast_avg.out, naive_avg.out));
      REQUIRE_CLOSE(compare("avg dx", avg_pool_backward_fast(dout, fast_avg.cache).dx,
                            avg_pool_backward_naive(dout, naive_avg.cache).dx));
    }
  }
}

TEST_CASE("loss_and_gradients skips the first layer's dx but leaves the same gradients as backward",
          "[runtime][model]") {
  Rng rng(37);
  auto make = [] {
    Model m;
    m.add(make_conv("conv1", 2, 3, 3, {.stride = 1, .pad = 1}))
        .add(make_relu("relu1"))
        .add(make_max_pool("pool1", 2, 2))
        .add(make_flatten("flatten"))
        .add(make_affine("fc2", 3 * 4 * 4, 5))
        .add(make_scores("prob"));
    Rng init(38);
    m.initialize(init);
    return m;
  };
  Model a = make(), b = make();
  const Tensor4 x = randn<Tensor4>({4, 2, 8, 8}, rng);
  const Labels y = testing::labels({0, 4, 2, 1});
  const double loss = a.loss_and_gradients(x, y);
  const LossResult r = softmax_loss(take_rank<2>(b.forward(Tensor(x), Mode::train), "test"), y);
  b.backward(Tensor(r.dx));
  REQUIRE(loss == r.loss);
  const auto pa = a.params(), pb = b.params();
  REQUIRE(pa.size() == pb.size());
  for (std::size_t i = 0; i < pa.size(); ++i) {
    INFO(pa[i].name);
    REQUIRE(std::equal(pa[i].grad.begin(), pa[i].grad.end(), pb[i].grad.begin(), pb[i].grad.end()));
  }
}
