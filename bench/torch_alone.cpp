// torch_alone: libtorch's float64 convolution timed on its own, in a plain loop, with nothing of cnnlab's in the
// process and no benchmark library: the check of the torch column of the Performance page, whose figures come
// from cnnbench_conv, where torch runs interleaved with cnnlab in one Google Benchmark process.
//
//   build/bench/bench/torch_alone [--reps R] [--openblas-threads T] [--glibc-default] NAME N C H W F HH WW STRIDE PAD
//                                 [NAME ...]
//   bench/torch_alone.sh        # the Performance page's shapes, run once with OPENBLAS_CORETYPE as set, once without
//
// The same fair setting as cnnbench_*: torch on 2 intra-op threads, OpenBLAS on 1 (--openblas-threads) while
// torch runs (its float64 products call OpenBLAS from each of its threads), glibc asked to keep freed memory
// (as cnnbench_*'s setting; --glibc-default leaves glibc as a plain program gets it), the same random inputs, and
// for the backward pass dx, dw and db returned by torch::autograd::grad. Each pass is warmed up, then timed R
// times (default 7) over as many iterations as fill about 0.3 s; it prints the median and the range, per
// iteration, in ms. Needs an otherwise idle machine: the numbers are only worth comparing on one.
#include <torch/torch.h>

#include <malloc.h>

#include <algorithm>
#include <climits>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

extern "C" {
int openblas_get_num_threads(void);
void openblas_set_num_threads(int num_threads);
}

namespace {

struct Shape {
  std::string name;
  int64_t N, C, H, W, F, HH, WW, stride, pad;
};

// Milliseconds per call of body(): median, lowest and highest of reps timings of a loop long enough to last
// about 0.3 s.
template <class Body>
std::vector<double> time_ms(int reps, Body body) {
  using clock = std::chrono::steady_clock;
  for (int i = 0; i < 3; ++i) body();  // warm-up: first-call allocations, thread pools, OpenBLAS buffers
  const auto t0 = clock::now();
  body();
  const double once = std::chrono::duration<double>(clock::now() - t0).count();
  const int iters = std::max(1, static_cast<int>(0.3 / std::max(once, 1e-6)));
  std::vector<double> ms;
  for (int r = 0; r < reps; ++r) {
    const auto start = clock::now();
    for (int i = 0; i < iters; ++i) body();
    ms.push_back(1e3 * std::chrono::duration<double>(clock::now() - start).count() / iters);
  }
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms.front(), ms.back()};
}

int usage() {
  std::fprintf(stderr, "usage: torch_alone [--reps R] [--openblas-threads T] [--glibc-default] "
                       "NAME N C H W F HH WW STRIDE PAD [...]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 7, blas_threads = 1;
  bool glibc_default = false;
  std::vector<Shape> shapes;
  for (int i = 1; i < argc;) {
    const std::string a = argv[i];
    if (a == "--glibc-default") {
      glibc_default = true;
      ++i;
    } else if ((a == "--reps" || a == "--openblas-threads") && i + 1 < argc) {
      (a == "--reps" ? reps : blas_threads) = std::atoi(argv[i + 1]);
      i += 2;
    } else if (i + 9 < argc) {
      Shape s{a, 0, 0, 0, 0, 0, 0, 0, 0, 0};
      int64_t* fields[] = {&s.N, &s.C, &s.H, &s.W, &s.F, &s.HH, &s.WW, &s.stride, &s.pad};
      for (int k = 0; k < 9; ++k) *fields[k] = std::atoll(argv[i + 1 + k]);
      shapes.push_back(s);
      i += 10;
    } else {
      return usage();
    }
  }
  if (shapes.empty() || reps < 1 || blas_threads < 1) return usage();
  const char* coretype = std::getenv("OPENBLAS_CORETYPE");
  const char* l2 = std::getenv("OPENBLAS_L2_SIZE");
  const bool kept = !glibc_default && mallopt(M_MMAP_THRESHOLD, INT_MAX) == 1 && mallopt(M_TRIM_THRESHOLD, -1) == 1;
  torch::set_num_threads(2);
  const int blas_before = openblas_get_num_threads();
  openblas_set_num_threads(blas_threads);
  std::printf("torch_alone: libtorch %s, %d intra-op threads, OpenBLAS on %d (OPENBLAS_CORETYPE=%s, "
              "OPENBLAS_L2_SIZE=%s), glibc %s, float64, median (lowest-highest) of %d timings, ms per iteration\n",
              TORCH_VERSION, torch::get_num_threads(), blas_threads, coretype ? coretype : "(unset)",
              l2 ? l2 : "(unset)", kept ? "keeping freed memory" : "as it is", reps);
  std::printf("%-8s %-8s %24s\n", "shape", "pass", "torch alone (ms)");
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  for (const Shape& s : shapes) {
    torch::manual_seed(1);
    const int64_t Hout = 1 + (s.H + 2 * s.pad - s.HH) / s.stride, Wout = 1 + (s.W + 2 * s.pad - s.WW) / s.stride;
    auto x = torch::randn({s.N, s.C, s.H, s.W}, f64).requires_grad_(true);
    auto w = (0.1 * torch::randn({s.F, s.C, s.HH, s.WW}, f64)).requires_grad_(true);
    auto b = torch::randn({s.F}, f64).requires_grad_(true);
    auto dout = torch::randn({s.N, s.F, Hout, Wout}, f64);
    const auto fwd = time_ms(reps, [&] {
      torch::NoGradGuard no_grad;
      auto y = torch::conv2d(x, w, b, s.stride, s.pad);
      (void)y.data_ptr();
    });
    const auto both = time_ms(reps, [&] {
      auto y = torch::conv2d(x, w, b, s.stride, s.pad);
      auto grads = torch::autograd::grad({y}, {x, w, b}, {dout});
      (void)grads[0].data_ptr();
    });
    std::printf("%-8s %-8s %10.3f (%.3f-%.3f)\n", s.name.c_str(), "fwd", fwd[0], fwd[1], fwd[2]);
    std::printf("%-8s %-8s %10.3f (%.3f-%.3f)\n", s.name.c_str(), "fwd+bwd", both[0], both[1], both[2]);
  }
  openblas_set_num_threads(blas_before);
  return 0;
}
