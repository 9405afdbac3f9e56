#include "instruments/gradcheck.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <numeric>
#include <sstream>

#include "core/random.hpp"

namespace cnn {

double rel_error(double a, double b) {
  const double scale = std::max(std::abs(a), std::abs(b));
  if (scale == 0.0) return 0.0;
  return std::abs(a - b) / scale;
}

namespace detail {
namespace {

// sum_j dout_j (a_j - b_j): differencing entry by entry before summing keeps the cancellation small.
double weighted_difference(const std::vector<double>& a, const std::vector<double>& b, const std::vector<double>& dout) {
  double s = 0.0;
  for (std::size_t j = 0; j < a.size(); ++j) s += dout[j] * (a[j] - b[j]);
  return s;
}

struct Slopes {
  double centred, left, right;
};

// f(x + h e_i), f(x - h e_i), compared with f(x) = f0; x[i] is restored before returning.
Slopes slopes_at(double* x, std::size_t i, const std::function<std::vector<double>()>& f,
                 const std::vector<double>& f0, const std::vector<double>& dout, double h) {
  const double xi = x[i];
  x[i] = xi + h;
  const auto fp = f();
  x[i] = xi - h;
  const auto fm = f();
  x[i] = xi;
  if (fp.size() != dout.size() || fm.size() != dout.size())
    throw shape_error("check_gradient", "the function returned " + std::to_string(fp.size()) +
                                            " values but dout has " + std::to_string(dout.size()));
  return {weighted_difference(fp, fm, dout) / (2 * h), weighted_difference(f0, fm, dout) / h,
          weighted_difference(fp, f0, dout) / h};
}

std::string fmt(double v) {
  std::ostringstream os;
  os << std::setprecision(10) << v;
  return os.str();
}

std::string fmt_short(double v) {
  std::ostringstream os;
  os << std::setprecision(3) << v;
  return os.str();
}

// The diagnosis of a failed check. With all entries known (every one checked, or few enough to measure the
// rest now) it sees the whole arrays, and for a layer whose output has a minibatch axis it also offers the
// gradients of the first and of the last example alone (dout zero elsewhere) as known wrong answers; otherwise
// it sees the checked entries only, as a flat list.
std::string diagnose_failure(const GradCheck& check, double* x, const double* analytic, std::vector<double>& numerical,
                             const std::vector<std::size_t>& indices, const std::function<std::vector<double>()>& f,
                             const std::vector<double>& dout) {
  const std::size_t n = numerical.size();
  DiagnosisContext context = check.options.context;
  if (context.x.empty()) context.x = {check.shape, std::vector<double>(x, x + n)};
  Observation seen;
  seen.name = check.name;
  seen.expected_what = "the numerical gradient";
  for (const GradEntry& e : check.kinks)
    if (!e.ok) seen.kinks.push_back(e.index);
  const double h = check.options.h;
  if (indices.size() < n && n <= diagnose_max_entries) {
    const auto f0 = f();
    for (std::size_t i = 0; i < n; ++i)
      if (std::isnan(numerical[i])) numerical[i] = slopes_at(x, i, f, f0, dout, h).centred;
  }
  if (indices.size() == n || n <= diagnose_max_entries) {
    seen.actual = {check.shape, std::vector<double>(analytic, analytic + n)};
    seen.expected = {check.shape, numerical};
    const auto& out_shape = context.dout.shape;
    if (out_shape.size() >= 2 && out_shape[0] >= 2 && context.dout.values.size() == dout.size()) {
      const std::size_t N = out_shape[0], per = dout.size() / N;
      for (const std::size_t k : {std::size_t{0}, N - 1}) {
        std::vector<double> alone(dout.size(), 0.0);
        std::copy(dout.begin() + k * per, dout.begin() + (k + 1) * per, alone.begin() + k * per);
        const std::string what =
            k == 0 ? "is the gradient of example 0 alone (dout zero for the others): the sum over the N = " +
                         std::to_string(N) + " examples of the minibatch is missing"
                   : "is the gradient of the last example alone (example " + std::to_string(N - 1) +
                         "): `=` where `+=` belongs? each example overwrites the one before";
        context.known.push_back({what, {check.shape, numerical_gradient_flat(x, n, f, alone, h)}, ""});
      }
    }
  } else {
    seen.actual.shape = seen.expected.shape = {indices.size()};
    for (std::size_t i : indices) {
      seen.actual.values.push_back(analytic[i]);
      seen.expected.values.push_back(numerical[i]);
    }
  }
  return diagnose(seen, context);
}

}  // namespace

std::vector<double> numerical_gradient_flat(double* x, std::size_t n, const std::function<std::vector<double>()>& f,
                                            const std::vector<double>& dout, double h) {
  const auto f0 = f();
  std::vector<double> g(n);
  for (std::size_t i = 0; i < n; ++i) g[i] = slopes_at(x, i, f, f0, dout, h).centred;
  return g;
}

GradCheck check_gradient_flat(std::string name, const std::vector<std::size_t>& shape, double* x,
                              const double* analytic, const std::function<std::vector<double>()>& f,
                              const std::vector<double>& dout, const GradCheckOptions& options) {
  if (!(options.h > 0.0) || !std::isfinite(options.h))
    throw value_error("check_gradient", "step h must be a positive number, got " + fmt(options.h));
  GradCheck result;
  result.name = std::move(name);
  result.shape = shape;
  result.options = options;

  const std::size_t n = std::accumulate(shape.begin(), shape.end(), std::size_t{1}, std::multiplies<>());
  std::vector<std::size_t> indices(n);
  std::iota(indices.begin(), indices.end(), std::size_t{0});
  if (options.samples > 0 && options.samples < n) {
    // a partial Fisher-Yates shuffle: the first `samples` indices, distinct, seeded
    Rng rng(options.seed);
    for (std::size_t k = 0; k < options.samples; ++k) std::swap(indices[k], indices[k + rng.index(n - k)]);
    indices.resize(options.samples);
    std::sort(indices.begin(), indices.end());
  }

  const auto f0 = f();
  const double h = options.h;
  const Tolerance& tol = options.tol;
  std::vector<double> numerical(n, std::numeric_limits<double>::quiet_NaN());
  for (std::size_t i : indices) {
    const Slopes s = slopes_at(x, i, f, f0, dout, h);
    numerical[i] = s.centred;
    GradEntry e;
    e.index = unravel(i, shape);
    e.analytic = analytic[i];
    e.numeric = s.centred;
    e.rel_error = rel_error(e.analytic, e.numeric);
    e.abs_error = std::abs(e.analytic - e.numeric);
    e.slope_left = s.left;
    e.slope_right = s.right;
    e.ok = std::isfinite(e.analytic) && (e.rel_error <= tol.rel || e.abs_error <= tol.abs);
    const double slope_scale = std::max(std::abs(s.left), std::abs(s.right));
    e.kink = std::abs(s.left - s.right) > options.kink_ratio * slope_scale + tol.abs;
    ++result.checked;
    if (!e.ok && e.kink) {
      // Either one-sided slope is a valid (sub)gradient at a kink: accept the analytic value if it matches one.
      e.ok = rel_error(e.analytic, s.left) <= options.kink_tol || rel_error(e.analytic, s.right) <= options.kink_tol;
      result.kinks.push_back(e);
    } else if (!result.worst || (!std::isnan(result.max_rel_error) && !(e.rel_error <= result.max_rel_error))) {
      result.max_rel_error = e.rel_error;
      result.worst = e;
    }
    if (!e.ok) result.failures.push_back(e);
  }
  if (!result.passed()) result.diagnosis = diagnose_failure(result, x, analytic, numerical, indices, f, dout);
  return result;
}

Comparison compare_flat(std::string name, FlatArray actual_array, FlatArray expected_array, Tolerance tol,
                        const DiagnosisContext& context) {
  Comparison c;
  c.name = std::move(name);
  c.tol = tol;
  const auto& actual_shape = actual_array.shape;
  const double* actual = actual_array.values.data();
  const double* expected = expected_array.values.data();
  const auto diagnosed = [&] {
    if (!c.passed()) c.diagnosis = diagnose({c.name, std::move(actual_array), std::move(expected_array), "the expected values", {}}, context);
    return c;
  };
  if (actual_shape != expected_array.shape) {
    c.shapes_match = false;
    c.shape_note = "actual shape " + shape_str(actual_shape) + ", expected shape " + shape_str(expected_array.shape);
    return diagnosed();
  }
  const std::size_t n = actual_array.values.size();
  for (std::size_t i = 0; i < n; ++i) {
    const double err = std::abs(actual[i] - expected[i]);
    const bool ok = err <= tol.abs + tol.rel * std::abs(expected[i]);  // false for NaN
    ++c.compared;
    if (!ok) ++c.mismatches;
    if (c.worst_index.empty() || (!std::isnan(c.max_abs_error) && !(err <= c.max_abs_error))) {
      c.max_abs_error = err;
      c.worst_index = unravel(i, actual_shape);
      c.worst_actual = actual[i];
      c.worst_expected = expected[i];
    }
  }
  return diagnosed();
}

std::string gradient_shape_message(const std::string& name, const FlatArray& analytic,
                                   const std::vector<std::size_t>& x_shape, const FlatArray& numerical,
                                   const DiagnosisContext& context) {
  const std::string tensor = checked_tensor(name);
  std::string message = name + ": " + (tensor.empty() ? "the analytic gradient" : "your " + tensor) + " has shape " +
                        shape_str(analytic.shape) + " but " + (tensor.empty() ? "x" : tensor.substr(1)) +
                        " has shape " + shape_str(x_shape);
  if (!numerical.empty()) {
    Observation seen{name, analytic, numerical, "the numerical gradient", {}};
    message += "\n" + diagnose(seen, context);
  }
  return message;
}

}  // namespace detail

std::vector<GradCheck> check_parameters(const std::function<double()>& loss, const std::vector<ParamRef>& params,
                                        const GradCheckOptions& options) {
  std::vector<GradCheck> checks;
  for (const auto& p : params) {
    if (p.value == nullptr || p.grad == nullptr)
      throw value_error("check_parameters", "parameter " + p.name + " has no values or no gradient");
    checks.push_back(detail::check_gradient_flat(
        p.name, p.shape, p.value, p.grad, [&] { return std::vector<double>{loss()}; }, {1.0}, options));
  }
  return checks;
}

namespace {
std::string entry_line(const GradEntry& e, const Tolerance& tol) {
  std::ostringstream os;
  os << "index " << shape_str(e.index) << ": analytic " << detail::fmt(e.analytic) << ", numerical "
     << detail::fmt(e.numeric) << ", relative error " << detail::fmt_short(e.rel_error)
     << (e.ok ? " <= " : " > ") << "tolerance " << detail::fmt_short(tol.rel);
  return os.str();
}
}  // namespace

std::string GradCheck::report() const {
  std::ostringstream os;
  const Tolerance& tol = options.tol;
  os << "gradient check of " << name << " " << shape_str(shape) << ": " << (passed() ? "passed" : "FAILED") << ", "
     << checked << " entries checked (h = " << detail::fmt_short(options.h) << ", tolerance: relative error <= "
     << detail::fmt_short(tol.rel) << " or absolute error <= " << detail::fmt_short(tol.abs) << ")\n";
  if (worst) os << "  largest relative error " << detail::fmt_short(max_rel_error) << " at " << entry_line(*worst, tol) << "\n";
  if (!failures.empty()) {
    os << "  " << failures.size() << " of " << checked << " entries failed; the first ones:\n";
    for (std::size_t k = 0; k < failures.size() && k < 5; ++k)
      os << "    " << entry_line(failures[k], tol) << (failures[k].kink ? " (at a kink)" : "") << "\n";
  }
  if (!kinks.empty()) {
    os << "  " << kinks.size()
       << " entries straddle a kink (the one-sided slopes differ: the function is not differentiable there, "
          "e.g. ReLU at 0 or a tie in max pooling); move the input away from it:\n";
    for (std::size_t k = 0; k < kinks.size() && k < 5; ++k) {
      const auto& e = kinks[k];
      os << "    index " << shape_str(e.index) << ": slope from the left " << detail::fmt(e.slope_left)
         << ", from the right " << detail::fmt(e.slope_right) << ", analytic " << detail::fmt(e.analytic)
         << (e.ok ? " (matches one side: accepted)" : " (matches neither side: failed)") << "\n";
    }
  }
  if (!diagnosis.empty()) os << diagnosis << "\n";
  return os.str();
}

std::string Comparison::report() const {
  std::ostringstream os;
  os << "comparison of " << name << ": " << (passed() ? "passed" : "FAILED");
  if (!shapes_match) {
    os << ", shapes differ: " << shape_note << "\n";
    if (!diagnosis.empty()) os << diagnosis << "\n";
    return os.str();
  }
  os << ", " << mismatches << " of " << compared << " entries outside |a - e| <= " << detail::fmt_short(tol.abs)
     << " + " << detail::fmt_short(tol.rel) << " |e|";
  if (!worst_index.empty())
    os << "; largest difference " << detail::fmt_short(max_abs_error) << " at index " << shape_str(worst_index)
       << " (actual " << detail::fmt(worst_actual) << ", expected " << detail::fmt(worst_expected) << ")";
  os << "\n";
  if (!diagnosis.empty()) os << diagnosis << "\n";
  return os.str();
}

}  // namespace cnn
