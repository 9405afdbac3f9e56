#include "instruments/diagnose.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <numeric>

#include <xtensor/xview.hpp>

#include "layers/batchnorm.hpp"
#include "core/checks.hpp"
#include "internals/conv_fast.hpp"
#include "layers/pool.hpp"

namespace cnn {

std::vector<std::size_t> detail::unravel(std::size_t flat, const std::vector<std::size_t>& shape) {
  std::vector<std::size_t> index(shape.size());
  for (std::size_t k = shape.size(); k-- > 0;) {
    index[k] = flat % shape[k];
    flat /= shape[k];
  }
  return index;
}

namespace {

using detail::unravel;

const std::string general_docs = "\"Gradient checking\", section \"Diagnoses\"";
const std::string reading_docs = "\"Gradient checking\", section \"Reading a failure\"";

std::size_t count(const std::vector<std::size_t>& shape) {
  return std::accumulate(shape.begin(), shape.end(), std::size_t{1}, std::multiplies<>());
}

// A value as a message shows it: NaN and inf spelled so whatever their sign bit.
std::string value_str(double v) {
  if (std::isnan(v)) return "NaN";
  return num_str(v);
}

std::string line(const std::string& text, const std::string& docs) {
  return "diagnosis: " + text + " (docs: " + docs + ")";
}

// Two values agree for the diagnosis when they differ by at most 1e-6 of the larger or 1e-7 of the array's
// scale: loose enough for a numerical gradient, tight enough that no pattern holds by accident.
struct Agree {
  double scale;
  bool operator()(double a, double e) const {
    return std::abs(a - e) <= 1e-6 * std::max(std::abs(a), std::abs(e)) + 1e-7 * scale;
  }
};

Agree agree_for(const std::vector<double>& reference) {
  double scale = 0.0;
  for (double v : reference)
    if (std::isfinite(v)) scale = std::max(scale, std::abs(v));
  return {scale > 0.0 ? scale : 1.0};
}

bool all_agree(const std::vector<double>& a, const std::vector<double>& e) {
  if (a.size() != e.size()) return false;
  const Agree agree = agree_for(e);
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!agree(a[i], e[i])) return false;
  return true;
}

// The name a message uses for the student's array: "dw" for "dw of conv_backward_naive", "out[0, 0]" for a
// comparison called so.
std::string subject(const std::string& name) {
  const std::string t = checked_tensor(name);
  if (!t.empty()) return t;
  std::string s = name;
  for (const char* cut : {" of ", ": "})
    if (const auto at = s.find(cut); at != std::string::npos) s = s.substr(0, at);
  return s.empty() ? std::string("array") : s;
}

// The transpose of a rank-2 array.
std::vector<double> transposed(const FlatArray& m) {
  const std::size_t R = m.shape[0], C = m.shape[1];
  std::vector<double> t(R * C);
  for (std::size_t r = 0; r < R; ++r)
    for (std::size_t c = 0; c < C; ++c) t[c * R + r] = m.values[r * C + c];
  return t;
}

// The sum of @p a over the axes whose bit is set in @p mask.
FlatArray sum_over(const FlatArray& a, unsigned mask) {
  FlatArray out;
  for (std::size_t k = 0; k < a.shape.size(); ++k)
    if (!(mask & (1u << k))) out.shape.push_back(a.shape[k]);
  out.values.assign(count(out.shape), 0.0);
  for (std::size_t i = 0; i < a.values.size(); ++i) {
    const auto index = unravel(i, a.shape);
    std::size_t flat = 0;
    for (std::size_t k = 0; k < index.size(); ++k)
      if (!(mask & (1u << k))) flat = flat * a.shape[k] + index[k];
    out.values[flat] += a.values[i];
  }
  return out;
}

std::string axes_str(unsigned mask, std::size_t rank) {
  std::vector<std::size_t> axes;
  for (std::size_t k = 0; k < rank; ++k)
    if (mask & (1u << k)) axes.push_back(k);
  std::string s = axes.size() == 1 ? "axis " : "axes ";
  for (std::size_t k = 0; k < axes.size(); ++k) s += (k ? ", " : "") + std::to_string(axes[k]);
  return s;
}

// The reductions of dout whose shape is @p shape, as axis masks.
std::vector<unsigned> reductions_to(const FlatArray& dout, const std::vector<std::size_t>& shape) {
  std::vector<unsigned> masks;
  const std::size_t r = dout.shape.size();
  if (r == 0 || r > 8) return masks;
  for (unsigned mask = 1; mask < (1u << r); ++mask) {
    std::vector<std::size_t> kept;
    for (std::size_t k = 0; k < r; ++k)
      if (!(mask & (1u << k))) kept.push_back(dout.shape[k]);
    if (kept == shape) masks.push_back(mask);
  }
  return masks;
}

std::size_t minibatch_size(const DiagnosisContext& ctx) {
  if (ctx.dout.shape.size() >= 2) return ctx.dout.shape[0];
  if (ctx.x.shape.size() >= 2) return ctx.x.shape[0];
  return 0;
}

// The constants a wrong factor is usually made of, with what each one means.
struct Factor {
  double value;
  std::string meaning;
};

std::vector<Factor> known_factors(const DiagnosisContext& ctx) {
  std::vector<Factor> f = {{2.0, "2: counted twice?"}, {0.5, "1/2: a factor 2 missing, or counted half?"}};
  if (const std::size_t N = minibatch_size(ctx); N >= 2) {
    const std::string n = "N = " + std::to_string(N) + " (the minibatch size)";
    f.push_back({static_cast<double>(N), n + ": a division by N is missing, or a sum where the mean belongs"});
    f.push_back({1.0 / static_cast<double>(N), "1/" + n + ": divided by N where a sum belongs"});
  }
  if (const std::size_t N = minibatch_size(ctx); N >= 2) {
    const double n = static_cast<double>(N), r = n / (n - 1.0);
    const std::string frac = std::to_string(N) + "/" + std::to_string(N - 1);
    const std::string why = " (N = " + std::to_string(N) + "): a variance divided by N - 1 (the unbiased estimate) "
                            "where the course divides by N, or the other way round";
    f.push_back({r, "N/(N - 1) = " + frac + why});
    f.push_back({1.0 / r, "(N - 1)/N" + why});
    f.push_back({std::sqrt(r), "sqrt(N/(N - 1))" + why});
    f.push_back({1.0 / std::sqrt(r), "sqrt((N - 1)/N)" + why});
  }
  if (ctx.momentum && *ctx.momentum > 0.0 && *ctx.momentum < 1.0) {
    const double m = *ctx.momentum;
    const std::string why = ": the momentum m = " + num_str(m) + " is mixed up with 1 - m = " + num_str(1.0 - m) +
                            " (the running average is m r + (1 - m) new)";
    f.push_back({m / (1.0 - m), "m / (1 - m) = " + num_str(m / (1.0 - m)) + why});
    f.push_back({(1.0 - m) / m, "(1 - m) / m = " + num_str((1.0 - m) / m) + why});
  }
  if (ctx.p_drop) {
    const double p = *ctx.p_drop, q = 1.0 - p;
    const std::string ps = num_str(p), qs = num_str(q);
    f.push_back({q * q, "(1 - p_drop)^2 = " + num_str(q * q) + ": the kept units are multiplied by the keep probability "
                            "1 - p_drop = " + qs + " instead of divided by it"});
    f.push_back({q, "1 - p_drop = " + qs + ": the kept units are not divided by the keep probability 1 - p_drop"});
    f.push_back({1.0 / q, "1 / (1 - p_drop) = " + num_str(1.0 / q) + ": divided by the keep probability 1 - p_drop "
                              "once too often"});
    if (p > 0.0) {
      f.push_back({q / p, "(1 - p_drop) / p_drop = " + num_str(q / p) +
                              ": divided by p_drop = " + ps + " where 1 - p_drop belongs"});
      f.push_back({p * q, "p_drop (1 - p_drop) = " + num_str(p * q) + ": multiplied by p_drop = " + ps +
                              " instead of divided by 1 - p_drop"});
    }
  }
  return f;
}

// The factor c with a = c e at every entry, if there is one (e not all zero).
std::optional<double> common_factor(const std::vector<double>& a, const std::vector<double>& e) {
  const Agree agree_e = agree_for(e);
  std::vector<double> ratios;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::abs(e[i]) > 1e-3 * agree_e.scale) ratios.push_back(a[i] / e[i]);
  if (ratios.empty()) return std::nullopt;
  std::nth_element(ratios.begin(), ratios.begin() + ratios.size() / 2, ratios.end());
  const double c = ratios[ratios.size() / 2];
  if (!std::isfinite(c)) return std::nullopt;
  std::vector<double> scaled(e.size());
  for (std::size_t i = 0; i < e.size(); ++i) scaled[i] = c * e[i];
  if (!all_agree(a, scaled)) return std::nullopt;
  return c;
}

