// Tests of the cnncalc command line (tools/cnncalc), run in-process: exit statuses, what goes to stdout and
// stderr, refusals with their arithmetic, and every output format.
#include "cnncalc.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "calculator/netfile.hpp"
#include "calculator/zoo.hpp"
#include "support/scratch.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::EndsWith;
using Catch::Matchers::StartsWith;

namespace {

struct Result {
  int status;
  std::string out;
  std::string err;
};

Result run_cnncalc(const std::vector<std::string>& args, const std::string& answers = "") {
  std::istringstream in(answers);
  std::ostringstream out, err;
  const int status = cnncalc::run(args, in, out, err);
  return {status, out.str(), err.str()};
}

}  // namespace

TEST_CASE("cnncalc conv prints the output volume, parameters, activations, mult-adds and X_col", "[cnncalc]") {
  const Result r = run_cnncalc({"conv", "--input", "227x227x3", "--filters", "96", "--size", "11", "--stride", "4"});
  REQUIRE(r.status == 0);
  REQUIRE(r.err.empty());
  REQUIRE_THAT(r.out, Contains("55x55x96") && Contains("= 34,944") && Contains("290,400") &&
                          Contains("105,415,200") && Contains("363 x 3,025") && Contains("bias additions not included"));
  const Result lenet = run_cnncalc({"conv", "--input=32x32x3", "--filters=6", "--size=5"});
  REQUIRE(lenet.status == 0);
  REQUIRE_THAT(lenet.out, Contains("28x28x6") && Contains("= 456"));
}

TEST_CASE("cnncalc conv refuses a stride that does not tile, with the arithmetic and what would work",
          "[cnncalc][errors]") {
  const Result r = run_cnncalc({"conv", "--input", "7x7x1", "--filters", "1", "--size", "3", "--stride", "3"});
  REQUIRE(r.status == 1);
  REQUIRE(r.out.empty());
  REQUIRE_THAT(r.err, Contains("conv: (W - F + 2P) = 4 is not divisible by stride S = 3 (W = 7, F = 3, P = 0)") &&
                          Contains("P = 1 gives 3x3x1") && Contains("S = 2 gives 3x3x1"));
  const Result odd = run_cnncalc({"conv", "--input", "224x224x3", "--filters", "64", "--size", "7", "--stride", "2",
                              "--pad", "3"});
  REQUIRE(odd.status == 1);
  REQUIRE_THAT(odd.err, Contains("no padding tiles at S = 2") && Contains("112x112x64"));
}

TEST_CASE("cnncalc pool and fc", "[cnncalc]") {
  const Result pool = run_cnncalc({"pool", "--input", "224x224x64", "--size", "2", "--stride", "2"});
  REQUIRE(pool.status == 0);
  REQUIRE_THAT(pool.out, Contains("112x112x64") && Contains("parameters   0"));
  const Result avg = run_cnncalc({"pool", "--input", "7x7x1", "--size", "2", "--kind", "avg"});
  REQUIRE(avg.status == 0);
  REQUIRE_THAT(avg.out, Contains("average pool") && Contains("3x3x1") && Contains("rounded down"));
  const Result fc = run_cnncalc({"fc", "--input", "84", "--outputs", "10"});
  REQUIRE(fc.status == 0);
  REQUIRE_THAT(fc.out, Contains("= 850"));
  const Result too_big = run_cnncalc({"pool", "--input", "2x2x1", "--size", "3"});
  REQUIRE(too_big.status == 1);
  REQUIRE_THAT(too_big.err, Contains("larger than the padded input"));
}

TEST_CASE("cnncalc model prints one row per layer, a total row and the conventions", "[cnncalc]") {
  const Result r = run_cnncalc({"model", "lenet5"});
  REQUIRE(r.status == 0);
  REQUIRE_THAT(r.out, Contains("conv1") && Contains("28x28x6") && Contains("total") && Contains("61,706") &&
                          Contains("additions not included") && Contains("pooling rounds down") &&
                          Contains("float32") && Contains("float64") && Contains("backward pass") &&
                          Contains("input (1,024) not counted"));
  const Result md = run_cnncalc({"model", "alexnet", "--format", "md"});
  REQUIRE(md.status == 0);
  REQUIRE_THAT(md.out, StartsWith("**alexnet**: AlexNet") && Contains("input 227x227x3") &&
                           Contains("\n| layer | type |") &&
                           Contains("| conv1 | conv | K=96 F=11 S=4 P=0 | 227x227x3 | 55x55x96 | 11 | 4 |"));
}

