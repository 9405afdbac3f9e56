#!/usr/bin/python3
"""The files a student's exercises may include: the course's headers (src/) and the system's (/usr), nothing else.

usage: includes.py COMPILE_COMMANDS.json STAGE_EXERCISES_DIR SRC_DIR

./lab grade compiles a student's files outside the sandbox (the compiler is the teacher's), so before it does,
this runs the preprocessor alone (-M: the list of files a compilation reads, nothing compiled) on each of
them with the build's own flags, and refuses a file that reads anything outside /usr, SRC_DIR and the
student's own folder: `#include "../../../../solutions/relu.cpp"` or a test's known answers would otherwise
hand the student the teacher's files. Files already found clean (by content) are remembered beside the
compile commands. Exit 0 when every file is clean; else 1, with one line per refused file:
"exercises/relu.cpp: refused: it includes <path>, outside the course's headers".
"""
import concurrent.futures
import hashlib
import json
import os
import shlex
import subprocess
import sys


def compiler_command(entry):
    """The entry's compiler call without the launcher (ccache) and without -o/-c, plus -M."""
    args = shlex.split(entry["command"]) if "command" in entry else list(entry["arguments"])
    start = next(i for i, a in enumerate(args) if a.endswith(("c++", "g++", "clang++")) and "ccache" not in a)
    out, skip = [], False
    for a in args[start:]:
        if skip:
            skip = False
            continue
        if a == "-o":
            skip = True
            continue
        if a == "-c":
            continue
        out.append(a)
    return out[:1] + ["-M"] + out[1:]


def dependencies(make_rule, directory):
    text = make_rule.replace("\\\n", " ")
    _, _, deps = text.partition(": ")
    return [os.path.realpath(os.path.join(directory, d)) for d in deps.split()]


def main():
    commands, stage, src = sys.argv[1], os.path.realpath(sys.argv[2]), os.path.realpath(sys.argv[3])
    entries = [e for e in json.load(open(commands))
               if os.path.realpath(os.path.join(e["directory"], e["file"])).startswith(stage + os.sep)]
    memory = os.path.join(os.path.dirname(commands), "includes_clean.txt")
    clean = set(open(memory).read().split()) if os.path.exists(memory) else set()
    allowed = ("/usr/", src + os.sep, stage + os.sep)

    def check(entry):
        path = os.path.realpath(os.path.join(entry["directory"], entry["file"]))
        digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
        if digest in clean:
            return digest, None
        run = subprocess.run(compiler_command(entry), cwd=entry["directory"], capture_output=True, text=True,
                             errors="replace")
        shown = "exercises/" + os.path.basename(path)
        if run.returncode != 0:  # the compiler says why (a missing header, a syntax error in a directive)
            first = next((l for l in run.stderr.splitlines() if "error" in l), run.stderr.strip()[:300])
            return None, first.replace(os.path.dirname(path) + os.sep, "exercises/")
        outside = [d for d in dependencies(run.stdout, entry["directory"]) if not d.startswith(allowed)]
        if outside:
            return None, f"{shown}: refused: it includes {outside[0]}, outside the course's headers (src/)"
        return digest, None

    problems = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for digest, problem in pool.map(check, entries):
            if problem:
                problems.append(problem)
            else:
                clean.add(digest)
    with open(memory + ".tmp", "w") as f:
        f.write("\n".join(sorted(clean)) + "\n")
    os.replace(memory + ".tmp", memory)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
