/// @file layer_set.hpp
/// @brief Which code a network runs: the library's own layers (`reference`, the default) or the exercise
/// functions through their public contract (`mine`, `train --layers mine`). Page: @ref training.
///
/// A model built with my_layers() makes every layer that is an exercise (affine, by BLAS once that optional
/// exercise is written, ReLU, convolution by im2col, max and average pooling, batch normalization, dropout, LRN, global average pooling) call the functions of
/// the exercises' headers, takes its loss from softmax_loss and its updates from the rule's function of
/// optim.hpp. Which bodies those are is decided when the program is linked: the student's exercises/
/// (cnnlab_exercises) or the reference bodies (cnnlab_solutions). The reference runtime (reference_layers())
/// calls none of them: a program that links only cnnlab_model and cnncore runs it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "layers/affine.hpp"
#include "layers/batchnorm.hpp"
#include "layers/conv.hpp"
#include "layers/dropout.hpp"
#include "layers/lrn.hpp"
#include "layers/optim.hpp"
#include "layers/pool.hpp"
#include "layers/relu.hpp"
#include "layers/softmax.hpp"

namespace cnn {

namespace arch {
struct Architecture;
}  // namespace arch

/// @brief The loss and the update rules a training step calls, with the signatures of softmax.hpp and optim.hpp.
struct TrainingFunctions {
  LossResult (*softmax_loss)(const Tensor2&, const Labels&);                        ///< the loss
  void (*sgd)(std::span<double>, std::span<const double>, const SgdConfig&);        ///< plain SGD
  void (*sgd_momentum)(std::span<double>, std::span<const double>, MomentumConfig&);  ///< momentum
  void (*nesterov)(std::span<double>, std::span<const double>, NesterovConfig&);    ///< Nesterov momentum
  void (*adagrad)(std::span<double>, std::span<const double>, AdagradConfig&);      ///< AdaGrad
  void (*rmsprop)(std::span<double>, std::span<const double>, RmspropConfig&);      ///< RMSProp
  void (*adam)(std::span<double>, std::span<const double>, AdamConfig&);            ///< Adam
  void (*adadelta)(std::span<double>, std::span<const double>, AdadeltaConfig&);    ///< AdaDelta
};

/// @brief The forward and backward passes of the layers that are exercises, with the signatures of their
/// headers: the layer objects of the `mine` set call through these.
struct LayerFunctions {
  AffineForward (*affine_forward)(const Tensor&, const Tensor2&, const Tensor1&);                ///< fully connected
  AffineGrads (*affine_backward)(const Tensor2&, const AffineCache&);                            ///< its backward pass
  ReluForward (*relu_forward)(const Tensor&);                                                    ///< ReLU
  ReluGrads (*relu_backward)(const Tensor&, const ReluCache&);                                   ///< its backward pass
  ConvForward (*conv_forward)(const Tensor4&, const Tensor4&, const Tensor1&, const ConvParam&);  ///< im2col version
  ConvGrads (*conv_backward)(const Tensor4&, const ConvCache&);                                  ///< its backward pass
  /// the textbook convolution, only timed beside conv_forward (run_and_check), never run in a network
  ConvForward (*conv_forward_naive)(const Tensor4&, const Tensor4&, const Tensor1&, const ConvParam&);
  MaxPoolForward (*max_pool_forward)(const Tensor4&, const PoolParam&);                          ///< max pooling
  PoolGrads (*max_pool_backward)(const Tensor4&, const MaxPoolCache&);                           ///< its backward pass
  AvgPoolForward (*avg_pool_forward)(const Tensor4&, const PoolParam&);                          ///< average pooling
  PoolGrads (*avg_pool_backward)(const Tensor4&, const AvgPoolCache&);                           ///< its backward pass
  GlobalAvgPoolForward (*global_avg_pool_forward)(const Tensor4&);                               ///< global average pooling
  PoolGrads (*global_avg_pool_backward)(const Tensor2&, const GlobalAvgPoolCache&);              ///< its backward pass
  /// batch normalization of (N, D)
  BatchNormForward (*batchnorm_forward)(const Tensor2&, const Tensor1&, const Tensor1&, const BatchNormParam&,
                                        BatchNormState&);
  BatchNormGrads (*batchnorm_backward)(const Tensor2&, const BatchNormCache&);  ///< its backward pass
  /// batch normalization of (N, C, H, W) per channel
  SpatialBatchNormForward (*spatial_batchnorm_forward)(const Tensor4&, const Tensor1&, const Tensor1&,
                                                       const BatchNormParam&, BatchNormState&);
  SpatialBatchNormGrads (*spatial_batchnorm_backward)(const Tensor4&, const SpatialBatchNormCache&);  ///< backward
  DropoutForward (*dropout_forward)(const Tensor&, const DropoutParam&, Rng&);  ///< inverted dropout
  DropoutGrads (*dropout_backward)(const Tensor&, const DropoutCache&);         ///< its backward pass
  LrnForward (*lrn_forward)(const Tensor4&, const LrnParam&);                   ///< local response normalization
  LrnGrads (*lrn_backward)(const Tensor4&, const LrnCache&);                    ///< its backward pass
};

/// @brief The implementation a model runs: chosen once, when the model is built (build_model); the solver
/// takes the loss and the update rules from the model.
struct LayerSet {
  std::string name;                        ///< "reference" or "mine"
  const LayerFunctions* layers = nullptr;  ///< null: the library's own layer objects
  TrainingFunctions training{};            ///< the loss and the update rules
};

/// @brief The library's own implementations (fused, in place where they can be, shared among the cores):
/// the default, and what a program that links no exercise runs.
LayerSet reference_layers();

/// @brief The exercise functions as linked into this program (the student's, or the reference bodies). Defined in the
/// target cnnlab_mine (src/runtime/mine/), the only part of the runtime that names an exercise function.
LayerSet my_layers();

/// @brief "reference" or "mine".
/// @throws cnn::value_error for any other name
LayerSet parse_layer_set(const std::string& name);

/// @brief An exercise function that is not written yet.
struct MissingExercise {
  std::string function;  ///< e.g. "affine_forward"
  std::string file;      ///< where to write it, e.g. "exercises/affine.cpp"
};

/// @brief Every exercise function, in the order the lectures take them up (tests/course.txt, the order of
/// `./lab progress`).
const std::vector<std::string>& exercise_order();

/// @brief The exercise functions that a forward and a backward pass of @p net with my_layers() call, directly
/// or through another exercise, in exercise_order().
std::vector<std::string> exercises_for_network(const arch::Architecture& net);

/// @brief The exercise functions that training @p net with my_layers() and the update rule @p rule calls,
/// directly or through another exercise (conv_forward_im2col calls im2col), in exercise_order().
/// @param net  the network to train
/// @param rule the update rule's name as parse_update_rule takes it ("momentum", "adam", ...)
/// @throws cnn::value_error for an unknown rule
std::vector<std::string> exercises_for_training(const arch::Architecture& net, const std::string& rule);

/// @brief Which of @p functions are still stubs (by the linked implementation's exercise table,
/// exercise_table.hpp), in exercise_order(), with the file to write.
/// @throws cnn::value_error for a name that is not an exercise function
std::vector<MissingExercise> missing_exercises(const std::vector<std::string>& functions);

/// @brief The message a program prints when it needs exercises that are not written: what @p program needs,
/// one line per missing function with its file, and how to test them.
std::string missing_exercises_message(std::string_view program, const std::vector<MissingExercise>& missing);

/// @brief For a program that calls exercise functions: when some of @p functions are stubs, prints
/// missing_exercises_message to stderr and exits with status 1, before the program does anything else.
void stop_unless_written(std::string_view program, const std::vector<std::string>& functions);

}  // namespace cnn