TEST_CASE("cnncalc model --format csv: a header, one row per layer, total last, plain integers",
          "[cnncalc][csv]") {
  const Result r = run_cnncalc({"model", "resnet18", "--format", "csv"});
  REQUIRE(r.status == 0);
  std::istringstream is(r.out);
  std::string line, last;
  std::getline(is, line);
  REQUIRE_THAT(line, StartsWith("layer,part_of,type,out_c,out_h,out_w,weights,biases,parameters,"));
  std::size_t rows = 0;
  while (std::getline(is, line)) {
    REQUIRE(line.find(", ") == std::string::npos);  // no thousands separators, no padding
    last = line;
    ++rows;
  }
  const auto n = cnn::arch::analyze(cnn::zoo::resnet(18));
  REQUIRE(rows == n.layers.size() + 1);
  REQUIRE_THAT(last, StartsWith("total,,,1000,1,1,") && Contains(",11689512,"));
}

TEST_CASE("cnncalc model --input changes the input where the network allows it", "[cnncalc]") {
  const Result r = run_cnncalc({"model", "resnet50", "--input", "256x256", "--format", "csv"});
  REQUIRE(r.status == 0);
  REQUIRE_THAT(r.out, Contains("avgpool,,global avg pool,2048,1,1,"));
  const Result refused = run_cnncalc({"model", "alexnet", "--input", "224x224x3"});
  REQUIRE(refused.status == 1);
  REQUIRE_THAT(refused.err, Contains("conv1: (W - F + 2P) = 213 is not divisible by stride S = 4") &&
                                Contains("nearest inputs that fit: 223x223x3, 227x227x3"));
}

TEST_CASE("cnncalc model --output writes a file, models lists every name", "[cnncalc]") {
  const auto path = std::filesystem::temp_directory_path() / "cnncalc_test_lenet5.csv";
  const Result r = run_cnncalc({"model", "lenet5", "--format", "csv", "--output", path.string()});
  REQUIRE(r.status == 0);
  REQUIRE(r.out.empty());
  std::ifstream file(path);
  std::string header;
  std::getline(file, header);
  REQUIRE_THAT(header, StartsWith("layer,part_of,type"));
  std::filesystem::remove(path);

  const Result models = run_cnncalc({"models"});
  REQUIRE(models.status == 0);
  for (const auto& name : cnn::zoo::names()) REQUIRE_THAT(models.out, Contains(name));
  REQUIRE_THAT(models.out, Contains("138,357,544"));
}

TEST_CASE("help: the program and every command list their options with examples, exit status 0", "[cnncalc]") {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"--help"}, {"-h"}, {"help"}, {"help", "conv"}, {"conv", "--help"},
                                             {"pool", "-h"}, {"fc", "--help"}, {"model", "--help"},
                                             {"models", "--help"}, {"diff", "--help"}, {"quiz", "-h"}}) {
    INFO(args[0] << (args.size() > 1 ? " " + args[1] : ""));
    const Result r = run_cnncalc(args);
    REQUIRE(r.status == 0);
    REQUIRE(r.err.empty());
    REQUIRE_THAT(r.out, Contains("usage: cnncalc") && Contains("cnncalc "));
    REQUIRE_THAT(r.out, Contains("examples:") || Contains("commands:"));
  }
  REQUIRE_THAT(run_cnncalc({"conv", "--help"}).out, Contains("--stride S") && Contains("--groups G") && Contains("examples:"));
}

