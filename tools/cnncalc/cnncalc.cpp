// cnncalc: argument parsing and the five commands; see cnncalc.hpp.
#include "cnncalc.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <iostream>
#include <span>
#include <iomanip>
#include <map>
#include <ostream>
#include <sstream>
#include <unistd.h>

#include "io/cli.hpp"
#include "core/errors.hpp"
#include "io/files.hpp"
#include "calculator/netfile.hpp"
#include "calculator/zoo.hpp"

namespace cnncalc {

namespace arch = cnn::arch;

namespace {

constexpr std::size_t kMaxCount = 1'000'000;
constexpr double kMaxProduct = 1e17;  // counts stay far below 2^64

const char* kProgramHelp = R"(cnncalc: output sizes, parameters, memory and multiply-adds of conv layers and whole networks

usage: cnncalc <command> [options]        cnncalc <command> --help for its options

commands:
  conv     one convolutional layer          cnncalc conv --input 32x32x3 --filters 6 --size 5
  pool     one pooling layer                cnncalc pool --input 224x224x64 --size 2 --stride 2
  fc       one fully connected layer        cnncalc fc --input 6x6x256 --outputs 4096
  model    a network, per layer             cnncalc model vgg16 --format md, cnncalc model my_net.txt
  models   the names of the zoo's networks  cnncalc models
  diff     two networks, layer by layer     cnncalc diff alexnet zfnet
  quiz     questions on a network's layers  cnncalc quiz lenet5
  help     this text, or a command's        cnncalc help conv

Volumes are written W x H x D (width x height x depth) as in the lecture: 227x227x3.
Conventions: output size (W - F + 2P)/S + 1, refused when a convolution does not tile, rounded down for
pooling; activations are the elements of every layer's output (the input image is not counted); memory in
float32 and float64 bytes, backward pass about twice the forward; multiply-adds count the products w*x of
convolutions and fully connected layers, not the bias additions (FLOPs: 2 per multiply-add + 1 per bias
addition + element-wise layers).

A network is a name of the zoo or a network file, one layer a line (cnncalc model NAME --format net writes
one; the calculator page of the docs describes the format).

exit status: 0 success, 1 a layer does not fit its input (the arithmetic is shown) or a network file is
broken (its line and column are shown), 2 usage error, 3 the output file could not be written
)";

const char* kConvHelp = R"(usage: cnncalc conv --input WxHxD --filters K --size F [--stride S] [--pad P] [--groups G] [--no-bias]
                    [--round exact|floor|ceil] [--output FILE]

One convolutional layer: K filters of F x F x D at stride S with zero padding P. Prints the output volume
(W2 = (W1 - F + 2P)/S + 1), parameters (weights and biases), activations, multiply-adds, FLOPs and the im2col
workspace, each with its arithmetic. A configuration that does not tile is refused (exit status 1) with the
arithmetic and the nearest paddings and strides that would work.

options:
  --input WxHxD   input volume W1 x H1 x D1, e.g. 32x32x3
  --filters K     number of filters: the output depth D2
  --size F        filters are F x F (x D1)
  --stride S      step between receptive fields (default 1)
  --pad P         zeros added on each side (default 0)
  --groups G      G groups: each filter sees D1/G input maps, as AlexNet's two GPUs (default 1)
  --no-bias       no bias vector (a batch norm follows)
  --round R       exact (default: refuse sizes that do not tile, the lecture's rule), floor (PyTorch) or ceil
  --output FILE   write to FILE instead of the standard output
  -h, --help      this text

examples:
  cnncalc conv --input 32x32x3 --filters 6 --size 5                # 28x28x6, 456 parameters
  cnncalc conv --input 32x32x3 --filters 10 --size 5 --pad 2       # 32x32x10, 760 parameters
  cnncalc conv --input 227x227x3 --filters 96 --size 11 --stride 4 # AlexNet conv1: 55x55x96
  cnncalc conv --input 7x7x1 --filters 1 --size 3 --stride 3       # refused: (7 - 3) is not divisible by 3
  cnncalc conv --input 224x224x3 --filters 96 --size 7 --stride 2 --pad 1 --round floor   # ZFNet conv1: 110
)";

const char* kPoolHelp = R"(usage: cnncalc pool --input WxHxD --size F [--stride S] [--pad P] [--kind max|avg]
                    [--round floor|ceil|exact] [--output FILE]

One pooling layer: an F x F window at stride S over every map separately; no parameters. The output size
(W - F + 2P)/S + 1 is rounded down when the windows do not tile (as PyTorch does), or up with --round ceil
(as Caffe does).

options:
  --input WxHxD   input volume, e.g. 224x224x64
  --size F        window F x F
  --stride S      step between windows (default F)
  --pad P         padding on each side, at most F/2 (default 0)
  --kind K        max (default) or avg
  --round R       floor (default), ceil or exact (refuse sizes that do not tile)
  --output FILE   write to FILE instead of the standard output
  -h, --help      this text

examples:
  cnncalc pool --input 224x224x64 --size 2 --stride 2   # 112x112x64
  cnncalc pool --input 55x55x96 --size 3 --stride 2     # AlexNet pool1: 27x27x96
  cnncalc pool --input 7x7x1 --size 2 --kind avg        # 3x3x1, rounded down from 3.5
  cnncalc pool --input 110x110x96 --size 3 --stride 2 --round ceil   # ZFNet pool1: 55, rounded up from 54.5
)";

