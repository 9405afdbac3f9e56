// What the two implementations of each layer share (src/runtime/layer_objects.cpp: the library's; src/runtime/my_layers.cpp:
// the exercise functions'): the parameters and how they are drawn, named and described, so that a model of
// either set starts from the same numbers and saves the same files. Internal to the runtime.
#pragma once

#include <cmath>
#include <limits>
#include <optional>
#include <string>

#include "layers/batchnorm.hpp"
#include "layers/conv.hpp"
#include "runtime/layer_set.hpp"
#include "runtime/model.hpp"
#include "layers/pool.hpp"

namespace cnn::detail {

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

template <class Cache>
const Cache& require_cache(const std::optional<Cache>& cache, const std::string& layer) {
  if (!cache) throw value_error("Layer::backward", layer + ": backward called before any forward pass");
  return *cache;
}

// A convolution's filters w (K, C, F, F) and biases b (K), with their gradients; without a bias (a batch norm
// follows and its beta shifts instead), b stays 0 and is not a parameter.
class ConvParams : public Layer {
 public:
  ConvParams(std::string name, std::size_t C, std::size_t K, std::size_t F, ConvParam param, Init init, bool bias)
      : Layer(std::move(name)), param_(param), init_(init), bias_(bias), w_(xt::zeros<double>({K, C, F, F})),
        b_(xt::zeros<double>({K})), dw_(w_), db_(b_) {}
  std::string describe() const override {
    return "conv " + std::to_string(w_.shape(0)) + "@" + std::to_string(w_.shape(2)) + "x" +
           std::to_string(w_.shape(3)) + " stride " + std::to_string(param_.stride) + " pad " + std::to_string(param_.pad);
  }
  std::vector<ParamView> params() override {
    if (!bias_) return {view(name(), "w", w_, dw_)};
    return {view(name(), "w", w_, dw_), view(name(), "b", b_, db_)};
  }
  void initialize(Rng& rng) override {
    draw_weights(w_, w_.shape(1) * w_.shape(2) * w_.shape(3), init_, rng);
    b_.fill(0.0);
  }

 protected:
  ConvParam param_;
  Init init_;
  bool bias_;
  Tensor4 w_;
  Tensor1 b_;
  Tensor4 dw_;
  Tensor1 db_;
};

// A fully connected layer's weights w (D, M) and biases b (M), with their gradients.
class AffineParams : public Layer {
 public:
  AffineParams(std::string name, std::size_t D, std::size_t M, Init init, bool bias)
      : Layer(std::move(name)), init_(init), bias_(bias), w_(xt::zeros<double>({D, M})), b_(xt::zeros<double>({M})),
        dw_(w_), db_(b_) {}
  std::string describe() const override {
    return "affine " + std::to_string(w_.shape(0)) + " -> " + std::to_string(w_.shape(1));
  }
  std::vector<ParamView> params() override {
    if (!bias_) return {view(name(), "w", w_, dw_)};
    return {view(name(), "w", w_, dw_), view(name(), "b", b_, db_)};
  }
  void initialize(Rng& rng) override {
    draw_weights(w_, w_.shape(0), init_, rng);
    b_.fill(0.0);
  }

 protected:
  Init init_;
  bool bias_;
  Tensor2 w_;
  Tensor1 b_;
  Tensor2 dw_;
  Tensor1 db_;
};

// Pooling layers pad themselves, around the pooling functions, which do not: the input is surrounded by P
// entries of `fill` (-infinity for max pooling, so padding never wins; 0 for average pooling, counted in the
// divisor as PyTorch's default does) and the gradient is cropped back.
Tensor4 pad_input(const Tensor4& x, std::size_t P, double fill);
Tensor4 crop_grad(const Tensor4& dxp, std::size_t P);

template <bool Max>
class PoolBase : public Layer {
 public:
  PoolBase(std::string name, std::size_t size, std::size_t stride, std::size_t pad)
      : Layer(std::move(name)), param_{size, size, stride}, pad_(pad) {}
  std::string describe() const override {
    return std::string(Max ? "max" : "avg") + " pool " + std::to_string(param_.height) + "x" +
           std::to_string(param_.width) + " stride " + std::to_string(param_.stride) +
           (pad_ ? " pad " + std::to_string(pad_) : "");
  }

