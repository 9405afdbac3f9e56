// Train a ConvNet on Fashion-MNIST, watch it learn, and look at what it learned.
//
//   ./build/release/lectures/train --epochs 2           # LeNet-5, 2 epochs (the README's main job)
//   ./build/release/lectures/train --epochs 5 --rule adam --lr 0.003 --lr-decay 0.6   # 89.8 %
//   ./build/release/lectures/train --help
//
// The lecture shows a small ConvNet learning in a browser, its filters and activation maps on screen. This is
// the same from a terminal: a progress bar while it trains, then report.html in --out: charts (SVG) of the loss,
// the accuracies and the update sizes, the first layer's filters, every conv layer's activation maps for one
// test image, a confusion matrix and the most confident mistakes, with the network's table and the history.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <malloc.h>
#include <numeric>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <unistd.h>
#include <xtensor/xview.hpp>

#include "calculator/arch.hpp"
#include "core/checks.hpp"
#include "io/cli.hpp"
#include "io/data.hpp"
#include "io/files.hpp"
#include "runtime/layer_set.hpp"
#include "runtime/live.hpp"
#include "runtime/model.hpp"
#include "calculator/netfile.hpp"
#include "io/npy.hpp"
#include "runtime/params_npy.hpp"
#include "runtime/report.hpp"
#include "runtime/solver.hpp"
#include "calculator/zoo.hpp"

using namespace cnn;
namespace fs = std::filesystem;

