// The calculator: walks layer specs (arch.hpp) and counts, per layer, the output volume, parameters,
// activations, multiply-adds, FLOPs and im2col workspace; then prints tables and lecture-style explanations.
#include "calculator/arch.hpp"

#include <algorithm>
#include <cstdio>
#include <iomanip>
#include <sstream>
#include <type_traits>

#include "core/checks.hpp"
#include "core/errors.hpp"

namespace cnn::arch {

namespace {

std::string str(std::size_t n) { return std::to_string(n); }


// 1234567 bytes -> "1.2 MB" (powers of 1000, as the lecture's "93MB")
std::string bytes_str(double bytes) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  int u = 0;
  while (bytes >= 1000.0 && u < 4) {
    bytes /= 1000.0;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
  return buf;
}

// Breaks `text` at its last space before `width` columns, again and again; the lines after the first start
// with `indent`. Spaces inside a line (alignment) are kept.
std::string wrapped(std::string text, std::size_t width, const std::string& indent) {
  std::string out;
  while (text.size() > width) {
    const std::size_t cut = text.rfind(' ', width);
    if (cut == std::string::npos || cut <= indent.size()) break;
    out += text.substr(0, cut) + "\n";
    text = indent + text.substr(text.find_first_not_of(' ', cut));
  }
  return out + text;
}

constexpr std::size_t kTextWidth = 100;  // the summary's lines fit a 100-column terminal

std::string memory(std::size_t values) {
  return bytes_str(4.0 * static_cast<double>(values)) + " float32, " + bytes_str(8.0 * static_cast<double>(values)) +
         " float64";
}

// The function name that starts every message about a layer: its name, or its kind when it has none.
std::string who(const std::string& name, const char* kind) { return name.empty() ? std::string(kind) : name; }

// "rounded down: (224 - 7 + 2*3)/2 + 1 = 112.5 -> 112" when the windows do not tile, else "".
std::string rounding_note(const char* axis, std::size_t n, std::size_t f, std::size_t s, std::size_t p,
                          std::size_t out) {
  const std::size_t span = n + 2 * p - f;
  if (span % s == 0) return "";
  char exact[32];
  std::snprintf(exact, sizeof exact, "%.4g", static_cast<double>(span) / static_cast<double>(s) + 1.0);
  const bool up = out > span / s + 1;
  return std::string(axis) + (up ? " rounded up: (" : " rounded down: (") + str(n) + " - " + str(f) + " + 2*" +
         str(p) + ")/" + str(s) + " + 1 = " + exact + " -> " + str(out);
}

// " round=floor" for a rounding other than the layer kind's default, as the network file writes it.
std::string rounding_config(Rounding r, Rounding usual) {
  if (r == usual) return "";
  return r == Rounding::floor ? " round=floor" : r == Rounding::ceil ? " round=ceil" : " round=exact";
}

// The note for a window along both axes; one clause when the input is square.
std::string axes_note(const Shape& in, std::size_t f, std::size_t s, std::size_t p, std::size_t w, std::size_t h);

std::string join_notes(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (b.empty() || a == b) return a;
  return a + "; " + b;
}

std::string axes_note(const Shape& in, std::size_t f, std::size_t s, std::size_t p, std::size_t w, std::size_t h) {
  if (in.w == in.h) return rounding_note("W and H", in.w, f, s, p, w);
  return join_notes(rounding_note("W", in.w, f, s, p, w), rounding_note("H", in.h, f, s, p, h));
}

// Checked arithmetic: every count is a product or a sum of sizes someone chose; one that does not fit 64 bits is
// refused as too large instead of wrapping around (and printing a small, wrong number).
[[noreturn]] void too_large(const std::string& fn, const std::string& what) {
  throw value_error(fn, what + " is too large to count: more than " + with_commas(SIZE_MAX));
}
std::size_t mul(std::size_t a, std::size_t b, const std::string& fn, const std::string& what) {
  std::size_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) too_large(fn, what);
  return r;
}
std::size_t add(std::size_t a, std::size_t b, const std::string& fn, const std::string& what) {
  std::size_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) too_large(fn, what);
  return r;
}

LayerStats start(const std::string& name, const char* type, const Shape& in) {
  LayerStats s;
  s.name = name;
  s.type = type;
  s.input = in;
  return s;
}

// Element-wise layers: same shape out, `per_element` FLOPs per value.
LayerStats elementwise(const std::string& name, const char* type, const Shape& in, std::size_t per_element,
                       bool in_place) {
  LayerStats s = start(name, type, in);
  s.output = in;
  s.activations = in.size();
  s.in_place = in_place ? in.size() : 0;
  s.flops = mul(per_element, in.size(), who(name, type), "the number of FLOPs");
  return s;
}