 protected:
  Tensor4 padded(Tensor x) {
    Tensor4 x4 = take_rank<4>(std::move(x), name());
    return pad_ ? pad_input(x4, pad_, Max ? -std::numeric_limits<double>::infinity() : 0.0) : std::move(x4);
  }
  Tensor cropped(Tensor4&& dx) const { return give_any(pad_ ? crop_grad(dx, pad_) : std::move(dx)); }

  PoolParam param_;
  std::size_t pad_;
};

// Batch normalization's scale gamma and shift beta over D features (or C channels, Spatial), their gradients
// and the running statistics, which are saved with the model (buffers) but not trained.
template <bool Spatial>
class BatchNormParams : public Layer {
 public:
  BatchNormParams(std::string name, std::size_t features, double momentum)
      : Layer(std::move(name)), momentum_(momentum), gamma_(xt::ones<double>({features})),
        beta_(xt::zeros<double>({features})), dgamma_(xt::zeros<double>({features})),
        dbeta_(xt::zeros<double>({features})), state_(batchnorm_state(features)) {}
  std::string describe() const override {
    return std::string(Spatial ? "spatial batchnorm " : "batchnorm ") + std::to_string(gamma_.size());
  }
  std::vector<ParamView> params() override {
    return {view(name(), "gamma", gamma_, dgamma_), view(name(), "beta", beta_, dbeta_)};
  }
  std::vector<ParamView> buffers() override {
    auto buffer = [&](const char* what, Tensor1& t) {
      return ParamView{name() + "." + what, {t.size()}, std::span<double>(t.data(), t.size()), {}};
    };
    return {buffer("running_mean", state_.running_mean), buffer("running_var", state_.running_var)};
  }
  void initialize(Rng&) override {
    gamma_.fill(1.0);
    beta_.fill(0.0);
    state_ = batchnorm_state(gamma_.size());
  }

 protected:
  BatchNormParam param(Mode mode) const {
    BatchNormParam p;
    p.mode = mode;
    p.momentum = momentum_;
    return p;
  }
  template <class Grads>
  void keep_grads(Grads& g) {
    dgamma_ = std::move(g.dgamma);
    dbeta_ = std::move(g.dbeta);
  }

  double momentum_;
  Tensor1 gamma_, beta_, dgamma_, dbeta_;
  BatchNormState state_;
};

// Inverted dropout's probability and the generator its masks are drawn from (one per layer, seeded by the
// model's builder).
class DropoutBase : public Layer {
 public:
  DropoutBase(std::string name, double p_drop, std::uint64_t seed) : Layer(std::move(name)), p_drop_(p_drop), rng_(seed) {}
  std::string describe() const override { return "dropout p_drop " + std::to_string(p_drop_).substr(0, 4); }

 protected:
  double p_drop_;
  Rng rng_;
};

// The layers of the `mine` set (src/runtime/my_layers.cpp): the same parameters, the exercise functions.
std::unique_ptr<Layer> my_conv(const LayerFunctions& f, std::string name, std::size_t C, std::size_t K, std::size_t F,
                               ConvParam param, Init init, bool bias);
std::unique_ptr<Layer> my_relu(const LayerFunctions& f, std::string name);
std::unique_ptr<Layer> my_pool(const LayerFunctions& f, bool max, std::string name, std::size_t size, std::size_t stride,
                               std::size_t pad);
std::unique_ptr<Layer> my_affine(const LayerFunctions& f, std::string name, std::size_t D, std::size_t M, Init init,
                                 bool bias);
std::unique_ptr<Layer> my_lrn(const LayerFunctions& f, std::string name, LrnParam param);
std::unique_ptr<Layer> my_global_avg_pool(const LayerFunctions& f, std::string name);
std::unique_ptr<Layer> my_dropout(const LayerFunctions& f, std::string name, double p_drop, std::uint64_t seed);
std::unique_ptr<Layer> my_batchnorm(const LayerFunctions& f, bool spatial, std::string name, std::size_t features,
                                    double momentum);

}  // namespace cnn::detail
