/// @file run_check.hpp
/// @brief Runs a zoo architecture for real on a small random batch and checks every layer's output shape
/// against the calculator: the second half of every case-study walkthrough. Page: @ref case_studies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "calculator/arch.hpp"
#include "runtime/layer_set.hpp"

namespace cnn {

/// @brief One top-level layer of a checked run.
struct RunRow {
  std::string name;           ///< the layer's (or block's) name
  std::string runtime_shape;  ///< shape of its output in the run, e.g. "(2, 96, 55, 55)"
  std::string calc_shape;     ///< the calculator's output volume for the same input, e.g. "55x55x96"
  bool match = false;         ///< whether the two agree
  double forward_ms = 0.0;    ///< wall-clock time of its forward pass
  double backward_ms = 0.0;   ///< wall-clock time of its backward pass
  double naive_ms = -1.0;     ///< a conv layer's forward pass with conv_forward_naive (-1: not timed)
  double im2col_ms = -1.0;    ///< the same with conv_forward_im2col (-1: not timed)
};

/// @brief The outcome of run_and_check.
struct RunReport {
  arch::Shape input;               ///< the input volume used
  std::size_t batch = 0;           ///< images in the batch
  std::size_t parameters = 0;      ///< parameters of the runtime model
  std::vector<RunRow> rows;        ///< one per top-level layer
  bool all_match = false;          ///< every shape agreed
  double dx_norm = 0.0;            ///< norm of the gradient that reached the input (the backward pass ran)

  /// @brief The report as an aligned text table with a verdict line.
  std::string table() const;
};

/// @brief Builds @p net for @p input, runs a forward pass (train mode) and a backward pass with a random
/// upstream gradient on @p batch random images, and compares every top-level layer's output with the
/// calculator's. With the exercise functions (@p set = my_layers()), conv layers whose naive forward pass
/// costs at most @p naive_budget multiply-adds are also timed with conv_forward_naive and conv_forward_im2col,
/// side by side (the library keeps no naive convolution: the reference set times none).
/// @throws cnn::shape_error when a convolution does not tile at this input size (choose another)
RunReport run_and_check(const arch::Architecture& net, const arch::Shape& input, std::size_t batch = 2,
                        std::uint64_t seed = 1, std::size_t naive_budget = 200'000'000,
                        const LayerSet& set = reference_layers());

}  // namespace cnn