const char* kFcHelp = R"(usage: cnncalc fc --input WxHxD --outputs M [--no-bias] [--output FILE]

One fully connected layer: the input is flattened to D = W*H*D numbers, every output sees all of them.

options:
  --input WxHxD   input volume, e.g. 6x6x256, or the number D itself
  --outputs M     number of outputs
  --no-bias       no bias vector
  --output FILE   write to FILE instead of the standard output
  -h, --help      this text

examples:
  cnncalc fc --input 6x6x256 --outputs 4096   # AlexNet fc6: 37,752,832 parameters
  cnncalc fc --input 7x7x512 --outputs 4096   # VGG-16 fc6: about 103M parameters
  cnncalc fc --input 84 --outputs 10          # LeNet-5's last layer: 850 parameters
)";

const char* kModelHelp = R"(usage: cnncalc model NAME|FILE [--input WxHxD] [--format table|md|csv|net] [--expand]
                     [--batch N] [--rule R] [--output FILE]

A network of the zoo (cnncalc models lists the names) or of a network file, one row per layer: name, type,
configuration, input and output volumes, receptive field (RF: the output sees RF x RF input pixels) and jump
(input pixels between neighbouring outputs), parameters, activations, multiply-adds, im2col workspace (rows x
columns of X_col), then a total row (sums; for im2col the largest, since one buffer serves every layer in
turn) and the conventions.

options:
  --input WxHxD   another input volume (WxH keeps the depth); a layer that no longer fits is refused with
                  its arithmetic; fully connected layers take whatever reaches them
  --format F      table (default, aligned text), md (Markdown) or csv (a header row, one row per layer, the
                  total row last, plain integers; columns: layer, part_of, type, out_c, out_h, out_w,
                  weights, biases, parameters, activations, in_place, mult_adds, flops, im2col_rows,
                  im2col_cols, im2col, in_c, in_h, in_w, rf, jump[, train_bytes]), or net (the network
                  file that describes it: edit it and give it back to cnncalc model, or to train --model)
  --expand        also list the layers inside inception modules and residual blocks (part_of names the
                  block, whose own row already includes them)
  --batch N       also estimate the memory to train with minibatches of N: parameters, gradients, the update
                  rule's state, and the activations kept for the backward pass, per layer and in total (MB of
                  float64, as cnnlab trains)
  --rule R        the update rule for --batch: sgd, momentum (default), nesterov, adagrad, rmsprop, adam,
                  adadelta
  --output FILE   write to FILE instead of the standard output
  -h, --help      this text

examples:
  cnncalc model alexnet
  cnncalc model lenet5 --format net > my_net.txt; cnncalc model my_net.txt
  cnncalc model lenet5-fashion --batch 64 --rule adam
  cnncalc model vgg16 --format md
  cnncalc model resnet50 --format csv --output resnet50.csv
  cnncalc model googlenet --expand
  cnncalc model resnet18 --input 256x256
)";

const char* kModelsHelp = R"(usage: cnncalc models [--format table|md|csv] [--output FILE]

The names of the zoo's networks, with their input volume, parameter count and source.

options:
  --format F      table (default), md (a Markdown table with multiply-adds and the published figure matched)
                  or csv (name, in_c, in_h, in_w, parameters, mult_adds, title)
  --output FILE   write to FILE instead of the standard output
  -h, --help      this text

examples:
  cnncalc models
  cnncalc models --format md
)";

const char* kDiffHelp = R"(usage: cnncalc diff A B [--output FILE]

Two networks (zoo names or network files) side by side, layer by layer, matched by name: what changed in
each layer's configuration and what it did to its output, parameters and multiply-adds; layers only in A
(removed) or only in B (added); then the totals. Unchanged layers are counted, not listed.

options:
  --output FILE   write to FILE instead of the standard output
  -h, --help      this text

examples:
  cnncalc diff alexnet zfnet                # ZFNet's changes to AlexNet
  cnncalc diff resnet50 resnet50-v1.5       # where the stride sits, and what it costs
  cnncalc diff lenet5 my_net.txt
)";

const char* kQuizHelp = R"(usage: cnncalc quiz [NAME|FILE] [--questions N] [--seed S]

Questions on a network's layers (default lenet5): the output volume of a conv or pool layer, the parameters
of a conv or fully connected layer. Type the answer (a volume as WxHxD, e.g. 28x28x6; a count as digits,
commas allowed) and press Enter; a wrong answer is explained with the arithmetic. Reads the answers from the
standard input, so a file of answers works too: cnncalc quiz alexnet < answers.txt

