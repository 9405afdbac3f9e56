#!/usr/bin/python3
"""Reference counts for the model zoo (src/calculator/zoo.cpp), computed with PyTorch.

Every network of the zoo is built here a second time, by hand, from the papers (torchvision is not used: it
may not be installed, and its GoogLeNet and AlexNet differ from the papers). For each one this script counts

  - parameters: sum of p.numel() over model.parameters() (weights, biases, batch norm's gamma and beta; batch
    norm's running mean and variance are buffers, not parameters);
  - multiply-adds of the convolutions and fully connected layers, from the output shapes of a real forward
    pass on one zero image: out.numel() * (C_in / groups) * kH * kW for a conv, in * out for a linear layer
    (bias additions not counted);
  - the output shape (C, H, W) of every Conv2d in the order the forward pass runs them, and of the network.

tests/core/test_zoo.cpp compares the calculator (src/calculator/arch.cpp) with these numbers. Regenerate with Debian's
python3-torch (the `python3` first on PATH may not see it):

    /usr/bin/python3 tests/reference/zoo_torch.py > tests/reference/zoo_torch.hpp

Published figures the counts can be checked against (also asserted below):
  LeNet-5 61,706 (the lecture); AlexNet one tower 62,378,344 and with two groups 60,965,224 (Caffe's
  bvlc_alexnet); VGG-16 138,357,544 and VGG-19 143,667,240 (torchvision vgg16, vgg19); ResNet-18/34/50/101/152
  11,689,512 / 21,797,672 / 25,557,032 / 44,549,160 / 60,192,808 (torchvision resnet*, with batch norm's gamma
  and beta).
"""
import torch
from torch import nn

torch.set_num_threads(2)


# --- building blocks ------------------------------------------------------------------------------------
def conv_relu(c_in, k, f, stride=1, pad=0, groups=1):
    return [nn.Conv2d(c_in, k, f, stride=stride, padding=pad, groups=groups), nn.ReLU(inplace=True)]


def classifier(d_in, hidden, classes, dropout=0.5):
    """AlexNet's and VGG's head: FC-ReLU-dropout twice, then the class scores and a softmax."""
    return [nn.Flatten(), nn.Linear(d_in, hidden), nn.ReLU(inplace=True), nn.Dropout(dropout),
            nn.Linear(hidden, hidden), nn.ReLU(inplace=True), nn.Dropout(dropout),
            nn.Linear(hidden, classes), nn.Softmax(dim=1)]


def lenet5(pad1):
    # C1 6@5x5, S2 2x2/2, C3 16@5x5, S4 2x2/2, C5/F5 120, F6 84, output 10 (full C3 connections).
    return nn.Sequential(*conv_relu(1, 6, 5, pad=pad1), nn.MaxPool2d(2, 2),
                         *conv_relu(6, 16, 5), nn.MaxPool2d(2, 2), nn.Flatten(),
                         nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
                         nn.Softmax(dim=1))


def lrn():
    return nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=2.0)


def alexnet():
    # The lecture's one-tower AlexNet on 227x227x3: CONV1, POOL1, NORM1, CONV2, POOL2, NORM2, CONV3-5, POOL3.
    return nn.Sequential(*conv_relu(3, 96, 11, stride=4), nn.MaxPool2d(3, 2), lrn(),
                         *conv_relu(96, 256, 5, pad=2), nn.MaxPool2d(3, 2), lrn(),
                         *conv_relu(256, 384, 3, pad=1), *conv_relu(384, 384, 3, pad=1),
                         *conv_relu(384, 256, 3, pad=1), nn.MaxPool2d(3, 2),
                         *classifier(6 * 6 * 256, 4096, 1000))


def alexnet_groups():
    # Krizhevsky et al. 2012 as trained on two GPUs: conv2, conv4, conv5 see only their own GPU's half.
    return nn.Sequential(*conv_relu(3, 96, 11, stride=4), lrn(), nn.MaxPool2d(3, 2),
                         *conv_relu(96, 256, 5, pad=2, groups=2), lrn(), nn.MaxPool2d(3, 2),
                         *conv_relu(256, 384, 3, pad=1), *conv_relu(384, 384, 3, pad=1, groups=2),
                         *conv_relu(384, 256, 3, pad=1, groups=2), nn.MaxPool2d(3, 2),
                         *classifier(6 * 6 * 256, 4096, 1000))


