// Tests of the runtime (src/runtime/model.hpp, solver.hpp): a model-level gradient check, the initial loss,
// overfitting a small set, determinism, checkpoints.
#include "runtime/model.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>

#include "calculator/arch.hpp"
#include "instruments/gradcheck.hpp"
#include "layers/softmax.hpp"
#include "runtime/solver.hpp"
#include "calculator/zoo.hpp"
#include "support/scratch.hpp"
#include "support/testing.hpp"
#include "support/tiny.hpp"

using namespace cnn;
using testing::noise_images;
using testing::tiny_net;

TEST_CASE("a whole model's loss gradient matches the numerical gradient for every parameter",
          "[model][gradcheck]") {
  Model model = build_model(tiny_net(), 3);
  Rng rng(4);
  const Tensor4 x = randn<Tensor4>({5, 2, 6, 6}, rng);
  const Labels y = testing::labels({0, 1, 2, 3, 1});
  model.loss_and_gradients(x, y);  // leaves every parameter's gradient in the model
  // Copy the gradients: the loss function below runs the model again.
  auto params = model.params();
  std::vector<std::vector<double>> grads;
  std::vector<ParamRef> refs;
  for (auto& p : params) grads.emplace_back(p.grad.begin(), p.grad.end());
  for (std::size_t i = 0; i < params.size(); ++i)
    refs.push_back(ParamRef{params[i].name, params[i].shape, params[i].value.data(), grads[i].data()});
  auto loss = [&] {
    const Tensor s = model.forward(Tensor(x), Mode::train);
    return softmax_loss(take_rank<2>(Tensor(s), "test"), y).loss;
  };
  const auto checks = check_parameters(loss, refs);
  REQUIRE(checks.size() == 4);  // conv1.w, conv1.b, fc2.w, fc2.b
  for (const auto& c : checks) {
    INFO(c.report());
    REQUIRE(c.passed());
  }
}

TEST_CASE("with small weights the initial loss is about ln 10 (every class equally likely)", "[model]") {
  Model model = build_model(zoo::lenet5_fashion(), 1);
  for (auto& p : model.params())
    for (double& v : p.value) v *= 1e-3;
  Rng rng(2);
  const Tensor4 x = randn<Tensor4>({32, 1, 28, 28}, rng);
  Labels y = Labels::from_shape({32});
  for (std::size_t i = 0; i < 32; ++i) y(i) = i % 10;
  REQUIRE_THAT(model.loss_and_gradients(x, y), Catch::Matchers::WithinAbs(std::log(10.0), 1e-3));
}

TEST_CASE("a small ConvNet overfits 100 training images to 100% training accuracy", "[model][solver]") {
  // Random images with random labels: nothing to generalise, only to memorise. A model that can reach 100%
  // on them has working forward and backward passes end to end (the course's sanity check).
  const Dataset data = noise_images(100, 1, 12, 12, 10, 7);
  arch::Architecture net;
  net.name = "small";
  net.input = {1, 12, 12};
  net.layers = {arch::Conv{.name = "conv1", .filters = 8, .size = 3, .stride = 1, .pad = 1}, arch::ReLU{.name = "relu1"},
                arch::Pool{.name = "pool1"}, arch::FullyConnected{.name = "fc2", .outputs = 64}, arch::ReLU{.name = "relu2"},
                arch::FullyConnected{.name = "fc3", .outputs = 10}, arch::Softmax{.name = "prob"}};
  Model model = build_model(net, 5);
  SolverConfig cfg;
  cfg.rule = UpdateRule::adam;
  cfg.learning_rate = 2e-3;
  cfg.batch_size = 25;
  cfg.epochs = 60;
  cfg.norm = Normalization{0.5, 0.3};
  Dataset none;
  Solver solver(model, data, none, cfg);
  const History& h = solver.train();
  INFO("final loss " << h.loss.back());
  REQUIRE(accuracy(model, data, cfg.norm) == 1.0);
}

