// What every cnnbench_* program shares: the fair setting for cnnlab and libtorch on the same machine, a dgemm
// measured in the same run as the ceiling, the medians kept for the closing table, and the summary rows that
// `./lab bench` gathers into one table.
//
// The fair setting, for both sides alike:
//   - threads: cnnlab uses its own pool (one thread per core) and OpenBLAS with OpenBLAS's own thread count,
//     never both at once; libtorch uses 2 intra-op threads (torch::set_num_threads; it starts with 1 on this
//     CPU) with OpenBLAS held at 1 thread while it runs, because torch's float64 products go through OpenBLAS
//     and two pools of two threads fighting over two cores make torch 2-3 times slower.
//   - memory: glibc gives a large freed block (and, past its trim threshold, the top of its heap) back to the
//     system, and faulting it in again on the next call costs about a millisecond per 1.5 MB on this kind of
//     virtual machine. Both libraries allocate outputs and gradients on every call, so by default the process
//     asks glibc to keep freed memory (mallopt: mmap only above 2 GiB, no trimming), which is what
//     GLIBC_TUNABLES=glibc.malloc.mmap_threshold=4294967295:glibc.malloc.trim_threshold=4294967295 does from
//     outside; it holds for every allocation in the process, torch's included. --glibc_default leaves glibc as
//     a plain program gets it.
//   - OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are left as the environment sets them (printed at the start);
//     `./lab bench --both` runs everything a second time without them.
#pragma once

#include <benchmark/benchmark.h>
#include <malloc.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "internals/conv_fast.hpp"  // detail::gemm (OpenBLAS's dgemm) and parallel_threads
#include "core/errors.hpp"

#if CNNLAB_WITH_TORCH
#include <torch/torch.h>
#endif

extern "C" {
// OpenBLAS's own controls (cblas.h declares them too, but it cannot be included beside torch's headers).
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
}

namespace bench {

// Options every program takes, removed from argv before Google Benchmark sees it.
struct Options {
  bool glibc_default = false;
  std::string summary;  // --summary=FILE: append this program's rows to FILE (./lab bench does)
  std::string figures;  // --figures=DIR: draw the program's curves, if it has any, into DIR
};

inline Options& options() {
  static Options o;
  return o;
}

// Takes --glibc_default, --summary=FILE and --figures=DIR out of argv, sets glibc up, and prints the setting.
inline void start(int& argc, char** argv, const char* program) {
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--glibc_default") == 0) options().glibc_default = true;
    else if (std::strncmp(argv[i], "--summary=", 10) == 0) options().summary = argv[i] + 10;
    else if (std::strncmp(argv[i], "--figures=", 10) == 0) options().figures = argv[i] + 10;
    else argv[kept++] = argv[i];
  }
  argc = kept;
  std::string memory = "glibc as a plain program gets it (--glibc_default)";
  if (!options().glibc_default) {
    const bool ok = mallopt(M_MMAP_THRESHOLD, INT_MAX) == 1 && mallopt(M_TRIM_THRESHOLD, -1) == 1;
    memory = ok ? "freed memory kept for both (no mmap below 2 GiB, no trimming)" : "mallopt failed: glibc as it is";
  }
  const char* coretype = std::getenv("OPENBLAS_CORETYPE");
  const char* l2 = std::getenv("OPENBLAS_L2_SIZE");
  std::printf("%s: the same setting for both sides\n", program);
  std::printf("  cnnlab : its own pool of %zu threads; OpenBLAS at its own %d threads when cnnlab calls it alone\n",
              cnn::detail::parallel_threads(), openblas_get_num_threads());
#if CNNLAB_WITH_TORCH
  std::printf("  torch  : libtorch %s, 2 intra-op threads, OpenBLAS held at 1 thread while torch runs\n",
              TORCH_VERSION);
#else
  std::printf("  torch  : not built (configure with -DCNNLAB_TORCH=ON, as ./lab bench does)\n");
#endif
  std::printf("  memory : %s\n", memory.c_str());
  std::printf("  OpenBLAS kernels: OPENBLAS_CORETYPE=%s, OPENBLAS_L2_SIZE=%s\n", coretype ? coretype : "(unset)",
              l2 ? l2 : "(unset)");
  std::fflush(stdout);
}

#if CNNLAB_WITH_TORCH
// While it lives: torch on 2 intra-op threads, OpenBLAS on 1 (torch's float64 products call it from each).
class TorchSide {
 public:
  TorchSide() : openblas_(openblas_get_num_threads()) {
    torch::set_num_threads(2);
    openblas_set_num_threads(1);
  }
  ~TorchSide() { openblas_set_num_threads(openblas_); }
  TorchSide(const TorchSide&) = delete;
  TorchSide& operator=(const TorchSide&) = delete;

