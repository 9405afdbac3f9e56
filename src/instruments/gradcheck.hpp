/// @file gradcheck.hpp
/// @brief The numerical gradient checker: the instrument that proves a backward pass right or wrong.
///
/// A backward pass claims @f$\partial L / \partial x@f$. The checker measures the same slope from outside,
/// by nudging one entry of @f$x@f$ at a time and re-running the forward pass (centred differences):
/// @f[ \frac{\partial L}{\partial x_i} \approx \frac{L(x + h e_i) - L(x - h e_i)}{2h}, \qquad h = 10^{-5}. @f]
/// For a layer @f$y = f(x)@f$ with an upstream gradient @f$\bar y = \partial L/\partial y@f$ it measures
/// @f$\sum_j \bar y_j \,(f_j(x + h e_i) - f_j(x - h e_i)) / 2h@f$, which is what @f$dx_i@f$ must equal.
///
/// Each entry is judged by the relative error of the course notes,
/// @f$ |a - n| / \max(|a|, |n|) @f$ (0 when both are 0), and passes when that is at most Tolerance::rel
/// or when the absolute error is at most Tolerance::abs (both values near zero, where the ratio means
/// nothing). The checker also takes the one-sided slopes @f$(L(x+he_i) - L(x))/h@f$ and
/// @f$(L(x) - L(x-he_i))/h@f$: where they disagree, the centred difference straddles a kink (ReLU at 0, a
/// change of max-pool winner) and the entry is reported as a kink instead of as an unexplained failure.
/// See the page @ref gradient_checking for the tolerance policy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "instruments/diagnose.hpp"
#include "core/errors.hpp"
#include "core/tensor.hpp"

namespace cnn {

/// @brief When an analytic and a numerical value count as equal.
struct Tolerance {
  double rel = 1e-7;   ///< largest relative error |a - n| / max(|a|, |n|) accepted
  double abs = 1e-10;  ///< an entry also passes when |a - n| is at most this (both values near zero)
};

/// @brief How a gradient check is run.
struct GradCheckOptions {
  double h = 1e-5;            ///< step of the centred difference
  Tolerance tol{};            ///< when an entry passes
  std::size_t samples = 0;    ///< 0 checks every entry; k > 0 checks k entries drawn at random (sparse check)
  std::uint64_t seed = 0;     ///< seed of the random draw of a sparse check
  double kink_ratio = 1e-3;   ///< one-sided slopes that differ by more than this fraction mark a kink
  double kink_tol = 1e-3;     ///< at a kink, the analytic value must match a one-sided slope to this relative error
  DiagnosisContext context{}; ///< what the diagnosis of a failure may know about the layer (instruments/diagnose.hpp)
};

/// @brief One checked entry of a gradient.
struct GradEntry {
  std::vector<std::size_t> index;  ///< where, as a multi-index into x
  double analytic = 0.0;           ///< what the backward pass said
  double numeric = 0.0;            ///< the centred difference
  double rel_error = 0.0;          ///< |analytic - numeric| / max(|analytic|, |numeric|)
  double abs_error = 0.0;          ///< |analytic - numeric|
  double slope_left = 0.0;         ///< (L(x) - L(x - h e_i)) / h
  double slope_right = 0.0;        ///< (L(x + h e_i) - L(x)) / h
  bool kink = false;               ///< the one-sided slopes disagree: the step straddles a kink
  bool ok = false;                 ///< passed (for a kink: the analytic value matches one one-sided slope)
};

/// @brief The outcome of checking one gradient (one input or one parameter).
struct GradCheck {
  std::string name;                 ///< what was checked, e.g. "dx of affine_backward"
  std::vector<std::size_t> shape;   ///< shape of x
  GradCheckOptions options;         ///< how it was checked
  std::size_t checked = 0;          ///< entries checked
  double max_rel_error = 0.0;       ///< largest relative error among entries that are not kinks
  std::optional<GradEntry> worst;   ///< the entry with that error
  std::vector<GradEntry> failures;  ///< entries that failed (kinks that match neither side included)
  std::vector<GradEntry> kinks;     ///< entries whose centred difference straddled a kink
  std::string diagnosis;            ///< when the check failed: the likely mistake (cnn::diagnose), one line

  /// @brief True when no entry failed.
  bool passed() const { return failures.empty(); }
  /// @brief A readable account: verdict, worst entry, failures (index, analytic, numerical, relative
  /// error, tolerance), kinks, and the diagnosis of a failure.
  std::string report() const;
};

/// @brief Relative error |a - b| / max(|a|, |b|), defined as 0 when both are 0.
double rel_error(double a, double b);

/// @brief The outcome of comparing two arrays entry by entry, numpy.allclose style.
struct Comparison {
  std::string name;                       ///< what was compared
  bool shapes_match = true;               ///< false when the shapes differ (nothing else is compared)
  std::string shape_note;                 ///< the two shapes, when they differ
  Tolerance tol{};                        ///< entry i passes when |a - e| <= tol.abs + tol.rel |e|
  std::size_t compared = 0;               ///< entries compared
  std::size_t mismatches = 0;             ///< entries that failed
  double max_abs_error = 0.0;             ///< largest |a - e|
  std::vector<std::size_t> worst_index;   ///< where that is
  double worst_actual = 0.0;              ///< a at that index
  double worst_expected = 0.0;            ///< e at that index
  std::string diagnosis;                  ///< when the comparison failed: the likely mistake, one line

