#!/usr/bin/python3
"""Writes the seed corpora of the fuzz targets into fuzz/corpus/<target>/: a few valid inputs and a few slightly
broken ones each. Run once by hand (`/usr/bin/python3 fuzz/make_seeds.py`); the files are committed. The .npy
seeds are written by NumPy itself (np.save), the others by the formats' definitions below.
"""
import gzip
import io
import os
import struct

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def put(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def idx(dims, data):
    return bytes([0, 0, 8, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + bytes(data)


def gz(data):
    return gzip.compress(data, mtime=0)


# --- IDX, plain and gzipped -------------------------------------------------------------------------------
images = idx([2, 3, 3], range(18))
put("idx", "images_2x3x3", images)
put("idx", "labels_4", idx([4], [7, 0, 9, 1]))
put("idx", "images_2x3x3.gz", gz(images))
put("idx", "two_members.gz", gz(images[:10]) + gz(images[10:]))
put("idx", "truncated_data", images[:-3])
put("idx", "trailing_bytes", images + b"\0\0")
put("idx", "type_float", bytes([0, 0, 0x0D, 1, 0, 0, 0, 1]) + b"\0\0\0\0")
put("idx", "truncated.gz", gz(images)[:-5])

# --- CIFAR-10 binary ---------------------------------------------------------------------------------------
record = bytes([3]) + bytes(i % 256 for i in range(3072))
put("cifar10", "one_record", record)
put("cifar10", "two_records", record + bytes([9]) + bytes(3072))
put("cifar10", "label_10", bytes([10]) + record[1:])
put("cifar10", "partial_record", record[:100])

# --- .npy, written by NumPy ----------------------------------------------------------------------------------
def npy(array, version=None):
    buf = io.BytesIO()
    if version is None:
        np.save(buf, array)
    else:
        np.lib.format.write_array(buf, array, version=version)
    return buf.getvalue()


a = np.arange(6, dtype="<f8").reshape(2, 3) / 4
put("npy", "f8_2x3.npy", npy(a))
put("npy", "f4_3.npy", npy(np.array([1.5, -2.0, 0.25], dtype="<f4")))
put("npy", "scalar.npy", npy(np.float64(3.0)))
put("npy", "empty_0x2.npy", npy(np.zeros((0, 2))))
put("npy", "v2_f8_2x3.npy", npy(a, version=(2, 0)))
put("npy", "fortran.npy", npy(np.asfortranarray(a)))
put("npy", "big_endian.npy", npy(a.astype(">f8")))
put("npy", "int64.npy", npy(np.arange(3)))
put("npy", "truncated.npy", npy(a)[:-4])

# --- solver checkpoints of the fuzz target's model (fc1: 4 -> 3, bn1 over 3 features) -------------------------
# What Solver::load_checkpoint_bytes reads: a checkpoint file without its last 4 bytes (the crc32 that
# load_checkpoint checks first).
def doubles(v):
    return struct.pack("<Q", len(v)) + struct.pack("<%dd" % len(v), *v)


def checkpoint(rule, states_per_param, t, state=0.5, lr=0.01, epochs=1, history=(2.3, 2.1, 0.5, 0.4, 1.0),
               best_val=0.4, best_value=0.0):
    params = [("fc1.w", (4, 3)), ("fc1.b", (3,)), ("bn1.gamma", (3,)), ("bn1.beta", (3,))]
    buffers = [("bn1.running_mean", (3,)), ("bn1.running_var", (3,))]
    out = b"CNNLABCK" + struct.pack("<IQQdI", 2, epochs, 2, lr, rule)  # version 2, 1 epoch of 2 steps done
    out += struct.pack("<dddQQ", 1.0, 0.9, 0.0, 64, 1)  # lr decay, momentum, weight decay, batch, seed
    for arrays in (params, buffers):
        out += struct.pack("<Q", len(arrays))
        for name, shape in arrays:
            n = int(np.prod(shape))
            out += struct.pack("<I", len(name)) + name.encode() + struct.pack("<I", len(shape))
            out += b"".join(struct.pack("<Q", d) for d in shape) + doubles([0.1 * k for k in range(n)])
    for name, shape in params:
        n = int(np.prod(shape))
        out += struct.pack("<I", states_per_param) + b"".join(doubles([state] * n) for _ in range(states_per_param))
        out += struct.pack("<Q", t)
    loss1, loss2, train_acc, val_acc, seconds = history
    out += doubles([loss1, loss2]) + doubles([train_acc]) + doubles([val_acc]) + doubles([seconds])
    out += struct.pack("<Qd", 1, best_val)
    best = [int(np.prod(s)) for _, s in params + buffers]
    out += struct.pack("<Q", len(best)) + b"".join(doubles([best_value] * n) for n in best)
    return out


sgd = checkpoint(0, 0, 0)
put("checkpoint", "sgd.ckpt", sgd)
put("checkpoint", "momentum.ckpt", checkpoint(1, 1, 0))
put("checkpoint", "adam.ckpt", checkpoint(5, 2, 2))  # Adam counts one step per step: 2
put("checkpoint", "adadelta.ckpt", checkpoint(6, 2, 0))
put("checkpoint", "truncated.ckpt", sgd[:-9])
put("checkpoint", "wrong_magic.ckpt", b"CNNLABCX" + sgd[8:])
# Best values larger than the parameter: train() copied them past its end (heap-buffer-overflow), made by hand.
put("checkpoint", "crash-best-values-overflow", sgd[:-8 - sum(8 + 8 * n for n in (12, 3, 3, 3, 3, 3))] +
    struct.pack("<Q", 6) + doubles([1.0] * 40) + b"".join(doubles([0.0] * 3) for _ in range(5)))
# What fuzz_checkpoint found: a huge number of best-value arrays (std::length_error escaped the reader). The
# fuzzer's own input for it was lost; this one does the same. (crash-shape-rank-allocation is the fuzzer's.)
put("checkpoint", "crash-best-count-allocation", sgd[:-8 - sum(8 + 8 * n for n in (12, 3, 3, 3, 3, 3))] +
    struct.pack("<Q", 1 << 61))

# Issue 23: checkpoints whose checksum would match but whose numbers are wrong; each is refused by the reader
# (values not finite, averages of squares below 0, counts out of range), none may reach train().
nan, inf = float("nan"), float("inf")
for name, ck in {
    "bad-state-nan.ckpt": checkpoint(1, 1, 0, state=nan),
    "bad-adam-negative-v.ckpt": checkpoint(5, 2, 1, state=-0.5),
    "bad-adam-step-count.ckpt": checkpoint(5, 2, 1 << 40),
    "bad-lr-nan.ckpt": checkpoint(0, 0, 0, lr=nan),
    "bad-epochs.ckpt": checkpoint(0, 0, 0, epochs=1 << 40),
    "bad-loss-inf.ckpt": checkpoint(0, 0, 0, history=(inf, 2.1, 0.5, 0.4, 1.0)),
    "bad-accuracy.ckpt": checkpoint(0, 0, 0, history=(2.3, 2.1, 0.5, 2.0, 1.0)),
    "bad-seconds.ckpt": checkpoint(0, 0, 0, history=(2.3, 2.1, 0.5, 0.4, -1.0)),
    "bad-best-val-nan.ckpt": checkpoint(0, 0, 0, best_val=nan),
    "bad-best-values-inf.ckpt": checkpoint(1, 1, 0, best_value=-inf),
}.items():
    put("checkpoint", name, ck)

# --- network files: issue 23's family (names too long, bytes that are not text, counts that overflow) ---------
for name, text in {
    "long-layer-name.net": b"input 28x28x1\nconv " + b"a" * 250 + b" K=6 F=5 P=2\nrelu\nfc M=10\n",
    "long-line.net": b"input 28x28x1\nconv c1 K=6 F=5 " + b"x" * 20000 + b"\n",
    "control-bytes.net": b"input 28x28x1\ntitle \x1b]0;title\x07\nconv c\x01\x1b[31m K=6 F=5\n",
    "not-utf8.net": b"input 28x28x1\nconv c1 K=6 F=5 \xff\xfe=\x07\n",
    "overflow-madds.net": b"input 28x28x1\nconv K=1000000 F=1 P=1000000\nconv K=1000000 F=1 P=1000000\n",
    "overflow-jump.net": b"input 28x28x1\n" + b"pool F=1 S=1000000\n" * 4,
}.items():
    put("netfile", name, text)

# --- cnncalc command lines, one argument per line --------------------------------------------------------------
for name, args in {
    "conv": "conv\n--input\n32x32x3\n--filters\n6\n--size\n5",
    "conv_refused": "conv\n--input=227x227x3\n--filters=96\n--size=11\n--stride=3",
    "pool": "pool\n--input\n224x224x64\n--size\n2\n--kind\navg",
    "fc": "fc\n--input\n6x6x256\n--outputs\n4096\n--no-bias",
    "model": "model\nlenet5\n--format\ncsv",
    "model_expand": "model\ngooglenet\n--input\n64x64x3\n--expand\n--format\nmd",
    "models": "models\n--output\nignored.txt",
    "help": "help\nconv",
}.items():
    put("cnncalc", name, args.encode())