std::string shape_mismatch(const Observation& seen, const DiagnosisContext& ctx, const std::string& you) {
  const FlatArray& a = seen.actual;
  const FlatArray& e = seen.expected;
  const std::string as = shape_str(a.shape), es = shape_str(e.shape);
  for (const KnownMistake& k : ctx.known)
    if (k.array.shape == a.shape && all_agree(a.values, k.array.values))
      return line(you + " has shape " + as + " where " + es + " is expected: it " + k.mistake,
                  k.docs.empty() ? (ctx.docs.empty() ? general_docs : ctx.docs) : k.docs);
  const std::string docs = ctx.docs.empty() ? general_docs : ctx.docs;
  for (unsigned mask : reductions_to(ctx.dout, a.shape))
    if (all_agree(a.values, sum_over(ctx.dout, mask).values)) {
      std::string text = you + " has shape " + as + " where " + es + " is expected: it is dout summed over " +
                         axes_str(mask, ctx.dout.shape.size());
      const auto right = reductions_to(ctx.dout, e.shape);
      if (!right.empty()) text += ", the expected one sums dout over " + axes_str(right.front(), ctx.dout.shape.size());
      return line(text + ": the sum runs over the wrong axis", docs);
    }
  if (a.values.size() == e.values.size() && all_agree(a.values, e.values))
    return line(you + " holds the expected values in the wrong shape " + as + ": reshape it to " + es, docs);
  if (a.shape.size() == 2 && e.shape.size() == 2 && a.shape[0] == e.shape[1] && a.shape[1] == e.shape[0] &&
      all_agree(a.values, transposed(e)))
    return line(you + " is the transpose of the expected one: shape " + as + " holds " + es +
                    "'s values (swap the factors of the product, or transpose them)",
                docs);
  return line("wrong shape: " + you + " has shape " + as + " but the expected shape is " + es, docs);
}

