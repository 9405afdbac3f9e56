// The update rules, one entry at a time, as their formulas read (see src/layers/optim.hpp for the contract).
#include "layers/optim.hpp"

#include <cmath>
#include <string>

#include "core/checks.hpp"  // num_str
#include "core/errors.hpp"

namespace cnn {

namespace {

// Sizes must agree and the learning rate must be usable; `unit` is a second hyperparameter in [0, 1) or none.
void check_step(const char* function, std::span<double> w, std::span<const double> dw, double learning_rate,
                double weight_decay) {
  if (w.size() != dw.size())
    throw shape_error(function, "w has " + std::to_string(w.size()) + " entries but dw has " +
                                    std::to_string(dw.size()));
  if (!(learning_rate >= 0.0) || !std::isfinite(learning_rate))
    throw value_error(function, "learning_rate must be finite and >= 0, got " + num_str(learning_rate));
  if (!(weight_decay >= 0.0) || !std::isfinite(weight_decay))
    throw value_error(function, "weight_decay must be finite and >= 0, got " + num_str(weight_decay));
}

void check_unit(const char* function, const char* name, double value) {
  if (!(value >= 0.0 && value < 1.0))
    throw value_error(function, std::string(name) + " must be in [0, 1), got " + num_str(value));
}

void check_positive(const char* function, const char* name, double value) {
  if (!(value > 0.0))
    throw value_error(function, std::string(name) + " must be > 0, got " + num_str(value));
}

// A rule's state starts empty and becomes zeros of w's size; a state of another size belongs to another w.
void init_state(const char* function, const char* name, std::vector<double>& state, std::size_t n) {
  if (state.empty()) state.assign(n, 0.0);
  if (state.size() != n)
    throw shape_error(function, std::string(name) + " has " + std::to_string(state.size()) +
                                    " entries but w has " + std::to_string(n) + ": one config per parameter");
}

}  // namespace

void sgd(std::span<double> w, std::span<const double> dw, const SgdConfig& config) {
  check_step("sgd", w, dw, config.learning_rate, config.weight_decay);
  const double lr = config.learning_rate, wd = config.weight_decay;
  // Exercise: one step of stochastic gradient descent on w, in place, with L2 weight decay.
  // BEGIN SOLUTION sgd
  // HINT 1: Step against the gradient: w moves a little way downhill. Weight decay adds the gradient of
  //   (weight_decay / 2) |w|^2 to dw, which pulls every weight towards 0.
  // HINT 2: for every entry i < w.size():
  //     g_i = dw_i + weight_decay * w_i
  //     w_i <- w_i - learning_rate * g_i
  //   (lr and wd above are learning_rate and weight_decay).
  // HINT 3: for i < w.size():
  //     g = dw[i] + wd * w[i]
  //     w[i] -= lr * g
  for (std::size_t i = 0; i < w.size(); ++i) {
    const double g = dw[i] + wd * w[i];
    w[i] -= lr * g;
  }
  // END SOLUTION
}

void sgd_momentum(std::span<double> w, std::span<const double> dw, MomentumConfig& config) {
  check_step("sgd_momentum", w, dw, config.learning_rate, config.weight_decay);
  check_unit("sgd_momentum", "momentum", config.momentum);
  init_state("sgd_momentum", "velocity", config.velocity, w.size());
  const double lr = config.learning_rate, mu = config.momentum, wd = config.weight_decay;
  std::vector<double>& v = config.velocity;
  // Exercise: one step of SGD with momentum on w, in place, updating the velocity v.
  // BEGIN SOLUTION sgd_momentum
  // HINT 1: Keep a velocity that decays by the factor momentum at every step. The gradient changes the
  //   velocity and the velocity moves w, so steps that agree build up speed and steps that disagree cancel.
  // HINT 2: per entry i, with g = dw_i + weight_decay * w_i:
  //     v_i <- momentum * v_i - learning_rate * g
  //     w_i <- w_i + v_i          (the new v_i)
  //   v is config.velocity: w's size, zeros on the first call (set up above for you), kept between calls.
  // HINT 3: for i < w.size():
  //     g = dw[i] + wd * w[i]
  //     v[i] = mu * v[i] - lr * g
  //     w[i] += v[i]
  for (std::size_t i = 0; i < w.size(); ++i) {
    const double g = dw[i] + wd * w[i];
    v[i] = mu * v[i] - lr * g;
    w[i] += v[i];
  }
  // END SOLUTION
}

void nesterov(std::span<double> w, std::span<const double> dw, NesterovConfig& config) {
  check_step("nesterov", w, dw, config.learning_rate, config.weight_decay);
  check_unit("nesterov", "momentum", config.momentum);
  init_state("nesterov", "velocity", config.velocity, w.size());
  const double lr = config.learning_rate, mu = config.momentum, wd = config.weight_decay;
  std::vector<double>& v = config.velocity;
  // Exercise: one step of Nesterov momentum on w, in place, updating the velocity v.
  // BEGIN SOLUTION nesterov
  // HINT 1: Momentum with a look-ahead: the gradient is taken where the velocity is about to carry w. Kept
  //   in terms of that look-ahead point, the step mixes the velocity before and after the update.
  // HINT 2: per entry i, with g = dw_i + weight_decay * w_i:
  //     v_prev = v_i
  //     v_i <- momentum * v_i - learning_rate * g
  //     w_i <- w_i - momentum * v_prev + (1 + momentum) * v_i
  //   This is the form of the course notes: the stored w is the look-ahead point, where dw was taken.
  // HINT 3: for i < w.size():
  //     g = dw[i] + wd * w[i]
  //     v_prev = v[i]
  //     v[i] = mu * v[i] - lr * g
  //     w[i] += -mu * v_prev + (1 + mu) * v[i]
  for (std::size_t i = 0; i < w.size(); ++i) {
    const double g = dw[i] + wd * w[i];
    const double v_prev = v[i];
    v[i] = mu * v[i] - lr * g;
    w[i] += -mu * v_prev + (1.0 + mu) * v[i];
  }
  // END SOLUTION
}

void adagrad(std::span<double> w, std::span<const double> dw, AdagradConfig& config) {
  check_step("adagrad", w, dw, config.learning_rate, config.weight_decay);
  check_positive("adagrad", "epsilon", config.epsilon);
  init_state("adagrad", "cache", config.cache, w.size());
  const double lr = config.learning_rate, eps = config.epsilon, wd = config.weight_decay;
  std::vector<double>& cache = config.cache;
  // Exercise: one Adagrad step on w, in place, updating cache, the sum of the squared gradients so far.
  // BEGIN SOLUTION adagrad
  // HINT 1: Give every weight its own step size: divide its step by the root of the sum of all its squared
  //   gradients so far. Weights with large gradients slow down; the steps only ever shrink.
  // HINT 2: per entry i, with g = dw_i + weight_decay * w_i:
  //     cache_i <- cache_i + g^2
  //     w_i <- w_i - learning_rate * g / (sqrt(cache_i) + epsilon)      (the updated cache_i)
  //   epsilon goes outside the square root; it avoids 0 / 0 for a weight whose gradients have all been 0.
  // HINT 3: for i < w.size():
  //     g = dw[i] + wd * w[i]
  //     cache[i] += g * g
  //     w[i] -= lr * g / (sqrt(cache[i]) + eps)
  for (std::size_t i = 0; i < w.size(); ++i) {
    const double g = dw[i] + wd * w[i];
    cache[i] += g * g;
    w[i] -= lr * g / (std::sqrt(cache[i]) + eps);
  }
  // END SOLUTION
}

void rmsprop(std::span<double> w, std::span<const double> dw, RmspropConfig& config) {
  check_step("rmsprop", w, dw, config.learning_rate, config.weight_decay);
  check_unit("rmsprop", "decay_rate", config.decay_rate);
  check_positive("rmsprop", "epsilon", config.epsilon);
  init_state("rmsprop", "cache", config.cache, w.size());
  const double lr = config.learning_rate, rho = config.decay_rate, eps = config.epsilon, wd = config.weight_decay;
  std::vector<double>& cache = config.cache;
  // Exercise: one RMSProp step on w, in place, updating cache, the moving average of the squared gradients.
  // BEGIN SOLUTION rmsprop
  // HINT 1: Adagrad with a leaky memory: the squared gradients are averaged with weights that decay
  //   exponentially, so the step size follows the recent gradients instead of shrinking forever.
  // HINT 2: per entry i, with g = dw_i + weight_decay * w_i:
  //     cache_i <- decay_rate * cache_i + (1 - decay_rate) * g^2
  //     w_i <- w_i - learning_rate * g / (sqrt(cache_i) + epsilon)      (the updated cache_i)
  // HINT 3: for i < w.size():
  //     g = dw[i] + wd * w[i]
  //     cache[i] = rho * cache[i] + (1 - rho) * g * g
  //     w[i] -= lr * g / (sqrt(cache[i]) + eps)
  for (std::size_t i = 0; i < w.size(); ++i) {
    const double g = dw[i] + wd * w[i];
    cache[i] = rho * cache[i] + (1.0 - rho) * g * g;
    w[i] -= lr * g / (std::sqrt(cache[i]) + eps);
  }
  // END SOLUTION
}

void adam(std::span<double> w, std::span<const double> dw, AdamConfig& config) {
  check_step("adam", w, dw, config.learning_rate, config.weight_decay);
  check_unit("adam", "beta1", config.beta1);
  check_unit("adam", "beta2", config.beta2);
  check_positive("adam", "epsilon", config.epsilon);
  init_state("adam", "m", config.m, w.size());
  init_state("adam", "v", config.v, w.size());
  const double lr = config.learning_rate, b1 = config.beta1, b2 = config.beta2, eps = config.epsilon;
  const double wd = config.weight_decay;
  std::vector<double>& m = config.m;
  std::vector<double>& v = config.v;
  // Exercise: one Adam step on w, in place, updating the moments m and v and the step count t.
  // BEGIN SOLUTION adam
  // HINT 1: Momentum and RMSProp together: m is a moving average of the gradient (the direction), v of its
  //   square (the per-weight scale), and the step is m / sqrt(v). Both start at 0, which drags them towards
  //   0 in the first steps: divide that bias out.
  // HINT 2: first t <- t + 1 (config.t counts the calls); then per entry i, with g = dw_i + weight_decay w_i:
  //     m_i <- beta1 * m_i + (1 - beta1) * g           v_i <- beta2 * v_i + (1 - beta2) * g^2
  //     m_hat = m_i / (1 - beta1^t)                    v_hat = v_i / (1 - beta2^t)        (bias correction)
  //     w_i <- w_i - learning_rate * m_hat / (sqrt(v_hat) + epsilon)
  //   m and v keep the uncorrected averages; m_hat and v_hat are not stored.
  // HINT 3: config.t += 1, then t = config.t as a double
  //   for i < w.size():
  //     g = dw[i] + wd * w[i]
  //     m[i] = b1 * m[i] + (1 - b1) * g
  //     v[i] = b2 * v[i] + (1 - b2) * g * g
  //     m_hat = m[i] / (1 - pow(b1, t)), v_hat = v[i] / (1 - pow(b2, t))
  //     w[i] -= lr * m_hat / (sqrt(v_hat) + eps)
  config.t += 1;
  const double t = static_cast<double>(config.t);
  for (std::size_t i = 0; i < w.size(); ++i) {
    const double g = dw[i] + wd * w[i];
    m[i] = b1 * m[i] + (1.0 - b1) * g;
    v[i] = b2 * v[i] + (1.0 - b2) * g * g;
    const double m_hat = m[i] / (1.0 - std::pow(b1, t));
    const double v_hat = v[i] / (1.0 - std::pow(b2, t));
    w[i] -= lr * m_hat / (std::sqrt(v_hat) + eps);
  }
  // END SOLUTION
}

void adadelta(std::span<double> w, std::span<const double> dw, AdadeltaConfig& config) {
  check_step("adadelta", w, dw, config.learning_rate, config.weight_decay);
  check_unit("adadelta", "rho", config.rho);
  check_positive("adadelta", "epsilon", config.epsilon);
  init_state("adadelta", "square_avg", config.square_avg, w.size());
  init_state("adadelta", "delta_avg", config.delta_avg, w.size());
  const double lr = config.learning_rate, rho = config.rho, eps = config.epsilon, wd = config.weight_decay;
  std::vector<double>& s = config.square_avg;
  std::vector<double>& u = config.delta_avg;
  // Exercise: one Adadelta step on w, in place, updating the averages square_avg (s) and delta_avg (u).
  // BEGIN SOLUTION adadelta
  // HINT 1: RMSProp whose step carries its own units: the gradient is scaled by RMS(recent steps) /
  //   RMS(recent gradients), both moving averages, so no step size needs tuning (learning_rate defaults
  //   to 1).
  // HINT 2: per entry i, with g = dw_i + weight_decay * w_i:
  //     s_i <- rho * s_i + (1 - rho) * g^2                              (average of the squared gradients)
  //     delta = sqrt(u_i + epsilon) / sqrt(s_i + epsilon) * g           (u_i from before this step)
  //     u_i <- rho * u_i + (1 - rho) * delta^2                          (average of the squared steps)
  //     w_i <- w_i - learning_rate * delta
  //   epsilon sits inside both square roots: on the first step u = 0 and sqrt(epsilon) sets the step's size.
  // HINT 3: for i < w.size():
  //     g = dw[i] + wd * w[i]
  //     s[i] = rho * s[i] + (1 - rho) * g * g
  //     delta = sqrt(u[i] + eps) / sqrt(s[i] + eps) * g
  //     u[i] = rho * u[i] + (1 - rho) * delta * delta
  //     w[i] -= lr * delta
  for (std::size_t i = 0; i < w.size(); ++i) {
    const double g = dw[i] + wd * w[i];
    s[i] = rho * s[i] + (1.0 - rho) * g * g;
    const double delta = std::sqrt(u[i] + eps) / std::sqrt(s[i] + eps) * g;
    u[i] = rho * u[i] + (1.0 - rho) * delta * delta;
    w[i] -= lr * delta;
  }
  // END SOLUTION
}

}  // namespace cnn
