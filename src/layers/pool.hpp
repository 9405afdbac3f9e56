/// @file pool.hpp
/// @brief Pooling layers: max and average pooling over small windows of every activation map, and global
/// average pooling.
///
/// Pooling downsamples each activation map (each channel c of each example n) on its own: a 224x224x64
/// volume becomes 112x112x64 with 2x2 windows at stride 2. It has no parameters. A window of
/// HH x WW (PoolParam::height x PoolParam::width) slides with stride S over an H x W map; there is no
/// padding, and windows that would run past the bottom or right edge are dropped:
/// @f[ H_{out} = 1 + \left\lfloor \frac{H - HH}{S} \right\rfloor, \qquad
///     W_{out} = 1 + \left\lfloor \frac{W - WW}{S} \right\rfloor @f]
/// (cnn::pool_output_size; PyTorch rounds the same way, Caffe rounds up instead).
///
/// Two versions of every layer, with the same contract:
/// - naive (`*_naive`): the loops of the formula. Exercises in `exercises/pool.cpp`.
/// - fast (`*_fast`): ready-made, not exercises (the course hands them out too), in `src/internals/pool_fast.cpp`.
///   A reshape path when the windows tile the input, a window-matrix (im2col-style) path otherwise.
///
/// Tests: `tests/test_pool.cpp` (`ctest -L pool`). Benchmark: `bench/bench_pool.cpp`. Page: @ref layer_pool.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/tensor.hpp"

