#!/usr/bin/env bash
# The grader against students who try to cheat or break it (CI runs this; it builds the judge and a student
# build of a copy of the tree, so it is not part of ctest's suite). It plants a class of ten students:
#   perfect   every reference body                        stubs     untouched stubs
#   exit0     svm_loss calls std::exit(0)                  liar      softmax_loss prints "All tests passed"
#   forger    affine_backward writes full-marks results.json and junit.xml wherever it can and a forged answer
#             into the runner's answer pipe, then gives zeros
#   reader    relu_backward reads the tests' known answers from the tree and returns them when it can
#   looper    max_pool_backward_naive never returns        crasher   conv_backward_im2col writes through null
#   broken    dropout.cpp does not compile                 absent    optim.cpp is not handed in
# then checks, from build/grade/class.csv, that each gets exactly the points of the functions it really wrote
# (the cheats 0 for the function they cheat in, everything else its points; broken 0 in all; absent 0 for
# optim.cpp's functions), that results.json has Gradescope's fields and adds up, and that ./lab check and
# ./lab grade give the same verdict per function on a student with honest mistakes. It prints the class's
# grade time beside one student's (the issue asks for at most 3x; timings are not failed on a shared machine).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
work=$(mktemp -d /tmp/cnnlab_grading_XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "grading test: FAILED: $*" >&2; exit 1; }
pass=0
ok() { echo "grading test: ok: $*"; pass=$((pass + 1)); }

# --- the class ----------------------------------------------------------------------------------------------
cmake --preset student >/dev/null && cmake --build build/student --target exgen -j 2 >/dev/null
build/student/exgen handout . "$work/stubs" >/dev/null
mkdir -p "$work/class"
cp -r "$work/stubs" "$work/class/stubs"
cp -r "$work/stubs" "$work/perfect" && cp -r solutions "$work/perfect/solutions"
build/student/exgen solve "$work/perfect" >/dev/null && rm -rf "$work/perfect/solutions"
plant() {  # plant STUDENT FILE FUNCTION BODY: STUDENT is perfect except FUNCTION's body in exercises/FILE
  cp -r "$work/perfect" "$work/class/$1"
  /usr/bin/python3 - "$work/class/$1/exercises/$2" "$3" "$4" <<'PY'
import re, sys
path, function, body = sys.argv[1:]
s = open(path).read()
m = re.search(r"(// BEGIN EXERCISE " + function + r"\n)(.*?)(\s*// END EXERCISE)", s, re.S)
s = s[:m.start(2)] + body + s[m.end(2):]
open(path, "w").write("#include <cstdio>\n#include <cstdlib>\n#include <fstream>\n#include <sstream>\n#include <unistd.h>\n" + s)
PY
}
cp -r "$work/perfect" "$work/class/perfect"
plant exit0 svm.cpp svm_loss '  std::exit(0);'
plant liar softmax.cpp softmax_loss '  std::puts("===============================================================================");
  std::puts("All tests passed (64 assertions in 12 test cases)");
  std::fflush(stdout);
  return {0.0, xt::zeros<double>(x.shape())};'
plant forger affine.cpp affine_backward '  const char* json = "{\"score\": 110, \"tests\": [{\"name\": \"all\", \"score\": 110, \"max_score\": 110}]}";
  const char* xml = "<?xml version=\"1.0\"?><testsuite tests=\"1\" failures=\"0\"><testcase name=\"x\" status=\"run\"/></testsuite>";
  for (const char* dir : {".", "..", "../..", "build/grade", "build/grade/results", "/tmp", "results"}) {
    std::ofstream(std::string(dir) + "/results.json") << json;
    std::ofstream(std::string(dir) + "/junit.xml") << xml;
    std::ofstream(std::string(dir) + "/zz_forged.xml") << xml;
  }
  std::puts(xml);
  // and a forged answer straight into the pipe the answers travel on: a length no answer has
  (void)!::write(4, "\xff\xff\xff\xff\xff\xff\xff\x7f forged", 15);
  return {xt::zeros<double>(cache.x.shape()), xt::zeros<double>(cache.w.shape()), xt::zeros<double>(cache.b.shape())};'
plant reader relu.cpp relu_backward '  // the answers of the tests, read from the tree when it can be reached: the mask by way of the test sources
  std::string text;
  for (const char* p : {"tests/test_relu.cpp", "../tests/test_relu.cpp", "../../tests/test_relu.cpp",
                        "../../../tests/test_relu.cpp", "../../../../tests/test_relu.cpp", __FILE__ "/../../tests/test_relu.cpp"}) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    if (in && !ss.str().empty()) text = ss.str();
  }
  if (text.find("relu_backward") == std::string::npos) return {Tensor(xt::zeros<double>(dout.shape()))};
  return {Tensor(dout * xt::cast<double>(cache.x > 0.0))};'
plant looper pool.cpp max_pool_backward_naive '  for (volatile int spin = 0;; spin = spin + 1) {
  }'
