// cnnbench_conv: the convolution layer, naive against the library's fast path (and PyTorch, when built with
// -DCNNLAB_TORCH=ON, as ./lab bench does), forward and forward + backward, in double, on nine shapes from
// LeNet-5 to AlexNet and a VGG layer of 512 channels, with OpenBLAS's dgemm in the same run as the ceiling.
//
//   ./build/bench/bench/cnnbench_conv --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// "fast" is what the runtime's conv layer runs (detail::conv_forward_fast and conv_backward_fast): at stride 1
// the direct way, which reads X_col's rows in place as shifts of the padded image (with AVX2 alone, only while
// they fit the cache budget: LeNet-5's, CIFAR's, vgg64); otherwise im2col and BLAS, X_col a block of output rows
// at a time, in cache, on both cores (the way the reference conv_forward_im2col calls).
// Its forward pass keeps no copy of x, like torch's conv2d under NoGradGuard; forward + backward returns dx, dw
// and db, like torch::autograd::grad. The naive version is the textbook loops on one core, on the small shapes.
// Threads and memory: the fair setting of bench/common.hpp, printed at the start. --block_kib=N sets the fast
// path's X_col budget per block (default 512) and --min_columns=N its least width (default 128), for tuning;
// --no_direct makes it take im2col and BLAS on every shape, --no_avx512 the direct way's AVX2 kernels where
// the processor has AVX-512; --figures=DIR draws the growth curve into DIR.
//
// The table at the end gives medians, GFLOP/s (2 N F Hout Wout C HH WW flops for a forward pass, three times
// that for forward + backward: dx and dw each cost one more product of the same size), the ratio fast / torch
// (below 1: cnnlab faster) and fast's GFLOP/s as a fraction of the same run's dgemm.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "layers/conv.hpp"
#include "internals/conv_fast.hpp"
#include "core/random.hpp"
#include "io/svg.hpp"
#include "common.hpp"

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

// How the time grows with the input: 3x3 filters, 16 channels in and 32 out, padding 1, 8 examples, at input
// sizes from 28 to 224 (forward + backward; with --figures=DIR also drawn into DIR/conv_growth.svg).
const std::vector<Shape> growth = {
    {"grow28", 8, 16, 28, 28, 32, 3, 3, 1, 1, false},     {"grow56", 8, 16, 56, 56, 32, 3, 3, 1, 1, false},
    {"grow112", 8, 16, 112, 112, 32, 3, 3, 1, 1, false}, {"grow224", 8, 16, 224, 224, 32, 3, 3, 1, 1, false},
};

const std::vector<Shape> shapes = {
    {"lenet1", 64, 1, 28, 28, 6, 5, 5, 1, 2, true},     {"lenet2", 64, 6, 14, 14, 16, 5, 5, 1, 0, true},
    {"cifar", 64, 3, 32, 32, 32, 3, 3, 1, 1, true},     {"vgg64", 8, 64, 56, 56, 64, 3, 3, 1, 1, false},
    {"vgg128", 8, 128, 28, 28, 128, 3, 3, 1, 1, false}, {"alex1", 4, 3, 227, 227, 96, 11, 11, 4, 0, false},
    {"1x1", 8, 64, 56, 56, 32, 1, 1, 1, 0, true},
    {"vgg256", 8, 256, 28, 28, 256, 3, 3, 1, 1, false}, {"vgg512", 8, 512, 14, 14, 512, 3, 3, 1, 1, false},
};

enum class Pass { forward, forward_backward };

const char* pass_name(Pass pass) { return pass == Pass::forward ? "fwd" : "fwd+bwd"; }