 private:
  int openblas_;
};
#endif

// Keeps the median (or, without repetitions, the only) time of every benchmark, in ms, and its counters.
class Recorder : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.error_occurred) continue;
      const std::string& name = run.run_name.function_name;  // without the /real_time suffix
      const bool median = run.run_type == Run::RT_Aggregate && run.aggregate_name == "median";
      const bool single = run.run_type == Run::RT_Iteration;
      if (median || (single && !medians_.count(name))) {
        (median ? medians_ : singles_)[name] = run.GetAdjustedRealTime();
        for (const auto& [key, counter] : run.counters) counters_[name][key] = counter.value;
      }
      if (run.run_type == Run::RT_Aggregate && run.aggregate_name == "stddev") spreads_[name] = run.GetAdjustedRealTime();
    }
    ConsoleReporter::ReportRuns(runs);
  }

  // Median when there were repetitions, else the single run; negative when the benchmark did not run.
  double time_ms(const std::string& name) const {
    if (auto it = medians_.find(name); it != medians_.end()) return it->second;
    if (auto it = singles_.find(name); it != singles_.end()) return it->second;
    return -1.0;
  }
  // Standard deviation over the repetitions, in ms; negative without repetitions.
  double spread_ms(const std::string& name) const {
    auto it = spreads_.find(name);
    return it == spreads_.end() ? -1.0 : it->second;
  }
  // A counter of the median run (or the single run); negative when absent.
  double counter(const std::string& name, const std::string& key) const {
    auto it = counters_.find(name);
    if (it == counters_.end()) return -1.0;
    auto c = it->second.find(key);
    return c == it->second.end() ? -1.0 : c->second;
  }

 private:
  std::map<std::string, double> medians_, singles_, spreads_;
  std::map<std::string, std::map<std::string, double>> counters_;
};

// The ceiling: C = A B on 1024 x 1024 matrices in double by OpenBLAS's dgemm with its own threads, in the same
// run as the layers, as "dgemm/1024" with a GFLOP/s counter.
inline void dgemm_1024(benchmark::State& state) {
  const std::size_t n = 1024;
  std::vector<double> a(n * n, 0.5), b(n * n, 0.25), c(n * n, 0.0);
  for (std::size_t i = 0; i < n * n; ++i) a[i] = 1.0 / double(1 + i % 97);
  for (auto _ : state) {
    cnn::detail::gemm(false, false, n, n, n, 1.0, a.data(), n, b.data(), n, 0.0, c.data(), n);
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * double(n * n * n) * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// Runs a benchmark of an exercise function; in a student's handout, where it may still be a stub, the benchmark is
// reported as skipped with the stub's message instead of ending the program.
template <class Body>
void unless_stub(benchmark::State& state, const Body& body) {
  try {
    body();
  } catch (const cnn::not_implemented& e) {
    state.SkipWithError(e.what());
  }
}

inline double fastest(const std::vector<double>& v) { return v.empty() ? 0.0 : *std::min_element(v.begin(), v.end()); }

// Milliseconds, real time, and the fastest repetition beside Google Benchmark's mean, median and spread (on a
// shared machine the minimum is the time least disturbed by other programs).
inline benchmark::internal::Benchmark* configure(benchmark::internal::Benchmark* b) {
  return b->Unit(benchmark::kMillisecond)->UseRealTime()->ComputeStatistics("min", fastest);
}

inline void register_dgemm() { configure(benchmark::RegisterBenchmark("dgemm/1024", dgemm_1024)); }

// GFLOP/s of the same-run dgemm; negative when it did not run.
inline double dgemm_gflops(const Recorder& r) { return r.counter("dgemm/1024", "GFLOP/s"); }

// One row of the summary ./lab bench prints at the end: what was timed, cnnlab's and torch's medians in ms
// (negative: not timed), and cnnlab's GFLOP/s with the same-run dgemm's (negative: not counted).
inline void summary_row(const std::string& program, const std::string& what, double cnnlab_ms, double torch_ms,
                        double gflops, double dgemm) {
  if (options().summary.empty()) return;
  std::FILE* f = std::fopen(options().summary.c_str(), "a");
  if (f == nullptr) {
    std::fprintf(stderr, "%s: cannot append to %s\n", program.c_str(), options().summary.c_str());
    return;
  }
  std::fprintf(f, "%s\t%s\t%.6g\t%.6g\t%.6g\t%.6g\n", program.c_str(), what.c_str(), cnnlab_ms, torch_ms, gflops, dgemm);
  std::fclose(f);
}

}  // namespace bench
