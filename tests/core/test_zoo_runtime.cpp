// Every model of the zoo, built by the runtime from its spec and run forward and backward on a small random
// batch: every layer's output shape must equal the calculator's (src/runtime/run_check.hpp).
#include <catch2/catch.hpp>

#include "core/errors.hpp"
#include "runtime/model.hpp"
#include "runtime/run_check.hpp"
#include "calculator/zoo.hpp"

using namespace cnn;

namespace {

// Runs NAME at SIZE x SIZE (its own depth). The large models run at the smallest size at which every
// convolution tiles exactly (found by trying sizes upward; cnnlab refuses rounded convolutions), which keeps
// the suite quick; the calculator's table is computed for that same size.
void runs_and_matches(const std::string& name, std::size_t size) {
  const arch::Architecture net = zoo::model(name);
  arch::Shape input = net.input;
  input.h = input.w = size;
  const RunReport r = run_and_check(net, input, 2, 1, 0);
  INFO(r.table());
  REQUIRE(r.all_match);
  REQUIRE(r.rows.size() == net.layers.size());
  REQUIRE(r.dx_norm > 0.0);
}

}  // namespace

#define ZOO_RUNS(NAME, SIZE)                                                                        \
  TEST_CASE("zoo model " NAME " runs forward and backward at " #SIZE "x" #SIZE                      \
            " with the calculator's shapes", "[zoo][runtime]") {                                    \
    runs_and_matches(NAME, SIZE);                                                                   \
  }

ZOO_RUNS("lenet5", 32)
ZOO_RUNS("lenet5-fashion", 28)
ZOO_RUNS("alexnet", 67)
ZOO_RUNS("zfnet", 73)  // 73: every window tiles, so the pools that round up (Caffe) run as the runtime's
ZOO_RUNS("vgg16", 32)
ZOO_RUNS("vgg19", 32)
ZOO_RUNS("googlenet", 65)
ZOO_RUNS("googlenet-aux", 65)
ZOO_RUNS("resnet18", 33)
ZOO_RUNS("resnet34", 33)
ZOO_RUNS("resnet50", 33)
ZOO_RUNS("resnet101", 33)
ZOO_RUNS("resnet152", 33)
ZOO_RUNS("resnet50-v1.5", 33)  // 101 and 152 v1.5 differ from it only in the number of blocks
ZOO_RUNS("alphago-policy", 19)
ZOO_RUNS("convnetjs-cifar10", 32)
ZOO_RUNS("allconv", 32)
ZOO_RUNS("fashion-bn", 28)

TEST_CASE("every zoo model is run by a test above, or refused with a reason", "[zoo][runtime]") {
  // The list above must grow with the zoo; the grouped AlexNet is counted by the calculator but not run.
  REQUIRE(zoo::names().size() == 21);
  REQUIRE_THROWS_WITH(build_model(zoo::model("alexnet-groups")),
                      Catch::Matchers::Contains("grouped convolutions") && Catch::Matchers::Contains("one-tower"));
}

TEST_CASE("a pool that rounds up runs only where its windows tile", "[zoo][runtime][errors]") {
  // at 71: conv1 (71 - 7 + 2)/2 + 1 = 34 tiles, pool1 (34 - 3)/2 + 1 = 16.5 does not (Caffe: 17, the runtime: 16)
  REQUIRE_THROWS_WITH(build_model(zoo::zfnet(), arch::Shape{3, 71, 71}),
                      Catch::Matchers::Contains("pool1: a pool that rounds up"));
}
