/// @file conv_fast.hpp
/// @brief Internals of the library's fast convolution (the runtime's): a workspace reused between calls,
/// a loop split over the cores, im2col and col2im for a block of output rows, the matrix product by BLAS, and
/// the direct way at stride 1.
///
/// None of this is an exercise and none of it is needed to understand the layer: the clear versions are
/// conv_forward_naive and im2col / col2im. What these add is speed: buffers that are not allocated (and
/// faulted in page by page) on every call; X_col built a block of output rows at a time, so that it is still
/// in the core's cache when the matrix product reads it; and the work shared among the cores in blocks
/// (forward) or parts of the minibatch (backward). Threads never nest: while the pool (parallel_for) shares
/// out blocks, OpenBLAS makes each product on the thread that asks for it (BlasOnOneThread). Layers at stride 1
/// take the direct way instead: the same product, with X_col's rows read in place from the padded image rather
/// than copied (see "The direct way" below); with AVX2 alone, only those whose X_col has up to a few hundred
/// rows (LeNet-5's, a CIFAR network's, a VGG layer of 64 channels).
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

#include "layers/conv.hpp"
#include "core/shapes.hpp"
#include "core/tensor.hpp"

namespace cnn::detail {

/// Runs body(begin, end) on contiguous chunks of [0, n) that together cover it once, on every core, and returns
/// when all are done. The range is cut into a few chunks per core, which the calling thread and the pool's
/// threads take one after another (a thread the system is slow to wake takes fewer), so a body must not depend
/// on which thread runs it or on where the chunks end. The body must not throw. A call made while another is
/// running (from another thread, or from inside a body) runs the whole range on the calling thread instead.
void parallel_for(std::size_t n, const std::function<void(std::size_t, std::size_t)>& body);

/// How many threads parallel_for uses (the cores the system reports, at least 1).
std::size_t parallel_threads();

/// Buffers of doubles kept from one call to the next, one set per calling thread. A buffer only grows;
/// its contents are whatever the last user left there.
class Workspace {
 public:
  /// The buffer @p slot (0, 1 or 2) with room for at least @p size doubles.
  double* get(std::size_t slot, std::size_t size);

