#include "runtime/solver.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <numeric>
#include <sstream>
#include <type_traits>

#include "core/checks.hpp"
#include "core/errors.hpp"
#include "io/files.hpp"
#include "io/npy.hpp"

namespace cnn {

UpdateRule parse_update_rule(const std::string& name) {
  if (name == "sgd") return UpdateRule::sgd;
  if (name == "momentum") return UpdateRule::momentum;
  if (name == "nesterov") return UpdateRule::nesterov;
  if (name == "adagrad") return UpdateRule::adagrad;
  if (name == "rmsprop") return UpdateRule::rmsprop;
  if (name == "adam") return UpdateRule::adam;
  if (name == "adadelta") return UpdateRule::adadelta;
  throw value_error("parse_update_rule", "unknown update rule \"" + name +
                                             "\"; expected sgd, momentum, nesterov, adagrad, rmsprop, adam or adadelta");
}

std::string rule_name(UpdateRule rule) {
  switch (rule) {
    case UpdateRule::sgd: return "sgd";
    case UpdateRule::momentum: return "momentum";
    case UpdateRule::nesterov: return "nesterov";
    case UpdateRule::adagrad: return "adagrad";
    case UpdateRule::rmsprop: return "rmsprop";
    case UpdateRule::adam: return "adam";
    case UpdateRule::adadelta: return "adadelta";
  }
  return "unknown";
}

double accuracy(Model& model, const Dataset& data, const Normalization& norm, std::size_t max_images,
                std::size_t batch) {
  const std::size_t n = max_images == 0 ? data.count : std::min(max_images, data.count);
  if (n == 0) return 0.0;
  std::size_t correct = 0;
  std::vector<std::size_t> idx;
  for (std::size_t start = 0; start < n; start += batch) {
    idx.resize(std::min(batch, n - start));
    std::iota(idx.begin(), idx.end(), start);
    const Tensor2 s = model.scores(batch_images(data, idx, norm));
    for (std::size_t b = 0; b < idx.size(); ++b) {
      std::size_t best = 0;
      for (std::size_t k = 1; k < s.shape(1); ++k)
        if (s(b, k) > s(b, best)) best = k;
      if (best == data.labels[idx[b]]) ++correct;
    }
  }
  return static_cast<double>(correct) / static_cast<double>(n);
}

Solver::Solver(Model& model, const Dataset& train, const Dataset& val, SolverConfig config)
    : model_(model), train_(train), val_(val), config_(std::move(config)), lr_(config_.learning_rate) {
  if (config_.batch_size == 0) throw value_error("Solver", "batch_size must be at least 1");
  if (train_.count == 0) throw value_error("Solver", "the training set is empty");
  if (train_.count < config_.min_batch)
    throw value_error("Solver", "the training set has " + std::to_string(train_.count) + " image(s); this model needs " +
                                    std::to_string(config_.min_batch) + " or more per minibatch");
  for (std::size_t i = 0; i < model_.params().size(); ++i) {
    switch (config_.rule) {
      case UpdateRule::sgd: rules_.emplace_back(SgdConfig{}); break;
      case UpdateRule::momentum: rules_.emplace_back(MomentumConfig{}); break;
      case UpdateRule::nesterov: rules_.emplace_back(NesterovConfig{}); break;
      case UpdateRule::adagrad: rules_.emplace_back(AdagradConfig{}); break;
      case UpdateRule::rmsprop: rules_.emplace_back(RmspropConfig{}); break;
      case UpdateRule::adam: rules_.emplace_back(AdamConfig{}); break;
      case UpdateRule::adadelta: rules_.emplace_back(AdadeltaConfig{}); break;
    }
  }
}

namespace {

// The hyperparameters every rule shares are set before each step (the learning rate decays).
template <class C>
void set_common(C& c, double lr, double momentum, double weight_decay) {
  c.learning_rate = lr;
  c.weight_decay = weight_decay;
  if constexpr (requires { c.momentum; }) c.momentum = momentum;
  if constexpr (requires { c.beta1; }) c.beta1 = momentum;
}

// One rule's step, with the model's function for it (the library's or the exercise's).
void apply(const TrainingFunctions& f, SgdConfig& c, std::span<double> w, std::span<const double> g) { f.sgd(w, g, c); }
void apply(const TrainingFunctions& f, MomentumConfig& c, std::span<double> w, std::span<const double> g) { f.sgd_momentum(w, g, c); }
void apply(const TrainingFunctions& f, NesterovConfig& c, std::span<double> w, std::span<const double> g) { f.nesterov(w, g, c); }
void apply(const TrainingFunctions& f, AdagradConfig& c, std::span<double> w, std::span<const double> g) { f.adagrad(w, g, c); }
void apply(const TrainingFunctions& f, RmspropConfig& c, std::span<double> w, std::span<const double> g) { f.rmsprop(w, g, c); }
void apply(const TrainingFunctions& f, AdamConfig& c, std::span<double> w, std::span<const double> g) { f.adam(w, g, c); }
void apply(const TrainingFunctions& f, AdadeltaConfig& c, std::span<double> w, std::span<const double> g) { f.adadelta(w, g, c); }

// The state vectors of a rule's config, for checkpoints: pointers to const vectors for a const config (saving),
// to mutable ones otherwise (loading).
template <class C>
auto state_of(C& c) {
  using V = std::conditional_t<std::is_const_v<C>, const std::vector<double>, std::vector<double>>;
  using Rule = std::remove_const_t<C>;
  if constexpr (std::is_same_v<Rule, MomentumConfig> || std::is_same_v<Rule, NesterovConfig>)
    return std::vector<V*>{&c.velocity};
  else if constexpr (std::is_same_v<Rule, AdagradConfig> || std::is_same_v<Rule, RmspropConfig>)
    return std::vector<V*>{&c.cache};
  else if constexpr (std::is_same_v<Rule, AdamConfig>)
    return std::vector<V*>{&c.m, &c.v};
  else if constexpr (std::is_same_v<Rule, AdadeltaConfig>)
    return std::vector<V*>{&c.square_avg, &c.delta_avg};
  else
    return std::vector<V*>{};  // plain SGD keeps no state
}

}  // namespace

namespace {

bool all_finite(std::span<const double> v) {
  return std::all_of(v.begin(), v.end(), [](double a) { return std::isfinite(a); });
}

// The layer a parameter belongs to: its name up to the last '.' ("conv1.w" -> "conv1", "res2/conv1.w" -> "res2/conv1").
std::string layer_of(const std::string& param_name) { return param_name.substr(0, param_name.rfind('.')); }

// Where a non-finite loss comes from: the first layer holding a non-finite parameter or buffer, otherwise the
// first layer whose output on this batch is not finite (the batch is run again, layer by layer, in train mode).
std::string locate_non_finite(Model& model, const Tensor4& x) {
  for (auto& p : model.params())
    if (!all_finite(p.value)) return "layer " + layer_of(p.name) + " holds a non-finite value in " + p.name;
  for (auto& b : model.buffers())
    if (!all_finite(b.value)) return "layer " + layer_of(b.name) + " holds a non-finite value in " + b.name;
  Tensor a = x;
  if (!all_finite(std::span<const double>(a.data(), a.size()))) return "the input images are not finite";
  for (const auto& layer : model.layers()) {
    a = layer->forward(std::move(a), Mode::train);
    if (!all_finite(std::span<const double>(a.data(), a.size())))
      return "the output of layer " + layer->name() + " (" + layer->describe() + ") is the first that is not finite";
  }
  return "every layer's output is finite: the loss itself overflowed";
}

}  // namespace

double Solver::step(std::span<const std::size_t> indices) {
  const Tensor4 x = batch_images(train_, indices, config_.norm);
  const Labels y = batch_labels(train_, indices);
  const double loss = model_.loss_and_gradients(x, y);
  const std::string at = "at step " + std::to_string(steps_done_ + 1) + " (epoch " + std::to_string(epochs_done_ + 1) + ")";
  const std::string stopped = "training stopped before the update; the last checkpoint written, if any, is kept";
  if (!std::isfinite(loss))
    throw value_error("Solver::step", "the loss is " + std::to_string(loss) + " " + at + ": " +
                                          locate_non_finite(model_, x) + "; lower the learning rate (" + stopped + ")");
  auto params = model_.params();
  for (auto& p : params)
    if (!all_finite(p.grad))
      throw value_error("Solver::step", "a gradient of " + p.name + " (layer " + layer_of(p.name) + ") is not finite " +
                                            at + " (" + stopped + ")");
  const TrainingFunctions& rules = model_.layer_set().training;
  for (std::size_t i = 0; i < params.size(); ++i) {
    std::visit(
        [&](auto& c) {
          set_common(c, lr_, config_.momentum, config_.weight_decay);
          apply(rules, c, params[i].value, params[i].grad);
        },
        rules_[i]);
  }
  ++steps_done_;
  history_.loss.push_back(loss);
  return loss;
}

void Solver::set_learning_rate(double lr) {
  if (!(lr > 0)) throw value_error("Solver::set_learning_rate", "the learning rate must be above 0, got " + std::to_string(lr));
  lr_ = lr;
}

const History& Solver::train(const std::function<void(const StepInfo&)>& on_step) {
  const std::size_t N = train_.count, B = config_.batch_size;
  std::size_t steps = (N + B - 1) / B;
  if (steps > 1 && N - (steps - 1) * B < config_.min_batch) --steps;  // the small last minibatch joins the one before
  std::vector<std::size_t> order(N);
  while (epochs_done_ < config_.epochs) {
    const std::size_t epoch = epochs_done_ + 1;
    // A new order every epoch, from the seed and the epoch number: a resumed run draws the same batches.
    std::iota(order.begin(), order.end(), std::size_t{0});
    Rng rng(config_.seed * 1000003u + epoch);
    for (std::size_t i = N; i > 1; --i) std::swap(order[i - 1], order[rng.index(i)]);
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t s = 0; s < steps; ++s) {
      const std::size_t lo = s * B, hi = s + 1 == steps ? N : lo + B;
      const double loss = step(std::span<const std::size_t>(order.data() + lo, hi - lo));
      if (on_step) {
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        on_step(StepInfo{epoch, s + 1, steps, loss, secs, hi});
      }
    }
    history_.epoch_seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    history_.train_acc.push_back(accuracy(model_, train_, config_.norm, config_.train_acc_samples));
    const double val = val_.count ? accuracy(model_, val_, config_.norm) : 0.0;
    history_.val_acc.push_back(val);
    if (val_.count && (history_.best_epoch == 0 || val > history_.best_val_acc)) {
      history_.best_epoch = epoch;
      history_.best_val_acc = val;
      best_.clear();
      for (auto& p : model_.params()) best_.emplace_back(p.value.begin(), p.value.end());
      for (auto& b : model_.buffers()) best_.emplace_back(b.value.begin(), b.value.end());
    }
    lr_ *= config_.lr_decay;
    epochs_done_ = epoch;
    if (!config_.checkpoint.empty()) save_checkpoint(config_.checkpoint);
  }
  if (!best_.empty()) {
    std::size_t k = 0;
    for (auto& p : model_.params()) std::copy(best_[k].begin(), best_[k].end(), p.value.begin()), ++k;
    for (auto& b : model_.buffers()) std::copy(best_[k].begin(), best_[k].end(), b.value.begin()), ++k;
  }
  return history_;
}

