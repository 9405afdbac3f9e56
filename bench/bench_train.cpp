// One LeNet-5 training step on Fashion-MNIST-sized batches: cnnlab's runtime (double) against libtorch
// (float32 and double) in the same run, and the seconds per epoch and peak memory that follow.
//
//   ./build/release/bench/cnnbench_train --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// A step is what the solver does for one minibatch of 64: forward, softmax loss, backward, and an SGD-momentum
// update of every parameter. "s_per_epoch" scales the step time to the 55,000 training images the walkthrough
// uses (860 steps). Torch runs with 2 intra-op threads and OpenBLAS at 1 thread (the fair setting: nested pools fight over 2 cores);
// cnnlab shares its work among its own 2 threads (parallel_for); for these sizes each of them calls OpenBLAS on
// products small enough to run on that thread, so OpenBLAS's threads stay asleep. With -DCNNLAB_TORCH=ON only.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <cstdlib>
#include <malloc.h>

#include "cnnlab/model.hpp"
#include "cnnlab/optim.hpp"
#include "cnnlab/random.hpp"
#include "cnnlab/zoo.hpp"

#if CNNLAB_WITH_TORCH
#include <torch/torch.h>
extern "C" void openblas_set_num_threads(int num_threads);
#endif

namespace {

constexpr std::size_t kBatch = 64;
constexpr double kStepsPerEpoch = 55000.0 / kBatch;

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // kilobytes on Linux
}

void report(benchmark::State& state) {
  state.counters["img_per_s"] = benchmark::Counter(static_cast<double>(kBatch), benchmark::Counter::kIsIterationInvariantRate);
  // seconds per step times steps per epoch: the inverse of a rate of 1 / kStepsPerEpoch epochs per step
  state.counters["s_per_epoch"] = benchmark::Counter(
      1.0 / kStepsPerEpoch, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  state.counters["peak_rss_MB"] = peak_rss_mb();
}

void BM_cnnlab_lenet5_step(benchmark::State& state) {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // as lectures/train does: keep big blocks in the heap
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  cnn::Model model = cnn::build_model(cnn::zoo::lenet5_fashion(), 1);
  cnn::Rng rng(2);
  const cnn::Tensor4 x = cnn::randn<cnn::Tensor4>({kBatch, 1, 28, 28}, rng);
  cnn::Labels y = cnn::Labels::from_shape({kBatch});
  for (std::size_t i = 0; i < kBatch; ++i) y(i) = i % 10;
  std::vector<cnn::MomentumConfig> configs(model.params().size());
  for (auto& c : configs) c.learning_rate = 0.01;
  for (auto _ : state) {
    benchmark::DoNotOptimize(model.loss_and_gradients(x, y));
    auto params = model.params();
    for (std::size_t i = 0; i < params.size(); ++i) cnn::sgd_momentum(params[i].value, params[i].grad, configs[i]);
  }
  report(state);
}
BENCHMARK(BM_cnnlab_lenet5_step)->Unit(benchmark::kMillisecond)->UseRealTime();

#if CNNLAB_WITH_TORCH
template <class T>
void BM_torch_lenet5_step(benchmark::State& state) {
  torch::set_num_threads(2);
  openblas_set_num_threads(1);
  const auto dtype = std::is_same_v<T, double> ? torch::kFloat64 : torch::kFloat32;
  torch::manual_seed(1);
  torch::nn::Sequential net(torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 6, 5).padding(2)), torch::nn::ReLU(),
                            torch::nn::MaxPool2d(2), torch::nn::Conv2d(6, 16, 5), torch::nn::ReLU(),
                            torch::nn::MaxPool2d(2), torch::nn::Flatten(), torch::nn::Linear(400, 120),
                            torch::nn::ReLU(), torch::nn::Linear(120, 84), torch::nn::ReLU(), torch::nn::Linear(84, 10));
  net->to(dtype);
  torch::optim::SGD opt(net->parameters(), torch::optim::SGDOptions(0.01).momentum(0.9));
  const auto x = torch::randn({static_cast<long>(kBatch), 1, 28, 28}, torch::TensorOptions().dtype(dtype));
  const auto y = torch::arange(static_cast<long>(kBatch)) % 10;
  for (auto _ : state) {
    opt.zero_grad();
    auto loss = torch::nn::functional::cross_entropy(net->forward(x), y);
    loss.backward();
    opt.step();
    benchmark::DoNotOptimize(loss.template item<double>());
  }
  openblas_set_num_threads(2);
  report(state);
}
BENCHMARK_TEMPLATE(BM_torch_lenet5_step, float)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_TEMPLATE(BM_torch_lenet5_step, double)->Unit(benchmark::kMillisecond)->UseRealTime();
#endif

}  // namespace

BENCHMARK_MAIN();
