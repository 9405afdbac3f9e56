/// @file training_run.hpp
/// @brief The main job as one object: a training run that plans, checks, steps and saves, in that order.
/// `lectures/train.cpp` reads its command line into TrainOptions and calls the four steps; everything else
/// (the data, the model, the solver, the files written) lives here. Page: @ref training.
///
/// Why four steps: a mistake found after training costs the training. So everything that can fail after the
/// first step (an --out that cannot be written or renamed into place, a file name too long for the file
/// system, a learning rate that decays to nothing, too little memory, a "best validation" without a validation
/// set) is tried in check(), in seconds, before train() takes its first step.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "calculator/arch.hpp"
#include "io/data.hpp"
#include "runtime/layer_set.hpp"
#include "runtime/model.hpp"
#include "runtime/solver.hpp"

namespace cnn {

/// @brief What a training run was asked to do: the command line of `train`, parsed and range-checked.
struct TrainOptions {
  std::string data = kFashionMnistDir;    ///< folder with the IDX files
  std::string model = "lenet5-fashion";   ///< a zoo name or a network file
  std::string out = "out/train";          ///< where the results go (written as a set)
  std::string rule = "momentum";          ///< the update rule's name
  std::string layers = "reference";       ///< the layer set's name ("reference" or "mine")
  LayerSet layer_set = reference_layers();  ///< that layer set (the caller resolves the name: parse_layer_set)
  std::size_t epochs = 1;                 ///< passes over the training set (0: evaluate only)
  std::size_t batch = 64;                 ///< images per step
  std::size_t val = 5000;                 ///< training images kept for validation
  std::size_t limit = 0;                  ///< train on the first N images only (0: all)
  double lr = 0.02;                       ///< learning rate
  double lr_decay = 1.0;                  ///< learning rate multiplied by this after every epoch
  double momentum = 0.9;                  ///< momentum, or Adam's beta1
  double weight_decay = 0.0;              ///< L2 weight decay
  std::uint64_t seed = 1;                 ///< seed of the weights and the batch order
  std::string checkpoint;                 ///< saved after every epoch when not empty
  bool resume = false;                    ///< continue from the checkpoint file
  std::string load_params;                ///< start from the parameters in this folder
  std::set<std::string> given;            ///< the flags given (with --resume they override the checkpoint)
  std::string command;                    ///< the whole command line, for the report
};

/// @brief A hyperparameter and where its value came from: "--lr" (the command line), "checkpoint" or "default".
template <class T>
struct Setting {
  T value;           ///< the value used
  std::string from;  ///< where it came from
};

/// @brief The hyperparameters a run uses, each with where it came from (TrainingRun::plan chooses them).
struct Hyperparameters {
  Setting<std::string> rule;                                ///< the update rule's name
  Setting<double> lr;                                       ///< the learning rate (before any decay)
  Setting<double> lr_decay;                                 ///< the learning rate's factor per epoch
  Setting<double> momentum;                                 ///< momentum, or Adam's beta1
  Setting<double> weight_decay;                             ///< L2 weight decay
  Setting<std::size_t> batch;                               ///< images per step
  Setting<std::uint64_t> seed;                              ///< seed of the weights and the batch order
};

/// @brief Flags given on the command line win; with --resume the checkpoint @p saved gives the rest; the
/// defaults otherwise.
/// @throws cnn::value_error naming --rule when it differs from the rule whose state the checkpoint holds
Hyperparameters choose_hyperparameters(const TrainOptions& opt, const std::optional<CheckpointInfo>& saved);

/// @brief The training and test sets of a run, as check() loads them.
struct RunData {
  Dataset train;  ///< the training images (after --val and --limit)
  Dataset val;    ///< the validation images (empty with --val 0, of the same image shape)
  Dataset test;   ///< the test images
};

/// @brief Called after every training step (the progress bar, a live page). It runs on the training thread,
/// between two steps: what it reads of the model is the state after that step.
using StepObserver = std::function<void(const StepInfo&)>;

/// @brief One training run of `train`, as four steps called in order: plan(), check(), train(), save().
///
/// Every step prints what it decided on the standard output (`data: ...`, `model: ...`, `training: ...`); a
/// refusal is an exception that names the flag or file (`--out: runs: ...`), which `train` prints as one line
/// with exit status 1. Nothing is written before train(): check() creates only the temporary folder beside
/// --out (removed again when the run ends without save()).
class TrainingRun {
 public:
  /// @param options the command line, parsed (its counts and rates already range-checked)
  explicit TrainingRun(TrainOptions options);
  ~TrainingRun();
  TrainingRun(const TrainingRun&) = delete;
  TrainingRun& operator=(const TrainingRun&) = delete;

