// Tests of the network file (src/calculator/netfile.hpp): every zoo model written as a file reads back to the
// same network; a file written by hand gives the counts computed by hand; broken files are refused with the
// line and column of the mistake.
#include "calculator/netfile.hpp"

#include <catch2/catch.hpp>

#include <fstream>

#include "core/errors.hpp"
#include "calculator/zoo.hpp"
#include "support/scratch.hpp"

using namespace cnn;
using namespace cnn::arch;
using Catch::Matchers::Contains;

namespace {

// Everything the calculator says about a network: every number of every row, blocks' parts included.
std::string all_counts(const Architecture& net) {
  return format_table(analyze(net), TableFormat::csv, /*expand=*/true, TrainingSetup{8, "adam"});
}

// Kind, output and counts of every row, without the names.
std::string counts_without_names(const Architecture& net) {
  std::string out;
  const NetworkStats s = analyze(net);
  for (const auto& l : s.layers)
    out += l.type + " " + to_string(l.output) + " " + std::to_string(l.parameters()) + " " +
           std::to_string(l.mult_adds) + " " + std::to_string(l.rf) + "\n";
  return out;
}

}  // namespace

TEST_CASE("every zoo model round-trips through its network file", "[netfile][zoo]") {
  for (const auto& name : zoo::names()) {
    INFO(name);
    const Architecture net = zoo::model(name);
    const std::string text = format_net(net);
    const Architecture back = parse_net(text, name + ".net");
    CHECK(back.name == net.name);
    CHECK(back.title == net.title);
    CHECK(back.reference == net.reference);
    CHECK(back.input == net.input);
    CHECK(back.layers.size() == net.layers.size());
    CHECK(all_counts(back) == all_counts(net));  // same table, number for number
    CHECK(format_net(back) == text);              // and the same file again
  }
}

TEST_CASE("LeNet-5 written by hand: 61,706 parameters, summed by hand layer by layer", "[netfile]") {
  const Architecture net = parse_net(R"(# LeNet-5, CONV-POOL-CONV-POOL-FC-FC-FC
input 32x32x1
conv    conv1 K=6 F=5      # 28x28x6
relu
maxpool pool1 F=2 S=2      # 14x14x6
conv    conv2 K=16 F=5     # 10x10x16
relu
maxpool pool2 F=2          # S defaults to F
fc      fc3 M=120
relu
fc      fc4 M=84
relu
fc      fc5 M=10
softmax
)",
                                     "nets/lenet.txt");
  REQUIRE(net.name == "lenet");  // the file's stem, as there is no name line
  REQUIRE(net.input == Shape{1, 32, 32});
  const NetworkStats s = analyze(net);
  // 6*(5*5*1 + 1) = 156, 16*(5*5*6 + 1) = 2,416, 400*120 + 120 = 48,120, 120*84 + 84 = 10,164, 84*10 + 10 = 850
  REQUIRE(s.layers[0].parameters() == 156);
  REQUIRE(s.layers[3].parameters() == 2416);
  REQUIRE(s.layers[6].parameters() == 48120);
  REQUIRE(s.total.parameters() == 156 + 2416 + 48120 + 10164 + 850);
  REQUIRE(s.layers[5].output == Shape{16, 5, 5});
  // names made up for the layers without one, counted per kind
  REQUIRE(s.layers[1].name == "relu1");
  REQUIRE(s.layers[4].name == "relu2");
  REQUIRE(s.layers[7].name == "relu3");
  REQUIRE(s.layers[11].name == "softmax1");
  REQUIRE(counts_without_names(net) == counts_without_names(zoo::lenet5()));  // only the names differ
}

