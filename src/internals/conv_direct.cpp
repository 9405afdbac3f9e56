// The two kernels of the fast convolution's direct way (see "The direct way" in src/internals/conv_fast.hpp):
// products and dot products of a matrix with shifted copies of an array, read in place. Tuned code, not course
// material: with AVX2 and FMA they work on four doubles at a time, in tiles that stay in registers; where the
// processor has AVX-512, the products work on eight (twice the multiply-adds per instruction). The dot products
// stay on four: eight-wide ones measured 10-20 % slower (a shifted row's 64-byte loads nearly all straddle two
// cache lines, and dots load two numbers per multiply-add where products load one per row of the tile), and
// keeping them leaves every number the direct way gives the same with or without AVX-512.
#include <atomic>
#include <cstddef>

#include "internals/conv_fast.hpp"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CNNLAB_DIRECT_AVX2 1
#include <immintrin.h>
#else
#define CNNLAB_DIRECT_AVX2 0
#endif

namespace cnn::detail {

#if CNNLAB_DIRECT_AVX2

bool direct_conv_available() {
  static const bool available = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return available;
}

namespace {

#define CNNLAB_AVX2 __attribute__((target("avx2,fma")))
#define CNNLAB_AVX2_INLINE __attribute__((target("avx2,fma"), always_inline)) inline

// out[r][t0 .. t0 + 4V) = bias[r] + sum_k w[r*K + k] in[off[k] + t0 ..], for r < R: R rows by 4V positions in
// R*V registers, each step k loading 4V numbers of `in` and R of w.
template <int R, int V>
CNNLAB_AVX2_INLINE void product_tile(const double* in, const std::size_t* off, std::size_t K, const double* w,
                                     const double* bias, double* out, std::size_t ldo, std::size_t t0) {
  __m256d acc[R][V];
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < V; ++v) acc[r][v] = _mm256_set1_pd(bias != nullptr ? bias[r] : 0.0);
  for (std::size_t k = 0; k < K; ++k) {
    const double* x = in + off[k] + t0;
    __m256d xv[V];
    for (int v = 0; v < V; ++v) xv[v] = _mm256_loadu_pd(x + 4 * v);
    for (int r = 0; r < R; ++r) {
      const __m256d wr = _mm256_broadcast_sd(w + r * K + k);
      for (int v = 0; v < V; ++v) acc[r][v] = _mm256_fmadd_pd(wr, xv[v], acc[r][v]);
    }
  }
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < V; ++v) _mm256_storeu_pd(out + r * ldo + t0 + 4 * v, acc[r][v]);
}

// R rows over positions [t0, t1) (a multiple of 4 long): tiles of 4V positions (R*V is 8 to 12 accumulators),
// then tiles of 4.
template <int R, int V>
CNNLAB_AVX2_INLINE void product_rows(const double* in, const std::size_t* off, std::size_t K, const double* w,
                                     const double* bias, double* out, std::size_t ldo, std::size_t t0,
                                     std::size_t t1) {
  std::size_t t = t0;
  for (; t + 4 * V <= t1; t += 4 * V) product_tile<R, V>(in, off, K, w, bias, out, ldo, t);
  for (; t < t1; t += 4) product_tile<R, 1>(in, off, K, w, bias, out, ldo, t);
}

// g[r*K + k0 + j] += sum_{t < T4} dy[r*ldy + t] in[off[k0 + j] + t], for r < R, j < J: R*J sums of four lanes each.
template <int R, int J>
CNNLAB_AVX2_INLINE void dot_group(const double* in, const std::size_t* off, std::size_t k0, std::size_t K,
                                  const double* dy, std::size_t ldy, std::size_t T4, double* g) {
  __m256d sum[R][J];
  const double* x[J];
  for (int j = 0; j < J; ++j) x[j] = in + off[k0 + j];
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < J; ++j) sum[r][j] = _mm256_setzero_pd();
  for (std::size_t t = 0; t < T4; t += 4) {
    __m256d xv[J];
    for (int j = 0; j < J; ++j) xv[j] = _mm256_loadu_pd(x[j] + t);
    for (int r = 0; r < R; ++r) {
      const __m256d d = _mm256_loadu_pd(dy + r * ldy + t);
      for (int j = 0; j < J; ++j) sum[r][j] = _mm256_fmadd_pd(d, xv[j], sum[r][j]);
    }
  }
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < J; ++j) {
      alignas(32) double lanes[4];
      _mm256_store_pd(lanes, sum[r][j]);
      g[r * K + k0 + j] += (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
    }
}

