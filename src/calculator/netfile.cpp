// The network file (netfile.hpp): one layer a line, read into layer specs and written back from them.
#include "calculator/netfile.hpp"

#include <cctype>
#include <charconv>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include "core/errors.hpp"
#include "io/cli.hpp"
#include "io/files.hpp"
#include "calculator/zoo.hpp"

namespace cnn {

namespace {

using namespace arch;

constexpr std::size_t kMaxCount = 1'000'000;
constexpr const char* kFunction = "read_net";

[[noreturn]] void fail_at(std::string_view source, std::size_t line, std::size_t column, const std::string& message) {
  throw value_error(kFunction, std::string(source) + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " +
                                   message);
}

struct Token {
  std::string_view text;
  std::size_t column;  // 1-based
};

// One KEY=VALUE setting of a layer line, and whether the layer's reader took it.
struct Setting {
  std::string_view key;
  std::string_view value;
  std::size_t column;  // of the value
  std::size_t key_column;
  bool used = false;
};

// The words of a line before its comment, with their columns.
std::vector<Token> tokens_of(std::string_view line) {
  const std::size_t hash = line.find('#');
  if (hash != std::string_view::npos) line = line.substr(0, hash);
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    if (i > start) out.push_back({line.substr(start, i - start), start + 1});
  }
  return out;
}

// Outside text quoted in a message: at most 80 bytes of it, control bytes escaped (cli::printable).
std::string shown(std::string_view text) { return cli::printable(text, 80); }

// The longest name a network or layer may have: its layers' names become file names (conv1.w.npy,
// activations_conv1.svg), which a file system limits to 255 bytes.
constexpr std::size_t kMaxNameLength = 64;

bool valid_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) return false;
  return true;
}

// Reads the settings of one layer line; every mistake names the source, line and column.
class LineReader {
 public:
  LineReader(std::string_view source, std::size_t line, std::string_view kind, std::vector<Setting> settings,
             std::vector<std::string> known)
      : source_(source), line_(line), kind_(kind), settings_(std::move(settings)), known_(std::move(known)) {}

  [[noreturn]] void fail(std::size_t column, const std::string& message) const {
    fail_at(source_, line_, column, std::string(kind_) + ": " + message);
  }

  // A whole number in [min, 1,000,000]; `fallback` when the key is absent (`required` refuses that).
  std::size_t count(std::string_view key, std::size_t fallback, std::size_t min, bool required = false) {
    const Setting* s = take(key);
    if (!s) {
      if (required) fail(end_column_, "needs " + std::string(key) + "=..., " + meaning(key));
      return fallback;
    }
    std::size_t v = 0;
    const char* first = s->value.data();
    const char* last = first + s->value.size();
    const auto [ptr, ec] = std::from_chars(first, last, v);
    if (s->value.empty() || ec != std::errc() || ptr != last || v < min || v > kMaxCount)
      fail(s->column, std::string(key) + " must be a whole number from " + std::to_string(min) + " to 1,000,000, got '" +
                          shown(s->value) + "'");
    return v;
  }

  // A finite real number accepted by `ok` (which says what it accepts in `range`).
  double real(std::string_view key, double fallback, const std::function<bool(double)>& ok, const char* range) {
    const Setting* s = take(key);
    if (!s) return fallback;
    double v = 0;
    const char* first = s->value.data();
    const char* last = first + s->value.size();
    const auto [ptr, ec] = std::from_chars(first, last, v);
    if (s->value.empty() || ec != std::errc() || ptr != last || !std::isfinite(v) || !ok(v))
      fail(s->column, std::string(key) + " must be a number " + range + ", got '" + shown(s->value) + "'");
    return v;
  }

  // One of a few words; returns its index in `words`.
  std::size_t choice(std::string_view key, std::size_t fallback, const std::vector<std::string>& words) {
    const Setting* s = take(key);
    if (!s) return fallback;
    for (std::size_t i = 0; i < words.size(); ++i)
      if (s->value == words[i]) return i;
    std::string list;
    for (std::size_t i = 0; i < words.size(); ++i) list += (i ? (i + 1 == words.size() ? " or " : ", ") : "") + words[i];
    fail(s->column, std::string(key) + " must be " + list + ", got '" + shown(s->value) + "'");
  }

