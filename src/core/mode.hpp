/// @file mode.hpp
/// @brief Train or test: the one switch that changes what some layers do.
#pragma once

namespace cnn {

/// @brief Whether a layer is training or being used for prediction (batch normalization, dropout).
enum class Mode {
  train,  ///< training: batch statistics (batch norm), random masks (dropout)
  test    ///< prediction: running statistics (batch norm), no units dropped (dropout)
};

}  // namespace cnn
