// cnnbench_pool: max pooling 2x2 at stride 2, naive against fast (and PyTorch, when built with
// -DCNNLAB_TORCH=ON), forward and forward + backward, in double, in ns per output.
//
//   ./build/release/bench/cnnbench_pool --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// Shapes: LeNet-5's first pooling layer on a minibatch of 64, (64, 6, 28, 28), and a VGG-like early layer,
// (8, 64, 56, 56). Both tile (H and W even), so the fast version takes its reshape path.
//
// Threads and memory: the fair setting of bench/common.hpp, printed at the start (pooling does not call BLAS;
// OpenBLAS's setting only keeps things the same as in the other benchmarks). x requires a gradient in both of PyTorch's passes, so its
// forward records the argmax indices, as cnnlab's fast forward does (and as training needs; on this machine
// PyTorch 1.13's forward without autograd, which keeps no indices, was not faster); torch::autograd::grad
// returns dx rather than accumulating it into x.grad.
// The table at the end gives the medians and the ratios cnnlab / torch (below 1: cnnlab faster).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>
#include <vector>

#include "layers/pool.hpp"
#include "core/random.hpp"
#include "common.hpp"

namespace {

struct Shape {
  const char* name;
  std::size_t N, C, H, W;
  std::size_t outputs() const { return N * C * (H / 2) * (W / 2); }
};

const std::vector<Shape> shapes = {{"64x6x28x28", 64, 6, 28, 28}, {"8x64x56x56", 8, 64, 56, 56}};

enum class Pass { forward, forward_backward };

const char* pass_name(Pass pass) { return pass == Pass::forward ? "fwd" : "fwd+bwd"; }

// Seconds per output (printed as e.g. 2.5n): the time of one iteration divided by the number of outputs.
void set_ns_per_output(benchmark::State& state, const Shape& s) {
  state.counters["s/output"] = benchmark::Counter(static_cast<double>(s.outputs()),
                                                   benchmark::Counter::kIsIterationInvariantRate |
                                                       benchmark::Counter::kInvert);
}

template <class Forward, class Backward>
void bench_cnnlab(benchmark::State& state, const Shape& s, Pass pass, Forward forward, Backward backward) {
  cnn::Rng rng(1);
  const auto x = cnn::randn<cnn::Tensor4>({s.N, s.C, s.H, s.W}, rng);
  const auto dout = cnn::randn<cnn::Tensor4>({s.N, s.C, s.H / 2, s.W / 2}, rng);
  const cnn::PoolParam param{2, 2, 2};
  for (auto _ : state) {
    auto fwd = forward(x, param);
    benchmark::DoNotOptimize(fwd.out.data());
    if (pass == Pass::forward_backward) {
      cnn::PoolGrads grads = backward(dout, fwd.cache);
      benchmark::DoNotOptimize(grads.dx.data());
    }
    benchmark::ClobberMemory();
  }
  set_ns_per_output(state, s);
}

void bench_naive(benchmark::State& state, const Shape& s, Pass pass) {  // an exercise: a stub in a handout
  bench::unless_stub(state, [&] { bench_cnnlab(state, s, pass, cnn::max_pool_forward_naive, cnn::max_pool_backward_naive); });
}

void bench_fast(benchmark::State& state, const Shape& s, Pass pass) {
  bench_cnnlab(state, s, pass, cnn::max_pool_forward_fast, cnn::max_pool_backward_fast);
}

#if CNNLAB_WITH_TORCH
void bench_torch(benchmark::State& state, const Shape& s, Pass pass) {
  const bench::TorchSide fair;
  torch::manual_seed(1);
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  auto x = torch::randn({int64_t(s.N), int64_t(s.C), int64_t(s.H), int64_t(s.W)}, f64).requires_grad_(true);
  auto dout = torch::randn({int64_t(s.N), int64_t(s.C), int64_t(s.H / 2), int64_t(s.W / 2)}, f64);
  for (auto _ : state) {
    auto y = torch::max_pool2d(x, {2, 2}, {2, 2});
    benchmark::DoNotOptimize(y.data_ptr());
    if (pass == Pass::forward_backward) {
      auto dx = torch::autograd::grad({y}, {x}, {dout});
      benchmark::DoNotOptimize(dx[0].data_ptr());
    }
    benchmark::ClobberMemory();
  }
  set_ns_per_output(state, s);
}
#endif

std::string bench_name(Pass pass, const char* impl, const Shape& s) {
  return std::string("max_pool_") + pass_name(pass) + "/" + impl + "/" + s.name;
}

std::string cell(double value, const char* format) {
  if (value <= 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, format, value);
  return buf;
}

void print_table(const bench::Recorder& r) {
  auto ns = [&](const std::string& name) { return 1e9 * r.counter(name, "s/output"); };
  std::printf("\nmax pool 2x2 stride 2, float64, medians in ns per output; fast/torch < 1: cnnlab faster\n");
  std::printf("%-12s %-8s %8s %8s %8s %11s %11s\n", "shape", "pass", "naive", "fast", "torch", "naive/fast",
              "fast/torch");
  for (const Shape& s : shapes)
    for (Pass pass : {Pass::forward, Pass::forward_backward}) {
      const double naive = ns(bench_name(pass, "naive", s));
      const double fast = ns(bench_name(pass, "fast", s));
      const double torch = ns(bench_name(pass, "torch", s));
      std::printf("%-12s %-8s %8s %8s %8s %11s %11s\n", s.name, pass_name(pass), cell(naive, "%.2f").c_str(),
                  cell(fast, "%.2f").c_str(), cell(torch, "%.2f").c_str(),
                  cell(naive > 0 && fast > 0 ? naive / fast : -1, "%.1f").c_str(),
                  cell(fast > 0 && torch > 0 ? fast / torch : -1, "%.2f").c_str());
      bench::summary_row("max_pool", std::string(s.name) + " " + pass_name(pass),
                         r.time_ms(bench_name(pass, "fast", s)), r.time_ms(bench_name(pass, "torch", s)), -1, -1);
    }
}

}  // namespace

int main(int argc, char** argv) {
  bench::start(argc, argv, "cnnbench_pool");
  for (const Shape& s : shapes)
    for (Pass pass : {Pass::forward, Pass::forward_backward}) {
      bench::configure(benchmark::RegisterBenchmark(bench_name(pass, "naive", s).c_str(), bench_naive, s, pass));
      bench::configure(benchmark::RegisterBenchmark(bench_name(pass, "fast", s).c_str(), bench_fast, s, pass));
#if CNNLAB_WITH_TORCH
      bench::configure(benchmark::RegisterBenchmark(bench_name(pass, "torch", s).c_str(), bench_torch, s, pass));
#endif
    }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  bench::Recorder recorder;
  benchmark::RunSpecifiedBenchmarks(&recorder);
  print_table(recorder);
  benchmark::Shutdown();
  return 0;
}
