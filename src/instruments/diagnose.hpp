/// @file diagnose.hpp
/// @brief Naming the likely mistake behind a failed comparison or gradient check.
///
/// When a check fails, the difference between the student's array and the expected one often has a shape
/// that gives the mistake away: the expected values in transposed places, every value negated or scaled by
/// a constant, differences only at the outputs whose window overlaps the zero padding, the gradient of one
/// example where the sum over the minibatch belongs. cnn::diagnose looks for these patterns and returns one
/// line, `diagnosis: ...`, with the docs section that explains the step; the checker's and the comparison's
/// reports end with it. A pattern is named only when it holds for every entry (to a loose tolerance);
/// otherwise the line says that no common mistake fits. The page @ref gradient_checking lists the
/// diagnoses.
///
/// Some patterns need to know about the layer: its input (for kinks), the upstream gradient (for a sum over
/// the wrong axis), the window geometry (for the padded border), or the wrong answers that common mistakes
/// give (a max-pool gradient spread over the window, batch norm's mean and variance held constant). A
/// DiagnosisContext carries that; the layer helpers below fill one in.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/shapes.hpp"
#include "core/tensor.hpp"

namespace cnn {

struct BatchNormCache;  // layers/batchnorm.hpp
struct BatchNormParam;  // layers/batchnorm.hpp
struct BatchNormState;  // layers/batchnorm.hpp
struct PoolParam;       // layers/pool.hpp

/// @brief An array flattened row-major, with its shape.
struct FlatArray {
  std::vector<std::size_t> shape;  ///< its shape
  std::vector<double> values;      ///< its entries, row-major