  bool bias() { return choice("bias", 0, {"yes", "no"}) == 0; }

  Rounding rounding(Rounding fallback) {
    const std::size_t i = choice("round", fallback == Rounding::exact ? 0 : fallback == Rounding::floor ? 1 : 2,
                                 {"exact", "floor", "ceil"});
    return i == 0 ? Rounding::exact : i == 1 ? Rounding::floor : Rounding::ceil;
  }

  // Refuses settings that this kind of layer does not take.
  void finish() const {
    for (const auto& s : settings_)
      if (!s.used) {
        std::string list;
        for (const auto& k : known_) list += (list.empty() ? "" : ", ") + k;
        fail(s.key_column, "unknown setting '" + shown(s.key) + "'" +
                               (list.empty() ? "; this layer takes none" : "; it takes " + list));
      }
  }

  void set_end(std::size_t column) { end_column_ = column; }

 private:
  const Setting* take(std::string_view key) {
    for (auto& s : settings_)
      if (s.key == key) {
        s.used = true;
        return &s;
      }
    return nullptr;
  }

  static std::string meaning(std::string_view key) {
    static const std::map<std::string_view, std::string> m = {
        {"K", "the number of filters"}, {"F", "the window size"}, {"M", "the number of outputs"},
        {"planes", "the width of the block's 3x3 conv"}};
    const auto it = m.find(key);
    return it == m.end() ? "which is required" : it->second;
  }

  std::string_view source_;
  std::size_t line_;
  std::string_view kind_;
  std::vector<Setting> settings_;
  std::vector<std::string> known_;
  std::size_t end_column_ = 1;
};

// The keys each kind of layer takes (for the message that lists them) and how it is read.
struct Kind {
  std::vector<std::string> keys;
  std::function<Layer(LineReader&, std::string)> read;
};

// Max and average pooling read the same settings; S defaults to F.
std::function<Layer(LineReader&, std::string)> read_pool(PoolKind kind) {
  return [kind](LineReader& r, std::string name) -> Layer {
    Pool p{.name = std::move(name), .kind = kind};
    p.size = r.count("F", 0, 1, true);
    p.stride = r.count("S", p.size, 1);
    p.pad = r.count("P", 0, 0);
    p.rounding = r.rounding(Rounding::floor);
    return p;
  };
}

// Basic blocks and bottlenecks; only a bottleneck has a choice of where its stride sits.
std::function<Layer(LineReader&, std::string)> read_residual(BlockKind kind) {
  return [kind](LineReader& r, std::string name) -> Layer {
    Residual b{.name = std::move(name), .kind = kind};
    b.planes = r.count("planes", 0, 1, true);
    b.stride = r.count("S", 1, 1);
    b.shortcut = r.choice("shortcut", 0, {"identity", "projection"}) == 0 ? Shortcut::identity : Shortcut::projection;
    if (kind == BlockKind::bottleneck) b.stride_in_3x3 = r.choice("stride_at", 0, {"1x1", "3x3"}) == 1;
    b.rounding = r.rounding(Rounding::exact);
    return b;
  };
}