LayerStats stats_of(const Conv& c, const Shape& in) {
  const std::string fn = who(c.name, "conv");
  if (c.filters == 0) throw value_error(fn, "the number of filters K must be at least 1, got 0");
  if (c.groups == 0) throw value_error(fn, "the number of groups G must be at least 1, got 0");
  if (in.c % c.groups != 0)
    throw shape_error(fn, "input depth D1 = " + str(in.c) + " is not divisible by G = " + str(c.groups) + " groups");
  if (c.filters % c.groups != 0)
    throw shape_error(fn, "K = " + str(c.filters) + " filters are not divisible by G = " + str(c.groups) + " groups");
  const std::size_t w = window_output_size(fn, in.w, c.size, c.stride, c.pad, c.rounding, "W");
  const std::size_t h = window_output_size(fn, in.h, c.size, c.stride, c.pad, c.rounding, "H");
  const std::size_t fan_in = mul(in.c / c.groups, mul(c.size, c.size, fn, "F*F"), fn, "F*F*D1/G");  // one dot product's length

  LayerStats s = start(c.name, "conv", in);
  s.config = "K=" + str(c.filters) + " F=" + str(c.size) + " S=" + str(c.stride) + " P=" + str(c.pad);
  if (c.groups > 1) s.config += " G=" + str(c.groups);
  if (!c.bias) s.config += " no bias";
  s.config += rounding_config(c.rounding, Rounding::exact);
  s.output = {c.filters, h, w};
  s.weights = mul(c.filters, fan_in, fn, "the number of weights");
  s.biases = c.bias ? c.filters : 0;
  s.activations = s.output.size();
  s.mult_adds = mul(s.activations, fan_in, fn, "the number of multiply-adds");
  s.flops = add(mul(2, s.mult_adds, fn, "the number of FLOPs"), mul(s.biases, mul(h, w, fn, "H*W"), fn, "FLOPs"), fn,
                "the number of FLOPs");
  s.im2col_rows = mul(in.c, c.size * c.size, fn, "the rows of im2col");
  s.im2col_cols = mul(h, w, fn, "the columns of im2col");
  (void)s.im2col();  // (checked: rows * cols)
  s.note = axes_note(in, c.size, c.stride, c.pad, w, h);
  return s;
}

LayerStats stats_of(const Pool& p, const Shape& in) {
  const bool is_max = p.kind == PoolKind::max;
  const std::string fn = who(p.name, is_max ? "max pool" : "avg pool");
  if (p.size > 0 && 2 * p.pad > p.size)
    throw value_error(fn, "padding P = " + str(p.pad) + " is more than half the window F = " + str(p.size) +
                              "; a window could lie entirely in the padding");
  const std::size_t w = window_output_size(fn, in.w, p.size, p.stride, p.pad, p.rounding, "W");
  const std::size_t h = window_output_size(fn, in.h, p.size, p.stride, p.pad, p.rounding, "H");
  LayerStats s = start(p.name, is_max ? "max pool" : "avg pool", in);
  s.config = "F=" + str(p.size) + " S=" + str(p.stride);
  if (p.pad > 0) s.config += " P=" + str(p.pad);
  s.config += rounding_config(p.rounding, Rounding::floor);
  s.output = {in.c, h, w};
  s.activations = s.output.size();
  const std::size_t window = mul(p.size, p.size, fn, "F*F");
  s.flops = mul(is_max ? window - 1 : window, s.activations, fn, "the number of FLOPs");
  s.note = axes_note(in, p.size, p.stride, p.pad, w, h);
  return s;
}

LayerStats stats_of(const FullyConnected& fc, const Shape& in) {
  const std::string fn = who(fc.name, "fc");
  if (fc.outputs == 0) throw value_error(fn, "the number of outputs M must be at least 1, got 0");
  const std::size_t D = in.size();
  LayerStats s = start(fc.name, "fc", in);
  s.config = "D=" + str(D) + " M=" + str(fc.outputs);
  if (!fc.bias) s.config += " no bias";
  s.output = {fc.outputs, 1, 1};
  s.weights = mul(D, fc.outputs, fn, "the number of weights");
  s.biases = fc.bias ? fc.outputs : 0;
  s.activations = fc.outputs;
  s.mult_adds = s.weights;
  s.flops = add(mul(2, s.mult_adds, fn, "the number of FLOPs"), s.biases, fn, "the number of FLOPs");
  return s;
}

LayerStats stats_of(const ReLU& r, const Shape& in) { return elementwise(r.name, "relu", in, 1, true); }

LayerStats stats_of(const LRN& n, const Shape& in) {
  if (n.size == 0) throw value_error(who(n.name, "lrn"), "the number of channels n in the sum must be at least 1");
  LayerStats s = elementwise(n.name, "lrn", in, add(mul(2, n.size, "lrn", "2n"), 3, "lrn", "2n + 3"), false);
  s.config = "n=" + str(n.size) + " alpha=" + num_str(n.alpha) + " beta=" + num_str(n.beta) + " k=" + num_str(n.k);
  return s;
}

LayerStats stats_of(const BatchNorm& b, const Shape& in) {
  LayerStats s = elementwise(b.name, "batchnorm", in, 2, false);
  s.weights = in.c;  // gamma
  s.biases = in.c;   // beta
  return s;
}

LayerStats stats_of(const Dropout& d, const Shape& in) {
  if (!(d.p >= 0.0 && d.p < 1.0))
    throw value_error(who(d.name, "dropout"), "drop probability p must be in [0, 1), got " + num_str(d.p));
  LayerStats s = elementwise(d.name, "dropout", in, 0, true);
  s.config = "p=" + num_str(d.p);
  return s;
}

LayerStats stats_of(const Softmax& sm, const Shape& in) {
  LayerStats s = elementwise(sm.name, "softmax", in, 3, false);
  s.config = "over " + str(in.size());
  return s;
}

LayerStats stats_of(const GlobalAvgPool& g, const Shape& in) {
  LayerStats s = start(g.name, "global avg pool", in);
  s.config = str(in.w) + "x" + str(in.h) + " -> 1x1";
  s.output = {in.c, 1, 1};
  s.activations = in.c;
  s.flops = in.size();
  return s;
}

LayerStats stats_of(const Flatten& f, const Shape& in) {
  LayerStats s = start(f.name, "flatten", in);
  s.output = {in.size(), 1, 1};
  s.activations = in.size();
  s.in_place = in.size();
  return s;
}

// Receptive field and jump of a volume: how many input pixels one of its values sees, and how many input
// pixels lie between two neighbouring values.
struct Field {
  std::size_t rf = 1;
  std::size_t jump = 1;
  bool global = false;
};

Field field_of(const LayerStats& s) { return {s.rf, s.jump, s.rf_global}; }

