// The library's softmax loss and update rules (see src/internals/training_fast.hpp): the formulas of the exercises
// in softmax.hpp and optim.hpp, one pass over flat arrays, checked the same way.
#include "internals/training_fast.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/checks.hpp"
#include "core/errors.hpp"

namespace cnn {

LossResult softmax_loss_fast(const Tensor2& x, const Labels& y) {
  check_labels("softmax_loss", x, y);
  const std::size_t N = x.shape(0), K = x.shape(1);
  const double Nd = static_cast<double>(N);
  LossResult r{0.0, Tensor2::from_shape({N, K})};
  for (std::size_t n = 0; n < N; ++n) {
    const double* s = x.data() + n * K;  // row n of the scores
    double* d = r.dx.data() + n * K;
    const double row_max = *std::max_element(s, s + K);
    double denom = 0.0;  // sum_k exp(s_k - row_max)
    for (std::size_t k = 0; k < K; ++k) denom += std::exp(s[k] - row_max);
    const double log_denom = std::log(denom);
    for (std::size_t k = 0; k < K; ++k) {
      const double log_p = s[k] - row_max - log_denom;
      d[k] = (std::exp(log_p) - (k == y(n) ? 1.0 : 0.0)) / Nd;
      if (k == y(n)) r.loss -= log_p / Nd;
    }
  }
  return r;
}

namespace {

// What every rule refuses: sizes that disagree, a learning rate or weight decay that is negative or not finite,
// a hyperparameter outside its range, and a state vector of another parameter.
void check_sizes(const char* function, std::size_t w, std::size_t dw, double learning_rate, double weight_decay) {
  if (w != dw) throw shape_error(function, "w has " + std::to_string(w) + " entries but dw has " + std::to_string(dw));
  if (!(learning_rate >= 0.0) || !std::isfinite(learning_rate))
    throw value_error(function, "learning_rate must be finite and >= 0, got " + num_str(learning_rate));
  if (!(weight_decay >= 0.0) || !std::isfinite(weight_decay))
    throw value_error(function, "weight_decay must be finite and >= 0, got " + num_str(weight_decay));
}

void check_fraction(const char* function, const char* name, double value) {  // in [0, 1)
  if (!(value >= 0.0 && value < 1.0)) throw value_error(function, std::string(name) + " must be in [0, 1), got " + num_str(value));
}

void check_epsilon(const char* function, double value) {
  if (!(value > 0.0)) throw value_error(function, "epsilon must be > 0, got " + num_str(value));
}

// A state vector starts empty and becomes n zeros.
double* state(const char* function, const char* name, std::vector<double>& v, std::size_t n) {
  if (v.empty()) v.assign(n, 0.0);
  if (v.size() != n)
    throw shape_error(function, std::string(name) + " has " + std::to_string(v.size()) + " entries but w has " +
                                    std::to_string(n) + ": one config per parameter");
  return v.data();
}

}  // namespace

void sgd_fast(std::span<double> w, std::span<const double> dw, const SgdConfig& c) {
  check_sizes("sgd", w.size(), dw.size(), c.learning_rate, c.weight_decay);
  const double lr = c.learning_rate, wd = c.weight_decay;
  for (std::size_t i = 0; i < w.size(); ++i) w[i] -= lr * (dw[i] + wd * w[i]);
}

void sgd_momentum_fast(std::span<double> w, std::span<const double> dw, MomentumConfig& c) {
  check_sizes("sgd_momentum", w.size(), dw.size(), c.learning_rate, c.weight_decay);
  check_fraction("sgd_momentum", "momentum", c.momentum);
  double* v = state("sgd_momentum", "velocity", c.velocity, w.size());
  const double lr = c.learning_rate, mu = c.momentum, wd = c.weight_decay;
  for (std::size_t i = 0; i < w.size(); ++i) {
    v[i] = mu * v[i] - lr * (dw[i] + wd * w[i]);
    w[i] += v[i];
  }
}

void nesterov_fast(std::span<double> w, std::span<const double> dw, NesterovConfig& c) {
  check_sizes("nesterov", w.size(), dw.size(), c.learning_rate, c.weight_decay);
  check_fraction("nesterov", "momentum", c.momentum);
  double* v = state("nesterov", "velocity", c.velocity, w.size());
  const double lr = c.learning_rate, mu = c.momentum, wd = c.weight_decay;
  for (std::size_t i = 0; i < w.size(); ++i) {
    const double v_prev = v[i];
    v[i] = mu * v[i] - lr * (dw[i] + wd * w[i]);
    w[i] += -mu * v_prev + (1.0 + mu) * v[i];
  }
}

void adagrad_fast(std::span<double> w, std::span<const double> dw, AdagradConfig& c) {
  check_sizes("adagrad", w.size(), dw.size(), c.learning_rate, c.weight_decay);
  check_epsilon("adagrad", c.epsilon);
  double* cache = state("adagrad", "cache", c.cache, w.size());
  const double lr = c.learning_rate, eps = c.epsilon, wd = c.weight_decay;
  for (std::size_t i = 0; i < w.size(); ++i) {
    const double g = dw[i] + wd * w[i];
    cache[i] += g * g;
    w[i] -= lr * g / (std::sqrt(cache[i]) + eps);
  }
}

void rmsprop_fast(std::span<double> w, std::span<const double> dw, RmspropConfig& c) {
  check_sizes("rmsprop", w.size(), dw.size(), c.learning_rate, c.weight_decay);
  check_fraction("rmsprop", "decay_rate", c.decay_rate);
  check_epsilon("rmsprop", c.epsilon);
  double* cache = state("rmsprop", "cache", c.cache, w.size());
  const double lr = c.learning_rate, rho = c.decay_rate, eps = c.epsilon, wd = c.weight_decay, fresh = 1.0 - rho;
  for (std::size_t i = 0; i < w.size(); ++i) {
    const double g = dw[i] + wd * w[i];
    cache[i] = rho * cache[i] + fresh * g * g;
    w[i] -= lr * g / (std::sqrt(cache[i]) + eps);
  }
}

void adam_fast(std::span<double> w, std::span<const double> dw, AdamConfig& c) {
  check_sizes("adam", w.size(), dw.size(), c.learning_rate, c.weight_decay);
  check_fraction("adam", "beta1", c.beta1);
  check_fraction("adam", "beta2", c.beta2);
  check_epsilon("adam", c.epsilon);
  double* m = state("adam", "m", c.m, w.size());
  double* v = state("adam", "v", c.v, w.size());
  const double lr = c.learning_rate, b1 = c.beta1, b2 = c.beta2, eps = c.epsilon, wd = c.weight_decay;
  c.t += 1;
  // the bias corrections 1 - beta^t, the same for every entry
  const double t = static_cast<double>(c.t);
  const double c1 = 1.0 - std::pow(b1, t), c2 = 1.0 - std::pow(b2, t);
  const double fresh1 = 1.0 - b1, fresh2 = 1.0 - b2;
  for (std::size_t i = 0; i < w.size(); ++i) {
    const double g = dw[i] + wd * w[i];
    m[i] = b1 * m[i] + fresh1 * g;
    v[i] = b2 * v[i] + fresh2 * g * g;
    w[i] -= lr * (m[i] / c1) / (std::sqrt(v[i] / c2) + eps);
  }
}

void adadelta_fast(std::span<double> w, std::span<const double> dw, AdadeltaConfig& c) {
  check_sizes("adadelta", w.size(), dw.size(), c.learning_rate, c.weight_decay);
  check_fraction("adadelta", "rho", c.rho);
  check_epsilon("adadelta", c.epsilon);
  double* s = state("adadelta", "square_avg", c.square_avg, w.size());
  double* u = state("adadelta", "delta_avg", c.delta_avg, w.size());
  const double lr = c.learning_rate, rho = c.rho, eps = c.epsilon, wd = c.weight_decay, fresh = 1.0 - rho;
  for (std::size_t i = 0; i < w.size(); ++i) {
    const double g = dw[i] + wd * w[i];
    s[i] = rho * s[i] + fresh * g * g;                                // running mean of g^2
    const double step = std::sqrt(u[i] + eps) / std::sqrt(s[i] + eps) * g;  // RMS of past steps / RMS of g, times g
    u[i] = rho * u[i] + fresh * step * step;                          // running mean of step^2
    w[i] -= lr * step;
  }
}

}  // namespace cnn
