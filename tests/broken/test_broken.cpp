// The student loop's promise, tested on a deliberately broken exercise (exercises/pool_off_by_one.cpp, built
// with the index checks of the student build): an index outside its array stops the test at once with the
// axis, the size and the exercise's file and line; a wild write crashes with a report instead of hanging.
#include <catch2/catch.hpp>

#include "core/errors.hpp"
#include "core/random.hpp"
#include "core/tensor.hpp"

namespace broken {
cnn::Tensor4 max_pool_backward_naive(const cnn::Tensor4& dout, const cnn::Tensor4& x, std::size_t size);
void write_far_away(cnn::Tensor4& t);
}  // namespace broken

TEST_CASE("an index outside dx in an exercise is reported with the axis, the size and the exercise's line",
          "[student_loop]") {
  cnn::Rng rng(3);
  const cnn::Tensor4 x = cnn::randn<cnn::Tensor4>({2, 3, 4, 4}, rng);
  const cnn::Tensor4 dout = cnn::randn<cnn::Tensor4>({2, 3, 2, 2}, rng);
  // n = N = 2 on axis 0 of size 2: the first access that leaves the arrays is x(2, 0, 0, 0), on the line of
  // the comparison in the innermost loop (line 20 of the broken file)
  REQUIRE_THROWS_MATCHES(broken::max_pool_backward_naive(dout, x, 2), cnn::index_error,
                         Catch::Matchers::Message("max_pool_backward_naive: index 2 is out of bounds for axis 0 with "
                                                  "size 2, at exercises/pool_off_by_one.cpp:20 (in "
                                                  "max_pool_backward_naive)"));
}

TEST_CASE("a wild write crashes with the signal and a call stack (run by a ctest that expects the crash)",
          "[.crash]") {
  cnn::Tensor4 t = xt::zeros<double>({1, 1, 2, 2});
  broken::write_far_away(t);
}