const std::map<std::string, Kind, std::less<>>& kinds() {
  static const std::map<std::string, Kind, std::less<>> k = {
      {"conv",
       {{"K", "F", "S", "P", "G", "bias", "round"},
        [](LineReader& r, std::string name) -> Layer {
          Conv c{.name = std::move(name)};
          c.filters = r.count("K", 0, 1, true);
          c.size = r.count("F", 0, 1, true);
          c.stride = r.count("S", 1, 1);
          c.pad = r.count("P", 0, 0);
          c.groups = r.count("G", 1, 1);
          c.bias = r.bias();
          c.rounding = r.rounding(Rounding::exact);
          return c;
        }}},
      {"maxpool", {{"F", "S", "P", "round"}, read_pool(PoolKind::max)}},
      {"avgpool", {{"F", "S", "P", "round"}, read_pool(PoolKind::average)}},
      {"fc",
       {{"M", "bias"},
        [](LineReader& r, std::string name) -> Layer {
          FullyConnected f{.name = std::move(name)};
          f.outputs = r.count("M", 0, 1, true);
          f.bias = r.bias();
          return f;
        }}},
      {"relu", {{}, [](LineReader&, std::string name) -> Layer { return ReLU{std::move(name)}; }}},
      {"lrn",
       {{"n", "alpha", "beta", "k"},
        [](LineReader& r, std::string name) -> Layer {
          LRN l{.name = std::move(name)};
          l.size = r.count("n", l.size, 1);
          auto positive = [](double v) { return v > 0; };
          auto nonneg = [](double v) { return v >= 0; };
          l.alpha = r.real("alpha", l.alpha, nonneg, "of 0 or more");
          l.beta = r.real("beta", l.beta, nonneg, "of 0 or more");
          l.k = r.real("k", l.k, positive, "above 0");
          return l;
        }}},
      {"batchnorm",
       {{"eps"},
        [](LineReader& r, std::string name) -> Layer {
          BatchNorm b{.name = std::move(name)};
          b.eps = r.real("eps", b.eps, [](double v) { return v > 0; }, "above 0");
          return b;
        }}},
      {"dropout",
       {{"p"},
        [](LineReader& r, std::string name) -> Layer {
          Dropout d{.name = std::move(name)};
          d.p = r.real("p", d.p, [](double v) { return v >= 0 && v < 1; }, "in [0, 1)");
          return d;
        }}},
      {"softmax", {{}, [](LineReader&, std::string name) -> Layer { return Softmax{std::move(name)}; }}},
      {"flatten", {{}, [](LineReader&, std::string name) -> Layer { return Flatten{std::move(name)}; }}},
      {"globalavgpool",
       {{}, [](LineReader&, std::string name) -> Layer { return GlobalAvgPool{std::move(name)}; }}},
      {"inception",
       {{"1x1", "3x3_reduce", "3x3", "5x5_reduce", "5x5", "pool_proj"},
        [](LineReader& r, std::string name) -> Layer {
          Inception b{.name = std::move(name)};
          b.n1x1 = r.count("1x1", 0, 1, true);
          b.n3x3_reduce = r.count("3x3_reduce", 0, 1, true);
          b.n3x3 = r.count("3x3", 0, 1, true);
          b.n5x5_reduce = r.count("5x5_reduce", 0, 1, true);
          b.n5x5 = r.count("5x5", 0, 1, true);
          b.pool_proj = r.count("pool_proj", 0, 1, true);
          return b;
        }}},
      {"basic", {{"planes", "S", "shortcut", "round"}, read_residual(BlockKind::basic)}},
      {"bottleneck", {{"planes", "S", "shortcut", "stride_at", "round"}, read_residual(BlockKind::bottleneck)}},
      {"aux",
       {{"classes"},
        [](LineReader& r, std::string name) -> Layer {
          AuxClassifier b{.name = std::move(name)};
          b.classes = r.count("classes", 1000, 1);
          return b;
        }}},
  };
  return k;
}

// Other spellings of a kind.
std::string_view canonical(std::string_view kind) {
  if (kind == "bn") return "batchnorm";
  if (kind == "gap") return "globalavgpool";
  if (kind == "pool") return "maxpool";
  return kind;
}

std::string known_kinds() {
  std::string list;
  for (const auto& [k, kind] : kinds()) list += (list.empty() ? "" : ", ") + k;
  return list;
}

// "32x32x3" -> (3, 32, 32); false when it is not three whole numbers from 1 to 1,000,000.
bool parse_volume(std::string_view text, Shape& out) {
  std::size_t v[3] = {0, 0, 0};
  std::size_t k = 0, start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && text[i] != 'x') continue;
    if (k == 3) return false;
    const std::string_view part = text.substr(start, i - start);
    const auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), v[k]);
    if (part.empty() || ec != std::errc() || ptr != part.data() + part.size() || v[k] < 1 || v[k] > kMaxCount)
      return false;
    ++k;
    start = i + 1;
  }
  if (k != 3) return false;
  out = {v[2], v[1], v[0]};
  return true;
}

}  // namespace