options:
  --questions N   how many questions (default 4)
  --seed S        which layer to start from (default 1); the same seed asks the same questions
  -h, --help      this text

examples:
  cnncalc quiz
  cnncalc quiz alexnet --questions 6
  cnncalc quiz my_net.txt --seed 3
)";

// --- options ---------------------------------------------------------------------------------------------

// The shared command-line parser (src/io/cli.hpp); its usage errors become cnncalc's, which know the
// command whose help to print.
using Flag = cnn::cli::Flag;
using Parsed = cnn::cli::Parsed;

Parsed parse_flags(const std::string& command, const std::vector<std::string>& args, std::size_t from,
                   const std::vector<Flag>& flags) {
  try {
    return cnn::cli::parse(std::span<const std::string>(args).subspan(std::min(from, args.size())), flags);
  } catch (const cnn::cli::usage_error& e) {
    throw usage_error(command, e.what());
  }
}

void require(const Parsed& p, const std::string& command, std::initializer_list<const char*> flags) {
  for (const char* f : flags)
    if (!p.has(f)) throw usage_error(command, std::string("option ") + f + " is required");
}

void no_positional(const Parsed& p, const std::string& command) {
  if (!p.positional.empty()) throw usage_error(command, "unexpected argument '" + p.positional.front() + "'");
}

std::size_t count_or(const Parsed& p, const std::string& flag, std::size_t fallback, std::size_t min,
                     const std::string& command) {
  return p.has(flag) ? parse_count(p.get(flag), flag, min, command) : fallback;
}

// --round exact|floor|ceil, or `fallback`.
cnn::Rounding rounding_or(const Parsed& p, cnn::Rounding fallback, const std::string& command) {
  if (!p.has("--round")) return fallback;
  const std::string& r = p.get("--round");
  if (r == "exact") return cnn::Rounding::exact;
  if (r == "floor") return cnn::Rounding::floor;
  if (r == "ceil") return cnn::Rounding::ceil;
  throw usage_error(command, "--round must be exact, floor or ceil, got '" + r + "'");
}

void check_product(double product, const std::string& command) {
  if (product > kMaxProduct) throw usage_error(command, "these sizes are too large to count in 64-bit integers");
}

// Writes a command's result to --output FILE when given (whole or not at all: an old file stays as it was
// when the new one cannot be written), else to `out`.
int deliver(const Parsed& p, const std::string& text, std::ostream& out, std::ostream& err) {
  if (!p.has("--output")) {
    out << text;
    return exit_ok;
  }
  try {
    cnn::write_file_atomically(p.get("--output"), "cnncalc", [&](std::ostream& file) { file << text; });
  } catch (const cnn::io_error& e) {
    err << e.what() << "\n";
    return exit_write;
  }
  return exit_ok;
}

// --- refusals ---------------------------------------------------------------------------------------------

std::string tiling_hint(const arch::Shape& in, const arch::Conv& c) {
  const arch::TilingAdvice advice = arch::tiling_advice({in.w, in.h}, c.size, c.stride, c.pad);
  auto result = [&](std::size_t s, std::size_t p) {
    arch::Conv alt = c;
    alt.stride = s;
    alt.pad = p;
    return arch::to_string(arch::analyze(alt, in).output);
  };
  std::ostringstream os;
  if (!advice.pads.empty()) {
    os << "  nearest paddings at S = " << c.stride << ":";
    for (std::size_t i = 0; i < advice.pads.size(); ++i)
      os << (i ? "," : "") << " P = " << advice.pads[i] << " gives " << result(c.stride, advice.pads[i]);
    os << "\n";
  } else if (c.stride % 2 == 0 && in.w + 2 * c.pad >= c.size && in.h + 2 * c.pad >= c.size) {
    arch::Conv floor = c;
    floor.rounding = cnn::Rounding::floor;
    os << "  no padding tiles at S = " << c.stride << ": (W - F) is odd and 2P is even; PyTorch and Caffe round "
       << "down instead, to " << arch::to_string(arch::analyze(floor, in).output)
       << " (the last row and column of padding are never read)\n";
  }
  if (!advice.strides.empty()) {
    os << "  nearest strides at P = " << c.pad << ":";
    for (std::size_t i = 0; i < advice.strides.size(); ++i)
      os << (i ? "," : "") << " S = " << advice.strides[i] << " gives " << result(advice.strides[i], c.pad);
    os << "\n";
  }
  return os.str();
}

// Square inputs near a refused one that the whole network accepts.
std::string input_hint(const arch::Architecture& net, const arch::Shape& in) {
  if (in.w != in.h) return "";
  std::vector<std::string> found;
  for (int dir : {-1, 1}) {
    for (std::size_t d = 1; d <= 64; ++d) {
      if (dir < 0 && d >= in.w) break;
      const std::size_t n = dir < 0 ? in.w - d : in.w + d;
      try {
        arch::analyze(net, arch::Shape{in.c, n, n});
        found.push_back(arch::to_string(arch::Shape{in.c, n, n}));
        break;
      } catch (const cnn::error&) {
      }
    }
  }
  if (found.empty()) return "";
  std::string s = "  nearest inputs that fit:";
  for (std::size_t i = 0; i < found.size(); ++i) s += (i ? ", " : " ") + found[i];
  return s + "\n";
}

