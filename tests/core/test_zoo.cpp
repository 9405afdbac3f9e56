// Tests of the model zoo (src/calculator/zoo.hpp): every network against the same network built by hand in
// PyTorch (tests/reference/zoo_torch.py -> zoo_torch.hpp: parameters from model.parameters(), multiply-adds
// and conv output shapes from a real forward pass), and against figures published in the papers.
#include "calculator/zoo.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <set>

#include "core/errors.hpp"
#include "reference/zoo_torch.hpp"

using namespace cnn;
using namespace cnn::arch;
using Catch::Matchers::Contains;

namespace {

void leaves(const LayerStats& s, std::vector<const LayerStats*>& out) {
  if (s.parts.empty()) out.push_back(&s);
  for (const auto& p : s.parts) leaves(p, out);
}

std::vector<const LayerStats*> leaves(const NetworkStats& n) {
  std::vector<const LayerStats*> out;
  for (const auto& s : n.layers) leaves(s, out);
  return out;
}

double relative_gap(double ours, double published) { return std::abs(ours - published) / published; }

}  // namespace

TEST_CASE("every zoo model has a PyTorch reference and every reference a zoo model", "[zoo]") {
  // The ResNet v1.5 variants are checked against torchvision's published figures instead (below).
  std::set<std::string> zoo_names, ref_names;
  for (const auto& n : zoo::names())
    if (n.find("-v1.5") == std::string::npos) zoo_names.insert(n);
  for (const auto& r : ref::zoo_models) ref_names.insert(r.name);
  REQUIRE(zoo_names == ref_names);
  REQUIRE(zoo_names.size() + 3 == zoo::names().size());  // no name twice
}

TEST_CASE("zoo parameter totals equal PyTorch's count of the same network", "[zoo][torch]") {
  for (const auto& r : ref::zoo_models) {
    INFO(r.name);
    const NetworkStats n = analyze(zoo::model(r.name));
    CHECK(n.total.parameters() == r.parameters);
  }
}

TEST_CASE("zoo multiply-adds equal those of PyTorch's forward pass", "[zoo][torch]") {
  for (const auto& r : ref::zoo_models) {
    INFO(r.name);
    CHECK(analyze(zoo::model(r.name)).total.mult_adds == r.mult_adds);
  }
}

TEST_CASE("every conv of every zoo model has PyTorch's output shape, in forward order", "[zoo][torch]") {
  for (const auto& r : ref::zoo_models) {
    INFO(r.name);
    const NetworkStats n = analyze(zoo::model(r.name));
    std::vector<std::array<std::size_t, 3>> convs;
    for (const LayerStats* s : leaves(n))
      if (s->type == "conv") convs.push_back({s->output.c, s->output.h, s->output.w});
    CHECK(convs == r.conv_outputs);
    CHECK(std::array<std::size_t, 3>{n.total.output.c, n.total.output.h, n.total.output.w} == r.output);
  }
}

TEST_CASE("LeNet-5 61,706 by hand; published figures: AlexNet 62,378,344 / 60,965,224, VGG, ResNet as torchvision",
          "[zoo]") {
  // Independent of PyTorch: LeNet-5 summed by hand (6*26 + 16*151 + 400*120 + 120 + 120*84 + 84 + 84*10 + 10;
  // the lecture gives no count), the summed layer formulas of AlexNet, and the counts torchvision prints.
  REQUIRE(analyze(zoo::lenet5()).total.parameters() == 6 * 26 + 16 * 151 + 400 * 120 + 120 + 120 * 84 + 84 + 84 * 10 + 10);
  REQUIRE(analyze(zoo::lenet5()).total.parameters() == 61706);
  REQUIRE(analyze(zoo::lenet5_fashion()).total.parameters() == 61706);
  REQUIRE(analyze(zoo::alexnet()).total.parameters() == 62378344);
  REQUIRE(analyze(zoo::alexnet_groups()).total.parameters() == 60965224);
  REQUIRE(analyze(zoo::vgg16()).total.parameters() == 138357544);
  REQUIRE(analyze(zoo::vgg19()).total.parameters() == 143667240);
  REQUIRE(analyze(zoo::resnet(18)).total.parameters() == 11689512);
  REQUIRE(analyze(zoo::resnet(34)).total.parameters() == 21797672);
  REQUIRE(analyze(zoo::resnet(50)).total.parameters() == 25557032);
  REQUIRE(analyze(zoo::resnet(101)).total.parameters() == 44549160);
  REQUIRE(analyze(zoo::resnet(152)).total.parameters() == 60192808);
}