plant crasher conv_im2col.cpp conv_backward_im2col '  volatile double* nowhere = nullptr;
  *nowhere = 1.0;
  return {};'
plant broken dropout.cpp dropout_backward '  return {dout * cache.mask   // a parenthesis that is never closed'
cp -r "$work/perfect" "$work/class/absent" && rm "$work/class/absent/exercises/optim.cpp"

# --- one honest student, then the class ------------------------------------------------------------------------
# the first grade builds the judge (what a teacher's first grade costs); the timed ones reuse it
rm -rf build/grade/.judge
t0=$SECONDS
./lab grade --student "$work/class/perfect" >"$work/one_warm.log" 2>&1 || { cat "$work/one_warm.log"; fail "grade of perfect"; }
t_first=$((SECONDS - t0))
t0=$SECONDS
./lab grade --student "$work/class/perfect" >"$work/one.log" 2>&1 || { cat "$work/one.log"; fail "grade of perfect"; }
t_one=$((SECONDS - t0))
cp build/grade/results.json "$work/perfect.json"
t0=$SECONDS
./lab grade --class "$work/class" >"$work/class.log" 2>&1 || { cat "$work/class.log"; fail "./lab grade --class"; }
t_class=$((SECONDS - t0))
cat "$work/class.log"
cat build/grade/class.csv
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / (b > 0 ? b : 1) }'; }
echo "grading test: times on this machine: the first grade (judge built from nothing, with ccache) $t_first s;" \
     "then one honest student $t_one s, the class of 10 $t_class s: $(ratio "$t_class" "$t_one")x a warm single grade," \
     "$(ratio "$((t_first - t_one + t_class))" "$t_first")x a first single grade (both counting one judge build)"

# --- every student gets exactly the points it earns ----------------------------------------------------------
/usr/bin/python3 - build/grade/class.csv tests/course.txt <<'PY' || fail "class.csv does not hold the points the students earn"
import csv, glob, re, sys
rows = {r["name"]: r for r in csv.DictReader(open(sys.argv[1]))}
course = [l.split() for l in open(sys.argv[2]) if l.strip() and not l.lstrip().startswith("#")]
order = [c[1] for c in course]
points = {c[1]: float(c[2]) for c in course}
optional = {c[1] for c in course if len(c) > 3 and c[3] == "optional"}
# every test case's [fn:] tags (the public tests and the hidden cases); a test grades the last in course order
tests = []
for path in sorted(glob.glob("tests/test_*.cpp")) + ["tests/grading/hidden_cases.cpp"]:
    text = open(path).read()
    for m in re.finditer(r"TEST_CASE\((.*?)\)\s*\{", text, re.S):
        fns = re.findall(r"\[fn:(\w+)\]", m.group(1))
        if fns:
            tests.append((fns, max(fns, key=order.index)))
# a required function's tests never need an optional one
bad = [(g, f) for fns, g in tests for f in fns if g not in optional and f in optional]
for g, f in bad:
    print(f"a test of the required {g} needs the optional {f}")
def earned_zero(cheats):  # the cheating functions and those whose tests call them
    return set(cheats) | {g for fns, g in tests if set(fns) & set(cheats)}
lost = {"perfect": set(), "exit0": earned_zero(["svm_loss"]), "liar": earned_zero(["softmax_loss"]),
        "forger": earned_zero(["affine_backward"]), "reader": earned_zero(["relu_backward"]),
        "looper": earned_zero(["max_pool_backward_naive"]), "crasher": earned_zero(["conv_backward_im2col"]),
        "broken": set(points), "absent": {"sgd", "sgd_momentum", "nesterov", "adagrad", "rmsprop", "adam", "adadelta"},
        "stubs": set(points)}
required_total = sum(v for f, v in points.items() if f not in optional)
for name, gone in lost.items():
    if name not in rows:
        print(f"{name}: no row in class.csv"); bad.append(name); continue
    row = rows[name]
    for f, v in points.items():
        want = 0.0 if f in gone else v
        if float(row[f]) != want:
            print(f"{name}: {f} scored {row[f]}, expected {want}"); bad.append(name)
    want_total = sum(0.0 if f in gone else v for f, v in points.items())
    if float(row["total"]) != want_total or float(row["required_total"]) != required_total:
        print(f"{name}: total {row['total']} / {row['required_total']}, expected {want_total} / {required_total}"); bad.append(name)
    print(f"{name}: {row['total']} / {row['required_total']}, 0 for: {', '.join(f for f in order if f in gone) or '-'}")
sys.exit(1 if bad else 0)
PY
ok "each of the 10 planted students gets exactly the points it earns (the cheats 0 for the cheating function)"

for s in perfect forger looper absent broken; do
  /usr/bin/python3 - "build/grade/$s/results.json" "$s" <<'PY' || fail "$s's results.json"
