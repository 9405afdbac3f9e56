// Case study: LeNet-5 (LeCun et al. 1998), the lecture's first architecture, layer by layer.
//
//   ./build/release/lectures/case_lenet5
//
// Prints the calculator's table for the zoo's LeNet-5 (src/calculator/zoo.cpp), then the lecture's numbers beside the
// computed ones. The forward and backward passes come later; this is the bookkeeping.
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
  const LayerSet layers = walkthrough::layers_argument(argc, argv, zoo::lenet5(),
                            "Case study: LeNet-5 (LeCun et al. 1998), the lecture's first architecture, layer by "
                            "layer.\n\nPrints the calculator's table for the zoo's LeNet-5 (src/calculator/zoo.cpp), then the "
                            "lecture's numbers beside the\ncomputed ones. The forward and backward passes come later; "
                            "this is the bookkeeping.");
  const Architecture net = zoo::lenet5();
  const NetworkStats s = analyze(net);

  section("LeNet-5: " + net.title);
  std::cout << format_table(s, TableFormat::text) << "\n" << format_summary(s, TableFormat::text);

  section("The lecture's numbers and cnnlab's");
  compare("", "lecture", "computed");
  compare("input", "32x32", to_string(s.input));
  compare("conv 6 filters 5x5, stride 1", "28x28x6", to_string(s.layers[0].output));
  compare("subsampling 2x2, stride 2", "(14x14x6)", to_string(s.layers[2].output));
  compare("conv 16 filters 5x5, stride 1", "10x10x16", to_string(s.layers[3].output));
  compare("subsampling 2x2, stride 2", "(5x5x16)", to_string(s.layers[5].output));
  compare("total parameters", "(not given)", with_commas(s.total.parameters()));
  std::cout << "\n  The lecture gives no count; layer by layer:";
  for (const auto& l : s.layers)
    if (l.parameters() > 0) std::cout << (l.name == "conv1" ? " " : " + ") << with_commas(l.parameters());
  std::cout << " = " << with_commas(s.total.parameters()) << "\n  (conv1 6*(5*5*1 + 1), conv2 16*(5*5*6 + 1), "
            << "fc3 400*120 + 120, fc4 120*84 + 84, fc5 84*10 + 10)\n";

  section("CONV-POOL-CONV-POOL-CONV-FC: the third 'conv' is a fully connected layer in disguise");
  const LayerStats c5 = analyze(Conv{.name = "C5", .filters = 120, .size = 5}, s.layers[5].output);
  std::cout << "On a 5x5x16 volume, 120 filters of 5x5x16 fit exactly once: output " << to_string(c5.output)
            << ", " << with_commas(c5.parameters()) << " parameters,\nthe same as the fully connected fc3 ("
            << with_commas(s.layers[6].parameters()) << "): each filter is a dot product with all "
            << s.layers[5].output.size() << " inputs.\n";

  section("The Fashion-MNIST variant: 28x28 images, padding 2 on the first conv");
  const NetworkStats f = analyze(zoo::lenet5_fashion());
  std::cout << "(28 - 5 + 2*2)/1 + 1 = " << f.layers[0].output.w << ": from there on every size is LeNet-5's; "
            << with_commas(f.total.parameters()) << " parameters, "
            << with_commas(f.total.mult_adds) << " multiply-adds per image.\n";

  section("A real forward and backward pass, every shape checked against the calculator");
  // Built by the runtime from the same spec as the table above, at its own 32x32 input, on a batch of 8.
  const arch::Shape run_input{1, 32, 32};
  std::cout << "Running lenet5 on random images, input " << to_string(run_input) << ", batch 8:\n";
  const RunReport run = run_and_check(zoo::lenet5(), run_input, 8, 1, 200'000'000, layers);
  std::cout << run.table();
  if (!run.all_match) return 1;
  return 0;
}
