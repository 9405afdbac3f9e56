// Tests of the layer sets (src/runtime/layer_set.hpp): a model built with my_layers() runs the exercise functions,
// here linked to their reference bodies (solutions/), so it must train exactly as the reference runtime does;
// and the check that names unwritten exercises.
#include "runtime/layer_set.hpp"

#include <catch2/catch.hpp>
#include <cmath>

#include "calculator/arch.hpp"
#include "runtime/model.hpp"
#include "runtime/solver.hpp"
#include "calculator/zoo.hpp"
#include "support/tiny.hpp"

using namespace cnn;
using testing::noise_images;

namespace {

// The per-step losses of training @p net on @p data with @p set.
std::vector<double> train_losses(const arch::Architecture& net, const Dataset& data, const LayerSet& set,
                                 UpdateRule rule, double lr, std::size_t epochs) {
  Model model = build_model(net, 5, set);
  SolverConfig cfg;
  cfg.rule = rule;
  cfg.learning_rate = lr;
  cfg.batch_size = 32;
  cfg.epochs = epochs;
  cfg.seed = 3;
  cfg.norm = Normalization{0.5, 0.3};
  cfg.train_acc_samples = 64;
  const Dataset none;
  Solver solver(model, data, none, cfg);
  return solver.train().loss;
}

// Trains @p net both ways and requires the same loss at every step, to 1e-9.
void require_same_training(const arch::Architecture& net, const Dataset& data, UpdateRule rule, double lr,
                           std::size_t epochs) {
  const auto reference = train_losses(net, data, reference_layers(), rule, lr, epochs);
  const auto mine = train_losses(net, data, my_layers(), rule, lr, epochs);
  REQUIRE(mine.size() == reference.size());
  REQUIRE(reference.size() >= 10);
  for (std::size_t s = 0; s < reference.size(); ++s) {
    INFO("step " << s + 1 << ": reference " << reference[s] << ", mine " << mine[s]);
    REQUIRE(std::isfinite(reference[s]));
    REQUIRE(std::abs(mine[s] - reference[s]) <= 1e-9);
  }
}

}  // namespace

TEST_CASE("the tiny model trains to the same losses with the exercise functions as with the library",
          "[layerset][solver]") {
  const Dataset data = noise_images(320, 2, 6, 6, 4, 21);
  for (const UpdateRule rule : {UpdateRule::momentum, UpdateRule::adam}) {
    INFO("rule " << static_cast<int>(rule));
    require_same_training(testing::tiny_net(), data, rule, rule == UpdateRule::adam ? 1e-2 : 5e-2, 3);
  }
}

TEST_CASE("LeNet-5 trains to the same losses with the exercise functions as with the library", "[layerset][solver]") {
  const Dataset data = noise_images(320, 1, 28, 28, 10, 22);
  require_same_training(zoo::lenet5_fashion(), data, UpdateRule::momentum, 2e-2, 1);
  require_same_training(zoo::lenet5_fashion(), data, UpdateRule::adam, 1e-3, 1);
}

TEST_CASE("batch norm and dropout train to the same losses with the exercise functions", "[layerset][solver]") {
  // fashion-bn: spatial and flat batch normalization, dropout (the masks come from the same generators)
  const Dataset data = noise_images(320, 1, 28, 28, 10, 23);
  require_same_training(zoo::fashion_bn(), data, UpdateRule::adam, 1e-3, 1);
}

TEST_CASE("the other update rules take the same steps through the exercise functions", "[layerset][optim]") {
  const Dataset data = noise_images(320, 2, 6, 6, 4, 24);
  for (const UpdateRule rule : {UpdateRule::sgd, UpdateRule::nesterov, UpdateRule::adagrad, UpdateRule::rmsprop,
                                UpdateRule::adadelta}) {
    INFO("rule " << static_cast<int>(rule));
    require_same_training(testing::tiny_net(), data, rule, rule == UpdateRule::adadelta ? 1.0 : 1e-2, 1);
  }
}

TEST_CASE("a model of the mine set is made of the same layers, parameters and initial values", "[layerset]") {
  Model reference = build_model(zoo::fashion_bn(), 9, reference_layers());
  Model mine = build_model(zoo::fashion_bn(), 9, my_layers());
  REQUIRE(mine.layer_set().name == "mine");
  REQUIRE(mine.layers().size() == reference.layers().size());
  for (std::size_t k = 0; k < mine.layers().size(); ++k) REQUIRE(mine.layers()[k]->describe() == reference.layers()[k]->describe());
  const auto a = reference.params(), b = mine.params();
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    REQUIRE(a[i].name == b[i].name);
    REQUIRE(std::equal(a[i].value.begin(), a[i].value.end(), b[i].value.begin(), b[i].value.end()));
  }
}

TEST_CASE("parse_layer_set knows reference and mine and refuses other names", "[layerset]") {
  REQUIRE(parse_layer_set("reference").layers == nullptr);
  REQUIRE(parse_layer_set("mine").layers != nullptr);
  REQUIRE_THROWS_WITH(parse_layer_set("yours"), Catch::Contains("unknown layer set \"yours\""));
}

TEST_CASE("training LeNet-5 with my layers needs the conv, pool, affine, ReLU, loss and rule exercises, in order",
          "[layerset][exercises]") {
  // Listed by hand from lenet5-fashion's layers (conv, relu, max pool, fc) and the exercises' order.
  const std::vector<std::string> expected = {"relu_forward", "relu_backward", "affine_forward", "affine_backward",
                                             "softmax_loss", "max_pool_forward_naive", "max_pool_backward_naive",
                                             "im2col", "col2im", "conv_forward_im2col", "conv_backward_im2col", "adam"};
  REQUIRE(exercises_for_training(zoo::lenet5_fashion(), "adam") == expected);
  const auto bn = exercises_for_training(zoo::fashion_bn(), "momentum");
  for (const char* f : {"sgd_momentum", "batchnorm_forward", "batchnorm_backward", "dropout_forward",
                        "spatial_batchnorm_forward", "spatial_batchnorm_backward"})
    REQUIRE(std::find(bn.begin(), bn.end(), f) != bn.end());
  REQUIRE_THROWS_AS(exercises_for_training(zoo::lenet5_fashion(), "adamw"), value_error);
}

TEST_CASE("with the reference bodies linked, no exercise is missing; unknown names are refused", "[layerset][exercises]") {
  REQUIRE(exercise_order().size() == 36);  // every function with a BEGIN SOLUTION region in solutions/
  // In a student's handout the core tests link the student's exercises: while one is a stub, this is skipped.
  for (const auto& m : missing_exercises(exercise_order())) throw cnn::not_implemented(m.function, m.file);
  REQUIRE(missing_exercises(exercise_order()).empty());
  REQUIRE_THROWS_WITH(missing_exercises({"affine_forward", "frobnicate"}), Catch::Contains("\"frobnicate\" is not an exercise"));
  const std::string message = missing_exercises_message("train --layers mine", {{"relu_forward", "exercises/relu.cpp"}});
  REQUIRE_THAT(message, Catch::Contains("1 function is not written yet") && Catch::Contains("relu_forward  exercises/relu.cpp"));
}