// --- checkpoints ----------------------------------------------------------------------------------------
// Layout (little-endian, as written by this machine): "CNNLABCK", u32 version, u64 epochs done, u64 steps done,
// f64 learning rate, u32 rule, the other hyperparameters (f64 lr decay, momentum, weight decay; u64 batch size,
// seed), then a u64 count and that many arrays (name, rank, dims, values) for the parameters, then the
// buffers, then for every parameter the rule's state vectors and Adam's step count, then the history. Every array carries its name and shape, so a checkpoint of another model is refused. The file ends
// with zlib's crc32 of everything before it (u32), so a flipped or lost byte is refused too.

namespace {

constexpr char kMagic[8] = {'C', 'N', 'N', 'L', 'A', 'B', 'C', 'K'};
constexpr std::uint32_t kVersion = 2;  // 1: no hyperparameters, no checksum
constexpr std::size_t kEpochsAt = 12, kLrAt = 28, kRuleAt = 36, kHyperAt = 40;  // byte offsets
constexpr std::size_t kHyperBytes = 5 * 8;
constexpr std::uint64_t kMaxCheckpointEpochs = 10'000;  // train's --epochs accepts no more

// The payload of a checkpoint file: its bytes without the trailing checksum, once the checksum matches.
std::span<const std::uint8_t> verified_payload(std::span<const std::uint8_t> file, const std::string& path) {
  auto fail = [&](const std::string& what) { throw io_error("Solver::load_checkpoint", path + ": " + what); };
  if (file.size() < sizeof kMagic + 4 || std::memcmp(file.data(), kMagic, sizeof kMagic) != 0)
    fail("not a cnnlab checkpoint (wrong magic)");
  std::uint32_t version = 0;
  std::memcpy(&version, file.data() + sizeof kMagic, sizeof version);
  if (version == 1)
    fail("checkpoint version 1, from an older cnnlab, which has no checksum: this build reads version " +
         std::to_string(kVersion) + "; start afresh");
  if (file.size() < sizeof kMagic + 8) fail("truncated at byte " + std::to_string(file.size()));
  const auto payload = file.first(file.size() - 4);
  std::uint32_t stored = 0;
  std::memcpy(&stored, file.data() + payload.size(), sizeof stored);
  const std::uint32_t actual = crc32_of(payload);
  if (stored != actual) {
    char msg[160];
    std::snprintf(msg, sizeof msg, "damaged or truncated: its checksum does not match (crc32 %08x stored, %08x "
                  "computed over %zu bytes)", static_cast<unsigned>(stored), static_cast<unsigned>(actual), payload.size());
    fail(msg);
  }
  // The version is believed only once the checksum holds: a flipped bit in it is damage, not "version 65538".
  if (version != kVersion)
    fail("checkpoint version " + std::to_string(version) + ", this build reads version " + std::to_string(kVersion));
  return payload;
}

class Writer {
 public:
  explicit Writer(std::ostream& out) : out_(out) {}
  template <class T>
  void put(T v) { out_.write(reinterpret_cast<const char*>(&v), sizeof v); }
  void put_doubles(std::span<const double> v) {
    put<std::uint64_t>(v.size());
    out_.write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(double)));
  }
  void put_string(const std::string& s) {
    put<std::uint32_t>(static_cast<std::uint32_t>(s.size()));
    out_.write(s.data(), static_cast<std::streamsize>(s.size()));
  }
 private:
  std::ostream& out_;
};