void set_field(LayerStats& s, const Field& f) {
  s.rf = f.rf;
  s.jump = f.jump;
  s.rf_global = f.global;
}

// A window of F at stride S: rf grows by (F - 1) jumps, the jump by a factor S.
Field through_window(const Field& f, std::size_t size, std::size_t stride) {
  return {add(f.rf, mul(size - 1, f.jump, "window", "the receptive field"), "window", "the receptive field"),
          mul(f.jump, stride, "window", "the jump"), f.global};
}

Field field_after(const Conv& c, const Field& f) { return through_window(f, c.size, c.stride); }
Field field_after(const Pool& p, const Field& f) { return through_window(f, p.size, p.stride); }
Field field_after(const FullyConnected&, const Field& f) { return {f.rf, f.jump, true}; }
Field field_after(const GlobalAvgPool&, const Field& f) { return {f.rf, f.jump, true}; }
Field field_after(const Softmax&, const Field& f) { return {f.rf, f.jump, true}; }
template <class L>
Field field_after(const L&, const Field& f) {  // element-wise layers and flatten keep what each value sees
  return f;
}

LayerStats analyze_at(const Layer& layer, const Shape& in, const Field& field);

LayerStats analyze_block(const std::string& name, const char* type, std::string config, const Block& block,
                         const Shape& in, const Field& field);

LayerStats stats_of(const Inception& b, const Shape& in, const Field& field) {
  std::string config = "1x1 " + str(b.n1x1) + ", 3x3 " + str(b.n3x3_reduce) + ">" + str(b.n3x3) + ", 5x5 " +
                       str(b.n5x5_reduce) + ">" + str(b.n5x5) + ", pool>" + str(b.pool_proj);
  return analyze_block(b.name, "inception", std::move(config), expand(b), in, field);
}

LayerStats stats_of(const Residual& b, const Shape& in, const Field& field) {
  const bool basic = b.kind == BlockKind::basic;
  std::string config = basic ? str(b.planes) + "-" + str(b.planes)
                             : str(b.planes) + "-" + str(b.planes) + "-" + str(4 * b.planes);
  config += " S=" + str(b.stride) + (b.shortcut == Shortcut::projection ? ", projection" : ", identity");
  if (!basic && b.stride_in_3x3 && b.stride != 1) config += ", stride in 3x3";  // at stride 1 it changes nothing
  config += rounding_config(b.rounding, Rounding::exact);
  return analyze_block(b.name, basic ? "basic block" : "bottleneck", std::move(config), expand(b), in, field);
}

LayerStats stats_of(const AuxClassifier& b, const Shape& in, const Field& field) {
  return analyze_block(b.name, "aux classifier", "side output " + str(b.classes), expand(b), in, field);
}

template <class L>
constexpr bool is_block = std::is_same_v<L, Inception> || std::is_same_v<L, Residual> ||
                          std::is_same_v<L, AuxClassifier>;

LayerStats analyze_at(const Layer& layer, const Shape& in, const Field& field) {
  return std::visit(
      [&](const auto& l) {
        using L = std::decay_t<decltype(l)>;
        if constexpr (is_block<L>) {
          return stats_of(l, in, field);
        } else {
          LayerStats s = stats_of(l, in);
          set_field(s, field_after(l, field));
          return s;
        }
      },
      layer);
}

// Adds the counts of `part` into `into` (a block, or a network's total); the workspace is the largest one.
void accumulate(LayerStats& into, const LayerStats& part) {
  const std::string fn = into.name.empty() ? "total" : into.name;
  into.weights = add(into.weights, part.weights, fn, "the number of weights");
  into.biases = add(into.biases, part.biases, fn, "the number of biases");
  into.activations = add(into.activations, part.activations, fn, "the number of activations");
  into.in_place = add(into.in_place, part.in_place, fn, "the number of activations");
  into.mult_adds = add(into.mult_adds, part.mult_adds, fn, "the number of multiply-adds");
  into.flops = add(into.flops, part.flops, fn, "the number of FLOPs");
  if (part.im2col() > into.im2col()) {
    into.im2col_rows = part.im2col_rows;
    into.im2col_cols = part.im2col_cols;
  }
}

LayerStats prefixed(LayerStats s, const std::string& block) {
  s.name = block + "/" + s.name;
  for (auto& p : s.parts) p = prefixed(std::move(p), block);
  return s;
}

