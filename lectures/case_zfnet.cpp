// Case study: ZFNet (Zeiler and Fergus 2013), AlexNet with a smaller, denser first layer and wider conv3-5.
//
//   ./build/release/lectures/case_zfnet
//
// The calculator's table for the zoo's ZFNet, the lecture's description beside the computed network, and the
// arithmetic behind the padding the zoo chose (the lecture gives none).
#include <iomanip>
#include <iostream>
#include <string>

#include "cnnlab/arch.hpp"
#include "cnnlab/run_check.hpp"
#include "cnnlab/errors.hpp"
#include "cnnlab/shapes.hpp"
#include "cnnlab/zoo.hpp"
#include "walkthrough.hpp"

using namespace cnn;
using namespace cnn::arch;

using walkthrough::section;
using walkthrough::compare;
using walkthrough::layer;

int main(int argc, char** argv) {
  const LayerSet layers = walkthrough::layers_argument(argc, argv, zoo::zfnet(), "Case study: ZFNet (Zeiler and Fergus 2013), AlexNet with a smaller, denser first layer and wider conv3-5.\n\nThe calculator's table for the zoo's ZFNet, the lecture's description beside the computed network, and the\narithmetic behind the padding the zoo chose (the lecture gives none).");
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

  section("Choosing the padding: every window must tile");
  std::cout << "On the paper's 224x224, a 7x7 filter at stride 2 never tiles: 224 - 7 = 217 is odd and 2P is even.\n";
  try {
    conv_output_size("conv1", 224, 7, 2, 3);
  } catch (const shape_error& e) {
    std::cout << "  e.g. P = 3: " << e.what() << "\n";
  }
  std::cout << "On AlexNet's 227x227 it does with P = 0: (227 - 7)/2 + 1 = " << layer(z, "conv1").output.w
            << ", and the 3x3/2 pool gives " << layer(z, "pool1").output.w << ".\n"
            << "conv2 keeps the paper's stride 2; its padding decides what pool2 sees:\n";
  for (std::size_t P : {0, 1, 2}) {
    const std::size_t c2 = conv_output_size("conv2", 55, 5, 2, P);
    const LayerStats p2 = analyze(Pool{.name = "pool2", .size = 3, .stride = 2}, Shape{256, c2, c2});
    std::cout << "  P = " << P << ": (55 - 5 + 2*" << P << ")/2 + 1 = " << c2 << ", pool2 -> " << p2.output.w
              << (p2.note.empty() ? " (tiles)" : " (" + p2.note + ")") << "\n";
  }
  std::cout << "P = 1 tiles at every layer and brings back AlexNet's 27, 13 and 6 from conv2 on: the zoo's choice.\n";

  section("A real forward and backward pass, every shape checked against the calculator");
  // Built by the runtime from the same spec as the table above, at its own 227x227 input, on one image (107.6M parameters: about 2.6 GB of
// weights, gradients and caches in double).
  const arch::Shape run_input{3, 227, 227};
  std::cout << "Running zfnet on random images, input " << to_string(run_input) << ", batch 1:\n";
  const RunReport run = run_and_check(zoo::zfnet(), run_input, 1, 1, 200'000'000, layers);
  std::cout << run.table();
  if (!run.all_match) return 1;
  return 0;
}