// --- commands ---------------------------------------------------------------------------------------------

int cmd_conv(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const std::string cmd = "conv";
  const Parsed p = parse_flags(cmd, args, 1,
                               {{"--input", true}, {"--filters", true}, {"--size", true}, {"--stride", true},
                                {"--pad", true}, {"--groups", true}, {"--no-bias", false},
                                {"--round", true}, {"--output", true}});
  if (p.help) {
    out << help(cmd);
    return exit_ok;
  }
  no_positional(p, cmd);
  require(p, cmd, {"--input", "--filters", "--size"});
  const arch::Shape in = parse_volume(p.get("--input"), cmd);
  arch::Conv c{.name = "conv",
               .filters = parse_count(p.get("--filters"), "--filters", 1, cmd),
               .size = parse_count(p.get("--size"), "--size", 1, cmd),
               .stride = count_or(p, "--stride", 1, 1, cmd),
               .pad = count_or(p, "--pad", 0, 0, cmd),
               .groups = count_or(p, "--groups", 1, 1, cmd),
               .bias = !p.has("--no-bias"),
               .rounding = rounding_or(p, cnn::Rounding::exact, cmd)};
  const double padded = static_cast<double>(in.w + 2 * c.pad) * static_cast<double>(in.h + 2 * c.pad);
  check_product(padded * static_cast<double>(in.c) * static_cast<double>(c.size * c.size) *
                    static_cast<double>(c.filters),
                cmd);
  try {
    return deliver(p, arch::explain(c, in), out, err);
  } catch (const cnn::shape_error& e) {
    err << "cnncalc: " << e.what() << "\n";
    if (in.c % c.groups == 0 && c.filters % c.groups == 0) err << tiling_hint(in, c);
    return exit_refused;
  } catch (const cnn::error& e) {
    err << "cnncalc: " << e.what() << "\n";
    return exit_refused;
  }
}

int cmd_pool(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const std::string cmd = "pool";
  const Parsed p = parse_flags(cmd, args, 1, {{"--input", true}, {"--size", true}, {"--stride", true},
                                              {"--pad", true}, {"--kind", true}, {"--round", true},
                                              {"--output", true}});
  if (p.help) {
    out << help(cmd);
    return exit_ok;
  }
  no_positional(p, cmd);
  require(p, cmd, {"--input", "--size"});
  const arch::Shape in = parse_volume(p.get("--input"), cmd);
  arch::Pool pool{.name = "pool"};
  pool.size = parse_count(p.get("--size"), "--size", 1, cmd);
  pool.stride = count_or(p, "--stride", pool.size, 1, cmd);
  pool.pad = count_or(p, "--pad", 0, 0, cmd);
  pool.rounding = rounding_or(p, cnn::Rounding::floor, cmd);
  if (p.has("--kind")) {
    const std::string& k = p.get("--kind");
    if (k == "max")
      pool.kind = arch::PoolKind::max;
    else if (k == "avg" || k == "average")
      pool.kind = arch::PoolKind::average;
    else
      throw usage_error(cmd, "--kind must be max or avg, got '" + k + "'");
  }
  check_product(static_cast<double>(in.size()) * static_cast<double>(pool.size * pool.size), cmd);
  try {
    return deliver(p, arch::explain(pool, in), out, err);
  } catch (const cnn::error& e) {
    err << "cnncalc: " << e.what() << "\n";
    return exit_refused;
  }
}

int cmd_fc(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const std::string cmd = "fc";
  const Parsed p = parse_flags(cmd, args, 1, {{"--input", true}, {"--outputs", true}, {"--no-bias", false},
                                              {"--output", true}});
  if (p.help) {
    out << help(cmd);
    return exit_ok;
  }
  no_positional(p, cmd);
  require(p, cmd, {"--input", "--outputs"});
  const arch::Shape in = parse_volume(p.get("--input"), cmd, false, 0, true);
  const arch::FullyConnected fc{.name = "fc", .outputs = parse_count(p.get("--outputs"), "--outputs", 1, cmd),
                                .bias = !p.has("--no-bias")};
  check_product(static_cast<double>(in.size()) * static_cast<double>(fc.outputs), cmd);
  try {
    return deliver(p, arch::explain(fc, in), out, err);
  } catch (const cnn::error& e) {
    err << "cnncalc: " << e.what() << "\n";
    return exit_refused;
  }
}

// A zoo name or a network file; a name that is neither is a usage error, a broken file is refused (exit 1).
arch::Architecture load_network(const std::string& what, const std::string& command) {
  try {
    return cnn::model_or_file(what);
  } catch (const cnn::value_error& e) {
    if (e.function() == "model_or_file") throw usage_error(command, e.what());
    throw;
  }
}

