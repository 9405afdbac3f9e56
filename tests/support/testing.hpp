// Helpers shared by cnnlab's tests: building inputs the way NumPy does, and Catch2 checks that print the
// gradient checker's or the comparison's full report when they fail.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

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

/// Labels from a list.
inline cnn::Labels labels(std::initializer_list<std::size_t> ys) {
  cnn::Labels y = cnn::Labels::from_shape({ys.size()});
  std::copy(ys.begin(), ys.end(), y.begin());
  return y;
}

}  // namespace testing
