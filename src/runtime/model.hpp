/// @file model.hpp
/// @brief Networks made of layer objects that own their parameters and gradients: the runtime behind the
/// training program and the model zoo's forward passes.
///
/// Each layer object runs one layer's forward and backward pass and keeps what the backward pass needs. Which
/// code that is, is the model's LayerSet (layer_set.hpp): the library's own fast versions (the reference
/// runtime) or, for the layers that are exercises, the exercise functions (`train --layers mine`). Activations travel between layers as
/// Tensor (any rank); a layer that needs a fixed rank takes the storage over without copying it.
/// Page: @ref training.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "runtime/layer_set.hpp"
#include "layers/lrn.hpp"
#include "core/mode.hpp"
#include "core/random.hpp"
#include "core/shapes.hpp"
#include "core/tensor.hpp"

namespace cnn {

namespace arch {
struct Architecture;
struct Shape;
}  // namespace arch

/// @brief A parameter as the optimizer and checkpoints see it: name, shape, values and gradient.
struct ParamView {
  std::string name;                 ///< "<layer>.<param>", e.g. "conv1.w"
  std::vector<std::size_t> shape;   ///< its shape
  std::span<double> value;          ///< its values, row-major
  std::span<double> grad;           ///< dL/d(value) from the last backward pass, same layout
};

/// @brief How a layer's weights are drawn: normal, mean 0, standard deviation sqrt(gain / fan_in).
enum class Init {
  he,      ///< gain 2 ("Xavier / 2" in the lecture): keeps activations' variance through ReLU layers
  xavier   ///< gain 1 (the lecture's Xavier, 1/sqrt(fan_in)): for layers without ReLU
};

/// @brief One layer of a network: a forward and a backward pass and the parameters it owns.
class Layer {
 public:
  /// @param name the layer's name in tables and parameter names, e.g. "conv1"
  explicit Layer(std::string name) : name_(std::move(name)) {}
  virtual ~Layer() = default;
  Layer(const Layer&) = delete;
  Layer& operator=(const Layer&) = delete;

  /// @brief The layer's name.
  const std::string& name() const { return name_; }
  /// @brief One line saying what it is, e.g. "conv 6@5x5 stride 1 pad 2".
  virtual std::string describe() const = 0;
  /// @brief Forward pass; keeps what backward needs.
  /// @param x     input (its storage may be taken over)
  /// @param mode  train or test (dropout and batch normalization behave differently)
  virtual Tensor forward(Tensor x, Mode mode) = 0;
  /// @brief Backward pass of the last forward pass: stores the parameters' gradients, returns dL/dx.
  /// @throws cnn::value_error when called before any forward pass
  virtual Tensor backward(Tensor dout) = 0;
  /// @brief Backward pass for the first layer of a network, whose dL/dx nobody uses: stores the parameters'
  /// gradients only. The default calls backward and drops dx; a layer that can skip work overrides it.
  /// @throws cnn::value_error when called before any forward pass
  virtual void backward_params(Tensor dout) { backward(std::move(dout)); }
  /// @brief The parameters with their gradients (none for ReLU, pooling, dropout).
  virtual std::vector<ParamView> params() { return {}; }
  /// @brief State that is not trained by gradients but must be saved with the model (batch normalization's
  /// running statistics); their grad spans are empty.
  virtual std::vector<ParamView> buffers() { return {}; }
  /// @brief Draws fresh weights and zero biases.
  virtual void initialize(Rng& rng) { (void)rng; }

