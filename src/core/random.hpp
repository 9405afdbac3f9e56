/// @file random.hpp
/// @brief A seeded random source whose numbers are the same on every machine and compiler.
///
/// The standard library's distributions are implementation-defined, so the same seed could give different
/// numbers with another library. cnnlab draws its own from a 64-bit Mersenne twister (which the standard
/// does pin down): uniform by scaling 53 random bits, normal by the Box-Muller transform.
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>
#include <algorithm>
#include <initializer_list>
#include <random>
#include <sstream>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/tensor.hpp"

namespace cnn {

/// @brief Deterministic random numbers: the same seed gives the same sequence everywhere.
class Rng {
 public:
  /// @param seed any 64-bit value
  explicit Rng(std::uint64_t seed = 0) : engine_(seed) {}

  /// @brief Uniform on [0, 1).
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

  /// @brief Uniform on [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

  /// @brief Standard normal, mean 0 and variance 1 (Box-Muller; the second value is kept for the next call).
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u1 = uniform();
    while (u1 <= 0.0) u1 = uniform();
    const double u2 = uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    spare_ = r * std::sin(2.0 * std::numbers::pi * u2);
    has_spare_ = true;
    return r * std::cos(2.0 * std::numbers::pi * u2);
  }

  /// @brief A whole number in [0, n), n > 0 (the modulo bias is below 2^-40 for any n used here).
  std::size_t index(std::size_t n) { return static_cast<std::size_t>(engine_() % n); }

  /// @brief The whole state as text (the engine's numbers, then the spare normal value), for set_state.
  std::string state() const {
    std::ostringstream os;
    os << engine_ << ' ' << has_spare_ << ' ' << std::hexfloat << spare_;
    return os.str();
  }

  /// @brief Continues from a state written by state().
  /// @throws cnn::value_error when @p text is not such a state
  void set_state(const std::string& text) {
    std::istringstream is(text);
    std::mt19937_64 engine;
    bool has_spare = false;
    std::string spare;
    if (!(is >> engine >> has_spare >> spare)) throw value_error("Rng::set_state", "not a state written by Rng::state()");
    engine_ = engine;
    has_spare_ = has_spare;
    spare_ = std::strtod(spare.c_str(), nullptr);  // hexfloat, which operator>> does not read back
  }

 private:
  std::mt19937_64 engine_;
  double spare_ = 0.0;
  bool has_spare_ = false;
};

/// @brief Converts any sequence of sizes into the shape type of tensor type @p T.
/// @throws cnn::shape_error when @p T has a fixed rank and the sequence has another length
template <class T, class Shape>
typename T::shape_type as_shape(const Shape& shape) {
  typename T::shape_type s{};
  if constexpr (requires { s.resize(0); }) {
    s.resize(shape.size());
  } else if (shape.size() != s.size()) {
    throw shape_error("as_shape", "expected " + std::to_string(s.size()) + " sizes for a tensor of rank " +
                                      std::to_string(s.size()) + ", got " + shape_str(shape));
  }
  std::copy(shape.begin(), shape.end(), s.begin());
  return s;
}

/// @brief A tensor of the given shape filled with standard normal values times @p scale.
/// @tparam T a tensor type such as Tensor4 or Tensor
template <class T = Tensor, class Shape>
T randn(const Shape& shape, Rng& rng, double scale = 1.0) {
  T t = T::from_shape(as_shape<T>(shape));
  for (auto& v : t) v = scale * rng.normal();
  return t;
}

/// @brief A tensor of the given shape filled with values uniform on [lo, hi).
template <class T = Tensor, class Shape>
T rand_uniform(const Shape& shape, Rng& rng, double lo, double hi) {
  T t = T::from_shape(as_shape<T>(shape));
  for (auto& v : t) v = rng.uniform(lo, hi);
  return t;
}

/// @brief randn with the shape written in braces: `randn<Tensor4>({2, 3, 4, 4}, rng)`.
template <class T = Tensor>
T randn(std::initializer_list<std::size_t> shape, Rng& rng, double scale = 1.0) {
  return randn<T>(std::vector<std::size_t>(shape), rng, scale);
}

/// @brief rand_uniform with the shape written in braces.
template <class T = Tensor>
T rand_uniform(std::initializer_list<std::size_t> shape, Rng& rng, double lo, double hi) {
  return rand_uniform<T>(std::vector<std::size_t>(shape), rng, lo, hi);
}

}  // namespace cnn
