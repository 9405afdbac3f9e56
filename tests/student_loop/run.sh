#!/usr/bin/env bash
# The student's loop tried as a student would (issue 22): in a fresh handout with every exercise solved (the
# reference bodies, put in by exgen solve), one mistake is planted at a time and `./lab check TOPIC` must name
# it on its `diagnosis:` or stop line:
#   an endless loop in two functions (stopped within 20 s, with the exercise line it was running), a quiet read
#   and a quiet write past an array's end through a raw pointer and a read of an array already freed
#   (AddressSanitizer, with file and line), an output entry never written (NaN), an
#   SVM margin of 0, the stride ignored in one index, batch norm's variance over N - 1, the running mean's
#   momentum the wrong way round, softmax without the row's max, and a wrong batchnorm_backward that must not
#   make batchnorm_backward_alt look FAILING; and "next:" must come from this run.
# Prints the time of each check. Usage: tests/student_loop/run.sh [WORK_DIR] (default: a temporary folder,
# removed at the end). CI runs it (it builds a handout, so it is not part of ctest's suite).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
work=${1:-}
if [[ -z $work ]]; then
  work=$(mktemp -d /tmp/cnnlab_loop_XXXXXX)
  trap 'rm -rf "$work"' EXIT
fi
fail() { echo "student loop: FAILED: $*" >&2; exit 1; }
pass=0
ok() { echo "student loop: ok: $*"; pass=$((pass + 1)); }

./lab handout "$work/h" >/dev/null || fail "./lab handout"
h=$work/h
cp -r solutions "$h/solutions"  # exgen solve reads the reference bodies from there
[[ -x build/student/exgen ]] || { cmake --preset student >/dev/null && cmake --build build/student --target exgen >/dev/null; }
build/student/exgen solve "$h" >/dev/null || fail "exgen solve"
rm -rf "$h/solutions"

# plant FILE OLD NEW: replace the first OLD in exercises/FILE by NEW (the file is restored by unplant)
plant() {
  [[ -f $work/$1.orig ]] || cp "$h/exercises/$1" "$work/$1.orig"
  /usr/bin/python3 - "$h/exercises/$1" "$2" "$3" <<'PY' || fail "the line to change is not in exercises/$1: $2"
import sys
path, old, new = sys.argv[1:4]
text = open(path).read()
if old not in text:
    sys.exit(1)
open(path, "w").write(text.replace(old, new, 1))
PY
}
# (a new time stamp, as an editor gives: the build must see the file change back)
unplant() { mv "$work/$1.orig" "$h/exercises/$1" && touch "$h/exercises/$1"; }

# check TOPIC WHAT PATTERN...: ./lab check TOPIC, which must fail and print every PATTERN (extended regex)
check() {
  local topic=$1 what=$2 start=$SECONDS out p
  shift 2
  out=$(cd "$h" && ./lab check "$topic" 2>&1) && fail "$what: ./lab check $topic passed"
  last_out=$out
  for p in "$@"; do
    grep -qE -- "$p" <<<"$out" || { echo "$out" | tail -40; fail "$what: no line matches '$p'"; }
  done
  ok "$what ($((SECONDS - start)) s): $(grep -m1 -E -- "$1" <<<"$out" | sed 's/^ *//' | cut -c1-240)"
}

start=$SECONDS
first=$(cd "$h" && ./lab check relu 2>&1) || { echo "$first" | tail -30; fail "the solved relu does not pass"; }
grep -q "lab: building" <<<"$first" || fail "the first ./lab check printed no progress line"
ok "first ./lab check relu in the fresh handout: $((SECONDS - start)) s, with a progress line; ends: $(tail -1 <<<"$first")"

plant pool.cpp "for (std::size_t q = 0; q < WW; ++q) sum +=" "for (std::size_t q = 0; q < WW;) sum +="
check pool "an endless loop in avg_pool_forward_naive" \
  "avg_pool_forward_naive did not finish in 20 s: an endless loop\? It was running exercises/pool.cpp:[0-9]+ \(in avg_pool_forward_naive\)" \
  "avg_pool_backward_naive +blocked"
unplant pool.cpp

