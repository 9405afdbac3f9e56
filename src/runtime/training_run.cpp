// The main job, step by step: plan (options -> hyperparameters), check (everything before the first step),
// train (the steps, watched by observers), save (the files, put in place as a set). See training_run.hpp.
#include "runtime/training_run.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <numeric>
#include <sstream>
#include <thread>

#include <climits>
#include <cmath>
#include <fstream>
#include <limits>
#include <sys/resource.h>
#include <unistd.h>

#include "calculator/netfile.hpp"
#include "core/checks.hpp"
#include "core/errors.hpp"
#include "io/cli.hpp"
#include "io/files.hpp"
#include "io/npy.hpp"
#include "runtime/params_npy.hpp"
#include "runtime/report.hpp"

namespace cnn {

namespace fs = std::filesystem;

Hyperparameters choose_hyperparameters(const TrainOptions& opt, const std::optional<CheckpointInfo>& saved) {
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

namespace {

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
RunData load_data(const TrainOptions& opt) {
  Dataset full = load_fashion_mnist(opt.data, "train");
  RunData d;
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

// --- what check() tries before the first step, besides the data and the model ---------------------------------

std::string mb(double bytes) {
  std::ostringstream os;
  os << std::fixed << std::setprecision(0) << bytes / 1e6 << " MB";
  return os.str();
}

// A file the run writes must not be inside a folder that save() replaces as a whole.
void check_not_inside(const std::string& file, const std::string& flag, const FolderWriter& out) {
  std::error_code ec;
  const fs::path f = fs::weakly_canonical(fs::absolute(file), ec);
  const fs::path o = fs::weakly_canonical(fs::absolute(out.target()), ec);
  const fs::path rel = f.lexically_relative(o);
  if (!rel.empty() && *rel.begin() != "..")
    throw io_error(flag, file + " is inside --out " + out.target() + ", which the run replaces as a whole when it "
                                "ends: the file would be lost; put it beside --out instead");
}

// Every file the run will write into --out, and the checkpoint: each name, with the suffix of its temporary file
// (`.tmp.<pid>.<n>`), must fit the file system's limit of a name (NAME_MAX), and the whole path PATH_MAX.
void check_file_names(const std::string& folder, const std::vector<std::string>& names, const std::string& flag) {
  const long name_max_l = ::pathconf(folder.c_str(), _PC_NAME_MAX);
  const std::size_t name_max = name_max_l > 0 ? static_cast<std::size_t>(name_max_l) : 255;
  const std::size_t temp_suffix = unique_temp_name("").size() + 8;  // room for larger counters
  for (const auto& name : names) {
    for (const auto& part : fs::path(name))
      if (part.string().size() + temp_suffix > name_max)
        throw value_error(flag, "the run would write " + cli::printable(part.string(), 60) + " (" +
                                    std::to_string(part.string().size()) + " bytes), and with its temporary suffix a " +
                                    "name may have at most " + std::to_string(name_max - temp_suffix) +
                                    " bytes here: give the layer or file a shorter name");
    if (folder.size() + 1 + name.size() + temp_suffix >= PATH_MAX)
      throw value_error(flag, folder + "/" + cli::printable(name, 60) + ": a path of more than " +
                                  std::to_string(PATH_MAX) + " bytes; choose a shorter --out");
  }
}

// The learning rate of every epoch to come, lr * decay^k, must stay a normal number: below DBL_MIN it loses
// precision, then becomes 0 (and a checkpoint holding it is refused).
// @p from: where the rate comes from, as the hyperparameters table says ("--lr", "default", "checkpoint").
void check_schedule(double lr, const std::string& from, double decay, std::size_t epochs_done, std::size_t epochs) {
  if (!std::isnormal(lr))
    throw value_error("--lr", "the learning rate to go on with is " + num_str(lr) + " (" +
                                  (from == "checkpoint" ? "from the checkpoint, decayed so far" : from) +
                                  "), not a normal number above 0 (at least " +
                                  num_str(std::numeric_limits<double>::min()) + ")" +
                                  (from == "checkpoint" ? ": give --lr to set a new one" : ""));
  double rate = lr;
  for (std::size_t e = epochs_done + 1; e <= epochs; ++e) {
    rate *= decay;  // after epoch e (what the checkpoint of epoch e holds)
    if (!std::isnormal(rate))
      throw value_error("--lr-decay", num_str(decay) + " over " + std::to_string(epochs) + " epochs takes the learning " +
                                          "rate " + num_str(lr) + " below the smallest normal number (" +
                                          num_str(std::numeric_limits<double>::min()) + ") after epoch " +
                                          std::to_string(e) + ": decay less, or train fewer epochs");
  }
}

// Address space: the process's limit (ulimit -v, RLIMIT_AS) against what is in use now plus what training adds:
// the calculator's figures (parameters, gradients, the rule's state, the activations of one batch kept for the
// backward pass, its input), the best parameters and a checkpoint's bytes, and for every core OpenBLAS's buffer
// and a malloc arena. Checked before the first step because OpenBLAS, when it cannot map its buffer, retries
// for ever: the run would hang instead of failing.
void check_memory(const arch::Architecture& net, const arch::Shape& input, const std::string& rule, std::size_t batch,
                  bool checkpoint) {
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_AS, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return;
  const arch::NetworkStats stats = arch::analyze(net, input);
  const double params = static_cast<double>(stats.total.parameters());
  const double weights = arch::training_bytes(stats.total, {0, rule}) + 8.0 * params * (checkpoint ? 3.0 : 1.0);
  auto batch_bytes = [&](std::size_t n) {  // twice the calculator's figure: the gradients flow back beside them
    return 2.0 * (arch::training_bytes(stats.total, {n, rule}) - arch::training_bytes(stats.total, {0, rule}) +
                  8.0 * static_cast<double>(n) * static_cast<double>(input.size()));
  };
  const double cores = std::max(1u, std::thread::hardware_concurrency());
  // Per core: OpenBLAS's buffer (128 MiB, mapped on a thread's first product), a thread's malloc arena (glibc
  // reserves 128 MiB to align its 64), a stack. Counted whether or not they exist yet: the threads make them at
  // moments that vary from run to run, and an estimate that is short by one of them is a hang, not an error.
  const double per_core = (128.0 + 128.0 + 8.0) * (1 << 20);
  double in_use = 0;
  {
    std::ifstream statm("/proc/self/statm");
    double pages = 0;
    if (statm >> pages) in_use = pages * static_cast<double>(::sysconf(_SC_PAGESIZE));
  }
  const double available = static_cast<double>(limit.rlim_cur) - in_use - cores * per_core;
  const std::string limit_says = "the process may use " + mb(static_cast<double>(limit.rlim_cur)) +
                                 " of address space (ulimit -v), " + mb(in_use) + " of it in use and about " +
                                 mb(cores * per_core) + " kept for OpenBLAS's buffers";
  if (available <= 0)
    throw value_error("memory", "the process may use " + mb(static_cast<double>(limit.rlim_cur)) + " of address space " +
                                    "(ulimit -v), " + mb(in_use) + " of it in use already (the program and the data), " +
                                    "and OpenBLAS needs about " + mb(cores * per_core) + " more for its buffers " +
                                    "before the first step: raise the limit to at least " +
                                    std::to_string(static_cast<long long>((in_use + cores * per_core + weights +
                                                                           batch_bytes(batch)) / 1024 * 1.1)) +
                                    " (kB, as ulimit -v counts)");
  if (weights > available)
    throw value_error("memory", net.name + "'s parameters, gradients and " + rule + " state need " + mb(weights) +
                                    " and " + limit_says + ": a smaller --batch does not help; raise the limit or " +
                                    "train a smaller network");
  if (weights + batch_bytes(batch) > available) {
    std::size_t fits = batch;
    while (fits > 1 && weights + batch_bytes(fits) > available) fits /= 2;
    throw value_error("memory", "a batch of " + std::to_string(batch) + " needs about " + mb(batch_bytes(batch)) +
                                    " beside " + mb(weights) + " of parameters and state, and " + limit_says +
                                    (weights + batch_bytes(fits) <= available
                                         ? ": try --batch " + std::to_string(fits)
                                         : ": raise the limit"));
  }
}

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

// Every test image's scores (for tools/to_torch.py to compare with PyTorch's), in batches of 500.
Tensor2 all_test_scores(Model& model, const Dataset& test, const Normalization& norm) {
  Tensor2 all = Tensor2::from_shape({test.count, test.classes});
  std::vector<std::size_t> idx;
  for (std::size_t start = 0; start < test.count; start += 500) {
    idx.resize(std::min<std::size_t>(500, test.count - start));
    std::iota(idx.begin(), idx.end(), start);
    const Tensor2 s = model.scores(batch_images(test, idx, norm));
    std::copy(s.begin(), s.end(), all.data() + start * test.classes);
  }
  return all;
}

void print_test_accuracy(double acc) {
  std::cout << "test accuracy: " << std::fixed << std::setprecision(2) << 100.0 * acc << "%\n";
}

}  // namespace

// Everything the steps make and hand on to the next one.
struct TrainingRun::State {
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  std::optional<CheckpointInfo> saved;  // plan(): the checkpoint's hyperparameters, with --resume
  std::optional<Hyperparameters> hp;    // plan()
  std::optional<FolderWriter> out;      // check(): --out, written as a set (none for an evaluation)
  RunData data;                         // check()
  arch::Shape input{};                  // check(): the data's volume
  arch::Architecture net;               // check(): the network, checked against the data
  std::optional<Model> model;           // check()
  SolverConfig cfg;                     // check()
  std::unique_ptr<Solver> solver;       // check(): holds references to model and data, which stay put
  UpdateRatios ratios{10};              // train(): for the report's chart of update sizes
  std::vector<StepObserver> observers;  // train()
};

TrainingRun::TrainingRun(TrainOptions options) : opt_(std::move(options)), s_(std::make_unique<State>()) {}
TrainingRun::~TrainingRun() = default;

void TrainingRun::add_step_observer(StepObserver observer) { s_->observers.push_back(std::move(observer)); }

const Hyperparameters& TrainingRun::hyperparameters() const { return s_->hp.value(); }
Model& TrainingRun::model() { return s_->model.value(); }
const RunData& TrainingRun::data() const { return s_->data; }
const History& TrainingRun::history() const {
  if (!s_->solver) throw value_error("TrainingRun::history", "there is no history before check()");
  return s_->solver->history();
}

void TrainingRun::plan() {
  s_->start = std::chrono::steady_clock::now();
  std::cout << "cnnlab: training " << opt_.model << " on " << opt_.data << "\n";
  if (opt_.resume) s_->saved = read_checkpoint_info(opt_.checkpoint);
  s_->hp = choose_hyperparameters(opt_, s_->saved);
}

void TrainingRun::check() {
  const Hyperparameters& hp = s_->hp.value();
  // Where the results go: checked first, since it takes no time. --out is written as a set (a temporary folder
  // beside it, renamed into place at the end); an evaluation (--epochs 0) writes nothing.
  if (opt_.epochs > 0) s_->out.emplace(opt_.out, "--out");
  if (!opt_.checkpoint.empty() && opt_.epochs > 0) {
    check_not_inside(opt_.checkpoint, "--checkpoint", *s_->out);
    check_writable_file(opt_.checkpoint, "--checkpoint");
  }

  s_->data = load_data(opt_);
  const RunData& d = s_->data;
  std::cout << "data: " << d.train.count << " training, "
            << (d.val.count ? std::to_string(d.val.count) + " validation, " : "no validation (--val 0), ")
            << d.test.count << " test images of " << d.train.height << "x" << d.train.width << "\n";

  s_->input = arch::Shape{d.train.channels, d.train.height, d.train.width};
  s_->net = network_for_data(opt_.model, s_->input, d.train.classes);  // a zoo name or a file
  check_memory(s_->net, s_->input, hp.rule.value, hp.batch.value, !opt_.checkpoint.empty());  // before BLAS is first used
  s_->model.emplace(build_model(s_->net, s_->input, hp.seed.value, opt_.layer_set));
  Model& model = *s_->model;
  if (!opt_.load_params.empty()) {
    load_params_npy(model, opt_.load_params);
    std::cout << "parameters: loaded from " << opt_.load_params << "\n";
  }
  check_model_against_data(model, d.test, opt_.model);
  std::cout << "model: " << s_->net.title << ", " << arch::with_commas(model.num_params()) << " parameters, "
            << (opt_.layers == "mine" ? "your layers (exercises/)" : "the library's layers") << "\n";
  for (const auto& l : model.layers()) std::cout << "  " << std::left << std::setw(10) << l->name() << l->describe() << "\n";

  SolverConfig& cfg = s_->cfg;
  cfg.rule = parse_update_rule(hp.rule.value);
  cfg.learning_rate = hp.lr.value;
  cfg.lr_decay = hp.lr_decay.value;
  cfg.momentum = hp.momentum.value;
  cfg.weight_decay = hp.weight_decay.value;
  cfg.batch_size = hp.batch.value;
  cfg.epochs = opt_.epochs;
  cfg.seed = hp.seed.value;
  cfg.norm = kFashionMnistNormalization;
  cfg.checkpoint = opt_.checkpoint;
  cfg.min_batch = min_batch_of(model);
  s_->solver = std::make_unique<Solver>(model, d.train, d.val, cfg);
  Solver& solver = *s_->solver;
  if (opt_.resume) {
    solver.load_checkpoint(opt_.checkpoint);
    if (opt_.given.count("--lr")) solver.set_learning_rate(opt_.lr);
    std::cout << "resumed from " << opt_.checkpoint << " after epoch " << solver.epochs_done() << "\n";
    print_hyperparameters(hp, solver.learning_rate(), opt_.checkpoint);
    // The run must be able to keep what it promises: more epochs than the checkpoint holds, and "the best
    // validation accuracy" only with a validation set to measure it on.
    if (opt_.epochs > 0 && opt_.epochs <= solver.epochs_done())
      throw value_error("--epochs", "counts every epoch, those in " + opt_.checkpoint + " too, which holds " +
                                        std::to_string(solver.epochs_done()) + " already: give --epochs " +
                                        std::to_string(solver.epochs_done() + 1) + " or more to train on, or " +
                                        "--epochs 0 to evaluate it");
    if (opt_.epochs > 0 && d.val.count == 0 && solver.history().best_epoch > 0)
      throw value_error("--val", "0: " + opt_.checkpoint + " was trained with validation and keeps the parameters of "
                                     "its best epoch (" + std::to_string(solver.history().best_epoch) + ") by " +
                                     "validation accuracy, which later epochs could not be compared with: resume with " +
                                     "the --val it was trained with");
  }
  if (opt_.epochs > 0) {
    // What would otherwise fail after the first step: a file name too long, a learning rate that decays to
    // nothing or a weight decay that outgrows the weights, too little memory.
    std::vector<std::string> names = {"history.csv", "loss.csv", "test_scores.npy", "report.html", kManifestName};
    for (const auto& p : model.params()) names.push_back(p.name + ".npy");
    for (const auto& b : model.buffers()) names.push_back(b.name + ".npy");
    for (const auto& l : model.layers()) names.push_back("activations_" + l->name() + ".svg");
    check_file_names(s_->out->folder(), names, "--model");
    check_schedule(solver.learning_rate(), opt_.given.count("--lr") ? "--lr" : hp.lr.from, cfg.lr_decay,
                   solver.epochs_done(), opt_.epochs);
    if (solver.learning_rate() * cfg.weight_decay >= 1)
      throw value_error("--weight-decay", num_str(cfg.weight_decay) + " with a learning rate of " +
                                              num_str(solver.learning_rate()) + ": every step would take " +
                                              num_str(solver.learning_rate() * cfg.weight_decay) + " times the " +
                                              "weights away, more than the weights themselves; the product of the two " +
                                              "must stay below 1 (typical weight decays: 1e-4 to 1e-3)");

    say_how_batches_fall(d.train.count, cfg.batch_size, cfg.min_batch);
    std::cout << "training: " << hp.rule.value << ", learning rate " << num_str(solver.learning_rate()) << ", batch "
              << cfg.batch_size << ", " << opt_.epochs << " epoch(s), seed " << cfg.seed << "\n";
    std::cout << "checks passed in " << std::fixed << std::setprecision(1)
              << std::chrono::duration<double>(std::chrono::steady_clock::now() - s_->start).count() << " s\n"
              << std::defaultfloat;
  }
}

bool TrainingRun::train() {
  Solver& solver = *s_->solver;
  Model& model = *s_->model;
  try {
    solver.train([&](const StepInfo& step) {
      for (const auto& observe : s_->observers) observe(step);
      s_->ratios.after_step(model);
    });
  } catch (const cnn::value_error& e) {  // a non-finite loss or gradient: say what is left to resume from
    std::cout.flush();
    std::cerr << "\ntrain: " << e.what() << "\n";
    if (!opt_.checkpoint.empty() && solver.epochs_done() > 0)
      std::cerr << "train: " << opt_.checkpoint << " holds the last good state (epoch " << solver.epochs_done()
                << "); continue from it with --checkpoint " << opt_.checkpoint << " --resume and a lower --lr\n";
    return false;
  }
  const History& h = solver.history();
  for (std::size_t e = 0; e < h.val_acc.size(); ++e) {
    std::cout << "epoch " << e + 1 << ": train accuracy " << std::fixed << std::setprecision(2) << 100 * h.train_acc[e] << "%, ";
    if (s_->data.val.count) std::cout << "validation accuracy " << 100 * h.val_acc[e] << "%, ";
    std::cout << std::setprecision(1) << h.epoch_seconds[e] << " s\n";
  }
  if (h.best_epoch) std::cout << "kept the parameters of epoch " << h.best_epoch << " (best validation accuracy)\n";
  return true;
}

void TrainingRun::save() {
  Model& model = *s_->model;
  const Dataset& test = s_->data.test;
  const Normalization& norm = s_->cfg.norm;
  if (opt_.epochs == 0) {
    // Evaluation only: nothing was trained, so nothing is written (--out keeps what an earlier run left there).
    print_test_accuracy(accuracy(model, test, norm));
    return;
  }
  // Pictures and parameters, into the temporary folder; renamed into place once all are written.
  const fs::path dir = s_->out->folder();
  const History& h = s_->solver->history();
  write_history(dir, h);
  std::vector<std::string> written = {"history.csv", "loss.csv"};
  save_params_npy(model, dir.string());
  written.push_back("<layer>.<param>.npy (parameters, for NumPy or PyTorch: tools/to_torch.py)");
  const Tensor2 all = all_test_scores(model, test, norm);
  const std::vector<std::size_t> shape(all.shape().begin(), all.shape().end());
  save_npy((dir / "test_scores.npy").string(), shape, std::span<const double>(all.data(), all.size()));
  written.push_back("test_scores.npy (scores of every test image)");
  // Charts, pictures and report.html (src/runtime/report.hpp).
  const auto pictures = write_report({.out_dir = dir.string(), .net = &s_->net, .input = s_->input, .model = &model,
                                      .test = &test, .norm = norm, .test_scores = &all, .history = &h,
                                      .ratios = &s_->ratios, .settings = settings_table(), .command = opt_.command});
  written.insert(written.begin(), pictures.front() + " (open it in a browser: curves, pictures, tables)");
  for (std::size_t i = 1; i < pictures.size(); ++i) written.push_back(pictures[i]);
  s_->out->commit();
  const double acc = accuracy(model, test, norm);
  std::cout << "wrote to " << fs::absolute(s_->out->target()).string() << ":\n";
  for (const auto& w : written) std::cout << "  " << w << "\n";
  print_test_accuracy(acc);
}

std::vector<std::pair<std::string, std::string>> TrainingRun::settings_table() const {
  const Hyperparameters& h = s_->hp.value();
  auto with = [](const std::string& value, const std::string& from) { return value + "  (" + from + ")"; };
  return {{"model", opt_.model},
          {"layers", opt_.layers},
          {"update rule", with(h.rule.value, h.rule.from)},
          {"learning rate", with(num_str(h.lr.value), h.lr.from)},
          {"learning-rate decay per epoch", with(num_str(h.lr_decay.value), h.lr_decay.from)},
          {"momentum / beta1", with(num_str(h.momentum.value), h.momentum.from)},
          {"weight decay", with(num_str(h.weight_decay.value), h.weight_decay.from)},
          {"batch size", with(std::to_string(h.batch.value), h.batch.from)},
          {"seed", with(std::to_string(h.seed.value), h.seed.from)},
          {"epochs", std::to_string(opt_.epochs)},
          {"validation images", std::to_string(opt_.val)},
          {"training images limit", opt_.limit ? std::to_string(opt_.limit) : "all"}};
}

}  // namespace cnn
