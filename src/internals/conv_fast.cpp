// Internals of the fast convolution: see src/internals/conv_fast.hpp. Tuned code, not course material.
#include "internals/conv_fast.hpp"

#include "internals/blas_threads.hpp"

#include <cblas.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <numeric>
#include <thread>

namespace cnn::detail {

namespace {

// True on a thread while it runs a part of a parallel_for: a parallel_for called from there runs inline.
thread_local bool inside_parallel_for = false;

// Runs body(begin, end) with inside_parallel_for set.
void run_part(const std::function<void(std::size_t, std::size_t)>& body, std::size_t begin, std::size_t end) {
  const bool outer = inside_parallel_for;
  inside_parallel_for = true;
  body(begin, end);
  inside_parallel_for = outer;
}

// Waits up to about 100 microseconds for ready() to become true, without sleeping; returns ready().
// A layer's parallel_for calls come a few microseconds to a few dozen apart, and a thread that went to sleep
// takes tens of microseconds to wake on a virtual machine; spinning a little first saves that every time.
template <class Ready>
bool spin_until(const Ready& ready) {
  using clock = std::chrono::steady_clock;
  const auto give_up = clock::now() + std::chrono::microseconds(100);
  for (unsigned i = 1;; ++i) {
    if (ready()) return true;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();  // tells the core this is a wait loop
#endif
    if (i % 256 == 0 && clock::now() > give_up) return ready();
  }
}

// A fixed set of worker threads that wait for parallel_for to hand them a range: spinning for a moment after
// each range, then asleep. The range is cut into a few chunks per thread, and the caller and the workers take
// chunks one after another until none is left: a worker that the system wakes late (the machine is shared) then
// costs little, as the caller takes its chunks.
class Pool {
 public:
  Pool() : threads_(std::max<std::size_t>(1, std::thread::hardware_concurrency())) {
    for (std::size_t id = 1; id < threads_; ++id) workers_.emplace_back([this] { work(); });
  }

  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
      published_.store(~std::uint64_t{0});  // wakes the spinning workers
    }
    start_.notify_all();
    for (auto& t : workers_) t.join();
  }

  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  std::size_t threads() const { return threads_; }

  void run(std::size_t n, const std::function<void(std::size_t, std::size_t)>& body) {
    if (inside_parallel_for || workers_.empty() || n < 2) {  // nested call, or nothing to share: run it here
      if (n > 0) run_part(body, 0, n);
      return;
    }
    std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
    if (!busy.owns_lock()) {  // another thread is using the workers: run it here
      run_part(body, 0, n);
      return;
    }
    Job job;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job = Job{&body, n, std::min(n, threads_ * kChunksPerThread), ++generation_};
      job_ = job;
      done_.store(0);
      next_.store(job.generation << 32);
      published_.store(generation_);
    }
    start_.notify_all();
    run_chunks(job);
    if (!spin_until([&] { return done_.load() == job.chunks; })) {
      std::unique_lock<std::mutex> lock(mutex_);
      done_cv_.wait(lock, [&] { return done_.load() == job.chunks; });
    }
    std::lock_guard<std::mutex> lock(mutex_);
    job_.body = nullptr;  // no chunk is left to claim: a worker that looks now does nothing
  }

 private:
  static constexpr std::size_t kChunksPerThread = 4;

  // One call of run: the body, the range [0, n) cut into `chunks` chunks, and the call's number.
  struct Job {
    const std::function<void(std::size_t, std::size_t)>* body = nullptr;
    std::size_t n = 0, chunks = 0;
    std::uint64_t generation = 0;
  };

  // Takes chunks of `job` until none is left. next_ holds the generation in its high 32 bits and the next
  // chunk in its low 32 bits, so that a thread still holding an earlier job takes nothing from a later one.
  void run_chunks(const Job& job) {
    for (;;) {
      std::uint64_t next = next_.load();
      std::size_t chunk = 0;
      do {
        chunk = static_cast<std::size_t>(next & 0xffffffffu);
        if ((next >> 32) != (job.generation & 0xffffffffu) || chunk >= job.chunks) return;
      } while (!next_.compare_exchange_weak(next, next + 1));
      run_part(*job.body, job.n * chunk / job.chunks, job.n * (chunk + 1) / job.chunks);
      if (done_.fetch_add(1) + 1 == job.chunks) {
        std::lock_guard<std::mutex> lock(mutex_);  // the caller checks done_ under the mutex before it sleeps
        done_cv_.notify_one();
      }
    }
  }

  void work() {
    std::uint64_t seen = 0;
    for (;;) {
      spin_until([&] { return published_.load() != seen; });
      std::unique_lock<std::mutex> lock(mutex_);
      start_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      const Job job = job_;
      lock.unlock();
      if (job.body != nullptr) run_chunks(job);
    }
  }

  const std::size_t threads_;  // the caller and the workers
  std::vector<std::thread> workers_;
  std::mutex busy_;   // held by the one parallel_for that is using the workers
  std::mutex mutex_;  // guards everything below but next_
  std::condition_variable start_, done_cv_;
  Job job_;
  std::uint64_t generation_ = 0;
  bool stop_ = false;
  std::atomic<std::size_t> done_{0};         // chunks of job_ finished
  std::atomic<std::uint64_t> next_{0};       // see run_chunks
  std::atomic<std::uint64_t> published_{0};  // generation_, for the spinning workers to watch without the mutex
};

