// The model zoo: each network as a list of layer specs, with the volume after each layer in a comment.
#include "calculator/zoo.hpp"

#include <functional>
#include <utility>

#include "core/errors.hpp"

namespace cnn::zoo {

// Using-declarations rather than a using-directive, so that cnn::Layer (the runtime's, model.hpp) never competes.
using arch::Architecture;
using arch::AuxClassifier;
using arch::BatchNorm;
using arch::BlockKind;
using arch::Conv;
using arch::Dropout;
using arch::Flatten;
using arch::FullyConnected;
using arch::GlobalAvgPool;
using arch::Inception;
using arch::Layer;
using arch::LRN;
using arch::Pool;
using arch::ReLU;
using arch::Residual;
using arch::Shape;
using arch::Shortcut;
using arch::Softmax;

Architecture resnet(int depth, bool stride_in_3x3);

namespace {

// The two fully connected hidden layers with ReLU and dropout, the class scores and a softmax: the top of
// AlexNet, ZFNet and VGG.
void add_classifier(std::vector<Layer>& layers, std::size_t hidden, std::size_t classes, int first) {
  const std::string a = std::to_string(first), b = std::to_string(first + 1), c = std::to_string(first + 2);
  std::vector<Layer> top = {
      FullyConnected{.name = "fc" + a, .outputs = hidden}, ReLU{"relu" + a}, Dropout{.name = "drop" + a, .p = 0.5},
      FullyConnected{.name = "fc" + b, .outputs = hidden}, ReLU{"relu" + b}, Dropout{.name = "drop" + b, .p = 0.5},
      FullyConnected{.name = "fc" + c, .outputs = classes}, Softmax{"prob"}};
  layers.insert(layers.end(), top.begin(), top.end());
}

Architecture lenet(std::string name, std::string title, Shape input, std::size_t pad1) {
  Architecture net;
  net.name = std::move(name);
  net.title = std::move(title);
  // The lecture gives no count; this one is computed: conv1 6*(5*5*1 + 1) = 156, conv2 16*(5*5*6 + 1) = 2,416,
  // fc3 400*120 + 120 = 48,120, fc4 120*84 + 84 = 10,164, fc5 84*10 + 10 = 850.
  net.reference = "61,706 parameters, computed: 156 + 2,416 + 48,120 + 10,164 + 850 (C3 fully connected, no "
                  "trainable subsampling; the lecture gives no count)";
  net.input = input;
  net.layers = {
      Conv{.name = "conv1", .filters = 6, .size = 5, .pad = pad1},  // 28x28x6
      ReLU{"relu1"},
      Pool{.name = "pool1", .size = 2, .stride = 2},                  // 14x14x6
      Conv{.name = "conv2", .filters = 16, .size = 5},                 // 10x10x16
      ReLU{"relu2"},
      Pool{.name = "pool2", .size = 2, .stride = 2},                  // 5x5x16
      FullyConnected{.name = "fc3", .outputs = 120},                   // 120
      ReLU{"relu3"},
      FullyConnected{.name = "fc4", .outputs = 84},                    // 84
      ReLU{"relu4"},
      FullyConnected{.name = "fc5", .outputs = 10},                    // 10 class scores
      Softmax{"prob"},
  };
  return net;
}

LRN norm(std::string name) { return LRN{.name = std::move(name), .size = 5, .alpha = 1e-4, .beta = 0.75, .k = 2.0}; }

// VGG: stages of 3x3 P1 convs with ReLU, each closed by a 2x2/2 max pool.
Architecture vgg(std::string name, std::string title, std::string reference,
                 const std::vector<std::pair<std::size_t, int>>& stages) {
  Architecture net;
  net.name = std::move(name);
  net.title = std::move(title);
  net.reference = std::move(reference);
  net.input = {3, 224, 224};
  int stage = 1;
  for (const auto& [filters, convs] : stages) {  // 224 -> 112 -> 56 -> 28 -> 14 -> 7
    for (int i = 1; i <= convs; ++i) {
      const std::string id = std::to_string(stage) + "_" + std::to_string(i);
      net.layers.push_back(Conv{.name = "conv" + id, .filters = filters, .size = 3, .pad = 1});
      net.layers.push_back(ReLU{"relu" + id});
    }
    net.layers.push_back(Pool{.name = "pool" + std::to_string(stage), .size = 2, .stride = 2});
    ++stage;
  }
  add_classifier(net.layers, 4096, 1000, 6);  // 7x7x512 -> 4096 -> 4096 -> 1000
  return net;
}

}  // namespace

Architecture lenet5() {
  return lenet("lenet5", "LeNet-5 (LeCun et al. 1998) on 32x32x1, as in the lecture", {1, 32, 32}, 0);
}

Architecture lenet5_fashion() {
  return lenet("lenet5-fashion", "LeNet-5 for 28x28x1 Fashion-MNIST (conv1 pads by 2)", {1, 28, 28}, 2);
}

Architecture alexnet() {
  Architecture net;
  net.name = "alexnet";
  net.title = "AlexNet (Krizhevsky et al. 2012), one tower as the lecture draws it";
  net.reference = "62,378,344 parameters, the usual count of single-tower AlexNet at 227x227";
  net.input = {3, 227, 227};
  net.layers = {
      Conv{.name = "conv1", .filters = 96, .size = 11, .stride = 4},   // 55x55x96
      ReLU{"relu1"},
      Pool{.name = "pool1", .size = 3, .stride = 2},                    // 27x27x96
      norm("norm1"),
      Conv{.name = "conv2", .filters = 256, .size = 5, .pad = 2},       // 27x27x256
      ReLU{"relu2"},
      Pool{.name = "pool2", .size = 3, .stride = 2},                    // 13x13x256
      norm("norm2"),
      Conv{.name = "conv3", .filters = 384, .size = 3, .pad = 1},       // 13x13x384
      ReLU{"relu3"},
      Conv{.name = "conv4", .filters = 384, .size = 3, .pad = 1},       // 13x13x384
      ReLU{"relu4"},
      Conv{.name = "conv5", .filters = 256, .size = 3, .pad = 1},       // 13x13x256
      ReLU{"relu5"},
      Pool{.name = "pool5", .size = 3, .stride = 2},                    // 6x6x256
  };
  add_classifier(net.layers, 4096, 1000, 6);                            // 4096, 4096, 1000
  return net;
}

Architecture alexnet_groups() {
  Architecture net;
  net.name = "alexnet-groups";
  net.title = "AlexNet as trained on two GPUs: conv2, conv4, conv5 in two groups; LRN before pooling";
  net.reference = "60,965,224 parameters, Caffe's bvlc_alexnet";
  net.input = {3, 227, 227};
  net.layers = {
      Conv{.name = "conv1", .filters = 96, .size = 11, .stride = 4},               // 55x55x96
      ReLU{"relu1"},
      norm("norm1"),
      Pool{.name = "pool1", .size = 3, .stride = 2},                                // 27x27x96
      Conv{.name = "conv2", .filters = 256, .size = 5, .pad = 2, .groups = 2},      // 27x27x256
      ReLU{"relu2"},
      norm("norm2"),
      Pool{.name = "pool2", .size = 3, .stride = 2},                                // 13x13x256
      Conv{.name = "conv3", .filters = 384, .size = 3, .pad = 1},                   // 13x13x384
      ReLU{"relu3"},
      Conv{.name = "conv4", .filters = 384, .size = 3, .pad = 1, .groups = 2},      // 13x13x384
      ReLU{"relu4"},
      Conv{.name = "conv5", .filters = 256, .size = 3, .pad = 1, .groups = 2},      // 13x13x256
      ReLU{"relu5"},
      Pool{.name = "pool5", .size = 3, .stride = 2},                                // 6x6x256
  };
  add_classifier(net.layers, 4096, 1000, 6);
  return net;
}

Architecture zfnet() {
  Architecture net;
  net.name = "zfnet";
  net.title = "ZFNet (Zeiler and Fergus 2013, figure 3): AlexNet with conv1 7x7/2 and 512, 1024, 512 filters in "
              "conv3-5, at the paper's 224x224";
  net.reference = "107,627,624 parameters (no single published count; PyTorch build of the same layers)";
  net.input = {3, 224, 224};
  // The paper's sizes 110, 55, 26, 13, 13, 13, 6: conv1 (224 - 7 + 2)/2 + 1 = 110.5 rounds down, the 3x3/2
  // pools round up as in Caffe (110 -> 54.5 -> 55, 26 -> 12.5 -> 13).
  net.layers = {
      Conv{.name = "conv1", .filters = 96, .size = 7, .stride = 2, .pad = 1,
           .rounding = Rounding::floor},                                            // 110x110x96
      ReLU{"relu1"},
      Pool{.name = "pool1", .size = 3, .stride = 2, .rounding = Rounding::ceil},   // 55x55x96
      norm("norm1"),
      Conv{.name = "conv2", .filters = 256, .size = 5, .stride = 2},               // 26x26x256
      ReLU{"relu2"},
      Pool{.name = "pool2", .size = 3, .stride = 2, .rounding = Rounding::ceil},   // 13x13x256
      norm("norm2"),
      Conv{.name = "conv3", .filters = 512, .size = 3, .pad = 1},                  // 13x13x512
      ReLU{"relu3"},
      Conv{.name = "conv4", .filters = 1024, .size = 3, .pad = 1},                 // 13x13x1024
      ReLU{"relu4"},
      Conv{.name = "conv5", .filters = 512, .size = 3, .pad = 1},                  // 13x13x512
      ReLU{"relu5"},
      Pool{.name = "pool5", .size = 3, .stride = 2, .rounding = Rounding::ceil},   // 6x6x512
  };
  add_classifier(net.layers, 4096, 1000, 6);
  return net;
}

Architecture vgg16() {
  return vgg("vgg16", "VGG-16 (Simonyan and Zisserman 2015, configuration D)",
             "138,357,544 parameters, torchvision's vgg16", {{64, 2}, {128, 2}, {256, 3}, {512, 3}, {512, 3}});
}

Architecture vgg19() {
  return vgg("vgg19", "VGG-19 (Simonyan and Zisserman 2015, configuration E)",
             "143,667,240 parameters, torchvision's vgg19", {{64, 2}, {128, 2}, {256, 4}, {512, 4}, {512, 4}});
}

Architecture googlenet(bool aux) {
  Architecture net;
  net.name = aux ? "googlenet-aux" : "googlenet";
  net.title = aux ? "GoogLeNet (Szegedy et al. 2015) with its two auxiliary classifiers (training time)"
                  : "GoogLeNet (Szegedy et al. 2015, table 1), inception v1";
  net.reference = aux ? "13,378,280 parameters, the paper's network with both auxiliary classifiers"
                      : "6,998,552 parameters, the paper's network (convs with biases, no batch norm)";
  net.input = {3, 224, 224};
  // Caffe's 3x3/2 pools round up; with P = 1 and rounding down they give the same sizes.
  auto pool = [](std::string name) { return Pool{.name = std::move(name), .size = 3, .stride = 2, .pad = 1}; };
  net.layers = {
      Conv{.name = "conv1", .filters = 64, .size = 7, .stride = 2, .pad = 3,
           .rounding = Rounding::floor},                                                 // 112x112x64
      ReLU{"relu1"},
      pool("pool1"),                                                                     // 56x56x64
      norm("norm1"),
      Conv{.name = "conv2_reduce", .filters = 64, .size = 1},                            // 56x56x64
      ReLU{"relu2_reduce"},
      Conv{.name = "conv2", .filters = 192, .size = 3, .pad = 1},                        // 56x56x192
      ReLU{"relu2"},
      norm("norm2"),
      pool("pool2"),                                                                     // 28x28x192
      Inception{"inception_3a", 64, 96, 128, 16, 32, 32},                                // 28x28x256
      Inception{"inception_3b", 128, 128, 192, 32, 96, 64},                              // 28x28x480
      pool("pool3"),                                                                     // 14x14x480
      Inception{"inception_4a", 192, 96, 208, 16, 48, 64},                               // 14x14x512
  };
  if (aux) net.layers.push_back(AuxClassifier{"aux1", 1000});                           // side: 1000
  const std::vector<Layer> rest = {
      Inception{"inception_4b", 160, 112, 224, 24, 64, 64},                              // 14x14x512
      Inception{"inception_4c", 128, 128, 256, 24, 64, 64},                              // 14x14x512
      Inception{"inception_4d", 112, 144, 288, 32, 64, 64},                              // 14x14x528
  };
  net.layers.insert(net.layers.end(), rest.begin(), rest.end());
  if (aux) net.layers.push_back(AuxClassifier{"aux2", 1000});                           // side: 1000
  const std::vector<Layer> top = {
      Inception{"inception_4e", 256, 160, 320, 32, 128, 128},                            // 14x14x832
      pool("pool4"),                                                                     // 7x7x832
      Inception{"inception_5a", 256, 160, 320, 32, 128, 128},                            // 7x7x832
      Inception{"inception_5b", 384, 192, 384, 48, 128, 128},                            // 7x7x1024
      GlobalAvgPool{"avgpool"},                                                          // 1x1x1024
      Dropout{.name = "drop", .p = 0.4},
      FullyConnected{.name = "fc", .outputs = 1000},                                     // 1000
      Softmax{"prob"},
  };
  net.layers.insert(net.layers.end(), top.begin(), top.end());
  return net;
}

Architecture resnet(int depth) { return resnet(depth, false); }

Architecture resnet_v15(int depth) {
  if (depth != 50 && depth != 101 && depth != 152)
    throw value_error("resnet_v15", "v1.5 moves the stride of a bottleneck: depth must be 50, 101 or 152, got " +
                                        std::to_string(depth));
  return resnet(depth, true);
}

Architecture resnet(int depth, bool stride_in_3x3) {
  std::vector<int> blocks;  // per stage conv2_x .. conv5_x (table 1 of the paper)
  BlockKind kind = BlockKind::basic;
  std::string published;
  switch (depth) {
    case 18: blocks = {2, 2, 2, 2}; published = "11,689,512"; break;
    case 34: blocks = {3, 4, 6, 3}; published = "21,797,672"; break;
    case 50: blocks = {3, 4, 6, 3}; kind = BlockKind::bottleneck; published = "25,557,032"; break;
    case 101: blocks = {3, 4, 23, 3}; kind = BlockKind::bottleneck; published = "44,549,160"; break;
    case 152: blocks = {3, 8, 36, 3}; kind = BlockKind::bottleneck; published = "60,192,808"; break;
    default:
      throw value_error("resnet", "depth must be 18, 34, 50, 101 or 152 (table 1 of He et al.), got " +
                                      std::to_string(depth));
  }
  Architecture net;
  const std::string d = std::to_string(depth);
  net.name = "resnet" + d + (stride_in_3x3 ? "-v1.5" : "");
  if (kind == BlockKind::basic)
    net.title = "ResNet-" + d + " (He et al. 2016), basic blocks, projection shortcuts where the shape changes";
  else if (!stride_in_3x3)
    net.title = "ResNet-" + d + " as in the paper (He et al. 2016): stride 2 in the first 1x1 conv of a stage";
  else
    net.title = "ResNet-" + d + " v1.5 as torchvision builds it: stride 2 in the 3x3 conv of a stage";
  net.reference = published + " parameters, torchvision's resnet" + d + " (batch norm's gamma and beta included)" +
                  (kind == BlockKind::basic ? "" : stride_in_3x3 ? ", whose layers these are"
                                                                  : "; the same count, its stride sits elsewhere");
  net.input = {3, 224, 224};
  net.layers = {
      Conv{.name = "conv1", .filters = 64, .size = 7, .stride = 2, .pad = 3, .bias = false,
           .rounding = Rounding::floor},                                                 // 112x112x64
      BatchNorm{"bn1"},
      ReLU{"relu1"},
      Pool{.name = "pool1", .size = 3, .stride = 2, .pad = 1},                           // 56x56x64
  };
  const std::size_t expansion = kind == BlockKind::basic ? 1 : 4;
  std::size_t depth_in = 64;
  std::size_t planes = 64;
  for (std::size_t stage = 0; stage < blocks.size(); ++stage, planes *= 2) {  // 56, 28, 14, 7
    for (int i = 0; i < blocks[stage]; ++i) {
      const std::size_t stride = (i == 0 && stage > 0) ? 2 : 1;
      const bool same_shape = stride == 1 && depth_in == planes * expansion;
      net.layers.push_back(Residual{.name = "conv" + std::to_string(stage + 2) + "_" + std::to_string(i + 1),
                                    .kind = kind,
                                    .planes = planes,
                                    .stride = stride,
                                    .shortcut = same_shape ? Shortcut::identity : Shortcut::projection,
                                    // at 224x224 a stride-2 conv meets an even size: 56 -> 28.5, rounded down
                                    .rounding = stride == 2 ? Rounding::floor : Rounding::exact,
                                    .stride_in_3x3 = stride_in_3x3});
      depth_in = planes * expansion;
    }
  }
  const std::vector<Layer> top = {
      GlobalAvgPool{"avgpool"},                                                          // 1x1x512 or 1x1x2048
      FullyConnected{.name = "fc", .outputs = 1000},                                     // 1000
      Softmax{"prob"},
  };
  net.layers.insert(net.layers.end(), top.begin(), top.end());
  return net;
}

Architecture alphago_policy() {
  Architecture net;
  net.name = "alphago-policy";
  net.title = "AlphaGo policy network (Silver et al. 2016): 13 conv layers of 192 filters on the 19x19 board";
  net.reference = "3,882,433 parameters (one bias in the last conv; the paper's per-position biases add 360)";
  net.input = {48, 19, 19};
  net.layers = {
      Conv{.name = "conv1", .filters = 192, .size = 5, .pad = 2},  // 19x19x192 (zero-padded to 23x23)
      ReLU{"relu1"},
  };
  for (int i = 2; i <= 12; ++i) {                                   // eleven times 19x19x192 (padded to 21x21)
    net.layers.push_back(Conv{.name = "conv" + std::to_string(i), .filters = 192, .size = 3, .pad = 1});
    net.layers.push_back(ReLU{"relu" + std::to_string(i)});
  }
  const std::vector<Layer> top = {
      Conv{.name = "conv13", .filters = 1, .size = 1},              // 19x19x1
      Flatten{"flatten"},                                           // 361
      Softmax{"prob"},                                              // a distribution over the 361 points
  };
  net.layers.insert(net.layers.end(), top.begin(), top.end());
  return net;
}

Architecture convnetjs_cifar10() {
  Architecture net;
  net.name = "convnetjs-cifar10";
  net.title = "The CIFAR-10 network of the ConvNetJS browser demo (Karpathy)";
  net.reference = "22,466 parameters (PyTorch build of the demo's layers)";
  net.input = {3, 32, 32};
  net.layers = {
      Conv{.name = "conv1", .filters = 16, .size = 5, .pad = 2},  // 32x32x16
      ReLU{"relu1"},
      Pool{.name = "pool1", .size = 2, .stride = 2},               // 16x16x16
      Conv{.name = "conv2", .filters = 20, .size = 5, .pad = 2},  // 16x16x20
      ReLU{"relu2"},
      Pool{.name = "pool2", .size = 2, .stride = 2},               // 8x8x20
      Conv{.name = "conv3", .filters = 20, .size = 5, .pad = 2},  // 8x8x20
      ReLU{"relu3"},
      Pool{.name = "pool3", .size = 2, .stride = 2},               // 4x4x20
      FullyConnected{.name = "fc", .outputs = 10},                 // 10
      Softmax{"prob"},
  };
  return net;
}

Architecture fashion_bn() {
  Architecture net;
  net.name = "fashion-bn";
  net.title = "A small ConvNet with batch normalization for 28x28x1 Fashion-MNIST: [(conv-bn-relu) x 2 - pool] x 2 - fc";
  net.reference = "cnnlab's own training recipe (lectures/train.cpp); convs before a batch norm have no bias";
  net.input = {1, 28, 28};
  net.layers = {
      Conv{.name = "conv1", .filters = 16, .size = 3, .pad = 1, .bias = false},  // 28x28x16
      BatchNorm{"bn1"},
      ReLU{"relu1"},
      Conv{.name = "conv2", .filters = 16, .size = 3, .pad = 1, .bias = false},  // 28x28x16
      BatchNorm{"bn2"},
      ReLU{"relu2"},
      Pool{.name = "pool2", .size = 2, .stride = 2},                              // 14x14x16
      Conv{.name = "conv3", .filters = 32, .size = 3, .pad = 1, .bias = false},  // 14x14x32
      BatchNorm{"bn3"},
      ReLU{"relu3"},
      Conv{.name = "conv4", .filters = 32, .size = 3, .pad = 1, .bias = false},  // 14x14x32
      BatchNorm{"bn4"},
      ReLU{"relu4"},
      Pool{.name = "pool4", .size = 2, .stride = 2},                              // 7x7x32
      FullyConnected{.name = "fc5", .outputs = 128, .bias = false},              // 128
      BatchNorm{"bn5"},
      ReLU{"relu5"},
      Dropout{.name = "drop5", .p = 0.3},
      FullyConnected{.name = "fc6", .outputs = 10},                               // 10 class scores
      Softmax{"prob"},
  };
  return net;
}

Architecture allconv() {
  Architecture net;
  net.name = "allconv";
  net.title = "A small all-convolutional network: strided convolutions instead of pooling, no FC layer";
  net.reference = "176,554 parameters (PyTorch build of the same layers)";
  net.input = {3, 32, 32};
  net.layers = {
      Conv{.name = "conv1", .filters = 32, .size = 3, .pad = 1},              // 32x32x32
      ReLU{"relu1"},
      Conv{.name = "down1", .filters = 32, .size = 4, .stride = 2, .pad = 1}, // 16x16x32
      ReLU{"relu_down1"},
      Conv{.name = "conv2", .filters = 64, .size = 3, .pad = 1},              // 16x16x64
      ReLU{"relu2"},
      Conv{.name = "down2", .filters = 64, .size = 4, .stride = 2, .pad = 1}, // 8x8x64
      ReLU{"relu_down2"},
      Conv{.name = "conv3", .filters = 128, .size = 3, .pad = 1},             // 8x8x128
      ReLU{"relu3"},
      Conv{.name = "scores", .filters = 10, .size = 1},                        // 8x8x10
      GlobalAvgPool{"avgpool"},                                                // 1x1x10
      Softmax{"prob"},
  };
  return net;
}

namespace {

const std::vector<std::pair<std::string, std::function<Architecture()>>>& registry() {
  static const std::vector<std::pair<std::string, std::function<Architecture()>>> r = {
      {"lenet5", lenet5},
      {"lenet5-fashion", lenet5_fashion},
      {"alexnet", alexnet},
      {"alexnet-groups", alexnet_groups},
      {"zfnet", zfnet},
      {"vgg16", vgg16},
      {"vgg19", vgg19},
      {"googlenet", [] { return googlenet(false); }},
      {"googlenet-aux", [] { return googlenet(true); }},
      {"resnet18", [] { return resnet(18); }},
      {"resnet34", [] { return resnet(34); }},
      {"resnet50", [] { return resnet(50); }},
      {"resnet101", [] { return resnet(101); }},
      {"resnet152", [] { return resnet(152); }},
      {"resnet50-v1.5", [] { return resnet_v15(50); }},
      {"resnet101-v1.5", [] { return resnet_v15(101); }},
      {"resnet152-v1.5", [] { return resnet_v15(152); }},
      {"alphago-policy", alphago_policy},
      {"convnetjs-cifar10", convnetjs_cifar10},
      {"allconv", allconv},
      {"fashion-bn", fashion_bn},
  };
  return r;
}

}  // namespace

std::vector<std::string> names() {
  std::vector<std::string> n;
  for (const auto& [name, make] : registry()) n.push_back(name);
  return n;
}

Architecture model(std::string_view name) {
  for (const auto& [n, make] : registry())
    if (n == name) return make();
  std::string known;
  for (const auto& [n, make] : registry()) known += (known.empty() ? "" : ", ") + n;
  throw value_error("zoo::model", "no model named '" + std::string(name) + "'; known: " + known);
}

}  // namespace cnn::zoo