TEST_CASE("every setting of every layer kind is read", "[netfile]") {
  const Architecture net = parse_net(R"(name  every-kind
title A title with   spaces kept
reference none
input 128x96x3
conv a K=8 F=3 S=2 P=1 G=1 bias=no round=floor
bn b eps=0.001
relu
lrn c n=3 alpha=0.5 beta=0.25 k=1.5
avgpool d F=3 S=1 P=1 round=ceil
maxpool e F=2 round=exact
inception f 1x1=4 3x3_reduce=2 3x3=4 5x5_reduce=2 5x5=4 pool_proj=4
basic g planes=16 S=2 shortcut=projection round=floor
bottleneck h planes=8 S=2 shortcut=projection stride_at=3x3 round=floor
aux i classes=7
gap
flatten
dropout j p=0.25
fc k M=5 bias=no
softmax
)",
                                     "every.net");
  REQUIRE(net.title == "A title with   spaces kept");
  REQUIRE(net.input == Shape{3, 96, 128});
  const auto& c = std::get<Conv>(net.layers[0]);
  REQUIRE((c.filters == 8 && c.size == 3 && c.stride == 2 && c.pad == 1 && !c.bias && c.rounding == Rounding::floor));
  REQUIRE(std::get<BatchNorm>(net.layers[1]).eps == 0.001);
  const auto& l = std::get<LRN>(net.layers[3]);
  REQUIRE((l.size == 3 && l.alpha == 0.5 && l.beta == 0.25 && l.k == 1.5));
  const auto& d = std::get<Pool>(net.layers[4]);
  REQUIRE((d.kind == PoolKind::average && d.stride == 1 && d.pad == 1 && d.rounding == Rounding::ceil));
  REQUIRE(std::get<Pool>(net.layers[5]).stride == 2);
  REQUIRE(std::get<Inception>(net.layers[6]).pool_proj == 4);
  const auto& h = std::get<Residual>(net.layers[8]);
  REQUIRE((h.kind == BlockKind::bottleneck && h.stride_in_3x3 && h.shortcut == Shortcut::projection));
  REQUIRE(std::get<AuxClassifier>(net.layers[9]).classes == 7);
  REQUIRE(std::get<Dropout>(net.layers[12]).p == 0.25);
  REQUIRE(!std::get<FullyConnected>(net.layers[13]).bias);
  REQUIRE(name_of(net.layers[10]) == "globalavgpool1");
  // and it fits: 128x96 -> conv (128 - 3 + 2)/2 + 1 = 64.5 -> 64 wide, (96 - 3 + 2)/2 + 1 = 48.5 -> 48 high
  const NetworkStats s = analyze(net);
  REQUIRE(s.layers[0].output == Shape{8, 48, 64});
  REQUIRE(s.total.output == Shape{5, 1, 1});
  REQUIRE(parse_net(format_net(net), "again.net").layers.size() == net.layers.size());
}