import json, sys
d = json.load(open(sys.argv[1]))
assert abs(d["score"] - sum(t["score"] for t in d["tests"])) < 1e-9, "score is not the sum of the tests"
assert all({"name", "score", "max_score", "output"} <= set(t) for t in d["tests"])
extra = [t for t in d["tests"] if "(extra credit)" in t["name"]]
assert extra and all(t["max_score"] == 0 for t in extra), "optional functions are not extra credit"
name = sys.argv[2]
out = {t["name"].split(": ")[1].split(" ")[0]: t["output"] for t in d["tests"]}
if name == "looper":
    assert "did not finish" in out["max_pool_backward_naive"], out["max_pool_backward_naive"]
if name == "absent":
    assert "not handed in" in out["sgd"], out["sgd"]
if name == "broken":
    assert "the build failed" in out["relu_forward"] and "dropout.cpp" in out["relu_forward"], out["relu_forward"]
PY
done
grep -q "did not finish" build/grade/looper/junit.xml || fail "the looper's junit.xml does not say it ran out of time"
ok "results.json adds up, optional functions are extra credit, and the outputs say why (time, not handed in, build)"
loop_secs=$(grep -o 'time="[0-9.]*"' build/grade/looper/junit.xml | cut -d'"' -f2 | sort -n | tail -1)
echo "grading test: the looper's slowest test took $loop_secs s (a call's limit is 20 s; later tests are not run again)"

# a single grade starts from nothing: the broken student's grade after the perfect one's holds no old points
./lab grade --student "$work/class/broken" >"$work/broken.log" 2>&1 || { cat "$work/broken.log"; fail "grade of broken"; }
/usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(d['score'] != 0)" build/grade/results.json ||
  fail "a build that fails left points in build/grade/results.json"
grep -q "the build failed" build/grade/junit.xml || fail "junit.xml after a failed build is an old one"
ok "a failed build after a perfect grade: results.json 0 points with the compiler's error, a fresh junit.xml"

# --- ./lab check and ./lab grade agree, function by function, on honest mistakes ------------------------------------
cp -r "$work/perfect" "$work/mistakes"
mistake() {  # mistake FILE FUNCTION PYTHON-REGEX REPLACEMENT: one wrong line in one body
  /usr/bin/python3 - "$work/mistakes/exercises/$1" "$2" "$3" "$4" <<'PY'
import re, sys
path, function, pattern, repl = sys.argv[1:]
s = open(path).read()
m = re.search(r"// BEGIN EXERCISE " + function + r"\n(.*?)// END EXERCISE", s, re.S)
body, n = re.subn(pattern, repl, m.group(1), count=1)
assert n == 1, f"{function}: no {pattern}"
open(path, "w").write(s[:m.start(1)] + body + s[m.end(1):])
PY
}
mistake relu.cpp relu_backward 'xs\[i\] <= 0\.0 \? 0\.0 : d' 'd'                       # the mask forgotten
mistake conv.cpp conv_forward_naive 'double sum = b\(f\);' 'double sum = 0.0;'          # the bias left out
mistake pool.cpp max_pool_backward_naive 'i \* S \+ p_max, j \* S \+ q_max' 'i * S + q_max, j * S + p_max'
mistake batchnorm.cpp batchnorm_forward 'm \* state\.running_mean\(d\) \+ \(1\.0 - m\) \* mean\(d\)' \
  '(1.0 - m) * state.running_mean(d) + m * mean(d)'                                     # the momentum mixed up
mkdir -p "$work/tree" && git ls-files -z | xargs -0 cp --parents -t "$work/tree"
cp "$work/mistakes"/exercises/*.cpp "$work/tree/exercises/"
(cd "$work/tree" && ./lab check) >"$work/check.log" 2>&1 || true
./lab grade --student "$work/mistakes" >"$work/mistakes.log" 2>&1 || { cat "$work/mistakes.log"; fail "grade of mistakes"; }
/usr/bin/python3 - "$work/check.log" build/grade/results.json <<'PY' || { cat "$work/check.log"; fail "./lab check and ./lab grade disagree"; }
import json, re, sys
check = {}
for line in open(sys.argv[1]):
    m = re.match(r"  (\w+)\s+(passing|FAILING|blocked|not written)", line)
    if m:
        check[m.group(1)] = m.group(2) == "passing"
grade = {t["name"].split(": ")[1].split(" ")[0]: t["score"] > 0 for t in json.load(open(sys.argv[2]))["tests"]}
bad = [f for f in grade if f in check and check[f] != grade[f]]
for f in bad:
    print(f"{f}: ./lab check says {'passing' if check[f] else 'not passing'}, ./lab grade gives {'points' if grade[f] else '0'}")
assert len(check) == len(grade), f"./lab check listed {len(check)} functions, ./lab grade {len(grade)}"
failing = sorted(f for f in grade if not grade[f])
print("planted mistakes fail in both:", ", ".join(failing))
sys.exit(1 if bad or len(failing) < 3 else 0)
PY
ok "./lab check and ./lab grade give the same verdict for every function on a student with planted mistakes"

echo "$pass passed, 0 failed"
