#!/usr/bin/python3
"""Load a LeNet-5 trained by cnnlab into PyTorch and show that both give the same test predictions.

    ./build/release/lectures/train --out out/train          # writes out/train/*.npy and test_scores.npy
    /usr/bin/python3 tools/to_torch.py out/train             # Debian's python3-torch and python3-numpy

cnnlab saves every parameter as <layer>.<param>.npy (float64). The mapping to torch.nn is direct except for
the fully connected layers: cnnlab's affine weight is (D, M), y = x w + b; torch's Linear weight is (M, D),
y = x W^T + b, so W = w^T. Both flatten an (N, C, H, W) volume row-major, in the same order.
"""
import gzip
import os
import sys

import numpy as np
import torch


def read_idx_images(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    n, h, w = (int.from_bytes(data[4 + 4 * k:8 + 4 * k], "big") for k in range(3))
    return np.frombuffer(data, dtype=np.uint8, offset=16).reshape(n, 1, h, w)


def main():
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0 if len(sys.argv) >= 2 else 2
    out = sys.argv[1]
    data_dir = sys.argv[2] if len(sys.argv) > 2 else "/usr/share/datasets/fashion-mnist"
    load = lambda name: torch.from_numpy(np.load(os.path.join(out, name + ".npy")))

    torch.set_default_dtype(torch.float64)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(1, 6, 5, padding=2), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(6, 16, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2), torch.nn.Flatten(),
        torch.nn.Linear(400, 120), torch.nn.ReLU(), torch.nn.Linear(120, 84), torch.nn.ReLU(),
        torch.nn.Linear(84, 10))
    with torch.no_grad():
        net[0].weight.copy_(load("conv1.w")); net[0].bias.copy_(load("conv1.b"))
        net[3].weight.copy_(load("conv2.w")); net[3].bias.copy_(load("conv2.b"))
        for idx, name in ((7, "fc3"), (9, "fc4"), (11, "fc5")):
            net[idx].weight.copy_(load(name + ".w").T); net[idx].bias.copy_(load(name + ".b"))

    images = read_idx_images(os.path.join(data_dir, "t10k-images-idx3-ubyte.gz"))
    x = torch.from_numpy((images / 255.0 - 0.2860) / 0.3530)  # the same normalization as cnnlab's
    with torch.no_grad():
        torch_scores = net(x).numpy()
    cnnlab_scores = np.load(os.path.join(out, "test_scores.npy"))
    same = (torch_scores.argmax(1) == cnnlab_scores.argmax(1)).mean()
    diff = np.abs(torch_scores - cnnlab_scores).max()
    print(f"PyTorch {torch.__version__} and cnnlab agree on {100 * same:.2f}% of the {len(x)} test predictions; "
          f"largest score difference {diff:.3g}")
    return 0 if same == 1.0 and diff < 1e-9 else 1


if __name__ == "__main__":
    sys.exit(main())
