#!/usr/bin/env python3
"""The closing table of ./lab bench: the rows every cnnbench_* program appended to a summary file (tab-separated:
program, case, cnnlab ms, torch ms, cnnlab GFLOP/s, same-run dgemm GFLOP/s; negative = not measured), as one
table of ratios cnnlab / torch and of cnnlab's GFLOP/s as a fraction of the dgemm. Usage:
    tools/bench_table.py SUMMARY [SUMMARY_WITHOUT_CORETYPE]
"""
import sys


def rows(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 6:
                continue
            program, case = parts[0], parts[1]
            cnnlab, torch, gflops, dgemm = (float(v) for v in parts[2:])
            out.append((program, case, cnnlab, torch, gflops, dgemm))
    return out


def fmt(v, spec):
    return format(v, spec) if v > 0 else "-"


def table(title, data):
    print(title)
    head = ("program", "case", "cnnlab ms", "torch ms", "ratio", "GFLOP/s", "of dgemm")
    lines = [head]
    dgemm_seen = -1.0
    for program, case, cnnlab, torch, gflops, dgemm in data:
        if dgemm > 0:
            dgemm_seen = dgemm
        if cnnlab <= 0 and torch <= 0:
            continue  # left out by --benchmark_filter
        ms = ".1f" if program == "train" else ".3f"
        ratio = fmt(cnnlab / torch, ".2f") if cnnlab > 0 and torch > 0 else "-"
        frac = fmt(100 * gflops / dgemm, ".0f") + "%" if gflops > 0 and dgemm > 0 else "-"
        lines.append((program, case, fmt(cnnlab, ms), fmt(torch, ms), ratio, fmt(gflops, ".1f"), frac))
    widths = [max(len(r[i]) for r in lines) for i in range(len(head))]
    for r in lines:
        print("  " + "  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
    if dgemm_seen > 0:
        print(f"  dgemm 1024^3 on OpenBLAS's threads, same run: {dgemm_seen:.1f} GFLOP/s")
    print("  ratio = cnnlab / torch (below 1: cnnlab faster); train rows: ms per epoch of 55,000 images,"
          " cnnlab in float64 against torch in float32")


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    titles = ["\nsummary, OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE as the environment sets them",
              "\nsummary, OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (OpenBLAS picks its kernels for this CPU)"]
    for title, path in zip(titles, sys.argv[1:]):
        data = rows(path)
        if not data:
            sys.exit(f"bench_table: no rows in {path} (did the benchmarks run?)")
        table(title, data)


if __name__ == "__main__":
    main()
