// The convolution layer, written as the formula's loops (see src/layers/conv.hpp for the contract).
// This is the algorithmic reference: conv_im2col.cpp computes the same sums and is tested against it.
#include "layers/conv.hpp"

#include <xtensor/xview.hpp>
#include <utility>

#include "core/errors.hpp"

namespace cnn {

ConvForward conv_forward_naive(const Tensor4& x, const Tensor4& w, const Tensor1& b, const ConvParam& param) {
  const auto [N, C, H, W, F, HH, WW, Hout, Wout] = conv_shape("conv_forward_naive", x, w, b, param);
  const std::size_t S = param.stride, P = param.pad;
  // Exercise: out (N, F, Hout, Wout), the F filters' responses on x zero-padded by P, at stride S; the cache.
  // BEGIN SOLUTION conv_forward_naive
  // HINT 1: Pad x with P zeros on every side of H and W. Each output value is one filter's dot product with
  //   one window of the padded input, plus that filter's bias; output (i, j) reads the window whose top-left
  //   corner is at (i*S, j*S).
  // HINT 2: xpad (N, C, H + 2P, W + 2P) is x with P zeros on each side of H and W; then
  //     out(n, f, i, j) = b(f) + sum over c < C, p < HH, q < WW of
  //                         w(f, c, p, q) * xpad(n, c, i*S + p, j*S + q)
  //   for n < N, f < F, i < Hout, j < Wout, where Hout = 1 + (H + 2P - HH) / S, Wout = 1 + (W + 2P - WW) / S.
  //   The cache is ConvCache{x, w, b, param}, with the unpadded x.
  // HINT 3: xpad = zeros (N, C, H + 2P, W + 2P), with x copied into its middle:
  //     xt::view(xpad, xt::all(), xt::all(), xt::range(P, P + H), xt::range(P, P + W)) = x
  //   out = zeros (N, F, Hout, Wout)
  //   for n < N, f < F, i < Hout, j < Wout:
  //     sum = b(f)
  //     for c < C, p < HH, q < WW: sum += w(f, c, p, q) * xpad(n, c, i*S + p, j*S + q)
  //     out(n, f, i, j) = sum
  //   return {out, ConvCache{x, w, b, param}}
  Tensor4 xpad = xt::zeros<double>({N, C, H + 2 * P, W + 2 * P});
  xt::view(xpad, xt::all(), xt::all(), xt::range(P, P + H), xt::range(P, P + W)) = x;

  Tensor4 out = xt::zeros<double>({N, F, Hout, Wout});
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t f = 0; f < F; ++f)
      for (std::size_t i = 0; i < Hout; ++i)
        for (std::size_t j = 0; j < Wout; ++j) {
          double sum = b(f);
          for (std::size_t c = 0; c < C; ++c)
            for (std::size_t p = 0; p < HH; ++p)
              for (std::size_t q = 0; q < WW; ++q)
                sum += w(f, c, p, q) * xpad(n, c, i * S + p, j * S + q);
          out(n, f, i, j) = sum;
        }
  return {std::move(out), ConvCache{x, w, b, param}};
  // END SOLUTION
}

ConvGrads conv_backward_naive(const Tensor4& dout, const ConvCache& cache) {
  const Tensor4& x = cache.x;
  const Tensor4& w = cache.w;
  const ConvShape shape = conv_shape("conv_backward_naive", x, w, cache.b, cache.param);
  check_conv_dout("conv_backward_naive", dout, shape);
  const auto [N, C, H, W, F, HH, WW, Hout, Wout] = shape;
  const std::size_t S = cache.param.stride, P = cache.param.pad;
  // Exercise: dx (N, C, H, W), dw (F, C, HH, WW) and db (F), given dout = dL/dout (N, F, Hout, Wout).
  // BEGIN SOLUTION conv_backward_naive
  // HINT 1: Walk through the forward loops again. Each product w(f, c, p, q) * xpad(...) of the forward sum
  //   sends its upstream gradient, times the other factor, to each of its two factors; the bias collects the
  //   upstream gradient as it is. A weight or an input entry used by many products collects the sum.
  // HINT 2: with sums over the examples and output positions n < N, i < Hout, j < Wout:
  //     db(f) = sum of dout(n, f, i, j)                                             db (F)
  //     dw(f, c, p, q) = sum of dout(n, f, i, j) * xpad(n, c, i*S + p, j*S + q)     dw (F, C, HH, WW)
  //     dxpad(n, c, i*S + p, j*S + q) receives dout(n, f, i, j) * w(f, c, p, q) from every f, i, j, p, q
  //       that reads that entry; the contributions add up                         (N, C, H + 2P, W + 2P)
  //   dx (N, C, H, W) is dxpad without its border: rows P .. P + H - 1 and columns P .. P + W - 1.
  // HINT 3: xpad = x padded, as in the forward pass
  //   dxpad = zeros (N, C, H + 2P, W + 2P), dw = zeros (F, C, HH, WW), db = zeros (F)
  //   for n < N, f < F, i < Hout, j < Wout:
  //     g = dout(n, f, i, j)
  //     db(f) += g
  //     for c < C, p < HH, q < WW:
  //       dw(f, c, p, q) += g * xpad(n, c, i*S + p, j*S + q)
  //       dxpad(n, c, i*S + p, j*S + q) += g * w(f, c, p, q)        (add, never assign: windows overlap)
  //   dx = xt::view(dxpad, xt::all(), xt::all(), xt::range(P, P + H), xt::range(P, P + W))
  //   return {dx, dw, db}
  Tensor4 xpad = xt::zeros<double>({N, C, H + 2 * P, W + 2 * P});
  xt::view(xpad, xt::all(), xt::all(), xt::range(P, P + H), xt::range(P, P + W)) = x;

  Tensor4 dxpad = xt::zeros<double>({N, C, H + 2 * P, W + 2 * P});
  Tensor4 dw = xt::zeros<double>({F, C, HH, WW});
  Tensor1 db = xt::zeros<double>({F});
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t f = 0; f < F; ++f)
      for (std::size_t i = 0; i < Hout; ++i)
        for (std::size_t j = 0; j < Wout; ++j) {
          const double g = dout(n, f, i, j);
          db(f) += g;
          for (std::size_t c = 0; c < C; ++c)
            for (std::size_t p = 0; p < HH; ++p)
              for (std::size_t q = 0; q < WW; ++q) {
                dw(f, c, p, q) += g * xpad(n, c, i * S + p, j * S + q);
                dxpad(n, c, i * S + p, j * S + q) += g * w(f, c, p, q);
              }
        }
  Tensor4 dx = xt::view(dxpad, xt::all(), xt::all(), xt::range(P, P + H), xt::range(P, P + W));
  return {std::move(dx), std::move(dw), std::move(db)};
  // END SOLUTION
}

}  // namespace cnn
