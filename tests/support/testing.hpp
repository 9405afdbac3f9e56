// Helpers shared by cnnlab's tests: building inputs the way NumPy does, and Catch2 checks that print the
// gradient checker's or the comparison's full report when they fail.
#pragma once

#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "core/checks.hpp"  // num_str
#include "instruments/gradcheck.hpp"
#include "core/random.hpp"
#include "core/tensor.hpp"

/// Passes when the gradient check passed; otherwise fails and prints its report (index, analytic value,
/// numerical value, relative error, tolerance).
#define REQUIRE_GRADIENT_OK(check_expression)        \
  do {                                               \
    const ::cnn::GradCheck cnnlab_gc_ = (check_expression); \
    INFO(cnnlab_gc_.report());                       \
    REQUIRE(cnnlab_gc_.passed());                    \
  } while (false)

/// Passes when the comparison passed; otherwise fails and prints where and by how much the arrays differ.
#define REQUIRE_CLOSE(compare_expression)             \
  do {                                                \
    const ::cnn::Comparison cnnlab_cmp_ = (compare_expression); \
    INFO(cnnlab_cmp_.report());                       \
    REQUIRE(cnnlab_cmp_.passed());                    \
  } while (false)

namespace testing {

/// numpy.linspace(lo, hi, num=size).reshape(shape), row-major like NumPy.
template <class T = cnn::Tensor>
T linspace(double lo, double hi, std::initializer_list<std::size_t> shape) {
  T t = T::from_shape(cnn::as_shape<T>(std::vector<std::size_t>(shape)));
  const std::size_t n = t.size();
  for (std::size_t i = 0; i < n; ++i)
    t.data()[i] = n == 1 ? lo : lo + (hi - lo) * static_cast<double>(i) / static_cast<double>(n - 1);
  return t;
}

/// A tensor of the given shape holding @p values in row-major order (a reference array from tests/reference).
template <class T = cnn::Tensor>
T from_values(const std::vector<double>& values, std::initializer_list<std::size_t> shape) {
  T t = T::from_shape(cnn::as_shape<T>(std::vector<std::size_t>(shape)));
  REQUIRE(t.size() == values.size());
  std::copy(values.begin(), values.end(), t.begin());
  return t;
}

/// A number within @p abs + @p rel |expected| of @p expected. On failure Catch2 prints
/// `1.9 should be within 1e-12 of 2.9 (it differs by 1)`: every number with its own precision (Catch2's own
/// WithinAbs prints a tolerance of 1e-12 as "0.0", a line that reads like a pass).
class Near : public Catch::MatcherBase<double> {
 public:
  Near(double expected, double abs, double rel = 0.0) : expected_(expected), abs_(abs), rel_(rel) {}
  bool match(const double& actual) const override {
    diff_ = std::abs(actual - expected_);
    return diff_ <= abs_ + rel_ * std::abs(expected_);
  }
  std::string describe() const override {
    std::string tol = abs_ > 0.0 || rel_ == 0.0 ? cnn::num_str(abs_) : "";
    if (rel_ > 0.0) tol += (tol.empty() ? "" : " + ") + cnn::num_str(rel_) + " x |expected|";
    return "should be within " + tol + " of " + cnn::num_str(expected_) + " (it differs by " + cnn::num_str(diff_) + ")";
  }

 private:
  double expected_, abs_, rel_;
  mutable double diff_ = 0.0;
};

/// A number within a relative tolerance @p rel of @p expected (see Near).
inline Near NearRel(double expected, double rel) { return Near(expected, 0.0, rel); }

/// Labels from a list.
inline cnn::Labels labels(std::initializer_list<std::size_t> ys) {
  cnn::Labels y = cnn::Labels::from_shape({ys.size()});
  std::copy(ys.begin(), ys.end(), y.begin());
  return y;
}

}  // namespace testing
