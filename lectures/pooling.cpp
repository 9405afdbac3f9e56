// Pooling, as the lecture shows it: downsampling every activation map on its own, max against average on a
// small example, and rounding down when the windows do not tile.
//
//   ./build/release/lectures/pooling
//
// The sizes come from the calculator (src/calculator/arch.hpp); the 4x4 example is pooled by the plain loops
// below, the arithmetic only.
#include <algorithm>
#include <cstddef>
#include <iomanip>
#include <iostream>
#include <string>

#include "calculator/arch.hpp"
#include "walkthrough.hpp"

using namespace cnn::arch;

namespace {

constexpr std::size_t n = 4;  // the example map is n x n
using Map = double[n][n];
using Pooled = double[n / 2][n / 2];

void print(const double* m, std::size_t rows, std::size_t cols) {
  for (std::size_t i = 0; i < rows; ++i) {
    std::cout << "    ";
    for (std::size_t j = 0; j < cols; ++j) std::cout << std::setw(6) << m[i * cols + j];
    std::cout << "\n";
  }
}

}  // namespace

using walkthrough::section;

int main(int argc, char** argv) {
  walkthrough::no_arguments(argc, argv, "Pooling, as the lecture shows it: downsampling every activation map on its own, max against average on a\nsmall example, and rounding down when the windows do not tile.\n\nThe sizes come from the calculator (src/calculator/arch.hpp); the 4x4 example is pooled by the plain loops\nbelow, the arithmetic only.");
  std::cout << "Pooling: an F x F window at stride S over every map separately; no parameters\n";

  section("1. 224x224x64 -> 112x112x64 with 2x2 max pooling at stride 2");
  std::cout << explain(Pool{.name = "pool", .kind = PoolKind::max, .size = 2, .stride = 2}, Shape{64, 224, 224});
  std::cout << "\nThe depth stays 64: each of the 64 maps is downsampled on its own.\n";

  section("2. Max against average on one 4x4 map, 2x2 windows at stride 2");
  const Map x = {{1, 1, 2, 4}, {5, 6, 7, 8}, {3, 2, 1, 0}, {1, 2, 3, 4}};
  Pooled max_out{}, avg_out{};
  for (std::size_t i = 0; i < n / 2; ++i)
    for (std::size_t j = 0; j < n / 2; ++j) {
      double m = x[2 * i][2 * j], sum = 0;
      for (std::size_t p = 0; p < 2; ++p)
        for (std::size_t q = 0; q < 2; ++q) {
          m = std::max(m, x[2 * i + p][2 * j + q]);
          sum += x[2 * i + p][2 * j + q];
        }
      max_out[i][j] = m;
      avg_out[i][j] = sum / 4;
    }
  std::cout << "  input\n";
  print(&x[0][0], n, n);
  std::cout << "  max pool: the largest of each window\n";
  print(&max_out[0][0], n / 2, n / 2);
  std::cout << "  average pool: the mean of each window\n";
  print(&avg_out[0][0], n / 2, n / 2);
  std::cout << "  (top-left window 1, 1, 5, 6: max " << max_out[0][0] << ", mean (1 + 1 + 5 + 6)/4 = "
            << avg_out[0][0] << ")\n"
            << "Max pooling keeps the strongest response of each region; the gradient flows back only to it.\n";

  section("3. Pooling rounds down where a convolution would refuse");
  const LayerStats odd = analyze(Pool{.name = "pool", .size = 2, .stride = 2}, Shape{1, 7, 7});
  std::cout << "7x7 with 2x2 windows at stride 2: " << odd.note << "; the last row and column are not pooled\n";
  const LayerStats alex = analyze(Pool{.name = "pool1", .size = 3, .stride = 2}, Shape{96, 55, 55});
  std::cout << "AlexNet's overlapping pool1, 3x3 at stride 2 on 55x55x96: (55 - 3)/2 + 1 = " << alex.output.w
            << "  ->  " << to_string(alex.output) << ", " << alex.parameters() << " parameters\n";
  return 0;
}