// R rows of dy against all K shifts: groups of J shifts (R*J is 8 to 12 sums), then one at a time.
template <int R, int J>
CNNLAB_AVX2_INLINE void dot_rows(const double* in, const std::size_t* off, std::size_t K, const double* dy,
                                 std::size_t ldy, std::size_t T4, double* g) {
  std::size_t k = 0;
  for (; k + J <= K; k += J) dot_group<R, J>(in, off, k, K, dy, ldy, T4, g);
  for (; k < K; ++k) dot_group<R, 1>(in, off, k, K, dy, ldy, T4, g);
}

#define CNNLAB_AVX512 __attribute__((target("avx512f")))
#define CNNLAB_AVX512_INLINE __attribute__((target("avx512f"), always_inline)) inline

// product_tile with eight doubles a register (AVX-512): R rows by 8V positions. Every output number is the same
// chain of fused multiply-adds over k as in product_tile, so the two give the same bits. (Written out again
// rather than shared through a template: a function's instruction set cannot depend on a template argument.)
template <int R, int V>
CNNLAB_AVX512_INLINE void product_tile8(const double* in, const std::size_t* off, std::size_t K, const double* w,
                                        const double* bias, double* out, std::size_t ldo, std::size_t t0) {
  __m512d acc[R][V];
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < V; ++v) acc[r][v] = _mm512_set1_pd(bias != nullptr ? bias[r] : 0.0);
  for (std::size_t k = 0; k < K; ++k) {
    const double* x = in + off[k] + t0;
    __m512d xv[V];
    for (int v = 0; v < V; ++v) xv[v] = _mm512_loadu_pd(x + 8 * v);
    for (int r = 0; r < R; ++r) {
      const __m512d wr = _mm512_set1_pd(w[r * K + k]);
      for (int v = 0; v < V; ++v) acc[r][v] = _mm512_fmadd_pd(wr, xv[v], acc[r][v]);
    }
  }
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < V; ++v) _mm512_storeu_pd(out + r * ldo + t0 + 8 * v, acc[r][v]);
}

template <int R, int V>
CNNLAB_AVX512_INLINE void product_rows8(const double* in, const std::size_t* off, std::size_t K, const double* w,
                                        const double* bias, double* out, std::size_t ldo, std::size_t t0,
                                        std::size_t t1) {
  std::size_t t = t0;
  for (; t + 8 * V <= t1; t += 8 * V) product_tile8<R, V>(in, off, K, w, bias, out, ldo, t);
  for (; t < t1; t += 8) product_tile8<R, 1>(in, off, K, w, bias, out, ldo, t);
}

CNNLAB_AVX512 void products_avx512(const double* in, const std::size_t* off, std::size_t K, const double* w,
                                   std::size_t M, const double* bias, double* out, std::size_t ldo,
                                   std::size_t T8) {
  // As shifted_products below, with 32 registers of eight: rows 8, 6, 4, 2 or 1 at a time, by 24, 32, 48, 64
  // or 64 positions (24, 24, 24, 16 or 8 accumulators).
  auto at = [&](std::size_t row) { return bias != nullptr ? bias + row : nullptr; };
  for (std::size_t t0 = 0; t0 < T8; t0 += 96) {
    const std::size_t t1 = t0 + 96 < T8 ? t0 + 96 : T8;
    std::size_t m = 0;
    for (; m + 8 <= M; m += 8) product_rows8<8, 3>(in, off, K, w + m * K, at(m), out + m * ldo, ldo, t0, t1);
    for (; m + 6 <= M; m += 6) product_rows8<6, 4>(in, off, K, w + m * K, at(m), out + m * ldo, ldo, t0, t1);
    for (; m + 4 <= M; m += 4) product_rows8<4, 6>(in, off, K, w + m * K, at(m), out + m * ldo, ldo, t0, t1);
    for (; m + 2 <= M; m += 2) product_rows8<2, 8>(in, off, K, w + m * K, at(m), out + m * ldo, ldo, t0, t1);
    for (; m < M; ++m) product_rows8<1, 8>(in, off, K, w + m * K, at(m), out + m * ldo, ldo, t0, t1);
  }
}