std::string index_list(const std::vector<std::size_t>& flat, const std::vector<std::size_t>& shape) {
  std::string s;
  for (std::size_t k = 0; k < flat.size() && k < 3; ++k) s += (k ? ", " : "") + shape_str(unravel(flat[k], shape));
  if (flat.size() > 3) s += ", ...";
  return s;
}

// True when index (n, f, i, j) of a convolution's output has a window that overlaps the zero padding.
bool on_padded_border(const std::vector<std::size_t>& index, const ConvGeometry& g) {
  const std::size_t i = index[2], j = index[3];
  return i * g.stride < g.pad || i * g.stride + g.HH > g.H + g.pad || j * g.stride < g.pad ||
         j * g.stride + g.WW > g.W + g.pad;
}

}  // namespace

std::string checked_tensor(const std::string& check_name) {
  std::size_t end = 0;
  while (end < check_name.size() &&
         (std::isalnum(static_cast<unsigned char>(check_name[end])) || check_name[end] == '_'))
    ++end;
  if (end >= 2 && check_name[0] == 'd' && std::isalpha(static_cast<unsigned char>(check_name[1])))
    return check_name.substr(0, end);
  return "";
}

std::string diagnose(const Observation& seen, const DiagnosisContext& ctx) {
  const FlatArray& a = seen.actual;
  const FlatArray& e = seen.expected;
  const std::string name = subject(seen.name);
  const std::string you = "your " + name;
  const std::string docs = ctx.docs.empty() ? general_docs : ctx.docs;
  if (a.shape != e.shape) return shape_mismatch(seen, ctx, you);

  // Non-finite values where finite ones are expected.
  std::vector<std::size_t> non_finite;
  for (std::size_t i = 0; i < a.values.size(); ++i)
    if (!std::isfinite(a.values[i]) && std::isfinite(e.values[i])) non_finite.push_back(i);
  if (!non_finite.empty())
    return line(you + " is " + value_str(a.values[non_finite.front()]) + " at " +
                    index_list(non_finite, a.shape) + " where the expected value is finite: " +
                    (ctx.non_finite_fix.empty() ? "something overflowed or divided by zero (exp of a number above 709 "
                                                  "is inf, and inf / inf is NaN)"
                                                : ctx.non_finite_fix),
                docs);

  for (const KnownMistake& k : ctx.known)
    if (k.array.shape == a.shape && all_agree(a.values, k.array.values))
      return line(you + " " + k.mistake, k.docs.empty() ? docs : k.docs);

  for (unsigned mask : reductions_to(ctx.dout, a.shape))
    if (all_agree(a.values, sum_over(ctx.dout, mask).values) && !all_agree(e.values, sum_over(ctx.dout, mask).values))
      return line(you + " is dout summed over " + axes_str(mask, ctx.dout.shape.size()) +
                      ": the sum runs over the wrong axis",
                  docs);

  const Agree agree = agree_for(e.values);
  std::vector<std::size_t> differ;
  for (std::size_t i = 0; i < a.values.size(); ++i)
    if (!agree(a.values[i], e.values[i])) differ.push_back(i);

  // Kinks: every entry that differs straddles one (gradient check), or sits on one (known input).
  if (!seen.kinks.empty()) {
    const bool all_kinks = std::all_of(differ.begin(), differ.end(), [&](std::size_t i) {
      return std::find(seen.kinks.begin(), seen.kinks.end(), unravel(i, a.shape)) != seen.kinks.end();
    });
    if (all_kinks)
      return line("the failing entries (" + shape_str(seen.kinks.front()) +
                      (seen.kinks.size() > 1 ? ", ..." : "") +
                      ") straddle a kink, where the function has no derivative, and " + you +
                      " matches neither one-sided slope there: move the input at least 1e-3 away from the kink, "
                      "or check the value the backward pass gives at it",
                  ctx.docs.empty() ? "\"Gradient checking\", section \"Kinks\"" : ctx.docs);
  }
  if (ctx.kink_at && ctx.x.values.size() == a.values.size() && !differ.empty() &&
      std::all_of(differ.begin(), differ.end(), [&](std::size_t i) { return ctx.x.values[i] == *ctx.kink_at; }))
    return line(you + " differs from " + seen.expected_what + " only where x = " + num_str(*ctx.kink_at) + " (at " +
                    index_list(differ, a.shape) + "), on the kink: the lab takes the slope from the left there "
                    "(for ReLU 0: the mask is x > 0, not x >= 0)",
                docs);

  if (differ.empty())
    return line("no common mistake fits: every entry agrees with " + seen.expected_what +
                    " to 1e-6 relative, so the difference is one of precision (float instead of double "
                    "somewhere? a different order of a long sum?)",
                reading_docs);

  // Transposed: the expected values in mirrored places (a square matrix; other shapes differ, see above).
  if (a.shape.size() == 2 && a.shape[0] == a.shape[1] && a.shape[0] > 1) {
    const auto t = transposed(e);
    if (all_agree(a.values, t) && !all_agree(e.values, t))
      return line(you + " is the transpose of " + seen.expected_what + ": the right values in mirrored places "
                        "(swap the factors of the product, or transpose them)",
                  docs);
  }

  // One constant factor at every entry, named when it is a known one.
  if (const auto c = common_factor(a.values, e.values)) {
    if (std::abs(*c + 1.0) <= 1e-6) return line(you + " has the wrong sign at every entry", docs);
    if (std::abs(*c) <= 1e-9) return line(you + " is zero at every entry", docs);
    const std::string sign = *c < 0 ? " with the opposite sign" : "";
    for (const Factor& f : known_factors(ctx))
      if (std::abs(std::abs(*c) - f.value) <= 1e-6 * f.value)
        return line(you + " is " + seen.expected_what + " times " + f.meaning + sign, docs);
    if (a.values.size() >= 2)  // one number is some constant times any other: only a known factor says something
      return line(you + " is " + seen.expected_what + " times the constant " + num_str(*c) +
                      " at every entry: a factor is wrong (it is not N, 2 or 1/2)",
                  docs);
  }

  // One constant added at every entry (several entries: a single number is off by some constant always).
  if (a.values.size() >= 2) {
    const double c = a.values.front() - e.values.front();
    std::vector<double> shifted(e.values.size());
    for (std::size_t i = 0; i < e.values.size(); ++i) shifted[i] = e.values[i] + c;
    if (all_agree(a.values, shifted))
      return line(you + " is " + seen.expected_what + (c > 0 ? " plus " : " minus ") + num_str(std::abs(c)) +
                      " at every entry: a constant term is off (a margin, a bias or a + 1 where it does not belong?)",
                  docs);
  }

  // Differences only on the padded border of a convolution's output.
  if (ctx.conv_out && a.shape.size() == 4) {
    std::size_t border = 0, inside = 0;
    bool only_border = true;
    for (std::size_t i = 0; i < a.values.size(); ++i) (on_padded_border(unravel(i, a.shape), *ctx.conv_out) ? border : inside)++;
    for (std::size_t i : differ) only_border = only_border && on_padded_border(unravel(i, a.shape), *ctx.conv_out);
    if (only_border && inside > 0)
      return line(you + " differs only at outputs whose window overlaps the zero padding (" +
                      std::to_string(differ.size()) + " of those " + std::to_string(border) + " differ; the " +
                      std::to_string(inside) + " inside agree): the padding is ignored or misplaced",
                  docs);
  }

  // Only the first example right.
  if (a.shape.size() >= 2 && a.shape[0] >= 2) {
    const std::size_t per = a.values.size() / a.shape[0];
    const bool first_right = per > 0 && differ.front() >= per;
    bool every_other_wrong = true;
    for (std::size_t n = 1; n < a.shape[0] && every_other_wrong; ++n)
      every_other_wrong = std::any_of(differ.begin(), differ.end(), [&](std::size_t i) { return i / per == n; });
    if (first_right && every_other_wrong)
      return line("only example 0 of " + you + " is right, every other example differs: does the loop over the "
                  "minibatch stop after the first example?",
                  docs);
  }

  const std::size_t first = differ.front();
  const std::string values = "yours " + value_str(a.values[first]) + ", expected " + value_str(e.values[first]);
  if (a.values.size() == 1)
    return line("no common mistake fits: " + you + " is " + value_str(a.values[0]) + " where " +
                    value_str(e.values[0]) + " is expected (" + (a.values[0] > e.values[0] ? "higher" : "lower") +
                    " by " + num_str(std::abs(a.values[0] - e.values[0])) + ")",
                reading_docs);
  return line("no common mistake fits (not a transpose, a sign, a constant factor or offset, or a wrong shape): " +
                  std::to_string(differ.size()) + " of " + std::to_string(a.values.size()) + " entries differ, e.g. at " +
                  shape_str(unravel(first, a.shape)) + ": " + values,
              reading_docs);
}

