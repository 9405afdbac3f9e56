// The exercise functions that cross between the judge and the runner: every function defined in exercises/
// (tests/course.txt lists the same ones). JUDGE_CALLS(X) calls X(name) for each.
#pragma once

#define JUDGE_CALLS(X)                                                                                        \
  X(relu_forward) X(relu_backward) X(affine_forward) X(affine_backward) X(affine_forward_blas)              \
  X(affine_backward_blas) X(softmax_loss) X(svm_loss) X(conv_forward_naive) X(conv_backward_naive)          \
  X(conv_forward_im2col) X(conv_backward_im2col) X(im2col) X(col2im) X(max_pool_forward_naive)              \
  X(max_pool_backward_naive) X(avg_pool_forward_naive) X(avg_pool_backward_naive) X(global_avg_pool_forward) \
  X(global_avg_pool_backward) X(batchnorm_forward) X(batchnorm_backward) X(batchnorm_backward_alt)          \
  X(spatial_batchnorm_forward) X(spatial_batchnorm_backward) X(dropout_forward) X(dropout_backward)          \
  X(lrn_forward) X(lrn_backward) X(sgd) X(sgd_momentum) X(nesterov) X(adagrad) X(rmsprop) X(adam) X(adadelta)
