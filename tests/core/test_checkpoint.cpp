// Checkpoints that survive what happens to them: a process killed in the middle of saving, and training that
// stops on a non-finite loss or gradient (src/runtime/solver.hpp).
#include "runtime/solver.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <cmath>
#include <filesystem>
#include <limits>
#include <thread>

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/model.hpp"
#include "calculator/zoo.hpp"
#include "support/tiny.hpp"
#include "support/scratch.hpp"

using namespace cnn;
using testing::noise_images;
using testing::tiny_net;

namespace {

// Every parameter of the model set to the same value v.
void fill_params(Model& model, double v) {
  for (auto& p : model.params()) std::fill(p.value.begin(), p.value.end(), v);
}

}  // namespace

TEST_CASE("a process killed in the middle of saving leaves the previous checkpoint loadable",
          "[checkpoint][errors]") {
  const testing::Scratch scratch;
  // A child process saves LeNet-5 checkpoints (about 1 MB each) in a loop, every one with all parameters equal
  // to its number k; the parent kills it with SIGKILL at a random moment. Saving is nearly all the child does,
  // so most kills land inside a save, which leaves its temporary file behind. Whatever the moment, the
  // checkpoint must load, and hold one save's values, not a mix of two.
  const Dataset data = noise_images(8, 1, 28, 28, 10, 3);
  const Dataset none;
  SolverConfig cfg;
  cfg.batch_size = 4;
  const std::string path = scratch.file("killed.ckpt");
  Rng rng(11);
  // Kill until three saves were caught half-written (about 40% of kills here), at most 60 times.
  int interrupted_saves = 0, trial = 0;
  for (; trial < 60 && interrupted_saves < 3; ++trial) {
    std::filesystem::remove(path);
    // A save's temporary file: killed.ckpt.tmp.<pid>.<n> (unique_temp_name).
    auto temporaries = [&] {
      std::vector<std::filesystem::path> found;
      for (const auto& e : std::filesystem::directory_iterator(scratch.dir()))
        if (e.path().filename().string().rfind("killed.ckpt.tmp.", 0) == 0) found.push_back(e.path());
      return found;
    };
    for (const auto& t : temporaries()) std::filesystem::remove(t);
    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      // The child: no Catch2 here, and _exit, never return into the test runner.
      ::close(ready[0]);
      try {
        Model model = build_model(zoo::lenet5_fashion(), 1);
        Solver solver(model, data, none, cfg);
        fill_params(model, 1.0);
        solver.save_checkpoint(path);
        const char byte = 1;
        if (::write(ready[1], &byte, 1) != 1) ::_exit(3);
        for (int k = 2;; ++k) {
          fill_params(model, static_cast<double>(k));
          solver.save_checkpoint(path);
        }
      } catch (...) {
        ::_exit(2);
      }
    }
    ::close(ready[1]);
    char byte = 0;
    const auto got = ::read(ready[0], &byte, 1);
    ::close(ready[0]);
    REQUIRE(got == 1);  // the first checkpoint is complete
    std::this_thread::sleep_for(std::chrono::microseconds(500 + rng.index(20000)));
    ::kill(child, SIGKILL);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    REQUIRE(WIFSIGNALED(status));  // killed, not failed on its own
    if (!temporaries().empty()) ++interrupted_saves;

    Model model = build_model(zoo::lenet5_fashion(), 2);
    Solver solver(model, data, none, cfg);
    REQUIRE_NOTHROW(solver.load_checkpoint(path));
    const double k = model.params()[0].value[0];
    CAPTURE(trial, k);
    REQUIRE(k >= 1.0);
    std::size_t mixed = 0;  // values from another save than the first one's
    for (auto& p : model.params()) mixed += static_cast<std::size_t>(std::count_if(p.value.begin(), p.value.end(), [k](double v) { return v != k; }));
    REQUIRE(mixed == 0);
  }
  // Kills must have caught saves half-written; otherwise this test did not test anything.
  INFO("kills that landed inside a save: " << interrupted_saves << " of " << trial);
  CHECK(interrupted_saves == 3);
}