// --- contexts for the layers -------------------------------------------------------------------------------

DiagnosisContext relu_context(const Tensor& x) {
  DiagnosisContext c;
  c.docs = "\"ReLU\"";
  c.x = FlatArray::of(x);
  c.kink_at = 0.0;
  return c;
}

DiagnosisContext conv_forward_context(const Tensor4& x, const Tensor4& w, const Tensor1& b, const ConvParam& param) {
  DiagnosisContext c;
  c.docs = "\"The convolution layer\", section \"Spatial arithmetic\"";
  c.x = FlatArray::of(x);
  c.conv_out = ConvGeometry{x.shape(2), x.shape(3), w.shape(2), w.shape(3), param.stride, param.pad};
  if (param.pad > 0) {
    // x read at (i S + p, j S + q) without the shift by P: as if all the padding were at the bottom and right
    const std::size_t P = param.pad;
    Tensor4 low = xt::zeros<double>({x.shape(0), x.shape(1), x.shape(2) + 2 * P, x.shape(3) + 2 * P});
    xt::view(low, xt::all(), xt::all(), xt::range(0, x.shape(2)), xt::range(0, x.shape(3))) = x;
    try {
      c.known.push_back({"reads x at (i S + p, j S + q) as if it were padded at the bottom and right only: the "
                         "padding is ignored in the index, the padded input is x shifted by P",
                         FlatArray::of(detail::conv_forward_fast(low, w, b, {.stride = param.stride, .pad = 0})), ""});
    } catch (const error&) {
      // a geometry the layer refuses: no candidate
    }
  }
  if (param.stride > 1) {
    try {
      const Tensor4 y1 = detail::conv_forward_fast(x, w, b, {.stride = 1, .pad = param.pad});
      c.known.push_back({"is the output at stride 1: the stride is ignored", FlatArray::of(y1), ""});
      const std::size_t Hout = (x.shape(2) + 2 * param.pad - w.shape(2)) / param.stride + 1;
      const std::size_t Wout = (x.shape(3) + 2 * param.pad - w.shape(3)) / param.stride + 1;
      c.known.push_back({"holds at (i, j) the stride-1 output at (i, j), not the one at (i S, j S): the "
                         "window's position ignores the stride",
                         FlatArray::of(xt::view(y1, xt::all(), xt::all(), xt::range(0, Hout), xt::range(0, Wout))),
                         ""});
      const std::size_t S = param.stride;
      c.known.push_back({"holds at (i, j) the stride-1 output at (i, j S), not the one at (i S, j S): the row index "
                         "ignores the stride (i + p where i S + p belongs)",
                         FlatArray::of(xt::view(y1, xt::all(), xt::all(), xt::range(0, Hout), xt::range(0, Wout * S - S + 1, S))),
                         ""});
      c.known.push_back({"holds at (i, j) the stride-1 output at (i S, j), not the one at (i S, j S): the column index "
                         "ignores the stride (j + q where j S + q belongs)",
                         FlatArray::of(xt::view(y1, xt::all(), xt::all(), xt::range(0, Hout * S - S + 1, S), xt::range(0, Wout))),
                         ""});
    } catch (const error&) {
      // a geometry the layer refuses: no stride candidates
    }
  }
  return c;
}

