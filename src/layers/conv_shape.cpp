// Input checks shared by every convolution function (declared in src/layers/conv.hpp).
#include <string>

#include "layers/conv.hpp"
#include "core/errors.hpp"

namespace cnn {

ConvShape conv_shape(std::string_view function, const Tensor4& x, const Tensor4& w, const Tensor1& b,
                     const ConvParam& param) {
  ConvShape s;
  s.N = x.shape(0), s.C = x.shape(1), s.H = x.shape(2), s.W = x.shape(3);
  s.F = w.shape(0), s.HH = w.shape(2), s.WW = w.shape(3);
  if (w.shape(1) != s.C)
    throw shape_error(function, "x has C = " + std::to_string(s.C) + " channels but the filters w have depth " +
                                    std::to_string(w.shape(1)) + "; expected w of shape (F, " + std::to_string(s.C) +
                                    ", HH, WW), got " + shape_str(w.shape()));
  if (b.size() != s.F)
    throw shape_error(function, "w has F = " + std::to_string(s.F) + " filters but b has " +
                                    std::to_string(b.size()) + " entries");
  s.Hout = conv_output_size(function, s.H, s.HH, param.stride, param.pad, "H");
  s.Wout = conv_output_size(function, s.W, s.WW, param.stride, param.pad, "W");
  return s;
}

void check_conv_dout(std::string_view function, const Tensor4& dout, const ConvShape& s) {
  if (dout.shape(0) != s.N || dout.shape(1) != s.F || dout.shape(2) != s.Hout || dout.shape(3) != s.Wout)
    throw shape_error(function, "dout must have the output's shape (N, F, Hout, Wout) = (" + std::to_string(s.N) +
                                    ", " + std::to_string(s.F) + ", " + std::to_string(s.Hout) + ", " +
                                    std::to_string(s.Wout) + "), got " + shape_str(dout.shape()));
}

}  // namespace cnn