TEST_CASE("a non-finite loss stops training before the update, names the layer, and keeps the last checkpoint",
          "[checkpoint][solver][errors]") {
  const testing::Scratch scratch;
  const Dataset data = noise_images(32, 2, 6, 6, 4, 19);
  const Dataset none;
  Model model = build_model(tiny_net(), 1);
  SolverConfig cfg;
  cfg.batch_size = 8;  // 4 steps per epoch
  cfg.epochs = 3;
  cfg.checkpoint = scratch.file("nonfinite.ckpt");
  Solver solver(model, data, none, cfg);

  std::vector<std::vector<double>> after_epoch_1;
  std::vector<double> fc2_before_bad_step;
  auto on_step = [&](const StepInfo& s) {
    if (s.epoch == 1 && s.step == s.steps)
      for (auto& p : model.params()) after_epoch_1.emplace_back(p.value.begin(), p.value.end());
    if (s.epoch == 2 && s.step == 2) {
      // A weight of fc2 gone bad, as after a divergence; the next step's loss is NaN.
      auto fc2 = model.params()[2];
      REQUIRE(fc2.name == "fc2.w");
      fc2.value[5] = std::numeric_limits<double>::quiet_NaN();
      fc2_before_bad_step.assign(fc2.value.begin(), fc2.value.end());
    }
  };
  REQUIRE_THROWS_WITH(solver.train(on_step),
                      Catch::Matchers::Contains("at step 7 (epoch 2)") &&
                          Catch::Matchers::Contains("layer fc2 holds a non-finite value in fc2.w") &&
                          Catch::Matchers::Contains("before the update"));
  // Nothing was updated by the bad step: the other weights of fc2 are as they were.
  auto fc2 = model.params()[2].value;
  for (std::size_t i = 0; i < fc2.size(); ++i)
    if (i != 5) REQUIRE(fc2[i] == fc2_before_bad_step[i]);
  REQUIRE(solver.epochs_done() == 1);

  // The checkpoint on disk is the one of epoch 1, and it loads.
  Model restored = build_model(tiny_net(), 2);
  Solver again(restored, data, none, cfg);
  again.load_checkpoint(cfg.checkpoint);
  REQUIRE(again.epochs_done() == 1);
  auto params = restored.params();
  REQUIRE(params.size() == after_epoch_1.size());
  for (std::size_t i = 0; i < params.size(); ++i)
    REQUIRE(std::equal(params[i].value.begin(), params[i].value.end(), after_epoch_1[i].begin()));
}

TEST_CASE("a loss that overflows in a layer's output names that layer", "[checkpoint][solver][errors]") {
  const Dataset data = noise_images(16, 2, 6, 6, 4, 5);
  const Dataset none;
  Model model = build_model(tiny_net(), 1);
  // Finite weights so large that conv1's outputs overflow to infinity on the first batch.
  fill_params(model, 0.0);
  auto conv1 = model.params()[0];
  REQUIRE(conv1.name == "conv1.w");
  std::fill(conv1.value.begin(), conv1.value.end(), std::numeric_limits<double>::max());
  SolverConfig cfg;
  cfg.batch_size = 8;
  Solver solver(model, data, none, cfg);
  REQUIRE_THROWS_WITH(solver.train(), Catch::Matchers::Contains("at step 1 (epoch 1)") &&
                                          Catch::Matchers::Contains("the output of layer conv1 (conv"));
}

namespace {

// A layer that passes its input through and owns one parameter whose gradient the backward pass sets to
// infinity: the loss stays finite, a gradient does not.
class InfiniteGradient final : public Layer {
 public:
  InfiniteGradient() : Layer("odd") {}
  std::string describe() const override { return "identity with an infinite gradient"; }
  Tensor forward(Tensor x, Mode) override { return x; }
  Tensor backward(Tensor dout) override {
    grad_[0] = std::numeric_limits<double>::infinity();
    return dout;
  }
  std::vector<ParamView> params() override { return {ParamView{"odd.w", {1}, value_, grad_}}; }

 private:
  std::vector<double> value_ = {0.5}, grad_ = {0.0};
};

}  // namespace

TEST_CASE("a non-finite gradient names its parameter and layer", "[checkpoint][solver][errors]") {
  const Dataset data = noise_images(16, 2, 6, 6, 4, 5);
  const Dataset none;
  Model model;
  model.add(make_flatten("flat")).add(std::make_unique<InfiniteGradient>()).add(make_affine("fc", 72, 4)).add(make_scores("prob"));
  Rng rng(1);
  model.initialize(rng);
  SolverConfig cfg;
  cfg.batch_size = 8;
  Solver solver(model, data, none, cfg);
  REQUIRE_THROWS_WITH(solver.train(), Catch::Matchers::Contains("a gradient of odd.w (layer odd) is not finite at step 1 (epoch 1)"));
  REQUIRE(model.params()[0].value[0] == 0.5);  // not updated
}
