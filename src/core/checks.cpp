#include "core/checks.hpp"

#include <sstream>

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

void check_affine_inputs(std::string_view function, const Tensor& x, const Tensor2& w, const Tensor1& b) {
  if (x.dimension() < 2)
    throw shape_error(function, "x must have shape (N, d1, ..., dk) with rank >= 2, got " + shape_str(x.shape()));
  const std::size_t D = trailing_size(x.shape()), M = w.shape(1);
  if (w.shape(0) != D)
    throw shape_error(function, "x flattens to D = " + std::to_string(D) + " but w has " + std::to_string(w.shape(0)) +
                                    " rows");
  if (b.size() != M)
    throw shape_error(function, "w has M = " + std::to_string(M) + " columns but b has " + std::to_string(b.size()) +
                                    " entries");
}

void check_affine_dout(std::string_view function, const Tensor2& dout, std::size_t N, std::size_t M) {
  if (dout.shape(0) != N || dout.shape(1) != M)
    throw shape_error(function, "dout must be (N, M) = (" + std::to_string(N) + ", " + std::to_string(M) + "), got " +
                                    shape_str(dout.shape()));
}

std::string num_str(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

void check_batchnorm_forward(std::string_view function, std::size_t rows, std::string_view rows_name,
                             std::size_t features, std::string_view letter, const Tensor1& gamma, const Tensor1& beta,
                             const BatchNormParam& param, const BatchNormState& state) {
  const std::string R(rows_name), L(letter);
  if (rows == 0) throw shape_error(function, "x is empty: " + R + " = 0");
  if (features == 0) throw shape_error(function, "x is empty: " + L + " = 0");
  if (param.mode == Mode::train && rows < 2)
    throw shape_error(function, "train mode needs " + R + " >= 2 values per feature to measure a variance, got " +
                                    R + " = 1");
  const std::string axis = L + " = " + std::to_string(features) + (L == "C" ? " channels" : " features");
  const auto check_size = [&](const char* name, const Tensor1& t) {
    if (t.size() != features)
      throw shape_error(function, "x has " + axis + " but " + name + " has " + std::to_string(t.size()) + " entries");
  };
  check_size("gamma", gamma);
  check_size("beta", beta);
  check_size("state.running_mean", state.running_mean);
  check_size("state.running_var", state.running_var);
  if (!(param.eps > 0.0)) throw value_error(function, "eps must be > 0, got " + num_str(param.eps));
  if (!(param.momentum >= 0.0 && param.momentum <= 1.0))
    throw value_error(function, "momentum must be in [0, 1], got " + num_str(param.momentum));
  for (std::size_t d = 0; d < features; ++d)
    if (!(state.running_var(d) >= 0.0))
      throw value_error(function, "state.running_var[" + std::to_string(d) + "] = " + num_str(state.running_var(d)) +
                                      " is not a variance: expected >= 0");
}

}  // namespace cnn
