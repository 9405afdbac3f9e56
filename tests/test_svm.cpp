// Tests of the multiclass SVM loss (src/layers/svm.hpp): NumPy values, a hand calculation, gradient check.
#include "layers/svm.hpp"

#include <cmath>

#include "core/errors.hpp"
#include "instruments/diagnose.hpp"
#include "reference/first_layers.hpp"
#include "support/testing.hpp"

using namespace cnn;
using testing::from_values;
using testing::labels;
using testing::linspace;

TEST_CASE("svm_loss matches NumPy on a linspace example", "[svm][known][fn:svm_loss]") {
  const Tensor2 x = linspace<Tensor2>(-1.0, 1.5, {4, 5});
  const Labels y = labels({0, 3, 4, 1});
  const auto [loss, dx] = svm_loss(x, y);
  REQUIRE_CLOSE(compare("loss", Tensor1{loss}, Tensor1{ref::svm_loss}, {1e-12, 0.0}, svm_context("loss", x, y)));
  REQUIRE_CLOSE(compare("dx", dx, from_values<Tensor2>(ref::svm_dx, {4, 5}), {1e-10, 1e-12}, svm_context("dx", x, y)));
}

TEST_CASE("svm_loss by hand: the course notes' example", "[svm][known][fn:svm_loss]") {
  // Scores [13, -7, 11], true class 0, margin 1: max(0, -7 - 13 + 1) + max(0, 11 - 13 + 1) = 0 + 0 = 0.
  // Scores [3.2, 5.1, -1.7], true class 0: max(0, 5.1 - 3.2 + 1) + max(0, -1.7 - 3.2 + 1) = 2.9.
  const Tensor2 x0 = {{13.0, -7.0, 11.0}}, x1 = {{3.2, 5.1, -1.7}};
  const auto [loss0, dx0] = svm_loss(x0, labels({0}));
  REQUIRE_CLOSE(compare("loss", Tensor1{loss0}, Tensor1{0.0}, {0.0, 1e-15}, svm_context("loss", x0, labels({0}))));
  const auto [loss1, dx1] = svm_loss(x1, labels({0}));
  REQUIRE_CLOSE(compare("loss", Tensor1{loss1}, Tensor1{2.9}, {0.0, 1e-12}, svm_context("loss", x1, labels({0}))));
  REQUIRE_CLOSE(compare("dx", dx1, Tensor2{{-1.0, 1.0, 0.0}}, {1e-10, 1e-12}, svm_context("dx", x1, labels({0}))));
}

TEST_CASE("svm_loss gradient matches the numerical gradient away from zero margins", "[svm][gradcheck][fn:svm_loss]") {
  Rng rng(11);
  Tensor2 x = randn<Tensor2>({6, 7}, rng);
  const Labels y = labels({0, 2, 4, 6, 1, 3});
  const auto [loss, dx] = svm_loss(x, y);
  const GradCheck gc = check_gradient("dx of svm_loss", [&] { return svm_loss(x, y).loss; }, x, dx);
  REQUIRE_GRADIENT_OK(gc);
  REQUIRE(gc.kinks.empty());  // with random normal scores no margin is within 1e-5 of 0
}

TEST_CASE("svm_loss refuses a label out of range", "[svm][errors][fn:svm_loss]") {
  REQUIRE_THROWS_MATCHES(svm_loss(Tensor2{{1.0, 2.0}}, labels({2})), value_error,
                         Catch::Matchers::Message("svm_loss: label y[0] = 2 is not a class: expected 0 <= y < K = 2"));
}