arch::Architecture parse_net(std::string_view text, std::string_view source) {
  Architecture net;
  bool has_input = false;
  std::set<std::string, std::less<>> headers, names;
  std::map<std::string, std::size_t, std::less<>> auto_count;
  std::size_t line_no = 0, last_line = 1;  // last_line: the last that is not blank
  auto fail = [&](std::size_t column, const std::string& message) { fail_at(source, line_no, column, message); };

  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    ++line_no;
    start = end + 1;
    if (const std::size_t nul = line.find('\0'); nul != std::string_view::npos)
      fail(nul + 1, "a NUL byte: this is not a text file");
    const std::vector<Token> tokens = tokens_of(line);
    if (line.find_first_not_of(" \t\r") != std::string_view::npos) last_line = line_no;
    if (tokens.empty()) continue;
    const Token& head = tokens[0];

    // header lines
    if (head.text == "name" || head.text == "title" || head.text == "reference" || head.text == "input") {
      if (!headers.insert(shown(head.text)).second)
        fail(head.column, "'" + shown(head.text) + "' given twice");
      if (tokens.size() < 2) fail(head.column + head.text.size(), shown(head.text) + " needs a value");
      if (head.text == "input") {
        if (tokens.size() > 2) fail(tokens[2].column, "input takes one volume WxHxD, e.g. 32x32x3");
        if (!parse_volume(tokens[1].text, net.input))
          fail(tokens[1].column, "input must be a volume WxHxD of whole numbers from 1 to 1,000,000, e.g. 32x32x3, "
                                 "got '" + shown(tokens[1].text) + "'");
        has_input = true;
      } else if (head.text == "name") {
        if (tokens.size() > 2) fail(tokens[2].column, "a network's name is one word");
        if (tokens[1].text.size() > kMaxNameLength)
          fail(tokens[1].column, "a name may have at most " + std::to_string(kMaxNameLength) + " characters, got '" +
                                     shown(tokens[1].text) + "' (" + std::to_string(tokens[1].text.size()) + ")");
        if (!valid_name(tokens[1].text))
          fail(tokens[1].column, "a name may hold letters, digits, '_', '-' and '.', got '" +
                                     shown(tokens[1].text) + "'");
        net.name = shown(tokens[1].text);
      } else {  // title, reference: the rest of the line
        const std::size_t from = tokens[1].column - 1;
        const std::size_t to = tokens.back().column - 1 + tokens.back().text.size();
        const std::string_view value = line.substr(from, to - from);
        if (value.size() > 200)
          fail(tokens[1].column, std::string(head.text) + " must be at most 200 characters, got " + std::to_string(value.size()));
        if (const std::string safe = cli::printable(value, value.size()); safe != value)
          fail(tokens[1].column, std::string(head.text) + " holds a control byte or bytes that are not UTF-8: '" + safe + "'");
        (head.text == "title" ? net.title : net.reference) = std::string(value);
      }
      continue;
    }

    // layer lines: KIND [NAME] [KEY=VALUE ...]
    const std::string_view kind_word = canonical(head.text);
    const auto kind = kinds().find(kind_word);
    if (kind == kinds().end())
      fail(head.column, "unknown layer kind '" + shown(head.text) + "'; known: " + known_kinds() +
                            " (and the headers name, title, reference, input)");
    std::size_t first_setting = 1;
    std::string name;
    if (tokens.size() > 1 && tokens[1].text.find('=') == std::string_view::npos) {
      if (tokens[1].text.size() > kMaxNameLength)
        fail(tokens[1].column, "a layer name may have at most " + std::to_string(kMaxNameLength) + " characters (it " +
                                   "becomes a file name: conv1.w.npy), got '" + shown(tokens[1].text) + "' (" +
                                   std::to_string(tokens[1].text.size()) + ")");
      if (!valid_name(tokens[1].text))
        fail(tokens[1].column, "a layer name may hold letters, digits, '_', '-' and '.', got '" +
                                   shown(tokens[1].text) + "'");
      name = shown(tokens[1].text);
      if (names.count(name)) fail(tokens[1].column, "a second layer named '" + name + "'");
      first_setting = 2;
    } else {
      std::size_t& n = auto_count[std::string(kind_word)];
      do name = std::string(kind_word) + std::to_string(++n);
      while (names.count(name));
    }
    std::vector<Setting> settings;
    for (std::size_t i = first_setting; i < tokens.size(); ++i) {
      const Token& t = tokens[i];
      const std::size_t eq = t.text.find('=');
      if (eq == std::string_view::npos || eq == 0)
        fail(t.column, std::string(kind_word) + ": expected KEY=VALUE, got '" + shown(t.text) + "'" +
                           (i == 2 && first_setting == 2 ? " (a layer has at most one name)" : ""));
      Setting s{t.text.substr(0, eq), t.text.substr(eq + 1), t.column + eq + 1, t.column};
      for (const auto& other : settings)
        if (other.key == s.key) fail(t.column, std::string(kind_word) + ": " + shown(s.key) + " given twice");
      settings.push_back(s);
    }
    LineReader reader(source, line_no, kind_word, std::move(settings), kind->second.keys);
    reader.set_end(tokens.back().column + tokens.back().text.size());
    Layer layer = kind->second.read(reader, name);
    reader.finish();
    names.insert(name);
    net.layers.push_back(std::move(layer));
  }

  if (!has_input) {
    line_no = 1;
    fail(1, "no 'input WxHxD' line: a network needs its input volume, e.g. 'input 32x32x3'");
  }
  if (net.layers.empty()) {
    line_no = last_line;
    fail(1, "no layers: after the input, one layer a line (conv, maxpool, fc, relu, ...)");
  }
  if (net.name.empty()) net.name = std::filesystem::path(std::string(source)).stem().string();
  if (net.name.empty()) net.name = "net";
  if (net.title.empty()) net.title = "read from " + std::string(source);
  if (net.reference.empty()) net.reference = "a network file";
  return net;
}

