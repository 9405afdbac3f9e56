// Case study: ZFNet (Zeiler and Fergus 2013), AlexNet with a smaller, denser first layer and wider conv3-5.
//
//   ./build/release/lectures/case_zfnet
//
// The calculator's table for the zoo's ZFNet, the lecture's description beside the computed network, and the
// arithmetic behind the paper's sizes at 224: which layers round down, which up.
#include <iomanip>
#include <iostream>
#include <string>

#include "calculator/arch.hpp"
#include "runtime/run_check.hpp"
#include "core/errors.hpp"
#include "core/shapes.hpp"
#include "calculator/zoo.hpp"
#include "walkthrough.hpp"

using namespace cnn;
using namespace cnn::arch;

using walkthrough::section;
using walkthrough::compare;
using walkthrough::layer;

int main(int argc, char** argv) {
  const LayerSet layers = walkthrough::layers_argument(argc, argv, zoo::zfnet(),
                            "Case study: ZFNet (Zeiler and Fergus 2013), AlexNet with a smaller, denser first layer and wider conv3-5.\n\nThe calculator's table for the zoo's ZFNet, the lecture's description beside the computed network, and the\narithmetic behind the paper's sizes at 224: which layers round down, which up.");
  const Architecture net = zoo::zfnet();
  const NetworkStats z = analyze(net);
  const NetworkStats a = analyze(zoo::alexnet());

  section("ZFNet: " + net.title);
  std::cout << format_table(z, TableFormat::text) << "\n" << format_summary(z, TableFormat::text);

  section("The lecture's changes to AlexNet, computed");
  compare("", "AlexNet", "ZFNet", 28, 26);
  compare("CONV1", layer(a, "conv1").config, layer(z, "conv1").config, 28, 26);
  compare("CONV1 output", to_string(layer(a, "conv1").output), to_string(layer(z, "conv1").output), 28, 26);
  compare("CONV1 parameters", with_commas(layer(a, "conv1").parameters()), with_commas(layer(z, "conv1").parameters()), 28, 26);
  for (const char* name : {"conv3", "conv4", "conv5"})
    compare(std::string(name) + " filters", std::to_string(layer(a, name).output.c),
            std::to_string(layer(z, name).output.c), 28, 26);
  compare("POOL3 output", to_string(layer(a, "pool5").output), to_string(layer(z, "pool5").output), 28, 26);
  compare("total parameters", with_commas(a.total.parameters()), with_commas(z.total.parameters()), 28, 26);
  compare("multiply-adds per image", with_commas(a.total.mult_adds), with_commas(z.total.mult_adds), 28, 26);
  compare("top-5 error (lecture)", "15.4%", "14.8%", 28, 26);

  section("Rounding as the paper's figure 3: 224 -> 110 -> 55 -> 26 -> 13 -> 6");
  std::cout << "On the paper's 224x224 a 7x7 filter at stride 2 never tiles: 224 - 7 = 217 is odd and 2P is even.\n";
  try {
    conv_output_size("conv1", 224, 7, 2, 1);
  } catch (const shape_error& e) {
    std::cout << "  the lecture's rule refuses it:\n    " << e.what() << "\n";
  }
  std::cout << "The paper's 110 is that size rounded down, as PyTorch does (round=floor), and its 55 and 13 are\n"
            << "the 3x3/2 pools rounded up, as Caffe does (round=ceil); PyTorch's floor would give 54:\n";
  for (const char* name : {"conv1", "pool1", "conv2", "pool2", "pool5"}) {
    const LayerStats& l = layer(z, name);
    std::cout << "  " << std::left << std::setw(6) << name << std::setw(34) << l.config << to_string(l.output)
              << (l.note.empty() ? "  (tiles)" : "  (" + l.note + ")") << "\n";
  }
  const LayerStats floor_pool = analyze(Pool{.name = "pool1", .size = 3, .stride = 2}, layer(z, "conv1").output);
  std::cout << "  pool1 rounding down instead: " << to_string(floor_pool.output) << "; then conv2's 5x5/2 tiles at no "
            << "padding (54 - 5 = 49 is odd, 2P even).\n";

  section("A real forward and backward pass, every shape checked against the calculator");
  // Built by the runtime from the same spec as the table above, on one image (107.6M parameters: about 2.6 GB
  // of weights, gradients and caches in double). The runtime's pools round down, so it runs at 233x233, the
  // size nearest 224 at which every window tiles: conv1 (233 - 7 + 2)/2 + 1 = 115, pools 57, 13 and 6, conv2 27;
  // fc6 still sees 6x6x512, so the parameters are the same.
  const arch::Shape run_input{3, 233, 233};
  std::cout << "Running zfnet on random images, input " << to_string(run_input) << ", batch 1:\n";
  const RunReport run = run_and_check(zoo::zfnet(), run_input, 1, 1, 200'000'000, layers);
  std::cout << run.table();
  if (!run.all_match) return 1;
  return 0;
}
