// cnnbench_conv: the convolution layer, naive against im2col (and PyTorch, when built with -DCNNLAB_TORCH=ON),
// forward and forward + backward, in double, on the shapes of the conv issue.
//
//   ./build/release/bench/cnnbench_conv --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// Threads. cnnlab's im2col version fills its buffers on both cores (its own small pool) and leaves the matrix
// products to OpenBLAS with OpenBLAS's own threads (2 here); the two never run at the same time. The naive
// version is the textbook loops on one core, timed on the small shapes only. PyTorch is set up as
// the fair way on a 2-core machine: torch::set_num_threads(2) and OpenBLAS at 1 thread while torch runs, so that
// torch's threads and OpenBLAS's do not fight over the two cores; OpenBLAS goes back to its own count for
// cnnlab. At the end a table gives the medians and the ratio cnnlab / torch per shape (below 1: cnnlab faster).
//
// Memory. glibc hands a freed block of more than 32 MiB (and, past its trim threshold, the top of its heap) back to
// the system, and on this kind of virtual machine faulting it in again costs about a millisecond per 1.5 MB:
// outputs, gradients and caches of the big shapes are allocated on every call, by cnnlab and torch alike. By
// default the benchmark leaves glibc as it is (what a program gets); with --keep_freed_memory it asks glibc to
// keep freed memory (mallopt: no trimming, mmap only above 32 MiB), for both cnnlab and torch, which shows the
// cost of the arithmetic without the page faults.
//
// GFLOP/s counts 2 N F Hout Wout C HH WW flops for a forward pass and three times that for forward + backward
// (dx and dw each cost one more product of the same size).
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "cnnlab/conv.hpp"
#include "cnnlab/random.hpp"

#if CNNLAB_WITH_TORCH
#include <torch/torch.h>
extern "C" {
// OpenBLAS's own controls (cblas.h declares them too, but it cannot be included beside torch's headers).
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
}
#endif

namespace {

struct Shape {
  const char* name;
  std::size_t N, C, H, W, F, HH, WW, stride, pad;
  bool naive;  // small enough for the naive loops

  std::size_t Hout() const { return 1 + (H + 2 * pad - HH) / stride; }
  std::size_t Wout() const { return 1 + (W + 2 * pad - WW) / stride; }
  double forward_flops() const {
    return 2.0 * static_cast<double>(N * F * Hout() * Wout()) * static_cast<double>(C * HH * WW);
  }
};

const std::vector<Shape> shapes = {
    {"lenet1", 64, 1, 28, 28, 6, 5, 5, 1, 2, true},     {"lenet2", 64, 6, 14, 14, 16, 5, 5, 1, 0, true},
    {"cifar", 64, 3, 32, 32, 32, 3, 3, 1, 1, true},     {"vgg64", 8, 64, 56, 56, 64, 3, 3, 1, 1, false},
    {"vgg128", 8, 128, 28, 28, 128, 3, 3, 1, 1, false}, {"alex1", 4, 3, 227, 227, 96, 11, 11, 4, 0, false},
    {"1x1", 8, 64, 56, 56, 32, 1, 1, 1, 0, true},
};

enum class Pass { forward, forward_backward };

const char* pass_name(Pass pass) { return pass == Pass::forward ? "fwd" : "fwd+bwd"; }

void set_flops(benchmark::State& state, const Shape& s, Pass pass) {
  const double flops = s.forward_flops() * (pass == Pass::forward ? 1.0 : 3.0);
  state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

#if CNNLAB_WITH_TORCH
int openblas_default_threads = 1;
#endif

using Forward = cnn::ConvForward (*)(const cnn::Tensor4&, const cnn::Tensor4&, const cnn::Tensor1&,
                                     const cnn::ConvParam&);
using Backward = cnn::ConvGrads (*)(const cnn::Tensor4&, const cnn::ConvCache&);

void bench_cnnlab(benchmark::State& state, const Shape& s, Pass pass, Forward forward, Backward backward) {
#if CNNLAB_WITH_TORCH
  openblas_set_num_threads(openblas_default_threads);
#endif
  cnn::Rng rng(1);
  const auto x = cnn::randn<cnn::Tensor4>({s.N, s.C, s.H, s.W}, rng);
  const auto w = cnn::randn<cnn::Tensor4>({s.F, s.C, s.HH, s.WW}, rng, 0.1);
  const auto b = cnn::randn<cnn::Tensor1>({s.F}, rng);
  const auto dout = cnn::randn<cnn::Tensor4>({s.N, s.F, s.Hout(), s.Wout()}, rng);
  const cnn::ConvParam param{s.stride, s.pad};
  for (auto _ : state) {
    cnn::ConvForward fwd = forward(x, w, b, param);
    benchmark::DoNotOptimize(fwd.out.data());
    if (pass == Pass::forward_backward) {
      cnn::ConvGrads grads = backward(dout, fwd.cache);
      benchmark::DoNotOptimize(grads.dx.data());
    }
    benchmark::ClobberMemory();
  }
  set_flops(state, s, pass);
}

#if CNNLAB_WITH_TORCH
void bench_torch(benchmark::State& state, const Shape& s, Pass pass) {
  torch::set_num_threads(2);
  openblas_set_num_threads(1);
  torch::manual_seed(1);
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  const bool grad = pass == Pass::forward_backward;
  auto x = torch::randn({int64_t(s.N), int64_t(s.C), int64_t(s.H), int64_t(s.W)}, f64).requires_grad_(grad);
  auto w = (0.1 * torch::randn({int64_t(s.F), int64_t(s.C), int64_t(s.HH), int64_t(s.WW)}, f64)).requires_grad_(grad);
  auto b = torch::randn({int64_t(s.F)}, f64).requires_grad_(grad);
  auto dout = torch::randn({int64_t(s.N), int64_t(s.F), int64_t(s.Hout()), int64_t(s.Wout())}, f64);
  const int64_t stride = int64_t(s.stride), pad = int64_t(s.pad);
  for (auto _ : state) {
    if (pass == Pass::forward) {
      torch::NoGradGuard no_grad;
      auto y = torch::conv2d(x, w, b, stride, pad);
      benchmark::DoNotOptimize(y.data_ptr());
    } else {
      auto y = torch::conv2d(x, w, b, stride, pad);
      // dx, dw and db, like conv_backward_*, returned rather than accumulated into .grad
      auto grads = torch::autograd::grad({y}, {x, w, b}, {dout});
      benchmark::DoNotOptimize(grads[0].data_ptr());
    }
    benchmark::ClobberMemory();
  }
  set_flops(state, s, pass);
}
#endif

// Keeps the median (or, without repetitions, the only) time of every benchmark for the table at the end.
class Recorder : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.error_occurred) continue;
      const std::string& name = run.run_name.function_name;  // without the /real_time suffix
      if (run.run_type == Run::RT_Aggregate && run.aggregate_name == "median") {
        medians[name] = run.GetAdjustedRealTime();
      } else if (run.run_type == Run::RT_Iteration) {
        singles[name] = run.GetAdjustedRealTime();
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }

