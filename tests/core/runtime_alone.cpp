// The reference runtime with no exercise linked in: this program links cnnlab_model and cnncore only (see
// CMakeLists.txt), so it links at all only if the runtime names no exercise function, and it trains only if
// the library's own layers, loss and update rules work end to end.
#include <catch2/catch.hpp>

#include "runtime/model.hpp"
#include "runtime/solver.hpp"
#include "support/tiny.hpp"

using namespace cnn;

TEST_CASE("the reference runtime trains without any exercise function linked", "[runtime][reference]") {
  // 40 random images with random labels: only memorising them brings the training accuracy to 100%.
  const Dataset data = testing::noise_images(40, 2, 6, 6, 4, 11);
  Model model = build_model(testing::tiny_net(), 3);
  REQUIRE(model.layer_set().name == "reference");
  SolverConfig cfg;
  cfg.rule = UpdateRule::adam;
  cfg.learning_rate = 1e-2;
  cfg.batch_size = 10;
  cfg.epochs = 80;
  cfg.norm = Normalization{0.5, 0.3};
  const Dataset none;
  Solver solver(model, data, none, cfg);
  const History& h = solver.train();
  INFO("first loss " << h.loss.front() << ", last " << h.loss.back());
  REQUIRE(h.loss.back() < 0.5 * h.loss.front());
  REQUIRE(accuracy(model, data, cfg.norm) == 1.0);
}
