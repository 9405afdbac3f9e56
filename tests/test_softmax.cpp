// Tests of the softmax loss (src/layers/softmax.hpp): NumPy values, ln K at uniform scores, gradient check.
#include "layers/softmax.hpp"

#include <cmath>

#include "core/errors.hpp"
#include "instruments/diagnose.hpp"
#include "reference/first_layers.hpp"
#include "support/testing.hpp"

using namespace cnn;
using testing::from_values;
using testing::labels;
using testing::linspace;

TEST_CASE("softmax_loss matches NumPy on a linspace example", "[softmax][known][fn:softmax_loss]") {
  const Tensor2 x = linspace<Tensor2>(-1.0, 1.5, {4, 5});
  const auto [loss, dx] = softmax_loss(x, labels({0, 3, 4, 1}));
  REQUIRE_CLOSE(compare("loss", Tensor1{loss}, Tensor1{ref::softmax_loss}, {1e-12, 0.0}, softmax_context(x)));
  REQUIRE_CLOSE(compare("dx", dx, from_values<Tensor2>(ref::softmax_dx, {4, 5}), {1e-10, 1e-12}, softmax_context(x)));
}

TEST_CASE("softmax_loss of equal scores is ln K (a hand calculation)", "[softmax][known][fn:softmax_loss]") {
  // Every class has probability 1/K, so the loss is -ln(1/K) = ln K whatever the labels.
  const Tensor2 x = xt::zeros<double>({3, 10});
  const auto [loss, dx] = softmax_loss(x, labels({1, 5, 9}));
  REQUIRE_CLOSE(compare("loss", Tensor1{loss}, Tensor1{std::log(10.0)}, {1e-14, 0.0}, softmax_context(x)));
}

TEST_CASE("softmax_loss does not overflow on large scores", "[softmax][known][fn:softmax_loss]") {
  // exp(1000) overflows a double; after the shift by the row maximum it does not. Scores 1000 and 0:
  // loss = -log(1 / (1 + e^-1000)) ~ 0 for label 0.
  const Tensor2 x = {{1000.0, 0.0}};
  const auto [loss, dx] = softmax_loss(x, labels({0}));
  REQUIRE_CLOSE(compare("loss", Tensor1{loss}, Tensor1{0.0}, {0.0, 1e-300}, softmax_context(x)));
  // dx = p - onehot: p = (1 / (1 + e^-1000), e^-1000 / (1 + e^-1000)) = (1, 0) in double
  REQUIRE_CLOSE(compare("dx", dx, Tensor2{{0.0, 0.0}}, {0.0, 1e-300}, softmax_context(x)));
}

TEST_CASE("softmax_loss gradient matches the numerical gradient", "[softmax][gradcheck][fn:softmax_loss]") {
  Rng rng(3);
  Tensor2 x = randn<Tensor2>({8, 10}, rng);
  const Labels y = testing::labels({0, 1, 2, 3, 4, 5, 6, 9});
  const auto [loss, dx] = softmax_loss(x, y);
  REQUIRE_GRADIENT_OK(check_gradient("dx of softmax_loss", [&] { return softmax_loss(x, y).loss; }, x, dx,
                                     {.context = layer_context("\"The softmax and SVM losses\"")}));
}

TEST_CASE("softmax_loss refuses bad labels and empty scores", "[softmax][errors][fn:softmax_loss]") {
  const Tensor2 x = xt::zeros<double>({2, 3});
  REQUIRE_THROWS_MATCHES(softmax_loss(x, labels({0, 3})), value_error,
                         Catch::Matchers::Message("softmax_loss: label y[1] = 3 is not a class: expected 0 <= y < K = 3"));
  REQUIRE_THROWS_MATCHES(softmax_loss(x, labels({0})), shape_error,
                         Catch::Matchers::Message("softmax_loss: scores x have N = 2 rows but y has 1 labels"));
  const Tensor2 empty = xt::zeros<double>({0, 3});
  REQUIRE_THROWS_AS(softmax_loss(empty, labels({})), shape_error);
}
