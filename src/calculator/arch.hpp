/// @file arch.hpp
/// @brief Architectures as data: layer specs, and the calculator that walks them (output shapes, parameters,
/// activations, multiply-adds, FLOPs, im2col workspace).
///
/// An architecture is a list of small structs, one per layer, held in a std::variant (arch::Layer). A spec
/// holds only hyperparameters (the lecture's K, F, S, P, ...), never weights or buffers, so the same list
/// can be printed as a table by the calculator (arch::analyze, the program `cnncalc`) and, later, turned into
/// real layers for a forward pass. Output sizes come from shapes.hpp, like everywhere in cnnlab.
///
/// Letters: a volume is W x H x D (width, height, depth) as in the lecture, stored as (C, H, W) with C = D;
/// K filters of size F x F at stride S with zero padding P, in G groups; M outputs of a fully connected layer.
///
/// Conventions of the numbers (also on the page @ref calculator):
/// - activations are the elements of each layer's output, per example; the input image is not counted;
/// - multiply-adds count the products w * x of convolutions and fully connected layers, not the bias
///   additions; FLOPs count 2 per multiply-add, 1 per bias addition and the element-wise work of the other
///   layers (see flops in LayerStats);
/// - pooling rounds down unless its spec says Rounding::ceil (Caffe); a convolution refuses sizes that do not
///   tile unless its spec says Rounding::floor (PyTorch) or Rounding::ceil;
/// - the im2col workspace is the X_col matrix of one example: (C F F) x (Hout Wout) for a convolution.
///
/// Model zoo: zoo.hpp. Program: `cnncalc` (tools/cnncalc). Tests: `tests/core/test_arch.cpp`.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/shapes.hpp"

