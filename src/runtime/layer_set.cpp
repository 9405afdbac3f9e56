// The reference layer set: the library's own layers (src/runtime/layer_objects.cpp), loss and update rules
// (src/internals/training_fast.cpp). Nothing here names an exercise function.
#include "runtime/layer_set.hpp"

#include "internals/training_fast.hpp"

namespace cnn {

LayerSet reference_layers() {
  return LayerSet{"reference", nullptr,
                  TrainingFunctions{&softmax_loss_fast, &sgd_fast, &sgd_momentum_fast, &nesterov_fast, &adagrad_fast,
                                    &rmsprop_fast, &adam_fast, &adadelta_fast}};
}

}  // namespace cnn
