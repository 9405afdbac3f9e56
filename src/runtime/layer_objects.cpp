// The layer objects of the reference runtime: each wraps the library's own computation of a layer (never an
// exercise function) and owns its parameters (src/runtime/layer_parts.hpp, shared with the `mine` set's layers in
// src/runtime/my_layers.cpp). Conv, ReLU and Affine, the layers of every step, skip the caches' copies (see
// docs/training.md, "The pieces"); the rest are written here on flat arrays, each checked against the exercise's
// reference body in tests/core/test_runtime_layers.cpp.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>
#include <optional>

#include "internals/batchnorm_fast.hpp"
#include "core/checks.hpp"
#include "internals/conv_fast.hpp"
#include "runtime/layer_set.hpp"
#include "runtime/model.hpp"
#include "layers/pool.hpp"
#include "internals/simd.hpp"
#include "runtime/layer_parts.hpp"

namespace cnn {

namespace {

using detail::require_cache;

// v_i = v_i <= 0 ? +0 : v_i, and mask_i = 0 where v_i was <= 0, else 1: as relu_forward and relu_backward,
// a NaN passes (its mask is 1) and -0 becomes +0.
CNNLAB_SIMD_CLONES void threshold(double* __restrict v, std::uint8_t* __restrict mask, std::size_t n) {
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
CNNLAB_SIMD_CLONES void pass_where(double* __restrict d, const std::uint8_t* __restrict mask, std::size_t n) {
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

class Conv final : public detail::ConvParams {
 public:
  using ConvParams::ConvParams;
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

 private:
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

template <bool Max>
class Pool final : public detail::PoolBase<Max> {
 public:
  using detail::PoolBase<Max>::PoolBase;
  Tensor forward(Tensor x, Mode) override {
    const Tensor4 x4 = this->padded(std::move(x));
    if constexpr (Max) {
      auto r = max_pool_forward_fast(x4, this->param_);
      cache_ = std::move(r.cache);
      return give_any(std::move(r.out));
    } else {
      auto r = avg_pool_forward_fast(x4, this->param_);
      cache_ = std::move(r.cache);
      return give_any(std::move(r.out));
    }
  }
  Tensor backward(Tensor dout) override {
    Tensor4 d = take_rank<4>(std::move(dout), this->name());
    if constexpr (Max)
      return this->cropped(max_pool_backward_fast(d, require_cache(cache_, this->name())).dx);
    else
      return this->cropped(avg_pool_backward_fast(d, require_cache(cache_, this->name())).dx);
  }

 private:
  std::optional<std::conditional_t<Max, MaxPoolFastCache, AvgPoolCache>> cache_;
};

// Local response normalization across channels: s = k + alpha * (sum of x^2 over the window of channels),
// y = x s^(-beta) (lrn_forward). The layer keeps x, s and s^(-beta); the backward pass forms each entry's
// dout x s^(-beta - 1) once and sums it over the windows (lrn_backward forms it once per window).
class Lrn final : public Layer {
 public:
  Lrn(std::string name, LrnParam param) : Layer(std::move(name)), param_(param) {}
  std::string describe() const override { return "lrn n " + std::to_string(param_.size); }
  Tensor forward(Tensor x, Mode) override {
    const char* fn = "lrn_forward";
    if (param_.size == 0 || param_.size % 2 == 0)
      throw value_error(fn, "size n must be odd so that the window is centred on its channel, got " + std::to_string(param_.size));
    if (!(param_.k > 0.0)) throw value_error(fn, "k must be > 0, got " + num_str(param_.k));
    if (!(param_.alpha >= 0.0)) throw value_error(fn, "alpha must be >= 0, got " + num_str(param_.alpha));
    if (!(param_.beta >= 0.0)) throw value_error(fn, "beta must be >= 0, got " + num_str(param_.beta));
    x_ = take_rank<4>(std::move(x), name());
    has_x_ = true;
    const std::size_t N = x_.shape(0), C = x_.shape(1), P = x_.shape(2) * x_.shape(3);  // P: pixels per plane
    const std::size_t r = (param_.size - 1) / 2;
    scale_ = Tensor4::from_shape(x_.shape());
    power_ = Tensor4::from_shape(x_.shape());
    Tensor4 out = Tensor4::from_shape(x_.shape());
    const double* xs = x_.data();
    for (std::size_t n = 0; n < N; ++n)
      for (std::size_t c = 0; c < C; ++c) {
        const std::size_t lo = c < r ? 0 : c - r, hi = std::min(C - 1, c + r), at = (n * C + c) * P;
        for (std::size_t p = 0; p < P; ++p) {
          double sum = 0.0;  // of x^2 over the channels lo..hi at this pixel
          for (std::size_t c2 = lo; c2 <= hi; ++c2) sum += xs[(n * C + c2) * P + p] * xs[(n * C + c2) * P + p];
          scale_.data()[at + p] = param_.k + param_.alpha * sum;
          power_.data()[at + p] = std::pow(scale_.data()[at + p], -param_.beta);
          out.data()[at + p] = xs[at + p] * power_.data()[at + p];
        }
      }
    return give_any(std::move(out));
  }
  Tensor backward(Tensor dout_any) override {
    if (!has_x_) throw value_error("Layer::backward", name() + ": backward called before any forward pass");
    const Tensor4 dout = take_rank<4>(std::move(dout_any), name());
    check_same_shape("lrn_backward", "dout", dout, "x", x_);
    const std::size_t N = x_.shape(0), C = x_.shape(1), P = x_.shape(2) * x_.shape(3);
    const std::size_t r = (param_.size - 1) / 2;
    const double beta = param_.beta, two_ab = 2.0 * param_.alpha * beta;
    // t = dout x s^(-beta - 1), what each channel sends back through the denominators of its neighbours
    Tensor4 t = Tensor4::from_shape(x_.shape());
    for (std::size_t i = 0; i < t.size(); ++i)
      t.data()[i] = dout.data()[i] * x_.data()[i] * std::pow(scale_.data()[i], -beta - 1.0);
    Tensor4 dx = Tensor4::from_shape(x_.shape());
    for (std::size_t n = 0; n < N; ++n)
      for (std::size_t ch = 0; ch < C; ++ch) {
        const std::size_t lo = ch < r ? 0 : ch - r, hi = std::min(C - 1, ch + r), at = (n * C + ch) * P;
        for (std::size_t p = 0; p < P; ++p) {
          double through_scales = 0.0;
          for (std::size_t c = lo; c <= hi; ++c) through_scales += t.data()[(n * C + c) * P + p];
          dx.data()[at + p] = dout.data()[at + p] * power_.data()[at + p] - two_ab * x_.data()[at + p] * through_scales;
        }
      }
    return give_any(std::move(dx));
  }

 private:
  LrnParam param_;
  Tensor4 x_, scale_, power_;  // the input, s and s^(-beta) of the last forward pass
  bool has_x_ = false;
};

// Global average pooling: the mean of each channel's plane, (N, C, H, W) to (N, C); its gradient spreads
// dout / (H W) evenly over the plane.
class GlobalAvgPool final : public Layer {
 public:
  using Layer::Layer;
  std::string describe() const override { return "global avg pool"; }
  Tensor forward(Tensor x, Mode) override {
    const Tensor4 x4 = take_rank<4>(std::move(x), name());
    shape_ = {x4.shape(0), x4.shape(1), x4.shape(2), x4.shape(3)};
    has_x_ = true;
    const std::size_t NC = shape_[0] * shape_[1], P = shape_[2] * shape_[3];
    if (P == 0) throw shape_error("global_avg_pool_forward", "x must have H, W >= 1, got " + shape_str(x4.shape()));
    Tensor2 out = Tensor2::from_shape({shape_[0], shape_[1]});
    for (std::size_t i = 0; i < NC; ++i) {
      double sum = 0.0;
      for (std::size_t p = 0; p < P; ++p) sum += x4.data()[i * P + p];
      out.data()[i] = sum / static_cast<double>(P);
    }
    return give_any(std::move(out));
  }
  Tensor backward(Tensor dout_any) override {
    if (!has_x_) throw value_error("Layer::backward", name() + ": backward called before any forward pass");
    const Tensor2 dout = take_rank<2>(std::move(dout_any), name());
    if (dout.shape(0) != shape_[0] || dout.shape(1) != shape_[1])
      throw shape_error("global_avg_pool_backward", "dout must be (N, C) = (" + std::to_string(shape_[0]) + ", " +
                                                        std::to_string(shape_[1]) + "), got " + shape_str(dout.shape()));
    const std::size_t P = shape_[2] * shape_[3];
    Tensor4 dx = Tensor4::from_shape(shape_);
    for (std::size_t i = 0; i < dout.size(); ++i) std::fill_n(dx.data() + i * P, P, dout.data()[i] / static_cast<double>(P));
    return give_any(std::move(dx));
  }

 private:
  std::array<std::size_t, 4> shape_{};  // x's shape (N, C, H, W)
  bool has_x_ = false;
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

class Affine final : public detail::AffineParams {
 public:
  using AffineParams::AffineParams;
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

 private:
  Tensor x_;            // the last forward pass's input
  bool has_x_ = false;  // whether there was one
};

// Inverted dropout in place: in train mode one u = rng.uniform() per entry, in order (dropout_forward's draws);
// an entry is kept, times 1 / (1 - p_drop), when u >= p_drop. The layer keeps which entries were kept (a byte
// each) instead of a mask of doubles. Test mode is the identity and draws nothing.
class Dropout final : public detail::DropoutBase {
 public:
  using DropoutBase::DropoutBase;
  Tensor forward(Tensor x, Mode mode) override {
    if (x.dimension() == 0) throw shape_error("dropout_forward", "x must have rank >= 1, got a scalar");
    shape_.assign(x.shape().begin(), x.shape().end());
    kept_.assign(x.size(), 1);
    scale_ = 1.0;
    has_x_ = true;
    if (mode == Mode::train) {
      scale_ = 1.0 / (1.0 - p_drop_);
      double* v = x.data();
      for (std::size_t i = 0; i < x.size(); ++i) {
        kept_[i] = rng_.uniform() >= p_drop_;
        v[i] = (kept_[i] ? scale_ : 0.0) * v[i];
      }
    }
    return x;
  }
  Tensor backward(Tensor dout) override {
    if (!has_x_) throw value_error("Layer::backward", name() + ": backward called before any forward pass");
    if (!std::equal(shape_.begin(), shape_.end(), dout.shape().begin(), dout.shape().end()))
      throw shape_error("dropout_backward", "dout has shape " + shape_str(dout.shape()) + " but x had shape " +
                                                shape_str(shape_));
    double* d = dout.data();
    for (std::size_t i = 0; i < dout.size(); ++i) d[i] = (kept_[i] ? scale_ : 0.0) * d[i];
    return dout;
  }

 private:
  std::vector<std::size_t> shape_;  // x's shape
  std::vector<std::uint8_t> kept_;  // 1 where the entry was kept
  double scale_ = 1.0;              // what a kept entry was multiplied by
  bool has_x_ = false;
};

// Batch normalization over the channels of (N, C, H, W) (spatial_batchnorm_forward_fast and its backward) or,
// not Spatial, over the features of (N, D): laid out as (N, D, 1, 1), the same computation with planes of one
// pixel, and the same numbers as batchnorm_forward and batchnorm_backward.
template <bool Spatial>
class BatchNorm final : public detail::BatchNormParams<Spatial> {
 public:
  using detail::BatchNormParams<Spatial>::BatchNormParams;
  Tensor forward(Tensor x, Mode mode) override {
    if constexpr (!Spatial) {
      if (x.dimension() != 2)
        throw shape_error(this->name(), "expected an input of rank 2, got shape " + shape_str(x.shape()));
      x.reshape({x.shape(0), x.shape(1), std::size_t{1}, std::size_t{1}});
    }
    auto r = spatial_batchnorm_forward_fast(take_rank<4>(std::move(x), this->name()), this->gamma_, this->beta_,
                                            this->param(mode), this->state_);
    cache_ = std::move(r.cache);
    return flat(give_any(std::move(r.out)));
  }
  Tensor backward(Tensor dout) override {
    if constexpr (!Spatial) {
      if (dout.dimension() != 2)
        throw shape_error(this->name(), "expected a gradient of rank 2, got shape " + shape_str(dout.shape()));
      dout.reshape({dout.shape(0), dout.shape(1), std::size_t{1}, std::size_t{1}});
    }
    auto g = spatial_batchnorm_backward_fast(take_rank<4>(std::move(dout), this->name()),
                                             require_cache(cache_, this->name()));
    this->keep_grads(g);
    return flat(give_any(std::move(g.dx)));
  }

 private:
  // (N, D, 1, 1) back to (N, D) for the flat layer
  static Tensor flat(Tensor t) {
    if constexpr (!Spatial) t.reshape({t.shape(0), t.shape(1)});
    return t;
  }
  std::optional<SpatialBatchNormFastCache> cache_;
};

// The pooling layers pad themselves; as the architecture specs (src/calculator/arch.cpp), they refuse a padding under which a
// window could lie entirely in the padding (a max of -infinity, an average of zeros).
void check_pool_pad(const char* function, std::size_t size, std::size_t pad) {
  if (2 * pad > size)
    throw value_error(function, "padding P = " + std::to_string(pad) + " is more than half the window F = " +
                                    std::to_string(size) + "; a window could lie entirely in the padding");
}

}  // namespace

namespace detail {

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

}  // namespace detail

// Each maker of a layer that is an exercise builds the library's layer, or with @p mine the one that calls the
// exercise functions (src/runtime/my_layers.cpp); the checks of the arguments come first, for both.
std::unique_ptr<Layer> make_conv(std::string name, std::size_t C, std::size_t K, std::size_t F, ConvParam param, Init init,
                                 bool bias, const LayerFunctions* mine) {
  // Refused here, naming the layer's maker, rather than at the first forward pass.
  if (C == 0 || K == 0 || F == 0)
    throw value_error("make_conv", name + ": channels C, filters K and size F must be at least 1, got C = " +
                                       std::to_string(C) + ", K = " + std::to_string(K) + ", F = " + std::to_string(F));
  if (param.stride == 0) throw value_error("make_conv", name + ": stride S must be at least 1, got 0");
  if (mine) return detail::my_conv(*mine, std::move(name), C, K, F, param, init, bias);
  return std::make_unique<Conv>(std::move(name), C, K, F, param, init, bias);
}
std::unique_ptr<Layer> make_relu(std::string name, const LayerFunctions* mine) {
  if (mine) return detail::my_relu(*mine, std::move(name));
  return std::make_unique<Relu>(std::move(name));
}
std::unique_ptr<Layer> make_max_pool(std::string name, std::size_t size, std::size_t stride, std::size_t pad,
                                     const LayerFunctions* mine) {
  check_pool_pad("make_max_pool", size, pad);
  if (mine) return detail::my_pool(*mine, true, std::move(name), size, stride, pad);
  return std::make_unique<Pool<true>>(std::move(name), size, stride, pad);
}
std::unique_ptr<Layer> make_avg_pool(std::string name, std::size_t size, std::size_t stride, std::size_t pad,
                                     const LayerFunctions* mine) {
  check_pool_pad("make_avg_pool", size, pad);
  if (mine) return detail::my_pool(*mine, false, std::move(name), size, stride, pad);
  return std::make_unique<Pool<false>>(std::move(name), size, stride, pad);
}
std::unique_ptr<Layer> make_lrn(std::string name, LrnParam param, const LayerFunctions* mine) {
  if (mine) return detail::my_lrn(*mine, std::move(name), param);
  return std::make_unique<Lrn>(std::move(name), param);
}
std::unique_ptr<Layer> make_global_avg_pool(std::string name, const LayerFunctions* mine) {
  if (mine) return detail::my_global_avg_pool(*mine, std::move(name));
  return std::make_unique<GlobalAvgPool>(std::move(name));
}
std::unique_ptr<Layer> make_flatten(std::string name) { return std::make_unique<Flatten>(std::move(name)); }
std::unique_ptr<Layer> make_scores(std::string name) { return std::make_unique<Scores>(std::move(name)); }
std::unique_ptr<Layer> make_affine(std::string name, std::size_t D, std::size_t M, Init init, bool bias,
                                   const LayerFunctions* mine) {
  if (mine) return detail::my_affine(*mine, std::move(name), D, M, init, bias);
  return std::make_unique<Affine>(std::move(name), D, M, init, bias);
}
std::unique_ptr<Layer> make_dropout(std::string name, double p_drop, std::uint64_t seed, const LayerFunctions* mine) {
  if (!(p_drop >= 0.0 && p_drop < 1.0))
    throw value_error("make_dropout",
                      name + ": p_drop is the probability of zeroing a unit and must be in [0, 1), got " + num_str(p_drop));
  if (mine) return detail::my_dropout(*mine, std::move(name), p_drop, seed);
  return std::make_unique<Dropout>(std::move(name), p_drop, seed);
}
std::unique_ptr<Layer> make_spatial_batchnorm(std::string name, std::size_t C, double momentum, const LayerFunctions* mine) {
  if (mine) return detail::my_batchnorm(*mine, true, std::move(name), C, momentum);
  return std::make_unique<BatchNorm<true>>(std::move(name), C, momentum);
}
std::unique_ptr<Layer> make_batchnorm(std::string name, std::size_t D, double momentum, const LayerFunctions* mine) {
  if (mine) return detail::my_batchnorm(*mine, false, std::move(name), D, momentum);
  return std::make_unique<BatchNorm<false>>(std::move(name), D, momentum);
}

}  // namespace cnn
