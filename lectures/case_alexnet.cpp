// Case study: AlexNet (Krizhevsky et al. 2012), the network that won ImageNet by a large margin.
//
//   ./build/release/lectures/case_alexnet
//
// The calculator's table for the lecture's one-tower AlexNet (227x227x3), the lecture's numbers beside the
// computed ones, why the input is 227 and not the paper's 224, and the original two-GPU version.
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <string>

#include "calculator/arch.hpp"
#include "runtime/run_check.hpp"
#include "core/errors.hpp"
#include "calculator/zoo.hpp"
#include "walkthrough.hpp"

using namespace cnn;
using namespace cnn::arch;

using walkthrough::section;
using walkthrough::compare;
using walkthrough::layer;
using walkthrough::millions;

int main(int argc, char** argv) {
  const LayerSet layers = walkthrough::layers_argument(argc, argv, zoo::alexnet(),
                            "Case study: AlexNet (Krizhevsky et al. 2012), the network that won ImageNet by a large "
                            "margin.\n\nThe calculator's table for the lecture's one-tower AlexNet (227x227x3), the "
                            "lecture's numbers beside the\ncomputed ones, its training recipe and error rates, why the "
                            "input is 227 and not the paper's 224,\nand the original two-GPU version.");
  const Architecture net = zoo::alexnet();
  const NetworkStats s = analyze(net);

  section("AlexNet: " + net.title);
  std::cout << format_table(s, TableFormat::text) << "\n" << format_summary(s, TableFormat::text);

  section("The lecture's numbers and cnnlab's");
  compare("", "lecture", "computed", 30, 24);
  compare("CONV1 output", "55x55x96", to_string(layer(s, "conv1").output), 30, 24);
  compare("CONV1 parameters", "~35K (11*11*3*96)", with_commas(layer(s, "conv1").parameters()) + " (" +
                                                       with_commas(layer(s, "conv1").weights) + " + 96 biases)", 30, 24);
  compare("POOL1 output", "27x27x96", to_string(layer(s, "pool1").output), 30, 24);
  compare("POOL1 parameters", "0", with_commas(layer(s, "pool1").parameters()), 30, 24);
  compare("CONV2 output", "27x27x256", to_string(layer(s, "conv2").output), 30, 24);
  compare("POOL2 output", "13x13x256", to_string(layer(s, "pool2").output), 30, 24);
  compare("CONV3-5 output", "13x13x384, 384, 256", to_string(layer(s, "conv3").output) + ", " +
                                                       std::to_string(layer(s, "conv4").output.c) + ", " +
                                                       std::to_string(layer(s, "conv5").output.c), 30, 24);
  compare("POOL3 output", "6x6x256", to_string(layer(s, "pool5").output), 30, 24);
  compare("total parameters", "~60M",
          with_commas(s.total.parameters()) + " (" + millions(s.total.parameters()) + ")", 30, 24);
  std::size_t fc = 0, fc_macs = 0;
  for (const auto& l : s.layers)
    if (l.type == "fc") {
      fc += l.parameters();
      fc_macs += l.mult_adds;
    }
  auto percent = [](std::size_t part, std::size_t whole) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.0f%%", 100.0 * static_cast<double>(part) / static_cast<double>(whole));
    return std::string(buf);
  };
  std::cout << "\n  " << with_commas(fc) << " of the parameters (" << percent(fc, s.total.parameters())
            << ") sit in the three fully connected layers; the convolutions hold "
            << with_commas(s.total.parameters() - fc) << " but do "
            << percent(s.total.mult_adds - fc_macs, s.total.mult_adds) << " of the multiply-adds.\n";

  section("How it was trained, and how well (the lecture's recipe)");
  compare("", "lecture", "", 30, 24);
  compare("activation", "ReLU (its first use)", "", 30, 24);
  compare("normalization", "LRN (not common now)", "", 30, 24);
  compare("regularization", "dropout 0.5", "drop6, drop7: p = 0.5 in the table above", 30, 24);
  compare("data augmentation", "heavy", "", 30, 24);
  compare("batch size", "128", "", 30, 24);
  compare("update rule", "SGD, momentum 0.9", "train --rule momentum --momentum 0.9", 30, 24);
  compare("learning rate", "1e-2, /10 on plateaus", "train --lr 0.01 (no plateau schedule)", 30, 24);
  compare("weight decay", "L2, 5e-4", "train --weight-decay 0.0005", 30, 24);
  compare("top-5 error, one network", "18.2%", "", 30, 24);
  compare("top-5 error, 7 networks", "15.4%", "", 30, 24);
  compare("receptive field of POOL3", "", std::to_string(layer(s, "pool5").rf) + " pixels, jump " +
                                              std::to_string(layer(s, "pool5").jump), 30, 24);
  std::cout << "  (RF: 11 after conv1, + 2*4 = 19 after pool1, + 4*8 = 51 after conv2, + 2*8 = 67 after pool2,\n"
               "  + 3 * 2*16 = 163 after conv3-5, + 2*16 = 195 after pool3: one 6x6 position sees 195x195 pixels)\n";

  section("Why 227x227 and not the paper's 224x224");
  try {
    analyze(net, Shape{3, 224, 224});
  } catch (const shape_error& e) {
    std::cout << "At 224: " << e.what() << "\n";
  }
  std::cout << "At 227: (227 - 11)/4 + 1 = 55. The paper's figure says 224, but only 227 (or 223, 231, ...) lets\n"
               "the 11x11 filters tile at stride 4; the lecture's 227 is the size that works.\n";

  section("The original: two GPUs, conv2, conv4 and conv5 in two groups");
  const NetworkStats g = analyze(zoo::alexnet_groups());
  std::cout << "Each GPU holds half the filters, and conv2, conv4, conv5 only see the maps of their own GPU\n"
               "(conv3 and the fully connected layers see both). Grouping halves those layers' weights:\n";
  compare("", "one tower", "two groups", 30, 24);
  for (const char* name : {"conv2", "conv4", "conv5"})
    compare(std::string(name) + " parameters", with_commas(layer(s, name).parameters()),
            with_commas(layer(g, name).parameters()), 30, 24);
  compare("total parameters", with_commas(s.total.parameters()), with_commas(g.total.parameters()), 30, 24);
  compare("multiply-adds per image", with_commas(s.total.mult_adds), with_commas(g.total.mult_adds), 30, 24);
  std::cout << "\n  60,965,224 is the count of Caffe's bvlc_alexnet; the lecture's \"~60M\" fits both.\n";

  section("A real forward and backward pass, every shape checked against the calculator");
  // Built by the runtime from the same spec as the table above, at its own 227x227 input, on a batch of 2
  // (fc6 alone holds 37.7M weights).
  const arch::Shape run_input{3, 227, 227};
  std::cout << "Running alexnet on random images, input " << to_string(run_input) << ", batch 2:\n";
  const RunReport run = run_and_check(zoo::alexnet(), run_input, 2, 1, 200'000'000, layers);
  std::cout << run.table();
  if (!run.all_match) return 1;
  return 0;
}