 private:
  std::string name_;
};

// The makers of the layers that are exercises take @p mine: null (the default) builds the library's layer,
// otherwise a layer that calls these exercise functions (LayerSet::layers). Both have the same parameters,
// drawn the same way.

/// @brief A convolution, K filters of F x F over C input channels (the library's conv_forward_fast, or
/// mine->conv_forward); without @p bias, b stays 0 and is not a parameter.
/// @throws cnn::value_error naming make_conv and the layer when C, K, F or the stride is 0
std::unique_ptr<Layer> make_conv(std::string name, std::size_t C, std::size_t K, std::size_t F, ConvParam param,
                                 Init init = Init::he, bool bias = true, const LayerFunctions* mine = nullptr);
/// @brief ReLU (in place, or mine->relu_forward).
std::unique_ptr<Layer> make_relu(std::string name, const LayerFunctions* mine = nullptr);
/// @brief Max pooling with a window of @p size x @p size at @p stride (the fast version, or
/// mine->max_pool_forward); @p pad surrounds the input with -infinity first.
/// @throws cnn::value_error when @p pad is more than half of @p size (a window could lie entirely in the padding)
std::unique_ptr<Layer> make_max_pool(std::string name, std::size_t size, std::size_t stride, std::size_t pad = 0,
                                     const LayerFunctions* mine = nullptr);
/// @brief Average pooling with a window of @p size x @p size at @p stride (the fast version, or
/// mine->avg_pool_forward); @p pad surrounds the input with zeros first, which count in the divisor (PyTorch's
/// default).
/// @throws cnn::value_error when @p pad is more than half of @p size
std::unique_ptr<Layer> make_avg_pool(std::string name, std::size_t size, std::size_t stride, std::size_t pad = 0,
                                     const LayerFunctions* mine = nullptr);
/// @brief A fully connected layer from D inputs (the input flattened) to M outputs (BLAS products, or
/// mine->affine_forward).
std::unique_ptr<Layer> make_affine(std::string name, std::size_t D, std::size_t M, Init init = Init::he,
                                   bool bias = true, const LayerFunctions* mine = nullptr);
/// @brief Local response normalization across channels.
std::unique_ptr<Layer> make_lrn(std::string name, LrnParam param, const LayerFunctions* mine = nullptr);
/// @brief Global average pooling, (N, C, H, W) to (N, C).
std::unique_ptr<Layer> make_global_avg_pool(std::string name, const LayerFunctions* mine = nullptr);
/// @brief Flattens (N, d1, ..., dk) to (N, D) (not an exercise: the same layer in both sets).
std::unique_ptr<Layer> make_flatten(std::string name);
/// @brief The network's final softmax, which the loss applies: passes scores through unchanged.
std::unique_ptr<Layer> make_scores(std::string name);
/// @brief Inverted dropout with probability @p p_drop of zeroing a unit, masks drawn from @p seed.
/// @throws cnn::value_error naming make_dropout and the layer when p_drop is outside [0, 1)
std::unique_ptr<Layer> make_dropout(std::string name, double p_drop, std::uint64_t seed,
                                    const LayerFunctions* mine = nullptr);
/// @brief Spatial batch normalization over C channels (gamma 1, beta 0, running statistics owned by the layer).
std::unique_ptr<Layer> make_spatial_batchnorm(std::string name, std::size_t C, double momentum = 0.9,
                                              const LayerFunctions* mine = nullptr);
/// @brief Batch normalization over D features of an (N, D) input.
std::unique_ptr<Layer> make_batchnorm(std::string name, std::size_t D, double momentum = 0.9,
                                      const LayerFunctions* mine = nullptr);

/// @brief A network: layers applied in order, then the softmax loss.
class Model {
 public:
  /// @param set the loss and update rules the model trains with (its layers are built with the same set's
  /// functions by build_model; Model::add takes any layer)
  explicit Model(LayerSet set = reference_layers()) : set_(std::move(set)) {}
  /// @brief Appends a layer; returns *this so that definitions read top to bottom.
  Model& add(std::unique_ptr<Layer> layer);
  /// @brief Runs every layer forward.
  Tensor forward(Tensor x, Mode mode);
  /// @brief Runs every layer backward, from the last.
  Tensor backward(Tensor dout);
  /// @brief One training step's pass: forward in train mode, softmax loss, backward; the gradients are left
  /// in the layers. Returns the data loss.
  /// @param x  images, shape (N, C, H, W)
  /// @param y  labels, shape (N)
  double loss_and_gradients(const Tensor4& x, const Labels& y);
  /// @brief Class scores in test mode, shape (N, K).
  Tensor2 scores(const Tensor4& x);
  /// @brief Test-mode forward pass that also returns every layer's output, in order (for pictures and for
  /// checking shapes against the calculator).
  std::vector<Tensor> trace(const Tensor4& x);
  /// @brief Every parameter of every layer, in order.
  std::vector<ParamView> params();
  /// @brief Every buffer of every layer (running statistics), in order.
  std::vector<ParamView> buffers();
  /// @brief The total number of parameters.
  std::size_t num_params();
  /// @brief Draws fresh weights for every layer from @p rng.
  void initialize(Rng& rng);
  /// @brief The layers, in order.
  const std::vector<std::unique_ptr<Layer>>& layers() const { return layers_; }
  /// @brief The implementation the model runs: its loss, and the update rules a Solver applies to it.
  const LayerSet& layer_set() const { return set_; }

 private:
  LayerSet set_;
  std::vector<std::unique_ptr<Layer>> layers_;
};

/// @brief Builds a runnable model from an architecture spec of the model zoo (src/calculator/zoo.hpp), for its
/// published input size, with He-initialised weights drawn from @p seed. Blocks (inception, residual,
/// auxiliary classifier) become one layer each, whose parameters are named "<block>/<layer>.<param>".
/// @param net  the architecture spec
/// @param seed seeds the initial weights
/// @param set  which code the layers, the loss and the update rules run (the same seed gives the same initial
///             parameters in either set)
/// @throws cnn::value_error for a layer the runtime cannot run (grouped convolutions)
/// @throws cnn::shape_error for a convolution that does not tile its input at this size
Model build_model(const arch::Architecture& net, std::uint64_t seed = 0, const LayerSet& set = reference_layers());

/// @brief As above, for another input size (e.g. a reduced one, to run a large model quickly).
Model build_model(const arch::Architecture& net, const arch::Shape& input, std::uint64_t seed = 0,
                  const LayerSet& set = reference_layers());

/// @brief Takes over a Tensor's storage as a tensor of fixed rank N, without copying.
/// @throws cnn::shape_error naming @p function when the rank is not N
template <std::size_t N>
xt::xtensor<double, N> take_rank(Tensor&& t, std::string_view function) {
  if (t.dimension() != N)
    throw shape_error(function, "expected an input of rank " + std::to_string(N) + ", got shape " + shape_str(t.shape()));
  typename xt::xtensor<double, N>::inner_shape_type shape{};
  typename xt::xtensor<double, N>::inner_strides_type strides{};
  std::copy(t.shape().begin(), t.shape().end(), shape.begin());
  std::copy(t.strides().begin(), t.strides().end(), strides.begin());
  return xt::xtensor<double, N>(std::move(t.storage()), std::move(shape), std::move(strides));
}

/// @brief Hands a fixed-rank tensor's storage over to a Tensor, without copying.
template <std::size_t N>
Tensor give_any(xt::xtensor<double, N>&& t) {
  Tensor::inner_shape_type shape(t.shape().begin(), t.shape().end());
  Tensor::inner_strides_type strides(t.strides().begin(), t.strides().end());
  return Tensor(std::move(t.storage()), std::move(shape), std::move(strides));
}

}  // namespace cnn