class Reader {
 public:
  Reader(std::span<const std::uint8_t> bytes, std::string path) : b_(bytes), path_(std::move(path)) {}
  template <class T>
  T get() {
    need(sizeof(T));
    T v;
    std::memcpy(&v, b_.data() + at_, sizeof v);
    at_ += sizeof v;
    return v;
  }
  std::vector<double> get_doubles() {
    const auto n = get<std::uint64_t>();
    if (n > (b_.size() - at_) / sizeof(double)) fail("truncated (an array of " + std::to_string(n) + " values)");
    std::vector<double> v(n);
    if (n > 0) std::memcpy(v.data(), b_.data() + at_, n * sizeof(double));  // (an empty vector's data() may be null)
    at_ += n * sizeof(double);
    return v;
  }
  std::string get_string() {
    const auto n = get<std::uint32_t>();
    need(n);
    std::string s(reinterpret_cast<const char*>(b_.data()) + at_, n);
    at_ += n;
    return s;
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw io_error("Solver::load_checkpoint", path_ + ": " + what);
  }
  bool at_end() const { return at_ == b_.size(); }
  std::size_t left() const { return b_.size() - at_; }

 private:
  void need(std::size_t n) const {
    if (n > b_.size() - at_) fail("truncated at byte " + std::to_string(at_));
  }
  std::span<const std::uint8_t> b_;
  std::string path_;
  std::size_t at_ = 0;
};

}  // namespace

