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
//
// This file is the command line and the progress bar; the run itself is src/runtime/training_run.hpp, in four
// steps: plan (the options become hyperparameters), check (everything that must hold before the first step),
// train, save.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <malloc.h>
#include <optional>
#include <sstream>
#include <string>
#include <unistd.h>

#include "calculator/netfile.hpp"
#include "core/checks.hpp"
#include "io/cli.hpp"
#include "runtime/layer_set.hpp"
#include "runtime/solver.hpp"
#include "runtime/training_run.hpp"

using namespace cnn;

namespace {

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
    {"--resume", false},       {"--load-params"}, {"--layers"}};

// The command line as options; nothing when it asks for --help.
std::optional<TrainOptions> parse(int argc, char** argv) {
  const std::vector<std::string> args(argv + std::min(argc, 1), argv + argc);
  const cli::Parsed p = cli::parse(args, kFlags);
  if (p.help) return std::nullopt;
  if (!p.positional.empty()) throw usage_error("unexpected argument '" + cli::printable(p.positional.front()) + "'");
  TrainOptions o;
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
    o.layer_set = parse_layer_set(o.layers);
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
    const std::optional<TrainOptions> given = parse(argc, argv);
    if (!given) {
      std::cout << kUsage;
      return cli::exit_ok;
    }
    TrainOptions opt = *given;
    opt.command = "train";
    for (int i = 1; i < argc; ++i) opt.command += std::string(" ") + argv[i];
    // With --layers mine, every exercise the run calls must be written: say which are not before anything else.
    if (opt.layers == "mine") stop_unless_written("train --layers mine", exercises_for_training(model_or_file(opt.model), opt.rule));
    TrainingRun run(opt);
    run.plan();
    run.check();
    run.add_step_observer(ProgressBar(opt.epochs));
    if (!run.train()) return cli::exit_error;
    run.save();
    return cli::exit_ok;
  });
}