TEST_CASE("the same seed gives bit-identical losses, a different seed different ones", "[model][solver]") {
  const Dataset data = noise_images(96, 1, 8, 8, 4, 11);
  arch::Architecture net = tiny_net();
  net.input = {1, 8, 8};
  auto run = [&](std::uint64_t seed) {
    Model model = build_model(net, seed);
    SolverConfig cfg;
    cfg.batch_size = 16;
    cfg.epochs = 2;
    cfg.seed = seed;
    Dataset none;
    Solver solver(model, data, none, cfg);
    return solver.train().loss;
  };
  const auto a = run(3), b = run(3), c = run(4);
  REQUIRE(a.size() == 12);
  REQUIRE(a == b);  // exact equality, not approximate
  REQUIRE(a != c);
}

TEST_CASE("a checkpoint resumes training exactly where it stopped", "[model][solver][checkpoint]") {
  const Dataset data = noise_images(64, 1, 8, 8, 4, 13);
  arch::Architecture net = tiny_net();
  net.input = {1, 8, 8};
  const testing::Scratch scratch;
  const std::string path = scratch.file("solver.ckpt");
  SolverConfig cfg;
  cfg.rule = UpdateRule::adam;
  cfg.learning_rate = 1e-3;
  cfg.batch_size = 16;
  cfg.epochs = 3;
  Dataset none;

  Model straight = build_model(net, 9);
  Solver s1(straight, data, none, cfg);
  const auto losses = s1.train().loss;

  Model first = build_model(net, 9);
  SolverConfig one = cfg;
  one.epochs = 1;
  one.checkpoint = path;
  Solver s2(first, data, none, one);
  s2.train();

  Model resumed = build_model(net, 1234);  // other weights: all of them must come from the checkpoint
  Solver s3(resumed, data, none, cfg);
  s3.load_checkpoint(path);
  REQUIRE(s3.epochs_done() == 1);
  const auto resumed_losses = s3.train().loss;
  REQUIRE(resumed_losses == losses);
  auto a = straight.params(), b = resumed.params();
  for (std::size_t i = 0; i < a.size(); ++i)
    REQUIRE(std::equal(a[i].value.begin(), a[i].value.end(), b[i].value.begin()));
}

TEST_CASE("a checkpoint of another model or a truncated one is refused and changes nothing", "[model][checkpoint][errors]") {
  const Dataset data = noise_images(32, 1, 8, 8, 4, 17);
  arch::Architecture net = tiny_net();
  net.input = {1, 8, 8};
  const testing::Scratch scratch;
  const std::string path = scratch.file("solver2.ckpt");
  Model model = build_model(net, 1);
  SolverConfig cfg;
  cfg.batch_size = 16;
  Dataset none;
  Solver solver(model, data, none, cfg);
  solver.save_checkpoint(path);

  arch::Architecture other = net;
  std::get<arch::FullyConnected>(other.layers[3]).outputs = 5;
  Model wrong = build_model(other, 1);
  Solver s2(wrong, data, none, cfg);
  REQUIRE_THROWS_WITH(s2.load_checkpoint(path), Catch::Matchers::Contains("fc2.w has shape"));

  const auto size = std::filesystem::file_size(path);
  std::filesystem::resize_file(path, size - 9);
  Model m3 = build_model(net, 2);
  const std::vector<double> before(m3.params()[0].value.begin(), m3.params()[0].value.end());
  Solver s3(m3, data, none, cfg);
  REQUIRE_THROWS_WITH(s3.load_checkpoint(path), Catch::Matchers::Contains("truncated"));
  REQUIRE(std::equal(before.begin(), before.end(), m3.params()[0].value.begin()));
}

TEST_CASE("training stops on a non-finite loss, naming the step", "[model][solver][errors]") {
  const Dataset data = noise_images(32, 1, 8, 8, 4, 19);
  arch::Architecture net = tiny_net();
  net.input = {1, 8, 8};
  Model model = build_model(net, 1);
  SolverConfig cfg;
  cfg.batch_size = 8;
  cfg.epochs = 3;
  model.params()[2].value[0] = std::nan("");  // a weight of fc2 gone bad, as after a divergence
  Dataset none;
  Solver solver(model, data, none, cfg);
  REQUIRE_THROWS_WITH(solver.train(), Catch::Matchers::Contains("at step 1"));
}
