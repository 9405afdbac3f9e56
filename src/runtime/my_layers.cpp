// The layers of the `mine` set (src/runtime/layer_set.hpp): each calls one pair of exercise functions through
// the set's table, by their public contract (forward(x, params) -> out and cache, backward(dout, cache) ->
// gradients), keeps the cache between the two passes and copies the parameters' gradients into its own arrays.
// Parameters, their names and their initial values are the library layers' (src/runtime/layer_parts.hpp).
#include <optional>

#include "internals/blas_threads.hpp"
#include "runtime/layer_set.hpp"
#include "runtime/model.hpp"
#include "runtime/layer_parts.hpp"

namespace cnn::detail {

namespace {

class MyConv final : public ConvParams {
 public:
  MyConv(const LayerFunctions& f, std::string name, std::size_t C, std::size_t K, std::size_t F, ConvParam param,
         Init init, bool bias)
      : ConvParams(std::move(name), C, K, F, param, init, bias), f_(f) {}
  // The exercises call BLAS themselves (im2col's product, affine's): on this thread (blas_threads.hpp).
  Tensor forward(Tensor x, Mode) override {
    const BlasOnOneThread one_thread;
    auto r = f_.conv_forward(take_rank<4>(std::move(x), name()), w_, b_, param_);
    cache_ = std::move(r.cache);
    return give_any(std::move(r.out));
  }
  Tensor backward(Tensor dout) override {
    const BlasOnOneThread one_thread;
    auto g = f_.conv_backward(take_rank<4>(std::move(dout), name()), require_cache(cache_, name()));
    dw_ = std::move(g.dw);
    if (bias_) db_ = std::move(g.db);  // without a bias, b stays 0 and db is not a parameter's gradient
    return give_any(std::move(g.dx));
  }

 private:
  const LayerFunctions& f_;
  std::optional<ConvCache> cache_;
};

class MyAffine final : public AffineParams {
 public:
  MyAffine(const LayerFunctions& f, std::string name, std::size_t D, std::size_t M, Init init, bool bias)
      : AffineParams(std::move(name), D, M, init, bias), f_(f) {}
  Tensor forward(Tensor x, Mode) override {
    const BlasOnOneThread one_thread;
    auto r = f_.affine_forward(x, w_, b_);
    cache_ = std::move(r.cache);
    return give_any(std::move(r.out));
  }
  Tensor backward(Tensor dout) override {
    const BlasOnOneThread one_thread;
    auto g = f_.affine_backward(take_rank<2>(std::move(dout), name()), require_cache(cache_, name()));
    dw_ = std::move(g.dw);
    if (bias_) db_ = std::move(g.db);
    return std::move(g.dx);
  }

 private:
  const LayerFunctions& f_;
  std::optional<AffineCache> cache_;
};

class MyRelu final : public Layer {
 public:
  MyRelu(const LayerFunctions& f, std::string name) : Layer(std::move(name)), f_(f) {}
  std::string describe() const override { return "relu"; }
  Tensor forward(Tensor x, Mode) override {
    auto r = f_.relu_forward(x);
    cache_ = std::move(r.cache);
    return std::move(r.out);
  }
  Tensor backward(Tensor dout) override { return f_.relu_backward(dout, require_cache(cache_, name())).dx; }

 private:
  const LayerFunctions& f_;
  std::optional<ReluCache> cache_;
};

template <bool Max>
class MyPool final : public PoolBase<Max> {
 public:
  MyPool(const LayerFunctions& f, std::string name, std::size_t size, std::size_t stride, std::size_t pad)
      : PoolBase<Max>(std::move(name), size, stride, pad), f_(f) {}
  Tensor forward(Tensor x, Mode) override {
    const Tensor4 x4 = this->padded(std::move(x));
    if constexpr (Max) {
      auto r = f_.max_pool_forward(x4, this->param_);
      cache_ = std::move(r.cache);
      return give_any(std::move(r.out));
    } else {
      auto r = f_.avg_pool_forward(x4, this->param_);
      cache_ = std::move(r.cache);
      return give_any(std::move(r.out));
    }
  }
  Tensor backward(Tensor dout) override {
    const Tensor4 d = take_rank<4>(std::move(dout), this->name());
    if constexpr (Max)
      return this->cropped(f_.max_pool_backward(d, require_cache(cache_, this->name())).dx);
    else
      return this->cropped(f_.avg_pool_backward(d, require_cache(cache_, this->name())).dx);
  }

 private:
  const LayerFunctions& f_;
  std::optional<std::conditional_t<Max, MaxPoolCache, AvgPoolCache>> cache_;
};

class MyLrn final : public Layer {
 public:
  MyLrn(const LayerFunctions& f, std::string name, LrnParam param) : Layer(std::move(name)), f_(f), param_(param) {}
  std::string describe() const override { return "lrn n " + std::to_string(param_.size); }
  Tensor forward(Tensor x, Mode) override {
    auto r = f_.lrn_forward(take_rank<4>(std::move(x), name()), param_);
    cache_ = std::move(r.cache);
    return give_any(std::move(r.out));
  }
  Tensor backward(Tensor dout) override {
    return give_any(f_.lrn_backward(take_rank<4>(std::move(dout), name()), require_cache(cache_, name())).dx);
  }

