// Case study: ResNet (He et al. 2016): 152 layers, residual blocks, batch norm after every conv.
//
//   ./build/release/lectures/case_resnet
//
// The calculator's table for ResNet-152 (one row per residual block), one block opened up, the lecture's
// "152 layers" counted, and the five depths of the paper's table 1 beside its multiply-add figures.
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "calculator/arch.hpp"
#include "runtime/run_check.hpp"
#include "calculator/zoo.hpp"
#include "walkthrough.hpp"

using namespace cnn;
using namespace cnn::arch;

namespace {

void leaves(const LayerStats& s, std::vector<const LayerStats*>& out) {
  if (s.parts.empty()) out.push_back(&s);
  for (const auto& p : s.parts) leaves(p, out);
}

std::string billions(std::size_t n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", static_cast<double>(n) / 1e9);
  return buf;
}

}  // namespace

using walkthrough::compare;
using walkthrough::section;

int main(int argc, char** argv) {
  const LayerSet layers = walkthrough::layers_argument(argc, argv, zoo::resnet(50),
                            "Case study: ResNet (He et al. 2016): 152 layers, residual blocks, batch norm after "
                            "every conv.\n\nThe calculator's table for ResNet-152 (one row per residual block), one "
                            "block opened up, the lecture's\n\"152 layers\" counted, the five depths of the paper's "
                            "table 1 beside its multiply-add figures,\nthe training recipe and error rates, and "
                            "torchvision's v1.5.");
  const NetworkStats s = analyze(zoo::resnet(152));

  section("ResNet-152, one row per residual block");
  std::cout << format_table(s, TableFormat::text) << "\n" << format_summary(s, TableFormat::text);

  section("Inside conv3_1: a bottleneck at stride 2 with a projection shortcut");
  for (const auto& l : s.layers)
    if (l.name == "conv3_1")
      for (const auto& p : l.parts)
        std::cout << "  " << std::left << std::setw(18) << p.name << std::setw(12) << p.type << std::setw(30)
                  << p.config << std::setw(12) << to_string(p.output) << std::right << std::setw(10)
                  << with_commas(p.parameters()) << "\n";
  std::cout << "y = ReLU(F(x) + shortcut(x)): the main path computes a change to x. The sum passes its gradient\n"
               "unchanged to both inputs, so every block hands the gradient straight back to the layers below.\n";

  section("The lecture's \"152 layers\", counted");
  std::vector<const LayerStats*> all;
  for (const auto& l : s.layers) leaves(l, all);
  std::size_t main_convs = 0, projections = 0, fcs = 0, norms = 0;
  for (const LayerStats* l : all) {
    const bool proj = l->name.size() > 5 && l->name.compare(l->name.size() - 5, 5, "/proj") == 0;
    if (l->type == "conv") (proj ? projections : main_convs) += 1;
    if (l->type == "fc") ++fcs;
    if (l->type == "batchnorm") ++norms;
  }
  std::cout << "  convolutions on the main path: " << main_convs << " (conv1 and 3 in each of the 50 blocks)\n"
            << "  fully connected layers:        " << fcs << "\n"
            << "  layers with weights, in depth: " << main_convs + fcs << " (the paper does not count the "
            << projections << " projection shortcuts)\n"
            << "  batch norms:                   " << norms << " (one after every conv, shortcuts included)\n";

  section("Deeper, yet cheaper than VGG: table 1 of the paper");
  const std::vector<std::pair<int, double>> paper = {{18, 1.8}, {34, 3.6}, {50, 3.8}, {101, 7.6}, {152, 11.3}};
  std::cout << "  " << std::left << std::setw(12) << "network" << std::right << std::setw(14) << "parameters"
            << std::setw(22) << "mult-adds (10^9)" << std::setw(18) << "paper (10^9)" << "\n";
  for (const auto& [depth, figure] : paper) {
    const NetworkStats r = analyze(zoo::resnet(depth));
    char fig[16];
    std::snprintf(fig, sizeof fig, "%.1f", figure);
    std::cout << "  " << std::left << std::setw(12) << ("resnet" + std::to_string(depth)) << std::right
              << std::setw(14) << with_commas(r.total.parameters()) << std::setw(22) << billions(r.total.mult_adds)
              << std::setw(18) << fig << "\n";
  }
  for (const char* vgg : {"vgg16", "vgg19"}) {
    const NetworkStats v = analyze(zoo::model(vgg));
    std::cout << "  " << std::left << std::setw(12) << vgg << std::right << std::setw(14)
              << with_commas(v.total.parameters()) << std::setw(22) << billions(v.total.mult_adds) << std::setw(18)
              << (std::string(vgg) == "vgg16" ? "15.3" : "19.6") << "\n";
  }
  std::cout << "(The paper calls them FLOPs; they are multiply-adds. Its VGG figures, 15.3 and 19.6, are from its\n"
               "text. Bottlenecks keep the 3x3 convs narrow: 152 layers cost fewer multiply-adds than VGG's 16 or\n"
               "19. Top-5 error, lecture: 3.6%.)\n";

  section("How it was trained, and how well (the lecture's recipe)");
  compare("", "lecture", "in cnnlab", 30, 30);
  compare("normalization", "batch norm after every conv", std::to_string(norms) + " batch norms in the table", 30, 30);
  compare("initialization", "Xavier/2 (He)", "He for layers before a ReLU", 30, 30);
  compare("update rule", "SGD, momentum 0.9", "train --rule momentum --momentum 0.9", 30, 30);
  compare("learning rate", "0.1, /10 on plateaus", "train --lr 0.1 (no plateau schedule)", 30, 30);
  compare("mini-batch", "256", "train --batch 256", 30, 30);
  compare("weight decay", "1e-5", "train --weight-decay 0.00001", 30, 30);
  compare("dropout", "none", "none in the table", 30, 30);
  compare("training time", "2-3 weeks on 8 GPUs", "", 30, 30);
  compare("top-5 error (ILSVRC 2015)", "3.6%", "", 30, 30);
  compare("humans, for scale", "about 2-3%", "", 30, 30);

  section("Where the stride sits: the paper, and torchvision's v1.5");
  std::cout << "The paper puts a stage's stride 2 on the first 1x1 conv of its first bottleneck; torchvision moves\n"
               "it to the 3x3 conv (resnet50-v1.5 in the zoo). Same weights; the 1x1 then runs at the larger size:\n";
  for (int depth : {50, 101, 152}) {
    const NetworkStats paper_net = analyze(zoo::resnet(depth)), v15 = analyze(zoo::resnet_v15(depth));
    std::cout << "  resnet" << depth << ": " << with_commas(paper_net.total.parameters()) << " parameters both, "
              << billions(paper_net.total.mult_adds) << " -> " << billions(v15.total.mult_adds)
              << " billion mult-adds (+3 x 77,070,336)\n";
  }
  std::cout << "  e.g. stage 3: (56*56 - 28*28) * 256 * 128 = 77,070,336 more products in conv3_1's first 1x1\n";

  section("A real forward and backward pass, every shape checked against the calculator");
  // Built by the runtime from the same spec as the table above, for ResNet-50 at a REDUCED input of 65x65: at
  // 224x224 the stride-2 convolutions only fit by rounding down, which cnnlab refuses; at odd sizes such as 65
  // they tile.
  const arch::Shape run_input{3, 65, 65};
  std::cout << "Running resnet(50) on random images, input " << to_string(run_input) << ", batch 2:\n";
  const RunReport run = run_and_check(zoo::resnet(50), run_input, 2, 1, 200'000'000, layers);
  std::cout << run.table();
  if (!run.all_match) return 1;
  return 0;
}