void Solver::save_checkpoint(const std::string& path) const {
  write_file_atomically(path, "Solver::save_checkpoint", [&](std::ostream& file) {
    std::ostringstream out;
    Writer w(out);
    out.write(kMagic, sizeof kMagic);
    w.put(kVersion);
    w.put<std::uint64_t>(epochs_done_);
    w.put<std::uint64_t>(steps_done_);
    w.put(lr_);
    w.put<std::uint32_t>(static_cast<std::uint32_t>(config_.rule));
    w.put(config_.lr_decay);
    w.put(config_.momentum);
    w.put(config_.weight_decay);
    w.put<std::uint64_t>(config_.batch_size);
    w.put<std::uint64_t>(config_.seed);
    auto write_arrays = [&](const std::vector<ParamView>& arrays) {
      w.put<std::uint64_t>(arrays.size());
      for (const auto& a : arrays) {
        w.put_string(a.name);
        w.put<std::uint32_t>(static_cast<std::uint32_t>(a.shape.size()));
        for (auto d : a.shape) w.put<std::uint64_t>(d);
        w.put_doubles(a.value);
      }
    };
    write_arrays(model_.params());
    write_arrays(model_.buffers());
    for (const auto& rule : rules_) {
      std::visit(
          [&](const auto& c) {
            const auto state = state_of(c);
            w.put<std::uint32_t>(static_cast<std::uint32_t>(state.size()));
            for (auto* v : state) w.put_doubles(*v);
            std::uint64_t t = 0;
            if constexpr (requires { c.t; }) t = c.t;
            w.put(t);
          },
          rule);
    }
    for (const auto* series : {&history_.loss, &history_.train_acc, &history_.val_acc, &history_.epoch_seconds})
      w.put_doubles(*series);
    w.put<std::uint64_t>(history_.best_epoch);
    w.put(history_.best_val_acc);
    w.put<std::uint64_t>(best_.size());
    for (const auto& v : best_) w.put_doubles(v);
    const std::string payload = std::move(out).str();
    const std::uint32_t crc = crc32_of({reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()});
    file.write(payload.data(), static_cast<std::streamsize>(payload.size()));
    file.write(reinterpret_cast<const char*>(&crc), sizeof crc);
  });
}