LayerStats analyze_block(const std::string& name, const char* type, std::string config, const Block& block,
                         const Shape& in, const Field& field) {
  const std::string fn = who(name, type);
  LayerStats s = start(name, type, in);
  s.config = std::move(config);

  std::vector<Shape> outs;
  Field merged_field = field;  // the largest field over the branches
  for (const auto& branch : block.branches) {
    Shape x = in;
    Field f = field;
    for (const auto& layer : branch) {
      LayerStats part = prefixed(analyze_at(layer, x, f), fn);
      x = part.output;
      f = field_of(part);
      s.note = join_notes(s.note, part.note.empty() ? "" : part.name + ": " + part.note);
      accumulate(s, part);
      s.parts.push_back(std::move(part));
    }
    outs.push_back(x);
    if (block.merge != Merge::side) {
      merged_field.rf = std::max(merged_field.rf, f.rf);
      merged_field.jump = std::max(merged_field.jump, f.jump);
      merged_field.global = merged_field.global || f.global;
    }
  }

  Shape merged = in;
  if (block.merge == Merge::concat) {
    merged = {0, outs.empty() ? in.h : outs[0].h, outs.empty() ? in.w : outs[0].w};
    for (std::size_t i = 0; i < outs.size(); ++i) {
      if (outs[i].h != merged.h || outs[i].w != merged.w)
        throw shape_error(fn, "branch " + str(i + 1) + " gives " + to_string(outs[i]) + " but branch 1 gives " +
                                  to_string(outs[0]) + "; concatenation along depth needs the same width and height");
      merged.c = add(merged.c, outs[i].c, fn, "the concatenated depth");
    }
    LayerStats cat = start(fn + "/concat", "concat", in);
    cat.output = merged;
    cat.activations = merged.size();
    set_field(cat, merged_field);
    accumulate(s, cat);
    s.parts.push_back(std::move(cat));
  } else if (block.merge == Merge::sum) {
    merged = outs.empty() ? in : outs[0];
    for (std::size_t i = 1; i < outs.size(); ++i)
      if (!(outs[i] == merged)) {
        const bool identity = block.branches[i].empty();
        throw shape_error(fn, "the main path gives " + to_string(merged) + " but " +
                                  (identity ? std::string("the identity shortcut passes ")
                                            : "branch " + str(i + 1) + " gives ") +
                                  to_string(outs[i]) + "; a sum needs the same shape" +
                                  (identity ? " (use a projection shortcut)" : ""));
      }
    LayerStats add = elementwise(fn + "/add", "add", merged, 1, false);
    add.input = in;
    set_field(add, merged_field);
    accumulate(s, add);
    s.parts.push_back(std::move(add));
  }

  Shape x = merged;
  Field f = merged_field;
  for (const auto& layer : block.after) {
    LayerStats part = prefixed(analyze_at(layer, x, f), fn);
    x = part.output;
    f = field_of(part);
    accumulate(s, part);
    s.parts.push_back(std::move(part));
  }
  s.output = x;
  set_field(s, f);
  return s;
}

}  // namespace

std::string to_string(const Shape& s) { return str(s.w) + "x" + str(s.h) + "x" + str(s.c); }

const std::string& name_of(const Layer& layer) {
  return std::visit([](const auto& l) -> const std::string& { return l.name; }, layer);
}

Block expand(const Inception& b) {
  Block block;
  block.merge = Merge::concat;
  block.branches = {
      {Conv{.name = "1x1", .filters = b.n1x1, .size = 1}, ReLU{"relu_1x1"}},
      {Conv{.name = "3x3_reduce", .filters = b.n3x3_reduce, .size = 1}, ReLU{"relu_3x3_reduce"},
       Conv{.name = "3x3", .filters = b.n3x3, .size = 3, .pad = 1}, ReLU{"relu_3x3"}},
      {Conv{.name = "5x5_reduce", .filters = b.n5x5_reduce, .size = 1}, ReLU{"relu_5x5_reduce"},
       Conv{.name = "5x5", .filters = b.n5x5, .size = 5, .pad = 2}, ReLU{"relu_5x5"}},
      {Pool{.name = "pool", .kind = PoolKind::max, .size = 3, .stride = 1, .pad = 1},
       Conv{.name = "pool_proj", .filters = b.pool_proj, .size = 1}, ReLU{"relu_pool_proj"}},
  };
  return block;
}

Block expand(const Residual& b) {
  const std::size_t out = b.kind == BlockKind::basic ? b.planes : 4 * b.planes;
  auto conv = [&](const char* name, std::size_t k, std::size_t f, std::size_t s) {
    return Conv{.name = name, .filters = k, .size = f, .stride = s, .pad = (f - 1) / 2, .bias = false,
                .rounding = b.rounding};
  };
  std::vector<Layer> main;
  if (b.kind == BlockKind::basic) {
    main = {conv("conv1", b.planes, 3, b.stride), BatchNorm{"bn1"}, ReLU{"relu1"},
            conv("conv2", b.planes, 3, 1), BatchNorm{"bn2"}};
  } else {
    const std::size_t s1 = b.stride_in_3x3 ? 1 : b.stride, s3 = b.stride_in_3x3 ? b.stride : 1;
    main = {conv("conv1", b.planes, 1, s1), BatchNorm{"bn1"}, ReLU{"relu1"},
            conv("conv2", b.planes, 3, s3), BatchNorm{"bn2"}, ReLU{"relu2"},
            conv("conv3", out, 1, 1), BatchNorm{"bn3"}};
  }
  std::vector<Layer> shortcut;  // identity: no layers
  if (b.shortcut == Shortcut::projection) shortcut = {conv("proj", out, 1, b.stride), BatchNorm{"proj_bn"}};
  Block block;
  block.merge = Merge::sum;
  block.branches = {std::move(main), std::move(shortcut)};
  block.after = {ReLU{"relu"}};
  return block;
}

Block expand(const AuxClassifier& b) {
  Block block;
  block.merge = Merge::side;
  block.branches = {{Pool{.name = "pool", .kind = PoolKind::average, .size = 5, .stride = 3},
                     Conv{.name = "conv", .filters = 128, .size = 1}, ReLU{"relu_conv"},
                     FullyConnected{.name = "fc", .outputs = 1024}, ReLU{"relu_fc"},
                     Dropout{.name = "drop", .p = 0.7}, FullyConnected{.name = "classifier", .outputs = b.classes},
                     Softmax{"prob"}}};
  return block;
}

LayerStats analyze(const Layer& layer, const Shape& input) { return analyze_at(layer, input, Field{}); }

NetworkStats analyze(const Architecture& net) { return analyze(net, net.input); }

NetworkStats analyze(const Architecture& net, const Shape& input) {
  NetworkStats n;
  n.name = net.name;
  n.title = net.title;
  n.input = input;
  n.total = start("total", "", input);
  n.total.output = input;
  Shape x = input;
  Field field;
  for (const auto& layer : net.layers) {
    LayerStats s = analyze_at(layer, x, field);
    x = s.output;
    field = field_of(s);
    accumulate(n.total, s);
    n.total.note = join_notes(n.total.note, s.note.empty() ? "" : s.name + ": " + s.note);
    n.layers.push_back(std::move(s));
  }
  n.total.output = x;
  set_field(n.total, field);
  return n;
}

