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

/// @brief Everything a report is made of. The pointers must stay valid during write_report.
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
};

/// @brief Writes the charts, the pictures and `report.html` into @p in.out_dir, each file through a temporary
/// file and a rename.
/// @return the names of the files written, report.html first
/// @throws cnn::value_error when a pointer is null or the scores do not match the test set
/// @throws cnn::io_error when a file cannot be written
std::vector<std::string> write_report(const ReportInput& in);

}  // namespace cnn