Pool& pool() {
  static Pool p;
  return p;
}

// Output columns j whose input column j*S + q - P falls inside [0, W): j in [lo, hi).
struct Span {
  std::size_t lo, hi;
};
Span inside(std::size_t q, std::size_t S, std::size_t P, std::size_t W, std::size_t Wout) {
  // j*S + q >= P  <=>  j >= ceil((P - q) / S);  j*S + q < P + W  <=>  j < ceil((P + W - q) / S)
  const std::size_t lo = q >= P ? 0 : (P - q + S - 1) / S;
  const std::size_t hi = P + W <= q ? 0 : (P + W - q + S - 1) / S;
  return {std::min(lo, Wout), std::min(std::max(lo, hi), Wout)};
}

// Short rows (a few dozen numbers) are the common case: plain loops, which the compiler vectorises, cost less
// than calls to memcpy and memset. __restrict: the rows never overlap.
void copy_row(double* __restrict dst, const double* __restrict src, std::size_t n) {
  for (std::size_t k = 0; k < n; ++k) dst[k] = src[k];
}
void zero_row(double* dst, std::size_t n) {
  for (std::size_t k = 0; k < n; ++k) dst[k] = 0.0;
}
void add_row(double* __restrict dst, const double* __restrict src, std::size_t n) {
  for (std::size_t k = 0; k < n; ++k) dst[k] += src[k];
}

}  // namespace

void parallel_for(std::size_t n, const std::function<void(std::size_t, std::size_t)>& body) { pool().run(n, body); }

std::size_t parallel_threads() { return pool().threads(); }

double* Workspace::get(std::size_t slot, std::size_t size) {
  std::vector<double>& buffer = buffers_[slot];
  if (buffer.size() < size) {
    buffer.clear();
    buffer.shrink_to_fit();
    buffer.resize(size);
  }
  return buffer.data();
}

Workspace& thread_workspace() {
  thread_local Workspace workspace;
  return workspace;
}

namespace {
std::atomic<std::size_t> block_bytes{ConvTuning{}.block_bytes};
std::atomic<std::size_t> min_columns{ConvTuning{}.min_columns};
std::atomic<bool> share_examples{ConvTuning{}.examples_in_parallel};
std::atomic<bool> allow_direct{ConvTuning{}.direct};
}  // namespace

ConvTuning set_conv_tuning(const ConvTuning& tuning) {
  return {block_bytes.exchange(tuning.block_bytes), min_columns.exchange(tuning.min_columns),
          share_examples.exchange(tuning.examples_in_parallel), allow_direct.exchange(tuning.direct),
          allow_direct_avx512(tuning.avx512)};
}

