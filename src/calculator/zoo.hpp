/// @file zoo.hpp
/// @brief The model zoo: the lecture's case studies (and a few small networks) as architecture specs.
///
/// Every function returns an arch::Architecture: plain data that the calculator (arch::analyze, `cnncalc
/// model NAME`) walks and that a runtime model can be built from. Parameter totals match the published
/// networks exactly; tests/reference/zoo_torch.py builds each one again in PyTorch and
/// `tests/core/test_zoo.cpp` compares the two. Page: @ref case_studies.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "calculator/arch.hpp"

namespace cnn::zoo {

/// @brief LeNet-5 (LeCun et al. 1998) on a 32x32x1 image, as in the lecture: conv 6@5x5 -> 28x28x6, 2x2/2
/// subsampling, conv 16@5x5 -> 10x10x16, 2x2/2, fully connected 120, 84, 10. 61,706 parameters, computed
/// (156 + 2,416 + 48,120 + 10,164 + 850; the lecture gives no count).
/// Modernised as usual: ReLU and max pooling; the original's trainable subsampling coefficients and sparse
/// C3 connections are not modelled (the 61,706 counts neither).
arch::Architecture lenet5();

/// @brief LeNet-5 for 28x28x1 Fashion-MNIST: the first conv pads by 2, so every later size (and the 61,706
/// parameters) are those of lenet5().
arch::Architecture lenet5_fashion();

/// @brief AlexNet (Krizhevsky et al. 2012) as the lecture draws it: 227x227x3, one tower, CONV1 96 11x11/4
/// -> 55x55x96 (34,944 parameters), POOL1 3x3/2, NORM1, CONV2 256 5x5 P2, POOL2, NORM2, CONV3 384, CONV4 384,
/// CONV5 256 (3x3 P1), POOL3 -> 6x6x256, FC 4096, 4096, 1000. 62,378,344 parameters.
arch::Architecture alexnet();

/// @brief AlexNet as trained on two GPUs: CONV2, CONV4 and CONV5 in two groups (each filter sees half the
/// input maps), normalization before pooling as in the paper. 60,965,224 parameters (Caffe's bvlc_alexnet).
arch::Architecture alexnet_groups();

/// @brief ZFNet (Zeiler and Fergus 2013) as the lecture describes it: AlexNet with CONV1 7x7 at stride 2 and
/// 512, 1024, 512 filters in CONV3-5, at the paper's 224x224x3 with the sizes of its figure 3: CONV1 7x7/2
/// P1 -> (224 - 7 + 2)/2 + 1 = 110.5, rounded down to 110; POOL1 3x3/2 -> 54.5, rounded up (Caffe) to 55;
/// CONV2 5x5/2 -> 26; POOL2 -> 12.5, rounded up to 13; CONV3-5 -> 13; POOL3 -> 6x6x512. 107,627,624 parameters.
arch::Architecture zfnet();

/// @brief VGG-16 (Simonyan and Zisserman 2015, configuration D): thirteen 3x3 P1 convs in five stages, 2x2/2
/// max pools, FC 4096, 4096, 1000. 138,357,544 parameters (torchvision's vgg16).
arch::Architecture vgg16();

/// @brief VGG-19 (configuration E): sixteen 3x3 convs. 143,667,240 parameters (torchvision's vgg19).
arch::Architecture vgg19();

/// @brief GoogLeNet (Szegedy et al. 2015, table 1): nine inception modules, global average pooling, one
/// fully connected layer. Convs with biases, LRN after the first pool and the second conv, as in the paper.
/// The 3x3/2 max pools round up in Caffe; here they get P = 1 and round down, which gives the same sizes.
/// 6,998,552 parameters (the paper's network without its auxiliary classifiers).
/// @param aux also the two auxiliary classifiers after inception 4a and 4d (training time): 13,378,280
arch::Architecture googlenet(bool aux = false);

/// @brief ResNet (He et al. 2016, table 1) of depth 18, 34 (basic blocks) or 50, 101, 152 (bottlenecks):
/// conv1 7x7/2 with batch norm, 3x3/2 max pool, four stages, global average pool, FC 1000. Batch norm after
/// every conv; projection shortcuts where the shape changes (option B), identity elsewhere. At 224x224 the
/// stride-2 convs do not tile and round down, as in PyTorch. Parameters equal torchvision's resnet18 ...
/// resnet152 (11,689,512 / 21,797,672 / 25,557,032 / 44,549,160 / 60,192,808, batch norm's gamma and beta
/// included).
/// @param depth 18, 34, 50, 101 or 152
/// @throws cnn::value_error for any other depth
arch::Architecture resnet(int depth);

/// @brief ResNet-50, 101 or 152 "v1.5", as torchvision builds them: the stride 2 of a stage's first bottleneck
/// sits on its 3x3 conv instead of its first 1x1 (resnet() follows the paper). Same parameters; the 1x1 conv
/// runs at the larger size, 77,070,336 more multiply-adds in each of stages 3, 4 and 5.
/// @throws cnn::value_error for any other depth
arch::Architecture resnet_v15(int depth);

/// @brief The AlphaGo policy network (Silver et al. 2016): 19x19x48 feature planes, conv 192 5x5 P2, eleven
/// convs 192 3x3 P1 (all with ReLU), a 1x1 conv to one plane, softmax over the 361 points. One bias in the
/// last conv (the paper uses one per position). 3,882,433 parameters.
arch::Architecture alphago_policy();

/// @brief The CIFAR-10 network of Karpathy's ConvNetJS browser demo (the lecture's demo): 32x32x3, conv 16
/// 5x5 P2, pool 2/2, conv 20 5x5 P2, pool, conv 20 5x5 P2, pool, FC 10. 22,466 parameters.
arch::Architecture convnetjs_cifar10();

/// @brief A small ConvNet with batch normalization for Fashion-MNIST, the training walkthrough's stronger model:
/// two stages of (conv 3x3 - batch norm - ReLU) x 2 and a 2x2 max pool (16 then 32 filters), then a fully
/// connected layer of 128 with batch norm, ReLU and dropout 0.3, and the 10 class scores.
arch::Architecture fashion_bn();

/// @brief A small all-convolutional network for 32x32x3 (after Springenberg et al. 2015): no pooling and no
/// fully connected layer; 4x4 convs at stride 2 with P = 1 halve the size (an odd F never tiles an even
/// input at stride 2); a 1x1 conv to 10 maps and a global average pool give the scores. 176,554 parameters.
arch::Architecture allconv();

/// @brief The names `cnncalc models` lists, in the zoo's order.
std::vector<std::string> names();

/// @brief The architecture with that name (as listed by names()).
/// @throws cnn::value_error for an unknown name, listing the known ones
arch::Architecture model(std::string_view name);

}  // namespace cnn::zoo
