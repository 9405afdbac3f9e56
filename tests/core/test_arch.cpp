// Tests of the calculator (src/calculator/arch.hpp) against values computed by hand from the lecture's formulas:
// output size (W - F + 2P)/S + 1, F*F*D1*K weights + K biases, X_col of (F*F*D1) x (W2*H2).
#include "calculator/arch.hpp"

#include <catch2/catch.hpp>

#include <charconv>
#include <sstream>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "calculator/zoo.hpp"

using namespace cnn;
using namespace cnn::arch;
using Catch::Matchers::Contains;
using Catch::Matchers::Message;

namespace {

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> cells;
  std::string cell;
  std::istringstream is(line);
  while (std::getline(is, cell, sep)) cells.push_back(cell);
  if (!line.empty() && line.back() == sep) cells.emplace_back();
  return cells;
}

std::size_t integer(const std::string& s) {
  std::size_t v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  INFO("cell '" << s << "'");
  REQUIRE(ec == std::errc());
  REQUIRE(ptr == s.data() + s.size());  // a plain integer: no separators, no sign, nothing after it
  return v;
}

}  // namespace

TEST_CASE("AlexNet conv1 by hand: 55x55x96, 34,944 parameters, X_col 363 x 3025", "[arch][conv]") {
  const LayerStats s = analyze(Conv{.name = "conv1", .filters = 96, .size = 11, .stride = 4}, Shape{3, 227, 227});
  REQUIRE(s.output == Shape{96, 55, 55});              // (227 - 11)/4 + 1 = 55
  REQUIRE(s.weights == 11 * 11 * 3 * 96);              // 34,848
  REQUIRE(s.biases == 96);
  REQUIRE(s.parameters() == 34944);
  REQUIRE(s.activations == 55 * 55 * 96);              // 290,400
  REQUIRE(s.mult_adds == 290400ull * 363);             // one 363-long dot product per output
  REQUIRE(s.flops == 2 * 290400ull * 363 + 290400);    // plus one bias addition per output
  REQUIRE(s.im2col_rows == 363);
  REQUIRE(s.im2col_cols == 3025);
  REQUIRE(s.note.empty());
  REQUIRE(to_string(s.output) == "55x55x96");
}

TEST_CASE("the lecture's conv examples: 28x28x6, 760 parameters, a 1x1 conv through depth", "[arch][conv]") {
  REQUIRE(analyze(Conv{.filters = 6, .size = 5}, Shape{3, 32, 32}).output == Shape{6, 28, 28});
  const LayerStats ten = analyze(Conv{.filters = 10, .size = 5, .pad = 2}, Shape{3, 32, 32});
  REQUIRE(ten.output == Shape{10, 32, 32});
  REQUIRE(ten.parameters() == 760);  // (5*5*3 + 1) * 10
  const LayerStats one = analyze(Conv{.filters = 32, .size = 1}, Shape{64, 56, 56});
  REQUIRE(one.output == Shape{32, 56, 56});
  REQUIRE(one.parameters() == 64 * 32 + 32);
  REQUIRE(one.mult_adds == 56ull * 56 * 32 * 64);
}

TEST_CASE("a conv that does not tile is refused with the arithmetic, named after the layer", "[arch][conv][errors]") {
  REQUIRE_THROWS_MATCHES(analyze(Conv{.name = "conv", .filters = 1, .size = 3, .stride = 3}, Shape{1, 7, 7}),
                         shape_error,
                         Message("conv: (W - F + 2P) = 4 is not divisible by stride S = 3 (W = 7, F = 3, P = 0)"));
  REQUIRE_THROWS_WITH(analyze(Conv{.name = "conv1", .filters = 64, .size = 7, .stride = 2, .pad = 3}, Shape{3, 224, 224}),
                      Contains("conv1: (W - F + 2P) = 223 is not divisible by stride S = 2"));
  REQUIRE_THROWS_AS(analyze(Conv{.name = "c", .filters = 0, .size = 3}, Shape{1, 7, 7}), value_error);
  REQUIRE_THROWS_AS(analyze(Conv{.name = "c", .filters = 4, .size = 0}, Shape{1, 7, 7}), value_error);
  REQUIRE_THROWS_AS(analyze(Conv{.name = "c", .filters = 4, .size = 9}, Shape{1, 7, 7}), shape_error);
}

