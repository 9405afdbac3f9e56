/// @file concat.hpp
/// @brief Concatenation along depth and its backward pass, the split: how GoogLeNet's inception module joins
/// its branches. Page: @ref layer_blocks.
#pragma once

#include <cstddef>
#include <vector>

#include "core/tensor.hpp"

namespace cnn {

/// @brief Stacks volumes along depth: parts of shapes (N, C_k, H, W) give (N, sum_k C_k, H, W), part 0 first.
/// @f[ y_{n,\, c + \sum_{j<k} C_j,\, h, w} = x^{(k)}_{n,c,h,w} @f]
/// @param parts  at least one volume; all with the same N, H and W
/// @return       the concatenation
/// @throws cnn::shape_error when @p parts is empty or the parts differ in N, H or W
Tensor4 concat_channels(const std::vector<Tensor4>& parts);

/// @brief The backward pass of concat_channels: the upstream gradient cut back into the parts' depths. Each
/// part's gradient is its slice of @p dout, since every output entry is a copy of exactly one input entry.
/// @param dout      upstream gradient, shape (N, sum_k C_k, H, W)
/// @param channels  the depths C_k of the parts, in order
/// @return          one gradient per part, shapes (N, C_k, H, W)
/// @throws cnn::shape_error when the depths do not add up to dout's depth
std::vector<Tensor4> split_channels(const Tensor4& dout, const std::vector<std::size_t>& channels);

}  // namespace cnn