namespace cnn {

/// @brief Window and stride of a pooling layer. There is no padding.
///
/// The defaults, 2x2 windows at stride 2, are the typical choice (the lecture; every pooling layer of VGGNet).
/// AlexNet's pooling layers use overlapping 3x3 windows at stride 2.
struct PoolParam {
  std::size_t height = 2;  ///< HH: window height, at least 1
  std::size_t width = 2;   ///< WW: window width, at least 1
  std::size_t stride = 2;  ///< S: step between neighbouring windows along both axes, at least 1
};

/// @brief Output shape (N, C, Hout, Wout) of a pooling layer with @p param on an input of shape @p x_shape,
/// with Hout = 1 + (H - HH) / S and Wout = 1 + (W - WW) / S, both rounded down.
/// @param function  the caller, first word of any message (e.g. "max_pool_forward_naive")
/// @param x_shape   (N, C, H, W)
/// @param param     window and stride
/// @throws cnn::value_error when the stride or a window side is 0
/// @throws cnn::shape_error when the window is taller than H or wider than W
std::array<std::size_t, 4> pool_output_shape(std::string_view function, const std::array<std::size_t, 4>& x_shape,
                                             const PoolParam& param);

/// @brief Checks that an upstream gradient has the layer's output shape.
/// @param function  the caller, first word of the message (e.g. "max_pool_backward_fast")
/// @param dout      the upstream gradient
/// @param expected  the output shape, (N, C, Hout, Wout)
/// @throws cnn::shape_error naming both shapes when they differ
void check_pool_dout(std::string_view function, const Tensor4& dout, const std::array<std::size_t, 4>& expected);

/// @brief True when the windows tile the input exactly: square windows as wide as the stride
/// (HH = WW = S) and H, W divisible by S. Then every input entry lies in exactly one window, and the fast
/// versions take their reshape path; otherwise they take the window-matrix path.
/// @param H      input height
/// @param W      input width
/// @param param  window and stride
bool pool_windows_tile(std::size_t H, std::size_t W, const PoolParam& param);

// --- max pooling ------------------------------------------------------------------------------------------

/// @brief What max_pool_forward_naive keeps for max_pool_backward_naive: its inputs.
struct MaxPoolCache {
  Tensor4 x;        ///< input, shape (N, C, H, W)
  PoolParam param;  ///< window and stride
};

/// @brief Output of max_pool_forward_naive.
struct MaxPoolForward {
  Tensor4 out;         ///< y, shape (N, C, Hout, Wout)
  MaxPoolCache cache;  ///< for max_pool_backward_naive
};

/// @brief What max_pool_forward_fast keeps for max_pool_backward_fast: where each maximum was, rather than
/// the whole input.
struct MaxPoolFastCache {
  std::array<std::size_t, 4> x_shape{};  ///< shape (N, C, H, W) of the input
  PoolParam param;                       ///< window and stride
  /// For output k in row-major (n, c, i, j) order, the position h * W + w of its window's maximum within
  /// its (H, W) map; N * C * Hout * Wout entries.
  std::vector<std::uint32_t> argmax;
};

/// @brief Output of max_pool_forward_fast.
struct MaxPoolFastForward {
  Tensor4 out;             ///< y, shape (N, C, Hout, Wout)
  MaxPoolFastCache cache;  ///< for max_pool_backward_fast
};

/// @brief Gradient returned by every pooling layer's backward pass.
struct PoolGrads {
  Tensor4 dx;  ///< dL/dx, shape (N, C, H, W)
};

/// @brief Max pooling, forward pass, written as the textbook loops: every output is the largest entry of
/// its window,
/// @f[ y_{n,c,i,j} = \max_{0 \le p < HH,\; 0 \le q < WW} x_{n,\,c,\,iS+p,\,jS+q}. @f]
/// Each window's maximum starts from its first entry and is replaced only by a strictly larger one, so a NaN
/// survives when it is the first entry of its window and is skipped elsewhere; the fast version does the same
/// (see @ref checks).
/// @param x      input, shape (N, C, H, W)
/// @param param  window HH x WW and stride S
/// @return       y of shape (N, C, Hout, Wout), Hout = 1 + (H - HH) / S and Wout = 1 + (W - WW) / S
///               rounded down; and the cache for max_pool_backward_naive
/// @throws cnn::value_error when the stride or a window side is 0
/// @throws cnn::shape_error when the window is larger than the input
MaxPoolForward max_pool_forward_naive(const Tensor4& x, const PoolParam& param);

/// @brief Max pooling, backward pass: each upstream gradient goes to the entry that won its window,
/// @f[ \frac{\partial L}{\partial x_{n,c,h,w}} = \sum_{(i,j):\ (h,w) = (iS + p^*_{ij},\, jS + q^*_{ij})}
///     \bar y_{n,c,i,j}, \qquad (p^*_{ij}, q^*_{ij}) = \arg\max_{p,q}\ x_{n,\,c,\,iS+p,\,jS+q}, @f]
/// and every other entry gets 0. The sum matters when windows overlap (S < HH or S < WW): one entry can win
/// several windows. On a tie the first maximum in row-major window order (smallest p, then smallest q) wins,
/// as in PyTorch; there the function has no derivative and this is one of its one-sided slopes.
/// @param dout   upstream gradient @f$\bar y@f$, shape (N, C, Hout, Wout)
/// @param cache  from max_pool_forward_naive
/// @return       dx, shape (N, C, H, W)
/// @throws cnn::shape_error when dout is not (N, C, Hout, Wout)
PoolGrads max_pool_backward_naive(const Tensor4& dout, const MaxPoolCache& cache);

/// @brief Max pooling, forward pass, fast: same output as max_pool_forward_naive, and it records where
/// each maximum was (the first one on ties). When pool_windows_tile() holds, the input is read as an array of
/// shape (N*C*Hout, S, Wout, S) and maximised over its axes 1 and 3 (the reshape path); otherwise every
/// window is copied into a row of a (N*C*Hout*Wout, HH*WW) matrix and each row is maximised (the
/// window-matrix path, im2col-style).
/// @param x      input, shape (N, C, H, W); each (H, W) map must hold fewer than 2^32 entries
/// @param param  window HH x WW and stride S
/// @return       y of shape (N, C, Hout, Wout) as for max_pool_forward_naive, and the cache for
///               max_pool_backward_fast
/// @throws cnn::value_error when the stride or a window side is 0
/// @throws cnn::shape_error when the window is larger than the input, or a map has 2^32 entries or more
MaxPoolFastForward max_pool_forward_fast(const Tensor4& x, const PoolParam& param);

/// @brief Max pooling, backward pass, fast: the rule of max_pool_backward_naive, with the argmax read from
/// the cache instead of searched again. When the windows tile the input, dx is filled one block of S map rows
/// at a time (zeros, then each dout at its argmax); otherwise dx starts at 0 and each dout is added at its
/// argmax.
/// @param dout   upstream gradient, shape (N, C, Hout, Wout)
/// @param cache  from max_pool_forward_fast
/// @return       dx, shape (N, C, H, W)
/// @throws cnn::shape_error when dout is not (N, C, Hout, Wout), or the cache holds the wrong number of argmax
///         entries
PoolGrads max_pool_backward_fast(const Tensor4& dout, const MaxPoolFastCache& cache);

// --- average pooling --------------------------------------------------------------------------------------

/// @brief What the average pooling layers keep for their backward pass: the input's shape and the window.
/// The naive and the fast version share it.
struct AvgPoolCache {
  std::array<std::size_t, 4> x_shape{};  ///< shape (N, C, H, W) of the input
  PoolParam param;                       ///< window and stride
};

/// @brief Output of avg_pool_forward_naive and avg_pool_forward_fast.
struct AvgPoolForward {
  Tensor4 out;         ///< y, shape (N, C, Hout, Wout)
  AvgPoolCache cache;  ///< for avg_pool_backward_naive or avg_pool_backward_fast
};

/// @brief Average pooling, forward pass, written as the textbook loops: every output is the mean of its
/// window,
/// @f[ y_{n,c,i,j} = \frac{1}{HH \cdot WW} \sum_{p=0}^{HH-1} \sum_{q=0}^{WW-1} x_{n,\,c,\,iS+p,\,jS+q}. @f]
/// @param x      input, shape (N, C, H, W)
/// @param param  window HH x WW and stride S
/// @return       y of shape (N, C, Hout, Wout), Hout = 1 + (H - HH) / S and Wout = 1 + (W - WW) / S
///               rounded down; and the cache for the backward pass
/// @throws cnn::value_error when the stride or a window side is 0
/// @throws cnn::shape_error when the window is larger than the input
AvgPoolForward avg_pool_forward_naive(const Tensor4& x, const PoolParam& param);

/// @brief Average pooling, backward pass: each upstream gradient is spread evenly over its window,
/// @f[ \frac{\partial L}{\partial x_{n,c,h,w}} = \frac{1}{HH \cdot WW}
///     \sum_{(i,j):\ (h,w) \in \text{window}(i,j)} \bar y_{n,c,i,j}; @f]
/// entries in several windows (S < HH or S < WW) collect a share from each, entries in none get 0.
/// @param dout   upstream gradient @f$\bar y@f$, shape (N, C, Hout, Wout)
/// @param cache  from avg_pool_forward_naive (or avg_pool_forward_fast)
/// @return       dx, shape (N, C, H, W)
/// @throws cnn::shape_error when dout is not (N, C, Hout, Wout)
PoolGrads avg_pool_backward_naive(const Tensor4& dout, const AvgPoolCache& cache);

/// @brief Average pooling, forward pass, fast: same output as avg_pool_forward_naive, through the reshape
/// path when pool_windows_tile() holds and the window-matrix path otherwise (see max_pool_forward_fast).
/// @param x      input, shape (N, C, H, W)
/// @param param  window HH x WW and stride S
/// @return       y of shape (N, C, Hout, Wout) and the cache for the backward pass
/// @throws cnn::value_error when the stride or a window side is 0
/// @throws cnn::shape_error when the window is larger than the input
AvgPoolForward avg_pool_forward_fast(const Tensor4& x, const PoolParam& param);

/// @brief Average pooling, backward pass, fast: the rule of avg_pool_backward_naive. When the windows tile
/// the input every entry of dx is written once; otherwise each dout, divided by HH*WW, fills a row of a
/// (N*C*Hout*Wout, HH*WW) matrix whose rows are added back into their windows (col2im-style).
/// @param dout   upstream gradient, shape (N, C, Hout, Wout)
/// @param cache  from avg_pool_forward_fast (or avg_pool_forward_naive)
/// @return       dx, shape (N, C, H, W)
/// @throws cnn::shape_error when dout is not (N, C, Hout, Wout)
PoolGrads avg_pool_backward_fast(const Tensor4& dout, const AvgPoolCache& cache);

// --- global average pooling -------------------------------------------------------------------------------

/// @brief What global_avg_pool_forward keeps for global_avg_pool_backward: the input's shape.
struct GlobalAvgPoolCache {
  std::array<std::size_t, 4> x_shape{};  ///< shape (N, C, H, W) of the input
};

/// @brief Output of global_avg_pool_forward.
struct GlobalAvgPoolForward {
  Tensor2 out;               ///< y, shape (N, C)
  GlobalAvgPoolCache cache;  ///< for global_avg_pool_backward
};

/// @brief Global average pooling, forward pass: each whole activation map becomes one number, its mean,
/// @f[ y_{n,c} = \frac{1}{H W} \sum_{h=0}^{H-1} \sum_{w=0}^{W-1} x_{n,c,h,w}. @f]
/// GoogLeNet and ResNet end with it instead of large fully connected layers.
/// @param x  input, shape (N, C, H, W) with H, W at least 1
/// @return   y of shape (N, C) and the cache for global_avg_pool_backward
/// @throws cnn::shape_error when H or W is 0
GlobalAvgPoolForward global_avg_pool_forward(const Tensor4& x);

/// @brief Global average pooling, backward pass: each upstream gradient is spread evenly over its map,
/// @f[ \frac{\partial L}{\partial x_{n,c,h,w}} = \frac{\bar y_{n,c}}{H W}. @f]
/// @param dout   upstream gradient @f$\bar y@f$, shape (N, C)
/// @param cache  from global_avg_pool_forward
/// @return       dx, shape (N, C, H, W)
/// @throws cnn::shape_error when dout is not (N, C)
PoolGrads global_avg_pool_backward(const Tensor2& dout, const GlobalAvgPoolCache& cache);

}  // namespace cnn
