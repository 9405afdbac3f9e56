// Case study: VGGNet (Simonyan and Zisserman 2015): only 3x3 convs at stride 1, pad 1, and 2x2 max pools.
//
//   ./build/release/lectures/case_vggnet
//
// The calculator's table for VGG-16, the lecture's memory and parameter figures beside the computed ones, and
// why the lecture's "24M activations" does not follow from its own table.
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <string>

#include "calculator/arch.hpp"
#include "runtime/run_check.hpp"
#include "calculator/zoo.hpp"
#include "walkthrough.hpp"

using namespace cnn;
using namespace cnn::arch;

namespace {

std::string mb(double values, double bytes_per_value = 4) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MB", values * bytes_per_value / 1e6);
  return buf;
}

}  // namespace

using walkthrough::section;
using walkthrough::compare;
using walkthrough::millions;

int main(int argc, char** argv) {
  const LayerSet layers = walkthrough::layers_argument(argc, argv, zoo::vgg16(),
                            "Case study: VGGNet (Simonyan and Zisserman 2015): only 3x3 convs at stride 1, pad 1, and "
                            "2x2 max pools.\n\nThe calculator's table for VGG-16, the lecture's memory, parameter and "
                            "error figures beside the computed ones,\nand why the lecture's \"24M activations\" does "
                            "not follow from its own table.");
  const NetworkStats s = analyze(zoo::vgg16());

  section("VGG-16 (configuration D)");
  std::cout << format_table(s, TableFormat::text) << "\n" << format_summary(s, TableFormat::text);

  // The lecture's table has one line per conv (ReLU applied in place), pool and FC layer, and the input.
  std::size_t table_sum = s.input.size(), conv_acts = 0, early = 0, relu_acts = 0;
  for (const auto& l : s.layers) {
    if (l.type == "conv" || l.type == "max pool" || l.type == "fc") table_sum += l.activations;
    if (l.type == "conv") conv_acts += l.activations;
    if (l.type == "relu") relu_acts += l.activations;
    if (l.type == "conv" && l.output.w == 224) early += l.activations;
  }
  const std::size_t everything = s.total.activations + s.input.size();
  const LayerStats* fc6 = nullptr;
  for (const auto& l : s.layers)
    if (l.name == "fc6") fc6 = &l;

  section("The lecture's numbers and cnnlab's");
  compare("", "lecture", "computed", 40, 24);
  compare("total parameters", "~138M", with_commas(s.total.parameters()) + " (" +
                                           millions(static_cast<double>(s.total.parameters()), 2) + ")", 40, 24);
  compare("fc6 weights, 7*7*512*4096", "~100M (the most)", with_commas(fc6->weights), 40, 24);
  compare("activations: sum of its table's lines", "(not summed)", with_commas(table_sum) + " = " +
                                                                    millions(static_cast<double>(table_sum), 2), 40, 24);
  compare("activations: its stated total", "24M", "-", 40, 24);
  compare("forward memory, float32", "24M * 4 B ~ 93 MB", mb(static_cast<double>(table_sum)) + " (from the table)", 40, 24);
  compare("forward + backward", "~2x: ~186 MB", mb(2.0 * static_cast<double>(table_sum)), 40, 24);
  compare("the two 224x224x64 conv maps", "most of the memory", with_commas(early) + " (" +
                                                                     std::to_string(100 * early / table_sum) + "%)", 40, 24);

  compare("top-5 error, ILSVRC 2013 -> 2014", "11.2% -> 7.3%", "", 40, 24);
  for (const auto& l : s.layers)
    if (l.name == "pool5")
      compare("receptive field of pool5", "", std::to_string(l.rf) + " pixels, jump " + std::to_string(l.jump), 40, 24);
  std::cout << "  (three 3x3 convs see 7x7, as one 7x7 conv would, with 27 C^2 weights instead of 49 C^2; pool5's\n"
               "  212 = 1 + 2+2 + 1 + (4+4) + 2 + 3*8 + 4 + 3*16 + 8 + 3*32 + 16, each F - 1 times the jump)\n";

  section("Where does \"24M\" come from?");
  std::cout
      << "The lecture lists, per layer, the input (150K), each conv output (3.2M, 3.2M, 1.6M, ...), each pool\n"
      << "and each FC layer. Those lines add to " << with_commas(table_sum) << " values, 15.2M, i.e. "
      << mb(static_cast<double>(table_sum)) << " in float32,\nnot 24M and 93 MB. Other ways of counting do not give 24M either:\n"
      << "  - 24M * 4 bytes is 96 MB (91.6 MiB); 93 MB would be 23.25M values;\n"
      << "  - counting ReLU outputs as separate arrays adds " << with_commas(relu_acts) << " (the conv and FC outputs once more): "
      << millions(static_cast<double>(table_sum + relu_acts), 2) << ";\n"
      << "  - every layer output cnnlab lists (ReLU, dropout, softmax included) plus the input: "
      << with_commas(everything) << " = " << millions(static_cast<double>(everything), 2) << " ("
      << mb(static_cast<double>(everything)) << ").\n"
      << "So the per-layer numbers are right (cnnlab reproduces each one) and the total is a slip: the forward\n"
      << "pass of VGG-16 stores about 15.2M values per image (61 MB float32) when ReLU works in place, about\n"
      << "twice that with the backward pass's gradients. Convolutions alone produce " << with_commas(conv_acts)
      << " of them.\n";

  section("VGG-19 (configuration E), for comparison");
  const NetworkStats e = analyze(zoo::vgg19());
  compare("", "VGG-16", "VGG-19", 40, 24);
  compare("parameters", with_commas(s.total.parameters()), with_commas(e.total.parameters()), 40, 24);
  compare("multiply-adds per image", with_commas(s.total.mult_adds), with_commas(e.total.mult_adds), 40, 24);

  section("A real forward and backward pass, every shape checked against the calculator");
  // Built by the runtime from the same spec as the table above, at a REDUCED input of 64x64 (at 224x224 the backward pass in double needs
// several GB and minutes); fc6 then sees 2x2x512 instead of 7x7x512, so it has fewer parameters.
  const arch::Shape run_input{3, 64, 64};
  std::cout << "Running vgg16 on random images, input " << to_string(run_input) << ", batch 2:\n";
  const RunReport run = run_and_check(zoo::vgg16(), run_input, 2, 1, 200'000'000, layers);
  std::cout << run.table();
  if (!run.all_match) return 1;
  return 0;
}