WideLayout wide_layout(const ConvShape& s, std::size_t pad) {
  WideLayout g;
  g.Wp = s.W + 2 * pad;
  g.Lp = (s.H + 2 * pad) * g.Wp;
  const std::size_t T = s.Hout == 0 ? 0 : (s.Hout - 1) * g.Wp + s.Wout;
  g.T8 = (T + 7) / 8 * 8;
  g.front = (s.HH - 1) * g.Wp + (s.WW - 1);
  g.U8 = (g.Lp + 7) / 8 * 8;
  g.Lq = g.front + g.U8;
  return g;
}

ConvPlan conv_plan(const ConvShape& s, const ConvParam& param) {
  ConvPlan plan;
  plan.x_is_cols = s.HH == 1 && s.WW == 1 && param.stride == 1 && param.pad == 0;
  if (allow_direct.load() && param.stride == 1 && s.N > 0 && s.C > 0 && s.F > 0 &&
      s.Hout > 0 && s.Wout > 0 && direct_conv_available()) {
    // With AVX-512 the kernels beat OpenBLAS's products on every stride-1 shape measured, up to 3x3 filters over
    // 512 channels. With AVX2 alone they read the K rows of X_col (and, for dx, the F*HH*WW rows of dout's) for
    // 96 positions at a time, and win only while those fit the budget (stay in cache); 1x1 filters without
    // padding then keep BLAS, which reads x as X_col in place as fast.
    const std::size_t rows = std::max(s.C, s.F) * s.HH * s.WW;
    plan.direct = direct_conv_avx512() || (!plan.x_is_cols && rows * 96 * sizeof(double) <= block_bytes.load());
    plan.in_place = plan.direct && plan.x_is_cols && s.Hout * s.Wout % 8 == 0;
  }
  const std::size_t row_bytes = s.C * s.HH * s.WW * s.Wout * sizeof(double);  // X_col of one output row
  const std::size_t all = std::max<std::size_t>(1, s.Hout);
  if (plan.x_is_cols || row_bytes == 0) {
    plan.rows = all;  // nothing to build: a block is a whole example (fewer, larger products were faster)
  } else {
    const std::size_t by_budget = block_bytes.load() / row_bytes;
    const std::size_t by_width = s.Wout == 0 ? 0 : (min_columns.load() + s.Wout - 1) / s.Wout;
    plan.rows = std::clamp<std::size_t>(std::max(by_budget, by_width), 1, all);
  }
  plan.blocks = s.Hout == 0 ? 0 : (s.Hout + plan.rows - 1) / plan.rows;
  plan.examples_in_parallel = share_examples.load() && s.N >= 2 && parallel_threads() > 1;
  return plan;
}

void im2col_rows(const Tensor4& x, std::size_t n, std::size_t i0, std::size_t i1, const ConvShape& s,
                 const ConvParam& param, double* cols) {
  const std::size_t C = s.C, H = s.H, W = s.W, HH = s.HH, WW = s.WW, Wout = s.Wout;
  const std::size_t S = param.stride, P = param.pad, ld = (i1 - i0) * Wout;
  for (std::size_t c = 0; c < C; ++c) {
    const double* plane = x.data() + (n * C + c) * H * W;
    for (std::size_t p = 0; p < HH; ++p)
      for (std::size_t q = 0; q < WW; ++q) {
        double* dst = cols + ((c * HH + p) * WW + q) * ld;  // row (c, p, q)
        const Span js = inside(q, S, P, W, Wout);
        for (std::size_t i = i0; i < i1; ++i, dst += Wout) {
          const std::size_t h = i * S + p;  // row in the padded input
          if (h < P || h >= P + H) {
            zero_row(dst, Wout);
            continue;
          }
          zero_row(dst, js.lo);
          if (js.lo < js.hi) {
            const double* src = plane + (h - P) * W + (js.lo * S + q - P);  // x(n, c, h - P, j*S + q - P)
            if (S == 1) {
              copy_row(dst + js.lo, src, js.hi - js.lo);
            } else {
              for (std::size_t j = js.lo; j < js.hi; ++j, src += S) dst[j] = *src;
            }
          }
          zero_row(dst + js.hi, Wout - js.hi);
        }
      }
  }
}

