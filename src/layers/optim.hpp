/// @file optim.hpp
/// @brief Update rules: how a parameter moves given its gradient (SGD, momentum, Nesterov, AdaGrad, RMSProp,
/// Adam, AdaDelta).
///
/// Contract, as in the course's `optim.py`: one call per parameter per step,
/// `rule(w, dw, config)`, which updates @p w in place and keeps the rule's state (velocity, caches, step count)
/// in @p config. Give every parameter its own config. The state vectors start empty and are sized (zeros) on
/// the first call. Every rule applies L2 weight decay the same way, by adding @f$\lambda w@f$ to the gradient
/// (@f$g = dw + \lambda w@f$), as PyTorch's optimizers do (not AdamW's decoupled decay).
///
/// Exercise: `exercises/optim.cpp`. Tests: `tests/test_optim.cpp` (`./lab check optim`), against PyTorch's torch.optim. Page: @ref update_rules.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace cnn {

/// @brief Plain stochastic gradient descent: @f$ w \leftarrow w - \eta\, g @f$.
struct SgdConfig {
  double learning_rate = 1e-2;  ///< @f$\eta@f$
  double weight_decay = 0.0;    ///< @f$\lambda@f$ (L2), added to the gradient
};

/// @brief SGD with momentum: @f$ v \leftarrow \mu v - \eta g,\; w \leftarrow w + v @f$.
struct MomentumConfig {
  double learning_rate = 1e-2;   ///< @f$\eta@f$
  double momentum = 0.9;         ///< @f$\mu@f$, in [0, 1)
  double weight_decay = 0.0;     ///< @f$\lambda@f$ (L2), added to the gradient
  std::vector<double> velocity;  ///< state @f$v@f$, same size as w (zeros on the first call)
};

/// @brief Nesterov momentum, in the form of the course notes (the gradient is taken at w, not at the look-ahead):
/// @f$ v' = \mu v - \eta g,\; w \leftarrow w - \mu v + (1 + \mu) v' @f$. Same trajectory as PyTorch's
/// `SGD(nesterov=True)`, whose velocity is @f$-v/\eta@f$.
struct NesterovConfig {
  double learning_rate = 1e-2;   ///< @f$\eta@f$
  double momentum = 0.9;         ///< @f$\mu@f$, in [0, 1)
  double weight_decay = 0.0;     ///< @f$\lambda@f$ (L2), added to the gradient
  std::vector<double> velocity;  ///< state @f$v@f$ (zeros on the first call)
};

/// @brief AdaGrad: per-entry step sizes from the sum of squared gradients:
/// @f$ c \leftarrow c + g^2,\; w \leftarrow w - \eta\, g / (\sqrt{c} + \epsilon) @f$.
struct AdagradConfig {
  double learning_rate = 1e-2;  ///< @f$\eta@f$
  double epsilon = 1e-10;       ///< @f$\epsilon@f$, keeps the division finite (PyTorch's default)
  double weight_decay = 0.0;    ///< @f$\lambda@f$ (L2), added to the gradient
  std::vector<double> cache;    ///< state @f$c@f$ (zeros on the first call)
};

/// @brief RMSProp: AdaGrad with a leaky average:
/// @f$ c \leftarrow \rho c + (1 - \rho) g^2,\; w \leftarrow w - \eta\, g / (\sqrt{c} + \epsilon) @f$.
struct RmspropConfig {
  double learning_rate = 1e-2;  ///< @f$\eta@f$
  double decay_rate = 0.99;     ///< @f$\rho@f$, in [0, 1)
  double epsilon = 1e-8;        ///< @f$\epsilon@f$
  double weight_decay = 0.0;    ///< @f$\lambda@f$ (L2), added to the gradient
  std::vector<double> cache;    ///< state @f$c@f$ (zeros on the first call)
};

