// The judge's wire: how the arguments and results of an exercise function cross from the judge (the teacher's
// tests) to the runner (the student's code, in its sandbox) and back, as bytes on a pipe.
//
// Everything the runner sends is read as untrusted input: every length is checked against what is left of the
// message and against the rank a type expects, so a runner that sends garbage makes the judge throw
// judge::student_failure (the function then fails), never read out of bounds.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "core/errors.hpp"
#include "core/mode.hpp"
#include "core/random.hpp"
#include "core/shapes.hpp"
#include "core/tensor.hpp"
#include "layers/affine.hpp"
#include "layers/batchnorm.hpp"
#include "layers/conv.hpp"
#include "layers/dropout.hpp"
#include "layers/im2col.hpp"
#include "layers/lrn.hpp"
#include "layers/optim.hpp"
#include "layers/pool.hpp"
#include "layers/relu.hpp"
#include "layers/softmax.hpp"
#include "layers/svm.hpp"

namespace judge {

/// The student's code did not give an answer: it crashed, ran out of time, or sent bytes that are no answer.
/// Never one of cnn's error types, so a test that expects an exception of a given type does not pass on it.
class student_failure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// --- the fields of every struct that crosses, in declaration order -------------------------------------------
#define JUDGE_FIELDS(Type, ...)                                         \
  inline auto fields(cnn::Type& s) { auto& [__VA_ARGS__] = s; return std::tie(__VA_ARGS__); }
JUDGE_FIELDS(ConvParam, a, b)
JUDGE_FIELDS(PoolParam, a, b, c)
JUDGE_FIELDS(AffineCache, a, b, c)
JUDGE_FIELDS(AffineForward, a, b)
JUDGE_FIELDS(AffineGrads, a, b, c)
JUDGE_FIELDS(BatchNormParam, a, b, c)
JUDGE_FIELDS(BatchNormState, a, b)
JUDGE_FIELDS(BatchNormCache, a, b, c, d, e, f, g)
JUDGE_FIELDS(BatchNormForward, a, b)
JUDGE_FIELDS(BatchNormGrads, a, b, c)
JUDGE_FIELDS(SpatialBatchNormCache, a, b)
JUDGE_FIELDS(SpatialBatchNormForward, a, b)
JUDGE_FIELDS(SpatialBatchNormGrads, a, b, c)
JUDGE_FIELDS(ConvCache, a, b, c, d)
JUDGE_FIELDS(ConvForward, a, b)
JUDGE_FIELDS(ConvGrads, a, b, c)
JUDGE_FIELDS(DropoutParam, a, b)
JUDGE_FIELDS(DropoutCache, a)
JUDGE_FIELDS(DropoutForward, a, b)
JUDGE_FIELDS(DropoutGrads, a)
JUDGE_FIELDS(LrnParam, a, b, c, d)
JUDGE_FIELDS(LrnCache, a, b, c)
JUDGE_FIELDS(LrnForward, a, b)
JUDGE_FIELDS(LrnGrads, a)
JUDGE_FIELDS(SgdConfig, a, b)
JUDGE_FIELDS(MomentumConfig, a, b, c, d)
JUDGE_FIELDS(NesterovConfig, a, b, c, d)
JUDGE_FIELDS(AdagradConfig, a, b, c, d)
JUDGE_FIELDS(RmspropConfig, a, b, c, d, e)
JUDGE_FIELDS(AdamConfig, a, b, c, d, e, f, g, h)
JUDGE_FIELDS(AdadeltaConfig, a, b, c, d, e, f)
JUDGE_FIELDS(MaxPoolCache, a, b)
JUDGE_FIELDS(MaxPoolForward, a, b)
JUDGE_FIELDS(PoolGrads, a)
JUDGE_FIELDS(AvgPoolCache, a, b)
JUDGE_FIELDS(AvgPoolForward, a, b)
JUDGE_FIELDS(GlobalAvgPoolCache, a)
JUDGE_FIELDS(GlobalAvgPoolForward, a, b)
JUDGE_FIELDS(ReluCache, a)
JUDGE_FIELDS(ReluForward, a, b)
JUDGE_FIELDS(ReluGrads, a)
JUDGE_FIELDS(LossResult, a, b)
#undef JUDGE_FIELDS

template <class T>
concept Record = requires(T& t) { fields(t); };

template <class T>
struct is_xtensor : std::false_type {};
template <class V, std::size_t N>
struct is_xtensor<xt::xtensor<V, N>> : std::true_type {};
template <class T>
struct is_xarray : std::false_type {};
template <class V>
struct is_xarray<xt::xarray<V>> : std::true_type {};
template <class T>
struct is_vector : std::false_type {};
template <class V>
struct is_vector<std::vector<V>> : std::true_type {};
template <class T>
inline constexpr bool is_span = false;
template <class V>
inline constexpr bool is_span<std::span<V>> = true;
template <class T>
struct is_array : std::false_type {};
template <class V, std::size_t N>
struct is_array<std::array<V, N>> : std::true_type {};

/// Bytes out: numbers in the machine's own layout (both ends are the same machine).
class Writer {
 public:
  std::string bytes;