void col2im_rows(const double* cols, std::size_t n, std::size_t i0, std::size_t i1, const ConvShape& s,
                 const ConvParam& param, Tensor4& dx) {
  const std::size_t C = s.C, H = s.H, W = s.W, HH = s.HH, WW = s.WW, Wout = s.Wout;
  const std::size_t S = param.stride, P = param.pad, ld = (i1 - i0) * Wout;
  for (std::size_t c = 0; c < C; ++c) {
    double* plane = dx.data() + (n * C + c) * H * W;
    for (std::size_t p = 0; p < HH; ++p)
      for (std::size_t q = 0; q < WW; ++q) {
        const double* src = cols + ((c * HH + p) * WW + q) * ld;
        const Span js = inside(q, S, P, W, Wout);
        for (std::size_t i = i0; i < i1; ++i, src += Wout) {
          const std::size_t h = i * S + p;
          if (h < P || h >= P + H || js.lo >= js.hi) continue;
          double* dst = plane + (h - P) * W + (js.lo * S + q - P);
          if (S == 1) {
            add_row(dst, src + js.lo, js.hi - js.lo);
          } else {
            for (std::size_t j = js.lo; j < js.hi; ++j, dst += S) *dst += src[j];
          }
        }
      }
  }
}

namespace {

// The columns X_col of output rows [i0, i1) of example n, (C*HH*WW, (i1 - i0)*Wout): x[n] itself for 1x1 filters
// at stride 1 without padding (row stride Hout*Wout), else built into cols by im2col_rows (row stride
// (i1 - i0)*Wout).
struct Columns {
  const double* data;
  std::size_t ld;
};
Columns block_columns(const Tensor4& x, std::size_t n, std::size_t i0, std::size_t i1, const ConvShape& s,
                      const ConvParam& param, const ConvPlan& plan, double* cols) {
  const std::size_t HWo = s.Hout * s.Wout;
  if (plan.x_is_cols) return {x.data() + n * s.C * HWo + i0 * s.Wout, HWo};
  im2col_rows(x, n, i0, i1, s, param, cols);
  return {cols, (i1 - i0) * s.Wout};
}

// The backward pass cuts the minibatch into parts, one per core (a single part when there are too few examples
// or the tuning says so; ConvPlan::examples_in_parallel), and each part sums its own dw and db. run_part(p) for
// every part: a single part on this thread, whose products may use OpenBLAS's threads; several shared among the
// cores, with OpenBLAS held to the thread that calls it.
std::size_t backward_parts(const ConvPlan& plan, std::size_t N) {
  return plan.examples_in_parallel ? std::min(N, parallel_threads()) : 1;
}
template <class Part>
void run_parts(std::size_t parts, const Part& run_part) {
  if (parts == 1) {
    run_part(0);
    return;
  }
  const BlasOnOneThread one_thread;
  parallel_for(parts, [&](std::size_t p0, std::size_t p1) {
    for (std::size_t part = p0; part < p1; ++part) run_part(part);
  });
}

// The direct way (stride 1; see conv_fast.hpp). Example n of x, zero-padded, into xp: C planes of Lp, then 8 zeros
// that the last plane's rounded-up positions may read.
void pad_example(const Tensor4& x, std::size_t n, const ConvShape& s, std::size_t pad, const WideLayout& g,
                 double* xp) {
  std::fill(xp, xp + s.C * g.Lp + 8, 0.0);
  for (std::size_t c = 0; c < s.C; ++c) {
    const double* plane = x.data() + (n * s.C + c) * s.H * s.W;
    for (std::size_t h = 0; h < s.H; ++h) copy_row(xp + c * g.Lp + (h + pad) * g.Wp + pad, plane + h * s.W, s.W);
  }
}

// The shift of row (c, p, q) of X_col in a stack of planes of `plane` numbers with rows of Wp: c*plane + p*Wp + q.
std::vector<std::size_t> shifts(std::size_t C, std::size_t HH, std::size_t WW, std::size_t plane, std::size_t Wp) {
  std::vector<std::size_t> off(C * HH * WW);
  for (std::size_t c = 0; c < C; ++c)
    for (std::size_t p = 0; p < HH; ++p)
      for (std::size_t q = 0; q < WW; ++q) off[(c * HH + p) * WW + q] = c * plane + p * Wp + q;
  return off;
}

// Per example: y_wide (F, T8) = b 1ᵀ + w_row X_col, X_col's rows read in place as shifts of the padded example,
// then the Wout real columns of each wide row copied into out[n]. In place (plan.in_place: 1x1 filters, no
// padding, planes a whole number of tiles), x[n] is the padded example and out[n] the wide output: no copies.
void forward_direct(const Tensor4& x, const Tensor4& w, const Tensor1& b, const ConvShape& s, std::size_t pad,
                    const ConvPlan& plan, Tensor4& out) {
  const WideLayout g = wide_layout(s, pad);
  const std::size_t K = s.C * s.HH * s.WW, HWo = s.Hout * s.Wout;
  const std::vector<std::size_t> off = shifts(s.C, s.HH, s.WW, g.Lp, g.Wp);
  parallel_for(s.N, [&](std::size_t n0, std::size_t n1) {
    double* xp = plan.in_place ? nullptr : thread_workspace().get(0, s.C * g.Lp + 8);
    double* yw = plan.in_place ? nullptr : thread_workspace().get(1, s.F * g.T8);
    for (std::size_t n = n0; n < n1; ++n) {
      // In place, Lp = T8 = Hout*Wout: x[n] and y are the padded example and the wide output themselves.
      double* y = out.data() + n * s.F * HWo;
      if (!plan.in_place) pad_example(x, n, s, pad, g, xp);
      const double* xin = plan.in_place ? x.data() + n * s.C * HWo : xp;
      shifted_products(xin, off.data(), K, w.data(), s.F, b.data(), plan.in_place ? y : yw, g.T8, g.T8);
      if (plan.in_place) continue;
      for (std::size_t f = 0; f < s.F; ++f)
        for (std::size_t i = 0; i < s.Hout; ++i) copy_row(y + f * HWo + i * s.Wout, yw + f * g.T8 + i * g.Wp, s.Wout);
    }
  });
}

// Per example, with the padded example xp and dout[n] in wide layout, after `front` zeros, in dyp (F planes of Lq;
// every other entry 0):
//   dw[f][k] += sum_t dy_wide[f][t] xp[off[k] + t]   (shifted_dots);   db[f] += sum of dout[n][f];
//   dx_padded[c][u] = sum over (f, p', q') of w[f][c][HH-1-p'][WW-1-q'] dyp[f][u + p'*Wp + q']  (shifted_products:
//   a convolution of the padded dout with the filters turned by 180 degrees and their channels swapped),
// and dx[n] is dx_padded without its border. Parts of the minibatch, one per core, each sum their own dw and db.
// In place (plan.in_place), x[n], dout[n] and dx[n] are xp, dyp and dx_padded themselves.
void backward_direct(const Tensor4& dout, const Tensor4& x, const Tensor4& w, const ConvShape& s, std::size_t pad,
                     const ConvPlan& plan, Tensor4& dw, Tensor1& db, Tensor4* dx) {
  const WideLayout g = wide_layout(s, pad);
  const std::size_t K = s.C * s.HH * s.WW, HWo = s.Hout * s.Wout, K2 = s.F * s.HH * s.WW;
  const std::vector<std::size_t> off = shifts(s.C, s.HH, s.WW, g.Lp, g.Wp);
  const std::vector<std::size_t> off2 = shifts(s.F, s.HH, s.WW, g.Lq, g.Wp);
  std::vector<double> turned;  // (C, F*HH*WW): turned[c][(f, p', q')] = w[f][c][HH-1-p'][WW-1-q']
  if (dx != nullptr) {
    turned.resize(s.C * K2);
    for (std::size_t f = 0; f < s.F; ++f)
      for (std::size_t c = 0; c < s.C; ++c)
        for (std::size_t p = 0; p < s.HH; ++p)
          for (std::size_t q = 0; q < s.WW; ++q)
            turned[c * K2 + (f * s.HH + (s.HH - 1 - p)) * s.WW + (s.WW - 1 - q)] = w(f, c, p, q);
  }
  const std::size_t parts = backward_parts(plan, s.N);
  std::vector<double> dw_parts(parts * s.F * K, 0.0), db_parts(parts * s.F, 0.0);
  auto run_part = [&](std::size_t part) {
    double* dwp = dw_parts.data() + part * s.F * K;
    double* dbp = db_parts.data() + part * s.F;
    // In place, front = 0 and Lp = Lq = T8 = U8 = Hout*Wout: x[n], dout[n] and dx[n] are xp, dyp and dx_padded.
    double* xp = plan.in_place ? nullptr : thread_workspace().get(0, s.C * g.Lp + 8);
    double* dyp = plan.in_place ? nullptr : thread_workspace().get(1, s.F * g.Lq);
    double* dxp = plan.in_place || dx == nullptr ? nullptr : thread_workspace().get(2, s.C * g.U8);
    if (dyp != nullptr) std::fill(dyp, dyp + s.F * g.Lq, 0.0);  // the entries copied below are the only ones written
    for (std::size_t n = s.N * part / parts; n < s.N * (part + 1) / parts; ++n) {
      const double* dy = dout.data() + n * s.F * HWo;
      for (std::size_t f = 0; f < s.F; ++f) dbp[f] += std::accumulate(dy + f * HWo, dy + (f + 1) * HWo, 0.0);
      const double* xin = plan.in_place ? x.data() + n * s.C * HWo : xp;
      const double* dyw = plan.in_place ? dy : dyp;
      if (!plan.in_place) {
        pad_example(x, n, s, pad, g, xp);
        for (std::size_t f = 0; f < s.F; ++f)
          for (std::size_t i = 0; i < s.Hout; ++i)
            copy_row(dyp + f * g.Lq + g.front + i * g.Wp, dy + f * HWo + i * s.Wout, s.Wout);
      }
      shifted_dots(xin, off.data(), K, dyw + g.front, g.Lq, s.F, g.T8, dwp);
      if (dx == nullptr) continue;
      double* dxn = dx->data() + n * s.C * s.H * s.W;
      shifted_products(dyw, off2.data(), K2, turned.data(), s.C, nullptr, plan.in_place ? dxn : dxp, g.U8, g.U8);
      if (plan.in_place) continue;
      for (std::size_t c = 0; c < s.C; ++c)
        for (std::size_t h = 0; h < s.H; ++h)
          copy_row(dxn + (c * s.H + h) * s.W, dxp + c * g.U8 + (h + pad) * g.Wp + pad, s.W);
    }
  };
  run_parts(parts, run_part);
  std::fill(dw.begin(), dw.end(), 0.0);
  std::fill(db.begin(), db.end(), 0.0);  // db's own storage, which the optimizer may be viewing
  for (std::size_t part = 0; part < parts; ++part) {
    for (std::size_t f = 0; f < s.F; ++f) db(f) += db_parts[part * s.F + f];
    for (std::size_t i = 0; i < s.F * K; ++i) dw.data()[i] += dw_parts[part * s.F * K + i];
  }
}

}  // namespace