arch::TableFormat table_format(const Parsed& p, const std::string& command, bool allow_net, bool& net) {
  net = false;
  if (!p.has("--format")) return arch::TableFormat::text;
  const std::string& f = p.get("--format");
  if (f == "table" || f == "text") return arch::TableFormat::text;
  if (f == "md" || f == "markdown") return arch::TableFormat::markdown;
  if (f == "csv") return arch::TableFormat::csv;
  if (allow_net && f == "net") {
    net = true;
    return arch::TableFormat::text;
  }
  throw usage_error(command, std::string("--format must be table, md, csv") + (allow_net ? " or net" : "") +
                                 ", got '" + f + "'");
}

// What changes when a network is walked from another input than the one it was published for.
std::string other_input_note(const arch::Architecture& net, const arch::NetworkStats& here) {
  std::ostringstream os;
  os << " (published for " << arch::to_string(net.input);
  try {
    const arch::NetworkStats there = arch::analyze(net);
    const std::size_t a = there.total.parameters(), b = here.total.parameters();
    if (a == b)
      os << "; the same " << arch::with_commas(b) << " parameters: " << net.reference;
    else
      os << ": " << arch::with_commas(a) << " parameters there, " << arch::with_commas(b) << " here, since "
         << (net.input.c != here.input.c ? "the first layer's filters follow the input's depth"
                                          : "fully connected layers take the D = C*H*W that reaches them");
  } catch (const cnn::error&) {
  }
  os << ")";
  return os.str();
}

int cmd_model(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const std::string cmd = "model";
  const Parsed p = parse_flags(cmd, args, 1, {{"--input", true}, {"--format", true}, {"--expand", false},
                                              {"--batch", true}, {"--rule", true}, {"--output", true}});
  if (p.help) {
    out << help(cmd);
    return exit_ok;
  }
  if (p.positional.empty()) throw usage_error(cmd, "which model? (cnncalc models lists them, or give a network file)");
  if (p.positional.size() > 1) throw usage_error(cmd, "one model at a time, got '" + p.positional[1] + "' too");
  bool as_net = false;
  const arch::TableFormat format = table_format(p, cmd, true, as_net);
  arch::TrainingSetup train;
  train.batch = count_or(p, "--batch", 0, 1, cmd);
  if (p.has("--rule")) {
    if (!p.has("--batch")) throw usage_error(cmd, "--rule goes with --batch N (the training-memory estimate)");
    train.rule = p.get("--rule");
    try {
      (void)arch::rule_state_per_parameter(train.rule);
    } catch (const cnn::value_error& e) {
      throw usage_error(cmd, e.what());
    }
  }
  arch::Architecture net = load_network(p.positional[0], cmd);
  const arch::Shape in = p.has("--input") ? parse_volume(p.get("--input"), cmd, true, net.input.c) : net.input;
  check_product(static_cast<double>(in.size()) * 1e5, cmd);
  if (as_net) {
    net.input = in;
    return deliver(p, cnn::format_net(net), out, err);
  }

  arch::NetworkStats stats;
  try {
    stats = arch::analyze(net, in);
  } catch (const cnn::error& e) {
    err << "cnncalc: " << net.name << " at " << arch::to_string(in) << ": " << e.what() << "\n" << input_hint(net, in);
    return exit_refused;
  }

  std::ostringstream text;
  const std::string input_line = "input " + arch::to_string(in) +
                                 (in == net.input ? "; " + net.reference : other_input_note(net, stats));
  if (format == arch::TableFormat::text) text << net.name << ": " << net.title << "\n" << input_line << "\n\n";
  if (format == arch::TableFormat::markdown) text << "**" << net.name << "**: " << net.title << "; " << input_line << "\n\n";
  text << arch::format_table(stats, format, p.has("--expand"), train);
  if (format != arch::TableFormat::csv) {
    text << "\n" << arch::format_summary(stats, format);
    if (train.batch > 0) text << arch::format_training_memory(stats, train, format);
  }
  return deliver(p, text.str(), out, err);
}