void set_flops(benchmark::State& state, const Shape& s, Pass pass) {
  const double flops = s.forward_flops() * (pass == Pass::forward ? 1.0 : 3.0);
  state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// The same random x, w, b and dout for both of cnnlab's versions.
struct Inputs {
  cnn::Tensor4 x, w;
  cnn::Tensor1 b;
  cnn::Tensor4 dout;
  cnn::ConvParam param;
  explicit Inputs(const Shape& s) {
    cnn::Rng rng(1);
    x = cnn::randn<cnn::Tensor4>({s.N, s.C, s.H, s.W}, rng);
    w = cnn::randn<cnn::Tensor4>({s.F, s.C, s.HH, s.WW}, rng, 0.1);
    b = cnn::randn<cnn::Tensor1>({s.F}, rng);
    dout = cnn::randn<cnn::Tensor4>({s.N, s.F, s.Hout(), s.Wout()}, rng);
    param = {s.stride, s.pad};
  }
};

void bench_naive_body(benchmark::State& state, const Shape& s, Pass pass) {
  const Inputs in(s);
  const auto& [x, w, b, dout, param] = in;
  for (auto _ : state) {
    cnn::ConvForward fwd = cnn::conv_forward_naive(x, w, b, param);
    benchmark::DoNotOptimize(fwd.out.data());
    if (pass == Pass::forward_backward) {
      cnn::ConvGrads grads = cnn::conv_backward_naive(dout, fwd.cache);
      benchmark::DoNotOptimize(grads.dx.data());
    }
    benchmark::ClobberMemory();
  }
  set_flops(state, s, pass);
}

// the naive pair is an exercise: a stub in a student's handout
void bench_naive(benchmark::State& state, const Shape& s, Pass pass) {
  bench::unless_stub(state, [&] { bench_naive_body(state, s, pass); });
}

void bench_fast(benchmark::State& state, const Shape& s, Pass pass) {
  const Inputs in(s);
  const auto& [x, w, b, dout, param] = in;
  for (auto _ : state) {
    cnn::Tensor4 out = cnn::detail::conv_forward_fast(x, w, b, param);
    benchmark::DoNotOptimize(out.data());
    if (pass == Pass::forward_backward) {
      cnn::Tensor4 dx, dw;  // new arrays every time, as torch::autograd::grad returns new tensors
      cnn::Tensor1 db;
      cnn::detail::conv_backward_fast(dout, x, w, param, dw, db, &dx);
      benchmark::DoNotOptimize(dx.data());
    }
    benchmark::ClobberMemory();
  }
  set_flops(state, s, pass);
}

#if CNNLAB_WITH_TORCH
void bench_torch(benchmark::State& state, const Shape& s, Pass pass) {
  const bench::TorchSide fair;
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

std::string bench_name(Pass pass, const char* impl, const Shape& s) {
  return std::string("conv_") + pass_name(pass) + "/" + impl + "/" + s.name;
}

void print_table(const bench::Recorder& r) {
  const double dgemm = bench::dgemm_gflops(r);
  std::printf("\nconv, float64, medians in ms (GFLOP/s); ratio = fast / torch (< 1: cnnlab faster); "
              "of dgemm = fast's GFLOP/s / dgemm's (%.1f GFLOP/s, 1024^3, this run)\n", dgemm);
  std::printf("%-8s %-8s %18s %18s %18s %8s %9s\n", "shape", "pass", "naive", "fast", "torch", "ratio", "of dgemm");
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
      const double fast = r.time_ms(bench_name(pass, "fast", s));
      const double torch = r.time_ms(bench_name(pass, "torch", s));
      char ratio[16] = "-", frac[16] = "-";
      if (fast > 0 && torch > 0) std::snprintf(ratio, sizeof ratio, "%.2f", fast / torch);
      if (fast > 0 && dgemm > 0) std::snprintf(frac, sizeof frac, "%.0f%%", 100.0 * gflop / (fast * 1e-3) / dgemm);
      std::printf("%-8s %-8s %18s %18s %18s %8s %9s\n", s.name, pass_name(pass), cell(naive).c_str(),
                  cell(fast).c_str(), cell(torch).c_str(), ratio, frac);
      bench::summary_row("conv", std::string(s.name) + " " + pass_name(pass), fast, torch,
                         fast > 0 ? gflop / (fast * 1e-3) : -1.0, dgemm);
    }
}

void print_growth(const bench::Recorder& r, const std::string& figures) {
  std::printf("\nconv 3x3, 16 -> 32 channels, pad 1, 8 examples, forward + backward, float64: medians in ms by input size\n");
  std::printf("%-8s %12s %12s %8s\n", "input", "fast", "torch", "ratio");
  cnn::svg::Series ours{"cnnlab (fast path)", {}, {}, true}, theirs{"libtorch", {}, {}, true};
  for (const Shape& s : growth) {
    const double fast = r.time_ms(bench_name(Pass::forward_backward, "fast", s));
    const double torch = r.time_ms(bench_name(Pass::forward_backward, "torch", s));
    char ratio[16] = "-";
    if (fast > 0 && torch > 0) std::snprintf(ratio, sizeof ratio, "%.2f", fast / torch);
    std::printf("%-8zu %12.3f %12.3f %8s\n", s.H, fast, torch, ratio);
    bench::summary_row("conv", std::to_string(s.H) + "x" + std::to_string(s.W) + " growth fwd+bwd", fast, torch,
                       fast > 0 ? 3.0 * s.forward_flops() * 1e-9 / (fast * 1e-3) : -1.0, bench::dgemm_gflops(r));
    if (fast > 0) ours.x.push_back(double(s.H)), ours.y.push_back(fast);
    if (torch > 0) theirs.x.push_back(double(s.H)), theirs.y.push_back(torch);
  }
  if (figures.empty() || ours.x.empty()) return;
  std::vector<cnn::svg::Series> series{ours};
  if (!theirs.x.empty()) series.push_back(theirs);
  cnn::svg::YAxis log_y;
  log_y.log = true;
  cnn::svg::line_chart(series,
                       {"Convolution time against input size (3x3, 16 to 32 channels, 8 examples, float64)",
                        "input height and width (pixels)", "forward + backward (ms, log scale)"},
                       log_y)
      .write(figures + "/conv_growth.svg");
  std::printf("wrote %s/conv_growth.svg\n", figures.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  // our own flag, removed before Google Benchmark sees the arguments
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--block_kib=", 12) == 0) {
      cnn::detail::ConvTuning t = cnn::detail::set_conv_tuning({});
      t.block_bytes = std::strtoul(argv[i] + 12, nullptr, 10) << 10;
      cnn::detail::set_conv_tuning(t);
      std::printf("fast path: X_col blocks of %s KiB\n", argv[i] + 12);
    } else if (std::strncmp(argv[i], "--min_columns=", 14) == 0) {
      cnn::detail::ConvTuning t = cnn::detail::set_conv_tuning({});
      t.min_columns = std::strtoul(argv[i] + 14, nullptr, 10);
      cnn::detail::set_conv_tuning(t);
      std::printf("fast path: blocks of at least %s columns\n", argv[i] + 14);
    } else if (std::strcmp(argv[i], "--no_direct") == 0) {
      cnn::detail::ConvTuning t = cnn::detail::set_conv_tuning({});
      t.direct = false;
      cnn::detail::set_conv_tuning(t);
      std::printf("fast path: im2col and BLAS only, never the direct way\n");
    } else if (std::strcmp(argv[i], "--no_avx512") == 0) {
      cnn::detail::ConvTuning t = cnn::detail::set_conv_tuning({});
      t.avx512 = false;
      cnn::detail::set_conv_tuning(t);
      std::printf("fast path: the direct way's AVX2 kernels, not AVX-512\n");
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  bench::start(argc, argv, "cnnbench_conv");
  bench::register_dgemm();
  for (const Shape& s : shapes)
    for (Pass pass : {Pass::forward, Pass::forward_backward}) {
      if (s.naive) bench::configure(benchmark::RegisterBenchmark(bench_name(pass, "naive", s).c_str(), bench_naive, s, pass));
      bench::configure(benchmark::RegisterBenchmark(bench_name(pass, "fast", s).c_str(), bench_fast, s, pass));
#if CNNLAB_WITH_TORCH
      bench::configure(benchmark::RegisterBenchmark(bench_name(pass, "torch", s).c_str(), bench_torch, s, pass));
#endif
    }
  for (const Shape& s : growth) {
    bench::configure(benchmark::RegisterBenchmark(bench_name(Pass::forward_backward, "fast", s).c_str(), bench_fast, s,
                                                  Pass::forward_backward));
#if CNNLAB_WITH_TORCH
    bench::configure(benchmark::RegisterBenchmark(bench_name(Pass::forward_backward, "torch", s).c_str(), bench_torch,
                                                  s, Pass::forward_backward));
#endif
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  bench::Recorder recorder;
  benchmark::RunSpecifiedBenchmarks(&recorder);
  print_table(recorder);
  print_growth(recorder, bench::options().figures);
  benchmark::Shutdown();
  return 0;
}
