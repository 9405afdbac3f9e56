// A deliberately broken exercise, for the test that index errors and crashes explain themselves: max pooling's
// backward pass as a student might write it, with `n <= N` where `n < N` belongs. It lives in a folder named
// exercises/ so that the reports find it as they find a student's file.
#include "layers/pool.hpp"

#include <cstddef>

namespace broken {

cnn::Tensor4 max_pool_backward_naive(const cnn::Tensor4& dout, const cnn::Tensor4& x, std::size_t size) {
  const std::size_t N = x.shape(0), C = x.shape(1), Hout = dout.shape(2), Wout = dout.shape(3), S = size;
  cnn::Tensor4 dx = xt::zeros<double>(x.shape());
  for (std::size_t n = 0; n <= N; ++n)  // the bug: one example too many
    for (std::size_t c = 0; c < C; ++c)
      for (std::size_t i = 0; i < Hout; ++i)
        for (std::size_t j = 0; j < Wout; ++j) {
          std::size_t p_max = 0, q_max = 0;
          for (std::size_t p = 0; p < size; ++p)
            for (std::size_t q = 0; q < size; ++q)
              if (x(n, c, i * S + p, j * S + q) > x(n, c, i * S + p_max, j * S + q_max)) {
                p_max = p;
                q_max = q;
              }
          dx(n, c, i * S + p_max, j * S + q_max) += dout(n, c, i, j);
        }
  return dx;
}

// A raw write far past the end of an array: no index check sees it, the crash handler must.
void write_far_away(cnn::Tensor4& t) {
  double* volatile p = t.data();
  p[std::size_t{1} << 40] = 1.0;
}

}  // namespace broken