TEST_CASE("ResNet multiply-adds match table 1 of the paper (1.8, 3.6, 3.8, 7.6, 11.3 billion)", "[zoo]") {
  // The paper calls them FLOPs but counts multiply-adds; its figures have two significant digits.
  const std::vector<std::pair<int, double>> table = {{18, 1.8e9}, {34, 3.6e9}, {50, 3.8e9}, {101, 7.6e9},
                                                     {152, 11.3e9}};
  for (const auto& [depth, published] : table) {
    INFO("resnet" << depth);
    const double ours = static_cast<double>(analyze(zoo::resnet(depth)).total.mult_adds);
    CHECK(relative_gap(ours, published) < 0.03);
  }
}

TEST_CASE("GoogLeNet: about 1.5 billion multiply-adds, as the paper budgets", "[zoo]") {
  const double ours = static_cast<double>(analyze(zoo::googlenet()).total.mult_adds);
  REQUIRE(relative_gap(ours, 1.5e9) < 0.06);
}

TEST_CASE("the lecture's VGG-16 table: its per-layer activations add to 15.2M with the input", "[zoo]") {
  // The lecture's table lists the input, every conv (ReLU in place), every pool and every FC layer.
  const NetworkStats n = analyze(zoo::vgg16());
  std::size_t lecture_sum = n.input.size();
  for (const auto& s : n.layers)
    if (s.type == "conv" || s.type == "max pool" || s.type == "fc") lecture_sum += s.activations;
  // By hand: convs 13,547,520 + pools 1,530,368 + fc 9,192 + input 150,528.
  REQUIRE(lecture_sum == 15237608);
  REQUIRE(n.total.activations - n.total.in_place + n.input.size() == lecture_sum + 1000);  // + the softmax
}

TEST_CASE("AlphaGo policy: 19x19x48 in, 192 maps kept at 19x19 by padding, 361 probabilities out", "[zoo]") {
  const NetworkStats n = analyze(zoo::alphago_policy());
  REQUIRE(n.layers[0].output == Shape{192, 19, 19});
  REQUIRE(n.layers[0].parameters() == 5 * 5 * 48 * 192 + 192);
  REQUIRE(n.total.output == Shape{361, 1, 1});
  std::size_t convs = 0;
  for (const auto& s : n.layers) convs += s.type == "conv";
  REQUIRE(convs == 13);
}

TEST_CASE("layer names are unique within every network, blocks' parts included", "[zoo]") {
  for (const auto& name : zoo::names()) {
    INFO(name);
    std::set<std::string> seen;
    const NetworkStats n = analyze(zoo::model(name));
    for (const auto& s : n.layers) {
      REQUIRE(seen.insert(s.name).second);
      for (const auto& part : s.parts) REQUIRE(seen.insert(part.name).second);  // "block/layer"
    }
  }
}

