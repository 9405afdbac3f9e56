// ReLU, elementwise (see src/layers/relu.hpp for the contract).
#include "layers/relu.hpp"

#include <utility>

#include "core/checks.hpp"
#include "core/errors.hpp"

namespace cnn {

ReluForward relu_forward(const Tensor& x) {
  if (x.dimension() == 0) throw shape_error("relu_forward", "x must have rank >= 1, got a scalar");
  // Exercise: out, the ReLU max(0, x) of every entry of x (same shape), and the cache for relu_backward.
  // BEGIN SOLUTION relu_forward
  // HINT 1: ReLU looks at each entry on its own: a positive value passes through unchanged, anything else
  //   becomes 0.
  // HINT 2: out_i = x_i if x_i > 0, else 0, for every entry i; out has the shape of x (any rank).
  //   The cache is ReluCache{x}: the backward pass needs to know where x was positive.
  // HINT 3: out = a copy of x
  //   for each entry v of out (a range-for over a tensor visits every entry, whatever its rank):
  //     if v <= 0: v = 0
  //   return {out, ReluCache{x}}
  //   Write the test as "v <= 0 gives 0, else v": a NaN fails it and stays NaN, so it reaches the loss.
  //   "v > 0 ? v : 0" would quietly turn a NaN into 0.
  Tensor out = x;
  for (double& v : out) v = v <= 0.0 ? 0.0 : v;  // not `v > 0.0 ? v : 0.0`, which would turn a NaN into 0
  return {std::move(out), ReluCache{x}};
  // END SOLUTION
}

ReluGrads relu_backward(const Tensor& dout, const ReluCache& cache) {
  const Tensor& x = cache.x;
  check_same_shape("relu_backward", "dout", dout, "x", x);
  // Exercise: dx, the gradient of the loss with respect to x (shape of x), given dout = dL/dout.
  // BEGIN SOLUTION relu_backward
  // HINT 1: A ReLU is a gate: where its input was positive it let the value through, so it lets the gradient
  //   through; where its input was not positive it blocked the value, so it blocks the gradient.
  // HINT 2: dx_i = dout_i if x_i > 0, else 0, for every entry i (x = cache.x); dx, dout and x share one
  //   shape. At the kink x_i = 0 the gradient is taken as 0.
  // HINT 3: dx = a tensor of the shape of x
  //   for i < x.size():     (x.data(), dout.data() and dx.data() walk the three in the same order)
  //     dx[i] = 0 if x[i] <= 0, else dout[i]
  //   return {dx}
  Tensor dx = Tensor::from_shape(x.shape());
  const double* xs = x.data();
  const double* ds = dout.data();
  double* dxs = dx.data();
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double d = ds[i];  // read before the test: the compiler then picks d or 0 without a jump, which
    dxs[i] = xs[i] <= 0.0 ? 0.0 : d;  // matters when the signs are random (five times faster here); a NaN x passes d
  }
  return {std::move(dx)};
  // END SOLUTION
}

}  // namespace cnn