arch::Architecture read_net(const std::string& path) {
  const std::vector<std::uint8_t> bytes = read_file(path, kFunction);
  return parse_net(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), path);
}

namespace {

// The shortest text that reads back to the same double: 0.0001 -> "0.0001", 0.75 -> "0.75".
std::string exact_str(double v) {
  char buf[64];
  const auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, ptr) : std::to_string(v);
}

std::string rounding_str(Rounding r, Rounding usual) {
  if (r == usual) return "";
  return r == Rounding::floor ? " round=floor" : r == Rounding::ceil ? " round=ceil" : " round=exact";
}

std::string str(std::size_t n) { return std::to_string(n); }

// KIND and settings of one layer (the name goes between them).
std::pair<std::string, std::string> line_of(const Layer& layer) {
  if (const auto* c = std::get_if<Conv>(&layer)) {
    std::string s = "K=" + str(c->filters) + " F=" + str(c->size);
    if (c->stride != 1) s += " S=" + str(c->stride);
    if (c->pad != 0) s += " P=" + str(c->pad);
    if (c->groups != 1) s += " G=" + str(c->groups);
    if (!c->bias) s += " bias=no";
    return {"conv", s + rounding_str(c->rounding, Rounding::exact)};
  }
  if (const auto* p = std::get_if<Pool>(&layer)) {
    std::string s = "F=" + str(p->size);
    if (p->stride != p->size) s += " S=" + str(p->stride);
    if (p->pad != 0) s += " P=" + str(p->pad);
    return {p->kind == PoolKind::max ? "maxpool" : "avgpool", s + rounding_str(p->rounding, Rounding::floor)};
  }
  if (const auto* f = std::get_if<FullyConnected>(&layer))
    return {"fc", "M=" + str(f->outputs) + (f->bias ? "" : " bias=no")};
  if (std::get_if<ReLU>(&layer)) return {"relu", ""};
  if (const auto* l = std::get_if<LRN>(&layer)) {
    const LRN d;
    std::string s;
    if (l->size != d.size) s += " n=" + str(l->size);
    if (l->alpha != d.alpha) s += " alpha=" + exact_str(l->alpha);
    if (l->beta != d.beta) s += " beta=" + exact_str(l->beta);
    if (l->k != d.k) s += " k=" + exact_str(l->k);
    return {"lrn", s.empty() ? s : s.substr(1)};
  }
  if (const auto* b = std::get_if<BatchNorm>(&layer))
    return {"batchnorm", b->eps == BatchNorm{}.eps ? "" : "eps=" + exact_str(b->eps)};
  if (const auto* d = std::get_if<Dropout>(&layer)) return {"dropout", d->p == Dropout{}.p ? "" : "p=" + exact_str(d->p)};
  if (std::get_if<Softmax>(&layer)) return {"softmax", ""};
  if (std::get_if<Flatten>(&layer)) return {"flatten", ""};
  if (std::get_if<GlobalAvgPool>(&layer)) return {"globalavgpool", ""};
  if (const auto* b = std::get_if<Inception>(&layer))
    return {"inception", "1x1=" + str(b->n1x1) + " 3x3_reduce=" + str(b->n3x3_reduce) + " 3x3=" + str(b->n3x3) +
                             " 5x5_reduce=" + str(b->n5x5_reduce) + " 5x5=" + str(b->n5x5) +
                             " pool_proj=" + str(b->pool_proj)};
  if (const auto* b = std::get_if<Residual>(&layer)) {
    std::string s = "planes=" + str(b->planes);
    if (b->stride != 1) s += " S=" + str(b->stride);
    if (b->shortcut == Shortcut::projection) s += " shortcut=projection";
    if (b->kind == BlockKind::bottleneck && b->stride_in_3x3) s += " stride_at=3x3";
    return {b->kind == BlockKind::basic ? "basic" : "bottleneck", s + rounding_str(b->rounding, Rounding::exact)};
  }
  const auto& a = std::get<AuxClassifier>(layer);
  return {"aux", a.classes == 1000 ? "" : "classes=" + str(a.classes)};
}