  /// @brief True when the shapes match and no entry failed.
  bool passed() const { return shapes_match && mismatches == 0; }
  /// @brief A readable account of the comparison, with the diagnosis of a failure.
  std::string report() const;
};

namespace detail {

/// The checker's core, on flat memory: @p f evaluates the function at the current contents of @p x and
/// returns its output flattened; @p dout weights the outputs (a single 1 for a scalar function).
GradCheck check_gradient_flat(std::string name, const std::vector<std::size_t>& shape, double* x,
                              const double* analytic, const std::function<std::vector<double>()>& f,
                              const std::vector<double>& dout, const GradCheckOptions& options);

/// Centred differences for every entry of @p x, on flat memory.
std::vector<double> numerical_gradient_flat(double* x, std::size_t n, const std::function<std::vector<double>()>& f,
                                            const std::vector<double>& dout, double h);

Comparison compare_flat(std::string name, FlatArray actual, FlatArray expected, Tolerance tol,
                        const DiagnosisContext& context);

/// The message of a gradient whose shape differs from its input's: "db of affine_backward: your db has shape
/// (10) but b has shape (5)", with the diagnosis when @p numerical (the gradient at x) is given.
std::string gradient_shape_message(const std::string& name, const FlatArray& analytic,
                                   const std::vector<std::size_t>& x_shape, const FlatArray& numerical,
                                   const DiagnosisContext& context);

template <class E>
std::vector<std::size_t> shape_of(const E& e) {
  return std::vector<std::size_t>(e.shape().begin(), e.shape().end());
}

template <class E>
std::vector<double> flat_copy(const E& e) {
  // xtensor containers are row-major and contiguous; evaluate expressions first.
  std::vector<double> v;
  v.reserve(e.size());
  for (auto value : e) v.push_back(static_cast<double>(value));
  return v;
}

template <class X, class G>
void require_same_shape(const X& x, const G& analytic, const std::string& name) {
  if (shape_of(x) != shape_of(analytic))
    throw shape_error("check_gradient", gradient_shape_message(name, FlatArray::of(analytic), shape_of(x), {}, {}));
}

/// The largest input whose whole numerical gradient the checker computes to diagnose a failure.
inline constexpr std::size_t diagnose_max_entries = 4096;

/// As require_same_shape, and the message carries a diagnosis made from the numerical gradient at @p x.
template <class X, class G>
void require_gradient_shape(X& x, const G& analytic, const std::string& name, const DiagnosisContext& context,
                            const std::function<std::vector<double>()>& f, const std::vector<double>& dout, double h) {
  if (shape_of(x) == shape_of(analytic)) return;
  FlatArray numerical;
  if (x.size() <= diagnose_max_entries) numerical = {shape_of(x), numerical_gradient_flat(x.data(), x.size(), f, dout, h)};
  throw shape_error("check_gradient", gradient_shape_message(name, FlatArray::of(analytic), shape_of(x), numerical, context));
}

}  // namespace detail

/// @brief Checks the gradient of a scalar function (a loss) with respect to @p x.
/// @param name      what is checked, used in the report (e.g. "dx of softmax_loss")
/// @param f         recomputes the loss from the current contents of @p x; called 2 n + 1 times
/// @param x         the input; entries are nudged in place and restored
/// @param analytic  the gradient to check, same shape as @p x
/// @param options   step, tolerance, sparse sampling
/// @throws cnn::shape_error when @p analytic and @p x differ in shape
template <class F, class X, class G>
  requires std::is_convertible_v<std::invoke_result_t<F&>, double>
GradCheck check_gradient(std::string name, F&& f, X& x, const G& analytic, const GradCheckOptions& options = {}) {
  const std::function<std::vector<double>()> fx = [&] { return std::vector<double>{static_cast<double>(f())}; };
  detail::require_gradient_shape(x, analytic, name, options.context, fx, {1.0}, options.h);
  const auto a = detail::flat_copy(analytic);
  return detail::check_gradient_flat(std::move(name), detail::shape_of(x), x.data(), a.data(), fx, {1.0}, options);
}

/// @brief Checks @p analytic = @f$\partial (\sum_j \bar y_j f_j(x)) / \partial x@f$ for a layer
/// @f$y = f(x)@f$ with upstream gradient @f$\bar y@f$ (@p dout).
/// @param name      what is checked, used in the report (e.g. "dx of affine_backward")
/// @param f         recomputes the layer's output from the current contents of @p x
/// @param x         the input; entries are nudged in place and restored
/// @param dout      upstream gradient, same shape as the output of @p f; random rather than all ones
///                  (an all-ones dout hides bugs in layers whose outputs sum to a constant)
/// @param analytic  the backward pass's gradient, same shape as @p x
/// @param options   step, tolerance, sparse sampling
/// @throws cnn::shape_error when shapes disagree
template <class F, class X, class D, class G>
  requires(!std::is_convertible_v<std::invoke_result_t<F&>, double>)
GradCheck check_gradient(std::string name, F&& f, X& x, const D& dout, const G& analytic,
                         const GradCheckOptions& options = {}) {
  {
    const auto y = f();
    if (detail::shape_of(y) != detail::shape_of(dout))
      throw shape_error("check_gradient", name + ": dout has shape " + shape_str(dout.shape()) +
                                              " but the function's output has shape " + shape_str(y.shape()));
  }
  GradCheckOptions with_dout = options;
  if (with_dout.context.dout.empty()) with_dout.context.dout = FlatArray::of(dout);
  const std::function<std::vector<double>()> fx = [&] { return detail::flat_copy(f()); };
  detail::require_gradient_shape(x, analytic, name, with_dout.context, fx, with_dout.context.dout.values, options.h);
  const auto a = detail::flat_copy(analytic);
  return detail::check_gradient_flat(std::move(name), detail::shape_of(x), x.data(), a.data(), fx,
                                     with_dout.context.dout.values, with_dout);
}

/// @brief The numerical gradient of a scalar function, entry by entry (the course's
/// `eval_numerical_gradient`). Returns a tensor shaped like @p x.
template <class F, class X>
  requires std::is_convertible_v<std::invoke_result_t<F&>, double>
X numerical_gradient(F&& f, X& x, double h = 1e-5) {
  const auto g = detail::numerical_gradient_flat(
      x.data(), x.size(), [&] { return std::vector<double>{static_cast<double>(f())}; }, {1.0}, h);
  X out = X::from_shape(x.shape());
  std::copy(g.begin(), g.end(), out.begin());
  return out;
}

/// @brief The numerical gradient of @f$\sum_j \bar y_j f_j(x)@f$ (the course's
/// `eval_numerical_gradient_array`). Returns a tensor shaped like @p x.
template <class F, class X, class D>
  requires(!std::is_convertible_v<std::invoke_result_t<F&>, double>)
X numerical_gradient(F&& f, X& x, const D& dout, double h = 1e-5) {
  const auto g = detail::numerical_gradient_flat(
      x.data(), x.size(), [&] { return detail::flat_copy(f()); }, detail::flat_copy(dout), h);
  X out = X::from_shape(x.shape());
  std::copy(g.begin(), g.end(), out.begin());
  return out;
}

/// @brief One parameter of a model for check_parameters: its values (nudged in place) and its gradient.
struct ParamRef {
  std::string name;                 ///< e.g. "conv1.w"
  std::vector<std::size_t> shape;   ///< its shape
  double* value = nullptr;          ///< its values, contiguous, row-major
  const double* grad = nullptr;     ///< the analytic gradient, same layout
};

/// @brief Makes a ParamRef from a parameter tensor and its gradient tensor.
/// @throws cnn::shape_error when the two shapes differ
template <class P, class G>
ParamRef param_ref(std::string name, P& value, const G& grad) {
  detail::require_same_shape(value, grad, name);
  return ParamRef{std::move(name), detail::shape_of(value), value.data(), grad.data()};
}

/// @brief Checks a whole model: the gradient of the scalar @p loss against every parameter in @p params.
/// @param loss    recomputes the loss from the parameters' current values (forward pass only)
/// @param params  each parameter with the gradient the backward pass gave at the current values
/// @param options as for check_gradient; a sparse check (samples > 0) keeps large models quick
/// @return one GradCheck per parameter, in order
std::vector<GradCheck> check_parameters(const std::function<double()>& loss, const std::vector<ParamRef>& params,
                                        const GradCheckOptions& options = {});

/// @brief Compares two arrays entry by entry: entry i passes when
/// @f$|a_i - e_i| \le \mathrm{abs} + \mathrm{rel}\,|e_i|@f$ (numpy.allclose).
/// @param name      what is compared, used in the report
/// @param actual    the values under test
/// @param expected  the reference values, same shape
/// @param tol       tolerance; the default suits two computations of the same double-precision formula
/// @param context   what the diagnosis of a failure may know about the layer (instruments/diagnose.hpp)
template <class A, class E>
Comparison compare(std::string name, const A& actual, const E& expected, Tolerance tol = {1e-10, 1e-12},
                   const DiagnosisContext& context = {}) {
  return detail::compare_flat(std::move(name), FlatArray::of(actual), FlatArray::of(expected), tol, context);
}

}  // namespace cnn
