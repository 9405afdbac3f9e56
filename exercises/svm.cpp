// cnnlab exercise file (made by tools/exgen; `./lab hint <function>` gives hints, one level at a time).
// Write your code between each BEGIN EXERCISE and END EXERCISE and leave the rest as it is (it is checked).
// Then: ./lab check <topic>   (the topics are listed by ./lab progress)
// The multiclass SVM loss, written as the formula's loops (see src/layers/svm.hpp for the contract).
#include "layers/svm.hpp"

#include "core/checks.hpp"

namespace cnn {

LossResult svm_loss(const Tensor2& x, const Labels& y) {
  check_labels("svm_loss", x, y);
  const std::size_t N = x.shape(0), K = x.shape(1);
  const double delta = 1.0;  // the margin
  // Exercise: the mean multiclass SVM (hinge) loss of scores x (N, K) for labels y, and dx = dloss/dx.
  // BEGIN EXERCISE svm_loss
  throw cnn::not_implemented("svm_loss", "exercises/svm.cpp");
  // END EXERCISE
}

}  // namespace cnn
