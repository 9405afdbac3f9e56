// The `mine` layer set: the table of the exercise functions as this program links them (the student's
// exercises/ or the reference solutions/), and the check that tells a program which of them are still stubs.
// The only part of the runtime that names an exercise function; target cnnlab_mine.
#include <algorithm>
#include <array>
#include <functional>
#include <iostream>
#include <sstream>

#include "cnnlab/arch.hpp"
#include "cnnlab/errors.hpp"
#include "cnnlab/im2col.hpp"
#include "cnnlab/layer_set.hpp"
#include "cnnlab/solver.hpp"
#include "cnnlab/svm.hpp"

namespace cnn {

namespace {

// The fastest exercise of each layer: affine by BLAS and convolution by im2col (a network spends its time
// there; the textbook versions would make `train --layers mine` several times slower than the library), the
// naive pooling (its only exercise).
const LayerFunctions kExerciseLayers{
    &affine_forward_blas,      &affine_backward_blas,      &relu_forward,
    &relu_backward,            &conv_forward_im2col,       &conv_backward_im2col,
    &conv_forward_naive,       &max_pool_forward_naive,    &max_pool_backward_naive,
    &avg_pool_forward_naive,   &avg_pool_backward_naive,   &global_avg_pool_forward,
    &global_avg_pool_backward, &batchnorm_forward,         &batchnorm_backward,
    &spatial_batchnorm_forward, &spatial_batchnorm_backward, &dropout_forward,
    &dropout_backward,         &lrn_forward,               &lrn_backward,
};

// Small valid inputs for the probes.
Tensor2 zeros2(std::size_t a, std::size_t b) { return xt::zeros<double>({a, b}); }
Tensor4 ones4(std::size_t n, std::size_t c, std::size_t h, std::size_t w) { return xt::ones<double>({n, c, h, w}); }
Tensor1 zeros1(std::size_t a) { return xt::zeros<double>({a}); }

BatchNormCache bn_cache(std::size_t N, std::size_t D) {
  return BatchNormCache{Mode::train, zeros2(N, D), zeros2(N, D), zeros1(D), xt::ones<double>({D}), xt::ones<double>({D}), 1e-5};
}

template <class Config>
std::function<void()> rule_probe(void (*rule)(std::span<double>, std::span<const double>, Config&)) {
  return [rule] {
    std::array<double, 2> w{1.0, 2.0}, g{0.1, 0.2};
    Config c;
    rule(w, g, c);
  };
}

struct Exercise {
  const char* function;
  std::function<void()> probe;  // calls the function once on a small valid input
};

// Every exercise function in the order of the lectures and the course's assignment.
const std::vector<Exercise>& exercises() {
  static const std::vector<Exercise> all = [] {
    const ConvParam conv{1, 1};
    const PoolParam pool{2, 2, 2};
    std::vector<Exercise> e;
    e.push_back({"affine_forward", [] { affine_forward(zeros2(2, 3), zeros2(3, 2), zeros1(2)); }});
    e.push_back({"affine_backward", [] { affine_backward(zeros2(2, 2), AffineCache{zeros2(2, 3), zeros2(3, 2), zeros1(2)}); }});
    e.push_back({"relu_forward", [] { relu_forward(zeros2(2, 3)); }});
    e.push_back({"relu_backward", [] { relu_backward(zeros2(2, 3), ReluCache{zeros2(2, 3)}); }});
    e.push_back({"softmax_loss", [] { softmax_loss(zeros2(2, 3), Labels{0, 1}); }});
    e.push_back({"svm_loss", [] { svm_loss(zeros2(2, 3), Labels{0, 1}); }});
    e.push_back({"sgd", [] {
                   std::array<double, 2> w{1.0, 2.0}, g{0.1, 0.2};
                   sgd(w, g, SgdConfig{});
                 }});
    e.push_back({"sgd_momentum", rule_probe(&sgd_momentum)});
    e.push_back({"nesterov", rule_probe(&nesterov)});
    e.push_back({"adagrad", rule_probe(&adagrad)});
    e.push_back({"rmsprop", rule_probe(&rmsprop)});
    e.push_back({"adam", rule_probe(&adam)});
    e.push_back({"adadelta", rule_probe(&adadelta)});
    e.push_back({"batchnorm_forward", [] {
                   BatchNormState s = batchnorm_state(3);
                   batchnorm_forward(zeros2(2, 3), xt::ones<double>({3}), zeros1(3), BatchNormParam{}, s);
                 }});
    e.push_back({"batchnorm_backward", [] { batchnorm_backward(zeros2(2, 3), bn_cache(2, 3)); }});
    e.push_back({"batchnorm_backward_alt", [] { batchnorm_backward_alt(zeros2(2, 3), bn_cache(2, 3)); }});
    e.push_back({"dropout_forward", [] {
                   Rng rng(1);
                   dropout_forward(zeros2(2, 3), DropoutParam{}, rng);
                 }});
    e.push_back({"dropout_backward", [] { dropout_backward(zeros2(2, 3), DropoutCache{xt::ones<double>({2, 3})}); }});
    e.push_back({"conv_forward_naive", [=] { conv_forward_naive(ones4(1, 1, 3, 3), ones4(1, 1, 3, 3), zeros1(1), conv); }});
    e.push_back({"conv_backward_naive", [=] {
                   conv_backward_naive(ones4(1, 1, 3, 3), ConvCache{ones4(1, 1, 3, 3), ones4(1, 1, 3, 3), zeros1(1), conv});
                 }});
    e.push_back({"max_pool_forward_naive", [=] { max_pool_forward_naive(ones4(1, 1, 2, 2), pool); }});
    e.push_back({"max_pool_backward_naive", [=] { max_pool_backward_naive(ones4(1, 1, 1, 1), MaxPoolCache{ones4(1, 1, 2, 2), pool}); }});
    e.push_back({"im2col", [=] { im2col(ones4(1, 1, 3, 3), 3, 3, conv); }});
    e.push_back({"col2im", [=] { col2im(zeros2(9, 9), {1, 1, 3, 3}, 3, 3, conv); }});
    e.push_back({"conv_forward_im2col", [=] { conv_forward_im2col(ones4(1, 1, 3, 3), ones4(1, 1, 3, 3), zeros1(1), conv); }});
    e.push_back({"conv_backward_im2col", [=] {
                   conv_backward_im2col(ones4(1, 1, 3, 3), ConvCache{ones4(1, 1, 3, 3), ones4(1, 1, 3, 3), zeros1(1), conv});
                 }});
    e.push_back({"affine_forward_blas", [] { affine_forward_blas(zeros2(2, 3), zeros2(3, 2), zeros1(2)); }});
    e.push_back({"affine_backward_blas", [] {
                   affine_backward_blas(zeros2(2, 2), AffineCache{zeros2(2, 3), zeros2(3, 2), zeros1(2)});
                 }});
    e.push_back({"spatial_batchnorm_forward", [] {
                   BatchNormState s = batchnorm_state(1);
                   spatial_batchnorm_forward(ones4(2, 1, 2, 2), xt::ones<double>({1}), zeros1(1), BatchNormParam{}, s);
                 }});
    e.push_back({"spatial_batchnorm_backward", [] {
                   spatial_batchnorm_backward(ones4(2, 1, 2, 2), SpatialBatchNormCache{bn_cache(8, 1), {2, 1, 2, 2}});
                 }});
    e.push_back({"avg_pool_forward_naive", [=] { avg_pool_forward_naive(ones4(1, 1, 2, 2), pool); }});
    e.push_back({"avg_pool_backward_naive", [=] {
                   avg_pool_backward_naive(ones4(1, 1, 1, 1), AvgPoolCache{{1, 1, 2, 2}, pool});
                 }});
    e.push_back({"global_avg_pool_forward", [] { global_avg_pool_forward(ones4(1, 2, 2, 2)); }});
    e.push_back({"global_avg_pool_backward", [] { global_avg_pool_backward(zeros2(1, 2), GlobalAvgPoolCache{{1, 2, 2, 2}}); }});
    e.push_back({"lrn_forward", [] { lrn_forward(ones4(1, 3, 1, 1), LrnParam{}); }});
    e.push_back({"lrn_backward", [] {
                   lrn_backward(ones4(1, 3, 1, 1), LrnCache{ones4(1, 3, 1, 1), xt::full_like(ones4(1, 3, 1, 1), 2.0), LrnParam{}});
                 }});
    return e;
  }();
  return all;
}

const Exercise& find(const std::string& name) {
  for (const auto& e : exercises())
    if (name == e.function) return e;
  throw value_error("missing_exercises", "\"" + name + "\" is not an exercise function");
}

void add_layer_needs(const std::vector<arch::Layer>& layers, bool flat, std::vector<std::string>& out);

void add_block_needs(const arch::Block& block, bool flat, std::vector<std::string>& out) {
  for (const auto& branch : block.branches) add_layer_needs(branch, flat, out);
  add_layer_needs(block.after, flat, out);
}

// What training calls for each kind of layer, directly or through another exercise.
void add_layer_needs(const std::vector<arch::Layer>& layers, bool flat, std::vector<std::string>& out) {
  auto add = [&](std::initializer_list<const char*> names) { out.insert(out.end(), names.begin(), names.end()); };
  for (const auto& spec : layers) {
    if (std::holds_alternative<arch::Conv>(spec)) {
      flat = false;
      add({"im2col", "col2im", "conv_forward_im2col", "conv_backward_im2col"});
    } else if (const auto* p = std::get_if<arch::Pool>(&spec)) {
      if (p->kind == arch::PoolKind::max)
        add({"max_pool_forward_naive", "max_pool_backward_naive"});
      else
        add({"avg_pool_forward_naive", "avg_pool_backward_naive"});
    } else if (std::holds_alternative<arch::FullyConnected>(spec)) {
      flat = true;
      add({"affine_forward_blas", "affine_backward_blas"});
    } else if (std::holds_alternative<arch::ReLU>(spec)) {
      add({"relu_forward", "relu_backward"});
    } else if (std::holds_alternative<arch::LRN>(spec)) {
      add({"lrn_forward", "lrn_backward"});
    } else if (std::holds_alternative<arch::BatchNorm>(spec)) {
      if (flat)
        add({"batchnorm_forward", "batchnorm_backward"});
      else  // the spatial pair runs the flat forward pass and the closed-form backward pass on rows
        add({"batchnorm_forward", "batchnorm_backward_alt", "spatial_batchnorm_forward", "spatial_batchnorm_backward"});
    } else if (std::holds_alternative<arch::Dropout>(spec)) {
      add({"dropout_forward", "dropout_backward"});
    } else if (std::holds_alternative<arch::GlobalAvgPool>(spec)) {
      flat = true;
      add({"global_avg_pool_forward", "global_avg_pool_backward"});
    } else if (std::holds_alternative<arch::Flatten>(spec)) {
      flat = true;
    } else if (const auto* b = std::get_if<arch::Inception>(&spec)) {
      add_block_needs(arch::expand(*b), flat, out);
    } else if (const auto* r = std::get_if<arch::Residual>(&spec)) {
      add_block_needs(arch::expand(*r), flat, out);
    } else if (const auto* a = std::get_if<arch::AuxClassifier>(&spec)) {
      add_block_needs(arch::expand(*a), flat, out);
    }
  }
}

const char* rule_function(UpdateRule rule) {
  switch (rule) {
    case UpdateRule::sgd: return "sgd";
    case UpdateRule::momentum: return "sgd_momentum";
    case UpdateRule::nesterov: return "nesterov";
    case UpdateRule::adagrad: return "adagrad";
    case UpdateRule::rmsprop: return "rmsprop";
    case UpdateRule::adam: return "adam";
    case UpdateRule::adadelta: return "adadelta";
  }
  return "sgd";
}

}  // namespace

LayerSet my_layers() {
  return LayerSet{"mine", &kExerciseLayers,
                  TrainingFunctions{&softmax_loss, &sgd, &sgd_momentum, &nesterov, &adagrad, &rmsprop, &adam, &adadelta}};
}

LayerSet parse_layer_set(const std::string& name) {
  if (name == "reference") return reference_layers();
  if (name == "mine") return my_layers();
  throw value_error("parse_layer_set", "unknown layer set \"" + name +
                                           "\"; expected reference (the library's layers) or mine (your exercises)");
}

const std::vector<std::string>& exercise_order() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& e : exercises()) v.emplace_back(e.function);
    return v;
  }();
  return names;
}