int cmd_models(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const std::string cmd = "models";
  const Parsed p = parse_flags(cmd, args, 1, {{"--format", true}, {"--output", true}});
  if (p.help) {
    out << help(cmd);
    return exit_ok;
  }
  no_positional(p, cmd);
  bool as_net = false;
  const arch::TableFormat format = table_format(p, cmd, false, as_net);
  const auto names = cnn::zoo::names();
  std::size_t width = 0;
  for (const auto& n : names) width = std::max(width, n.size());
  std::ostringstream text;
  if (format == arch::TableFormat::markdown)
    text << "| name | input | parameters | mult-adds | network | parameter count matches |\n"
         << "|---|---|---:|---:|---|---|\n";
  if (format == arch::TableFormat::csv) text << "name,in_c,in_h,in_w,parameters,mult_adds,title\n";
  for (const auto& n : names) {
    const arch::Architecture net = cnn::zoo::model(n);
    const arch::NetworkStats s = arch::analyze(net);
    if (format == arch::TableFormat::markdown) {
      text << "| `" << n << "` | " << arch::to_string(net.input) << " | " << arch::with_commas(s.total.parameters())
           << " | " << arch::with_commas(s.total.mult_adds) << " | " << net.title << " | " << net.reference << " |\n";
    } else if (format == arch::TableFormat::csv) {
      std::string title = "\"";
      for (char c : net.title) title += c == '"' ? std::string("\"\"") : std::string(1, c);
      text << n << ',' << net.input.c << ',' << net.input.h << ',' << net.input.w << ',' << s.total.parameters()
           << ',' << s.total.mult_adds << ',' << title << "\"\n";
    } else {
      text << std::left << std::setw(static_cast<int>(width) + 2) << n << std::setw(12) << arch::to_string(net.input)
           << std::right << std::setw(13) << arch::with_commas(s.total.parameters()) << "  " << net.title << "\n";
    }
  }
  return deliver(p, text.str(), out, err);
}

// --- diff -------------------------------------------------------------------------------------------------

// "34,944 -> 14,208 (-20,736)", or "34,944" when equal.
std::string change(std::size_t a, std::size_t b) {
  if (a == b) return arch::with_commas(a);
  std::string text = arch::with_commas(a);
  text += " -> ";
  text += arch::with_commas(b);
  text += b > a ? " (+" : " (-";
  text += arch::with_commas(b > a ? b - a : a - b);
  text += ")";
  return text;
}

std::string change(const std::string& a, const std::string& b) { return a == b ? a : a + " -> " + b; }

// Pairs of row indices (into a and b) matched by name, in order: a longest common subsequence of the names;
// -1 on one side for a layer that only the other network has.
std::vector<std::pair<long, long>> match_by_name(const std::vector<arch::LayerStats>& a,
                                                 const std::vector<arch::LayerStats>& b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::vector<std::size_t>> lcs(n + 1, std::vector<std::size_t>(m + 1, 0));
  for (std::size_t i = n; i-- > 0;)
    for (std::size_t j = m; j-- > 0;)
      lcs[i][j] = a[i].name == b[j].name ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
  std::vector<std::pair<long, long>> pairs;
  std::size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i].name == b[j].name) {
      pairs.push_back({static_cast<long>(i++), static_cast<long>(j++)});
    } else if (j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j])) {
      pairs.push_back({-1, static_cast<long>(j++)});
    } else {
      pairs.push_back({static_cast<long>(i++), -1});
    }
  }
  return pairs;
}

int cmd_diff(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const std::string cmd = "diff";
  const Parsed p = parse_flags(cmd, args, 1, {{"--output", true}});
  if (p.help) {
    out << help(cmd);
    return exit_ok;
  }
  if (p.positional.size() != 2)
    throw usage_error(cmd, "diff takes two networks (zoo names or files), got " + std::to_string(p.positional.size()));
  const arch::Architecture na = load_network(p.positional[0], cmd), nb = load_network(p.positional[1], cmd);
  arch::NetworkStats a, b;
  try {
    a = arch::analyze(na);
    b = arch::analyze(nb);
  } catch (const cnn::error& e) {
    err << "cnncalc: " << e.what() << "\n";
    return exit_refused;
  }
  std::vector<std::vector<std::string>> rows;
  std::size_t same = 0;
  for (const auto& [i, j] : match_by_name(a.layers, b.layers)) {
    if (i < 0) {
      const auto& s = b.layers[static_cast<std::size_t>(j)];
      rows.push_back({s.name, "added: " + s.type + (s.config.empty() ? "" : " " + s.config), to_string(s.output),
                      change(0, s.parameters()), change(0, s.mult_adds)});
    } else if (j < 0) {
      const auto& s = a.layers[static_cast<std::size_t>(i)];
      rows.push_back({s.name, "removed: " + s.type + (s.config.empty() ? "" : " " + s.config), to_string(s.output),
                      change(s.parameters(), 0), change(s.mult_adds, 0)});
    } else {
      const auto& x = a.layers[static_cast<std::size_t>(i)];
      const auto& y = b.layers[static_cast<std::size_t>(j)];
      if (x.type == y.type && x.config == y.config && x.input == y.input && x.output == y.output &&
          x.parameters() == y.parameters() && x.mult_adds == y.mult_adds) {
        ++same;
        continue;
      }
      const std::string what = x.type == y.type ? (x.config == y.config ? (x.config.empty() ? x.type : x.config) + " (same)"
                                                                        : change(x.config, y.config))
                                                : change(x.type + " " + x.config, y.type + " " + y.config);
      rows.push_back({x.name, what, change(to_string(x.output), to_string(y.output)),
                      change(x.parameters(), y.parameters()), change(x.mult_adds, y.mult_adds)});
    }
  }
  std::ostringstream text;
  text << "A: " << na.name << " at " << arch::to_string(a.input) << " (" << na.title << ")\n"
       << "B: " << nb.name << " at " << arch::to_string(b.input) << " (" << nb.title << ")\n\n";
  const std::vector<std::string> header = {"layer", "configuration A -> B", "output", "parameters", "mult-adds"};
  std::vector<std::size_t> width(header.size());
  for (std::size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
  for (const auto& r : rows)
    for (std::size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], r[c].size());
  auto line = [&](const std::vector<std::string>& r) {
    std::string l;
    for (std::size_t c = 0; c < r.size(); ++c) l += r[c] + std::string(width[c] - r[c].size() + 2, ' ');
    l.erase(l.find_last_not_of(' ') + 1);
    text << l << "\n";
  };
  line(header);
  for (const auto& r : rows) line(r);
  text << "\n" << same << " layer" << (same == 1 ? "" : "s") << " unchanged (same configuration, input and output)\n";
  text << "total parameters  " << change(a.total.parameters(), b.total.parameters()) << "\n";
  text << "total mult-adds   " << change(a.total.mult_adds, b.total.mult_adds) << "\n";
  text << "activations       " << change(a.total.activations, b.total.activations) << " per example\n";
  text << "output            " << change(to_string(a.total.output), to_string(b.total.output)) << "\n";
  return deliver(p, text.str(), out, err);
}

