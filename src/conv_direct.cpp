// The two kernels of the fast convolution's direct way (see "The direct way" in src/cnnlab/conv_fast.hpp):
// products and dot products of a matrix with shifted copies of an array, read in place. Tuned code, not course
// material: with AVX2 and FMA they work on four doubles at a time, in tiles that stay in registers.
#include <cstddef>

#include "cnnlab/conv_fast.hpp"

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

// out[r][t0 .. t0 + 8) = bias[r] + sum_k w[r*K + k] in[off[k] + t0 ..], for r < R: R rows by 8 positions in
// 2R registers, each step k loading 8 numbers of `in` and R of w.
template <int R>
CNNLAB_AVX2_INLINE void product_tile(const double* in, const std::size_t* off, std::size_t K, const double* w,
                                     const double* bias, double* out, std::size_t ldo, std::size_t t0) {
  __m256d lo[R], hi[R];
  for (int r = 0; r < R; ++r) {
    lo[r] = _mm256_set1_pd(bias != nullptr ? bias[r] : 0.0);
    hi[r] = lo[r];
  }
  for (std::size_t k = 0; k < K; ++k) {
    const double* x = in + off[k] + t0;
    const __m256d x0 = _mm256_loadu_pd(x), x1 = _mm256_loadu_pd(x + 4);
    for (int r = 0; r < R; ++r) {
      const __m256d wr = _mm256_broadcast_sd(w + r * K + k);
      lo[r] = _mm256_fmadd_pd(wr, x0, lo[r]);
      hi[r] = _mm256_fmadd_pd(wr, x1, hi[r]);
    }
  }
  for (int r = 0; r < R; ++r) {
    _mm256_storeu_pd(out + r * ldo + t0, lo[r]);
    _mm256_storeu_pd(out + r * ldo + t0 + 4, hi[r]);
  }
}

template <int R>
CNNLAB_AVX2_INLINE void product_rows(const double* in, const std::size_t* off, std::size_t K, const double* w,
                                     const double* bias, double* out, std::size_t ldo, std::size_t T8) {
  for (std::size_t t0 = 0; t0 < T8; t0 += 8) product_tile<R>(in, off, K, w, bias, out, ldo, t0);
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

template <int R>
CNNLAB_AVX2_INLINE void dot_rows(const double* in, const std::size_t* off, std::size_t K, const double* dy,
                                 std::size_t ldy, std::size_t T4, double* g) {
  std::size_t k = 0;
  for (; k + 3 <= K; k += 3) dot_group<R, 3>(in, off, k, K, dy, ldy, T4, g);
  for (; k < K; ++k) dot_group<R, 1>(in, off, k, K, dy, ldy, T4, g);
}

}  // namespace

CNNLAB_AVX2 void shifted_products(const double* in, const std::size_t* off, std::size_t K, const double* w,
                                  std::size_t M, const double* bias, double* out, std::size_t ldo, std::size_t T8) {
  std::size_t m = 0;  // rows in tiles of 6, then 4, 2 and 1 (12, 8, 4 or 2 accumulators)
  auto at = [&](std::size_t row) { return bias != nullptr ? bias + row : nullptr; };
  for (; m + 6 <= M; m += 6) product_rows<6>(in, off, K, w + m * K, at(m), out + m * ldo, ldo, T8);
  for (; m + 4 <= M; m += 4) product_rows<4>(in, off, K, w + m * K, at(m), out + m * ldo, ldo, T8);
  for (; m + 2 <= M; m += 2) product_rows<2>(in, off, K, w + m * K, at(m), out + m * ldo, ldo, T8);
  for (; m < M; ++m) product_rows<1>(in, off, K, w + m * K, at(m), out + m * ldo, ldo, T8);
}

CNNLAB_AVX2 void shifted_dots(const double* in, const std::size_t* off, std::size_t K, const double* dy,
                              std::size_t ldy, std::size_t M, std::size_t T4, double* g) {
  std::size_t m = 0;  // rows of dy in groups of 4, 2 and 1, times 3 (or 1) shifts: up to 12 accumulators
  for (; m + 4 <= M; m += 4) dot_rows<4>(in, off, K, dy + m * ldy, ldy, T4, g + m * K);
  for (; m + 2 <= M; m += 2) dot_rows<2>(in, off, K, dy + m * ldy, ldy, T4, g + m * K);
  for (; m < M; ++m) dot_rows<1>(in, off, K, dy + m * ldy, ldy, T4, g + m * K);
}

#else  // not x86-64: conv_plan never takes the direct way; plain loops keep the functions defined

bool direct_conv_available() { return false; }

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
