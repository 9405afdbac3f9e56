// Case study: the AlphaGo policy network (Silver et al. 2016): a ConvNet on a 19x19 board, no pooling.
//
//   ./build/release/lectures/case_alphago
//
// The calculator's table, then the lecture's description of each layer beside the computed sizes.
#include <iomanip>
#include <iostream>
#include <string>

#include "calculator/arch.hpp"
#include "runtime/run_check.hpp"
#include "calculator/zoo.hpp"
#include "walkthrough.hpp"

using namespace cnn;
using namespace cnn::arch;

using walkthrough::section;
using walkthrough::compare;

int main(int argc, char** argv) {
  const LayerSet layers = walkthrough::layers_argument(argc, argv, zoo::alphago_policy(), "Case study: the AlphaGo policy network (Silver et al. 2016): a ConvNet on a 19x19 board, no pooling.\n\nThe calculator's table, then the lecture's description of each layer beside the computed sizes.");
  const NetworkStats s = analyze(zoo::alphago_policy());

  section("The AlphaGo policy network");
  std::cout << format_table(s, TableFormat::text) << "\n" << format_summary(s, TableFormat::text);

  section("The lecture's description and cnnlab's");
  const LayerStats& c1 = s.layers[0];
  const LayerStats& c2 = s.layers[2];
  compare("", "lecture", "computed", 30, 36);
  compare("input", "19x19x48 feature planes", to_string(s.input), 30, 36);
  compare("layer 1", "pad to 23x23, 192 filters 5x5", c1.config + ": 19 + 2*2 = 23, (23 - 5)/1 + 1 = " +
                                                          std::to_string(c1.output.w), 30, 36);
  compare("layer 1 output", "", to_string(c1.output) + ", " + with_commas(c1.parameters()) + " parameters", 30, 36);
  compare("layers 2-12", "pad to 21x21, 192 filters 3x3", c2.config + ": 19 + 2*1 = 21, (21 - 3)/1 + 1 = " +
                                                              std::to_string(c2.output.w), 30, 36);
  compare("each of layers 2-12", "", with_commas(c2.parameters()) + " parameters", 30, 36);
  const LayerStats& last = s.layers[s.layers.size() - 3];
  compare("final layer", "1x1 conv, 1 filter", last.config + " -> " + to_string(last.output), 30, 36);
  compare("output", "softmax over the board", std::to_string(s.total.output.size()) + " probabilities (19*19)", 30, 36);
  compare("total parameters", "", with_commas(s.total.parameters()), 30, 36);
  std::cout << "\nNo pooling anywhere: every layer keeps the 19x19 board, since a move is a single point. The\n"
               "paper's last layer has one bias per position (+360 parameters); the zoo keeps one, as a conv has.\n";

  section("A real forward and backward pass, every shape checked against the calculator");
  // Built by the runtime from the same spec as the table above, on the 19x19x48 board, a batch of 4 positions.
  const arch::Shape run_input{48, 19, 19};
  std::cout << "Running alphago_policy on random images, input " << to_string(run_input) << ", batch 4:\n";
  const RunReport run = run_and_check(zoo::alphago_policy(), run_input, 4, 1, 200'000'000, layers);
  std::cout << run.table();
  if (!run.all_match) return 1;
  return 0;
}
