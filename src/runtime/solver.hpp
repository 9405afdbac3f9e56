/// @file solver.hpp
/// @brief Training: minibatches without replacement, an update rule per parameter, learning-rate decay,
/// histories, the best parameters kept, and checkpoints that save and resume. Page: @ref training.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "io/data.hpp"
#include "runtime/model.hpp"
#include "layers/optim.hpp"

namespace cnn {

/// @brief The update rules of optim.hpp, by name.
enum class UpdateRule { sgd, momentum, nesterov, adagrad, rmsprop, adam, adadelta };

/// @brief Parses "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam" or "adadelta".
/// @throws cnn::value_error for any other name, listing the valid ones
UpdateRule parse_update_rule(const std::string& name);
/// @brief The name parse_update_rule reads: rule_name(UpdateRule::adam) is "adam".
std::string rule_name(UpdateRule rule);

/// @brief How to train.
struct SolverConfig {
  UpdateRule rule = UpdateRule::momentum;  ///< the update rule (its function: the model's LayerSet's)
  double learning_rate = 1e-2;             ///< initial learning rate
  double momentum = 0.9;                   ///< momentum (momentum, nesterov) or beta1 (adam)
  double weight_decay = 0.0;               ///< L2 weight decay, added to every gradient
  double lr_decay = 1.0;                   ///< the learning rate is multiplied by this after every epoch
  std::size_t batch_size = 64;             ///< images per step
  std::size_t epochs = 1;                  ///< passes over the training set
  std::uint64_t seed = 0;                  ///< seeds the order of minibatches (epoch e uses seed and e)
  Normalization norm{};                    ///< how bytes become inputs
  std::size_t train_acc_samples = 2000;    ///< training accuracy is measured on this many images (0 = all)
  std::string checkpoint;                  ///< written after every epoch when not empty (atomically)
  std::size_t min_batch = 1;               ///< the smallest minibatch the model can take (2 with batch
                                           ///< normalization): a smaller last minibatch of an epoch is merged
                                           ///< into the one before
};

/// @brief What happened during training.
struct History {
  std::vector<double> loss;          ///< data loss of every step
  std::vector<double> train_acc;     ///< training accuracy after every epoch (on a fixed sample)
  std::vector<double> val_acc;       ///< validation accuracy after every epoch
  std::vector<double> epoch_seconds; ///< wall-clock seconds of every epoch's steps
  std::size_t best_epoch = 0;        ///< 1-based epoch of the best validation accuracy (0: none yet)
  double best_val_acc = 0.0;         ///< that accuracy
};

/// @brief Progress of one step, passed to a callback (the progress bar).
struct StepInfo {
  std::size_t epoch = 0;       ///< 1-based
  std::size_t step = 0;        ///< 1-based, within the epoch
  std::size_t steps = 0;       ///< steps per epoch
  double loss = 0.0;           ///< this step's loss
  double seconds = 0.0;        ///< since the epoch began
  std::size_t images = 0;      ///< images processed this epoch
};

/// @brief Fraction of @p data that @p model classifies correctly (test mode), in batches of @p batch.
/// @param model       the model, run in test mode
/// @param data        images and labels
/// @param norm        how bytes become inputs (as in training)
/// @param max_images  0 for all, otherwise the first max_images images
/// @param batch       images per forward pass
double accuracy(Model& model, const Dataset& data, const Normalization& norm, std::size_t max_images = 0,
                std::size_t batch = 500);

/// @brief What a checkpoint file says about how it was trained (read without a model: before one is built).
struct CheckpointInfo {
  std::size_t epochs_done = 0;        ///< epochs completed
  UpdateRule rule = UpdateRule::sgd;  ///< the update rule (its state is in the file)
  double learning_rate = 0.0;         ///< the rate the next step would use (decayed after every epoch)
  double lr_decay = 1.0;              ///< SolverConfig::lr_decay
  double momentum = 0.0;              ///< SolverConfig::momentum
  double weight_decay = 0.0;          ///< SolverConfig::weight_decay
  std::size_t batch_size = 0;         ///< SolverConfig::batch_size
  std::uint64_t seed = 0;             ///< SolverConfig::seed
};

/// @brief Reads the hyperparameters a checkpoint was saved with, after checking its checksum.
/// @throws cnn::io_error for a file that is missing, damaged (checksum), truncated or of another format
CheckpointInfo read_checkpoint_info(const std::string& path);

/// @brief Trains a model on a data set, keeping the parameters with the best validation accuracy.
class Solver {
 public:
  /// @param model  the model to train (initialised by the caller)
  /// @param train  training images
  /// @param val    validation images (may be empty: no validation accuracy, the last parameters are kept)
  /// @param config hyperparameters
  /// @throws cnn::value_error for a batch size of 0, an empty training set, or images and model that disagree
  Solver(Model& model, const Dataset& train, const Dataset& val, SolverConfig config);