def zfnet():
    # The paper's 224x224x3 input and figure 3's sizes: conv1 7x7/2 pad 1 (-> 110, rounded down), pool
    # rounding up as Caffe (-> 55), conv2 5x5/2 (-> 26), pool (-> 13), conv3-5 with 512, 1024, 512 filters,
    # pool (-> 6).
    return nn.Sequential(*conv_relu(3, 96, 7, stride=2, pad=1), nn.MaxPool2d(3, 2, ceil_mode=True), lrn(),
                         *conv_relu(96, 256, 5, stride=2), nn.MaxPool2d(3, 2, ceil_mode=True), lrn(),
                         *conv_relu(256, 512, 3, pad=1), *conv_relu(512, 1024, 3, pad=1),
                         *conv_relu(1024, 512, 3, pad=1), nn.MaxPool2d(3, 2, ceil_mode=True),
                         *classifier(6 * 6 * 512, 4096, 1000))


def vgg(config):
    layers, c = [], 3
    for v in config:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += conv_relu(c, v, 3, pad=1)
            c = v
    return nn.Sequential(*layers, *classifier(7 * 7 * 512, 4096, 1000))


VGG_D = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]
VGG_E = [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"]


class Inception(nn.Module):
    """Szegedy et al. 2015, figure 2(b): four branches concatenated along depth, run in this order."""

    def __init__(self, c_in, n1, n3r, n3, n5r, n5, pp):
        super().__init__()
        self.b1 = nn.Sequential(*conv_relu(c_in, n1, 1))
        self.b3 = nn.Sequential(*conv_relu(c_in, n3r, 1), *conv_relu(n3r, n3, 3, pad=1))
        self.b5 = nn.Sequential(*conv_relu(c_in, n5r, 1), *conv_relu(n5r, n5, 5, pad=2))
        self.bp = nn.Sequential(nn.MaxPool2d(3, 1, padding=1), *conv_relu(c_in, pp, 1))

    def forward(self, x):
        return torch.cat([self.b1(x), self.b3(x), self.b5(x), self.bp(x)], 1)


class Aux(nn.Module):
    """GoogLeNet's auxiliary classifier: a side output; the main path goes on with x unchanged."""

    def __init__(self, c_in):
        super().__init__()
        self.head = nn.Sequential(nn.AvgPool2d(5, 3), *conv_relu(c_in, 128, 1), nn.Flatten(),
                                  nn.Linear(4 * 4 * 128, 1024), nn.ReLU(), nn.Dropout(0.7),
                                  nn.Linear(1024, 1000), nn.Softmax(dim=1))

    def forward(self, x):
        self.head(x)
        return x


def googlenet(aux):
    # Table 1 of the paper. Caffe's 3x3/2 max pools round up; PyTorch's (and cnnlab's) round down, so they get
    # padding 1, which gives the same sizes (112 -> 56 -> 28 -> 14 -> 7).
    pool = lambda: nn.MaxPool2d(3, 2, padding=1)
    layers = [*conv_relu(3, 64, 7, stride=2, pad=3), pool(), lrn(),
              *conv_relu(64, 64, 1), *conv_relu(64, 192, 3, pad=1), lrn(), pool(),
              Inception(192, 64, 96, 128, 16, 32, 32), Inception(256, 128, 128, 192, 32, 96, 64), pool(),
              Inception(480, 192, 96, 208, 16, 48, 64)]
    if aux:
        layers.append(Aux(512))
    layers += [Inception(512, 160, 112, 224, 24, 64, 64), Inception(512, 128, 128, 256, 24, 64, 64),
               Inception(512, 112, 144, 288, 32, 64, 64)]
    if aux:
        layers.append(Aux(528))
    layers += [Inception(528, 256, 160, 320, 32, 128, 128), pool(),
               Inception(832, 256, 160, 320, 32, 128, 128), Inception(832, 384, 192, 384, 48, 128, 128),
               nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.4), nn.Linear(1024, 1000),
               nn.Softmax(dim=1)]
    return nn.Sequential(*layers)


