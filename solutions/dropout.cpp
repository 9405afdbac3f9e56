// Inverted dropout, as loops over the entries (see src/layers/dropout.hpp for the contract).
// p_drop is the probability of ZEROING a unit; a kept unit is scaled by 1 / (1 - p_drop).
#include "layers/dropout.hpp"

#include <sstream>
#include <string>
#include <utility>

#include "core/checks.hpp"
#include "core/errors.hpp"

namespace cnn {

DropoutForward dropout_forward(const Tensor& x, const DropoutParam& param, Rng& rng) {
  if (x.dimension() == 0) throw shape_error("dropout_forward", "x must have rank >= 1, got a scalar");
  if (!(param.p_drop >= 0.0 && param.p_drop < 1.0)) {
    std::ostringstream os;
    os << "p_drop is the probability of zeroing a unit and must be in [0, 1), got " << param.p_drop;
    throw value_error("dropout_forward", os.str());
  }
  const double p_drop = param.p_drop;
  // Exercise: out (shape of x) and its mask: inverted dropout in train mode, the identity in test mode.
  // BEGIN SOLUTION dropout_forward
  // HINT 1: In training, zero each unit at random with probability p_drop and scale the survivors up by
  //   1 / (1 - p_drop), so that the expected output equals x and test time needs no rescaling. At test time
  //   x passes through unchanged.
  // HINT 2: train mode: for every entry i, in storage order, draw u_i = rng.uniform() (one draw per entry);
  //     mask_i = 1 / (1 - p_drop) if u_i >= p_drop (kept), else 0 (dropped);   out_i = mask_i * x_i
  //   test mode: mask = all ones, out = x, and rng is not touched.
  //   mask and out have the shape of x; the cache is DropoutCache{mask}. Divide by the keep probability
  //   1 - p_drop, do not multiply by it: then E[out_i] = x_i.
  // HINT 3: mask = ones of the shape of x
  //   if param.mode is train:
  //     keep_scale = 1 / (1 - p_drop)
  //     for each entry m of mask, in order: m = keep_scale if rng.uniform() >= p_drop, else 0
  //   out = a copy of x
  //   for i < x.size(): out.data()[i] = mask.data()[i] * x.data()[i]
  //   return {out, DropoutCache{mask}}
  Tensor mask = xt::ones<double>(x.shape());
  if (param.mode == Mode::train) {
    const double keep_scale = 1.0 / (1.0 - p_drop);
    for (double& m : mask) m = rng.uniform() >= p_drop ? keep_scale : 0.0;
  }
  Tensor out = x;
  for (std::size_t i = 0; i < x.size(); ++i) out.data()[i] = mask.data()[i] * x.data()[i];
  return {std::move(out), DropoutCache{std::move(mask)}};
  // END SOLUTION
}

DropoutGrads dropout_backward(const Tensor& dout, const DropoutCache& cache) {
  check_same_shape("dropout_backward", "dout", dout, "x", cache.mask);
  // Exercise: dx (shape of x), the gradient of the loss with respect to x, given dout.
  // BEGIN SOLUTION dropout_backward
  // HINT 1: Dropout multiplied each entry by a fixed number, its mask entry; multiplying by a constant sends
  //   the gradient back multiplied by the same constant.
  // HINT 2: dx_i = mask_i * dout_i for every entry i, with mask = cache.mask (0 or 1 / (1 - p_drop) in train
  //   mode, all ones in test mode); dx, dout and the mask share one shape.
  // HINT 3: dx = a copy of dout
  //   for i < dout.size(): dx.data()[i] = cache.mask.data()[i] * dout.data()[i]
  //   return {dx}
  Tensor dx = dout;
  for (std::size_t i = 0; i < dout.size(); ++i) dx.data()[i] = cache.mask.data()[i] * dout.data()[i];
  return {std::move(dx)};
  // END SOLUTION
}

}  // namespace cnn