/// @brief Adam: momentum on the gradient and RMSProp's scaling, both bias-corrected:
/// @f[ t \leftarrow t+1,\; m \leftarrow \beta_1 m + (1-\beta_1) g,\; v \leftarrow \beta_2 v + (1-\beta_2) g^2,\;
///     w \leftarrow w - \eta\, \frac{m / (1-\beta_1^t)}{\sqrt{v / (1-\beta_2^t)} + \epsilon}. @f]
struct AdamConfig {
  double learning_rate = 1e-3;  ///< @f$\eta@f$
  double beta1 = 0.9;           ///< @f$\beta_1@f$, in [0, 1)
  double beta2 = 0.999;         ///< @f$\beta_2@f$, in [0, 1)
  double epsilon = 1e-8;        ///< @f$\epsilon@f$
  double weight_decay = 0.0;    ///< @f$\lambda@f$ (L2), added to the gradient
  std::vector<double> m;        ///< state: first moment (zeros on the first call)
  std::vector<double> v;        ///< state: second moment (zeros on the first call)
  std::size_t t = 0;            ///< state: steps taken
};

/// @brief AdaDelta: step sizes from the ratio of two leaky averages, no learning rate needed (1 by default):
/// @f[ s \leftarrow \rho s + (1-\rho) g^2,\; \Delta = \frac{\sqrt{u + \epsilon}}{\sqrt{s + \epsilon}}\, g,\;
///     u \leftarrow \rho u + (1-\rho) \Delta^2,\; w \leftarrow w - \eta \Delta. @f]
struct AdadeltaConfig {
  double learning_rate = 1.0;     ///< @f$\eta@f$ (the method's paper has none, i.e. 1)
  double rho = 0.9;               ///< @f$\rho@f$, in [0, 1)
  double epsilon = 1e-6;          ///< @f$\epsilon@f$
  double weight_decay = 0.0;      ///< @f$\lambda@f$ (L2), added to the gradient
  std::vector<double> square_avg; ///< state @f$s@f$ (zeros on the first call)
  std::vector<double> delta_avg;  ///< state @f$u@f$ (zeros on the first call)
};

/// @brief One SGD step on @p w (updated in place).
/// @param w       a parameter's values, any shape, flattened
/// @param dw      its gradient, same size
/// @param config  hyperparameters
/// @throws cnn::shape_error when @p w and @p dw differ in size
/// @throws cnn::value_error when a hyperparameter is out of range (negative learning rate, ...)
void sgd(std::span<double> w, std::span<const double> dw, const SgdConfig& config);
/// @brief One momentum step on @p w; @p config keeps the velocity. Throws as sgd.
/// @param w  a parameter's values, flattened  @param dw its gradient  @param config hyperparameters and state
void sgd_momentum(std::span<double> w, std::span<const double> dw, MomentumConfig& config);
/// @brief One Nesterov momentum step on @p w; @p config keeps the velocity. Throws as sgd.
/// @param w  a parameter's values, flattened  @param dw its gradient  @param config hyperparameters and state
void nesterov(std::span<double> w, std::span<const double> dw, NesterovConfig& config);
/// @brief One AdaGrad step on @p w; @p config keeps the sum of squares. Throws as sgd.
/// @param w  a parameter's values, flattened  @param dw its gradient  @param config hyperparameters and state
void adagrad(std::span<double> w, std::span<const double> dw, AdagradConfig& config);
/// @brief One RMSProp step on @p w; @p config keeps the leaky average of squares. Throws as sgd.
/// @param w  a parameter's values, flattened  @param dw its gradient  @param config hyperparameters and state
void rmsprop(std::span<double> w, std::span<const double> dw, RmspropConfig& config);
/// @brief One Adam step on @p w; @p config keeps both moments and the step count. Throws as sgd.
/// @param w  a parameter's values, flattened  @param dw its gradient  @param config hyperparameters and state
void adam(std::span<double> w, std::span<const double> dw, AdamConfig& config);
/// @brief One AdaDelta step on @p w; @p config keeps both leaky averages. Throws as sgd.
/// @param w  a parameter's values, flattened  @param dw its gradient  @param config hyperparameters and state
void adadelta(std::span<double> w, std::span<const double> dw, AdadeltaConfig& config);

}  // namespace cnn