TilingAdvice tiling_advice(const std::vector<std::size_t>& sizes, std::size_t f, std::size_t stride,
                           std::size_t pad) {
  auto tiles = [&](std::size_t p, std::size_t s) {
    for (std::size_t n : sizes)
      if (n + 2 * p < f || (n + 2 * p - f) % s != 0) return false;
    return true;
  };
  TilingAdvice advice;
  if (stride == 0 || f == 0) return advice;
  // Paddings at this stride: below, then above (2P mod S repeats, so S + F steps up cover every case).
  for (std::size_t p = pad; p-- > 0;)
    if (tiles(p, stride)) {
      advice.pads.push_back(p);
      break;
    }
  for (std::size_t p = pad + 1; p <= pad + stride + f; ++p)
    if (tiles(p, stride)) {
      advice.pads.push_back(p);
      break;
    }
  // Strides at this padding: a stride that tiles divides every (N - F + 2P).
  std::size_t largest_span = 0;
  for (std::size_t n : sizes)
    if (n + 2 * pad >= f) largest_span = std::max(largest_span, n + 2 * pad - f);
  for (std::size_t s = stride; s-- > 1;)
    if (tiles(pad, s)) {
      advice.strides.push_back(s);
      break;
    }
  for (std::size_t s = stride + 1; s <= std::min(largest_span, f); ++s)  // S > F would skip input pixels
    if (tiles(pad, s)) {
      advice.strides.push_back(s);
      break;
    }
  return advice;
}

std::size_t Shape::size() const {
  std::size_t hw = 0, chw = 0;
  if (__builtin_mul_overflow(h, w, &hw) || __builtin_mul_overflow(c, hw, &chw))
    too_large("Shape::size", "the volume " + to_string(*this));
  return chw;
}

std::size_t LayerStats::im2col() const { return mul(im2col_rows, im2col_cols, name, "the im2col workspace"); }