Tensor4 conv_forward_fast(const Tensor4& x, const Tensor4& w, const Tensor1& b, const ConvParam& param) {
  const ConvShape shape = conv_shape("conv_forward_fast", x, w, b, param);
  const auto [N, C, H, W, F, HH, WW, Hout, Wout] = shape;
  const std::size_t K = C * HH * WW, HWo = Hout * Wout;
  Tensor4 out = Tensor4::from_shape({N, F, Hout, Wout});
  const ConvPlan plan = conv_plan(shape, param);
  if (plan.direct) {
    forward_direct(x, w, b, shape, param.pad, plan, out);
    return out;
  }
  // One task per block of output rows [i0, i1) of one example n: its columns X (K, B), B = (i1 - i0) * Wout,
  // built into this thread's buffer (for 1x1 filters at stride 1 without padding they are x[n] itself), then
  //   out[n][:, i0*Wout .. i1*Wout) = b 1ᵀ + w_row (F, K) X,
  // while X is still in the core's cache. Blocks are independent: the cores share them out, and each product
  // runs on the thread that asked for it (OpenBLAS's own threads would fight the pool's for the cores).
  const BlasOnOneThread one_thread;
  parallel_for(N * plan.blocks, [&, F = F, Hout = Hout, Wout = Wout](std::size_t t0, std::size_t t1) {
    double* cols = plan.x_is_cols ? nullptr : thread_workspace().get(0, K * plan.rows * Wout);
    for (std::size_t t = t0; t < t1; ++t) {
      const std::size_t n = t / plan.blocks, i0 = (t % plan.blocks) * plan.rows;
      const std::size_t i1 = std::min(Hout, i0 + plan.rows), B = (i1 - i0) * Wout;
      const Columns X = block_columns(x, n, i0, i1, shape, param, plan, cols);
      double* y = out.data() + n * F * HWo + i0 * Wout;
      for (std::size_t f = 0; f < F; ++f) std::fill(y + f * HWo, y + f * HWo + B, b(f));
      gemm(false, false, F, B, K, 1.0, w.data(), K, X.data, X.ld, 1.0, y, HWo);
    }
  });
  return out;
}

