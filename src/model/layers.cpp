// The layer objects: each wraps one pair of the library's layer functions and owns its parameters. Conv, ReLU
// and Affine, the layers of every step, call the same computations through entry points that skip the caches'
// copies (see docs/training.md, "The pieces").
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>
#include <optional>

#include "cnnlab/affine.hpp"
#include "cnnlab/batchnorm.hpp"
#include "cnnlab/batchnorm_fast.hpp"
#include "cnnlab/checks.hpp"
#include "cnnlab/conv.hpp"
#include "cnnlab/conv_fast.hpp"
#include "cnnlab/dropout.hpp"
#include "cnnlab/lrn.hpp"
#include "cnnlab/model.hpp"
#include "cnnlab/pool.hpp"
#include "cnnlab/relu.hpp"

namespace cnn {

namespace {

template <class T>
ParamView view(const std::string& layer, const char* name, T& value, T& grad) {
  return ParamView{layer + "." + name, std::vector<std::size_t>(value.shape().begin(), value.shape().end()),
                   std::span<double>(value.data(), value.size()), std::span<double>(grad.data(), grad.size())};
}

// Weights ~ N(0, gain / fan_in): He (gain 2) for ReLU networks, Xavier (gain 1) otherwise.
template <class T>
void draw_weights(T& w, std::size_t fan_in, Init init, Rng& rng) {
  const double gain = init == Init::he ? 2.0 : 1.0;
  const double scale = std::sqrt(gain / static_cast<double>(fan_in));
  for (double& v : w) v = scale * rng.normal();
}

// Batch normalization's running statistics, as buffers (no gradient).
std::vector<ParamView> running(const std::string& layer, BatchNormState& s) {
  auto buffer = [&](const char* name, Tensor1& t) {
    return ParamView{layer + "." + name, {t.size()}, std::span<double>(t.data(), t.size()), {}};
  };
  return {buffer("running_mean", s.running_mean), buffer("running_var", s.running_var)};
}

// v_i = v_i <= 0 ? +0 : v_i, and mask_i = 0 where v_i was <= 0, else 1: as relu_forward and relu_backward,
// a NaN passes (its mask is 1) and -0 becomes +0.
void threshold(double* __restrict v, std::uint8_t* __restrict mask, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const double x = v[i];
    const bool on = !(x <= 0.0);
    // v_i = on ? x : 0.0 as a bit mask: the compiler would otherwise branch, and the signs are random
    std::uint64_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    bits &= -static_cast<std::uint64_t>(on);
    std::memcpy(v + i, &bits, sizeof bits);
    mask[i] = static_cast<std::uint8_t>(on);
  }
}

// d_i stays where mask_i is 1 and becomes 0 elsewhere (relu_backward).
void pass_where(double* __restrict d, const std::uint8_t* __restrict mask, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const double g = d[i];
    d[i] = mask[i] != 0 ? g : 0.0;
  }
}

// Runs body(begin, end) over [0, n): on every core for long arrays, in one piece on this thread for short ones
// (where waking the other threads would cost more than the work).
template <class Body>
void in_parts(std::size_t n, const Body& body) {
  if (n < (std::size_t{1} << 15))
    body(0, n);
  else
    detail::parallel_for(n, body);
}

template <class Cache>
const Cache& require_cache(const std::optional<Cache>& cache, const std::string& layer) {
  if (!cache) throw value_error("Layer::backward", layer + ": backward called before any forward pass");
  return *cache;
}

class Conv final : public Layer {
 public:
  Conv(std::string name, std::size_t C, std::size_t K, std::size_t F, ConvParam param, Init init, bool bias)
      : Layer(std::move(name)), param_(param), init_(init), bias_(bias),
        w_(xt::zeros<double>({K, C, F, F})), b_(xt::zeros<double>({K})), dw_(w_), db_(b_) {}
  std::string describe() const override {
    return "conv " + std::to_string(w_.shape(0)) + "@" + std::to_string(w_.shape(2)) + "x" +
           std::to_string(w_.shape(3)) + " stride " + std::to_string(param_.stride) + " pad " + std::to_string(param_.pad);
  }
  // The layer keeps x itself (it owns it) rather than a cache with copies of x, w and b; backward uses w as it
  // is then, which is the forward pass's w unless the parameters were changed in between.
  Tensor forward(Tensor x, Mode) override {
    x_ = take_rank<4>(std::move(x), name());
    has_x_ = true;
    return give_any(detail::conv_forward_fast(x_, w_, b_, param_));
  }
  Tensor backward(Tensor dout) override {
    Tensor4 dx;
    backward_into(std::move(dout), &dx);
    return give_any(std::move(dx));
  }
  void backward_params(Tensor dout) override { backward_into(std::move(dout), nullptr); }
  // Without a bias (a batch norm follows and its beta shifts instead), b stays 0 and is not a parameter.
  std::vector<ParamView> params() override {
    if (!bias_) return {view(name(), "w", w_, dw_)};
    return {view(name(), "w", w_, dw_), view(name(), "b", b_, db_)};
  }
  void initialize(Rng& rng) override {
    draw_weights(w_, w_.shape(1) * w_.shape(2) * w_.shape(3), init_, rng);
    b_.fill(0.0);
  }

