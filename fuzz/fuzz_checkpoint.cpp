// Fuzz target: the solver's checkpoint reader (Solver::load_checkpoint_bytes, what load_checkpoint runs on a
// file's bytes once their crc32 matches: the inputs are checkpoints without their last 4 bytes, so that the
// fuzzer's mutations reach the parser instead of stopping at the checksum). A small model with parameters and batch-normalization buffers, and one solver per update rule;
// the input goes to the solver whose rule the checkpoint names (byte 36), so that every rule's optimizer state is
// reached. Refusing input with cnn::io_error is the expected outcome. After a checkpoint is accepted, train()
// runs with no epochs left: it only restores the best parameters the checkpoint holds, which must not read or
// write out of bounds. Anything else is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>
#include <vector>

#include "core/errors.hpp"
#include "runtime/model.hpp"
#include "runtime/solver.hpp"

namespace {

struct Setup {
  cnn::Dataset data;
  std::vector<std::unique_ptr<cnn::Model>> models;
  std::vector<std::unique_ptr<cnn::Solver>> solvers;

  Setup() {
    data.count = 1;
    data.channels = 1;
    data.height = 2;
    data.width = 2;
    data.classes = 3;
    data.images = {0, 1, 2, 3};
    data.labels = {1};
    const cnn::UpdateRule rules[] = {cnn::UpdateRule::sgd,     cnn::UpdateRule::momentum, cnn::UpdateRule::nesterov,
                                     cnn::UpdateRule::adagrad, cnn::UpdateRule::rmsprop,  cnn::UpdateRule::adam,
                                     cnn::UpdateRule::adadelta};
    for (const auto rule : rules) {
      auto m = std::make_unique<cnn::Model>();
      m->add(cnn::make_affine("fc1", 4, 3)).add(cnn::make_batchnorm("bn1", 3)).add(cnn::make_scores("scores"));
      cnn::SolverConfig cfg;
      cfg.rule = rule;
      cfg.epochs = 0;  // train() then only restores the best parameters
      solvers.push_back(std::make_unique<cnn::Solver>(*m, data, data, cfg));
      models.push_back(std::move(m));
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Setup setup;
  const std::size_t pick = size > 36 ? data[36] % setup.solvers.size() : 0;
  cnn::Solver& solver = *setup.solvers[pick];
  try {
    solver.load_checkpoint_bytes(std::span<const std::uint8_t>(data, size), "fuzz.ckpt");
  } catch (const cnn::io_error&) {
    return 0;
  }
  solver.train();
  return 0;
}
