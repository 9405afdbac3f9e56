/// @file report.hpp
/// @brief What a training run writes for people to look at: charts (SVG) of the loss, the accuracies and the
/// size of the updates, the first layer's filters, activation maps, a confusion matrix, the test images the
/// network got most confidently wrong, and `report.html`, one page that ties them together with the network's
/// table, the hyper-parameters and the history. Page: @ref training.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "calculator/arch.hpp"
#include "io/data.hpp"
#include "io/svg.hpp"
#include "runtime/model.hpp"
#include "runtime/solver.hpp"

namespace cnn {

/// @brief The ratio of the size of an update to the size of the weights, per weight array, sampled during
/// training: @f$\|w_{t+1} - w_t\| / \|w_{t+1}\|@f$. The lecture's rule of thumb: about @f$10^{-3}@f$; much
/// larger and the learning rate is too high, much smaller and it is too low.
class UpdateRatios {
 public:
  /// @brief Samples one step in every @p every (at least 1).
  explicit UpdateRatios(std::size_t every = 10);
  /// @brief Call after every training step (from Solver::train's on_step). Copies the weights on the step
  /// before a sampled one and measures the update on the sampled one.
  void after_step(Model& model);

  /// @brief The ratios of one weight array.
  struct Track {
    std::string name;          ///< "<layer>.<param>", e.g. "conv1.w"
    std::vector<double> step;  ///< step number (1-based, counted in this process)
    std::vector<double> ratio; ///< the ratio at that step
  };
  /// @brief One track per weight array (parameters of rank 2 or more; biases and batch norm's scales are left
  /// out), in the model's order.
  const std::vector<Track>& tracks() const { return tracks_; }

 private:
  std::size_t every_;
  std::size_t steps_ = 0;
  std::vector<std::vector<double>> before_;
  std::vector<Track> tracks_;
};

/// @brief The band of the report's verdict on update sizes: a weight array whose median ratio lies within a
/// decade of the rule of thumb's @f$10^{-3}@f$, in @f$[10^{-4}, 10^{-2}]@f$, moves at a sensible pace; above, the
/// learning rate is probably too high, below, too low. (The default recipe's medians: 2e-3 to 6e-3.)
inline constexpr double kUpdateRatioLow = 1e-4;
/// @brief Upper end of the band: see kUpdateRatioLow.
inline constexpr double kUpdateRatioHigh = 1e-2;

/// @brief The median of a track's ratios, and what the report says of it.
struct UpdateVerdict {
  std::string name;     ///< the weight array, as in UpdateRatios::Track
  double median = 0.0;  ///< median ratio over the run's samples
  int side = 0;         ///< -1 below the band (too low), 0 inside, +1 above (too high)
};
/// @brief One verdict per track, against [kUpdateRatioLow, kUpdateRatioHigh].
std::vector<UpdateVerdict> update_verdicts(const UpdateRatios& ratios);

/// @brief Everything a report is made of. The pointers must stay valid during write_report. The fields after
/// `command` may stay empty: what they would show is then left out.
struct ReportInput {
  std::string out_dir;                                        ///< where the files go (must exist)
  const arch::Architecture* net = nullptr;                    ///< the network's spec (its table)
  arch::Shape input{};                                        ///< the input volume the network was built for
  Model* model = nullptr;                                     ///< the trained model (activation maps, filters)
  const Dataset* test = nullptr;                              ///< the test set (images and labels)
  Normalization norm{};                                       ///< how the test images become inputs
  const Tensor2* test_scores = nullptr;                       ///< scores of every test image, (test count, K)
  const History* history = nullptr;                           ///< the solver's history
  const UpdateRatios* ratios = nullptr;                       ///< sampled update / weight ratios, or null
  std::vector<std::pair<std::string, std::string>> settings;  ///< hyper-parameters, shown as a table
  std::string command;                                        ///< the command line that made the run
  std::vector<double> learning_rates = {};  ///< the learning rate of each epoch (the schedule), in order
  std::vector<double> test_acc = {};        ///< test accuracy after each epoch, when it was measured
  std::string started = {};                 ///< when the run began, e.g. "2026-12-08 00:12 UTC"
  std::string commit = {};                  ///< the source's commit (git describe), e.g. "0b83534"
  double total_seconds = 0.0;               ///< the whole run's wall-clock time, loading and checks included
  std::string docs = {};                    ///< the course text's folder or URL, ending in '/', e.g. "../":
                                            ///< each chart then links the section that explains it
};

/// @brief The training loss of every step, with its running mean; x in epochs, a tick at each whole epoch.
/// @throws cnn::value_error when the history holds no step
svg::Canvas loss_chart(const History& h);
/// @brief Accuracy after each epoch: training (on a sample), validation when there is a validation set, and
/// @p test_acc when it is given.
/// @throws cnn::value_error when the history holds no epoch
svg::Canvas accuracy_chart(const History& h, const std::vector<double>& test_acc = {});
/// @brief Every track's ratio against the steps, on a log scale, with the rule of thumb and the band of
/// update_verdicts as dashed lines; a tick at each whole epoch of @p steps_per_epoch steps.
/// @throws cnn::value_error when no track has a sample
svg::Canvas update_ratio_chart(const UpdateRatios& ratios, std::size_t steps_per_epoch);
/// @brief Test images beside the network's probabilities for them: one panel per image in @p which, its ten (K)
/// bars labelled, the true class's bar green, the predicted class's red when it is a mistake.
/// @throws cnn::value_error when @p which is empty or names an image outside the scores
svg::Canvas predictions_chart(const Dataset& test, const Tensor2& scores, const std::vector<std::size_t>& which,
                              const std::string& title);

/// @brief Writes the charts, the pictures and `report.html` into @p in.out_dir, each file through a temporary
/// file and a rename.
/// @return the names of the files written, report.html first
/// @throws cnn::value_error when a pointer is null or the scores do not match the test set
/// @throws cnn::io_error when a file cannot be written
std::vector<std::string> write_report(const ReportInput& in);

}  // namespace cnn
