// The `mine` layer set: the table of the exercise functions as this program links them (the student's
// exercises/ or the reference solutions/), what a network needs of them, and which of those are still stubs.
// The only part of the runtime that names an exercise function; target cnnlab_mine.
#include <algorithm>
#include <iostream>
#include <sstream>

#include "calculator/arch.hpp"
#include "core/errors.hpp"
#include "instruments/exercise_table.hpp"
#include "runtime/layer_set.hpp"
#include "runtime/solver.hpp"

namespace cnn {

namespace {

// The exercises of each layer: convolution by im2col, the naive pooling (its only exercise), and the affine
// layer by BLAS once affine_forward_blas and affine_backward_blas are written (an optional exercise), else the
// textbook affine_forward and affine_backward (about a third of a LeNet-5 step then).
const LayerFunctions& exercise_layers() {
  static const LayerFunctions table = [] {
    const bool blas = exercise_written("affine_forward_blas") && exercise_written("affine_backward_blas");
    return LayerFunctions{
        blas ? &affine_forward_blas : &affine_forward, blas ? &affine_backward_blas : &affine_backward,
        &relu_forward,             &relu_backward,             &conv_forward_im2col,
        &conv_backward_im2col,     &conv_forward_naive,        &max_pool_forward_naive,
        &max_pool_backward_naive,  &avg_pool_forward_naive,    &avg_pool_backward_naive,
        &global_avg_pool_forward,  &global_avg_pool_backward,  &batchnorm_forward,
        &batchnorm_backward,       &spatial_batchnorm_forward, &spatial_batchnorm_backward,
        &dropout_forward,          &dropout_backward,          &lrn_forward,
        &lrn_backward,
    };
  }();
  return table;
}

// Every exercise function, in the order of the lectures (tests/course.txt, which ./lab progress follows).
const std::vector<std::string> kOrder = {
    "relu_forward", "relu_backward", "affine_forward", "affine_backward", "softmax_loss", "svm_loss",
    "conv_forward_naive", "conv_backward_naive", "max_pool_forward_naive", "max_pool_backward_naive",
    "avg_pool_forward_naive", "avg_pool_backward_naive", "global_avg_pool_forward", "global_avg_pool_backward",
    "im2col", "col2im", "conv_forward_im2col", "conv_backward_im2col",
    "batchnorm_forward", "batchnorm_backward", "batchnorm_backward_alt", "spatial_batchnorm_forward",
    "spatial_batchnorm_backward", "dropout_forward", "dropout_backward", "lrn_forward", "lrn_backward",
    "sgd", "sgd_momentum", "nesterov", "adagrad", "rmsprop", "adam", "adadelta",
    "affine_forward_blas", "affine_backward_blas"};

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
      add({"affine_forward", "affine_backward"});  // (the BLAS pair, optional, is used once written)
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
  return LayerSet{"mine", &exercise_layers(),
                  TrainingFunctions{&softmax_loss, &sgd, &sgd_momentum, &nesterov, &adagrad, &rmsprop, &adam, &adadelta}};
}

LayerSet parse_layer_set(const std::string& name) {
  if (name == "reference") return reference_layers();
  if (name == "mine") return my_layers();
  throw value_error("parse_layer_set", "unknown layer set \"" + name +
                                           "\"; expected reference (the library's layers) or mine (your exercises)");
}

const std::vector<std::string>& exercise_order() { return kOrder; }

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
  for (const auto& f : functions)
    if (std::find(kOrder.begin(), kOrder.end(), f) == kOrder.end())
      throw value_error("missing_exercises", "\"" + f + "\" is not an exercise function");
  // Written or not: the exercise table of the implementation this program links (exercise_table.hpp).
  std::vector<MissingExercise> missing;
  for (const auto& name : kOrder) {
    if (std::find(functions.begin(), functions.end(), name) == functions.end()) continue;
    if (const ExerciseEntry* e = find_exercise(name); e != nullptr && !e->written) missing.push_back({name, e->file});
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
  // the topic of ./lab check is the file's name (exercises/relu.cpp: relu)
  const std::string& first = missing.front().file;
  const std::size_t slash = first.rfind('/') + 1, dot = first.rfind('.');
  os << "one file at a time, each checked with ./lab check <file's name> (first: ./lab check "
     << first.substr(slash, dot == std::string::npos ? std::string::npos : dot - slash) << "); ./lab progress shows them all\n";
  return os.str();
}

void stop_unless_written(std::string_view program, const std::vector<std::string>& functions) {
  const auto missing = missing_exercises(functions);
  if (missing.empty()) return;
  std::cerr << missing_exercises_message(program, missing);
  std::exit(1);
}

}  // namespace cnn
