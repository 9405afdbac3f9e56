// cnnlab exercise file (made by tools/exgen; `./lab hint <function>` gives hints, one level at a time).
// Write your code between each BEGIN EXERCISE and END EXERCISE and leave the rest as it is (it is checked).
// Then: ./lab check <topic>   (the topics are listed by ./lab progress)
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
  // BEGIN EXERCISE sgd
  throw cnn::not_implemented("sgd", "exercises/optim.cpp");
  // END EXERCISE
}

void sgd_momentum(std::span<double> w, std::span<const double> dw, MomentumConfig& config) {
  check_step("sgd_momentum", w, dw, config.learning_rate, config.weight_decay);
  check_unit("sgd_momentum", "momentum", config.momentum);
  init_state("sgd_momentum", "velocity", config.velocity, w.size());
  const double lr = config.learning_rate, mu = config.momentum, wd = config.weight_decay;
  std::vector<double>& v = config.velocity;
  // Exercise: one step of SGD with momentum on w, in place, updating the velocity v.
  // BEGIN EXERCISE sgd_momentum
  throw cnn::not_implemented("sgd_momentum", "exercises/optim.cpp");
  // END EXERCISE
}

void nesterov(std::span<double> w, std::span<const double> dw, NesterovConfig& config) {
  check_step("nesterov", w, dw, config.learning_rate, config.weight_decay);
  check_unit("nesterov", "momentum", config.momentum);
  init_state("nesterov", "velocity", config.velocity, w.size());
  const double lr = config.learning_rate, mu = config.momentum, wd = config.weight_decay;
  std::vector<double>& v = config.velocity;
  // Exercise: one step of Nesterov momentum on w, in place, updating the velocity v.
  // BEGIN EXERCISE nesterov
  throw cnn::not_implemented("nesterov", "exercises/optim.cpp");
  // END EXERCISE
}

void adagrad(std::span<double> w, std::span<const double> dw, AdagradConfig& config) {
  check_step("adagrad", w, dw, config.learning_rate, config.weight_decay);
  check_positive("adagrad", "epsilon", config.epsilon);
  init_state("adagrad", "cache", config.cache, w.size());
  const double lr = config.learning_rate, eps = config.epsilon, wd = config.weight_decay;
  std::vector<double>& cache = config.cache;
  // Exercise: one Adagrad step on w, in place, updating cache, the sum of the squared gradients so far.
  // BEGIN EXERCISE adagrad
  throw cnn::not_implemented("adagrad", "exercises/optim.cpp");
  // END EXERCISE
}

void rmsprop(std::span<double> w, std::span<const double> dw, RmspropConfig& config) {
  check_step("rmsprop", w, dw, config.learning_rate, config.weight_decay);
  check_unit("rmsprop", "decay_rate", config.decay_rate);
  check_positive("rmsprop", "epsilon", config.epsilon);
  init_state("rmsprop", "cache", config.cache, w.size());
  const double lr = config.learning_rate, rho = config.decay_rate, eps = config.epsilon, wd = config.weight_decay;
  std::vector<double>& cache = config.cache;
  // Exercise: one RMSProp step on w, in place, updating cache, the moving average of the squared gradients.
  // BEGIN EXERCISE rmsprop
  throw cnn::not_implemented("rmsprop", "exercises/optim.cpp");
  // END EXERCISE
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
  // BEGIN EXERCISE adam
  throw cnn::not_implemented("adam", "exercises/optim.cpp");
  // END EXERCISE
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
  // BEGIN EXERCISE adadelta
  throw cnn::not_implemented("adadelta", "exercises/optim.cpp");
  // END EXERCISE
}

}  // namespace cnn