namespace cnn::arch {

/// @brief The volume one example occupies between two layers: depth C (the lecture's D), height H, width W.
struct Shape {
  std::size_t c = 0;  ///< depth: channels, or activation maps
  std::size_t h = 0;  ///< height
  std::size_t w = 0;  ///< width
  /// @brief Number of elements, C * H * W.
  /// @throws cnn::value_error ("too large") when C*H*W does not fit 64 bits
  std::size_t size() const;
  /// @brief Equal when all three sizes are.
  bool operator==(const Shape&) const = default;
};

/// @brief Formats a volume the lecture's way, width x height x depth: `55x55x96`.
std::string to_string(const Shape& s);

/// @brief Convolution: K filters of F x F x (C / G) at stride S with zero padding P (the lecture's conv layer).
/// Output W x H x K with Wout = (W - F + 2P) / S + 1 (conv_output_size); F*F*(C/G)*K weights and K biases.
struct Conv {
  std::string name{};          ///< e.g. "conv1"
  std::size_t filters = 0;   ///< K, the output depth
  std::size_t size = 0;      ///< F, filters are F x F
  std::size_t stride = 1;    ///< S
  std::size_t pad = 0;       ///< P, zeros on each side
  std::size_t groups = 1;    ///< G: filter k sees only the input channels of its group (AlexNet's two GPUs)
  bool bias = true;          ///< false when a batch norm follows (ResNet), whose beta plays the bias's role
  /// Rounding::exact (the lecture's rule: refuse sizes that do not tile), or Rounding::floor where a
  /// published network relies on PyTorch/Caffe dropping the last partial window (ResNet's stride-2 layers at
  /// 224x224), or Rounding::ceil; cnnlab's conv layers themselves only accept exact tilings.
  Rounding rounding = Rounding::exact;
};

/// @brief Which statistic a pooling window takes.
enum class PoolKind {
  max,     ///< the largest value in the window
  average  ///< the mean of the window (padding zeros included in the divisor, as PyTorch's default)
};

/// @brief Pooling: an F x F window at stride S over every map separately; no parameters; rounds down
/// (PyTorch) unless told otherwise.
struct Pool {
  std::string name{};                 ///< e.g. "pool1"
  PoolKind kind = PoolKind::max;    ///< max or average
  std::size_t size = 2;             ///< F
  std::size_t stride = 2;           ///< S
  std::size_t pad = 0;              ///< P (a max pool pads with -infinity)
  Rounding rounding = Rounding::floor;  ///< floor (PyTorch), ceil (Caffe, ZFNet's 110 -> 55) or exact
};

/// @brief Fully connected (affine) layer: flattens its input to D = C*H*W numbers; D*M weights, M biases.
struct FullyConnected {
  std::string name{};          ///< e.g. "fc6"
  std::size_t outputs = 0;   ///< M
  bool bias = true;          ///< whether the layer adds a bias vector of length M
};

/// @brief Rectified linear unit, max(0, x), element-wise; its output may overwrite its input.
struct ReLU {
  std::string name{};  ///< e.g. "relu1"
};

/// @brief Local response normalization across channels (AlexNet):
/// @f$ y_c = x_c / (k + \frac{\alpha}{n} \sum_{c'} x_{c'}^2)^{\beta} @f$, the sum over n channels around c.
struct LRN {
  std::string name{};        ///< e.g. "norm1"
  std::size_t size = 5;    ///< n, channels in the sum
  double alpha = 1e-4;     ///< @f$\alpha@f$
  double beta = 0.75;      ///< @f$\beta@f$
  double k = 2.0;          ///< k
};

/// @brief Spatial batch normalization: per channel, a learned scale gamma (counted as C weights) and shift
/// beta (C biases); the running mean and variance are state, not parameters.
struct BatchNorm {
  std::string name{};     ///< e.g. "bn1"
  double eps = 1e-5;    ///< added to the variance
};

/// @brief Inverted dropout with drop probability p: identity at test time; its output may overwrite its input.
struct Dropout {
  std::string name{};   ///< e.g. "drop6"
  double p = 0.5;     ///< probability of zeroing a unit, in [0, 1)
};

/// @brief Softmax over all C*H*W values of an example (the class scores, or AlphaGo's 361 board points).
struct Softmax {
  std::string name{};  ///< e.g. "prob"
};

/// @brief Global average pooling: the mean of each map, W x H x C -> 1 x 1 x C; accepts any input size.
struct GlobalAvgPool {
  std::string name{};  ///< e.g. "avgpool"
};

/// @brief Flattens W x H x C to 1 x 1 x (C*H*W), a view of the same numbers.
struct Flatten {
  std::string name{};  ///< e.g. "flatten"
};

/// @brief GoogLeNet's inception module (Szegedy et al. 2015, figure 2b): four branches on the same input,
/// concatenated along depth. Every convolution is followed by a ReLU.
/// - 1x1 conv with @p n1x1 filters;
/// - 1x1 conv with @p n3x3_reduce filters, then 3x3 conv (P = 1) with @p n3x3 filters;
/// - 1x1 conv with @p n5x5_reduce filters, then 5x5 conv (P = 2) with @p n5x5 filters;
/// - 3x3 max pool (S = 1, P = 1), then 1x1 conv with @p pool_proj filters.
///
/// Output depth n1x1 + n3x3 + n5x5 + pool_proj, same width and height as the input.
struct Inception {
  std::string name{};             ///< e.g. "inception_3a"
  std::size_t n1x1 = 0;         ///< filters of the 1x1 branch ("#1x1" in the paper's table 1)
  std::size_t n3x3_reduce = 0;  ///< 1x1 filters before the 3x3 ("#3x3 reduce")
  std::size_t n3x3 = 0;         ///< 3x3 filters ("#3x3")
  std::size_t n5x5_reduce = 0;  ///< 1x1 filters before the 5x5 ("#5x5 reduce")
  std::size_t n5x5 = 0;         ///< 5x5 filters ("#5x5")
  std::size_t pool_proj = 0;    ///< 1x1 filters after the max pool ("pool proj")
};

/// @brief The two residual blocks of He et al. 2016.
enum class BlockKind {
  basic,      ///< 3x3 conv (stride S), 3x3 conv: output depth = planes (ResNet-18, 34)
  bottleneck  ///< 1x1 conv (stride S), 3x3 conv, 1x1 conv: output depth = 4 planes (ResNet-50, 101, 152)
};

/// @brief What a residual block adds to its main path.
enum class Shortcut {
  identity,   ///< the input itself; the block's output must have the input's shape
  projection  ///< a 1x1 conv at the block's stride and a batch norm, to the output depth (option B)
};

/// @brief A residual block: y = ReLU(F(x) + shortcut(x)). Every conv of F has no bias and is followed by a
/// batch norm, and all but the last by a ReLU. The stride sits on the first conv of F (the paper's choice;
/// torchvision's "v1.5" moves it to the 3x3 conv of a bottleneck: same parameters, more multiply-adds).
struct Residual {
  std::string name{};                        ///< e.g. "conv3_1" (stage 3, first block)
  BlockKind kind = BlockKind::basic;       ///< basic or bottleneck
  std::size_t planes = 0;                  ///< width of the 3x3 conv (64, 128, 256, 512 in the paper)
  std::size_t stride = 1;                  ///< S of the first conv and of the projection
  Shortcut shortcut = Shortcut::identity;  ///< identity, or projection where the shape changes
  Rounding rounding = Rounding::exact;     ///< for every conv of the block, see Conv::rounding
  /// Where a bottleneck's stride sits: false on the first 1x1 conv (the paper, Caffe), true on the 3x3 conv
  /// (torchvision's "v1.5": same parameters, more multiply-adds, since the 1x1 runs at the full size).
  bool stride_in_3x3 = false;
};

/// @brief GoogLeNet's auxiliary classifier, a side output used in training: 5x5/3 average pool, 1x1 conv 128
/// + ReLU, fully connected 1024 + ReLU, dropout 0.7, fully connected to the classes, softmax. The main path
/// continues with the block's input unchanged.
struct AuxClassifier {
  std::string name{};              ///< e.g. "aux1"
  std::size_t classes = 1000;    ///< outputs of the last fully connected layer
};

/// @brief One layer spec: a plain layer, or a composite block (Inception, Residual, AuxClassifier) whose
/// inside expand() spells out as plain layers.
using Layer = std::variant<Conv, Pool, FullyConnected, ReLU, LRN, BatchNorm, Dropout, Softmax, GlobalAvgPool,
                           Flatten, Inception, Residual, AuxClassifier>;

/// @brief The name of any layer spec.
const std::string& name_of(const Layer& layer);

/// @brief How a block combines its branches.
enum class Merge {
  concat,  ///< along depth (inception); every branch must keep the width and height
  sum,     ///< element-wise (residual); every branch must give the same shape
  side     ///< the branch is a side output; the block's output is its input (auxiliary classifier)
};

/// @brief The inside of a composite block as plain layers: each branch applied to the block's input, the
/// branch outputs merged, then the `after` layers. An empty branch is the identity.
struct Block {
  std::vector<std::vector<Layer>> branches;  ///< plain layers only; names are relative to the block
  Merge merge = Merge::concat;               ///< how the branch outputs combine
  std::vector<Layer> after;                  ///< applied to the merged volume (ResNet's final ReLU)
};

/// @brief The four branches of an inception module, in the order 1x1, 3x3, 5x5, pool.
Block expand(const Inception& block);
/// @brief The main path and the shortcut (empty for identity) of a residual block, summed, then a ReLU.
Block expand(const Residual& block);
/// @brief The auxiliary classifier as one side branch.
Block expand(const AuxClassifier& block);

/// @brief A network: a name, an input volume and the layers in order.
struct Architecture {
  std::string name{};          ///< short name used by `cnncalc model NAME`, e.g. "alexnet"
  std::string title;         ///< one line: which network, after which paper
  std::string reference;     ///< which published parameter count the total matches, and where it comes from
  Shape input;               ///< the input volume the network was published for
  std::vector<Layer> layers; ///< in forward order
};

/// @brief What the calculator reports for one layer (or block, or a whole network: the total).
struct LayerStats {
  std::string name{};             ///< layer name; inside a block, "block/layer"
  std::string type;             ///< "conv", "max pool", "fc", "relu", "inception", "bottleneck", ...
  std::string config;           ///< hyperparameters in the lecture's letters, e.g. "K=96 F=11 S=4 P=0"
  Shape input;                  ///< volume going in
  Shape output;                 ///< volume coming out
  std::size_t weights = 0;      ///< filters or weight matrix (batch norm: gamma)
  std::size_t biases = 0;       ///< bias vector (batch norm: beta)
  std::size_t activations = 0;  ///< elements of the output; a block counts every output inside it
  std::size_t in_place = 0;     ///< of activations, those that may overwrite their input (ReLU, dropout, flatten)
  std::size_t mult_adds = 0;    ///< products w * x of convs and fully connected layers, bias not included
  /// Forward-pass floating point operations at test time: 2 per multiply-add and 1 per bias addition; ReLU 1
  /// per element; max pool F*F - 1 comparisons and average pool F*F operations per output; LRN 2n + 3 per
  /// element; batch norm 2 per element (scale and shift); softmax 3 per element (exp, sum, divide); global
  /// average pool H*W per channel; residual sum 1 per element; dropout, flatten and concatenation 0.
  std::size_t flops = 0;
  std::size_t im2col_rows = 0;  ///< rows of X_col (C*F*F for a conv, F*F for a pool); 0 when none
  std::size_t im2col_cols = 0;  ///< columns of X_col per example (Hout*Wout for a conv, C*Hout*Wout for a pool)
  std::size_t rf = 1;           ///< receptive field: the output sees rf x rf input pixels (set by analyze(net))
  std::size_t jump = 1;         ///< input pixels between neighbouring outputs (product of the strides so far)
  bool rf_global = false;       ///< the output sees the whole input (after a fully connected layer or a global pool)
  std::string note;             ///< how an output size was rounded, when it was; otherwise empty
  std::vector<LayerStats> parts;  ///< the layers inside a block (empty for a plain layer)