 private:
  ConvParam param_;
  Init init_;
  bool bias_;
  Tensor4 w_;
  Tensor1 b_;
  Tensor4 dw_;
  Tensor1 db_;
  Tensor4 x_;            // the last forward pass's input
  bool has_x_ = false;   // whether there was one

  void backward_into(Tensor dout, Tensor4* dx) {
    if (!has_x_) throw value_error("Layer::backward", name() + ": backward called before any forward pass");
    detail::conv_backward_fast(take_rank<4>(std::move(dout), name()), x_, w_, param_, dw_, db_, dx);
  }
};

// ReLU in place: the layer owns its input, so it thresholds that storage and hands it on, and keeps only which
// entries were positive (a byte each, in a buffer reused from step to step) instead of a copy of x. The same
// numbers as relu_forward / relu_backward.
class Relu final : public Layer {
 public:
  using Layer::Layer;
  std::string describe() const override { return "relu"; }
  Tensor forward(Tensor x, Mode) override {
    if (x.dimension() == 0) throw shape_error("relu_forward", "x must have rank >= 1, got a scalar");
    shape_.assign(x.shape().begin(), x.shape().end());
    positive_.resize(x.size());
    double* v = x.data();
    std::uint8_t* mask = positive_.data();
    in_parts(x.size(), [=](std::size_t begin, std::size_t end) { threshold(v + begin, mask + begin, end - begin); });
    has_x_ = true;
    return x;
  }
  Tensor backward(Tensor dout) override {
    if (!has_x_) throw value_error("Layer::backward", name() + ": backward called before any forward pass");
    if (!std::equal(shape_.begin(), shape_.end(), dout.shape().begin(), dout.shape().end()))
      throw shape_error("relu_backward", "dout has shape " + shape_str(dout.shape()) + " but x had shape " +
                                             shape_str(shape_));
    double* d = dout.data();
    const std::uint8_t* mask = positive_.data();
    in_parts(dout.size(), [=](std::size_t begin, std::size_t end) { pass_where(d + begin, mask + begin, end - begin); });
    return dout;
  }

 private:
  std::vector<std::size_t> shape_;     // x's shape
  std::vector<std::uint8_t> positive_;  // 1 where x > 0
  bool has_x_ = false;
};

// Pooling layers pad here, around the library's unpadded pooling functions: the input is surrounded by P
// entries of `fill` (-infinity for max pooling, so padding never wins; 0 for average pooling, counted in
// the divisor as PyTorch's default does) and the gradient is cropped back.
Tensor4 pad_input(const Tensor4& x, std::size_t P, double fill) {
  const std::size_t N = x.shape(0), C = x.shape(1), H = x.shape(2), W = x.shape(3);
  Tensor4 xp = Tensor4::from_shape({N, C, H + 2 * P, W + 2 * P});
  xp.fill(fill);
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t c = 0; c < C; ++c)
      for (std::size_t h = 0; h < H; ++h)
        std::copy_n(&x(n, c, h, 0), W, &xp(n, c, h + P, P));
  return xp;
}

Tensor4 crop_grad(const Tensor4& dxp, std::size_t P) {
  const std::size_t N = dxp.shape(0), C = dxp.shape(1), H = dxp.shape(2) - 2 * P, W = dxp.shape(3) - 2 * P;
  Tensor4 dx = Tensor4::from_shape({N, C, H, W});
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t c = 0; c < C; ++c)
      for (std::size_t h = 0; h < H; ++h) std::copy_n(&dxp(n, c, h + P, P), W, &dx(n, c, h, 0));
  return dx;
}