std::string padded(const std::string& s, std::size_t width) {
  return s.size() >= width ? s + " " : s + std::string(width - s.size(), ' ');
}

}  // namespace

std::string format_net(const arch::Architecture& net) {
  // Output volumes for the comments, when the network fits its input.
  std::vector<std::string> shapes(net.layers.size());
  try {
    const NetworkStats stats = analyze(net);
    for (std::size_t i = 0; i < stats.layers.size(); ++i) shapes[i] = to_string(stats.layers[i].output);
  } catch (const cnn::error&) {
  }
  std::vector<std::pair<std::string, std::string>> lines;
  std::size_t kind_width = 0, name_width = 0, body_width = 0;
  for (const auto& layer : net.layers) {
    lines.push_back(line_of(layer));
    kind_width = std::max(kind_width, lines.back().first.size());
    name_width = std::max(name_width, name_of(layer).size());
    body_width = std::max(body_width, lines.back().second.size());
  }
  std::ostringstream os;
  os << "# " << net.name << ": one layer a line, KIND NAME KEY=VALUE ...; '#' starts a comment\n";
  os << "name      " << net.name << "\n";
  if (!net.title.empty()) os << "title     " << net.title << "\n";
  if (!net.reference.empty()) os << "reference " << net.reference << "\n";
  os << "input     " << to_string(net.input) << "\n\n";
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    std::string l = padded(lines[i].first, kind_width + 1) + padded(name_of(net.layers[i]), name_width + 1) +
                    lines[i].second;
    if (!shapes[i].empty()) l = padded(l, kind_width + name_width + body_width + 4) + "# " + shapes[i];
    l.erase(l.find_last_not_of(' ') + 1);
    os << l << "\n";
  }
  return os.str();
}

}  // namespace cnn

namespace cnn {

arch::Architecture model_or_file(const std::string& name_or_path) {
  const auto names = zoo::names();
  if (std::find(names.begin(), names.end(), name_or_path) != names.end()) return zoo::model(name_or_path);
  std::error_code ec;
  if (std::filesystem::exists(name_or_path, ec)) return read_net(name_or_path);
  std::string known;
  for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
  throw value_error("model_or_file", "no model named '" + name_or_path + "' in the zoo (" + known +
                                         ") and no network file of that name");
}

arch::Architecture network_for_data(const std::string& name_or_path, const arch::Shape& input, std::size_t classes) {
  arch::Architecture net = model_or_file(name_or_path);
  const auto names = zoo::names();
  const bool from_file = std::find(names.begin(), names.end(), name_or_path) == names.end();
  if (from_file && !(net.input == input))
    throw value_error("network_for_data", name_or_path + " is written for an input of " + arch::to_string(net.input) +
                                              ", the data are " + arch::to_string(input) + ": change its input line");
  const arch::NetworkStats stats = arch::analyze(net, input);
  if (stats.total.output.size() != classes)
    throw value_error("network_for_data", net.name + " ends in " + std::to_string(stats.total.output.size()) +
                                              " values (" + arch::to_string(stats.total.output) + "), the data have " +
                                              std::to_string(classes) + " classes: the last layer needs " +
                                              std::to_string(classes) + " outputs (fc M=" + std::to_string(classes) +
                                              ")");
  net.input = input;
  return net;
}

}  // namespace cnn