DiagnosisContext conv_backward_context(const std::string& tensor, const Tensor4& x, const Tensor4& w,
                                       const Tensor4& dout, const ConvParam& param) {
  DiagnosisContext c;
  c.x = FlatArray::of(x);
  c.dout = FlatArray::of(dout);
  const std::string section = tensor == "db" ? "db: sums"
                              : tensor == "dw" ? "dw: a correlation of the input with the upstream gradient"
                                               : "dx: a full convolution of the upstream gradient with the flipped filters";
  c.docs = "\"The convolution's backward pass\", section \"" + section + "\"";
  const std::size_t N = x.shape(0);
  if (N < 2) return c;
  for (const std::size_t k : {std::size_t{0}, N - 1}) {
    const Tensor4 xk = xt::view(x, xt::range(k, k + 1));
    const Tensor4 doutk = xt::view(dout, xt::range(k, k + 1));
    Tensor4 dw, dxk;
    Tensor1 db;
    try {
      detail::conv_backward_fast(doutk, xk, w, param, dw, db, &dxk);
    } catch (const error&) {
      return c;
    }
    FlatArray alone;
    if (tensor == "dw") {
      alone = FlatArray::of(dw);
    } else if (tensor == "db") {
      alone = FlatArray::of(db);
    } else {
      Tensor4 dx = xt::zeros<double>(x.shape());
      xt::view(dx, xt::range(k, k + 1)) = dxk;
      alone = FlatArray::of(dx);
    }
    const std::string what = k == 0 ? "is example 0's contribution alone: the sum over the N = " +
                                          std::to_string(N) + " examples of the minibatch is missing"
                                    : "is the last example's contribution alone: `=` where `+=` belongs (each "
                                      "example overwrites the one before)";
    c.known.push_back({what, std::move(alone), ""});
  }
  return c;
}