TEST_CASE("unknown flags, bad values and missing options: usage on stderr, exit status 2", "[cnncalc][errors]") {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{}, "no command given"},
      {{"convolve"}, "unknown command 'convolve'"},
      {{"--verbose"}, "unknown option '--verbose'"},
      {{"conv", "--input", "32x32x3", "--filters", "6", "--size", "5", "--bogus"}, "unknown option '--bogus'"},
      {{"conv", "--input", "32x32x3", "--filters", "six", "--size", "5"}, "--filters expects a whole number"},
      {{"conv", "--input", "32x32x3", "--filters", "-6", "--size", "5"}, "--filters must be at least 1, got -6"},
      {{"conv", "--input", "32x32x3", "--filters", "6", "--size", "5", "--pad", "-1"}, "--pad must be 0 or more, got -1"},
      {{"conv", "--input", "32x32x3", "--filters", "6", "--size", "5", "--round", "up"}, "--round must be exact"},
      {{"model", "lenet5", "--batch", "0"}, "--batch must be at least 1"},
      {{"model", "lenet5", "--batch", "8", "--rule", "adamw"}, "unknown update rule 'adamw'"},
      {{"model", "lenet5", "--rule", "adam"}, "--rule goes with --batch N"},
      {{"models", "--format", "net"}, "--format must be table, md, csv, got 'net'"},
      {{"diff", "lenet5"}, "diff takes two networks"},
      {{"diff", "lenet5", "lenet9"}, "no model named 'lenet9'"},
      {{"quiz", "lenet5", "--questions", "0"}, "--questions must be at least 1"},
      {{"conv", "--input", "32x32x3", "--filters", "0", "--size", "5"}, "--filters must be at least 1"},
      {{"conv", "--input", "32x32x3", "--filters", "6", "--size", "5", "--stride", "0"}, "--stride must be at least 1"},
      {{"conv", "--input", "32x32", "--filters", "6", "--size", "5"}, "--input expects WxHxD"},
      {{"conv", "--input", "32x32x3", "--size", "5"}, "option --filters is required"},
      {{"conv", "--input", "32x32x3", "--filters", "6", "--size", "5", "--size", "3"}, "option --size given twice"},
      {{"conv", "--input", "32x32x3", "--filters", "6", "--size"}, "option --size needs a value"},
      {{"conv", "--input", "32x32x3", "--filters", "6", "--size", "5", "extra"}, "unexpected argument 'extra'"},
      {{"conv", "--input", "32x32x3", "--filters", "6", "--size", "5", "--no-bias=yes"}, "takes no value"},
      {{"conv", "--input", "99999999x32x3", "--filters", "6", "--size", "5"}, "at most 1,000,000"},
      {{"pool", "--input", "8x8x1", "--size", "2", "--kind", "median"}, "--kind must be max or avg"},
      {{"fc", "--input", "6x6x256"}, "option --outputs is required"},
      {{"model"}, "which model?"},
      {{"model", "vgg17"}, "no model named 'vgg17'"},
      {{"model", "vgg16", "--format", "xml"}, "--format must be table, md, csv or net"},
      {{"model", "vgg16", "--input", "224"}, "--input expects WxHxD"},
      {{"models", "--all"}, "unknown option '--all'"},
      {{"help", "nothing"}, "unknown command 'nothing'"},
  };
  for (const auto& c : cases) {
    std::string joined;
    for (const auto& a : c.args) joined += a + " ";
    INFO("cnncalc " << joined);
    const Result r = run_cnncalc(c.args);
    REQUIRE(r.status == 2);
    REQUIRE(r.out.empty());
    REQUIRE_THAT(r.err, Contains(c.message) && Contains("--help lists the options)"));
    REQUIRE(std::count(r.err.begin(), r.err.end(), '\n') == 2);  // the mistake, and where the help is
  }
}

TEST_CASE("parse_volume reads W x H x D, parse_count reads plain whole numbers", "[cnncalc]") {
  const cnn::arch::Shape s = cnncalc::parse_volume("227x225x3", "t");
  REQUIRE(s == cnn::arch::Shape{3, 225, 227});  // stored (C, H, W)
  REQUIRE(cnncalc::parse_volume("64x32", "t", true, 48) == cnn::arch::Shape{48, 32, 64});
  REQUIRE(cnncalc::parse_volume("9216", "t", false, 0, true) == cnn::arch::Shape{9216, 1, 1});
  REQUIRE_THROWS_AS(cnncalc::parse_volume("32x32x", "t"), cnncalc::usage_error);
  REQUIRE_THROWS_AS(cnncalc::parse_volume("32x0x3", "t"), cnncalc::usage_error);
  REQUIRE(cnncalc::parse_count("17", "--n", 0, "t") == 17);
  REQUIRE_THROWS_AS(cnncalc::parse_count("+17", "--n", 0, "t"), cnncalc::usage_error);
  REQUIRE_THROWS_AS(cnncalc::parse_count("1e3", "--n", 0, "t"), cnncalc::usage_error);
  REQUIRE_THROWS_AS(cnncalc::parse_count("", "--n", 0, "t"), cnncalc::usage_error);
}