TEST_CASE("Rounding::floor rounds down as PyTorch does and says so", "[arch][conv]") {
  const LayerStats s = analyze(Conv{.name = "conv1", .filters = 64, .size = 7, .stride = 2, .pad = 3, .bias = false,
                                    .rounding = Rounding::floor},
                               Shape{3, 224, 224});
  REQUIRE(s.output == Shape{64, 112, 112});  // floor((224 - 7 + 6)/2) + 1 = floor(111.5) + 1
  REQUIRE(s.parameters() == 7 * 7 * 3 * 64);
  REQUIRE_THAT(s.note, Contains("112.5 -> 112"));
}

TEST_CASE("grouped convs: each filter sees D1/G maps, G must divide the depth and K", "[arch][conv]") {
  // AlexNet's conv2 on two GPUs: 256 filters of 5x5x48.
  const LayerStats s = analyze(Conv{.filters = 256, .size = 5, .pad = 2, .groups = 2}, Shape{96, 27, 27});
  REQUIRE(s.weights == 5 * 5 * 48 * 256);
  REQUIRE(s.parameters() == 307456);
  REQUIRE(s.mult_adds == 27ull * 27 * 256 * 5 * 5 * 48);
  REQUIRE(s.im2col_rows == 5 * 5 * 96);  // all groups' rows together
  REQUIRE_THROWS_WITH(analyze(Conv{.name = "g", .filters = 256, .size = 3, .groups = 5}, Shape{96, 27, 27}),
                      Contains("g: input depth D1 = 96 is not divisible by G = 5"));
  REQUIRE_THROWS_AS(analyze(Conv{.name = "g", .filters = 7, .size = 3, .groups = 2}, Shape{96, 27, 27}), shape_error);
}

TEST_CASE("pooling: 224x224x64 -> 112x112x64, no parameters, rounds down", "[arch][pool]") {
  const LayerStats s = analyze(Pool{.name = "pool", .size = 2, .stride = 2}, Shape{64, 224, 224});
  REQUIRE(s.output == Shape{64, 112, 112});
  REQUIRE(s.parameters() == 0);
  REQUIRE(s.mult_adds == 0);
  REQUIRE(s.flops == 3 * 112ull * 112 * 64);  // F*F - 1 comparisons per output
  REQUIRE(analyze(Pool{.name = "p", .size = 3, .stride = 2}, Shape{96, 55, 55}).output == Shape{96, 27, 27});
  const LayerStats odd = analyze(Pool{.name = "p", .kind = PoolKind::average, .size = 2, .stride = 2}, Shape{1, 7, 7});
  REQUIRE(odd.output == Shape{1, 3, 3});  // (7 - 2)/2 + 1 = 3.5 -> 3
  REQUIRE(odd.flops == 4 * 9);
  REQUIRE_THAT(odd.note, Contains("3.5 -> 3"));
  REQUIRE_THROWS_AS(analyze(Pool{.name = "p", .size = 2, .stride = 2, .pad = 2}, Shape{1, 7, 7}), value_error);
  REQUIRE_THROWS_AS(analyze(Pool{.name = "p", .size = 9, .stride = 1}, Shape{1, 7, 7}), shape_error);
}

TEST_CASE("fully connected: D*M weights and M biases from any input volume", "[arch][fc]") {
  const LayerStats s = analyze(FullyConnected{.name = "fc6", .outputs = 4096}, Shape{256, 6, 6});
  REQUIRE(s.output == Shape{4096, 1, 1});
  REQUIRE(s.parameters() == 9216ull * 4096 + 4096);  // 37,752,832
  REQUIRE(s.mult_adds == 9216ull * 4096);
  REQUIRE(s.im2col() == 0);
  REQUIRE(analyze(FullyConnected{.name = "f", .outputs = 10, .bias = false}, Shape{84, 1, 1}).parameters() == 840);
}

TEST_CASE("element-wise layers keep the shape, batch norm has gamma and beta, dropout checks p", "[arch]") {
  const Shape x{64, 56, 56};
  const LayerStats bn = analyze(BatchNorm{"bn"}, x);
  REQUIRE(bn.output == x);
  REQUIRE(bn.weights == 64);
  REQUIRE(bn.biases == 64);
  const LayerStats relu = analyze(ReLU{"relu"}, x);
  REQUIRE(relu.in_place == x.size());
  REQUIRE(relu.flops == x.size());
  REQUIRE(analyze(LRN{.name = "norm"}, x).flops == (2 * 5 + 3) * x.size());
  REQUIRE(analyze(GlobalAvgPool{"gap"}, x).output == Shape{64, 1, 1});
  REQUIRE(analyze(Flatten{"flat"}, x).output == Shape{64 * 56 * 56, 1, 1});
  REQUIRE(analyze(Softmax{"prob"}, Shape{1, 19, 19}).output == Shape{1, 19, 19});
  REQUIRE_THROWS_MATCHES(analyze(Dropout{.name = "drop", .p = 1.0}, x), value_error,
                         Message("drop: drop probability p must be in [0, 1), got 1"));
}