DiagnosisContext max_pool_backward_context(const Tensor4& x, const PoolParam& param, const Tensor4& dout) {
  DiagnosisContext c;
  c.docs = "\"Pooling layers\", section \"Backward\"";
  c.x = FlatArray::of(x);
  c.dout = FlatArray::of(dout);
  const std::size_t HH = param.height, WW = param.width, S = param.stride;
  Tensor4 average = xt::zeros<double>(x.shape()), copied = xt::zeros<double>(x.shape());
  for (std::size_t n = 0; n < dout.shape(0); ++n)
    for (std::size_t ch = 0; ch < dout.shape(1); ++ch)
      for (std::size_t i = 0; i < dout.shape(2); ++i)
        for (std::size_t j = 0; j < dout.shape(3); ++j)
          for (std::size_t p = 0; p < HH; ++p)
            for (std::size_t q = 0; q < WW; ++q) {
              if (i * S + p >= x.shape(2) || j * S + q >= x.shape(3)) continue;
              average(n, ch, i * S + p, j * S + q) += dout(n, ch, i, j) / static_cast<double>(HH * WW);
              copied(n, ch, i * S + p, j * S + q) += dout(n, ch, i, j);
            }
  c.known.push_back({"spreads each dout evenly over its window (dout / (HH WW) to every entry, average "
                     "pooling's gradient): max pooling sends all of it to the entry that won the max",
                     FlatArray::of(average), ""});
  c.known.push_back({"copies each dout to every entry of its window: max pooling sends it only to the entry "
                     "that won the max",
                     FlatArray::of(copied), ""});
  return c;
}

