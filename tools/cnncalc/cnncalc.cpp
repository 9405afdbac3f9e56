// cnncalc: argument parsing and the five commands; see cnncalc.hpp.
#include "cnncalc.hpp"

#include <algorithm>
#include <span>
#include <iomanip>
#include <map>
#include <ostream>
#include <sstream>

#include "cnnlab/cli.hpp"
#include "cnnlab/errors.hpp"
#include "cnnlab/files.hpp"
#include "cnnlab/zoo.hpp"

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
  model    a network of the zoo, per layer  cnncalc model vgg16 --format md
  models   the names of the zoo's networks  cnncalc models
  help     this text, or a command's        cnncalc help conv

Volumes are written W x H x D (width x height x depth) as in the lecture: 227x227x3.
Conventions: output size (W - F + 2P)/S + 1, refused when a convolution does not tile, rounded down for
pooling; activations are the elements of every layer's output (the input image is not counted); memory in
float32 and float64 bytes, backward pass about twice the forward; multiply-adds count the products w*x of
convolutions and fully connected layers, not the bias additions (FLOPs: 2 per multiply-add + 1 per bias
addition + element-wise layers).

exit status: 0 success, 1 a layer does not fit its input (the arithmetic is shown), 2 usage error
)";

const char* kConvHelp = R"(usage: cnncalc conv --input WxHxD --filters K --size F [--stride S] [--pad P] [--groups G] [--no-bias]
                    [--output FILE]

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
  --output FILE   write to FILE instead of the standard output
  -h, --help      this text

examples:
  cnncalc conv --input 32x32x3 --filters 6 --size 5                # 28x28x6, 456 parameters
  cnncalc conv --input 32x32x3 --filters 10 --size 5 --pad 2       # 32x32x10, 760 parameters
  cnncalc conv --input 227x227x3 --filters 96 --size 11 --stride 4 # AlexNet conv1: 55x55x96
  cnncalc conv --input 7x7x1 --filters 1 --size 3 --stride 3       # refused: (7 - 3) is not divisible by 3
)";

const char* kPoolHelp = R"(usage: cnncalc pool --input WxHxD --size F [--stride S] [--pad P] [--kind max|avg] [--output FILE]

One pooling layer: an F x F window at stride S over every map separately; no parameters. The output size
(W - F + 2P)/S + 1 is rounded down when the windows do not tile (as PyTorch does).

options:
  --input WxHxD   input volume, e.g. 224x224x64
  --size F        window F x F
  --stride S      step between windows (default F)
  --pad P         padding on each side, at most F/2 (default 0)
  --kind K        max (default) or avg
  --output FILE   write to FILE instead of the standard output
  -h, --help      this text

examples:
  cnncalc pool --input 224x224x64 --size 2 --stride 2   # 112x112x64
  cnncalc pool --input 55x55x96 --size 3 --stride 2     # AlexNet pool1: 27x27x96
  cnncalc pool --input 7x7x1 --size 2 --kind avg        # 3x3x1, rounded down from 3.5
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

const char* kModelHelp = R"(usage: cnncalc model NAME [--input WxHxD] [--format table|md|csv] [--expand] [--output FILE]

A network of the zoo (cnncalc models lists the names), one row per layer: name, type, configuration, output
volume, parameters, activations, multiply-adds, im2col workspace (rows x columns of X_col), then a total
row (sums; for im2col the largest, since one buffer serves every layer in turn) and the conventions.

options:
  --input WxHxD   another input volume (WxH keeps the depth); a layer that no longer fits is refused with
                  its arithmetic; fully connected layers take whatever reaches them
  --format F      table (default, aligned text), md (Markdown) or csv (a header row, one row per layer, the
                  total row last, plain integers; columns: layer, part_of, type, out_c, out_h, out_w,
                  weights, biases, parameters, activations, in_place, mult_adds, flops, im2col_rows,
                  im2col_cols, im2col)
  --expand        also list the layers inside inception modules and residual blocks (part_of names the
                  block, whose own row already includes them)
  --output FILE   write to FILE instead of the standard output
  -h, --help      this text

examples:
  cnncalc model alexnet
  cnncalc model vgg16 --format md
  cnncalc model resnet50 --format csv --output resnet50.csv
  cnncalc model googlenet --expand
  cnncalc model resnet18 --input 256x256
)";

const char* kModelsHelp = R"(usage: cnncalc models [--format table|md] [--output FILE]

The names of the zoo's networks, with their input volume, parameter count and source.

options:
  --format F      table (default) or md (a Markdown table with multiply-adds and the published figure matched)
  --output FILE   write to FILE instead of the standard output
  -h, --help      this text

examples:
  cnncalc models
  cnncalc models --format md
)";