void conv_backward_fast(const Tensor4& dout, const Tensor4& x, const Tensor4& w, const ConvParam& param, Tensor4& dw,
                        Tensor1& db, Tensor4* dx) {
  const ConvShape shape = conv_shape("conv_backward_fast", x, w, xt::zeros<double>({w.shape(0)}), param);
  check_conv_dout("conv_backward_fast", dout, shape);
  const auto [N, C, H, W, F, HH, WW, Hout, Wout] = shape;
  const std::size_t K = C * HH * WW, HWo = Hout * Wout;
  if (dx != nullptr && dx->shape() != x.shape()) dx->resize(x.shape());
  const std::array<std::size_t, 4> w_shape{F, C, HH, WW};
  if (!std::equal(w_shape.begin(), w_shape.end(), dw.shape().begin())) dw.resize(w_shape);
  if (db.size() != F) db.resize({F});
  const ConvPlan plan = conv_plan(shape, param);
  if (plan.direct) {
    backward_direct(dout, x, w, shape, param.pad, plan, dw, db, dx);
    return;
  }
  // The minibatch is cut into parts, one per core (or a single part when there are too few examples), and every
  // part sums its own dwᵀ (K, F) and db; they are added up at the end, in order, so the result does not depend
  // on which thread ran which part. Per block of output rows of example n, with X its columns (K, B) and
  // dY = dout[n][:, i0*Wout .. i1*Wout) (F, B), while X is in cache:
  //   dwᵀ += X dYᵀ  (the same sums as dY Xᵀ, in a shape OpenBLAS multiplies faster);  db += the rows of dY;
  //   dX = w_rowᵀ dY (K, B), over X;  dx[n] += col2im(dX)  (dx[n] belongs to this part alone).
  const std::size_t parts = backward_parts(plan, N);
  std::vector<double> dwt_parts(parts * K * F, 0.0), db_parts(parts * F, 0.0);
  const std::size_t CHW = C * H * W;  // one example of x and dx
  auto run_part = [&, N = N, F = F, Hout = Hout, Wout = Wout](std::size_t part) {
    double* cols = thread_workspace().get(0, K * plan.rows * Wout);
    double* dwt = dwt_parts.data() + part * K * F;  // (data(): K * F may be 0)
    double* dbp = db_parts.data() + part * F;
    for (std::size_t n = N * part / parts; n < N * (part + 1) / parts; ++n) {
      if (dx != nullptr && !plan.x_is_cols) std::fill(dx->data() + n * CHW, dx->data() + (n + 1) * CHW, 0.0);
      for (std::size_t i0 = 0; i0 < Hout; i0 += plan.rows) {
        const std::size_t i1 = std::min(Hout, i0 + plan.rows), B = (i1 - i0) * Wout;
        const double* dy = dout.data() + n * F * HWo + i0 * Wout;  // (F, B), row stride HWo
        for (std::size_t f = 0; f < F; ++f) {
          double sum[4] = {0.0, 0.0, 0.0, 0.0};  // four running sums, so that the additions need not wait in line
          const double* g = dy + f * HWo;
          std::size_t k = 0;
          for (; k + 4 <= B; k += 4)
            for (std::size_t l = 0; l < 4; ++l) sum[l] += g[k + l];
          for (; k < B; ++k) sum[0] += g[k];
          dbp[f] += (sum[0] + sum[1]) + (sum[2] + sum[3]);
        }
        const Columns X = block_columns(x, n, i0, i1, shape, param, plan, cols);
        gemm(false, true, K, F, B, 1.0, X.data, X.ld, dy, HWo, 1.0, dwt, F);
        if (dx == nullptr) continue;
        if (plan.x_is_cols) {  // dX is dx[n]'s block itself
          gemm(true, false, K, B, F, 1.0, w.data(), K, dy, HWo, 0.0, dx->data() + n * K * HWo + i0 * Wout, HWo);
        } else {
          gemm(true, false, K, B, F, 1.0, w.data(), K, dy, HWo, 0.0, cols, B);
          col2im_rows(cols, n, i0, i1, shape, param, *dx);
        }
      }
    }
  };
  run_parts(parts, run_part);  // few examples: one part, each product on all cores by OpenBLAS's threads
  std::fill(dw.begin(), dw.end(), 0.0);
  std::fill(db.begin(), db.end(), 0.0);  // db's own storage, which the optimizer may be viewing
  for (std::size_t part = 0; part < parts; ++part) {
    for (std::size_t f = 0; f < F; ++f) {
      db(f) += db_parts[part * F + f];
      for (std::size_t k = 0; k < K; ++k) dw.data()[f * K + k] += dwt_parts[(part * K + k) * F + f];
    }
  }
}

