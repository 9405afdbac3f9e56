/// @file image.hpp
/// @brief Pictures of what a network learned, written as PNG files with zlib: filter grids, activation maps,
/// training curves. Page: @ref training.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.hpp"

namespace cnn {

/// @brief An 8-bit image, row-major, channels interleaved.
struct Image {
  std::size_t width = 0;              ///< pixels per row
  std::size_t height = 0;             ///< rows
  std::size_t channels = 1;           ///< 1 (grey) or 3 (RGB)
  std::vector<std::uint8_t> pixels;   ///< height * width * channels bytes

  /// @brief A blank image filled with one grey level (or colour, for 3 channels).
  static Image filled(std::size_t width, std::size_t height, std::size_t channels, std::uint8_t value);
};

/// @brief Encodes @p image as a PNG file's bytes (8-bit grey or RGB, no interlace, zlib-compressed rows).
/// @throws cnn::value_error when the image is empty, has 2 or 4+ channels, or its pixel count is wrong
std::vector<std::uint8_t> encode_png(const Image& image);

/// @brief Writes @p image to @p path as PNG, through a temporary file and a rename, so that a reader never sees
/// half a file.
/// @throws cnn::io_error when the file cannot be written
void write_png(const std::string& path, const Image& image);

/// @brief One picture from @p values laid out (height, width, channels) row-major, scaled to [0, 255] on their own
/// range (a constant block becomes mid-grey): a filter, an activation map, an input image.
/// @throws cnn::value_error when channels is not 1 or 3 or the number of values is not height * width * channels
Image scaled_image(const std::vector<double>& values, std::size_t height, std::size_t width, std::size_t channels = 1);

/// @brief A grid of the first conv layer's filters, each scaled to [0, 255] on its own and magnified.
/// @param w       filters, shape (F, C, HH, WW); C = 3 gives colour tiles, otherwise channel 0 in grey
/// @param scale   pixels per filter entry
/// @return        an image of ceil(sqrt(F)) columns of tiles with a 1-pixel border
Image filter_grid(const Tensor4& w, std::size_t scale = 8);

/// @brief A grid of activation maps of one image, each map scaled to [0, 255] on its own.
/// @param maps   shape (C, H, W): one map per channel
/// @param scale  pixels per activation
Image map_grid(const Tensor3& maps, std::size_t scale = 4);

/// @brief One curve of a line plot.
struct Curve {
  std::vector<double> y;                  ///< values at x = 0, 1, 2, ...
  std::uint8_t r = 0;                     ///< colour: red
  std::uint8_t g = 0;                     ///< colour: green
  std::uint8_t b = 0;                     ///< colour: blue
};

/// @brief A line plot of one or more curves on shared axes, with grid lines and numbered ticks.
/// @param curves  the curves (a curve with fewer points is stretched over the same x range)
/// @param y_min   bottom of the y axis
/// @param y_max   top of the y axis (> y_min)
/// @param width   image width in pixels
/// @param height  image height in pixels
/// @throws cnn::value_error when y_max <= y_min or the image is too small for the axes
Image line_plot(const std::vector<Curve>& curves, double y_min, double y_max, std::size_t width = 640,
                std::size_t height = 400);

}  // namespace cnn