DiagnosisContext batchnorm_backward_context(const Tensor2& dout, const BatchNormCache& cache) {
  DiagnosisContext c;
  c.docs = "\"Batch normalization\", section \"Backward pass, step by step\"";
  c.x = FlatArray::of(cache.x);
  c.dout = FlatArray::of(dout);
  const std::size_t N = dout.shape(0), D = dout.shape(1);
  Tensor2 both = xt::zeros<double>({N, D}), var_only = both, mean_only = both;
  for (std::size_t d = 0; d < D; ++d) {
    const double scale = cache.gamma(d) / std::sqrt(cache.var(d) + cache.eps);
    double mean_dout = 0.0, mean_dout_xhat = 0.0;
    for (std::size_t n = 0; n < N; ++n) {
      mean_dout += dout(n, d) / static_cast<double>(N);
      mean_dout_xhat += dout(n, d) * cache.xhat(n, d) / static_cast<double>(N);
    }
    for (std::size_t n = 0; n < N; ++n) {
      both(n, d) = scale * dout(n, d);
      var_only(n, d) = scale * (dout(n, d) - mean_dout);
      mean_only(n, d) = scale * (dout(n, d) - cache.xhat(n, d) * mean_dout_xhat);
    }
  }
  c.known.push_back({"is dout * gamma / sqrt(var + eps): the mean and the variance are treated as constants, and "
                     "the terms of the paths through them are missing",
                     FlatArray::of(both), ""});
  c.known.push_back({"treats the variance as a constant: the term -gamma / sqrt(var + eps) * xhat * "
                     "mean(dout * xhat) of the path through it is missing",
                     FlatArray::of(var_only), ""});
  c.known.push_back({"treats the mean as a constant: the term -gamma / sqrt(var + eps) * mean(dout) of the path "
                     "through it is missing",
                     FlatArray::of(mean_only), ""});
  return c;
}

DiagnosisContext pool_forward_context(const Tensor4& x, const PoolParam& param, bool max) {
  DiagnosisContext c;
  c.docs = "\"Pooling layers\", section \"Forward\"";
  c.x = FlatArray::of(x);
  const std::size_t N = x.shape(0), C = x.shape(1), H = x.shape(2), W = x.shape(3);
  const std::size_t HH = param.height, WW = param.width, S = param.stride;
  if (S < 2 || HH == 0 || WW == 0 || HH > H || WW > W) return c;
  const std::size_t Hout = 1 + (H - HH) / S, Wout = 1 + (W - WW) / S;
  // the output when window (i, j) starts at (i Si, j Sj)
  auto pooled = [&](std::size_t Si, std::size_t Sj) {
    Tensor4 out = xt::zeros<double>({N, C, Hout, Wout});
    for (std::size_t n = 0; n < N; ++n)
      for (std::size_t ch = 0; ch < C; ++ch)
        for (std::size_t i = 0; i < Hout; ++i)
          for (std::size_t j = 0; j < Wout; ++j) {
            double v = max ? x(n, ch, i * Si, j * Sj) : 0.0;
            for (std::size_t p = 0; p < HH; ++p)
              for (std::size_t q = 0; q < WW; ++q) {
                const double e = x(n, ch, i * Si + p, j * Sj + q);
                v = max ? std::max(v, e) : v + e / static_cast<double>(HH * WW);
              }
            out(n, ch, i, j) = v;
          }
    return FlatArray::of(out);
  };
  c.known.push_back({"reads window (i, j) at (i, j S): the row index ignores the stride (i + p where i S + p belongs)",
                     pooled(1, S), ""});
  c.known.push_back({"reads window (i, j) at (i S, j): the column index ignores the stride (j + q where j S + q "
                     "belongs)",
                     pooled(S, 1), ""});
  c.known.push_back({"reads window (i, j) at (i, j): the stride is ignored in both indices", pooled(1, 1), ""});
  return c;
}