std::string with_commas(std::size_t n) {
  std::string digits = str(n);
  std::string out;
  const std::size_t len = digits.size();
  for (std::size_t i = 0; i < len; ++i) {
    if (i > 0 && (len - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// --- tables -------------------------------------------------------------------------------------------

namespace {

std::string workspace(const LayerStats& s) {
  if (s.im2col() == 0) return "-";
  return with_commas(s.im2col_rows) + " x " + with_commas(s.im2col_cols);
}

std::string csv_field(const std::string& v) {
  if (v.find_first_of(",\"\n") == std::string::npos) return v;
  std::string q = "\"";
  for (char c : v) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

struct Row {
  std::vector<std::string> cells;
  const LayerStats* stats;
  std::string part_of;
};

// "1.23" (MB, 10^6 bytes) with two decimals.
std::string mb(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", bytes / 1e6);
  return buf;
}

std::string rf_cell(const LayerStats& s) { return s.rf_global ? "all" : str(s.rf); }
std::string jump_cell(const LayerStats& s) { return s.rf_global ? "-" : str(s.jump); }

// The output of a block with a side branch (GoogLeNet's auxiliary classifier): the main path's volume and
// the side output's own.
std::string output_cell(const LayerStats& s) {
  if (s.type == "aux classifier" && !s.parts.empty())
    return to_string(s.output) + ", side " + to_string(s.parts.back().output);
  return to_string(s.output);
}

void collect(const LayerStats& s, const std::string& part_of, bool expand, const TrainingSetup& train,
             std::vector<Row>& rows, int depth) {
  Row row{{std::string(static_cast<std::size_t>(2 * depth), ' ') + s.name, s.type, s.config, to_string(s.input),
           output_cell(s), rf_cell(s), jump_cell(s), with_commas(s.parameters()), with_commas(s.activations),
           with_commas(s.mult_adds), workspace(s)},
          &s, part_of};
  if (train.batch > 0) row.cells.push_back(mb(training_bytes(s, train)));
  rows.push_back(std::move(row));
  if (expand)
    for (const auto& p : s.parts) collect(p, s.name, expand, train, rows, depth + 1);
}

// Bytes of the whole network: every layer's, plus the minibatch of inputs kept by the first layer.
double network_training_bytes(const NetworkStats& stats, const TrainingSetup& train) {
  return training_bytes(stats.total, train) +
         8.0 * static_cast<double>(train.batch) * static_cast<double>(stats.input.size());
}

}  // namespace

std::size_t rule_state_per_parameter(std::string_view rule) {
  if (rule == "sgd") return 0;
  if (rule == "momentum" || rule == "nesterov" || rule == "adagrad" || rule == "rmsprop") return 1;
  if (rule == "adam" || rule == "adadelta") return 2;
  throw value_error("rule_state_per_parameter", "unknown update rule '" + std::string(rule) +
                                                    "'; known: sgd, momentum, nesterov, adagrad, rmsprop, adam, "
                                                    "adadelta");
}

double training_bytes(const LayerStats& s, const TrainingSetup& setup) {
  const double per_parameter = 2.0 + static_cast<double>(rule_state_per_parameter(setup.rule));
  return 8.0 * (per_parameter * static_cast<double>(s.parameters()) +
                static_cast<double>(setup.batch) * static_cast<double>(s.activations - s.in_place));
}

std::string format_training_memory(const NetworkStats& stats, const TrainingSetup& setup, TableFormat format) {
  if (format == TableFormat::csv || setup.batch == 0) return "";
  const LayerStats& t = stats.total;
  const std::size_t state = rule_state_per_parameter(setup.rule);
  const double p = 8.0 * static_cast<double>(t.parameters());
  const std::size_t kept_values = t.activations - t.in_place + stats.input.size();
  const double kept = 8.0 * static_cast<double>(setup.batch) * static_cast<double>(kept_values);
  const std::vector<std::string> lines = {
      "parameters   " + with_commas(t.parameters()) + " x 8 bytes = " + mb(p) + " MB",
      "gradients    the same size: " + mb(p) + " MB",
      "rule state   " + setup.rule + " keeps " + str(state) + " value" + (state == 1 ? "" : "s") +
          " per parameter: " + mb(p * static_cast<double>(state)) + " MB",
      "activations  N x (input + outputs not computed in place) = " + str(setup.batch) + " x (" +
          with_commas(stats.input.size()) + " + " + with_commas(t.activations - t.in_place) + ") x 8 bytes = " +
          mb(kept) + " MB, kept for the backward pass",
      "total        " + mb(network_training_bytes(stats, setup)) + " MB"};
  std::ostringstream os;
  const std::string options = "--batch " + str(setup.batch) + " --rule " + setup.rule;
  const std::string note = " (cnnlab computes in float64, 8 bytes a value; MB = 10^6 bytes; the data set, im2col "
                           "buffers and gradients of activations, freed layer by layer, are not included)";
  const std::string head = "training memory, estimated for " + options + note;
  if (format == TableFormat::markdown) {  // the options as code: Markdown would turn their "--" into a dash
    os << "- **training memory**, estimated for `" << options << "`" << note << ":\n";
    for (const auto& l : lines) os << "  - " << l << "\n";
  } else {
    os << wrapped(head, kTextWidth, "") << "\n";
    for (const auto& l : lines) os << wrapped("  " + l, kTextWidth, "               ") << "\n";
  }
  return os.str();
}

std::string format_table(const NetworkStats& stats, TableFormat format, bool expand, const TrainingSetup& train) {
  std::ostringstream os;
  std::vector<Row> rows;
  for (const auto& s : stats.layers) collect(s, "", expand, train, rows, 0);

  if (format == TableFormat::csv) {
    os << "layer,part_of,type,out_c,out_h,out_w,weights,biases,parameters,activations,in_place,mult_adds,flops,"
          "im2col_rows,im2col_cols,im2col,in_c,in_h,in_w,rf,jump"
       << (train.batch > 0 ? ",train_bytes" : "") << "\n";
    auto line = [&](const LayerStats& s, const std::string& part_of, double bytes) {
      os << csv_field(s.name) << ',' << csv_field(part_of) << ',' << csv_field(s.type) << ',' << s.output.c << ','
         << s.output.h << ',' << s.output.w << ',' << s.weights << ',' << s.biases << ',' << s.parameters() << ','
         << s.activations << ',' << s.in_place << ',' << s.mult_adds << ',' << s.flops << ',' << s.im2col_rows
         << ',' << s.im2col_cols << ',' << s.im2col() << ',' << s.input.c << ',' << s.input.h << ',' << s.input.w
         << ',' << (s.rf_global ? "" : str(s.rf)) << ',' << (s.rf_global ? "" : str(s.jump));
      if (train.batch > 0) os << ',' << std::fixed << std::setprecision(0) << bytes;
      os << '\n';
    };
    for (const auto& r : rows) line(*r.stats, r.part_of, train.batch > 0 ? training_bytes(*r.stats, train) : 0.0);
    line(stats.total, "", train.batch > 0 ? network_training_bytes(stats, train) : 0.0);
    return os.str();
  }

  std::vector<std::string> header = {"layer", "type", "configuration", "input", "output", "RF", "jump",
                                     "parameters", "activations", "mult-adds", "im2col X_col"};
  if (train.batch > 0) header.push_back("train MB");
  const LayerStats& t = stats.total;
  Row total{{"total", "", "", to_string(stats.input), to_string(t.output), rf_cell(t), jump_cell(t),
             with_commas(t.parameters()), with_commas(t.activations), with_commas(t.mult_adds),
             t.im2col() ? "max " + workspace(t) : "-"},
            &t, ""};
  if (train.batch > 0) total.cells.push_back(mb(network_training_bytes(stats, train)));
  rows.push_back(std::move(total));
  const std::size_t first_number = 5;  // columns from here on are right-aligned

  if (format == TableFormat::markdown) {
    auto md_line = [&](const std::vector<std::string>& cells) {
      os << '|';
      for (const auto& c : cells) {
        std::string v = c;
        v.erase(0, v.find_first_not_of(' '));  // indentation means nothing in Markdown
        for (std::size_t pos = 0; (pos = v.find('|', pos)) != std::string::npos; pos += 2) v.replace(pos, 1, "\\|");
        os << ' ' << (v.empty() ? " " : v) << " |";
      }
      os << '\n';
    };
    md_line(header);
    os << '|';
    for (std::size_t i = 0; i < header.size(); ++i) os << (i >= first_number ? "---:|" : "---|");
    os << '\n';
    for (std::size_t i = 0; i + 1 < rows.size(); ++i) md_line(rows[i].cells);
    std::vector<std::string> total = rows.back().cells;
    total[0] = "**total**";
    md_line(total);
    return os.str();
  }

  std::vector<std::size_t> width(header.size());
  for (std::size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& r : rows)
    for (std::size_t i = 0; i < r.cells.size(); ++i) width[i] = std::max(width[i], r.cells[i].size());
  auto text_line = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      const std::string pad(width[i] - cells[i].size(), ' ');
      line += i >= first_number ? pad + cells[i] : cells[i] + pad;
      if (i + 1 < cells.size()) line += "  ";
    }
    line.erase(line.find_last_not_of(' ') + 1);
    os << line << '\n';
  };
  text_line(header);
  std::size_t total_width = 0;
  for (auto w : width) total_width += w + 2;
  const std::string rule(total_width - 2, '-');
  os << rule << '\n';
  for (std::size_t i = 0; i + 1 < rows.size(); ++i) text_line(rows[i].cells);
  os << rule << '\n';
  text_line(rows.back().cells);
  return os.str();
}

std::string format_summary(const NetworkStats& stats, TableFormat format) {
  if (format == TableFormat::csv) return "";
  const LayerStats& t = stats.total;

  // The layer with the largest im2col workspace, and the names of convs that round down.
  const LayerStats* largest = nullptr;
  std::vector<std::string> rounded;
  std::string rounded_first;
  auto visit = [&](auto&& self, const LayerStats& s) -> void {
    if (s.parts.empty()) {
      if (s.im2col() > 0 && (!largest || s.im2col() > largest->im2col())) largest = &s;
      if (!s.note.empty() && (s.type == "conv" || s.config.find("round=") != std::string::npos)) {
        if (rounded.empty()) rounded_first = s.name + " (" + s.note + ")";
        rounded.push_back(s.name);
      }
    }
    for (const auto& p : s.parts) self(self, p);
  };
  for (const auto& s : stats.layers) visit(visit, s);

  bool has_batchnorm = false;
  auto find_bn = [&](auto&& self, const LayerStats& s) -> void {
    if (s.type == "batchnorm") has_batchnorm = true;
    for (const auto& p : s.parts) self(self, p);
  };
  for (const auto& s : stats.layers) find_bn(find_bn, s);

  const std::size_t kept = t.activations - t.in_place;
  std::vector<std::pair<std::string, std::vector<std::string>>> items;
  items.push_back({"parameters",
                   {with_commas(t.parameters()) + " = " + with_commas(t.weights) + " weights + " +
                        with_commas(t.biases) + " biases" +
                        (has_batchnorm ? " (batch norm: gamma counted as weights, beta as biases)" : ""),
                    memory(t.parameters())}});
  items.push_back({"activations",
                   {with_commas(t.activations) + " per example: every layer's output; the " + to_string(stats.input) +
                        " input (" + with_commas(stats.input.size()) + ") not counted",
                    "forward pass " + memory(t.activations) + "; with the backward pass about twice that",
                    "without the " + with_commas(t.in_place) + " outputs of ReLU, dropout and flatten, which may "
                        "overwrite their input: " + with_commas(kept) + " (" + memory(kept) + "); " +
                        with_commas(kept + stats.input.size()) + " with the input"}});
  items.push_back({"mult-adds", {with_commas(t.mult_adds) + " per example: products w*x of convolutions and fully "
                                 "connected layers; bias additions not included"}});
  items.push_back({"FLOPs", {with_commas(t.flops) + " per example, forward at test time: 2 per multiply-add, 1 per "
                             "bias addition, plus pooling, ReLU, normalization, softmax"}});
  if (largest)
    items.push_back({"im2col", {"largest X_col: " + largest->name + ", " + workspace(*largest) + " = " +
                                with_commas(largest->im2col()) + " values per example (" +
                                memory(largest->im2col()) + "); one buffer serves every conv in turn"}});
  std::vector<std::string> rounding = {"pooling rounds down; convolutions tile exactly"};
  if (!rounded.empty()) {
    rounding[0] += ", except " + str(rounded.size()) + " marked round= (floor as PyTorch, ceil as Caffe):";
    std::string which = rounded_first;
    for (std::size_t i = 1; i < rounded.size() && i < 6; ++i) which += ", " + rounded[i];
    if (rounded.size() > 6) which += " and " + str(rounded.size() - 6) + " more";
    rounding.push_back(which);
  }
  items.push_back({"rounding", rounding});

  std::ostringstream os;
  for (const auto& [key, lines] : items) {
    if (format == TableFormat::markdown) {
      os << "- **" << key << "**:";
      for (const auto& l : lines) os << " " << l << (&l == &lines.back() ? "" : ";");
      os << "\n";
    } else {
      for (std::size_t i = 0; i < lines.size(); ++i) {
        std::ostringstream first;
        first << std::left << std::setw(13) << (i == 0 ? key : "") << lines[i];
        os << wrapped(first.str(), kTextWidth, std::string(13, ' ')) << "\n";
      }
    }
  }
  return os.str();
}

// --- one layer, with its arithmetic ---------------------------------------------------------------------

namespace {

std::string size_formula(const char* out, const char* in, std::size_t n, std::size_t f, std::size_t s,
                         std::size_t p, std::size_t result) {
  const std::size_t span = n + 2 * p - f;
  std::string line = std::string(out) + " = (" + in + " - F + 2P)/S + 1 = (" + str(n) + " - " + str(f) + " + 2*" +
                     str(p) + ")/" + str(s) + " + 1 = " + str(span) + "/" + str(s) + " + 1 = " + str(result);
  if (span % s != 0) line += result > span / s + 1 ? " (rounded up)" : " (rounded down)";
  return line;
}

const char* rounding_word(Rounding r) {
  return r == Rounding::floor ? "rounds down" : r == Rounding::ceil ? "rounds up" : "must tile exactly";
}

std::string explain_conv(const Conv& c, const Shape& in, const LayerStats& s) {
  const std::size_t d = in.c / c.groups;
  const std::size_t fan_in = c.size * c.size * d;
  std::ostringstream os;
  os << "conv: input " << to_string(in) << " (W1 x H1 x D1), K = " << c.filters << " filters of " << c.size << "x"
     << c.size << "x" << d << ", stride S = " << c.stride << ", zero padding P = " << c.pad;
  if (c.groups > 1)
    os << ", G = " << c.groups << " groups (each filter sees D1/G = " << d << " of the " << in.c << " input maps)";
  os << "\n";
  os << "  output       " << size_formula("W2", "W1", in.w, c.size, c.stride, c.pad, s.output.w)
     << "\n";
  os << "               " << size_formula("H2", "H1", in.h, c.size, c.stride, c.pad, s.output.h)
     << "; D2 = K = " << c.filters << "  ->  " << to_string(s.output) << "\n";
  os << "  parameters   F*F*" << (c.groups > 1 ? "(D1/G)" : "D1") << " = " << c.size << "*" << c.size << "*" << d
     << " = " << with_commas(fan_in) << " weights per filter; x K = " << with_commas(s.weights) << " weights";
  if (c.bias) os << " + K = " << c.filters << " biases";
  os << " = " << with_commas(s.parameters()) << "\n";
  os << "  activations  W2*H2*D2 = " << s.output.w << "*" << s.output.h << "*" << s.output.c << " = "
     << with_commas(s.activations) << " per example (" << memory(s.activations) << ")\n";
  os << "  mult-adds    " << with_commas(fan_in) << " per output x " << with_commas(s.activations)
     << " outputs = " << with_commas(s.mult_adds) << " (bias additions not included)\n";
  os << "  FLOPs        2 x " << with_commas(s.mult_adds);
  if (c.bias) os << " + " << with_commas(s.activations) << " bias additions";
  os << " = " << with_commas(s.flops) << "\n";
  os << "  im2col       X_col is (F*F*D1) x (W2*H2) = " << with_commas(s.im2col_rows) << " x "
     << with_commas(s.im2col_cols) << " = " << with_commas(s.im2col()) << " values per example ("
     << memory(s.im2col()) << ");\n"
     << "               W_row is K x (F*F*D1/G) = " << c.filters << " x " << with_commas(fan_in)
     << "; the layer is " << c.groups << (c.groups == 1 ? " matrix product" : " matrix products") << "\n";
  return os.str();
}

std::string explain_pool(const Pool& p, const Shape& in, const LayerStats& s) {
  const bool is_max = p.kind == PoolKind::max;
  std::ostringstream os;
  os << (is_max ? "max" : "average") << " pool: input " << to_string(in) << ", window F = " << p.size
     << ", stride S = " << p.stride;
  if (p.pad > 0) os << ", padding P = " << p.pad;
  os << "; every one of the " << in.c << " maps is pooled separately\n";
  os << "  output       " << size_formula("W2", "W1", in.w, p.size, p.stride, p.pad, s.output.w) << "\n";
  os << "               " << size_formula("H2", "H1", in.h, p.size, p.stride, p.pad, s.output.h)
     << "; D2 = D1 = " << in.c << "  ->  " << to_string(s.output) << "  (this pooling " << rounding_word(p.rounding)
     << ")\n";
  os << "  parameters   0 (pooling has none)\n";
  os << "  activations  W2*H2*D2 = " << s.output.w << "*" << s.output.h << "*" << s.output.c << " = "
     << with_commas(s.activations) << " per example (" << memory(s.activations) << ")\n";
  os << "  mult-adds    0\n";
  os << "  FLOPs        " << (is_max ? "F*F - 1 = " + str(p.size * p.size - 1) + " comparisons"
                                     : "F*F = " + str(p.size * p.size) + " additions and scalings")
     << " per output = " << with_commas(s.flops) << "\n";
  const std::size_t rows = p.size * p.size, cols = s.activations;
  os << "  im2col       none in the table (no weights to multiply); a fast pooling that copies overlapping windows\n"
     << "               into a matrix, im2col-style, needs (F*F) x (D1*W2*H2) = " << with_commas(rows) << " x "
     << with_commas(cols) << " = " << with_commas(rows * cols) << " values per example (" << memory(rows * cols)
     << ")\n";
  return os.str();
}

std::string explain_fc(const FullyConnected& fc, const Shape& in, const LayerStats& s) {
  const std::size_t D = in.size();
  std::ostringstream os;
  os << "fc: input " << to_string(in) << " flattened to D = " << with_commas(D) << " numbers, M = " << fc.outputs
     << " outputs; every output sees every input\n";
  os << "  output       1x1xM  ->  " << to_string(s.output) << "\n";
  os << "  parameters   D*M = " << with_commas(s.weights) << " weights";
  if (fc.bias) os << " + M = " << with_commas(s.biases) << " biases";
  os << " = " << with_commas(s.parameters()) << "\n";
  os << "  activations  M = " << with_commas(s.activations) << " per example (" << memory(s.activations) << ")\n";
  os << "  mult-adds    D*M = " << with_commas(s.mult_adds) << " (bias additions not included)\n";
  os << "  FLOPs        2 x " << with_commas(s.mult_adds);
  if (fc.bias) os << " + " << with_commas(s.biases) << " bias additions";
  os << " = " << with_commas(s.flops) << "\n";
  os << "  im2col       none: a fully connected layer is already one matrix product, (1 x D) times (D x M)\n";
  return os.str();
}

}  // namespace

std::string explain(const Layer& layer, const Shape& input) {
  const LayerStats s = analyze(layer, input);
  if (const auto* c = std::get_if<Conv>(&layer)) return explain_conv(*c, input, s);
  if (const auto* p = std::get_if<Pool>(&layer)) return explain_pool(*p, input, s);
  if (const auto* f = std::get_if<FullyConnected>(&layer)) return explain_fc(*f, input, s);
  std::ostringstream os;
  os << s.type << " " << s.name << ": input " << to_string(input) << " -> " << to_string(s.output) << "; "
     << with_commas(s.parameters()) << " parameters, " << with_commas(s.activations) << " activations, "
     << with_commas(s.mult_adds) << " mult-adds, " << with_commas(s.flops) << " FLOPs\n";
  return os.str();
}

}  // namespace cnn::arch
