/// @file training_fast.hpp
/// @brief The library's own softmax loss and update rules, which the reference runtime trains with (the
/// exercises of softmax.hpp and optim.hpp are the student's; these are never exercises).
///
/// Same contracts, checks and results as the functions they are named after: one pass over flat arrays, with
/// what does not change from entry to entry (Adam's bias corrections, 1 / N) computed once per call.
/// Tests: tests/core/test_runtime_layers.cpp compares each with its exercise's reference body.
#pragma once

#include <span>

#include "layers/optim.hpp"
#include "layers/softmax.hpp"

namespace cnn {

/// @brief Same contract as softmax_loss.
LossResult softmax_loss_fast(const Tensor2& x, const Labels& y);
/// @brief Same contract as sgd.
void sgd_fast(std::span<double> w, std::span<const double> dw, const SgdConfig& config);
/// @brief Same contract as sgd_momentum.
void sgd_momentum_fast(std::span<double> w, std::span<const double> dw, MomentumConfig& config);
/// @brief Same contract as nesterov.
void nesterov_fast(std::span<double> w, std::span<const double> dw, NesterovConfig& config);
/// @brief Same contract as adagrad.
void adagrad_fast(std::span<double> w, std::span<const double> dw, AdagradConfig& config);
/// @brief Same contract as rmsprop.
void rmsprop_fast(std::span<double> w, std::span<const double> dw, RmspropConfig& config);
/// @brief Same contract as adam.
void adam_fast(std::span<double> w, std::span<const double> dw, AdamConfig& config);
/// @brief Same contract as adadelta.
void adadelta_fast(std::span<double> w, std::span<const double> dw, AdadeltaConfig& config);

}  // namespace cnn