  /// @brief One update on the given training images; returns the loss before the update.
  double step(std::span<const std::size_t> indices);
  /// @brief Runs the remaining epochs (all of them, or those after a resumed checkpoint); at the end the
  /// best parameters (by validation accuracy) are restored.
  /// @param on_step called after every step, e.g. to draw a progress bar
  /// @throws cnn::value_error when a loss or gradient is not finite, before the update: the message names the
  /// step, the epoch and the layer (for a loss: the first layer holding a non-finite parameter, otherwise the
  /// first whose output on that batch is not finite). The checkpoint file keeps the last completed epoch.
  const History& train(const std::function<void(const StepInfo&)>& on_step = {});
  /// @brief What happened so far.
  const History& history() const { return history_; }
  /// @brief The epochs completed so far.
  std::size_t epochs_done() const { return epochs_done_; }
  /// @brief The learning rate the next step uses.
  double learning_rate() const { return lr_; }
  /// @brief Sets the learning rate of the next step (after a resumed checkpoint: a rate given on the command
  /// line replaces the saved one); it decays from there.
  /// @throws cnn::value_error unless @p lr > 0
  void set_learning_rate(double lr);

  /// @brief Writes the parameters, buffers, optimizer state, epoch, history and hyperparameters to @p path,
  /// followed by a crc32 checksum, through write_file_atomically (a temporary file unique to this process, a
  /// flush and fsync, and a rename): a save interrupted at any point leaves the previous checkpoint intact
  /// (tests/core/test_checkpoint.cpp kills a process in the middle of saving).
  /// @throws cnn::io_error when the file cannot be written
  void save_checkpoint(const std::string& path) const;
  /// @brief Restores what save_checkpoint wrote; training then resumes after the saved epoch, with the saved
  /// learning rate and this solver's other hyperparameters (read_checkpoint_info gives the saved ones).
  /// @throws cnn::io_error for a file that is missing, damaged (its checksum does not match), truncated, of
  /// another format or of another model
  void load_checkpoint(const std::string& path);
  /// @brief As load_checkpoint, from a checkpoint's bytes already in memory: what load_checkpoint does after
  /// reading the file and checking its checksum (the fuzz target calls it directly, on bytes without one).
  /// @param bytes the file's bytes without the trailing 4-byte checksum
  /// @param path  the file name used in messages
  /// @throws cnn::io_error for bytes that are truncated, of another format or of another model
  void load_checkpoint_bytes(std::span<const std::uint8_t> bytes, const std::string& path);

 private:
  Model& model_;
  const Dataset& train_;
  const Dataset& val_;
  SolverConfig config_;
  double lr_;
  std::size_t epochs_done_ = 0;
  std::size_t steps_done_ = 0;
  History history_;
  using RuleConfig = std::variant<SgdConfig, MomentumConfig, NesterovConfig, AdagradConfig, RmspropConfig,
                                  AdamConfig, AdadeltaConfig>;
  std::vector<RuleConfig> rules_;          // one config (with its state) per parameter
  std::vector<std::vector<double>> best_;  // parameter and buffer values at the best epoch
};

}  // namespace cnn