TEST_CASE("inception 3a by hand: 28x28x256 and 163,696 parameters", "[arch][inception]") {
  const LayerStats s = analyze(Inception{"inception_3a", 64, 96, 128, 16, 32, 32}, Shape{192, 28, 28});
  REQUIRE(s.output == Shape{256, 28, 28});  // 64 + 128 + 32 + 32
  const std::size_t expected = (192 * 64 + 64) + (192 * 96 + 96) + (96 * 9 * 128 + 128) + (192 * 16 + 16) +
                               (16 * 25 * 32 + 32) + (192 * 32 + 32);
  REQUIRE(expected == 163696);
  REQUIRE(s.parameters() == expected);
  REQUIRE(s.parts.back().name == "inception_3a/concat");
  REQUIRE(s.parts.back().output == s.output);
}

TEST_CASE("residual blocks: the bottleneck of conv2_1 by hand, an identity shortcut must keep the shape",
          "[arch][residual]") {
  const LayerStats s = analyze(Residual{.name = "conv2_1", .kind = BlockKind::bottleneck, .planes = 64,
                                        .shortcut = Shortcut::projection},
                               Shape{64, 56, 56});
  REQUIRE(s.output == Shape{256, 56, 56});
  // 1x1 64, 3x3 64, 1x1 256, projection 1x1 256, no conv biases; batch norms 2*(64 + 64 + 256 + 256)
  REQUIRE(s.parameters() == 64 * 64 + 64 * 64 * 9 + 64 * 256 + 64 * 256 + 2 * (64 + 64 + 256 + 256));
  REQUIRE_THROWS_WITH(
      analyze(Residual{.name = "conv2_1", .kind = BlockKind::bottleneck, .planes = 64}, Shape{64, 56, 56}),
      Contains("conv2_1: the main path gives 56x56x256 but the identity shortcut passes 56x56x64") &&
          Contains("projection"));
  const LayerStats basic = analyze(Residual{.name = "b", .kind = BlockKind::basic, .planes = 64}, Shape{64, 56, 56});
  REQUIRE(basic.output == Shape{64, 56, 56});
  REQUIRE(basic.parameters() == 2 * (64 * 64 * 9 + 2 * 64));
}

TEST_CASE("a block's row adds up its parts, a network's total adds up its rows, im2col is the largest",
          "[arch]") {
  for (const char* name : {"googlenet-aux", "resnet50", "alexnet"}) {
    INFO(name);
    const NetworkStats n = analyze(zoo::model(name));
    std::size_t params = 0, acts = 0, macs = 0, flops = 0, in_place = 0, ws = 0;
    for (const auto& s : n.layers) {
      params += s.parameters();
      acts += s.activations;
      macs += s.mult_adds;
      flops += s.flops;
      in_place += s.in_place;
      ws = std::max(ws, s.im2col());
      if (s.parts.empty()) continue;
      std::size_t p = 0, a = 0, m = 0;
      for (const auto& part : s.parts) {
        p += part.parameters();
        a += part.activations;
        m += part.mult_adds;
      }
      REQUIRE(p == s.parameters());
      REQUIRE(a == s.activations);
      REQUIRE(m == s.mult_adds);
    }
    REQUIRE(n.total.parameters() == params);
    REQUIRE(n.total.activations == acts);
    REQUIRE(n.total.mult_adds == macs);
    REQUIRE(n.total.flops == flops);
    REQUIRE(n.total.in_place == in_place);
    REQUIRE(n.total.im2col() == ws);
  }
}

TEST_CASE("the auxiliary classifier is a side output: the main path goes on unchanged", "[arch][inception]") {
  const LayerStats s = analyze(AuxClassifier{"aux1", 1000}, Shape{512, 14, 14});
  REQUIRE(s.output == Shape{512, 14, 14});
  // 5x5/3 avg pool -> 4x4x512; 1x1 conv 128; FC 2048 -> 1024; FC 1024 -> 1000
  REQUIRE(s.parameters() == (512 * 128 + 128) + (2048 * 1024 + 1024) + (1024 * 1000 + 1000));
}