namespace {

struct Options {
  std::string data = kFashionMnistDir;
  std::string model = "lenet5-fashion";
  std::string out = "out/train";
  std::string rule = "momentum";
  std::string layers = "reference";
  std::size_t epochs = 1;
  std::size_t batch = 64;
  std::size_t val = 5000;
  std::size_t limit = 0;
  double lr = 0.02;
  double lr_decay = 1.0;
  double momentum = 0.9;
  double weight_decay = 0.0;
  std::uint64_t seed = 1;
  std::string checkpoint;
  bool resume = false;
  std::string load_params;
  std::optional<std::uint16_t> live;  // --live [PORT]: the page that watches training
  std::set<std::string> given;  // the flags on the command line (with --resume they override the checkpoint)
  std::string command;          // the whole command line, for the report
};

const char* kUsage =
    "usage: train [options]\n"
    "Trains a model of the zoo on Fashion-MNIST (or MNIST) and writes pictures of what it learned.\n"
    "\n"
    "  --data DIR        folder with the IDX files (default /usr/share/datasets/fashion-mnist,\n"
    "                    from the Debian package dataset-fashion-mnist)\n"
    "  --model NAME      lenet5-fashion (default) or fashion-bn (small, with batch normalization),\n"
    "                    or a network file (cnncalc model lenet5-fashion --format net writes one)\n"
    "  --epochs N        passes over the training set (default 1); 0 with --load-params or --resume\n"
    "                    only evaluates\n"
    "  --batch N         images per step (default 64)\n"
    "  --lr X            learning rate (default 0.02)\n"
    "  --lr-decay X      learning rate multiplied by X after every epoch (default 1)\n"
    "  --rule NAME       sgd, momentum (default), nesterov, adagrad, rmsprop, adam, adadelta\n"
    "  --layers SET      reference (default: the library's layers) or mine (your exercises/: affine,\n"
    "                    ReLU, softmax loss, im2col convolution, pooling, batch norm, dropout, the rule)\n"
    "  --momentum X      momentum, or Adam's beta1 (default 0.9)\n"
    "  --weight-decay X  L2 weight decay (default 0)\n"
    "  --val N           training images kept for validation (default 5000)\n"
    "  --limit N         train on the first N training images only (0 = all; for quick tries)\n"
    "  --seed S          seed of the weights and the batch order (default 1)\n"
    "  --out DIR         where pictures, history.csv and parameters (.npy) go (default out/train);\n"
    "                    written as a set: the folder is replaced whole at the end\n"
    "  --checkpoint F    save a checkpoint to F after every epoch\n"
    "  --resume          continue from --checkpoint F instead of starting afresh; flags given\n"
    "                    override the hyperparameters saved in F\n"
    "  --load-params DIR start from the parameters in DIR/<name>.npy, as --out writes them\n"
    "                    (train --epochs 0 --load-params out/train: the test accuracy of a saved model)\n"
    "  --live [PORT]     watch it learn: serve a page on http://127.0.0.1:PORT/ (no PORT or 0: a free\n"
    "                    one; the address is printed) that updates while training runs. After the\n"
    "                    report is written it is served for up to 30 s more while a page is open\n"
    "  --help            this message\n"
    "\n"
    "Everything that can be checked (data, model, --out, --checkpoint) is checked before the first step.\n"
    "Exit status: 0 success, 1 an error (one line says which), 2 a mistake on the command line.\n"
    "\n"
    "Examples (measured on a 2-core machine, seed 1):\n"
    "  train                                                  LeNet-5, 1 epoch: 85.3 % test accuracy\n"
    "  train --epochs 2                                       LeNet-5, 2 epochs: 86.4 % (the README's main job)\n"
    "  train --epochs 5 --rule adam --lr 0.003 --lr-decay 0.6 LeNet-5 recipe: 89.8 %\n"
    "  train --model fashion-bn --epochs 4 --rule adam --lr 0.003 --lr-decay 0.6\n"
    "                                                         batch-normalized net: 92.4 %\n";

using cli::usage_error;

// Counts are refused outside these ranges while parsing, with the flag's name (a negative count used to wrap
// around to 2^64 - 1: `--epochs -1` never ended).
constexpr std::uint64_t kMaxEpochs = 10'000, kMaxImages = 1'000'000'000;

const std::vector<cli::Flag> kFlags = {
    {"--data"},   {"--model"}, {"--out"},      {"--rule"},     {"--epochs"},    {"--batch"},  {"--val"},
    {"--limit"},  {"--lr"},    {"--lr-decay"}, {"--momentum"}, {"--weight-decay"}, {"--seed"}, {"--checkpoint"},
    {"--resume", false},       {"--load-params"}, {"--layers"}, {"--live"}};

Options parse(int argc, char** argv) {
  const std::vector<std::string> args = live::with_live_port({argv + std::min(argc, 1), argv + argc});
  const cli::Parsed p = cli::parse(args, kFlags);
  if (p.help) {
    std::cout << kUsage;
    std::exit(cli::exit_ok);
  }
  if (!p.positional.empty()) throw usage_error("unexpected argument '" + p.positional.front() + "'");
  Options o;
  for (const auto& [flag, value] : p.values) o.given.insert(flag);
  auto text = [&](const char* flag, std::string& into) {
    if (!p.has(flag)) return;
    into = p.get(flag);
    if (into.empty()) throw usage_error(std::string(flag) + " needs a value, got an empty one");
  };
  auto count = [&](const char* flag, auto& into, std::uint64_t min, std::uint64_t max) {
    if (p.has(flag)) into = static_cast<std::remove_reference_t<decltype(into)>>(cli::count(p.get(flag), flag, min, max));
  };
  auto real = [&](const char* flag, double& into) {
    if (p.has(flag)) into = cli::number(p.get(flag), flag);
  };
  text("--data", o.data);
  text("--model", o.model);
  text("--out", o.out);
  text("--rule", o.rule);
  text("--checkpoint", o.checkpoint);
  text("--load-params", o.load_params);
  text("--layers", o.layers);
  count("--epochs", o.epochs, 0, kMaxEpochs);
  count("--batch", o.batch, 1, kMaxImages);
  count("--val", o.val, 0, kMaxImages);
  count("--limit", o.limit, 0, kMaxImages);
  count("--seed", o.seed, 0, UINT64_MAX);
  real("--lr", o.lr);
  real("--lr-decay", o.lr_decay);
  real("--momentum", o.momentum);
  real("--weight-decay", o.weight_decay);
  o.resume = p.has("--resume");
  if (p.has("--live")) o.live = static_cast<std::uint16_t>(cli::count(p.get("--live"), "--live", 0, 65535));
  if (o.live && o.epochs == 0) throw usage_error("--live watches training: it needs --epochs 1 or more");
  if (o.epochs == 0 && o.load_params.empty() && !o.resume)
    throw usage_error("--epochs 0 only evaluates: it needs --load-params DIR or --resume");
  if (o.resume && o.checkpoint.empty()) throw usage_error("--resume needs --checkpoint F");
  if (!(o.lr > 0)) throw usage_error("--lr must be above 0, got " + num_str(o.lr));
  if (!(o.lr_decay > 0 && o.lr_decay <= 1)) throw usage_error("--lr-decay must be in (0, 1], got " + num_str(o.lr_decay));
  if (!(o.momentum >= 0 && o.momentum < 1)) throw usage_error("--momentum must be in [0, 1), got " + num_str(o.momentum));
  if (!(o.weight_decay >= 0)) throw usage_error("--weight-decay must be 0 or more, got " + num_str(o.weight_decay));
  try {  // names that the library would refuse later, after loading the data: refuse them now, as usage errors
    (void)parse_update_rule(o.rule);
    (void)model_or_file(o.model);  // a zoo name, or a network file (a broken one is refused here)
    (void)parse_layer_set(o.layers);
  } catch (const cnn::value_error& e) {
    throw usage_error(e.what());
  }
  if (o.resume && !o.load_params.empty())
    throw usage_error("--load-params and --resume both set the parameters: give one of them");
  return o;
}

std::string clock_time(double seconds) {
  const long s = std::lround(seconds);
  std::ostringstream os;
  os << s / 60 << ":" << std::setw(2) << std::setfill('0') << s % 60;
  return os.str();
}

// One line, redrawn in place on a terminal; a line every tenth of an epoch otherwise (logs, CI).
class ProgressBar {
 public:
  explicit ProgressBar(std::size_t epochs) : epochs_(epochs), tty_(isatty(fileno(stderr)) != 0) {}
  void operator()(const StepInfo& s) {
    avg_ = s.step == 1 ? s.loss : 0.95 * avg_ + 0.05 * s.loss;
    const bool last = s.step == s.steps;
    const std::size_t tenth = std::max<std::size_t>(1, s.steps / 10);
    if (!tty_ && !last && s.step % tenth != 0) return;
    const double rate = s.seconds > 0 ? static_cast<double>(s.images) / s.seconds : 0.0;
    const double frac = static_cast<double>(s.step) / static_cast<double>(s.steps);
    const double eta = frac > 0 ? s.seconds / frac - s.seconds : 0.0;
    const int width = 30, filled = static_cast<int>(frac * width);
    std::ostringstream os;
    os << "epoch " << s.epoch << "/" << epochs_ << " [" << std::string(filled, '#') << std::string(width - filled, '.')
       << "] " << std::setw(3) << static_cast<int>(100 * frac) << "%  loss " << std::fixed << std::setprecision(3)
       << avg_ << "  " << std::setprecision(0) << rate << " img/s  " << (last ? "took " + clock_time(s.seconds)
                                                                              : "ETA " + clock_time(eta));
    std::cerr << (tty_ ? "\r" : "") << os.str() << (tty_ && !last ? "" : "\n") << std::flush;
  }

