// Case study: GoogLeNet (Szegedy et al. 2015): inception modules, no fully connected layers but the last.
//
//   ./build/release/lectures/case_googlenet
//
// The calculator's table (one row per inception module, as table 1 of the paper), the inside of one module,
// and the lecture's "about 5M parameters" beside the computed count.
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

using walkthrough::section;
using walkthrough::compare;
using walkthrough::millions;

int main(int argc, char** argv) {
  const LayerSet layers = walkthrough::layers_argument(argc, argv, zoo::googlenet(),
                            "Case study: GoogLeNet (Szegedy et al. 2015): inception modules, no fully connected "
                            "layers but the last.\n\nThe calculator's table (one row per inception module, as table 1 "
                            "of the paper), the inside of one module,\nand the lecture's \"about 5M parameters\" and "
                            "\"12x fewer than AlexNet\" beside the computed count.");
  const NetworkStats s = analyze(zoo::googlenet());

  section("GoogLeNet (inception v1), one row per module");
  std::cout << format_table(s, TableFormat::text) << "\n" << format_summary(s, TableFormat::text);

  section("Inside inception_3a: four branches on the same 28x28x192 input, concatenated");
  const LayerStats* i3a = nullptr;
  for (const auto& l : s.layers)
    if (l.name == "inception_3a") i3a = &l;
  for (const auto& p : i3a->parts)
    std::cout << "  " << std::left << std::setw(30) << p.name << std::setw(22) << p.config << std::setw(12)
              << to_string(p.output) << std::right << std::setw(10) << with_commas(p.parameters()) << "\n";
  std::cout << "The 1x1 'reduce' convs shrink the depth from 192 to 96 and 16 before the 3x3 and 5x5 filters:\n"
               "without them the 5x5 branch alone would need 5*5*192*32 = "
            << with_commas(5 * 5 * 192 * 32) << " weights instead of 192*16 + 5*5*16*32 = "
            << with_commas(192 * 16 + 5 * 5 * 16 * 32) << ".\n";

  section("The lecture's numbers and cnnlab's");
  std::size_t fc = 0, biases = s.total.biases;
  for (const auto& l : s.layers) fc += l.type == "fc" ? l.parameters() : 0;
  compare("", "lecture", "computed");
  compare("parameters", "~5M", with_commas(s.total.parameters()) + " (" + millions(s.total.parameters()) + ")");
  compare("  of which the final FC layer", "", with_commas(fc));
  compare("  of which biases", "", with_commas(biases));
  compare("AlexNet's parameters", "60M", with_commas(analyze(zoo::alexnet()).total.parameters()));
  compare("VGG-16's parameters", "140M", with_commas(analyze(zoo::vgg16()).total.parameters()));
  compare("multiply-adds per image", "(paper: 1.5 billion)", with_commas(s.total.mult_adds));
  compare("top-5 error", "6.7%", "");
  {
    const double alex = static_cast<double>(analyze(zoo::alexnet()).total.parameters());
    const double groups = static_cast<double>(analyze(zoo::alexnet_groups()).total.parameters());
    const double ours = static_cast<double>(s.total.parameters());
    compare("AlexNet / GoogLeNet parameters", "12x (60M / 5M)",
            walkthrough::fixed(alex / ours, 1, "x") + " (one tower), " + walkthrough::fixed(groups / ours, 1, "x") +
                " (two groups)");
    std::cout << "  (the paper's \"12 times fewer\" counts about 5M; the network of its table 1 has 7.0M, so\n"
                 "  AlexNet's 60-62M is about 9 times as many)\n";
  }

  // Table 1 of the paper, column "params", rounded as printed there (K = thousand).
  const std::vector<std::pair<std::string, double>> paper = {
      {"conv1", 2.7e3},           {"conv2", 112e3},           {"inception_3a", 159e3}, {"inception_3b", 380e3},
      {"inception_4a", 364e3},    {"inception_4b", 437e3},    {"inception_4c", 463e3}, {"inception_4d", 580e3},
      {"inception_4e", 840e3},    {"inception_5a", 1072e3},   {"inception_5b", 1388e3}, {"fc", 1000e3}};
  double paper_sum = 0;
  for (const auto& [name, v] : paper) paper_sum += v;
  std::cout << "\nWhere the ~5M comes from: the paper says GoogLeNet \"uses 12 times fewer parameters than\" AlexNet\n"
               "(60M / 12 = 5M). Its own table 1 lists per-layer counts (weights only, rounded) that add to "
            << millions(static_cast<std::size_t>(paper_sum)) << ";\ncounting every weight and bias of the same layers gives "
            << millions(s.total.parameters()) << ":\n\n";
  std::cout << "  " << std::left << std::setw(16) << "layer" << std::right << std::setw(12) << "table 1"
            << std::setw(14) << "computed" << "\n";
  for (const auto& [name, v] : paper) {
    std::size_t ours = 0;
    for (const auto& l : s.layers)
      if (l.name == name || (name == "conv2" && (l.name == "conv2" || l.name == "conv2_reduce"))) ours += l.parameters();
    std::cout << "  " << std::left << std::setw(16) << name << std::right << std::setw(12)
              << with_commas(static_cast<std::size_t>(v)) << std::setw(14) << with_commas(ours) << "\n";
  }
  std::cout << "\n(conv1's 2.7K in the paper is below its 7*7*3*64 = 9,408 weights; the rest differ by the biases\n"
               "and the rounding.) With the two auxiliary classifiers used in training the network has "
            << with_commas(analyze(zoo::googlenet(true)).total.parameters()) << " parameters.\n";

  section("A real forward and backward pass, every shape checked against the calculator");
  // Built by the runtime from the same spec as the table above, at a REDUCED input of 97x97, the size nearest below 224 at
// which every convolution tiles exactly (cnnlab refuses rounding; 224 needs it at conv1); the global
// average pool makes the parameter count independent of the input size.
  const arch::Shape run_input{3, 97, 97};
  std::cout << "Running googlenet on random images, input " << to_string(run_input) << ", batch 2:\n";
  const RunReport run = run_and_check(zoo::googlenet(), run_input, 2, 1, 200'000'000, layers);
  std::cout << run.table();
  if (!run.all_match) return 1;
  return 0;
}
