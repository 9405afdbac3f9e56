// Case study: the ConvNetJS CIFAR-10 demo the lecture runs in a browser, the architecture pattern the lecture
// ends on, and the lecture's list of common conv settings, each computed.
//
//   ./build/release/lectures/case_convnetjs
//
// The lecture's typical ConvNet is [(CONV-RELU)*N - POOL?]*M - (FC-RELU)*K - SOFTMAX. The demo is one instance
// of it; the table shows its N, M and K, and the common settings say which F, S, P keep or halve a size.
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

#include "calculator/arch.hpp"
#include "core/errors.hpp"
#include "calculator/netfile.hpp"
#include "runtime/run_check.hpp"
#include "calculator/zoo.hpp"
#include "walkthrough.hpp"

using namespace cnn;
using namespace cnn::arch;

using walkthrough::compare;
using walkthrough::section;

int main(int argc, char** argv) {
  const LayerSet layers = walkthrough::layers_argument(argc, argv, zoo::convnetjs_cifar10(),
                            "Case study: the ConvNetJS CIFAR-10 demo, the lecture's pattern\n"
                            "[(CONV-RELU)*N - POOL?]*M - (FC-RELU)*K - SOFTMAX, and its common conv settings.\n\n"
                            "The demo's network as a table and as a network file, its N, M and K, and the output "
                            "size of each\ncommon setting at 32x32, computed.");
  const Architecture net = zoo::convnetjs_cifar10();
  const NetworkStats s = analyze(net);

  section("The ConvNetJS demo: " + net.title);
  std::cout << format_table(s, TableFormat::text) << "\n" << format_summary(s, TableFormat::text);
  std::cout << "\nAs a network file (cnncalc model convnetjs-cifar10 --format net; train --model takes one):\n\n"
            << format_net(net);

  section("The lecture's pattern [(CONV-RELU)*N - POOL?]*M - (FC-RELU)*K - SOFTMAX");
  // Count N (conv-relu pairs before each pool), M (stages) and K (hidden fully connected layers).
  std::vector<std::size_t> convs_per_stage;
  std::size_t convs = 0, fcs = 0;
  for (const auto& l : s.layers) {
    if (l.type == "conv") ++convs;
    if ((l.type == "max pool" || l.type == "avg pool") && convs > 0) {
      convs_per_stage.push_back(convs);
      convs = 0;
    }
    if (l.type == "fc") ++fcs;
  }
  if (convs > 0) convs_per_stage.push_back(convs);
  std::string stages;
  for (std::size_t n : convs_per_stage) stages += (stages.empty() ? "" : ", ") + std::to_string(n);
  compare("", "lecture", "the demo", 34, 26);
  compare("N: CONV-RELU pairs per stage", "N", stages, 34, 26);
  compare("M: stages, each closed by a pool", "M", std::to_string(convs_per_stage.size()), 34, 26);
  compare("K: hidden FC-RELU layers", "K", std::to_string(fcs - 1) + " (one FC gives the scores)", 34, 26);
  compare("accuracy on CIFAR-10", "about 80%", "(not trained here: cnnlab's data is Fashion-MNIST)", 34, 26);
  std::cout << "  the demo is [(CONV-RELU)*1 - POOL]*3 - FC - SOFTMAX; VGG-16 is [(CONV-RELU)*2,2,3,3,3 - POOL]*5 -\n"
               "  (FC-RELU)*2 - FC - SOFTMAX; ResNet and GoogLeNet break the pattern with blocks.\n";

  section("The lecture's common conv settings, at 32x32");
  std::cout << "  K is usually a power of 2 (some libraries have fast paths for those); then:\n";
  const Shape in{3, 32, 32};
  struct Setting {
    std::size_t f, s, p;
    const char* what;
  };
  for (const Setting& c : std::vector<Setting>{{3, 1, 1, "keeps the size"},
                                               {5, 1, 2, "keeps the size"},
                                               {5, 2, 0, "P = whatever fits"},
                                               {1, 1, 0, "a dot product through depth"}}) {
    const std::string name = "F=" + std::to_string(c.f) + ",S=" + std::to_string(c.s) +
                             (c.f == 5 && c.s == 2 ? ",P=?" : ",P=" + std::to_string(c.p));
    const Conv conv{.name = "conv", .filters = 16, .size = c.f, .stride = c.s, .pad = c.p};
    try {
      const LayerStats l = analyze(conv, in);
      compare("  " + name, c.what, "(32 - " + std::to_string(c.f) + " + 2*" + std::to_string(c.p) + ")/" +
                                       std::to_string(c.s) + " + 1 = " + std::to_string(l.output.w), 30, 30);
    } catch (const shape_error&) {
      const TilingAdvice advice = tiling_advice({in.w, in.h}, c.f, c.s, c.p);
      std::string fits;  // at an odd size every P tiles: (31 - 5 + 2P) is even
      for (std::size_t p = 0; p <= 2; ++p)
        fits += (p ? ", " : "") + std::string("P=") + std::to_string(p) + " -> " +
                std::to_string(conv_output_size("conv", 31, c.f, c.s, p));
      compare("  " + name, c.what,
              std::string("at 32 no P fits: 32 - 5 = 27 is odd, 2P even") +
                  (advice.pads.empty() ? "" : "; P = " + std::to_string(advice.pads[0])),
              30, 30);
      compare("", "", "at 31 every P does: " + fits, 30, 30);
    }
  }

  section("A real forward and backward pass, every shape checked against the calculator");
  const RunReport run = run_and_check(net, net.input, 2, 1, 200'000'000, layers);
  std::cout << run.table();
  if (!run.all_match) return 1;
  return 0;
}