  void raw(const void* p, std::size_t n) { bytes.append(static_cast<const char*>(p), n); }
  void u64(std::uint64_t v) { raw(&v, sizeof v); }

  template <class T>
  void put(const T& v) {
    if constexpr (std::is_arithmetic_v<T> || std::is_enum_v<T>) {
      raw(&v, sizeof v);
    } else if constexpr (std::is_same_v<T, std::string>) {
      u64(v.size());
      raw(v.data(), v.size());
    } else if constexpr (is_xtensor<T>::value || is_xarray<T>::value) {
      u64(v.dimension());
      for (std::size_t d : v.shape()) u64(d);
      raw(v.data(), v.size() * sizeof(typename T::value_type));
    } else if constexpr (is_vector<T>::value) {
      u64(v.size());
      for (const auto& e : v) put(e);
    } else if constexpr (is_array<T>::value) {
      for (const auto& e : v) put(e);
    } else if constexpr (std::is_same_v<T, cnn::Rng>) {
      put(v.state());
    } else {
      static_assert(Record<T>, "judge::Writer: a type with no fields() in wire.hpp");
      std::apply([&](const auto&... f) { (put(f), ...); }, fields(const_cast<T&>(v)));
    }
  }
};

/// Bytes in, every length checked: a short or malformed message throws student_failure.
class Reader {
 public:
  Reader(const char* data, std::size_t size) : p_(data), end_(data + size) {}

  void raw(void* out, std::size_t n) {
    if (n > static_cast<std::size_t>(end_ - p_)) throw student_failure("the answer ends too early");
    std::memcpy(out, p_, n);
    p_ += n;
  }
  std::uint64_t u64() {
    std::uint64_t v = 0;
    raw(&v, sizeof v);
    return v;
  }
  bool done() const { return p_ == end_; }

  template <class T>
  void get(T& v) {
    if constexpr (std::is_same_v<T, bool>) {
      unsigned char c = 0;
      raw(&c, 1);
      if (c > 1) throw student_failure("the answer holds a bool that is neither true nor false");
      v = c == 1;
    } else if constexpr (std::is_enum_v<T>) {
      std::underlying_type_t<T> u{};
      raw(&u, sizeof u);
      if (u != 0 && u != 1) throw student_failure("the answer holds an unknown mode");  // cnn::Mode
      v = static_cast<T>(u);
    } else if constexpr (std::is_arithmetic_v<T>) {
      raw(&v, sizeof v);
    } else if constexpr (std::is_same_v<T, std::string>) {
      v.resize(count(1));
      raw(v.data(), v.size());
    } else if constexpr (is_xtensor<T>::value || is_xarray<T>::value) {
      const std::uint64_t rank = u64();
      if constexpr (is_xtensor<T>::value) {
        if (rank != std::tuple_size_v<typename T::shape_type>)
          throw student_failure("the answer holds an array of rank " + std::to_string(rank) + " where rank " +
                                std::to_string(std::tuple_size_v<typename T::shape_type>) + " belongs");
      } else if (rank > 8) {
        throw student_failure("the answer holds an array of rank " + std::to_string(rank));
      }
      std::vector<std::size_t> shape(rank);
      std::size_t n = 1;
      bool overflow = false;
      for (auto& d : shape) {
        d = u64();
        overflow = __builtin_mul_overflow(n, d, &n) || overflow;
      }
      if (n == 0) overflow = false;  // an empty array, whatever its other sizes
      if (overflow || n > static_cast<std::size_t>(end_ - p_) / sizeof(typename T::value_type))
        throw student_failure("the answer holds an array larger than the message");
      typename T::shape_type s;
      if constexpr (is_xarray<T>::value) s.resize(rank);
      std::copy(shape.begin(), shape.end(), s.begin());
      v = T::from_shape(s);
      raw(v.data(), n * sizeof(typename T::value_type));
    } else if constexpr (is_vector<T>::value) {
      v.resize(count(1));
      for (auto& e : v) get(e);
    } else if constexpr (is_array<T>::value) {
      for (auto& e : v) get(e);
    } else if constexpr (std::is_same_v<T, cnn::Rng>) {
      std::string state;
      get(state);
      v.set_state(state);
    } else {
      static_assert(Record<T>, "judge::Reader: a type with no fields() in wire.hpp");
      std::apply([&](auto&... f) { (get(f), ...); }, fields(v));
    }
  }