TEST_CASE("tiling advice: the nearest paddings and strides that make a window tile", "[arch][conv]") {
  const TilingAdvice a = tiling_advice({7, 7}, 3, 3, 0);
  REQUIRE(a.pads == std::vector<std::size_t>{1});     // (7 - 3 + 2)/3 + 1 = 3
  REQUIRE(a.strides == std::vector<std::size_t>{2});  // (7 - 3)/2 + 1 = 3; S = 4 > F would skip pixels
  const TilingAdvice b = tiling_advice({224, 224}, 7, 2, 3);
  REQUIRE(b.pads.empty());  // 224 - 7 is odd, 2P is even: no padding tiles at stride 2
  REQUIRE(b.strides == std::vector<std::size_t>{1});
  const TilingAdvice c = tiling_advice({6, 7}, 3, 2, 0);  // H and W must both tile: (7 - 3) even, (6 - 3) odd
  REQUIRE(c.pads.empty());
  REQUIRE(c.strides == std::vector<std::size_t>{1});
  const TilingAdvice e = tiling_advice({224, 224}, 11, 4, 0);  // 213 is odd: stride 4 cannot tile, stride 3 does
  REQUIRE(e.strides.front() == 3);
  REQUIRE(e.pads.empty());
}

TEST_CASE("CSV parses back: a header, one row per layer, the total row last, plain integers", "[arch][csv]") {
  const NetworkStats n = analyze(zoo::vgg16());
  std::istringstream csv(format_table(n, TableFormat::csv));
  std::string line;
  REQUIRE(std::getline(csv, line));
  const std::vector<std::string> header = split(line, ',');
  REQUIRE(header == std::vector<std::string>{"layer", "part_of", "type", "out_c", "out_h", "out_w", "weights",
                                             "biases", "parameters", "activations", "in_place", "mult_adds",
                                             "flops", "im2col_rows", "im2col_cols", "im2col", "in_c", "in_h",
                                             "in_w", "rf", "jump"});
  std::vector<std::vector<std::string>> rows;
  while (std::getline(csv, line)) rows.push_back(split(line, ','));
  REQUIRE(rows.size() == n.layers.size() + 1);
  REQUIRE(rows.back()[0] == "total");
  std::size_t params = 0, acts = 0, macs = 0, ws = 0;
  for (std::size_t i = 0; i + 1 < rows.size(); ++i) {
    REQUIRE(rows[i].size() == header.size());
    REQUIRE(rows[i][0] == n.layers[i].name);
    REQUIRE(integer(rows[i][8]) == integer(rows[i][6]) + integer(rows[i][7]));
    REQUIRE(integer(rows[i][9]) <= integer(rows[i][3]) * integer(rows[i][4]) * integer(rows[i][5]));
    REQUIRE(integer(rows[i][15]) == integer(rows[i][13]) * integer(rows[i][14]));
    if (i > 0) REQUIRE(integer(rows[i][16]) == integer(rows[i - 1][3]));  // in_c: the previous row's out_c
    params += integer(rows[i][8]);
    acts += integer(rows[i][9]);
    macs += integer(rows[i][11]);
    ws = std::max(ws, integer(rows[i][15]));
  }
  const auto& total = rows.back();
  REQUIRE(integer(total[8]) == params);
  REQUIRE(params == 138357544);  // torchvision's vgg16, independent of this code
  REQUIRE(integer(total[9]) == acts);
  REQUIRE(integer(total[11]) == macs);
  REQUIRE(integer(total[15]) == ws);
  REQUIRE(ws == 576ull * 224 * 224);  // conv1_2: 3*3*64 rows, 224*224 columns
  REQUIRE(integer(total[3]) == 1000);
}

TEST_CASE("CSV with --expand marks the layers inside a block with part_of", "[arch][csv]") {
  const NetworkStats n = analyze(zoo::resnet(18));
  std::istringstream csv(format_table(n, TableFormat::csv, true));
  std::string line;
  std::getline(csv, line);
  std::size_t top = 0, inner = 0, params = 0;
  std::vector<std::string> last;
  while (std::getline(csv, line)) {
    last = split(line, ',');
    if (last[0] == "total") break;
    if (last[1].empty()) {
      ++top;
      params += integer(last[8]);
    } else {
      ++inner;
      REQUIRE(last[0].rfind(last[1] + "/", 0) == 0);  // "conv2_1/conv1" is part of "conv2_1"
    }
  }
  REQUIRE(top == n.layers.size());
  REQUIRE(inner > 0);
  REQUIRE(integer(last[8]) == params);
}