TEST_CASE("broken network files are refused with the line and column of the mistake", "[netfile][errors]") {
  struct Case {
    const char* text;
    const char* where;    // "line:column"
    const char* message;  // part of what follows
  };
  const std::vector<Case> cases = {
      {"conv K=6 F=5\n", "1:1", "no 'input WxHxD' line"},
      {"input 32x32x3\n# nothing else\n", "2:1", "no layers"},
      {"input 32x32\nrelu\n", "1:7", "input must be a volume WxHxD"},
      {"input 32x32x3x1\nrelu\n", "1:7", "input must be a volume WxHxD"},
      {"input 32x32x0\nrelu\n", "1:7", "input must be a volume WxHxD"},
      {"input 32x32x3\ninput 28x28x1\n", "2:1", "'input' given twice"},
      {"input\n", "1:6", "input needs a value"},
      {"input 32x32x3\nconvolution K=6 F=5\n", "2:1", "unknown layer kind 'convolution'; known: "},
      {"input 32x32x3\nconv F=5\n", "2:9", "conv: needs K=..., the number of filters"},
      {"input 32x32x3\nconv K=6 F=five\n", "2:12", "conv: F must be a whole number from 1 to 1,000,000, got 'five'"},
      {"input 32x32x3\nconv K=6 F=5 P=-1\n", "2:16", "conv: P must be a whole number from 0"},
      {"input 32x32x3\nconv K=0 F=5\n", "2:8", "conv: K must be a whole number from 1"},
      {"input 32x32x3\nconv K=6 F=5 stride=2\n", "2:14", "conv: unknown setting 'stride'; it takes K, F, S, P, G, bias, round"},
      {"input 32x32x3\nconv K=6 F=5 K=7\n", "2:14", "conv: K given twice"},
      {"input 32x32x3\nconv c1 c2 K=6 F=5\n", "2:9", "expected KEY=VALUE, got 'c2' (a layer has at most one name)"},
      {"input 32x32x3\nconv K=6 F=5 bias=false\n", "2:19", "bias must be yes or no, got 'false'"},
      {"input 32x32x3\nmaxpool F=2 round=up\n", "2:19", "round must be exact, floor or ceil, got 'up'"},
      {"input 32x32x3\nrelu r\nrelu r\n", "3:6", "a second layer named 'r'"},
      {"input 32x32x3\nrelu a/b\n", "2:6", "a layer name may hold letters, digits"},
      {"input 32x32x3\nrelu inplace=yes\n", "2:6", "relu: unknown setting 'inplace'; this layer takes none"},
      {"input 32x32x3\ndropout p=1\n", "2:11", "dropout: p must be a number in [0, 1), got '1'"},
      {"input 32x32x3\nlrn alpha=nan\n", "2:11", "alpha must be a number of 0 or more, got 'nan'"},
      {"input 32x32x3\nbottleneck planes=64 shortcut=conv\n", "2:31", "shortcut must be identity or projection"},
      {"input 32x32x3\ninception 1x1=64\n", "2:17", "inception: needs 3x3_reduce=..."},
      {"name two words\ninput 32x32x3\nrelu\n", "1:10", "a network's name is one word"},
      {"input 32x32x3\nfc M=10 =3\n", "2:9", "expected KEY=VALUE, got '=3'"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    REQUIRE_THROWS_AS(parse_net(c.text, "bad.net"), value_error);
    REQUIRE_THROWS_WITH(parse_net(c.text, "bad.net"),
                        Contains(std::string("read_net: bad.net:") + c.where + ": ") && Contains(c.message));
  }
}

TEST_CASE("a NUL byte is refused where it stands", "[netfile][errors]") {
  const std::string text("input 32x32x3\nrelu\0x\n", 21);
  REQUIRE_THROWS_WITH(parse_net(text, "nul.net"), Contains("read_net: nul.net:2:5: a NUL byte"));
}

TEST_CASE("a file that reads but does not fit its input is refused by analyze, naming the layer", "[netfile][errors]") {
  const Architecture net = parse_net("input 7x7x1\nconv odd K=1 F=3 S=3\n", "tile.net");
  REQUIRE_THROWS_WITH(analyze(net), Contains("odd: (W - F + 2P) = 4 is not divisible by stride S = 3"));
  const Architecture shortcut = parse_net("input 8x8x16\nbasic b planes=32\n", "shortcut.net");
  REQUIRE_THROWS_WITH(analyze(shortcut), Contains("use a projection shortcut"));
}

TEST_CASE("model_or_file: a zoo name, else a file; neither is refused naming both", "[netfile]") {
  REQUIRE(model_or_file("lenet5").name == "lenet5");
  const testing::Scratch scratch;
  const std::string path = scratch.file("model_or_file.net");
  {
    std::ofstream f(path);
    f << format_net(zoo::convnetjs_cifar10());
  }
  REQUIRE(all_counts(model_or_file(path)) == all_counts(zoo::convnetjs_cifar10()));
  REQUIRE_THROWS_WITH(model_or_file("lenet6"), Contains("no model named 'lenet6' in the zoo") &&
                                                   Contains("no network file of that name"));
  REQUIRE_THROWS_AS(read_net(scratch.file("missing.net")), io_error);
}

TEST_CASE("network_for_data: what train --model accepts, checked before anything is built", "[netfile][train]") {
  const testing::Scratch scratch;
  auto file = [&](const std::string& name, const std::string& text) {
    std::ofstream(scratch.file(name)) << text;
    return scratch.file(name);
  };
  const Shape fashion{1, 28, 28};
  // the example in tools/cnncalc/examples, and a zoo model walked from the data's input
  const Architecture student = network_for_data(
      file("student.net", "input 28x28x1\nconv K=8 F=3 P=1\nrelu\nmaxpool F=2\nfc M=10\nsoftmax\n"), fashion, 10);
  REQUIRE(analyze(student).total.output == Shape{10, 1, 1});
  REQUIRE(network_for_data("lenet5-fashion", fashion, 10).name == "lenet5-fashion");
  // a file for another input, a last layer of the wrong size, a layer that does not fit
  REQUIRE_THROWS_WITH(network_for_data(file("rgb.net", "input 32x32x3\nfc M=10\n"), fashion, 10),
                      Contains("is written for an input of 32x32x3, the data are 28x28x1"));
  REQUIRE_THROWS_WITH(network_for_data(file("five.net", "input 28x28x1\nfc M=5\n"), fashion, 10),
                      Contains("ends in 5 values (1x1x5), the data have 10 classes") && Contains("fc M=10"));
  REQUIRE_THROWS_AS(network_for_data(file("tile.net", "input 28x28x1\nconv K=4 F=3 S=2\nfc M=10\n"), fashion, 10),
                    shape_error);
}