// --- quiz -------------------------------------------------------------------------------------------------

// "27x27x256", " 27 x 27 x 256 " -> the volume; false for anything else.
bool read_volume(std::string text, arch::Shape& v) {
  std::string t;
  for (char c : text)
    if (!std::isspace(static_cast<unsigned char>(c))) t += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  try {
    v = parse_volume(t, "quiz");
    return true;
  } catch (const usage_error&) {
    return false;
  }
}

// "34,944", "34944" -> 34944; false for anything else.
bool read_count(const std::string& text, std::size_t& n) {
  std::string t;
  for (char c : text)
    if (!std::isspace(static_cast<unsigned char>(c)) && c != ',' && c != '_') t += c;
  const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
  return !t.empty() && ec == std::errc() && ptr == t.data() + t.size();
}

// The lines of explain()'s text that give `what` ("output" or "parameters"), with their continuation lines.
std::string explanation(const std::string& full, const std::string& what) {
  std::istringstream is(full);
  std::string line, picked;
  bool in = false;
  while (std::getline(is, line)) {
    if (line.rfind("  " + what, 0) == 0)
      in = true;
    else if (line.rfind("  ", 0) != 0 || line.find_first_not_of(' ') < 15)
      in = false;
    if (in) picked += line + "\n";
  }
  return picked;
}

int cmd_quiz(const std::vector<std::string>& args, std::istream& in, std::ostream& out) {
  const std::string cmd = "quiz";
  const Parsed p = parse_flags(cmd, args, 1, {{"--questions", true}, {"--seed", true}});
  if (p.help) {
    out << help(cmd);
    return exit_ok;
  }
  if (p.positional.size() > 1) throw usage_error(cmd, "one network at a time, got '" + p.positional[1] + "' too");
  const arch::Architecture net = load_network(p.positional.empty() ? "lenet5" : p.positional[0], cmd);
  const std::size_t questions = count_or(p, "--questions", 4, 1, cmd);
  const std::size_t seed = count_or(p, "--seed", 1, 0, cmd);
  const arch::NetworkStats stats = arch::analyze(net);
  const bool echo = &in != &std::cin || isatty(STDIN_FILENO) == 0;

  struct Question {
    std::size_t layer;
    bool shape;  // else parameters
  };
  std::vector<Question> pool;
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    const auto& l = net.layers[i];
    if (std::holds_alternative<arch::Conv>(l)) {
      pool.push_back({i, true});
      pool.push_back({i, false});
    } else if (std::holds_alternative<arch::Pool>(l)) {
      pool.push_back({i, true});
    } else if (std::holds_alternative<arch::FullyConnected>(l)) {
      pool.push_back({i, false});
    }
  }
  if (pool.empty()) throw usage_error(cmd, net.name + " has no conv, pool or fc layer to ask about");

  out << "quiz on " << net.name << " (" << net.title << "), input " << arch::to_string(net.input) << "\n"
      << "volumes as WxHxD (e.g. 28x28x6), counts as digits; an empty line skips a question\n";
  std::size_t right = 0, asked = 0;
  for (std::size_t q = 0; q < questions; ++q) {
    const Question& question = pool[(seed + q) % pool.size()];
    const arch::LayerStats& s = stats.layers[question.layer];
    const arch::Layer& layer = net.layers[question.layer];
    out << "\n" << q + 1 << ". " << s.name << ": " << s.type << " " << s.config << " on an input of "
        << arch::to_string(s.input) << ".\n   "
        << (question.shape ? "Its output volume (WxHxD)? " : "Its parameters (weights + biases)? ") << std::flush;
    // One answer a line, of at most kMaxAnswer bytes: an endless line (cnncalc quiz < /dev/zero) ends the quiz
    // instead of filling the memory.
    constexpr std::size_t kMaxAnswer = 1000;
    std::string answer;
    bool ended = false;
    for (int c; (c = in.get()) != std::char_traits<char>::eof() && c != '\n';) {
      if (answer.size() == kMaxAnswer) {
        out << "\n(an answer longer than " << kMaxAnswer << " bytes: the quiz stops)\n";
        ended = true;
        break;
      }
      answer += static_cast<char>(c);
    }
    if (ended) break;
    if (answer.empty() && !in) {
      out << "\n(no more answers)\n";
      break;
    }
    if (echo) out << cnn::cli::printable(answer, kMaxAnswer) << "\n";  // answers from a file or a pipe: the transcript shows them
    ++asked;
    bool ok = false;
    if (question.shape) {
      arch::Shape v;
      ok = read_volume(answer, v) && v == s.output;
    } else {
      std::size_t n = 0;
      ok = read_count(answer, n) && n == s.parameters();
    }
    const std::string expected = question.shape ? arch::to_string(s.output) : arch::with_commas(s.parameters());
    if (ok) {
      ++right;
      out << "   right: " << expected << "\n";
    } else {
      out << "   " << (answer.find_first_not_of(" \t\r") == std::string::npos ? "skipped" : "not quite") << ": it is "
          << expected << "\n"
          << explanation(arch::explain(layer, s.input), question.shape ? "output" : "parameters");
    }
  }
  out << "\nscore: " << right << " of " << asked << "\n";
  return exit_ok;
}

}  // namespace