template <bool Max>
class Pool final : public Layer {
 public:
  Pool(std::string name, std::size_t size, std::size_t stride, std::size_t pad)
      : Layer(std::move(name)), param_{size, size, stride}, pad_(pad) {}
  std::string describe() const override {
    return std::string(Max ? "max" : "avg") + " pool " + std::to_string(param_.height) + "x" +
           std::to_string(param_.width) + " stride " + std::to_string(param_.stride) +
           (pad_ ? " pad " + std::to_string(pad_) : "");
  }
  Tensor forward(Tensor x, Mode) override {
    Tensor4 x4 = take_rank<4>(std::move(x), name());
    if (pad_) x4 = pad_input(x4, pad_, Max ? -std::numeric_limits<double>::infinity() : 0.0);
    if constexpr (Max) {
      auto r = max_pool_forward_fast(x4, param_);
      cache_ = std::move(r.cache);
      return give_any(std::move(r.out));
    } else {
      auto r = avg_pool_forward_fast(x4, param_);
      cache_ = std::move(r.cache);
      return give_any(std::move(r.out));
    }
  }
  Tensor backward(Tensor dout) override {
    Tensor4 dx;
    if constexpr (Max)
      dx = max_pool_backward_fast(take_rank<4>(std::move(dout), name()), require_cache(cache_, name())).dx;
    else
      dx = avg_pool_backward_fast(take_rank<4>(std::move(dout), name()), require_cache(cache_, name())).dx;
    return give_any(pad_ ? crop_grad(dx, pad_) : std::move(dx));
  }

 private:
  PoolParam param_;
  std::size_t pad_;
  std::optional<std::conditional_t<Max, MaxPoolFastCache, AvgPoolCache>> cache_;
};

class Lrn final : public Layer {
 public:
  Lrn(std::string name, LrnParam param) : Layer(std::move(name)), param_(param) {}
  std::string describe() const override { return "lrn n " + std::to_string(param_.size); }
  Tensor forward(Tensor x, Mode) override {
    auto r = lrn_forward(take_rank<4>(std::move(x), name()), param_);
    cache_ = std::move(r.cache);
    return give_any(std::move(r.out));
  }
  Tensor backward(Tensor dout) override {
    return give_any(lrn_backward(take_rank<4>(std::move(dout), name()), require_cache(cache_, name())).dx);
  }

 private:
  LrnParam param_;
  std::optional<LrnCache> cache_;
};

class GlobalAvgPool final : public Layer {
 public:
  using Layer::Layer;
  std::string describe() const override { return "global avg pool"; }
  Tensor forward(Tensor x, Mode) override {
    auto r = global_avg_pool_forward(take_rank<4>(std::move(x), name()));
    cache_ = std::move(r.cache);
    return give_any(std::move(r.out));
  }
  Tensor backward(Tensor dout) override {
    return give_any(global_avg_pool_backward(take_rank<2>(std::move(dout), name()), require_cache(cache_, name())).dx);
  }

 private:
  std::optional<GlobalAvgPoolCache> cache_;
};

// (N, d1, ..., dk) -> (N, D): a reshape, so the backward pass reshapes back.
class Flatten final : public Layer {
 public:
  using Layer::Layer;
  std::string describe() const override { return "flatten"; }
  Tensor forward(Tensor x, Mode) override {
    shape_.assign(x.shape().begin(), x.shape().end());
    const std::size_t N = x.shape(0), D = trailing_size(x.shape());
    x.reshape({N, D});
    return x;
  }
  Tensor backward(Tensor dout) override {
    if (shape_.empty()) throw value_error("Layer::backward", name() + ": backward called before any forward pass");
    dout.reshape(shape_);
    return dout;
  }

 private:
  std::vector<std::size_t> shape_;
};

// The network's last "softmax" layer: the loss (softmax_loss) applies it, so the layer passes scores through.
class Scores final : public Layer {
 public:
  using Layer::Layer;
  std::string describe() const override { return "softmax (applied by the loss)"; }
  Tensor forward(Tensor x, Mode) override { return x; }
  Tensor backward(Tensor dout) override { return dout; }
};