TEST_CASE("cnncalc model FILE: the table of a network file; --format net writes one that reads back", "[cnncalc][netfile]") {
  const testing::Scratch scratch;
  const std::string path = scratch.file("lenet.net");
  const Result written = run_cnncalc({"model", "lenet5", "--format", "net", "--output", path});
  REQUIRE(written.status == 0);
  const Result from_file = run_cnncalc({"model", path});
  const Result from_name = run_cnncalc({"model", "lenet5"});
  REQUIRE(from_file.status == 0);
  REQUIRE(from_file.out == from_name.out);  // the same table, title and reference included
  // a broken file: exit status 1, the file, line and column
  {
    std::ofstream f(scratch.file("broken.net"));
    f << "input 32x32x3\nconv K=6 F=5\nmaxpool F=two\n";
  }
  const Result broken = run_cnncalc({"model", scratch.file("broken.net")});
  REQUIRE(broken.status == 1);
  REQUIRE_THAT(broken.err, Contains("broken.net:3:11: maxpool: F must be a whole number"));
  // a file that reads but does not fit: exit status 1 with the layer's arithmetic
  {
    std::ofstream f(scratch.file("tile.net"));
    f << "input 7x7x1\nconv odd K=1 F=3 S=3\n";
  }
  const Result tile = run_cnncalc({"model", scratch.file("tile.net")});
  REQUIRE(tile.status == 1);
  REQUIRE_THAT(tile.err, Contains("odd: (W - F + 2P) = 4 is not divisible by stride S = 3"));
}

TEST_CASE("cnncalc model --batch: training memory per layer and in total, MB of float64", "[cnncalc][memory]") {
  const Result r = run_cnncalc({"model", "lenet5-fashion", "--batch", "64", "--rule", "adam"});
  REQUIRE(r.status == 0);
  // by hand: 8 bytes x (4 x 61,706 + 64 x (784 + 14,612 - 6,508 in place)) = 8 x 815,656 = 6,525,248 bytes
  REQUIRE_THAT(r.out, Contains("train MB") && Contains("--batch 64 --rule adam") && Contains("total        6.53 MB") &&
                          Contains("rule state   adam keeps 2 values per parameter: 0.99 MB"));
  const Result csv = run_cnncalc({"model", "lenet5-fashion", "--batch", "64", "--rule", "adam", "--format", "csv"});
  REQUIRE_THAT(csv.out, Contains(",train_bytes\n") && EndsWith(",6525248\n"));
}

TEST_CASE("cnncalc model at another input says what changed in the parameters, and why", "[cnncalc]") {
  const Result depth = run_cnncalc({"model", "lenet5-fashion", "--input", "28x28x3"});
  REQUIRE(depth.status == 0);
  // conv1 sees 3 maps instead of 1: 6 x 5 x 5 x 2 = 300 more weights
  REQUIRE_THAT(depth.out, Contains("61,706 parameters there, 62,006 here, since the first layer's filters follow "
                                   "the input's depth"));
  const Result size = run_cnncalc({"model", "lenet5", "--input", "36x36"});
  REQUIRE_THAT(size.out, Contains("fully connected layers take the D = C*H*W that reaches them"));
  const Result same = run_cnncalc({"model", "resnet18", "--input", "256x256"});
  REQUIRE_THAT(same.out, Contains("the same 11,689,512 parameters"));
}

