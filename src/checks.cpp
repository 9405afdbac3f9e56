#include "cnnlab/checks.hpp"

namespace cnn {

void check_labels(std::string_view function, const Tensor2& x, const Labels& y) {
  const std::size_t N = x.shape(0), K = x.shape(1);
  if (N == 0 || K == 0)
    throw shape_error(function, "scores x must be (N, K) with N > 0 and K > 0, got " + shape_str(x.shape()));
  if (y.size() != N)
    throw shape_error(function, "scores x have N = " + std::to_string(N) + " rows but y has " +
                                    std::to_string(y.size()) + " labels");
  for (std::size_t n = 0; n < N; ++n)
    if (y(n) >= K)
      throw value_error(function, "label y[" + std::to_string(n) + "] = " + std::to_string(y(n)) +
                                      " is not a class: expected 0 <= y < K = " + std::to_string(K));
}

}  // namespace cnn