DiagnosisContext batchnorm_forward_context(const std::string& what, const Tensor2& x, const Tensor1& gamma,
                                           const Tensor1& beta, const BatchNormParam& param,
                                           const BatchNormState& before) {
  DiagnosisContext c;
  c.docs = "\"Batch normalization\", section \"Forward pass\"";
  c.x = FlatArray::of(x);
  c.momentum = param.momentum;
  const std::size_t N = x.shape(0), D = x.shape(1);
  if (N < 2 || gamma.size() != D || beta.size() != D || before.running_mean.size() != D ||
      before.running_var.size() != D)
    return c;
  const double m = param.momentum, n = static_cast<double>(N);
  Tensor1 mean = xt::zeros<double>({D}), var = xt::zeros<double>({D});
  for (std::size_t d = 0; d < D; ++d) {
    for (std::size_t i = 0; i < N; ++i) mean(d) += x(i, d) / n;
    for (std::size_t i = 0; i < N; ++i) var(d) += (x(i, d) - mean(d)) * (x(i, d) - mean(d)) / n;
  }
  const Tensor1 unbiased = var * (n / (n - 1.0));
  const std::string unbiased_words = "the unbiased variance (a sum of squares divided by N - 1 = " +
                                     std::to_string(N - 1) + "); the course's batch norm divides by N = " +
                                     std::to_string(N);
  const std::string swapped_words = "the momentum the wrong way round: (1 - m) r + m new, where the running average "
                                    "is m r + (1 - m) new (m = " + num_str(m) + ")";
  if (what == "out") {
    Tensor2 out = xt::zeros<double>({N, D});
    for (std::size_t i = 0; i < N; ++i)
      for (std::size_t d = 0; d < D; ++d)
        out(i, d) = gamma(d) * (x(i, d) - mean(d)) / std::sqrt(unbiased(d) + param.eps) + beta(d);
    c.known.push_back({"normalizes with " + unbiased_words, FlatArray::of(out), ""});
  } else if (what == "running_mean") {
    c.known.push_back({"updates the running mean with " + swapped_words,
                       FlatArray::of(Tensor1((1.0 - m) * before.running_mean + m * mean)), ""});
  } else if (what == "running_var") {
    c.known.push_back({"updates the running variance with " + swapped_words,
                       FlatArray::of(Tensor1((1.0 - m) * before.running_var + m * var)), ""});
    c.known.push_back({"averages " + unbiased_words, FlatArray::of(Tensor1(m * before.running_var + (1.0 - m) * unbiased)),
                       ""});
    c.known.push_back({"updates the running variance with " + swapped_words + ", and averages " + unbiased_words,
                       FlatArray::of(Tensor1((1.0 - m) * before.running_var + m * unbiased)), ""});
  }
  return c;
}

DiagnosisContext svm_context(const std::string& what, const Tensor2& x, const Labels& y) {
  DiagnosisContext c;
  c.docs = "\"The softmax and SVM losses\"";
  c.x = FlatArray::of(x);
  const std::size_t N = x.shape(0), K = x.shape(1);
  if (N == 0 || y.size() != N) return c;
  for (std::size_t i = 0; i < N; ++i)
    if (y(i) >= K) return c;
  // loss and dx with margin delta; with_own: the true class's own margin (always delta) counted too
  auto svm = [&](double delta, bool with_own) {
    double loss = 0.0;
    Tensor2 dx = xt::zeros<double>({N, K});
    for (std::size_t i = 0; i < N; ++i)
      for (std::size_t j = 0; j < K; ++j) {
        if (j == y(i) && !with_own) continue;
        const double margin = x(i, j) - x(i, y(i)) + delta;
        if (margin > 0) {
          loss += margin / static_cast<double>(N);
          if (j != y(i)) {
            dx(i, j) += 1.0 / static_cast<double>(N);
            dx(i, y(i)) -= 1.0 / static_cast<double>(N);
          }
        }
      }
    return what == "loss" ? FlatArray{{1}, {loss}} : FlatArray::of(dx);
  };
  c.known.push_back({"is the SVM " + what + " with a margin of 0: the margin is 1 (s_j - s_y + 1)", svm(0.0, false), ""});
  c.known.push_back({"is the SVM " + what + " with a margin of 2: the margin is 1 (s_j - s_y + 1)", svm(2.0, false), ""});
  if (what == "loss")
    c.known.push_back({"counts the true class too: its own margin s_y - s_y + 1 = 1 adds 1 per example (the sum runs "
                       "over j != y)",
                       svm(1.0, true), ""});
  return c;
}

DiagnosisContext softmax_context(const Tensor2& x) {
  DiagnosisContext c;
  c.docs = "\"The softmax and SVM losses\"";
  c.x = FlatArray::of(x);
  c.non_finite_fix = "exp overflowed. Subtract each row's maximum score before exp: softmax(s) = softmax(s - max s), "
                     "and then every exp is at most 1 (exp of anything above 709 is inf in double, and inf / inf is "
                     "NaN)";
  return c;
}

DiagnosisContext dropout_context(double p_drop) {
  DiagnosisContext c;
  c.docs = "\"Dropout\", section \"Inverted dropout: train and test\"";
  c.p_drop = p_drop;
  return c;
}

DiagnosisContext layer_context(std::string docs, FlatArray dout, FlatArray x) {
  DiagnosisContext c;
  c.docs = std::move(docs);
  c.dout = std::move(dout);
  c.x = std::move(x);
  return c;
}

}  // namespace cnn