 private:
  std::size_t epochs_;
  bool tty_;
  double avg_ = 0.0;
};

// history.csv per epoch and loss.csv per step; losses with 17 significant digits, so that two runs can be
// compared bit for bit (the same seed gives the same file).
void write_history(const fs::path& dir, const History& h) {
  write_file_atomically((dir / "history.csv").string(), "write_history", [&](std::ostream& csv) {
    csv << "epoch,train_acc,val_acc,seconds\n";
    for (std::size_t e = 0; e < h.val_acc.size(); ++e)
      csv << e + 1 << "," << h.train_acc[e] << "," << h.val_acc[e] << "," << h.epoch_seconds[e] << "\n";
  });
  write_file_atomically((dir / "loss.csv").string(), "write_history", [&](std::ostream& loss) {
    loss << "step,loss\n" << std::setprecision(17);
    for (std::size_t i = 0; i < h.loss.size(); ++i) loss << i + 1 << "," << h.loss[i] << "\n";
  });
}

// --- pre-flight: everything that can be checked is checked before the first step -----------------------------
// A mistake found after training costs the training: an --out that cannot be written, test images of another
// size, a last minibatch of one image under batch normalization. So the run starts by checking all of it, in
// seconds, and says what it decided.

// A hyperparameter and where its value came from: the command line, the checkpoint (--resume), or the default.
template <class T>
struct Setting {
  T value;
  std::string from;
};

struct Hyperparameters {
  Setting<std::string> rule;
  Setting<double> lr, lr_decay, momentum, weight_decay;
  Setting<std::size_t> batch;
  Setting<std::uint64_t> seed;
};

// Flags given on the command line win; with --resume the checkpoint gives the rest; defaults otherwise.
Hyperparameters choose_hyperparameters(const Options& opt, const std::optional<CheckpointInfo>& saved) {
  auto pick = [&](const std::string& flag, auto mine, auto theirs) {
    using T = decltype(mine);
    if (opt.given.count(flag) || !saved) return Setting<T>{mine, opt.given.count(flag) ? flag : "default"};
    return Setting<T>{theirs, "checkpoint"};
  };
  const CheckpointInfo c = saved.value_or(CheckpointInfo{});
  const std::string saved_rule = rule_name(c.rule);
  Hyperparameters h{pick("--rule", opt.rule, saved_rule),
                    pick("--lr", opt.lr, c.learning_rate),
                    pick("--lr-decay", opt.lr_decay, c.lr_decay),
                    pick("--momentum", opt.momentum, c.momentum),
                    pick("--weight-decay", opt.weight_decay, c.weight_decay),
                    pick("--batch", opt.batch, c.batch_size),
                    pick("--seed", opt.seed, c.seed)};
  if (saved && h.rule.value != saved_rule)
    throw value_error("--rule", opt.checkpoint + " was trained with " + saved_rule + " and holds the state of that rule: " +
                                    "resume with --rule " + saved_rule + " (or leave --rule out), or start afresh " +
                                    "without --resume");
  return h;
}

// The hyperparameters as the report shows them, with where each came from.
std::vector<std::pair<std::string, std::string>> settings_table(const Options& o, const Hyperparameters& h) {
  auto with = [](const std::string& value, const std::string& from) { return value + "  (" + from + ")"; };
  return {{"model", o.model},
          {"layers", o.layers},
          {"update rule", with(h.rule.value, h.rule.from)},
          {"learning rate", with(num_str(h.lr.value), h.lr.from)},
          {"learning-rate decay per epoch", with(num_str(h.lr_decay.value), h.lr_decay.from)},
          {"momentum / beta1", with(num_str(h.momentum.value), h.momentum.from)},
          {"weight decay", with(num_str(h.weight_decay.value), h.weight_decay.from)},
          {"batch size", with(std::to_string(h.batch.value), h.batch.from)},
          {"seed", with(std::to_string(h.seed.value), h.seed.from)},
          {"epochs", std::to_string(o.epochs)},
          {"validation images", std::to_string(o.val)},
          {"training images limit", o.limit ? std::to_string(o.limit) : "all"}};
}

void print_hyperparameters(const Hyperparameters& h, double next_lr, const std::string& checkpoint) {
  std::cout << "hyperparameters (flags on the command line override " << checkpoint << "):\n";
  auto row = [](const std::string& name, const std::string& value, const std::string& from) {
    std::cout << "  " << std::left << std::setw(14) << name << std::setw(12) << value << from << "\n";
  };
  row("rule", h.rule.value, h.rule.from);
  row("learning rate", num_str(next_lr), h.lr.from == "checkpoint" ? "checkpoint (decayed so far)" : h.lr.from);
  row("lr decay", num_str(h.lr_decay.value), h.lr_decay.from);
  row("momentum", num_str(h.momentum.value), h.momentum.from);
  row("weight decay", num_str(h.weight_decay.value), h.weight_decay.from);
  row("batch", std::to_string(h.batch.value), h.batch.from);
  row("seed", std::to_string(h.seed.value), h.seed.from);
}

// The training and test sets: readable, of one image shape, and large enough for --val and --limit.
struct Data {
  Dataset train, val, test;
};

Data load_data(const Options& opt) {
  Dataset full = load_fashion_mnist(opt.data, "train");
  Data d;
  d.test = load_fashion_mnist(opt.data, "test");
  auto shape = [](const Dataset& s) { return std::to_string(s.channels) + "x" + std::to_string(s.height) + "x" + std::to_string(s.width); };
  if (shape(full) != shape(d.test))
    throw io_error("load_data", "the test images (" + d.test.source + ") are " + shape(d.test) +
                                    " but the training images (" + full.source + ") are " + shape(full) +
                                    ": a model takes one image shape");
  if (d.test.classes != full.classes)
    throw io_error("load_data", d.test.source + " has " + std::to_string(d.test.classes) + " classes, " + full.source +
                                    " " + std::to_string(full.classes));
  if (opt.val >= full.count)
    throw value_error("--val", "keeps " + std::to_string(opt.val) + " images for validation, but " + full.source +
                                   " holds only " + std::to_string(full.count));
  if (opt.val > 0) {
    std::tie(d.train, d.val) = split_validation(full, opt.val);
  } else {
    d.val.channels = full.channels;  // an empty validation set, of the same shape
    d.val.height = full.height;
    d.val.width = full.width;
    d.val.classes = full.classes;
    d.train = std::move(full);
  }
  if (opt.limit > 0 && opt.limit < d.train.count) d.train = split_validation(d.train, d.train.count - opt.limit).first;
  return d;
}

// One forward pass on two test images (test mode: nothing in the model changes) proves the model's shapes
// against the data's before any training; then the scores must be one per class.
void check_model_against_data(Model& model, const Dataset& test, const std::string& model_name) {
  const std::vector<std::size_t> two = {0, std::min<std::size_t>(1, test.count - 1)};
  Tensor2 scores;
  try {
    scores = model.scores(batch_images(test, two, kFashionMnistNormalization));
  } catch (const cnn::shape_error& e) {
    throw shape_error("check_model_against_data", model_name + " does not take " + std::to_string(test.channels) +
                                                      "x" + std::to_string(test.height) + "x" + std::to_string(test.width) +
                                                      " images: " + e.what());
  }
  if (scores.shape(1) != test.classes)
    throw shape_error("check_model_against_data", model_name + " gives " + std::to_string(scores.shape(1)) +
                                                      " scores per image, the data has " + std::to_string(test.classes) +
                                                      " classes");
}

// The smallest minibatch the model takes: 2 when it has batch normalization (its running statistics are its
// only buffers), whose variance over one image is 0; 1 otherwise. A smaller last minibatch joins the one before.
std::size_t min_batch_of(Model& model) { return model.buffers().empty() ? 1 : 2; }

void say_how_batches_fall(std::size_t N, std::size_t B, std::size_t min_batch) {
  if (B >= N) {
    std::cout << "note: --batch " << B << " is not below the " << N << " training images: every step uses all of them\n";
    return;
  }
  const std::size_t last = N % B;
  if (last != 0 && last < min_batch)
    std::cout << "note: " << N << " images in minibatches of " << B << " leave " << last
              << " for the last one, and batch normalization needs at least " << min_batch
              << ": it joins the one before (" << B + last << " images)\n";
}

int run(const Options& opt) {
  // With --layers mine, every exercise the run calls must be written: say which are not before anything else.
  if (opt.layers == "mine") stop_unless_written("train --layers mine", exercises_for_training(model_or_file(opt.model), opt.rule));
  const auto start = std::chrono::steady_clock::now();
  std::cout << "cnnlab: training " << opt.model << " on " << opt.data << "\n";

  // Where the results go: checked first, since it takes no time. --out is written as a set (a temporary folder
  // beside it, renamed into place at the end); an evaluation (--epochs 0) writes nothing.
  std::optional<FolderWriter> out;
  if (opt.epochs > 0) out.emplace(opt.out, "--out");
  if (!opt.checkpoint.empty() && opt.epochs > 0) check_writable_file(opt.checkpoint, "--checkpoint");
  std::optional<CheckpointInfo> saved;
  if (opt.resume) saved = read_checkpoint_info(opt.checkpoint);
  std::optional<live::Server> live_server;  // a port in use is found here, before anything is loaded
  if (opt.live) live_server.emplace(*opt.live);
  const Hyperparameters hp = choose_hyperparameters(opt, saved);

  const Data data = load_data(opt);
  const Dataset& train = data.train;
  const Dataset& val = data.val;
  const Dataset& test = data.test;
  std::cout << "data: " << train.count << " training, "
            << (val.count ? std::to_string(val.count) + " validation, " : "no validation (--val 0), ") << test.count
            << " test images of " << train.height << "x" << train.width << "\n";

  const arch::Shape input{train.channels, train.height, train.width};
  const arch::Architecture net = network_for_data(opt.model, input, train.classes);  // a zoo name or a file
  Model model = build_model(net, input, hp.seed.value, parse_layer_set(opt.layers));
  if (!opt.load_params.empty()) {
    load_params_npy(model, opt.load_params);
    std::cout << "parameters: loaded from " << opt.load_params << "\n";
  }
  check_model_against_data(model, test, opt.model);
  std::cout << "model: " << net.title << ", " << arch::with_commas(model.num_params()) << " parameters, "
            << (opt.layers == "mine" ? "your layers (exercises/)" : "the library's layers") << "\n";
  for (const auto& l : model.layers()) std::cout << "  " << std::left << std::setw(10) << l->name() << l->describe() << "\n";

  SolverConfig cfg;
  cfg.rule = parse_update_rule(hp.rule.value);
  cfg.learning_rate = hp.lr.value;
  cfg.lr_decay = hp.lr_decay.value;
  cfg.momentum = hp.momentum.value;
  cfg.weight_decay = hp.weight_decay.value;
  cfg.batch_size = hp.batch.value;
  cfg.epochs = opt.epochs;
  cfg.seed = hp.seed.value;
  cfg.norm = kFashionMnistNormalization;
  cfg.checkpoint = opt.checkpoint;
  cfg.min_batch = min_batch_of(model);
  Solver solver(model, train, val, cfg);
  if (opt.resume) {
    solver.load_checkpoint(opt.checkpoint);
    if (opt.given.count("--lr")) solver.set_learning_rate(opt.lr);
    std::cout << "resumed from " << opt.checkpoint << " after epoch " << solver.epochs_done() << "\n";
    print_hyperparameters(hp, solver.learning_rate(), opt.checkpoint);
  }
  if (opt.epochs > 0) {
    say_how_batches_fall(train.count, cfg.batch_size, cfg.min_batch);
    std::cout << "training: " << hp.rule.value << ", learning rate " << num_str(solver.learning_rate()) << ", batch "
              << cfg.batch_size << ", " << opt.epochs << " epoch(s), seed " << cfg.seed << "\n";
    std::cout << "checks passed in " << std::fixed << std::setprecision(1)
              << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() << " s\n"
              << std::defaultfloat;
  }
  std::optional<live::Watcher> watcher;
  if (live_server) {
    watcher.emplace(*live_server, live::WatchSetup{.title = net.title, .test = &test, .val = &val, .norm = cfg.norm,
                                                   .epochs = opt.epochs, .batch = cfg.batch_size,
                                                   .report_dir = fs::absolute(opt.out).string()});
    std::cout << "live page: " << live_server->url() << " (open it in a browser: it follows training)" << std::endl;
  }
  ProgressBar bar(opt.epochs);
  UpdateRatios ratios(10);  // for the report's chart of update sizes
  try {
    solver.train([&](const StepInfo& s) {
      bar(s);
      ratios.after_step(model);
      if (watcher) watcher->after_step(s, model, solver.history(), &ratios);
    });
  } catch (const cnn::value_error& e) {  // a non-finite loss or gradient: say what is left to resume from
    std::cerr << "\ntrain: " << e.what() << "\n";
    if (!opt.checkpoint.empty() && solver.epochs_done() > 0)
      std::cerr << "train: " << opt.checkpoint << " holds the last good state (epoch " << solver.epochs_done()
                << "); continue from it with --checkpoint " << opt.checkpoint << " --resume and a lower --lr\n";
    return 1;
  }
  const History& h = solver.history();
  for (std::size_t e = 0; e < h.val_acc.size(); ++e) {
    std::cout << "epoch " << e + 1 << ": train accuracy " << std::fixed << std::setprecision(2) << 100 * h.train_acc[e] << "%, ";
    if (val.count) std::cout << "validation accuracy " << 100 * h.val_acc[e] << "%, ";
    std::cout << std::setprecision(1) << h.epoch_seconds[e] << " s\n";
  }
  if (h.best_epoch) std::cout << "kept the parameters of epoch " << h.best_epoch << " (best validation accuracy)\n";
  if (opt.epochs == 0) {
    // Evaluation only: nothing was trained, so nothing is written (--out keeps what an earlier run left there).
    std::cout << "test accuracy: " << std::fixed << std::setprecision(2) << 100.0 * accuracy(model, test, cfg.norm)
              << "%\n";
    return 0;
  }

  // Pictures and parameters, into the temporary folder; renamed into place once all are written.
  const fs::path dir = out->folder();
  write_history(dir, h);
  std::vector<std::string> written = {"history.csv", "loss.csv"};
  save_params_npy(model, dir.string());
  written.push_back("<layer>.<param>.npy (parameters, for NumPy or PyTorch: tools/to_torch.py)");

  // Every test image's scores, for tools/to_torch.py to compare with PyTorch's.
  Tensor2 all = Tensor2::from_shape({test.count, test.classes});
  {
    std::vector<std::size_t> idx;
    for (std::size_t start = 0; start < test.count; start += 500) {
      idx.resize(std::min<std::size_t>(500, test.count - start));
      std::iota(idx.begin(), idx.end(), start);
      const Tensor2 s = model.scores(batch_images(test, idx, cfg.norm));
      std::copy(s.begin(), s.end(), all.data() + start * test.classes);
    }
    const std::vector<std::size_t> shape(all.shape().begin(), all.shape().end());
    save_npy((dir / "test_scores.npy").string(), shape, std::span<const double>(all.data(), all.size()));
    written.push_back("test_scores.npy (scores of every test image)");
  }
  // Charts, pictures and report.html (src/runtime/report.hpp).
  const auto pictures = write_report({.out_dir = dir.string(), .net = &net, .input = input, .model = &model,
                                      .test = &test, .norm = cfg.norm, .test_scores = &all, .history = &h,
                                      .ratios = &ratios, .settings = settings_table(opt, hp), .command = opt.command});
  written.insert(written.begin(), pictures.front() + " (open it in a browser: curves, pictures, tables)");
  for (std::size_t i = 1; i < pictures.size(); ++i) written.push_back(pictures[i]);
  out->commit();
  const double acc = accuracy(model, test, cfg.norm);
  std::cout << "wrote to " << fs::absolute(out->target()).string() << ":\n";
  for (const auto& w : written) std::cout << "  " << w << "\n";
  std::cout << "test accuracy: " << std::fixed << std::setprecision(2) << 100.0 * acc << "%\n";
  if (watcher) {
    watcher->finish(model, h, &ratios, "test accuracy " + svg::fmt(100.0 * acc, 4) + " %");
    live::linger(*live_server, 30);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Every step allocates and frees the same few large arrays (activations, caches). By default glibc hands
  // blocks above 128 KiB back to the system on free and faults them in again on the next step; keeping them
  // in the heap saves a third of the time of a LeNet-5 step here.
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  // Every way out is an exit status and one line: 2 for the command line (with the usage), 1 for the rest,
  // "out of memory: try a smaller --batch" included. Nothing aborts.
  return cli::guarded("train", kUsage, "try a smaller --batch", [&] {
    Options opt = parse(argc, argv);
    opt.command = "train";
    for (int i = 1; i < argc; ++i) opt.command += std::string(" ") + argv[i];
    return run(opt);
  });
}