def conv_bn(c_in, k, f, stride=1, pad=0):
    return [nn.Conv2d(c_in, k, f, stride=stride, padding=pad, bias=False), nn.BatchNorm2d(k)]


class Residual(nn.Module):
    """He et al. 2016: y = relu(F(x) + shortcut(x)); a 1x1 projection (option B) where the shape changes.
    The stride sits on the first conv of the block (the paper's and Caffe's choice; torchvision's "v1.5"
    moves it to the 3x3 conv, which changes multiply-adds but not parameters)."""

    def __init__(self, c_in, planes, stride, bottleneck):
        super().__init__()
        if bottleneck:
            c_out = 4 * planes
            body = [*conv_bn(c_in, planes, 1, stride), nn.ReLU(), *conv_bn(planes, planes, 3, 1, 1), nn.ReLU(),
                    *conv_bn(planes, c_out, 1)]
        else:
            c_out = planes
            body = [*conv_bn(c_in, planes, 3, stride, 1), nn.ReLU(), *conv_bn(planes, planes, 3, 1, 1)]
        self.body = nn.Sequential(*body)
        projection = stride != 1 or c_in != c_out
        self.shortcut = nn.Sequential(*conv_bn(c_in, c_out, 1, stride)) if projection else nn.Identity()
        self.c_out = c_out

    def forward(self, x):
        return torch.relu(self.body(x) + self.shortcut(x))


def resnet(blocks, bottleneck):
    layers, c = [*conv_bn(3, 64, 7, 2, 3), nn.ReLU(), nn.MaxPool2d(3, 2, padding=1)], 64
    for stage, (n, planes) in enumerate(zip(blocks, [64, 128, 256, 512])):
        for i in range(n):
            block = Residual(c, planes, 2 if (i == 0 and stage > 0) else 1, bottleneck)
            layers.append(block)
            c = block.c_out
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, 1000), nn.Softmax(dim=1))


def alphago_policy():
    # Silver et al. 2016: 19x19x48 planes; 5x5 conv 192 pad 2; eleven 3x3 convs 192 pad 1; 1x1 conv to one
    # plane (one bias, not the paper's position-dependent biases); softmax over the 361 points.
    layers = conv_relu(48, 192, 5, pad=2)
    for _ in range(11):
        layers += conv_relu(192, 192, 3, pad=1)
    return nn.Sequential(*layers, nn.Conv2d(192, 1, 1), nn.Flatten(), nn.Softmax(dim=1))


def convnetjs_cifar10():
    # Karpathy's ConvNetJS CIFAR-10 demo: conv 16 5x5 pad 2, pool 2/2, conv 20, pool, conv 20, pool, fc 10.
    return nn.Sequential(*conv_relu(3, 16, 5, pad=2), nn.MaxPool2d(2, 2), *conv_relu(16, 20, 5, pad=2),
                         nn.MaxPool2d(2, 2), *conv_relu(20, 20, 5, pad=2), nn.MaxPool2d(2, 2), nn.Flatten(),
                         nn.Linear(4 * 4 * 20, 10), nn.Softmax(dim=1))


def allconv():
    # No pooling: 4x4 convs at stride 2 with pad 1 halve the size; a 1x1 conv gives 10 maps; global average.
    return nn.Sequential(*conv_relu(3, 32, 3, pad=1), *conv_relu(32, 32, 4, stride=2, pad=1),
                         *conv_relu(32, 64, 3, pad=1), *conv_relu(64, 64, 4, stride=2, pad=1),
                         *conv_relu(64, 128, 3, pad=1), nn.Conv2d(128, 10, 1), nn.AdaptiveAvgPool2d(1),
                         nn.Flatten(), nn.Softmax(dim=1))


