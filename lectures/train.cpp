// Train a ConvNet on Fashion-MNIST, watch it learn, and look at what it learned.
//
//   ./build/release/lectures/train --epochs 2           # LeNet-5, 2 epochs (the README's main job)
//   ./build/release/lectures/train --epochs 5 --rule adam --lr 0.003 --lr-decay 0.6   # 89.8 %
//   ./build/release/lectures/train --help
//
// The lecture shows a small ConvNet learning in a browser, its filters and activation maps on screen. This is
// the same from a terminal: a progress bar while it trains, then pictures (PNG) of the first layer's filters,
// of every conv layer's activation maps for one test image, and of the loss and accuracy curves, in --out.
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
#include <sstream>
#include <string>
#include <unistd.h>
#include <xtensor/xview.hpp>

#include "cnnlab/arch.hpp"
#include "cnnlab/checks.hpp"
#include "cnnlab/data.hpp"
#include "cnnlab/files.hpp"
#include "cnnlab/image.hpp"
#include "cnnlab/model.hpp"
#include "cnnlab/netfile.hpp"
#include "cnnlab/npy.hpp"
#include "cnnlab/params_npy.hpp"
#include "cnnlab/solver.hpp"
#include "cnnlab/zoo.hpp"

using namespace cnn;
namespace fs = std::filesystem;