  // Median when there were repetitions, else the single run; negative when the benchmark did not run.
  double time_ms(const std::string& name) const {
    if (auto it = medians.find(name); it != medians.end()) return it->second;
    if (auto it = singles.find(name); it != singles.end()) return it->second;
    return -1.0;
  }

 private:
  std::map<std::string, double> medians, singles;
};

// The fastest repetition, beside Google Benchmark's mean, median and spread: on a shared machine the minimum is
// the time least disturbed by other programs.
double fastest(const std::vector<double>& v) { return v.empty() ? 0.0 : *std::min_element(v.begin(), v.end()); }

benchmark::internal::Benchmark* configure(benchmark::internal::Benchmark* b) {
  return b->Unit(benchmark::kMillisecond)->UseRealTime()->ComputeStatistics("min", fastest);
}

std::string bench_name(Pass pass, const char* impl, const Shape& s) {
  return std::string("conv_") + pass_name(pass) + "/" + impl + "/" + s.name;
}

void print_table(const Recorder& r) {
  std::printf("\nconv, float64, medians in ms (GFLOP/s in brackets); ratio = cnnlab im2col / torch (< 1: faster)\n");
  std::printf("%-8s %-8s %18s %18s %18s %8s\n", "shape", "pass", "naive", "im2col", "torch", "ratio");
  for (const Shape& s : shapes)
    for (Pass pass : {Pass::forward, Pass::forward_backward}) {
      const double gflop = s.forward_flops() * (pass == Pass::forward ? 1.0 : 3.0) * 1e-9;
      auto cell = [&](double ms) {
        char buf[32];
        if (ms <= 0) std::snprintf(buf, sizeof buf, "-");
        else std::snprintf(buf, sizeof buf, "%.3f (%.1f)", ms, gflop / (ms * 1e-3));
        return std::string(buf);
      };
      const double naive = r.time_ms(bench_name(pass, "naive", s));
      const double fast = r.time_ms(bench_name(pass, "im2col", s));
      const double torch = r.time_ms(bench_name(pass, "torch", s));
      char ratio[16] = "-";
      if (fast > 0 && torch > 0) std::snprintf(ratio, sizeof ratio, "%.2f", fast / torch);
      std::printf("%-8s %-8s %18s %18s %18s %8s\n", s.name, pass_name(pass), cell(naive).c_str(), cell(fast).c_str(),
                  cell(torch).c_str(), ratio);
    }
}

}  // namespace

int main(int argc, char** argv) {
  // our own flag, removed before Google Benchmark sees the arguments
  bool keep_freed_memory = false;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--keep_freed_memory") == 0) keep_freed_memory = true;
    else argv[kept++] = argv[i];
  }
  argc = kept;
  if (keep_freed_memory) {
    // 32 MiB is the largest mmap threshold glibc accepts; every block of the shapes here is smaller
    const bool ok = mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1 && mallopt(M_TRIM_THRESHOLD, -1) == 1;
    std::printf("glibc malloc: %s\n", ok ? "freed memory kept (mmap threshold 32 MiB, no trimming)" : "mallopt failed");
  }
#if CNNLAB_WITH_TORCH
  openblas_default_threads = openblas_get_num_threads();
#endif
  for (const Shape& s : shapes)
    for (Pass pass : {Pass::forward, Pass::forward_backward}) {
      if (s.naive)
        configure(benchmark::RegisterBenchmark(bench_name(pass, "naive", s).c_str(), bench_cnnlab, s, pass,
                                               cnn::conv_forward_naive, cnn::conv_backward_naive));
      configure(benchmark::RegisterBenchmark(bench_name(pass, "im2col", s).c_str(), bench_cnnlab, s, pass,
                                             cnn::conv_forward_im2col, cnn::conv_backward_im2col));
#if CNNLAB_WITH_TORCH
      configure(benchmark::RegisterBenchmark(bench_name(pass, "torch", s).c_str(), bench_torch, s, pass));
#endif
    }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  Recorder recorder;
  benchmark::RunSpecifiedBenchmarks(&recorder);
  print_table(recorder);
  benchmark::Shutdown();
  return 0;
}
