// The conv layer's arithmetic, as the lecture goes through it: output sizes, padding, parameters, 1x1 convs,
// and how Torch's constructor arguments map to the lecture's K, F, S, P.
//
//   ./build/release/lectures/conv_layer
//
// Every number is computed by the calculator (src/calculator/arch.hpp), which takes its output sizes from
// shapes.hpp like the conv layers themselves; nothing here runs a convolution.
#include <cstddef>
#include <iostream>
#include <string>

#include "calculator/arch.hpp"
#include "core/errors.hpp"
#include "core/shapes.hpp"
#include "walkthrough.hpp"

using namespace cnn;
using namespace cnn::arch;

namespace {

// Torch7's nn.SpatialConvolution(nInputPlane, nOutputPlane, kW, kH, dW, dH, padW, padH).
struct SpatialConvolution {
  std::size_t nInputPlane, nOutputPlane, kW, kH, dW, dH, padW, padH;
};

}  // namespace

using walkthrough::section;

int main(int argc, char** argv) {
  walkthrough::no_arguments(argc, argv, "The conv layer's arithmetic, as the lecture goes through it: output sizes, padding, parameters, 1x1 convs,\nand how Torch's constructor arguments map to the lecture's K, F, S, P.\n\nEvery number is computed by the calculator (src/calculator/arch.hpp), which takes its output sizes from\nshapes.hpp like the conv layers themselves; nothing here runs a convolution.");
  std::cout << "The convolution layer: W2 = (W1 - F + 2P)/S + 1, D2 = K, F*F*D1*K weights and K biases\n";

  section("1. A 32x32x3 image and six 5x5x3 filters");
  std::cout << "Each filter spans the full depth (5x5x3); sliding it over the image gives one 28x28 map, and six\n"
               "filters give six maps stacked along depth.\n\n";
  std::cout << explain(Conv{.name = "conv", .filters = 6, .size = 5}, Shape{3, 32, 32});

  section("2. A 7x7 input and a 3x3 filter at stride 1, 2 and 3");
  for (std::size_t S : {1, 2, 3}) {
    std::cout << "stride " << S << ": ";
    try {
      const std::size_t n = conv_output_size("conv", 7, 3, S, 0);
      std::cout << "(7 - 3)/" << S << " + 1 = " << n << "  ->  " << n << "x" << n << " output\n";
    } catch (const shape_error& e) {
      std::cout << "does not fit. " << e.what() << "\n";
      const TilingAdvice advice = tiling_advice({7, 7}, 3, S, 0);
      std::cout << "          the filter would hang off the edge; ";
      for (std::size_t P : advice.pads) std::cout << "padding P = " << P << " makes it fit (" << (7 - 3 + 2 * P)
                                                   << "/" << S << " + 1 = " << conv_output_size("conv", 7, 3, S, P)
                                                   << "); ";
      for (std::size_t s : advice.strides) std::cout << "so does stride " << s << "; ";
      std::cout << "cnnlab refuses rather than crop the input.\n";
    }
  }

  section("3. Zero padding (F - 1)/2 at stride 1 keeps the size");
  for (std::size_t F : {3, 5, 7}) {
    const std::size_t P = (F - 1) / 2;
    std::cout << "F = " << F << ", P = " << P << ": (32 - " << F << " + 2*" << P << ")/1 + 1 = "
              << conv_output_size("conv", 32, F, 1, P) << "\n";
  }
  std::cout << "without padding, 5x5 filters shrink the volume quickly:";
  for (std::size_t n = 32; n >= 5; n = conv_output_size("conv", n, 5, 1, 0)) std::cout << " " << n << " ->";
  std::cout << " ... (each layer loses F - 1 = 4)\n";

  section("4. A 1x1 convolution: a 64-dimensional dot product through depth");
  std::cout << explain(Conv{.name = "conv", .filters = 32, .size = 1}, Shape{64, 56, 56});

  section("5. Ten 5x5 filters, stride 1, pad 2, on 32x32x3: how many parameters?");
  const LayerStats ten = analyze(Conv{.name = "conv", .filters = 10, .size = 5, .pad = 2}, Shape{3, 32, 32});
  std::cout << "each filter has 5*5*3 = 75 weights + 1 bias = 76 parameters; 10 filters: 76 * 10 = "
            << ten.parameters() << " (calculator: " << ten.weights << " weights + " << ten.biases << " biases)\n"
            << "output " << to_string(ten.output) << "\n";

  section("6. Torch's constructor: nn.SpatialConvolution(nInputPlane, nOutputPlane, kW, kH, dW, dH, padW, padH)");
  std::cout << "Torch builds the filters when the layer is constructed, so it must be told the input depth\n"
               "(nInputPlane = D1) as well as the lecture's four hyperparameters:\n\n"
               "  nInputPlane  -> D1, the depth of the input (not a hyperparameter: it comes from the layer below)\n"
               "  nOutputPlane -> K, the number of filters\n"
               "  kW, kH       -> F (kW = kH for square filters)\n"
               "  dW, dH       -> S (the same along both axes)\n"
               "  padW, padH   -> P\n\n";
  const SpatialConvolution examples[] = {{3, 96, 11, 11, 4, 4, 0, 0}, {96, 256, 5, 5, 1, 1, 2, 2},
                                         {64, 32, 1, 1, 1, 1, 0, 0}};
  const Shape inputs[] = {{3, 227, 227}, {96, 27, 27}, {64, 56, 56}};
  for (std::size_t i = 0; i < 3; ++i) {
    const SpatialConvolution& t = examples[i];
    const Conv c{.name = "conv", .filters = t.nOutputPlane, .size = t.kW, .stride = t.dW, .pad = t.padW};
    const LayerStats s = analyze(c, inputs[i]);
    std::cout << "  nn.SpatialConvolution(" << t.nInputPlane << ", " << t.nOutputPlane << ", " << t.kW << ", "
              << t.kH << ", " << t.dW << ", " << t.dH << ", " << t.padW << ", " << t.padH << ")  ->  K = "
              << c.filters << ", F = " << c.size << ", S = " << c.stride << ", P = " << c.pad << "; weight tensor "
              << t.nOutputPlane << "x" << t.nInputPlane << "x" << t.kH << "x" << t.kW << "; on "
              << to_string(inputs[i]) << " gives " << to_string(s.output) << "\n";
  }
  return 0;
}