def fashion_bn():
    # cnnlab's training model: [(conv 3x3 no bias - BN - ReLU) x 2 - max pool] x 2 (16, 32), fc 128 - BN - ReLU.
    def cbr(c_in, k):
        return [nn.Conv2d(c_in, k, 3, padding=1, bias=False), nn.BatchNorm2d(k), nn.ReLU()]
    return nn.Sequential(*cbr(1, 16), *cbr(16, 16), nn.MaxPool2d(2, 2), *cbr(16, 32), *cbr(32, 32),
                         nn.MaxPool2d(2, 2), nn.Flatten(), nn.Linear(7 * 7 * 32, 128, bias=False),
                         nn.BatchNorm1d(128), nn.ReLU(), nn.Dropout(0.3), nn.Linear(128, 10), nn.Softmax(dim=1))


# name, model, input (C, H, W), the published parameter count where there is one
MODELS = [
    ("lenet5", lenet5(0), (1, 32, 32), 61706),
    ("lenet5-fashion", lenet5(2), (1, 28, 28), 61706),
    ("alexnet", alexnet(), (3, 227, 227), 62378344),
    ("alexnet-groups", alexnet_groups(), (3, 227, 227), 60965224),
    ("zfnet", zfnet(), (3, 224, 224), None),
    ("vgg16", vgg(VGG_D), (3, 224, 224), 138357544),
    ("vgg19", vgg(VGG_E), (3, 224, 224), 143667240),
    ("googlenet", googlenet(False), (3, 224, 224), None),
    ("googlenet-aux", googlenet(True), (3, 224, 224), None),
    ("resnet18", resnet([2, 2, 2, 2], False), (3, 224, 224), 11689512),
    ("resnet34", resnet([3, 4, 6, 3], False), (3, 224, 224), 21797672),
    ("resnet50", resnet([3, 4, 6, 3], True), (3, 224, 224), 25557032),
    ("resnet101", resnet([3, 4, 23, 3], True), (3, 224, 224), 44549160),
    ("resnet152", resnet([3, 8, 36, 3], True), (3, 224, 224), 60192808),
    ("alphago-policy", alphago_policy(), (48, 19, 19), None),
    ("convnetjs-cifar10", convnetjs_cifar10(), (3, 32, 32), None),
    ("allconv", allconv(), (3, 32, 32), None),
    ("fashion-bn", fashion_bn(), (1, 28, 28), None),
]


def measure(model, input_shape):
    convs, macs = [], [0]

    def on_conv(m, inputs, out):
        convs.append(tuple(out.shape[1:]))
        macs[0] += out.numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]

    def on_linear(m, inputs, out):
        macs[0] += m.in_features * m.out_features

    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            m.register_forward_hook(on_conv)
        elif isinstance(m, nn.Linear):
            m.register_forward_hook(on_linear)
    model.eval()
    with torch.no_grad():
        out = model(torch.zeros(1, *input_shape))
    shape = tuple(out.shape[1:]) + (1,) * (4 - out.dim())
    params = sum(p.numel() for p in model.parameters())
    return params, macs[0], shape, convs


print(f"// Generated by tests/reference/zoo_torch.py with PyTorch {torch.__version__}; do not edit.")
print("// Models built by hand in PyTorch from the papers; counts from model.parameters() and a forward pass.")
print("#pragma once")
print("#include <array>")
print("#include <cstddef>")
print("#include <vector>")
print("namespace ref {")
print("struct ZooModel {")
print("  const char* name;                                   // as in cnncalc models")
print("  std::size_t parameters;                             // sum of p.numel() over model.parameters()")
print("  std::size_t mult_adds;                              // conv and linear, bias not counted")
print("  std::array<std::size_t, 3> output;                  // (C, H, W) of the network's output")
print("  std::vector<std::array<std::size_t, 3>> conv_outputs;  // (C, H, W) of every conv, in forward order")
print("};")
print("inline const std::vector<ZooModel> zoo_models = {")
for name, model, input_shape, published in MODELS:
    params, macs, shape, convs = measure(model, input_shape)
    if published is not None:
        assert params == published, f"{name}: {params} parameters, published {published}"
    conv_list = ", ".join("{%d, %d, %d}" % c for c in convs)
    print(f'  {{"{name}", {params}, {macs}, {{{shape[0]}, {shape[1]}, {shape[2]}}},')
    print(f"   {{{conv_list}}}}},")
print("};")
print("}  // namespace ref")