  template <class T>
  T get() {
    T v{};
    get(v);
    return v;
  }

 private:
  // a count of elements of at least @p min_bytes each that the rest of the message can hold
  std::size_t count(std::size_t min_bytes) {
    const std::uint64_t n = u64();
    if (n > static_cast<std::size_t>(end_ - p_) / min_bytes) throw student_failure("the answer holds a bad length");
    return static_cast<std::size_t>(n);
  }
  const char* p_;
  const char* end_;
};

// --- exceptions: the runner sends what the student's code threw, the judge throws the same type again ---------
enum class ErrorKind : std::uint8_t { other, error, shape, value, index, io, not_implemented };

inline void put_exception(Writer& w, const std::exception& e) {
  ErrorKind kind = ErrorKind::other;
  std::string function, message = e.what(), file;
  if (const auto* ce = dynamic_cast<const cnn::error*>(&e)) {
    function = ce->function();
    const std::string prefix = function + ": ";
    if (message.rfind(prefix, 0) == 0) message = message.substr(prefix.size());
    kind = dynamic_cast<const cnn::not_implemented*>(&e) ? ErrorKind::not_implemented
           : dynamic_cast<const cnn::shape_error*>(&e)   ? ErrorKind::shape
           : dynamic_cast<const cnn::value_error*>(&e)   ? ErrorKind::value
           : dynamic_cast<const cnn::index_error*>(&e)   ? ErrorKind::index
           : dynamic_cast<const cnn::io_error*>(&e)      ? ErrorKind::io
                                                         : ErrorKind::error;
    if (const auto* ni = dynamic_cast<const cnn::not_implemented*>(&e)) file = ni->file();
  }
  w.put(kind);
  w.put(function);
  w.put(message);
  w.put(file);
}

[[noreturn]] inline void throw_exception(Reader& r) {
  const auto kind = r.get<std::uint8_t>();
  const auto function = r.get<std::string>(), message = r.get<std::string>(), file = r.get<std::string>();
  switch (static_cast<ErrorKind>(kind)) {
    case ErrorKind::error: throw cnn::error(function, message);
    case ErrorKind::shape: throw cnn::shape_error(function, message);
    case ErrorKind::value: throw cnn::value_error(function, message);
    case ErrorKind::index: throw cnn::index_error(function, message);
    case ErrorKind::io: throw cnn::io_error(function, message);
    case ErrorKind::not_implemented: {
      // message is "f (file)": the function is the part before " ("
      throw cnn::not_implemented(message.substr(0, message.find(" (")), file);
    }
    case ErrorKind::other: throw std::runtime_error(message);
  }
  throw student_failure("the answer holds an unknown kind of exception");
}

// --- the calls: the type a parameter travels as, and which parameters come back -------------------------------
/// A parameter's value as it travels: spans as vectors, everything else without const and reference.
template <class P>
struct Carried {
  using type = std::remove_cvref_t<P>;
};
template <class V>
struct Carried<std::span<V>> {
  using type = std::vector<std::remove_const_t<V>>;
};
template <class P>
using carried_t = typename Carried<P>::type;

/// True for a parameter the function may change, whose new value travels back: a non-const reference or a
/// span of non-const numbers (the optimisers' weights and state, batch norm's running statistics, the Rng).
template <class P>
inline constexpr bool comes_back =
    (std::is_lvalue_reference_v<P> && !std::is_const_v<std::remove_reference_t<P>>);
template <class V>
inline constexpr bool comes_back<std::span<V>> = !std::is_const_v<V>;

template <class F>
struct Signature;
template <class R, class... P>
struct Signature<R (*)(P...)> {
  using result = R;
  using params = std::tuple<P...>;
};

}  // namespace judge