CheckpointInfo read_checkpoint_info(const std::string& path) {
  const std::vector<std::uint8_t> bytes = read_file(path, "Solver::load_checkpoint");
  const auto payload = verified_payload(bytes, path);
  if (payload.size() < kHyperAt + kHyperBytes) throw io_error("Solver::load_checkpoint", path + ": truncated");
  auto at = [&](std::size_t offset, auto v) {
    std::memcpy(&v, payload.data() + offset, sizeof v);
    return v;
  };
  const std::size_t hyper = kHyperAt;
  const auto rule = at(kRuleAt, std::uint32_t{});
  if (rule > static_cast<std::uint32_t>(UpdateRule::adadelta))
    throw io_error("Solver::load_checkpoint", path + ": unknown update rule " + std::to_string(rule));
  CheckpointInfo info;
  info.epochs_done = at(kEpochsAt, std::uint64_t{});
  info.learning_rate = at(kLrAt, double{});
  info.rule = static_cast<UpdateRule>(rule);
  info.lr_decay = at(hyper, double{});
  info.momentum = at(hyper + 8, double{});
  info.weight_decay = at(hyper + 16, double{});
  info.batch_size = at(hyper + 24, std::uint64_t{});
  info.seed = at(hyper + 32, std::uint64_t{});
  // Like any input, whatever its checksum says: each hyperparameter in the range train accepts, named when not.
  auto refuse = [&](const std::string& what, const std::string& value, const std::string& range) {
    throw io_error("Solver::load_checkpoint", path + ": holds " + what + " " + value + ", out of range (" + range + ")");
  };
  // (A rate that decayed to 0 or below a normal number is read: a --lr given on resuming replaces it.)
  if (!(std::isfinite(info.learning_rate) && info.learning_rate >= 0))
    refuse("a learning rate of", num_str(info.learning_rate), "a finite number, 0 or more");
  if (!(info.lr_decay > 0 && info.lr_decay <= 1)) refuse("a learning-rate decay of", num_str(info.lr_decay), "(0, 1]");
  if (!(info.momentum >= 0 && info.momentum < 1)) refuse("a momentum of", num_str(info.momentum), "[0, 1)");
  if (!(info.weight_decay >= 0 && std::isfinite(info.weight_decay)))
    refuse("a weight decay of", num_str(info.weight_decay), "0 or more, finite");
  if (info.batch_size == 0) refuse("a batch size of", "0", "1 or more");
  if (info.epochs_done > kMaxCheckpointEpochs)
    refuse("an epoch count of", std::to_string(info.epochs_done), "at most " + std::to_string(kMaxCheckpointEpochs));
  return info;
}

void Solver::load_checkpoint(const std::string& path) {
  const std::vector<std::uint8_t> bytes = read_file(path, "Solver::load_checkpoint");
  load_checkpoint_bytes(verified_payload(bytes, path), path);
}

