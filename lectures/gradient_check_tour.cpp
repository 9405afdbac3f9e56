// A tour of the gradient checker: how cnnlab proves a backward pass right, and what a wrong one looks like.
//
//   ./build/release/lectures/gradient_check_tour
//
// Every layer's backward pass claims a gradient. The checker measures the same slope from outside, by nudging
// one input at a time and re-running the forward pass (centred differences), and compares the two. This
// program runs the check on the first layers, then on two deliberately wrong backward passes, then on an input
// that sits on ReLU's kink, and prints what the checker says each time.
#include <cmath>
#include <iostream>
#include <string>

#include "layers/affine.hpp"
#include "instruments/gradcheck.hpp"
#include "runtime/layer_set.hpp"
#include "core/random.hpp"
#include "layers/relu.hpp"
#include "layers/softmax.hpp"
#include "layers/svm.hpp"
#include "walkthrough.hpp"

using namespace cnn;

namespace {

int failures = 0;

// Prints a check that is expected to pass (or, for the demos, expected to fail).
void show(const GradCheck& gc, bool expect_pass) {
  std::cout << gc.report();
  if (gc.passed() != expect_pass) {
    ++failures;
    std::cout << "  !! unexpected: this check should have " << (expect_pass ? "passed" : "failed") << "\n";
  }
}

Labels random_labels(std::size_t n, std::size_t k, Rng& rng) {
  Labels y = Labels::from_shape({n});
  for (auto& v : y) v = rng.index(k);
  return y;
}

}  // namespace

using walkthrough::section;

int main(int argc, char** argv) {
  walkthrough::no_arguments(argc, argv, "A tour of the gradient checker: how cnnlab proves a backward pass right, and what a wrong one looks like.\n\nEvery layer's backward pass claims a gradient. The checker measures the same slope from outside, by nudging\none input at a time and re-running the forward pass (centred differences), and compares the two. This\nprogram runs the check on the first layers, then on two deliberately wrong backward passes, then on an input\nthat sits on ReLU's kink, and prints what the checker says each time.");
  // It checks your first layers (exercises/): all of them must be written first.
  stop_unless_written("gradient_check_tour",
                    {"affine_forward", "affine_backward", "relu_forward", "relu_backward", "softmax_loss", "svm_loss"});
  std::cout << "Gradient checking: the analytic gradient of every layer against centred differences\n"
               "  numerical dL/dx_i = (L(x + h e_i) - L(x - h e_i)) / 2h,  h = 1e-5, in double precision\n"
               "  relative error = |analytic - numerical| / max(|analytic|, |numerical|)\n"
               "  an entry passes at relative error <= 1e-7 (or absolute error <= 1e-10 when both are ~0)\n";

  Rng rng(2016);

  section("1. The affine layer, y = x w + b, with a random upstream gradient");
  Tensor x = randn({4, 2, 3}, rng);  // N = 4 examples of shape 2x3, flattened to D = 6
  Tensor2 w = randn<Tensor2>({6, 5}, rng);
  Tensor1 b = randn<Tensor1>({5}, rng);
  const Tensor2 dout = randn<Tensor2>({4, 5}, rng);
  const auto [y, cache] = affine_forward(x, w, b);
  const auto [dx, dw, db] = affine_backward(dout, cache);
  auto affine_out = [&] { return affine_forward(x, w, b).out; };
  show(check_gradient("dx", affine_out, x, dout, dx), true);
  show(check_gradient("dw", affine_out, w, dout, dw), true);
  show(check_gradient("db", affine_out, b, dout, db), true);

  section("2. ReLU, with inputs kept at least 1e-3 away from its kink at 0");
  Tensor xr = randn({3, 4}, rng);
  for (double& v : xr) v = std::copysign(std::abs(v) + 1e-3, v);
  const Tensor dr = randn({3, 4}, rng);
  const auto relu = relu_forward(xr);
  show(check_gradient("dx", [&] { return relu_forward(xr).out; }, xr, dr, relu_backward(dr, relu.cache).dx), true);

  section("3. The losses: softmax (cross-entropy) and multiclass SVM, on 5 examples of 10 classes");
  Tensor2 scores = randn<Tensor2>({5, 10}, rng, 0.01);
  const Labels labels = random_labels(5, 10, rng);
  const LossResult soft = softmax_loss(scores, labels);
  std::cout << "softmax loss with small random scores: " << soft.loss << " (ln 10 = " << std::log(10.0)
            << ": with near-equal scores every class has probability ~1/10)\n";
  show(check_gradient("dx", [&] { return softmax_loss(scores, labels).loss; }, scores, soft.dx), true);
  Tensor2 svm_scores = randn<Tensor2>({5, 10}, rng);
  show(check_gradient("dx", [&] { return svm_loss(svm_scores, labels).loss; }, svm_scores,
                      svm_loss(svm_scores, labels).dx),
       true);

  section("4. A wrong backward pass: ReLU with the sign of the passed gradient flipped");
  const Tensor wrong_relu = xt::where(xr > 0.0, -dr, 0.0);
  show(check_gradient("dx of a wrong relu_backward", [&] { return relu_forward(xr).out; }, xr, dr, wrong_relu),
       false);

  section("5. A wrong backward pass: affine with dw transposed (square w, so the shapes still agree)");
  Tensor xs = randn({4, 3}, rng);
  Tensor2 ws = randn<Tensor2>({3, 3}, rng);
  const Tensor1 bs = randn<Tensor1>({3}, rng);
  const Tensor2 ds = randn<Tensor2>({4, 3}, rng);
  const Tensor2 dw_t = xt::transpose(affine_backward(ds, affine_forward(xs, ws, bs).cache).dw);
  show(check_gradient("dw (transposed)", [&] { return affine_forward(xs, ws, bs).out; }, ws, ds, dw_t), false);

  section("6. An input on ReLU's kink: the checker says so instead of failing without a reason");
  Tensor xk = {0.5, 4e-6, -0.3};
  const Tensor ones = {1.0, 1.0, 1.0};
  const auto rk = relu_forward(xk);
  show(check_gradient("dx at a kink", [&] { return relu_forward(xk).out; }, xk, ones, relu_backward(ones, rk.cache).dx),
       true);

  std::cout << "\nWhat to take away: a correct backward pass agrees with the numbers to ~1e-10 in double; a\n"
               "wrong one is off by O(1) at named indices; a kink shows up as one-sided slopes that disagree.\n"
               "The tolerance policy is explained on the docs page 'Gradient checking'.\n";
  if (failures) std::cout << failures << " check(s) did not behave as expected\n";
  return failures == 0 ? 0 : 1;
}
