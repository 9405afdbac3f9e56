#!/usr/bin/env bash
# The handout and the grader, tried as a teacher would (CI runs this; it builds a handout and three grading
# trees, so it is not part of ctest's suite):
#   1. ./lab handout writes a repository with no reference body and no BEGIN SOLUTION marker in any file;
#   2. in a fresh clone of it the README's test command passes (stubs skipped), the docs build, cnncalc runs, and
#      a program that needs an exercise names it and stops;
#   3. ./lab grade --student: untouched stubs score 0; a perfect student (the reference bodies, put in by
#      exgen solve) scores full points; one wrong function loses exactly that function's points.
# Students who cheat or break the grader, a class at once, and ./lab check against ./lab grade: tests/grading/run.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
work=$(mktemp -d /tmp/cnnlab_handout_XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "handout test: FAILED: $*" >&2; exit 1; }
pass=0
ok() { echo "handout test: ok: $*"; pass=$((pass + 1)); }

# a flag or argument without its value: exit status 2 and the usage, like every mistake on the command line
for args in "handout" "grade --student" "grade --class" "suite"; do
  set +e
  ./lab $args >/dev/null 2>"$work/usage.err"
  status=$?
  set -e
  [[ $status == 2 ]] && grep -q "^usage: ./lab" "$work/usage.err" ||
    fail "./lab $args without its value: exit $status, $(head -c 200 "$work/usage.err")"
done
ok "./lab handout, grade --student, grade --class and suite without their value exit 2 with the usage"

./lab handout "$work/handout" || fail "./lab handout exited with $?"
[[ ! -d $work/handout/solutions ]] || fail "the handout has solutions/"
! grep -rIlE '^[[:space:]]*// BEGIN SOLUTION' "$work/handout" || fail "a BEGIN SOLUTION marker is in the handout"
# no reference body: no run of three consecutive code lines of a solution region stands in any handout file
# outside src/ (the library, whose fast runtime paths a handout keeps: the fast convolution is the reference
# conv_im2col's own helper, and the runtime's update rules are the update rules)
/usr/bin/python3 - "$work/handout" <<'PY' || fail "a reference body is in the handout"
import pathlib, re, sys
root = pathlib.Path(sys.argv[1])
texts = {p: "\n".join(l.strip() for l in p.read_text(errors="replace").splitlines())
         for p in root.rglob("*") if p.is_file() and ".git" not in p.parts
         and p.relative_to(root).parts[0] != "src"}
leaks = 0
for sol in sorted(pathlib.Path("solutions").glob("*.cpp")):
    for m in re.finditer(r"// BEGIN SOLUTION (\w+)\n(.*?)// END SOLUTION", sol.read_text(), re.S):
        code = [l.strip() for l in m.group(2).splitlines() if l.strip() and not l.strip().startswith("//")]
        for k in range(len(code) - 2):
            run = "\n".join(code[k:k + 3])
            if len(run) < 40:
                continue
            for p, t in texts.items():
                if run in t:
                    print(f"{sol}: {m.group(1)}: lines '{code[k]}' ... stand in {p}")
                    leaks += 1
                    break
sys.exit(1 if leaks else 0)
PY
ok "the handout has no solutions/, no marker and no reference body ($(cd "$work/handout" && git ls-files | wc -l) files)"

git clone -q "$work/handout" "$work/clone"
(cd "$work/clone" && ./lab test) >"$work/handout_test.log" 2>&1 || { tail -40 "$work/handout_test.log"; fail "./lab test in a clone of the handout"; }
grep -E "tests passed|tests failed" "$work/handout_test.log" | tail -1
ok "./lab test passes in a fresh clone of the handout"
(cd "$work/clone" && ./lab docs) >"$work/handout_docs.log" 2>&1 || { tail -30 "$work/handout_docs.log"; fail "./lab docs in the handout"; }
grep -q "waits for not implemented" "$work/handout_docs.log" || fail "the handout's figures did not wait for the student's functions"
ok "./lab docs builds in the handout (figures that need an exercise say which function draws them)"
"$work/clone/build/release/cnncalc" conv --input 32x32x3 --filters 10 --size 5 --stride 1 --pad 2 >/dev/null ||
  fail "cnncalc in the handout"