// --- options ---------------------------------------------------------------------------------------------

// The shared command-line parser (src/cnnlab/cli.hpp); its usage errors become cnncalc's, which know the
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
    return exit_refused;
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
                                {"--output", true}});
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
               .bias = !p.has("--no-bias")};
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
                                              {"--pad", true}, {"--kind", true}, {"--output", true}});
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

int cmd_model(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const std::string cmd = "model";
  const Parsed p = parse_flags(cmd, args, 1, {{"--input", true}, {"--format", true}, {"--expand", false},
                                              {"--output", true}});
  if (p.help) {
    out << help(cmd);
    return exit_ok;
  }
  if (p.positional.empty()) throw usage_error(cmd, "which model? (cnncalc models lists them)");
  if (p.positional.size() > 1) throw usage_error(cmd, "one model at a time, got '" + p.positional[1] + "' too");
  arch::Architecture net;
  try {
    net = cnn::zoo::model(p.positional[0]);
  } catch (const cnn::value_error& e) {
    throw usage_error(cmd, e.what());
  }
  arch::TableFormat format = arch::TableFormat::text;
  if (p.has("--format")) {
    const std::string& f = p.get("--format");
    if (f == "table" || f == "text")
      format = arch::TableFormat::text;
    else if (f == "md" || f == "markdown")
      format = arch::TableFormat::markdown;
    else if (f == "csv")
      format = arch::TableFormat::csv;
    else
      throw usage_error(cmd, "--format must be table, md or csv, got '" + f + "'");
  }
  const arch::Shape in = p.has("--input") ? parse_volume(p.get("--input"), cmd, true, net.input.c) : net.input;
  check_product(static_cast<double>(in.size()) * 1e5, cmd);

  arch::NetworkStats stats;
  try {
    stats = arch::analyze(net, in);
  } catch (const cnn::error& e) {
    err << "cnncalc: " << net.name << " at " << arch::to_string(in) << ": " << e.what() << "\n" << input_hint(net, in);
    return exit_refused;
  }

  std::ostringstream text;
  if (format == arch::TableFormat::text) {
    text << net.name << ": " << net.title << "\n";
    text << "input " << arch::to_string(in);
    if (in == net.input)
      text << "; " << net.reference << "\n\n";
    else
      text << " (published for " << arch::to_string(net.input) << ": layers that follow a flatten now see a "
           << "different D, so the parameters may differ from " << net.reference << ")\n\n";
  }
  text << arch::format_table(stats, format, p.has("--expand"));
  if (format != arch::TableFormat::csv) text << "\n" << arch::format_summary(stats, format);

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
  bool markdown = false;
  if (p.has("--format")) {
    const std::string& f = p.get("--format");
    if (f == "md" || f == "markdown")
      markdown = true;
    else if (f != "table" && f != "text")
      throw usage_error(cmd, "--format must be table or md, got '" + f + "'");
  }
  const auto names = cnn::zoo::names();
  std::size_t width = 0;
  for (const auto& n : names) width = std::max(width, n.size());
  std::ostringstream text;
  if (markdown)
    text << "| name | input | parameters | mult-adds | network | parameter count matches |\n"
         << "|---|---|---:|---:|---|---|\n";
  for (const auto& n : names) {
    const arch::Architecture net = cnn::zoo::model(n);
    const arch::NetworkStats s = arch::analyze(net);
    if (markdown) {
      text << "| `" << n << "` | " << arch::to_string(net.input) << " | " << arch::with_commas(s.total.parameters())
           << " | " << arch::with_commas(s.total.mult_adds) << " | " << net.title << " | " << net.reference << " |\n";
    } else {
      text << std::left << std::setw(static_cast<int>(width) + 2) << n << std::setw(12) << arch::to_string(net.input)
           << std::right << std::setw(13) << arch::with_commas(s.total.parameters()) << "  " << net.title << "\n";
    }
  }
  return deliver(p, text.str(), out, err);
}

}  // namespace

std::string help(std::string_view command) {
  if (command.empty()) return kProgramHelp;
  if (command == "conv") return kConvHelp;
  if (command == "pool") return kPoolHelp;
  if (command == "fc") return kFcHelp;
  if (command == "model") return kModelHelp;
  if (command == "models") return kModelsHelp;
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
    throw usage_error("", (cmd.size() > 1 && cmd[0] == '-' ? "unknown option '" : "unknown command '") + cmd + "'");
  } catch (const usage_error& e) {
    err << "cnncalc" << (e.command().empty() ? "" : " " + e.command()) << ": " << e.what() << "\n\n"
        << help(e.command());
    return exit_usage;
  }
}

}  // namespace cnncalc