TEST_CASE("cnncalc conv and pool --round: floor as PyTorch, ceil as Caffe (ZFNet's 110 and 55)", "[cnncalc]") {
  const Result conv = run_cnncalc({"conv", "--input", "224x224x3", "--filters", "96", "--size", "7", "--stride", "2",
                                   "--pad", "1", "--round", "floor"});
  REQUIRE(conv.status == 0);
  REQUIRE_THAT(conv.out, Contains("(224 - 7 + 2*1)/2 + 1 = 219/2 + 1 = 110 (rounded down)") && Contains("110x110x96"));
  const Result pool = run_cnncalc({"pool", "--input", "110x110x96", "--size", "3", "--stride", "2", "--round", "ceil"});
  REQUIRE(pool.status == 0);
  REQUIRE_THAT(pool.out, Contains("= 55 (rounded up)") && Contains("this pooling rounds up"));
}

TEST_CASE("cnncalc models --format csv: one row per zoo model, plain integers", "[cnncalc][csv]") {
  const Result r = run_cnncalc({"models", "--format", "csv"});
  REQUIRE(r.status == 0);
  REQUIRE_THAT(r.out, StartsWith("name,in_c,in_h,in_w,parameters,mult_adds,title\n") &&
                          Contains("\nvgg16,3,224,224,138357544,15470264320,\"VGG-16"));
  REQUIRE(static_cast<std::size_t>(std::count(r.out.begin(), r.out.end(), '\n')) == cnn::zoo::names().size() + 1);
}

TEST_CASE("cnncalc model NAME shows an auxiliary classifier's own output beside the main path's", "[cnncalc]") {
  const Result r = run_cnncalc({"model", "googlenet-aux"});
  REQUIRE_THAT(r.out, Contains("14x14x512, side 1x1x1000"));
}

TEST_CASE("cnncalc diff: AlexNet -> ZFNet, layer by layer", "[cnncalc][diff]") {
  const Result r = run_cnncalc({"diff", "alexnet", "zfnet"});
  REQUIRE(r.status == 0);
  REQUIRE_THAT(r.out, Contains("K=96 F=11 S=4 P=0 -> K=96 F=7 S=2 P=1 round=floor") &&
                          Contains("55x55x96 -> 110x110x96") &&
                          // conv1's parameters by hand: 96 x (11*11*3 + 1) = 34,944 and 96 x (7*7*3 + 1) = 14,208
                          Contains("34,944 -> 14,208 (-20,736)") &&
                          Contains("K=384 F=3 S=1 P=1 -> K=1024 F=3 S=1 P=1") &&
                          Contains("total parameters  62,378,344 -> 107,627,624 (+45,249,280)") &&
                          Contains("layers unchanged"));
  const Result v15 = run_cnncalc({"diff", "resnet50", "resnet50-v1.5"});
  REQUIRE(v15.status == 0);
  REQUIRE_THAT(v15.out, Contains("conv3_1") && Contains("stride in 3x3") && Contains("(+77,070,336)") &&
                            Contains("total parameters  25,557,032\n"));
  const Result same = run_cnncalc({"diff", "lenet5", "lenet5"});
  REQUIRE_THAT(same.out, Contains("12 layers unchanged"));
}

TEST_CASE("cnncalc quiz asks, reads answers from its input, and explains a wrong one", "[cnncalc][quiz]") {
  // --seed 0 starts at conv1: its output, its parameters, then pool1's output, conv2's output
  const Result r = run_cnncalc({"quiz", "lenet5", "--seed", "0"}, "28x28x6\n456\n14 x 14 x 6\n\n");
  REQUIRE(r.status == 0);
  REQUIRE_THAT(r.out, Contains("1. conv1: conv K=6 F=5 S=1 P=0 on an input of 32x32x1.") &&
                          Contains("right: 28x28x6") &&
                          Contains("not quite: it is 156") &&  // 6 x (5*5*1 + 1): one input map, not three
                          Contains("F*F*D1 = 5*5*1 = 25 weights per filter") &&
                          Contains("right: 14x14x6") && Contains("skipped: it is 10x10x16") &&
                          Contains("(14 - 5 + 2*0)/1 + 1") && Contains("score: 2 of 4"));
  const Result short_input = run_cnncalc({"quiz", "lenet5", "--questions", "3"}, "156\n");
  REQUIRE_THAT(short_input.out, Contains("(no more answers)") && Contains("score: 1 of 1"));
}