std::atomic<bool> avx512_allowed{true};

}  // namespace

bool direct_conv_avx512() {
  static const bool available = __builtin_cpu_supports("avx512f");
  return available && avx512_allowed.load(std::memory_order_relaxed);
}

bool allow_direct_avx512(bool allow) { return avx512_allowed.exchange(allow); }

CNNLAB_AVX2 void shifted_products(const double* in, const std::size_t* off, std::size_t K, const double* w,
                                  std::size_t M, const double* bias, double* out, std::size_t ldo, std::size_t T8) {
  if (direct_conv_avx512()) {
    products_avx512(in, off, K, w, M, bias, out, ldo, T8);
    return;
  }
  // Positions 96 at a time, so that the K rows of `in` they read stay in cache while every row of w uses them;
  // within them, rows 6, 4, 2 or 1 at a time, by 8, 12, 24 or 32 positions (12, 12, 12 or 8 accumulators).
  auto at = [&](std::size_t row) { return bias != nullptr ? bias + row : nullptr; };
  for (std::size_t t0 = 0; t0 < T8; t0 += 96) {
    const std::size_t t1 = t0 + 96 < T8 ? t0 + 96 : T8;
    std::size_t m = 0;
    for (; m + 6 <= M; m += 6) product_rows<6, 2>(in, off, K, w + m * K, at(m), out + m * ldo, ldo, t0, t1);
    for (; m + 4 <= M; m += 4) product_rows<4, 3>(in, off, K, w + m * K, at(m), out + m * ldo, ldo, t0, t1);
    for (; m + 2 <= M; m += 2) product_rows<2, 6>(in, off, K, w + m * K, at(m), out + m * ldo, ldo, t0, t1);
    for (; m < M; ++m) product_rows<1, 8>(in, off, K, w + m * K, at(m), out + m * ldo, ldo, t0, t1);
  }
}

CNNLAB_AVX2 void shifted_dots(const double* in, const std::size_t* off, std::size_t K, const double* dy,
                              std::size_t ldy, std::size_t M, std::size_t T4, double* g) {
  std::size_t m = 0;  // rows of dy 4, 2 or 1 at a time, by 3, 5 or 8 shifts: 12, 10 or 8 sums
  for (; m + 4 <= M; m += 4) dot_rows<4, 3>(in, off, K, dy + m * ldy, ldy, T4, g + m * K);
  for (; m + 2 <= M; m += 2) dot_rows<2, 5>(in, off, K, dy + m * ldy, ldy, T4, g + m * K);
  for (; m < M; ++m) dot_rows<1, 8>(in, off, K, dy + m * ldy, ldy, T4, g + m * K);
}

#else  // not x86-64: conv_plan never takes the direct way; plain loops keep the functions defined

bool direct_conv_available() { return false; }

bool direct_conv_avx512() { return false; }

bool allow_direct_avx512(bool allow) {
  static std::atomic<bool> allowed{true};
  return allowed.exchange(allow);
}

void shifted_products(const double* in, const std::size_t* off, std::size_t K, const double* w, std::size_t M,
                      const double* bias, double* out, std::size_t ldo, std::size_t T8) {
  for (std::size_t m = 0; m < M; ++m)
    for (std::size_t t = 0; t < T8; ++t) {
      double s = bias != nullptr ? bias[m] : 0.0;
      for (std::size_t k = 0; k < K; ++k) s += w[m * K + k] * in[off[k] + t];
      out[m * ldo + t] = s;
    }
}

void shifted_dots(const double* in, const std::size_t* off, std::size_t K, const double* dy, std::size_t ldy,
                  std::size_t M, std::size_t T4, double* g) {
  for (std::size_t m = 0; m < M; ++m)
    for (std::size_t k = 0; k < K; ++k) {
      double s = 0.0;
      for (std::size_t t = 0; t < T4; ++t) s += dy[m * ldy + t] * in[off[k] + t];
      g[m * K + k] += s;
    }
}

#endif

}  // namespace cnn::detail