  /// @brief Weights plus biases.
  std::size_t parameters() const { return weights + biases; }
  /// @brief Elements of X_col per example, rows * cols (for a block or a total: the largest inside).
  /// @throws cnn::value_error ("too large") when the product does not fit 64 bits
  std::size_t im2col() const;
};

/// @brief The calculator's result for a whole network.
struct NetworkStats {
  std::string name{};               ///< the architecture's name
  std::string title;              ///< the architecture's title
  Shape input;                    ///< the input volume used
  std::vector<LayerStats> layers; ///< one per layer spec, in order
  /// Sums over the layers of weights, biases, activations, in_place, mult_adds and flops; the im2col
  /// workspace is the largest single one (one buffer, reused layer after layer), not a sum.
  LayerStats total;
};

/// @brief Walks one layer spec from an input volume.
/// @param layer  any spec; a block is walked through expand() and its parts are listed in LayerStats::parts
/// @param input  the volume going in
/// @return       shape, parameters, activations, multiply-adds, FLOPs and workspace of the layer
/// @throws cnn::shape_error when the layer does not fit the input (a conv that does not tile, a window larger
///         than the padded input, groups that do not divide the depth, an identity shortcut across a change of
///         shape), with the layer's name as the first word of the message
/// @throws cnn::value_error when a hyperparameter is out of range (K, F, S or G of 0, a dropout p outside [0, 1)),
///         or when a count does not fit 64 bits: every count is computed with checked arithmetic and refused as
///         "too large" rather than wrapped (a conv K=1000000 F=1 P=1000000 twice needs 4e24 multiply-adds)
LayerStats analyze(const Layer& layer, const Shape& input);

/// @brief Walks a network from its published input; also sets every row's receptive field and jump
/// (LayerStats::rf, jump): a window of F at stride S turns (rf, jump) into (rf + (F - 1) jump, jump S); a block
/// takes the largest over its branches; a fully connected layer, a global pool or a softmax sees everything.
/// @throws as analyze(const Layer&, const Shape&), for the first layer that does not fit
NetworkStats analyze(const Architecture& net);

/// @brief Walks a network from another input (`cnncalc model NAME --input ...`). Fully connected layers take
/// whatever D = C*H*W reaches them, so their parameter counts follow the input.
/// @throws as analyze(const Layer&, const Shape&), for the first layer that does not fit
NetworkStats analyze(const Architecture& net, const Shape& input);

/// @brief Paddings and strides near a refused one that would make an F x F window tile the input exactly.
struct TilingAdvice {
  std::vector<std::size_t> pads;     ///< the nearest P below and above the given one that tile at stride S
  std::vector<std::size_t> strides;  ///< the nearest S below and above (at most F) that tile with pad P
};

/// @brief Looks for the nearest paddings (at the given stride) and strides (at the given padding) for which
/// (N - F + 2P) is divisible by S and the window fits, for every size in @p sizes (height and width).
/// Strides above F are not proposed: they would skip input pixels.
/// @param sizes   input sizes along the axes that must all tile (H and W)
/// @param f       window size F
/// @param stride  the refused stride S (at least 1)
/// @param pad     the refused padding P
/// @return        up to two paddings and up to two strides; an empty list when none exists nearby (at an even
///                stride, (N - F) odd cannot be fixed by padding, since 2P is even)
TilingAdvice tiling_advice(const std::vector<std::size_t>& sizes, std::size_t f, std::size_t stride,
                           std::size_t pad);

/// @brief Output formats of the network table.
enum class TableFormat {
  text,      ///< aligned columns with thousands separators, for a terminal
  markdown,  ///< a Markdown table (the docs embed these)
  csv        ///< a header row, one row per layer, the `total` row last; plain integers
};

/// @brief Minibatch size and update rule for the training-memory estimate (`cnncalc model ... --batch N`).
struct TrainingSetup {
  std::size_t batch = 0;         ///< N; 0: no estimate
  std::string rule = "momentum"; ///< sgd, momentum, nesterov, adagrad, rmsprop, adam or adadelta (as train's `--rule`)
};

/// @brief Values an update rule keeps per parameter: sgd 0; momentum, nesterov, adagrad, rmsprop 1 (velocity or
/// cache); adam 2 (m and v); adadelta 2 (the two running averages). See optim.hpp.
/// @throws cnn::value_error for an unknown rule, listing the known ones
std::size_t rule_state_per_parameter(std::string_view rule);

/// @brief Estimated bytes to train one layer (or a total) in cnnlab, which computes in float64 (8 bytes a
/// value): parameters + their gradients + the rule's state, plus N times the layer's output, kept for the
/// backward pass, unless the layer may compute it in place (ReLU, dropout, flatten: LayerStats::in_place).
/// The network's total adds N times the input (the first layer keeps it too).
/// @throws cnn::value_error for an unknown rule
double training_bytes(const LayerStats& s, const TrainingSetup& setup);

/// @brief The per-layer table of a network: layer, type, configuration, input, output, receptive field and
/// jump, parameters, activations, multiply-adds, im2col workspace, with `--batch` also the training memory;
/// then a `total` row.
/// CSV columns: layer, part_of, type, out_c, out_h, out_w, weights, biases, parameters, activations, in_place,
/// mult_adds, flops, im2col_rows, im2col_cols, im2col, in_c, in_h, in_w, rf, jump (rf empty when global), and
/// train_bytes with a batch.
/// @param stats   from analyze()
/// @param format  text, markdown or csv
/// @param expand  also list the layers inside each block, right after the block (their `part_of` column, in
///                CSV, names the block; the block's own row already includes them)
/// @param train   with a batch above 0, a column of estimated training memory (training_bytes)
std::string format_table(const NetworkStats& stats, TableFormat format, bool expand = false,
                         const TrainingSetup& train = {});

/// @brief The training-memory estimate of a network as lines of text (markdown: a bullet list): parameters,
/// gradients, the rule's state, activations kept for the backward pass, in MB (10^6 bytes) of float64.
std::string format_training_memory(const NetworkStats& stats, const TrainingSetup& setup, TableFormat format);

/// @brief The conventions and totals under a table: what the columns count, activation memory for the
/// forward pass in float32 and float64 bytes, an estimate for the backward pass, the input's size.
/// @param stats   from analyze()
/// @param format  text (plain lines) or markdown (a bullet list); csv gives an empty string
std::string format_summary(const NetworkStats& stats, TableFormat format);

/// @brief One layer explained with its arithmetic in the lecture's letters, as `cnncalc conv` prints it:
/// output size, parameters, activations, multiply-adds, FLOPs and im2col workspace.
/// @param layer  a Conv, Pool or FullyConnected spec (any other layer is summarised without the arithmetic)
/// @param input  the volume going in
/// @throws as analyze(const Layer&, const Shape&)
std::string explain(const Layer& layer, const Shape& input);

/// @brief Formats a count with thousands separators: 62378344 -> "62,378,344".
std::string with_commas(std::size_t n);

}  // namespace cnn::arch