class Affine final : public Layer {
 public:
  Affine(std::string name, std::size_t D, std::size_t M, Init init, bool bias)
      : Layer(std::move(name)), init_(init), bias_(bias), w_(xt::zeros<double>({D, M})), b_(xt::zeros<double>({M})), dw_(w_), db_(b_) {}
  std::string describe() const override {
    return "affine " + std::to_string(w_.shape(0)) + " -> " + std::to_string(w_.shape(1));
  }
  // The products of affine_forward_blas / affine_backward_blas, with the rows shared among the cores
  // (gemm_parallel); the layer keeps x itself (it owns it) instead of a cache with copies of x, w and b, and
  // writes dw and db into its own arrays.
  Tensor forward(Tensor x, Mode) override {
    check_affine_inputs("affine_forward_blas", x, w_, b_);
    x_ = std::move(x);
    has_x_ = true;
    const std::size_t N = x_.shape(0), D = w_.shape(0), M = w_.shape(1);
    Tensor2 out = Tensor2::from_shape({N, M});
    for (std::size_t n = 0; n < N; ++n)
      for (std::size_t m = 0; m < M; ++m) out(n, m) = b_(m);
    detail::gemm_parallel(false, false, N, M, D, 1.0, x_.data(), D, w_.data(), M, 1.0, out.data(), M);
    return give_any(std::move(out));
  }
  Tensor backward(Tensor dout_any) override {
    if (!has_x_) throw value_error("Layer::backward", name() + ": backward called before any forward pass");
    const Tensor2 dout = take_rank<2>(std::move(dout_any), name());
    const std::size_t N = x_.shape(0), D = w_.shape(0), M = w_.shape(1);
    check_affine_dout("affine_backward_blas", dout, N, M);
    Tensor dx = Tensor::from_shape(x_.shape());
    detail::gemm_parallel(false, true, N, D, M, 1.0, dout.data(), M, w_.data(), M, 0.0, dx.data(), D);
    detail::gemm_parallel(true, false, D, M, N, 1.0, x_.data(), D, dout.data(), M, 0.0, dw_.data(), M);
    db_.fill(0.0);
    for (std::size_t n = 0; n < N; ++n)
      for (std::size_t m = 0; m < M; ++m) db_(m) += dout(n, m);
    return dx;
  }
  std::vector<ParamView> params() override {
    if (!bias_) return {view(name(), "w", w_, dw_)};
    return {view(name(), "w", w_, dw_), view(name(), "b", b_, db_)};
  }
  void initialize(Rng& rng) override {
    draw_weights(w_, w_.shape(0), init_, rng);
    b_.fill(0.0);
  }

 private:
  Init init_;
  bool bias_;
  Tensor2 w_;
  Tensor1 b_;
  Tensor2 dw_;
  Tensor1 db_;
  Tensor x_;            // the last forward pass's input
  bool has_x_ = false;  // whether there was one
};

class Dropout final : public Layer {
 public:
  Dropout(std::string name, double p_drop, std::uint64_t seed) : Layer(std::move(name)), p_drop_(p_drop), rng_(seed) {}
  std::string describe() const override { return "dropout p_drop " + std::to_string(p_drop_).substr(0, 4); }
  Tensor forward(Tensor x, Mode mode) override {
    auto r = dropout_forward(x, DropoutParam{p_drop_, mode}, rng_);
    cache_ = std::move(r.cache);
    return std::move(r.out);
  }
  Tensor backward(Tensor dout) override { return dropout_backward(dout, require_cache(cache_, name())).dx; }

 private:
  double p_drop_;
  Rng rng_;
  std::optional<DropoutCache> cache_;
};

// Batch normalization over the features of (N, D) or, Spatial, over the channels of (N, C, H, W): the same
// parameters (gamma, beta) and running statistics, a different pair of library functions.
template <bool Spatial>
class BatchNorm final : public Layer {
 public:
  BatchNorm(std::string name, std::size_t features, double momentum)
      : Layer(std::move(name)), momentum_(momentum), gamma_(xt::ones<double>({features})),
        beta_(xt::zeros<double>({features})), dgamma_(xt::zeros<double>({features})),
        dbeta_(xt::zeros<double>({features})), state_(batchnorm_state(features)) {}
  std::string describe() const override {
    return std::string(Spatial ? "spatial batchnorm " : "batchnorm ") + std::to_string(gamma_.size());
  }
  Tensor forward(Tensor x, Mode mode) override {
    BatchNormParam p;
    p.mode = mode;
    p.momentum = momentum_;
    if constexpr (Spatial) {
      auto r = spatial_batchnorm_forward_fast(take_rank<4>(std::move(x), name()), gamma_, beta_, p, state_);
      cache_ = std::move(r.cache);
      return give_any(std::move(r.out));
    } else {
      auto r = batchnorm_forward(take_rank<2>(std::move(x), name()), gamma_, beta_, p, state_);
      cache_ = std::move(r.cache);
      return give_any(std::move(r.out));
    }
  }
  Tensor backward(Tensor dout) override {
    if constexpr (Spatial) {
      auto g = spatial_batchnorm_backward_fast(take_rank<4>(std::move(dout), name()), require_cache(cache_, name()));
      dgamma_ = std::move(g.dgamma);
      dbeta_ = std::move(g.dbeta);
      return give_any(std::move(g.dx));
    } else {
      auto g = batchnorm_backward_alt(take_rank<2>(std::move(dout), name()), require_cache(cache_, name()));
      dgamma_ = std::move(g.dgamma);
      dbeta_ = std::move(g.dbeta);
      return give_any(std::move(g.dx));
    }
  }
  std::vector<ParamView> params() override {
    return {view(name(), "gamma", gamma_, dgamma_), view(name(), "beta", beta_, dbeta_)};
  }
  std::vector<ParamView> buffers() override { return running(name(), state_); }
  void initialize(Rng&) override {
    gamma_.fill(1.0);
    beta_.fill(0.0);
    state_ = batchnorm_state(gamma_.size());
  }