void Solver::load_checkpoint_bytes(std::span<const std::uint8_t> bytes, const std::string& path) {
  Reader r(bytes, path);
  if (bytes.size() < sizeof kMagic || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
    r.fail("not a cnnlab checkpoint (wrong magic)");
  for (std::size_t i = 0; i < sizeof kMagic; ++i) r.get<char>();
  if (const auto v = r.get<std::uint32_t>(); v != kVersion)
    r.fail("checkpoint version " + std::to_string(v) + ", this build reads version " + std::to_string(kVersion));
  const auto epochs = r.get<std::uint64_t>();
  const auto steps = r.get<std::uint64_t>();
  const auto lr = r.get<double>();
  if (epochs > kMaxCheckpointEpochs)
    r.fail("holds " + std::to_string(epochs) + " epochs, at most " + std::to_string(kMaxCheckpointEpochs) + " make sense");
  if (!(std::isfinite(lr) && lr >= 0)) r.fail("holds a learning rate of " + num_str(lr) + ", not a finite number, 0 or more");
  if (r.get<std::uint32_t>() != static_cast<std::uint32_t>(config_.rule))
    r.fail("saved with another update rule than this solver's");
  for (std::size_t k = 0; k < 5; ++k) r.get<double>();  // the other hyperparameters: read_checkpoint_info's
  // Read everything first; change the model only once the whole file has been checked.
  auto read_arrays = [&](const std::vector<ParamView>& expect) {
    std::vector<std::vector<double>> values;
    if (r.get<std::uint64_t>() != expect.size()) r.fail("holds a different number of arrays than this model");
    for (const auto& e : expect) {
      const std::string name = r.get_string();
      if (name != e.name) r.fail("array \"" + name + "\" where this model has \"" + e.name + "\"");
      // The rank comes from the file: it must be checked against the bytes left before anything is allocated.
      const auto rank = r.get<std::uint32_t>();
      if (rank > r.left() / sizeof(std::uint64_t)) r.fail(name + ": truncated (a shape of " + std::to_string(rank) + " dimensions)");
      std::vector<std::size_t> shape(rank);
      for (auto& d : shape) d = r.get<std::uint64_t>();
      if (shape != e.shape) r.fail(name + " has shape " + shape_str(shape) + ", this model's is " + shape_str(e.shape));
      values.push_back(r.get_doubles());
      if (values.back().size() != e.value.size()) r.fail(name + ": wrong number of values");
      if (const std::string bad = first_non_finite(values.back(), shape); !bad.empty())
        r.fail(name + " holds " + bad + "; training cannot resume from values that are not finite");
    }
    return values;
  };
  auto params = model_.params();
  auto buffers = model_.buffers();
  const auto pv = read_arrays(params);
  const auto bv = read_arrays(buffers);
  std::vector<std::vector<std::vector<double>>> states(rules_.size());
  std::vector<std::uint64_t> ts(rules_.size());
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    const auto n = r.get<std::uint32_t>();
    if (n > 2) r.fail("corrupt optimizer state");
    for (std::uint32_t k = 0; k < n; ++k) {
      states[i].push_back(r.get_doubles());
      const std::vector<double>& v = states[i].back();
      if (!v.empty() && v.size() != params[i].value.size())
        r.fail("optimizer state of " + params[i].name + " has the wrong size");
      const std::vector<std::size_t> shape = {v.size()};
      if (const std::string bad = first_non_finite(v, shape); !bad.empty())
        r.fail("optimizer state of " + params[i].name + " holds " + bad + "; training cannot resume from it");
      // Velocities may be negative; the rules' running averages of squares (AdaGrad's and RMSProp's cache, Adam's
      // v, AdaDelta's both) are square roots' arguments and never are.
      const bool squares = config_.rule == UpdateRule::adagrad || config_.rule == UpdateRule::rmsprop ||
                           config_.rule == UpdateRule::adadelta || (config_.rule == UpdateRule::adam && k == 1);
      if (squares && std::any_of(v.begin(), v.end(), [](double a) { return a < 0; }))
        r.fail("optimizer state of " + params[i].name + " holds a negative running average of squares");
    }
    ts[i] = r.get<std::uint64_t>();
    if (ts[i] > steps)
      r.fail("optimizer state of " + params[i].name + " counts " + std::to_string(ts[i]) + " steps, the checkpoint " +
             std::to_string(steps));
  }
  History h;
  h.loss = r.get_doubles();
  h.train_acc = r.get_doubles();
  h.val_acc = r.get_doubles();
  h.epoch_seconds = r.get_doubles();
  h.best_epoch = r.get<std::uint64_t>();
  h.best_val_acc = r.get<double>();
  // The history must be what train() makes: one entry per epoch (write_history and the plots index them
  // together), one loss per step.
  if (h.train_acc.size() != epochs || h.val_acc.size() != epochs || h.epoch_seconds.size() != epochs)
    r.fail("corrupt history: " + std::to_string(h.train_acc.size()) + " training accuracies, " +
           std::to_string(h.val_acc.size()) + " validation accuracies and " + std::to_string(h.epoch_seconds.size()) +
           " epoch times for " + std::to_string(epochs) + " epochs");
  if (h.loss.size() != steps)
    r.fail("corrupt history: " + std::to_string(h.loss.size()) + " losses for " + std::to_string(steps) + " steps");
  if (h.best_epoch > epochs)
    r.fail("corrupt history: best epoch " + std::to_string(h.best_epoch) + " of " + std::to_string(epochs));
  auto within = [&](const std::vector<double>& v, double lo, double hi, const char* what) {
    for (std::size_t k = 0; k < v.size(); ++k)
      if (!(v[k] >= lo && v[k] <= hi))  // (false for NaN)
        r.fail("corrupt history: " + std::string(what) + " " + std::to_string(k + 1) + " is " + num_str(v[k]) +
               ", expected " + (std::isinf(hi) ? "a finite number" : "a number from " + num_str(lo) + " to " + num_str(hi)));
  };
  within(h.loss, -std::numeric_limits<double>::max(), std::numeric_limits<double>::max(), "loss");
  within(h.train_acc, 0, 1, "training accuracy");
  within(h.val_acc, 0, 1, "validation accuracy");
  within(h.epoch_seconds, 0, std::numeric_limits<double>::max(), "epoch time");
  if (!(h.best_val_acc >= 0 && h.best_val_acc <= 1))
    r.fail("corrupt history: best validation accuracy " + num_str(h.best_val_acc) + ", expected a number from 0 to 1");
  // The best values: none (no validation set, or no epoch yet), or one array per parameter and buffer, which
  // train() copies back into the model. The count comes from the file: checked before anything is allocated.
  const auto n_best = r.get<std::uint64_t>();
  if (n_best != 0 && n_best != params.size() + buffers.size())
    r.fail("holds " + std::to_string(n_best) + " arrays of best values, expected 0 or " +
           std::to_string(params.size() + buffers.size()) + " (one per parameter and buffer)");
  std::vector<std::vector<double>> best(n_best);
  for (std::size_t k = 0; k < best.size(); ++k) {
    best[k] = r.get_doubles();
    const ParamView& a = k < params.size() ? params[k] : buffers[k - params.size()];
    if (best[k].size() != a.value.size())
      r.fail("best values of " + a.name + ": " + std::to_string(best[k].size()) + " values, expected " +
             std::to_string(a.value.size()));
    if (const std::string bad = first_non_finite(best[k], a.shape); !bad.empty())
      r.fail("best values of " + a.name + " hold " + bad + "; they would become the model's parameters");
  }

  if (!r.at_end()) r.fail("has bytes after the end of the checkpoint");
  // Last check before anything changes: each rule keeps as many state vectors as its kind says.
  for (std::size_t i = 0; i < rules_.size(); ++i)
    std::visit(
        [&](auto& c) {
          if (state_of(c).size() != states[i].size()) r.fail("optimizer state does not match the update rule");
        },
        rules_[i]);

  for (std::size_t i = 0; i < params.size(); ++i) std::copy(pv[i].begin(), pv[i].end(), params[i].value.begin());
  for (std::size_t i = 0; i < buffers.size(); ++i) std::copy(bv[i].begin(), bv[i].end(), buffers[i].value.begin());
  for (std::size_t i = 0; i < rules_.size(); ++i)
    std::visit(
        [&](auto& c) {
          const auto state = state_of(c);
          for (std::size_t k = 0; k < state.size(); ++k) *state[k] = states[i][k];
          if constexpr (requires { c.t; }) c.t = ts[i];
        },
        rules_[i]);
  epochs_done_ = epochs;
  steps_done_ = steps;
  lr_ = lr;
  history_ = std::move(h);
  best_ = std::move(best);
}

}  // namespace cnn