TEST_CASE("networks with a global average pool take other inputs, AlexNet at 224 is refused", "[zoo]") {
  const NetworkStats r = analyze(zoo::resnet(50), Shape{3, 256, 256});
  REQUIRE(r.total.parameters() == 25557032);  // no layer depends on the input size
  REQUIRE(r.layers[r.layers.size() - 3].input == Shape{2048, 8, 8});
  REQUIRE(analyze(zoo::googlenet(), Shape{3, 320, 320}).total.parameters() == 6998552);
  REQUIRE_THROWS_WITH(analyze(zoo::alexnet(), Shape{3, 224, 224}),
                      Contains("conv1: (W - F + 2P) = 213 is not divisible by stride S = 4"));
  // LeNet-5 at 28x28 without the padding: conv1 gives 24x24 and fc3 sees 4x4x16.
  const NetworkStats l = analyze(zoo::lenet5(), Shape{1, 28, 28});
  REQUIRE(l.layers[6].config == "D=256 M=120");
}

TEST_CASE("unknown names and depths are refused with the known ones listed", "[zoo][errors]") {
  REQUIRE_THROWS_WITH(zoo::model("lenet"), Contains("no model named 'lenet'") && Contains("lenet5-fashion"));
  REQUIRE_THROWS_AS(zoo::resnet(20), value_error);
}

TEST_CASE("ResNet v1.5 (torchvision): the paper's parameters, and 3 x 77,070,336 more multiply-adds", "[zoo]") {
  // Moving the stride of a stage's first bottleneck from its 1x1 conv to its 3x3 conv leaves every weight as
  // it is, and runs that 1x1 conv at the stage's input size: by hand, stage 3 (56^2 - 28^2) * 256 * 128,
  // stage 4 (28^2 - 14^2) * 512 * 256, stage 5 (14^2 - 7^2) * 1024 * 512, each 77,070,336.
  const std::size_t extra = (56 * 56 - 28 * 28) * 256 * 128 + (28 * 28 - 14 * 14) * 512 * 256 +
                            (14 * 14 - 7 * 7) * 1024 * 512;
  REQUIRE(extra == 3 * 77070336);
  // torchvision's model pages give 4.09, 7.80 and 11.51 GFLOPS (multiply-adds) for resnet50, 101, 152.
  const std::vector<std::pair<int, double>> published = {{50, 4.09e9}, {101, 7.80e9}, {152, 11.51e9}};
  for (const auto& [depth, gmacs] : published) {
    INFO("resnet" << depth);
    const NetworkStats paper = analyze(zoo::resnet(depth));
    const NetworkStats v15 = analyze(zoo::resnet_v15(depth));
    CHECK(v15.total.parameters() == paper.total.parameters());
    CHECK(v15.total.mult_adds == paper.total.mult_adds + extra);
    CHECK(std::abs(static_cast<double>(v15.total.mult_adds) - gmacs) < 0.005e9);
    CHECK(zoo::model("resnet" + std::to_string(depth) + "-v1.5").title.find("torchvision") != std::string::npos);
    CHECK(zoo::model("resnet" + std::to_string(depth)).title.find("as in the paper") != std::string::npos);
  }
  REQUIRE_THROWS_AS(zoo::resnet_v15(34), value_error);
}

TEST_CASE("ZFNet at the paper's 224: figure 3's sizes 110, 55, 26, 13, 13, 13, 6", "[zoo]") {
  const NetworkStats n = analyze(zoo::zfnet());
  REQUIRE(n.input == Shape{3, 224, 224});
  std::vector<std::size_t> sizes;
  for (const auto& s : n.layers)
    if (s.type == "conv" || s.type == "max pool") sizes.push_back(s.output.w);
  // conv1 (224 - 7 + 2)/2 + 1 = 110.5 -> 110 (floor); pool1 (110 - 3)/2 + 1 = 54.5 -> 55 (ceil);
  // conv2 (55 - 5)/2 + 1 = 26; pool2 (26 - 3)/2 + 1 = 12.5 -> 13 (ceil); conv3-5 13; pool5 (13 - 3)/2 + 1 = 6
  REQUIRE(sizes == std::vector<std::size_t>{110, 55, 26, 13, 13, 13, 13, 6});
  REQUIRE(n.total.parameters() == 107627624);  // the same as at 227: fc6 still sees 6x6x512
}
