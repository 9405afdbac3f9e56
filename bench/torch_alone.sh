#!/usr/bin/env bash
# bench/torch_alone.sh: libtorch alone in a plain loop (bench/torch_alone.cpp) on the shapes of the Performance
# page's convolution table, once with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE as the environment sets them and
# once without, to set beside the torch column of `./lab bench` (and `./lab bench --both`). Builds the bench
# preset's torch_alone (installs libtorch-dev like ./lab bench). Run it on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
tools/setup.sh tools/packages.txt
tools/setup.sh bench/packages.txt
cmake --preset bench >/dev/null
cmake --build --preset bench --target torch_alone -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
# NAME N C H W F HH WW STRIDE PAD: the shapes of bench/bench_conv.cpp's table
shapes=(lenet1 64 1 28 28 6 5 5 1 2   lenet2 64 6 14 14 16 5 5 1 0   cifar 64 3 32 32 32 3 3 1 1
        vgg64 8 64 56 56 64 3 3 1 1   vgg128 8 128 28 28 128 3 3 1 1 alex1 4 3 227 227 96 11 11 4 0
        1x1 8 64 56 56 32 1 1 1 0     vgg256 8 256 28 28 256 3 3 1 1 vgg512 8 512 14 14 512 3 3 1 1)
echo "== OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE as set"
build/bench/bench/torch_alone "${shapes[@]}"
echo "== without them"
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE build/bench/bench/torch_alone "${shapes[@]}"