 private:
  std::vector<double> buffers_[3];
};

/// The calling thread's workspace.
Workspace& thread_workspace();

/// How the fast convolution splits its work. The unit is a block of output rows of one example: its columns
/// X_col, (C*HH*WW, rows*Wout), are built into a buffer small enough to stay in the core's cache until the
/// matrix product has read them (X_col of a whole example is 14 MB for a VGG layer at 56x56), and wide enough
/// that the product is worth OpenBLAS's packing of the filters, which it does again for every product.
struct ConvPlan {
  std::size_t rows = 1;    ///< output rows per block (at least 1)
  std::size_t blocks = 0;  ///< blocks per example, ceil(Hout / rows)
  bool x_is_cols = false;  ///< 1x1 filters, stride 1, no padding: X_col of example n is x[n] itself (one block)
  /// Backward pass: the minibatch is cut into one part per core, each with its own sums of dw and db (at least
  /// two examples and two cores); otherwise a single part, whose products use OpenBLAS's threads.
  bool examples_in_parallel = false;
  /// The direct way instead of im2col and BLAS (see "The direct way" below): stride 1 on a processor with AVX2
  /// and FMA, and then either AVX-512 too, or (not x_is_cols and) max(C, F)*HH*WW rows of 96 positions within
  /// the budget, what the AVX2 kernels keep in cache. Then rows and blocks are not used.
  bool direct = false;
  /// The direct way on x, out, dout and dx themselves, without padded or wide copies: x_is_cols, and a plane of
  /// Hout*Wout a whole number of 8-position tiles.
  bool in_place = false;
};

/// The settings conv_plan works with: a block has as many output rows as fit the budget, but at least as many
/// as make min_columns columns (positions).
struct ConvTuning {
  std::size_t block_bytes = std::size_t{512} << 10;  ///< budget of X_col per block, in bytes
  std::size_t min_columns = 128;                     ///< columns a block has at least (whole rows)
  bool examples_in_parallel = true;  ///< false: the backward pass takes the single-part way (for tests)
  bool direct = true;                ///< false: never the direct way (for tests and cnnbench_conv --no_direct)
  bool avx512 = true;  ///< false: the direct way's AVX2 kernels even where AVX-512 is there (tests, --no_avx512)
};

/// The plan for a convolution (see ConvPlan).
ConvPlan conv_plan(const ConvShape& s, const ConvParam& param);

/// Replaces the settings of conv_plan and returns the previous ones; affects every thread. For tests (a budget
/// of 1 byte and no minimum make every block one output row) and for tuning (cnnbench_conv --block_kib,
/// --min_columns).
ConvTuning set_conv_tuning(const ConvTuning& tuning);

/// im2col for output rows [i0, i1) of example n of @p x, in the layout of im2col.hpp restricted to those
/// positions, written to @p cols: a row-major (C*HH*WW, (i1 - i0)*Wout) matrix. On the calling thread.
void im2col_rows(const Tensor4& x, std::size_t n, std::size_t i0, std::size_t i1, const ConvShape& s,
                 const ConvParam& param, double* cols);

/// col2im for output rows [i0, i1) of example n: adds every column of @p cols (laid out as im2col_rows writes
/// it) into its receptive field in dx(n, ...). On the calling thread.
void col2im_rows(const double* cols, std::size_t n, std::size_t i0, std::size_t i1, const ConvShape& s,
                 const ConvParam& param, Tensor4& dx);

/// @name The direct way
/// At stride 1, a row of X_col needs no copying if the output is laid out "wide": position t = i*Wp + j for
/// every column j of the padded width Wp = W + 2P, of which only the first Wout are kept (the other WW - 1 of
/// each row are computed and thrown away). Row (c, p, q) of X_col is then the padded example itself, read from
/// position c*Lp + p*Wp + q on (Lp = Hp*Wp, a padded plane): a shift. So w_row X_col is a sum of shifted
/// copies of one small array, which shifted_products forms in tiles that stay in registers, reading each copy in
/// place; dw is a set of dot products of dout with the same shifts (shifted_dots); and dx is the convolution of
/// dout, padded by HH - 1 rows and WW - 1 columns, with the filters turned by 180 degrees and their input and
/// output channels swapped: shifted_products again. Nothing the size of X_col is built, and the bias is added in
/// the registers. With AVX2 kernels (four doubles a register), for LeNet-5's layers this is 1.2 to 3 times faster
/// than building X_col and calling BLAS (whose products are too small there to reach its speed), for a VGG layer
/// of 64 channels about 15 % faster; with thousands of rows of X_col (3x3 filters over 128 channels and more)
/// the 96 positions' rows no longer stay in cache, BLAS's blocking wins, and the plan keeps im2col. Where the
/// processor has AVX-512, shifted_products works on eight doubles a register, giving the same bits, and beats
/// BLAS on every stride-1 layer measured (up to 3x3 over 512 channels); the plan then takes the direct way at
/// every stride-1 layer, and for 1x1 filters without padding works in place (ConvPlan::in_place). The price:
/// per thread, a padded copy of one example and of its dout and dx (three times one example's size), kept from
/// call to call like X_col's blocks.
/// @{

/// The direct way's layout of one example: padded rows of Wp, padded planes of Lp; T8 wide output positions
/// ((Hout - 1)*Wp + Wout, rounded up to 8); dout's wide copy starts `front` = (HH - 1)*Wp + WW - 1 zeros into
/// each of its planes of Lq = front + U8 numbers, U8 being Lp rounded up to 8 (the positions dx is formed at).
struct WideLayout {
  std::size_t Wp = 0, Lp = 0, T8 = 0, front = 0, U8 = 0, Lq = 0;
};

/// The WideLayout of a convolution at stride 1 with padding @p pad.
WideLayout wide_layout(const ConvShape& s, std::size_t pad);

/// Whether this processor has what the direct way's kernels use (x86-64 with AVX2 and FMA).
bool direct_conv_available();

/// Whether shifted_products takes its AVX-512 kernels (eight doubles a register instead of four): the processor
/// has AVX-512F and allow_direct_avx512 has not turned them off. Both kernels give the same bits.
bool direct_conv_avx512();

/// Lets shifted_products take the AVX-512 kernels where there are (true, the default) or not; returns the previous
/// setting. Through ConvTuning::avx512.
bool allow_direct_avx512(bool allow);

/// out[m][t] = bias[m] + sum over k < K of w[m*K + k] in[off[k] + t], for m < M and t < T8 (a multiple of 8);
/// out has rows of @p ldo; no bias when @p bias is null. Reads in[off[k] .. off[k] + T8).
void shifted_products(const double* in, const std::size_t* off, std::size_t K, const double* w, std::size_t M,
                      const double* bias, double* out, std::size_t ldo, std::size_t T8);

/// g[m*K + k] += sum over t < T4 of dy[m*ldy + t] in[off[k] + t], for m < M and k < K; T4 a multiple of 4.
void shifted_dots(const double* in, const std::size_t* off, std::size_t K, const double* dy, std::size_t ldy,
                  std::size_t M, std::size_t T4, double* g);
/// @}

/// The fast convolution's forward pass without a cache, for the runtime's layer objects (src/runtime/), which
/// keep x themselves instead of a copy of it. Tested against conv_forward_naive and conv_forward_im2col.
/// @return y of shape (N, F, Hout, Wout)
/// @throws cnn::shape_error, cnn::value_error as conv_forward_im2col
Tensor4 conv_forward_fast(const Tensor4& x, const Tensor4& w, const Tensor1& b, const ConvParam& param);

/// The fast convolution's backward pass for the runtime: as conv_backward_im2col, given the forward pass's x and
/// w, but writing dw and db into the caller's arrays (reshaped when their shape differs) and computing dx only
/// when @p dx is not null (the first layer of a network needs no dx: that saves a product and col2im).
/// @throws cnn::shape_error when dout is not (N, F, Hout, Wout)
void conv_backward_fast(const Tensor4& dout, const Tensor4& x, const Tensor4& w, const ConvParam& param, Tensor4& dw,
                        Tensor1& db, Tensor4* dx);

/// gemm with the rows of C shared out among the cores: a fixed number of row blocks (one per core when the
/// product has at least 2^18 multiply-adds, else one), each made by OpenBLAS on the thread that takes it
/// (BlasOnOneThread), so that OpenBLAS's own threads stay asleep and the result does not depend on which thread
/// made which block. For the affine layers.
void gemm_parallel(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n, std::size_t k, double alpha,
                   const double* a, std::size_t lda, const double* b, std::size_t ldb, double beta, double* c,
                   std::size_t ldc);

/// C = alpha op(A) op(B) + beta C on row-major matrices, by OpenBLAS's dgemm; op(A) is (m, k), op(B) is
/// (k, n), C is (m, n); lda, ldb, ldc are the row strides of A, B and C as stored.
void gemm(bool transpose_a, bool transpose_b, std::size_t m, std::size_t n, std::size_t k, double alpha,
          const double* a, std::size_t lda, const double* b, std::size_t ldb, double beta, double* c,
          std::size_t ldc);

}  // namespace cnn::detail
