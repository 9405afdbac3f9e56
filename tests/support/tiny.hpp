// A tiny network and a small data set of noise, for tests of the runtime and the solver.
#pragma once

#include <cstdint>

#include "calculator/arch.hpp"
#include "io/data.hpp"
#include "core/random.hpp"

namespace testing {

// conv 3@3x3 pad 1 -> relu -> max pool 2 -> fc 4 -> softmax, on 2x6x6 inputs.
inline cnn::arch::Architecture tiny_net() {
  cnn::arch::Architecture net;
  net.name = "tiny";
  net.input = {2, 6, 6};
  net.layers = {cnn::arch::Conv{.name = "conv1", .filters = 3, .size = 3, .stride = 1, .pad = 1},
                cnn::arch::ReLU{.name = "relu1"},
                cnn::arch::Pool{.name = "pool1", .kind = cnn::arch::PoolKind::max, .size = 2, .stride = 2},
                cnn::arch::FullyConnected{.name = "fc2", .outputs = 4},
                cnn::arch::Softmax{.name = "prob"}};
  return net;
}

// A small data set of random bytes with random labels, made here.
inline cnn::Dataset noise_images(std::size_t n, std::size_t c, std::size_t h, std::size_t w, std::size_t classes, std::uint64_t seed) {
  cnn::Rng rng(seed);
  cnn::Dataset d;
  d.count = n;
  d.channels = c;
  d.height = h;
  d.width = w;
  d.classes = classes;
  for (std::size_t i = 0; i < n * c * h * w; ++i) d.images.push_back(static_cast<std::uint8_t>(rng.index(256)));
  for (std::size_t i = 0; i < n; ++i) d.labels.push_back(static_cast<std::uint8_t>(rng.index(classes)));
  return d;
}

}  // namespace testing