  /// @brief Step 1: the options become hyperparameters. Prints `cnnlab: training ...`; with --resume reads
  /// the checkpoint's hyperparameters (read_checkpoint_info) and lets the flags given override them.
  /// @throws cnn::io_error for a checkpoint that cannot be read (missing, damaged, another format)
  /// @throws cnn::value_error for a --rule other than the checkpoint's
  void plan();

  /// @brief Step 2: everything that must hold before the first step, in one place, in this order:
  /// - --out can be written as a set (FolderWriter: a folder or nothing, holding only files a run listed in
  ///   its manifest; the temporary folder beside it is created and written, and the rename into place is
  ///   tried and undone, so a mount point or `.` is refused now); --checkpoint is not inside --out and is a
  ///   regular file, a link to one or nothing, with a file creatable beside it;
  /// - the data: readable, training and test images of one shape and one set of classes, more images than
  ///   --val keeps; printed as `data: ...`;
  /// - memory: under an address-space limit (RLIMIT_AS, `ulimit -v`), what is in use plus the parameters,
  ///   gradients, the rule's state and one batch (the calculator's figures, arch::training_bytes) plus
  ///   OpenBLAS's buffer and a malloc arena per core, before BLAS is first called (OpenBLAS retries for ever
  ///   when it cannot map its buffer: without this check the run would hang);
  /// - the model: built from the zoo name or network file for the data's volume, its parameters loaded from
  ///   --load-params, one forward pass on two test images giving one score per class; printed as `model: ...`;
  /// - the solver: with --resume, the checkpoint's state loaded into the model (`resumed from ...` and the
  ///   hyperparameters with where each came from), --epochs above the epochs it holds, and a validation set
  ///   when it keeps its best epoch by validation accuracy;
  /// - when training: every file name the run will write, with its temporary suffix, within the file
  ///   system's limit; the learning rate of every epoch to come (lr * decay^k) a normal number; the learning
  ///   rate times the weight decay below 1; how the minibatches fall (a last one too small for batch
  ///   normalization joins the one before).
  /// Ends with `training: ...` and `checks passed in N s` when there is something to train.
  /// @throws cnn::io_error naming --out, --checkpoint or the data file that cannot be used
  /// @throws cnn::shape_error when the model does not take the data's images or classes
  /// @throws cnn::value_error naming the flag: --val at least the training set's size or 0 after a run with
  ///         validation, --epochs not above a resumed checkpoint's, --lr-decay that takes the rate below a
  ///         normal number, --weight-decay too large, --model with a name too long for a file; "memory" when
  ///         the address-space limit is too low (saying what does not fit, and the --batch that would)
  void check();

  /// @brief Step 3: the remaining epochs, calling every observer after every step, then one line per epoch
  /// (`epoch 1: train accuracy ...`) and which epoch's parameters were kept.
  /// @return false when a loss or gradient was not finite: the error and, when a checkpoint holds an earlier
  ///         epoch, how to resume from it were printed on the standard error (the run then saves nothing)
  bool train();

  /// @brief Step 4: the results. After training: history.csv and loss.csv, every parameter as .npy, the test
  /// scores (test_scores.npy), the report's charts and report.html, all into the temporary folder, which then
  /// replaces --out in one step; prints what was written and `test accuracy: NN.NN%`. An evaluation
  /// (--epochs 0) writes nothing and prints only the test accuracy.
  /// @throws cnn::io_error when a file cannot be written or --out cannot be put in place (the old --out is
  ///         then left as it was)
  void save();

  /// @brief Adds @p observer, called after every step of train() (in the order they were added).
  void add_step_observer(StepObserver observer);

  /// @brief The options the run was made with.
  const TrainOptions& options() const { return opt_; }
  /// @brief The hyperparameters plan() chose (valid after plan()).
  const Hyperparameters& hyperparameters() const;
  /// @brief The model being trained (valid after check()).
  Model& model();
  /// @brief The data sets (valid after check()).
  const RunData& data() const;
  /// @brief What happened so far in training (valid after check()).
  const History& history() const;
  /// @brief The hyperparameters as the report shows them, with where each came from (valid after plan()).
  std::vector<std::pair<std::string, std::string>> settings_table() const;

 private:
  struct State;
  TrainOptions opt_;
  std::unique_ptr<State> s_;
};

}  // namespace cnn