TEST_CASE("the Markdown table has one row per layer, a total row, and the same columns everywhere", "[arch][md]") {
  const NetworkStats n = analyze(zoo::lenet5());
  std::istringstream md(format_table(n, TableFormat::markdown));
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(md, line)) lines.push_back(line);
  REQUIRE(lines.size() == n.layers.size() + 3);  // header, rule, layers, total
  const auto bars = std::count(lines[0].begin(), lines[0].end(), '|');
  for (const auto& l : lines) REQUIRE(std::count(l.begin(), l.end(), '|') == bars);
  REQUIRE_THAT(lines.back(), Contains("**total**") && Contains("61,706"));
  REQUIRE_THAT(format_summary(n, TableFormat::markdown), Contains("- **activations**: 14,612 per example"));
}

TEST_CASE("explain shows the lecture's arithmetic for a conv, a pool and an fc layer", "[arch]") {
  const std::string conv = explain(Conv{.name = "conv", .filters = 6, .size = 5}, Shape{3, 32, 32});
  REQUIRE_THAT(conv, Contains("(32 - 5 + 2*0)/1 + 1 = 27/1 + 1 = 28") && Contains("28x28x6") &&
                         Contains("5*5*3 = 75 weights per filter") && Contains("= 456") &&
                         Contains("75 x 784"));
  const std::string pool = explain(Pool{.name = "pool", .size = 2, .stride = 2}, Shape{64, 224, 224});
  REQUIRE_THAT(pool, Contains("112x112x64") && Contains("rounds down"));
  const std::string fc = explain(FullyConnected{.name = "fc", .outputs = 10}, Shape{84, 1, 1});
  REQUIRE_THAT(fc, Contains("D*M = 840 weights + M = 10 biases = 850"));
}

TEST_CASE("with_commas groups digits by three", "[arch]") {
  REQUIRE(with_commas(0) == "0");
  REQUIRE(with_commas(999) == "999");
  REQUIRE(with_commas(1000) == "1,000");
  REQUIRE(with_commas(62378344) == "62,378,344");
}

TEST_CASE("receptive fields by hand: VGG-16's pool5 sees 212 pixels, AlexNet's 195, both at a jump of 32",
          "[arch][rf]") {
  // rf grows by (F - 1) * jump at every window, the jump by a factor S.
  // VGG-16: stage 1: 1 + 2 + 2 = 5, pool 5 + 1 = 6 (jump 2); stage 2: 6 + 4 + 4 = 14, pool 16 (jump 4);
  // stage 3: 16 + 3*8 = 40, pool 44 (jump 8); stage 4: 44 + 3*16 = 92, pool 100 (jump 16);
  // stage 5: 100 + 3*32 = 196, pool 196 + 16 = 212 (jump 32).
  const NetworkStats vgg = analyze(zoo::vgg16());
  auto row = [](const NetworkStats& n, const std::string& name) -> const LayerStats& {
    for (const auto& s : n.layers)
      if (s.name == name) return s;
    FAIL("no layer " << name);
    return n.total;
  };
  REQUIRE(row(vgg, "conv1_2").rf == 5);
  REQUIRE(row(vgg, "pool1").rf == 6);
  REQUIRE(row(vgg, "pool2").rf == 16);
  REQUIRE(row(vgg, "pool3").rf == 44);
  REQUIRE(row(vgg, "pool4").rf == 100);
  REQUIRE(row(vgg, "pool5").rf == 212);
  REQUIRE(row(vgg, "pool5").jump == 32);
  REQUIRE(row(vgg, "relu5_3").rf == 196);  // element-wise layers keep what they see
  REQUIRE(row(vgg, "fc6").rf_global);
  // AlexNet: conv1 11 (jump 4); pool1 11 + 2*4 = 19 (jump 8); conv2 19 + 4*8 = 51; pool2 51 + 2*8 = 67
  // (jump 16); conv3, 4, 5 67 + 2*16 = 99, 131, 163; pool5 163 + 2*16 = 195 (jump 32).
  const NetworkStats alex = analyze(zoo::alexnet());
  REQUIRE(row(alex, "conv1").rf == 11);
  REQUIRE(row(alex, "pool1").rf == 19);
  REQUIRE(row(alex, "conv2").rf == 51);
  REQUIRE(row(alex, "conv5").rf == 163);
  REQUIRE(row(alex, "pool5").rf == 195);
  REQUIRE(row(alex, "pool5").jump == 32);
}

