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

#include "cnnlab/arch.hpp"
#include "cnnlab/run_check.hpp"
#include "cnnlab/zoo.hpp"
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

using walkthrough::section;

int main(int argc, char** argv) {
  const LayerSet layers = walkthrough::layers_argument(argc, argv, zoo::resnet(50), "Case study: ResNet (He et al. 2016): 152 layers, residual blocks, batch norm after every conv.\n\nThe calculator's table for ResNet-152 (one row per residual block), one block opened up, the lecture's\n\"152 layers\" counted, and the five depths of the paper's table 1 beside its multiply-add figures.");
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

  section("A real forward and backward pass, every shape checked against the calculator");
  // Built by the runtime from the same spec as the table above, for ResNet-50 at a REDUCED input of 65x65: at 224x224 the stride-2
// convolutions only fit by rounding down, which cnnlab refuses; at odd sizes such as 65 they tile.
  const arch::Shape run_input{3, 65, 65};
  std::cout << "Running resnet(50) on random images, input " << to_string(run_input) << ", batch 2:\n";
  const RunReport run = run_and_check(zoo::resnet(50), run_input, 2, 1, 200'000'000, layers);
  std::cout << run.table();
  if (!run.all_match) return 1;
  return 0;
}