# the same in max pooling, the index of the outer loop this time
plant pool.cpp "for (std::size_t j = 0; j < Wout; ++j) {
          double m" "for (std::size_t j = 0; j < Wout;) {
          double m"
check pool "an endless loop in max_pool_forward_naive" \
  "max_pool_forward_naive did not finish in 20 s: an endless loop\? It was running exercises/pool.cpp:[0-9]+ \(in max_pool_forward_naive\)" \
  "max_pool_backward_naive +blocked"
unplant pool.cpp

plant relu.cpp "double* dxs = dx.data();" "double* dxs = dx.data();
  dxs[dx.size() + 5] = 1.0;"
check relu "a quiet write 5 entries past the end" \
  "a write past the end \(or before the start\) of an array, at exercises/relu.cpp:[0-9]+ \(in relu_backward\)"
unplant relu.cpp

plant relu.cpp "for (double& v : out) v = v <= 0.0 ? 0.0 : v;" \
  "for (double& v : out) v = v <= 0.0 ? 0.0 : v;
  out.data()[0] += 0.0 * x.data()[x.size() + 5];"
check relu "a quiet read 5 entries past the end" \
  "a read past the end \(or before the start\) of an array, at exercises/relu.cpp:[0-9]+ \(in relu_forward\)"
unplant relu.cpp

plant relu.cpp "for (double& v : out) v = v <= 0.0 ? 0.0 : v;" \
  "for (double& v : out) v = v <= 0.0 ? 0.0 : v;
  const double* gone = nullptr;
  { Tensor copy = x; gone = copy.data(); }
  out.data()[0] += 0.0 * gone[0];"
check relu "a read of an array already freed" \
  "a read of memory already freed \(an array used after it was destroyed\), at exercises/relu.cpp:[0-9]+ \(in relu_forward\)"
unplant relu.cpp

# next: comes from this run: relu's failure above is old when pool is checked and passes
start=$SECONDS
out=$(cd "$h" && ./lab check pool 2>&1) || { echo "$out" | tail -30; fail "the solved pool does not pass"; }
grep -q "failures above" <<<"$out" && fail "a passing ./lab check pool points at failures above: $(tail -1 <<<"$out")"
grep -qE "next: fix relu_forward in exercises/relu.cpp:[0-9]+ \(it failed at your last ./lab check relu" <<<"$out" ||
  fail "next: after an old relu failure: $(tail -1 <<<"$out")"
ok "next: comes from this run ($((SECONDS - start)) s): $(tail -1 <<<"$out" | cut -c1-200)"

plant affine.cpp "Tensor2 out = xt::zeros<double>({N, M});" "Tensor2 out = Tensor2::from_shape({N, M});"
plant affine.cpp "for (std::size_t m = 0; m < M; ++m) {" "for (std::size_t m = 0; m + 1 < M; ++m) {"
check affine "an output column never written (NaN)" "a NaN where a number belongs may be an entry your code never wrote"
unplant affine.cpp

plant svm.cpp "const double delta = 1.0;" "const double delta = 0.0;"
check svm "an SVM margin of 0" "diagnosis: .*(margin|constant)"
unplant svm.cpp

plant conv.cpp "xpad(n, c, i * S + p, j * S + q);" "xpad(n, c, i + p, j * S + q);"
check conv "the stride ignored in the row index" "diagnosis: .*row index ignores the stride"
unplant conv.cpp

plant batchnorm.cpp "var(d) /= static_cast<double>(N);" "var(d) /= static_cast<double>(N - 1);"
check batchnorm "batch norm's variance over N - 1" "diagnosis: .*N - 1"
unplant batchnorm.cpp

plant batchnorm.cpp "state.running_mean(d) = m * state.running_mean(d) + (1.0 - m) * mean(d);" \
  "state.running_mean(d) = (1.0 - m) * state.running_mean(d) + m * mean(d);"
check batchnorm "the running mean's momentum the wrong way round" "diagnosis: .*momentum"
unplant batchnorm.cpp

plant softmax.cpp "double row_max = x(n, 0);" "double row_max = 0.0;"
plant softmax.cpp "for (std::size_t k = 1; k < K; ++k) row_max = std::max(row_max, x(n, k));" ""
check softmax "softmax without the row's max" "diagnosis: .*exp overflowed. Subtract each row's maximum"
unplant softmax.cpp

plant batchnorm.cpp "dc[n] = dxhat[n] / s + 2.0 / Nd * c[n] * dvar;" "dc[n] = dxhat[n] / s + 3.0 / Nd * c[n] * dvar;"
check batchnorm "a wrong batchnorm_backward (batchnorm_backward_alt is not charged)" "batchnorm_backward +FAILING"
grep -qE "batchnorm_backward_alt +FAILING" <<<"$last_out" &&
  fail "a correct batchnorm_backward_alt is shown FAILING because batchnorm_backward fails"
unplant batchnorm.cpp

echo "student loop: $pass checks passed"