namespace {

struct Options {
  std::string data = kFashionMnistDir;
  std::string model = "lenet5-fashion";
  std::string out = "out/train";
  std::string rule = "momentum";
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
    "  --momentum X      momentum, or Adam's beta1 (default 0.9)\n"
    "  --weight-decay X  L2 weight decay (default 0)\n"
    "  --val N           training images kept for validation (default 5000)\n"
    "  --limit N         train on the first N training images only (0 = all; for quick tries)\n"
    "  --seed S          seed of the weights and the batch order (default 1)\n"
    "  --out DIR         where pictures, history.csv and parameters (.npy) go (default out/train)\n"
    "  --checkpoint F    save a checkpoint to F after every epoch\n"
    "  --resume          continue from --checkpoint F instead of starting afresh\n"
    "  --load-params DIR start from the parameters in DIR/<name>.npy, as --out writes them\n"
    "                    (train --epochs 0 --load-params out/train: the test accuracy of a saved model)\n"
    "  --help            this message\n"
    "\n"
    "Examples (measured on a 2-core machine, seed 1):\n"
    "  train                                                  LeNet-5, 1 epoch: 85.3 % test accuracy\n"
    "  train --epochs 2                                       LeNet-5, 2 epochs: 86.4 % (the README's main job)\n"
    "  train --epochs 5 --rule adam --lr 0.003 --lr-decay 0.6 LeNet-5 recipe: 89.8 %\n"
    "  train --model fashion-bn --epochs 4 --rule adam --lr 0.003 --lr-decay 0.6\n"
    "                                                         batch-normalized net: 92.4 %\n";

[[noreturn]] void usage_error(const std::string& msg) {
  std::cerr << "train: " << msg << "\n\n" << kUsage;
  std::exit(2);
}

template <class T>
T parse_number(const std::string& flag, const std::string& text) {
  std::istringstream in(text);
  T v{};
  if (!(in >> v) || !in.eof()) usage_error(flag + " expects a number, got \"" + text + "\"");
  if constexpr (std::is_floating_point_v<T>) {
    if (!std::isfinite(v)) usage_error(flag + " expects a finite number, got \"" + text + "\"");
  }
  return v;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      std::exit(0);
    } else if (a == "--data") o.data = value();
    else if (a == "--model") o.model = value();
    else if (a == "--out") o.out = value();
    else if (a == "--rule") o.rule = value();
    else if (a == "--epochs") o.epochs = parse_number<std::size_t>(a, value());
    else if (a == "--batch") o.batch = parse_number<std::size_t>(a, value());
    else if (a == "--val") o.val = parse_number<std::size_t>(a, value());
    else if (a == "--limit") o.limit = parse_number<std::size_t>(a, value());
    else if (a == "--lr") o.lr = parse_number<double>(a, value());
    else if (a == "--lr-decay") o.lr_decay = parse_number<double>(a, value());
    else if (a == "--momentum") o.momentum = parse_number<double>(a, value());
    else if (a == "--weight-decay") o.weight_decay = parse_number<double>(a, value());
    else if (a == "--seed") o.seed = parse_number<std::uint64_t>(a, value());
    else if (a == "--checkpoint") o.checkpoint = value();
    else if (a == "--resume") o.resume = true;
    else if (a == "--load-params") o.load_params = value();
    else usage_error("unknown option \"" + a + "\"");
  }
  if (o.epochs == 0 && o.load_params.empty() && !o.resume)
    usage_error("--epochs 0 only evaluates: it needs --load-params DIR or --resume");
  if (o.batch == 0) usage_error("--batch must be at least 1");
  if (o.resume && o.checkpoint.empty()) usage_error("--resume needs --checkpoint F");
  if (!(o.lr > 0)) usage_error("--lr must be above 0, got " + num_str(o.lr));
  if (!(o.lr_decay > 0 && o.lr_decay <= 1)) usage_error("--lr-decay must be in (0, 1], got " + num_str(o.lr_decay));
  if (!(o.momentum >= 0 && o.momentum < 1)) usage_error("--momentum must be in [0, 1), got " + num_str(o.momentum));
  if (!(o.weight_decay >= 0)) usage_error("--weight-decay must be 0 or more, got " + num_str(o.weight_decay));
  try {  // names that the library would refuse later, after loading the data: refuse them now, as usage errors
    (void)parse_update_rule(o.rule);
    (void)model_or_file(o.model);
  } catch (const cnn::error& e) {  // an unknown name, or a network file that cannot be read
    usage_error(e.what());
  }
  if (o.resume && !o.load_params.empty())
    usage_error("--load-params and --resume both set the parameters: give one of them");
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

// The first parameter of rank 4 is the first conv layer's filters (F, C, HH, WW).
std::optional<Tensor4> first_conv_filters(Model& model) {
  for (auto& p : model.params())
    if (p.shape.size() == 4) {
      Tensor4 w = Tensor4::from_shape({p.shape[0], p.shape[1], p.shape[2], p.shape[3]});
      std::copy(p.value.begin(), p.value.end(), w.begin());
      return w;
    }
  return std::nullopt;
}

// history.csv per epoch and loss.csv per step; losses with 17 significant digits, so that two runs can be
// compared bit for bit (the same seed gives the same file).
void write_history(const fs::path& dir, const History& h) {
  write_file_atomically((dir / "history.csv").string(), "train", [&](std::ostream& csv) {
    csv << "epoch,train_acc,val_acc,seconds\n";
    for (std::size_t e = 0; e < h.val_acc.size(); ++e)
      csv << e + 1 << "," << h.train_acc[e] << "," << h.val_acc[e] << "," << h.epoch_seconds[e] << "\n";
  });
  write_file_atomically((dir / "loss.csv").string(), "train", [&](std::ostream& loss) {
    loss << "step,loss\n" << std::setprecision(17);
    for (std::size_t i = 0; i < h.loss.size(); ++i) loss << i + 1 << "," << h.loss[i] << "\n";
  });
}

// Loss per step, smoothed over a window so the trend shows through the minibatch noise.
std::vector<double> smoothed(const std::vector<double>& v, std::size_t window) {
  std::vector<double> out;
  double sum = 0.0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    sum += v[i];
    if (i >= window) sum -= v[i - window];
    out.push_back(sum / static_cast<double>(std::min(i + 1, window)));
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  // Every step allocates and frees the same few large arrays (activations, caches). By default glibc hands
  // blocks above 128 KiB back to the system on free and faults them in again on the next step; keeping them
  // in the heap saves a third of the time of a LeNet-5 step here.
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  const Options opt = parse(argc, argv);
  try {
    std::cout << "cnnlab: training " << opt.model << " on " << opt.data << "\n";
    const Dataset full = load_fashion_mnist(opt.data, "train");
    const Dataset test = load_fashion_mnist(opt.data, "test");
    auto [train, val] = split_validation(full, opt.val);
    if (opt.limit > 0 && opt.limit < train.count) train = split_validation(train, train.count - opt.limit).first;
    std::cout << "data: " << train.count << " training, " << val.count << " validation, " << test.count
              << " test images of " << train.height << "x" << train.width << "\n";

    const arch::Shape input{train.channels, train.height, train.width};
    const arch::Architecture net = network_for_data(opt.model, input, train.classes);  // a zoo name or a file
    Model model = build_model(net, input, opt.seed);
    if (!opt.load_params.empty()) {
      load_params_npy(model, opt.load_params);
      std::cout << "parameters: loaded from " << opt.load_params << "\n";
    }
    std::cout << "model: " << net.title << ", " << arch::with_commas(model.num_params()) << " parameters\n";
    for (const auto& l : model.layers()) std::cout << "  " << std::left << std::setw(10) << l->name() << l->describe() << "\n";

    SolverConfig cfg;
    cfg.rule = parse_update_rule(opt.rule);
    cfg.learning_rate = opt.lr;
    cfg.lr_decay = opt.lr_decay;
    cfg.momentum = opt.momentum;
    cfg.weight_decay = opt.weight_decay;
    cfg.batch_size = opt.batch;
    cfg.epochs = opt.epochs;
    cfg.seed = opt.seed;
    cfg.norm = kFashionMnistNormalization;
    cfg.checkpoint = opt.checkpoint;
    Solver solver(model, train, val, cfg);
    if (opt.resume) {
      solver.load_checkpoint(opt.checkpoint);
      std::cout << "resumed from " << opt.checkpoint << " after epoch " << solver.epochs_done() << "\n";
    }
    if (opt.epochs > 0)
      std::cout << "training: " << opt.rule << ", learning rate " << opt.lr << ", batch " << opt.batch << ", "
              << opt.epochs << " epoch(s), seed " << opt.seed << "\n";
    ProgressBar bar(opt.epochs);
    try {
      solver.train([&](const StepInfo& s) { bar(s); });
    } catch (const cnn::value_error& e) {  // a non-finite loss or gradient: say what is left to resume from
      std::cerr << "\ntrain: " << e.what() << "\n";
      if (!opt.checkpoint.empty() && solver.epochs_done() > 0)
        std::cerr << "train: " << opt.checkpoint << " holds the last good state (epoch " << solver.epochs_done()
                  << "); continue from it with --checkpoint " << opt.checkpoint << " --resume and a lower --lr\n";
      return 1;
    }
    const History& h = solver.history();
    for (std::size_t e = 0; e < h.val_acc.size(); ++e)
      std::cout << "epoch " << e + 1 << ": train accuracy " << std::fixed << std::setprecision(2) << 100 * h.train_acc[e]
                << "%, validation accuracy " << 100 * h.val_acc[e] << "%, " << std::setprecision(1)
                << h.epoch_seconds[e] << " s\n";
    if (h.best_epoch) std::cout << "kept the parameters of epoch " << h.best_epoch << " (best validation accuracy)\n";
    if (opt.epochs == 0) {
      // Evaluation only: nothing was trained, so nothing is written (--out keeps what an earlier run left there).
      std::cout << "test accuracy: " << std::fixed << std::setprecision(2) << 100.0 * accuracy(model, test, cfg.norm)
                << "%\n";
      return 0;
    }

    // Pictures and parameters.
    fs::create_directories(opt.out);
    const fs::path out = opt.out;
    write_history(out, h);
    std::vector<std::string> written = {"history.csv", "loss.csv"};
    if (const auto w = first_conv_filters(model)) {
      write_png((out / "filters.png").string(), filter_grid(*w, 8));
      written.push_back("filters.png");
    }
    {
      const std::vector<std::size_t> first = {0};
      const auto trace = model.trace(batch_images(test, first, cfg.norm));
      for (std::size_t k = 0; k < trace.size(); ++k) {
        const auto& l = model.layers()[k];
        if (trace[k].dimension() == 4 && l->describe().rfind("conv", 0) == 0) {
          Tensor3 maps = xt::view(trace[k], 0, xt::all(), xt::all(), xt::all());
          const std::string file = "activations_" + l->name() + ".png";
          write_png((out / file).string(), map_grid(maps, 4));
          written.push_back(file);
        }
      }
      Tensor4 image = batch_images(test, first, Normalization{0.0, 1.0});
      Tensor3 pixels = xt::view(image, 0, xt::all(), xt::all(), xt::all());
      write_png((out / "test_image.png").string(), map_grid(pixels, 8));
      written.push_back("test_image.png (class: " + test.class_names[test.labels[0]] + ")");
    }
    const double max_loss = std::max(2.5, h.loss.empty() ? 0.0 : *std::max_element(h.loss.begin(), h.loss.end()));
    write_png((out / "loss.png").string(), line_plot({Curve{smoothed(h.loss, 50), 200, 40, 40}}, 0.0, std::min(max_loss, 3.0)));
    write_png((out / "accuracy.png").string(),
              line_plot({Curve{h.train_acc, 40, 90, 200}, Curve{h.val_acc, 230, 130, 0}}, 0.5, 1.0));
    written.push_back("loss.png (smoothed loss per step)");
    written.push_back("accuracy.png (blue: training, orange: validation, per epoch)");
    save_params_npy(model, out.string());
    written.push_back("<layer>.<param>.npy (parameters, for NumPy or PyTorch: tools/to_torch.py)");

    // Every test image's scores, for tools/to_torch.py to compare with PyTorch's.
    {
      Tensor2 all = Tensor2::from_shape({test.count, test.classes});
      std::vector<std::size_t> idx;
      for (std::size_t start = 0; start < test.count; start += 500) {
        idx.resize(std::min<std::size_t>(500, test.count - start));
        std::iota(idx.begin(), idx.end(), start);
        const Tensor2 s = model.scores(batch_images(test, idx, cfg.norm));
        std::copy(s.begin(), s.end(), all.data() + start * test.classes);
      }
      const std::vector<std::size_t> shape(all.shape().begin(), all.shape().end());
      save_npy((out / "test_scores.npy").string(), shape, std::span<const double>(all.data(), all.size()));
      written.push_back("test_scores.npy (scores of every test image)");
    }
    const double acc = accuracy(model, test, cfg.norm);
    std::cout << "wrote to " << fs::absolute(out).string() << ":\n";
    for (const auto& w : written) std::cout << "  " << w << "\n";
    std::cout << "test accuracy: " << std::fixed << std::setprecision(2) << 100.0 * acc << "%\n";
    return 0;
  } catch (const cnn::error& e) {
    std::cerr << "train: " << e.what() << "\n";
    return 1;
  }
}