set +e
out=$("$work/clone/build/release/lectures/gradient_check_tour" 2>&1); status=$?
set -e
[[ $status -eq 1 && $out == *"not written yet"*"exercises/relu.cpp"* ]] ||
  fail "gradient_check_tour on stubs: exit $status, expected 1 naming the exercises; it said: $out"
ok "a walkthrough that needs exercises names them and stops: $(echo "$out" | head -1 | cut -c1-120)"

grade_total() { # prints "got max" from the table's total line
  ./lab grade --student "$1" "${@:2}" >"$work/grade.log" 2>&1 || { cat "$work/grade.log"; fail "./lab grade --student $1"; }
  awk '/^total/ { print $2, $4 }' "$work/grade.log"
}
read -r got max < <(grade_total "$work/clone")
[[ $got == 0 ]] || fail "untouched stubs scored $got of $max"
ok "untouched stubs: $got / $max"

cp -r "$work/clone" "$work/perfect"
cp -r solutions "$work/perfect/solutions"  # exgen solve reads the reference bodies from there
build/student/exgen solve "$work/perfect" >/dev/null || fail "exgen solve"
rm -rf "$work/perfect/solutions"
read -r got max < <(grade_total "$work/perfect")
all_points=$(awk '!/^[[:space:]]*#/ && NF { s += $3 } END { print s }' tests/course.txt)
required=$(awk '!/^[[:space:]]*#/ && NF && $4 != "optional" { s += $3 } END { print s }' tests/course.txt)
[[ $got == "$all_points" && $max == "$required" ]] ||
  { cat "$work/grade.log"; fail "the perfect student scored $got of $max, expected $all_points (with extra credit) of $required"; }
ok "a perfect student: $got / $max (the required total; optional functions are extra credit)"
cp build/grade/results.json "$work/results.json"
/usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['score'] == sum(t['score'] for t in d['tests']); assert all({'name','score','max_score','output'} <= set(t) for t in d['tests'])" "$work/results.json" ||
  fail "results.json is not in Gradescope's format"
ok "results.json has Gradescope's fields and its score is the sum of its tests"

# one wrong function: relu_backward passes the gradient through everywhere (forgets the mask)
cp -r "$work/perfect" "$work/wrong"
/usr/bin/python3 - "$work/wrong/exercises/relu.cpp" <<'PY'
import re, sys
p = sys.argv[1]
s = open(p).read()
body = re.search(r"(// BEGIN EXERCISE relu_backward\n)(.*?)(\s*// END EXERCISE)", s, re.S)
s = s[:body.start(2)] + "  return {dout};" + s[body.end(2):]
open(p, "w").write(s)
PY
./lab grade --student "$work/wrong" relu softmax >"$work/grade.log" 2>&1 || { cat "$work/grade.log"; fail "grade of the wrong student"; }
cat "$work/grade.log"
want_backward=$(awk '$2 == "relu_backward" { print $3 }' tests/course.txt)
read -r got max < <(awk '/^total/ { print $2, $4 }' "$work/grade.log")
full=$(awk '!/^[[:space:]]*#/ && ($1 == "relu" || $1 == "softmax") { s += $3 } END { print s }' tests/course.txt)
lost=$(awk -v g="$got" -v m="$full" 'BEGIN { print m - g }')
[[ $lost == "$want_backward" ]] || fail "a wrong relu_backward lost $lost points, expected exactly its $want_backward"
awk '$2 == "relu_forward" { exit !($4 == $6) }' "$work/grade.log" || fail "relu_forward lost points for relu_backward's mistake"
ok "a wrong relu_backward loses exactly its $want_backward points ($got / $max for relu and softmax)"

echo "$pass passed, 0 failed"