 private:
  const LayerFunctions& f_;
  LrnParam param_;
  std::optional<LrnCache> cache_;
};

class MyGlobalAvgPool final : public Layer {
 public:
  MyGlobalAvgPool(const LayerFunctions& f, std::string name) : Layer(std::move(name)), f_(f) {}
  std::string describe() const override { return "global avg pool"; }
  Tensor forward(Tensor x, Mode) override {
    auto r = f_.global_avg_pool_forward(take_rank<4>(std::move(x), name()));
    cache_ = std::move(r.cache);
    return give_any(std::move(r.out));
  }
  Tensor backward(Tensor dout) override {
    return give_any(f_.global_avg_pool_backward(take_rank<2>(std::move(dout), name()), require_cache(cache_, name())).dx);
  }

 private:
  const LayerFunctions& f_;
  std::optional<GlobalAvgPoolCache> cache_;
};

class MyDropout final : public DropoutBase {
 public:
  MyDropout(const LayerFunctions& f, std::string name, double p_drop, std::uint64_t seed)
      : DropoutBase(std::move(name), p_drop, seed), f_(f) {}
  Tensor forward(Tensor x, Mode mode) override {
    auto r = f_.dropout_forward(x, DropoutParam{p_drop_, mode}, rng_);
    cache_ = std::move(r.cache);
    return std::move(r.out);
  }
  Tensor backward(Tensor dout) override { return f_.dropout_backward(dout, require_cache(cache_, name())).dx; }

 private:
  const LayerFunctions& f_;
  std::optional<DropoutCache> cache_;
};

template <bool Spatial>
class MyBatchNorm final : public BatchNormParams<Spatial> {
 public:
  MyBatchNorm(const LayerFunctions& f, std::string name, std::size_t features, double momentum)
      : BatchNormParams<Spatial>(std::move(name), features, momentum), f_(f) {}
  Tensor forward(Tensor x, Mode mode) override {
    if constexpr (Spatial) {
      auto r = f_.spatial_batchnorm_forward(take_rank<4>(std::move(x), this->name()), this->gamma_, this->beta_,
                                            this->param(mode), this->state_);
      cache_ = std::move(r.cache);
      return give_any(std::move(r.out));
    } else {
      auto r = f_.batchnorm_forward(take_rank<2>(std::move(x), this->name()), this->gamma_, this->beta_,
                                    this->param(mode), this->state_);
      cache_ = std::move(r.cache);
      return give_any(std::move(r.out));
    }
  }
  Tensor backward(Tensor dout) override {
    if constexpr (Spatial) {
      auto g = f_.spatial_batchnorm_backward(take_rank<4>(std::move(dout), this->name()), require_cache(cache_, this->name()));
      this->keep_grads(g);
      return give_any(std::move(g.dx));
    } else {
      auto g = f_.batchnorm_backward(take_rank<2>(std::move(dout), this->name()), require_cache(cache_, this->name()));
      this->keep_grads(g);
      return give_any(std::move(g.dx));
    }
  }

 private:
  const LayerFunctions& f_;
  std::optional<std::conditional_t<Spatial, SpatialBatchNormCache, BatchNormCache>> cache_;
};

}  // namespace

std::unique_ptr<Layer> my_conv(const LayerFunctions& f, std::string name, std::size_t C, std::size_t K, std::size_t F,
                               ConvParam param, Init init, bool bias) {
  return std::make_unique<MyConv>(f, std::move(name), C, K, F, param, init, bias);
}
std::unique_ptr<Layer> my_relu(const LayerFunctions& f, std::string name) {
  return std::make_unique<MyRelu>(f, std::move(name));
}
std::unique_ptr<Layer> my_pool(const LayerFunctions& f, bool max, std::string name, std::size_t size, std::size_t stride,
                               std::size_t pad) {
  if (max) return std::make_unique<MyPool<true>>(f, std::move(name), size, stride, pad);
  return std::make_unique<MyPool<false>>(f, std::move(name), size, stride, pad);
}
std::unique_ptr<Layer> my_affine(const LayerFunctions& f, std::string name, std::size_t D, std::size_t M, Init init,
                                 bool bias) {
  return std::make_unique<MyAffine>(f, std::move(name), D, M, init, bias);
}
std::unique_ptr<Layer> my_lrn(const LayerFunctions& f, std::string name, LrnParam param) {
  return std::make_unique<MyLrn>(f, std::move(name), param);
}
std::unique_ptr<Layer> my_global_avg_pool(const LayerFunctions& f, std::string name) {
  return std::make_unique<MyGlobalAvgPool>(f, std::move(name));
}
std::unique_ptr<Layer> my_dropout(const LayerFunctions& f, std::string name, double p_drop, std::uint64_t seed) {
  return std::make_unique<MyDropout>(f, std::move(name), p_drop, seed);
}
std::unique_ptr<Layer> my_batchnorm(const LayerFunctions& f, bool spatial, std::string name, std::size_t features,
                                    double momentum) {
  if (spatial) return std::make_unique<MyBatchNorm<true>>(f, std::move(name), features, momentum);
  return std::make_unique<MyBatchNorm<false>>(f, std::move(name), features, momentum);
}

}  // namespace cnn::detail
