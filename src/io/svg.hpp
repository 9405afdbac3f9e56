/// @file svg.hpp
/// @brief Figures as SVG: a small drawing canvas and the charts that the docs' figures and the training report
/// are made of (line charts, bar charts, histograms, a matrix of numbers, labelled grids of pictures).
///
/// Why SVG and not a raster image: the text of a chart (title, axis labels, tick numbers, legend) is drawn by
/// the browser with its own fonts, so it stays sharp at any zoom and needs no font rasteriser in cnnlab; the
/// file is small text that a reader can open. Raster content (filters, activation maps, test images) is
/// embedded as PNG (image.hpp's encoder) and magnified without smoothing, so every pixel stays a square.
/// Pages: @ref figures_list, @ref training.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "io/image.hpp"

namespace cnn::svg {

/// @brief Colours of the charts, in order: a palette that stays distinguishable for most colour-blind readers.
const std::vector<std::string>& palette();

/// @brief Escapes &, <, > and quotes for SVG and HTML text.
std::string escape(const std::string& text);

/// @brief A number with at most @p digits significant digits and no trailing zeros: 0.001, 12.5, 1e-05.
std::string fmt(double v, int digits = 3);

/// @brief Horizontal alignment of a text.
enum class Anchor { start, middle, end };

/// @brief An SVG drawing, in pixels, origin at the top left, y down.
class Canvas {
 public:
  /// @brief An empty white canvas of @p width x @p height pixels.
  /// @throws cnn::value_error when a side is not positive
  Canvas(double width, double height);

  /// @brief A rectangle; @p stroke "none" for no outline.
  void rect(double x, double y, double w, double h, const std::string& fill, const std::string& stroke = "none",
            double stroke_width = 1);
  /// @brief A straight line.
  void line(double x1, double y1, double x2, double y2, const std::string& stroke, double width = 1,
            bool dashed = false);
  /// @brief A line with an arrow head at (x2, y2).
  void arrow(double x1, double y1, double x2, double y2, const std::string& stroke, double width = 2);
  /// @brief A polyline through the points (xs[i], ys[i]).
  void polyline(const std::vector<double>& xs, const std::vector<double>& ys, const std::string& stroke,
                double width = 2);
  /// @brief A text; @p x is its start, middle or end; @p y its baseline; @p rotate in degrees about (x, y).
  void text(double x, double y, const std::string& text, double size = 14, Anchor anchor = Anchor::start,
            const std::string& fill = "#222", bool bold = false, double rotate = 0);
  /// @brief @p image embedded as PNG and magnified to w x h without smoothing.
  void image(double x, double y, double w, double h, const Image& image);

  double width() const { return width_; }   ///< in pixels
  double height() const { return height_; } ///< in pixels
  /// @brief The SVG document.
  std::string str() const;
  /// @brief Writes the SVG document to @p path through a temporary file and a rename.
  /// @throws cnn::io_error when the file cannot be written
  void write(const std::string& path) const;

 private:
  double width_, height_;
  std::string body_;
  bool has_arrow_ = false;
};

/// @brief Writes @p text as the canvas's title, centred at the top, shrunk until it fits the width.
void title(Canvas& c, const std::string& text);

/// @brief The words around a chart: title, axis labels (with units), whether the y axis is logarithmic.
struct ChartText {
  std::string title;    ///< above the chart
  std::string x_label;  ///< under the x axis, with its unit: "step (minibatch of 64 images)"
  std::string y_label;  ///< beside the y axis, with its unit
  /// @brief line_chart: where the x axis's ticks go (whole epochs, say); empty: chosen from the data
  std::vector<double> x_ticks = {};
};

/// @brief One named curve of a line chart.
struct Series {
  std::string name;        ///< shown in the legend
  std::vector<double> x;   ///< x of every point (same length as y)
  std::vector<double> y;   ///< y of every point; non-finite points are skipped
  bool markers = false;    ///< a dot on every point (for curves of a few points, like accuracy per epoch)
  bool dashed = false;     ///< a dashed line (for reference lines)
};

/// @brief Options of a line chart's y axis.
struct YAxis {
  std::optional<double> min;  ///< bottom; from the data when not given
  std::optional<double> max;  ///< top; from the data when not given
  bool log = false;           ///< logarithmic (powers of ten); non-positive values are skipped
};

/// @brief A line chart with a title, labelled axes with ticks, grid lines and a legend right of the plot.
/// @param series  the curves, drawn in the palette's colours in order
/// @param text    title and axis labels
/// @param y       range and scale of the y axis
/// @param width   in pixels
/// @param height  in pixels
/// @throws cnn::value_error when no series has a point, or x and y of a series differ in length
Canvas line_chart(const std::vector<Series>& series, const ChartText& text, const YAxis& y = {},
                  double width = 860, double height = 420);

/// @brief A horizontal bar chart, one bar per label, the value written at the end of each bar.
/// @param labels  one per bar, left of it
/// @param values  non-negative values, one per label
/// @param text    title and the x axis's label (the y label is not drawn: the bars are labelled)
/// @param unit    appended to the written values, e.g. " MB"
/// @param width   in pixels; the height follows from the number of bars
/// @throws cnn::value_error when labels and values differ in length, are empty, or a value is negative
Canvas bar_chart(const std::vector<std::string>& labels, const std::vector<double>& values, const ChartText& text,
                 const std::string& unit = "", double width = 720);

/// @brief Histograms of several samples on shared bins, drawn as step curves.
/// @param names    one per sample, for the legend
/// @param samples  one vector of values per sample
/// @param bins     number of bins over the common range of all values
/// @param text     title and axis labels
/// @param width    in pixels
/// @param height   in pixels
/// @throws cnn::value_error when names and samples differ in length, a sample is empty, or bins is 0
Canvas histogram(const std::vector<std::string>& names, const std::vector<std::vector<double>>& samples,
                 std::size_t bins, const ChartText& text, double width = 860, double height = 380);

/// @brief A matrix of numbers as coloured cells with the number written in each (a confusion matrix).
/// @param values       rows x cols values, row-major
/// @param row_labels   one per row, left of the matrix
/// @param col_labels   one per column, above the matrix (written at an angle)
/// @param text         title, the columns' label (above them) and the rows' label (beside them)
/// @param highlight_diagonal  colour the diagonal green and the rest red (for a confusion matrix)
/// @throws cnn::value_error when the sizes disagree
Canvas matrix_chart(const std::vector<double>& values, const std::vector<std::string>& row_labels,
                    const std::vector<std::string>& col_labels, const ChartText& text, bool highlight_diagonal);

/// @brief A labelled picture in a grid.
struct Tile {
  Image image;          ///< the picture, magnified to the tile size
  std::string caption;  ///< one or two lines (split at '\n') under it
};

/// @brief Pictures in a grid with a caption under each and a title above, each magnified to @p tile pixels on
/// its longer side.
/// @param tiles    the pictures and their captions
/// @param title    above the grid
/// @param columns  pictures per row
/// @param tile     pixels of a picture's longer side
/// @throws cnn::value_error when there are no tiles
Canvas tile_grid(const std::vector<Tile>& tiles, const std::string& title, std::size_t columns, double tile = 96);

}  // namespace cnn::svg