TEST_CASE("a block's receptive field is its widest branch", "[arch][rf]") {
  // Inception after a field of (1, 1): the 5x5 branch is the widest, 1 + 4 = 5; a bottleneck at stride 2 with
  // the stride on its 1x1: 1x1/2 keeps 1 (jump 2), 3x3 gives 1 + 2*2 = 5, 1x1 keeps 5.
  Architecture net;
  net.input = {16, 9, 9};
  net.layers = {Inception{"i", 4, 4, 4, 4, 4, 4},
                Residual{.name = "r", .kind = BlockKind::bottleneck, .planes = 4, .stride = 2,
                         .shortcut = Shortcut::projection}};
  const NetworkStats n = analyze(net);
  REQUIRE(n.layers[0].rf == 5);
  REQUIRE(n.layers[0].jump == 1);
  REQUIRE(n.layers[1].rf == 5 + 2 * 1 * 2);  // from 5: the 3x3 at jump 2 adds 2 * 2
  REQUIRE(n.layers[1].jump == 2);
}

TEST_CASE("ceil rounding as Caffe's pooling: 110 -> 55 where PyTorch's floor gives 54", "[arch][pool]") {
  const Pool ceil{.name = "p", .size = 3, .stride = 2, .rounding = Rounding::ceil};
  const Pool floor{.name = "p", .size = 3, .stride = 2};
  REQUIRE(analyze(ceil, Shape{96, 110, 110}).output.w == 55);   // (110 - 3)/2 + 1 = 54.5 -> 55
  REQUIRE(analyze(floor, Shape{96, 110, 110}).output.w == 54);  // -> 54
  REQUIRE_THAT(analyze(ceil, Shape{96, 110, 110}).note, Contains("rounded up: (110 - 3 + 2*0)/2 + 1 = 54.5 -> 55"));
  // Caffe drops a last window that would start in the padding: 5 wide, F = 2, S = 2, P = 1 gives
  // ceil((5 + 2 - 2)/2) + 1 = 4, but the 4th window would start at 6 - 1 = 5, past the input: 3.
  const Pool padded{.name = "p", .size = 2, .stride = 2, .pad = 1, .rounding = Rounding::ceil};
  REQUIRE(analyze(padded, Shape{1, 5, 5}).output.w == 3);
  const Pool exact{.name = "p", .size = 3, .stride = 2, .rounding = Rounding::exact};
  REQUIRE_THROWS_AS(analyze(exact, Shape{96, 110, 110}), shape_error);
}

TEST_CASE("training memory by hand: LeNet-5 for Fashion-MNIST, batch 64, momentum and adam", "[arch][memory]") {
  const NetworkStats n = analyze(zoo::lenet5_fashion());
  // parameters 61,706; per example 784 input values + 14,612 outputs, of which the 6,508 of the ReLUs are
  // computed in place: 784 + 8,104 = 8,888 values kept
  REQUIRE(n.total.activations == 14612);
  REQUIRE(n.total.in_place == 4704 + 1600 + 120 + 84);
  const double momentum = 8.0 * (3.0 * 61706 + 64.0 * 8888);  // w, dw, velocity; N x kept values
  const double adam = 8.0 * (4.0 * 61706 + 64.0 * 8888);      // w, dw, m, v
  const std::string csv = format_table(n, TableFormat::csv, false, TrainingSetup{64, "momentum"});
  const std::string total_bytes = std::to_string(static_cast<long>(momentum));  // the total row ends with it
  REQUIRE_THAT(csv, Contains(",train_bytes\n"));
  REQUIRE(csv.substr(csv.size() - total_bytes.size() - 1) == total_bytes + "\n");
  char adam_mb[32];
  std::snprintf(adam_mb, sizeof adam_mb, "total        %.2f MB", adam / 1e6);
  REQUIRE_THAT(format_training_memory(n, TrainingSetup{64, "adam"}, TableFormat::text), Contains(adam_mb));
  REQUIRE(rule_state_per_parameter("sgd") == 0);
  REQUIRE(rule_state_per_parameter("adadelta") == 2);
  REQUIRE_THROWS_WITH(rule_state_per_parameter("adamw"), Contains("unknown update rule 'adamw'"));
  // per layer: conv1 holds 156 parameters and 64 x 4,704 outputs; its ReLU works in place
  REQUIRE(training_bytes(n.layers[0], TrainingSetup{64, "momentum"}) == 8.0 * (3 * 156 + 64 * 4704));
  REQUIRE(training_bytes(n.layers[1], TrainingSetup{64, "momentum"}) == 0.0);
}