namespace {

std::vector<std::string> in_exercise_order(const std::vector<std::string>& needed) {
  std::vector<std::string> ordered;
  for (const auto& name : exercise_order())
    if (std::find(needed.begin(), needed.end(), name) != needed.end()) ordered.push_back(name);
  return ordered;
}

}  // namespace

std::vector<std::string> exercises_for_network(const arch::Architecture& net) {
  std::vector<std::string> needed;
  add_layer_needs(net.layers, false, needed);
  return in_exercise_order(needed);
}

std::vector<std::string> exercises_for_training(const arch::Architecture& net, const std::string& rule) {
  std::vector<std::string> needed{"softmax_loss", rule_function(parse_update_rule(rule))};
  add_layer_needs(net.layers, false, needed);
  return in_exercise_order(needed);
}

std::vector<MissingExercise> missing_exercises(const std::vector<std::string>& functions) {
  for (const auto& f : functions) (void)find(f);  // refuse unknown names before probing
  std::vector<MissingExercise> missing;
  for (const auto& e : exercises()) {
    if (std::find(functions.begin(), functions.end(), e.function) == functions.end()) continue;
    try {
      e.probe();
    } catch (const not_implemented& stub) {
      // "not implemented: f (file)": a stub of this function, or of one it calls (that one is probed on its own)
      if (std::string_view(stub.what()).starts_with("not implemented: " + std::string(e.function) + " ("))
        missing.push_back({e.function, stub.file()});
    } catch (const std::exception&) {
      // written, though perhaps not right: the tests say whether it is
    }
  }
  return missing;
}

std::string missing_exercises_message(std::string_view program, const std::vector<MissingExercise>& missing) {
  std::ostringstream os;
  os << program << " calls your exercises, and " << missing.size()
     << (missing.size() == 1 ? " function is" : " functions are") << " not written yet. Write, in this order:\n";
  std::size_t width = 0;
  for (const auto& m : missing) width = std::max(width, m.function.size());
  for (const auto& m : missing) os << "  " << m.function << std::string(width + 2 - m.function.size(), ' ') << m.file << "\n";
  os << "then rebuild (cmake --build --preset release) and test them: ctest --preset release -L exercise\n";
  return os.str();
}

void require_exercises(std::string_view program, const std::vector<std::string>& functions) {
  const auto missing = missing_exercises(functions);
  if (missing.empty()) return;
  std::cerr << missing_exercises_message(program, missing);
  std::exit(1);
}

}  // namespace cnn