std::string help(std::string_view command) {
  if (command.empty()) return kProgramHelp;
  if (command == "conv") return kConvHelp;
  if (command == "pool") return kPoolHelp;
  if (command == "fc") return kFcHelp;
  if (command == "model") return kModelHelp;
  if (command == "models") return kModelsHelp;
  if (command == "diff") return kDiffHelp;
  if (command == "quiz") return kQuizHelp;
  if (command == "help") return kProgramHelp;
  throw usage_error("", "unknown command '" + std::string(command) + "'");
}

std::size_t parse_count(std::string_view text, std::string_view flag, std::size_t min, const std::string& command) {
  try {
    return cnn::cli::count(text, flag, min, kMaxCount);
  } catch (const cnn::cli::usage_error& e) {
    throw usage_error(command, e.what());
  }
}

arch::Shape parse_volume(std::string_view text, const std::string& command, bool allow_2d, std::size_t depth,
                         bool allow_1d) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i)
    if (i == text.size() || text[i] == 'x' || text[i] == 'X') {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  std::string forms = "WxHxD, e.g. 32x32x3";
  if (allow_2d) forms += ", or WxH";
  if (allow_1d) forms += ", or a number D";
  const bool ok = parts.size() == 3 || (allow_2d && parts.size() == 2) || (allow_1d && parts.size() == 1);
  if (!ok) throw usage_error(command, "--input expects " + forms + ", got '" + std::string(text) + "'");
  if (parts.size() == 1) return {parse_count(parts[0], "--input", 1, command), 1, 1};
  const std::size_t w = parse_count(parts[0], "--input width", 1, command);
  const std::size_t h = parse_count(parts[1], "--input height", 1, command);
  const std::size_t d = parts.size() == 3 ? parse_count(parts[2], "--input depth", 1, command) : depth;
  return {d, h, w};
}

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  return run(args, std::cin, out, err);
}

int run(const std::vector<std::string>& args, std::istream& in, std::ostream& out, std::ostream& err) {
  try {
    if (args.empty()) throw usage_error("", "no command given");
    const std::string& cmd = args[0];
    if (cmd == "-h" || cmd == "--help") {
      out << help("");
      return exit_ok;
    }
    if (cmd == "help") {
      if (args.size() > 2) throw usage_error("", "help takes at most one command");
      out << help(args.size() == 2 ? args[1] : "");
      return exit_ok;
    }
    if (cmd == "conv") return cmd_conv(args, out, err);
    if (cmd == "pool") return cmd_pool(args, out, err);
    if (cmd == "fc") return cmd_fc(args, out, err);
    if (cmd == "model") return cmd_model(args, out, err);
    if (cmd == "models") return cmd_models(args, out, err);
    if (cmd == "diff") return cmd_diff(args, out, err);
    if (cmd == "quiz") return cmd_quiz(args, in, out);
    throw usage_error("", (cmd.size() > 1 && cmd[0] == '-' ? "unknown option '" : "unknown command '") + cmd + "'");
  } catch (const usage_error& e) {
    // One line, and where the help is; the whole usage would push the message off the screen.
    const std::string who = "cnncalc" + (e.command().empty() ? "" : " " + e.command());
    err << who << ": " << e.what() << "\n" << "(" << who << " --help lists the options)\n";
    return exit_usage;
  } catch (const cnn::error& e) {  // a broken network file, a network that does not fit its input
    err << "cnncalc: " << e.what() << "\n";
    return exit_refused;
  }
}

}  // namespace cnncalc