  /// @brief Copies a tensor or expression.
  template <class E>
  static FlatArray of(const E& e) {
    FlatArray a;
    a.shape.assign(e.shape().begin(), e.shape().end());
    a.values.reserve(e.size());
    for (auto v : e) a.values.push_back(static_cast<double>(v));
    return a;
  }
  /// @brief True when it holds nothing (not given).
  bool empty() const { return values.empty() && shape.empty(); }
};

/// @brief A wrong answer that a known mistake gives: when the student's array equals @p values, the
/// diagnosis is @p mistake.
struct KnownMistake {
  std::string mistake;  ///< what went wrong, e.g. "the gradient is spread over the window"
  FlatArray array;      ///< what that mistake computes
  std::string docs;     ///< where it is explained, as in DiagnosisContext::docs; empty: the context's
};

/// @brief Where a convolution's windows lie, for the check of the padded border.
struct ConvGeometry {
  std::size_t H = 0;       ///< input height (before padding)
  std::size_t W = 0;       ///< input width (before padding)
  std::size_t HH = 0;      ///< window height
  std::size_t WW = 0;      ///< window width
  std::size_t stride = 1;      ///< S
  std::size_t pad = 0;         ///< P
};

/// @brief What cnn::diagnose may know about the layer beyond the two arrays. Every member is optional.
struct DiagnosisContext {
  /// Where the layer is explained, as the diagnosis cites it: `"The affine layer"` or
  /// `"Pooling layers", section "Backward"`. Empty: the page "Gradient checking", section "Diagnoses".
  std::string docs;
  std::optional<double> p_drop;         ///< dropout's drop probability: names the factors 1 - p_drop, ...
  FlatArray x;                          ///< the layer's input (a gradient check fills it in)
  std::optional<double> kink_at;        ///< the layer has a kink where an entry of x equals this (ReLU: 0)
  FlatArray dout;                       ///< the upstream gradient, first axis the minibatch (a check fills it in)
  std::optional<ConvGeometry> conv_out; ///< the array checked is a convolution's output (N, F, Hout, Wout)
  std::vector<KnownMistake> known;      ///< wrong answers of known mistakes, tried first
  /// The momentum m of a running average @f$ r \leftarrow m\, r + (1 - m)\,\text{new} @f$: names the factors
  /// m / (1 - m) and (1 - m) / m that a momentum mixed up with 1 - m gives.
  std::optional<double> momentum;
  /// What to do when the student's array holds inf or NaN where the expected one is finite; empty: the general
  /// advice (something overflowed or divided by zero).
  std::string non_finite_fix;
};

/// @brief What a failed check saw.
struct Observation {
  std::string name;                             ///< the check's name, e.g. "dw of conv_backward_naive"
  FlatArray actual;                             ///< the student's array
  FlatArray expected;                           ///< the expected (or numerical) array
  std::string expected_what = "the expected values";  ///< what @p expected is: "the numerical gradient", ...
  std::vector<std::vector<std::size_t>> kinks;  ///< failing entries whose step straddled a kink (gradient check)
};

/// @brief The likely mistake, as one line `diagnosis: ... (docs: "Page", section "Section")` without a
/// final newline. When no pattern holds for every entry it says so: `diagnosis: no common mistake fits; ...`.
std::string diagnose(const Observation& seen, const DiagnosisContext& context = {});

/// @brief The name of the tensor a check is about, from the check's name: "db of affine_backward" -> "db";
/// empty when the name does not start with a gradient's name (d followed by a letter).
std::string checked_tensor(const std::string& check_name);

// --- contexts for the layers -------------------------------------------------------------------------------

/// @brief ReLU's backward pass: the input @p x, with its kink at 0.
DiagnosisContext relu_context(const Tensor& x);

/// @brief A convolution's forward output: the padded border, and the wrong answers of a stride ignored
/// (the stride-1 result at (i, j), or all of it).
DiagnosisContext conv_forward_context(const Tensor4& x, const Tensor4& w, const Tensor1& b, const ConvParam& param);

/// @brief A convolution's backward pass, for the gradient named @p tensor ("dx", "dw" or "db"): the wrong
/// answers of a backward pass that keeps only the first or only the last example of the minibatch.
DiagnosisContext conv_backward_context(const std::string& tensor, const Tensor4& x, const Tensor4& w,
                                       const Tensor4& dout, const ConvParam& param);

/// @brief A pooling layer's forward output (max or average): the wrong answers of a stride ignored in the row
/// index only, in the column index only, or in both.
DiagnosisContext pool_forward_context(const Tensor4& x, const PoolParam& param, bool max);

/// @brief Max pooling's backward pass: the wrong answers of a gradient spread over the window (averaged or
/// copied) instead of sent to the entry that won the max.
DiagnosisContext max_pool_backward_context(const Tensor4& x, const PoolParam& param, const Tensor4& dout);

/// @brief Batch normalization's dx: the wrong answers of a backward pass that holds the mean, the variance,
/// or both constant.
DiagnosisContext batchnorm_backward_context(const Tensor2& dout, const BatchNormCache& cache);

/// @brief Batch normalization's forward pass in train mode, for the array named @p what ("out", "running_mean"
/// or "running_var"), given the input and the running statistics *before* the call: the wrong answers of the
/// unbiased variance (divided by N - 1 instead of N) and of a momentum used the wrong way round
/// (@f$ (1 - m)\, r + m\,\text{batch} @f$).
DiagnosisContext batchnorm_forward_context(const std::string& what, const Tensor2& x, const Tensor1& gamma,
                                           const Tensor1& beta, const BatchNormParam& param,
                                           const BatchNormState& before);

/// @brief The multiclass SVM loss, for "loss" (a one-entry array) or "dx": the wrong answers of a margin of 0
/// or 2 instead of 1, and of a loss that also counts the true class's own margin.
DiagnosisContext svm_context(const std::string& what, const Tensor2& x, const Labels& y);

/// @brief The softmax loss: an overflow is answered with the fix (shift every row by its maximum before exp).
DiagnosisContext softmax_context(const Tensor2& x);

/// @brief Dropout with drop probability @p p_drop: names the factors 1 - p_drop, 1 / (1 - p_drop), ...
DiagnosisContext dropout_context(double p_drop);

/// @brief A layer whose docs are @p docs (e.g. `"The affine layer"`), whose upstream gradient is @p dout (for a
/// gradient summed over the wrong axis) and whose input is @p x (its first axis names the factor N); both may be
/// left empty.
DiagnosisContext layer_context(std::string docs, FlatArray dout = {}, FlatArray x = {});

namespace detail {
/// The multi-index of entry @p flat of a row-major array of shape @p shape.
std::vector<std::size_t> unravel(std::size_t flat, const std::vector<std::size_t>& shape);
}  // namespace detail

}  // namespace cnn