 private:
  double momentum_;
  Tensor1 gamma_, beta_, dgamma_, dbeta_;
  BatchNormState state_;
  std::optional<std::conditional_t<Spatial, SpatialBatchNormFastCache, BatchNormCache>> cache_;
};

// The pooling layers pad themselves; as the architecture specs (src/arch.cpp), they refuse a padding under which a
// window could lie entirely in the padding (a max of -infinity, an average of zeros).
void check_pool_pad(const char* function, std::size_t size, std::size_t pad) {
  if (2 * pad > size)
    throw value_error(function, "padding P = " + std::to_string(pad) + " is more than half the window F = " +
                                    std::to_string(size) + "; a window could lie entirely in the padding");
}

}  // namespace

std::unique_ptr<Layer> make_conv(std::string name, std::size_t C, std::size_t K, std::size_t F, ConvParam param, Init init,
                                 bool bias) {
  // Refused here, naming the layer's maker, rather than at the first forward pass.
  if (C == 0 || K == 0 || F == 0)
    throw value_error("make_conv", name + ": channels C, filters K and size F must be at least 1, got C = " +
                                       std::to_string(C) + ", K = " + std::to_string(K) + ", F = " + std::to_string(F));
  if (param.stride == 0) throw value_error("make_conv", name + ": stride S must be at least 1, got 0");
  return std::make_unique<Conv>(std::move(name), C, K, F, param, init, bias);
}
std::unique_ptr<Layer> make_relu(std::string name) { return std::make_unique<Relu>(std::move(name)); }
std::unique_ptr<Layer> make_max_pool(std::string name, std::size_t size, std::size_t stride, std::size_t pad) {
  check_pool_pad("make_max_pool", size, pad);
  return std::make_unique<Pool<true>>(std::move(name), size, stride, pad);
}
std::unique_ptr<Layer> make_avg_pool(std::string name, std::size_t size, std::size_t stride, std::size_t pad) {
  check_pool_pad("make_avg_pool", size, pad);
  return std::make_unique<Pool<false>>(std::move(name), size, stride, pad);
}
std::unique_ptr<Layer> make_lrn(std::string name, LrnParam param) { return std::make_unique<Lrn>(std::move(name), param); }
std::unique_ptr<Layer> make_global_avg_pool(std::string name) { return std::make_unique<GlobalAvgPool>(std::move(name)); }
std::unique_ptr<Layer> make_flatten(std::string name) { return std::make_unique<Flatten>(std::move(name)); }
std::unique_ptr<Layer> make_scores(std::string name) { return std::make_unique<Scores>(std::move(name)); }
std::unique_ptr<Layer> make_affine(std::string name, std::size_t D, std::size_t M, Init init, bool bias) {
  return std::make_unique<Affine>(std::move(name), D, M, init, bias);
}
std::unique_ptr<Layer> make_dropout(std::string name, double p_drop, std::uint64_t seed) {
  if (!(p_drop >= 0.0 && p_drop < 1.0))
    throw value_error("make_dropout",
                      name + ": p_drop is the probability of zeroing a unit and must be in [0, 1), got " + num_str(p_drop));
  return std::make_unique<Dropout>(std::move(name), p_drop, seed);
}
std::unique_ptr<Layer> make_spatial_batchnorm(std::string name, std::size_t C, double momentum) {
  return std::make_unique<BatchNorm<true>>(std::move(name), C, momentum);
}
std::unique_ptr<Layer> make_batchnorm(std::string name, std::size_t D, double momentum) {
  return std::make_unique<BatchNorm<false>>(std::move(name), D, momentum);
}

}  // namespace cnn
