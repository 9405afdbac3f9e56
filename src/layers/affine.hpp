/// @file affine.hpp
/// @brief The affine (fully connected) layer: every output is a weighted sum of every input.
///
/// Exercises: `exercises/affine.cpp` (naive loops) and `exercises/affine_blas.cpp` (the same as two matrix
/// products by BLAS). Tests: `tests/test_affine.cpp` (`./lab check affine`). Page: @ref layer_affine.
#pragma once

#include "core/tensor.hpp"

namespace cnn {

/// @brief What affine_forward keeps for affine_backward: its inputs.
struct AffineCache {
  Tensor x;    ///< input, shape (N, d1, ..., dk)
  Tensor2 w;   ///< weights, shape (D, M)
  Tensor1 b;   ///< biases, shape (M)
};

/// @brief Output of affine_forward.
struct AffineForward {
  Tensor2 out;        ///< y, shape (N, M)
  AffineCache cache;  ///< for affine_backward
};

/// @brief Gradients returned by affine_backward.
struct AffineGrads {
  Tensor dx;    ///< dL/dx, shape of x: (N, d1, ..., dk)
  Tensor2 dw;   ///< dL/dw, shape (D, M)
  Tensor1 db;   ///< dL/db, shape (M)
};

/// @brief Affine layer, forward pass. Each example is flattened to a row of D = d1 * ... * dk numbers:
/// @f[ y_{n,m} = b_m + \sum_{d=0}^{D-1} \tilde x_{n,d}\, w_{d,m}, \qquad \tilde x = x \text{ reshaped to } (N, D). @f]
/// @param x  input, shape (N, d1, ..., dk), rank at least 2
/// @param w  weights, shape (D, M)
/// @param b  biases, shape (M)
/// @return   y of shape (N, M) and the cache for affine_backward
/// @throws cnn::shape_error when x has rank below 2, when x flattens to a D other than w's rows, or when b's
///         length is not w's columns
AffineForward affine_forward(const Tensor& x, const Tensor2& w, const Tensor1& b);

/// @brief Affine layer, backward pass, given @f$\bar y = \partial L/\partial y@f$ (@p dout):
/// @f[ \frac{\partial L}{\partial \tilde x_{n,d}} = \sum_m \bar y_{n,m} w_{d,m}, \qquad
///     \frac{\partial L}{\partial w_{d,m}} = \sum_n \tilde x_{n,d}\, \bar y_{n,m}, \qquad
///     \frac{\partial L}{\partial b_m} = \sum_n \bar y_{n,m}, @f]
/// with dx reshaped back to the shape of x. In matrix form: dx = dout wᵀ, dw = x̃ᵀ dout, db = column sums.
/// @param dout   upstream gradient, shape (N, M)
/// @param cache  from affine_forward
/// @return       dx (shape of x), dw (D, M), db (M)
/// @throws cnn::shape_error when dout is not (N, M), or when the cache's x, w and b do not fit together (as
///         affine_forward checks them)
AffineGrads affine_backward(const Tensor2& dout, const AffineCache& cache);

/// @brief Affine layer, forward pass, as one matrix product by BLAS: @f$ y = \tilde x\, w + \mathbf{1} b^\top @f$.
/// Same contract as affine_forward (shapes, cache, what it throws); differs only in how the sums are formed.
/// @param x  input, shape (N, d1, ..., dk), rank at least 2
/// @param w  weights, shape (D, M)
/// @param b  biases, shape (M)
/// @return   y of shape (N, M) and the cache (usable by either backward pass)
/// @throws cnn::shape_error as affine_forward
AffineForward affine_forward_blas(const Tensor& x, const Tensor2& w, const Tensor1& b);

/// @brief Affine layer, backward pass, as two matrix products by BLAS: @f$ d\tilde x = \bar y\, w^\top @f$,
/// @f$ dw = \tilde x^\top \bar y @f$, and column sums for db. Same contract as affine_backward.
/// @param dout   upstream gradient, shape (N, M)
/// @param cache  from affine_forward or affine_forward_blas
/// @return       dx (shape of x), dw (D, M), db (M)
/// @throws cnn::shape_error when dout is not (N, M), or when the cache's x, w and b do not fit together
AffineGrads affine_backward_blas(const Tensor2& dout, const AffineCache& cache);

}  // namespace cnn