void gemm_parallel(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n, std::size_t k, double alpha,
                   const double* a, std::size_t lda, const double* b, std::size_t ldb, double beta, double* c,
                   std::size_t ldc) {
  const bool large = double(m) * double(n) * double(k) >= double(std::size_t{1} << 18);
  const std::size_t blocks = large ? std::min(m, parallel_threads()) : 1;
  const BlasOnOneThread one_thread;  // each block on the thread that makes it
  parallel_for(blocks, [&](std::size_t b0, std::size_t b1) {
    for (std::size_t block = b0; block < b1; ++block) {
      const std::size_t r0 = m * block / blocks, r1 = m * (block + 1) / blocks;  // rows [r0, r1) of C
      if (r0 == r1) continue;
      gemm(transpose_a, transpose_b, r1 - r0, n, k, alpha, transpose_a ? a + r0 : a + r0 * lda, lda, b, ldb, beta,
           c + r0 * ldc, ldc);
    }
  });
}

void gemm(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n, std::size_t k, double alpha,
          const double* a, std::size_t lda, const double* b, std::size_t ldb, double beta, double* c,
          std::size_t ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0) {  // an empty sum: C = beta C (BLAS would refuse the zero leading dimensions)
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < n; ++j) c[i * ldc + j] = beta == 0.0 ? 0.0 : beta * c[i * ldc + j];
    return;
  }
  cblas_dgemm(CblasRowMajor, transpose_a ? CblasTrans : CblasNoTrans, transpose_b ? CblasTrans : CblasNoTrans,
              static_cast<blasint>(m), static_cast<blasint>(n), static_cast<blasint>(k), alpha, a,
              static_cast<blasint>(lda), b, static_cast<blasint>(ldb), beta, c, static_cast<blasint>(ldc));
}

}  // namespace cnn::detail
