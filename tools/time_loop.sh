#!/usr/bin/env bash
# Times the student's loop, as issue "the student's loop" asks: an edit of an exercise -> the result of
# ./lab check (median of RUNS, warm build), for relu and for conv, and the first ./lab check on a fresh clone
# (ccache off, as on a new machine). Leaves exercises/ as it found them. Measure on an idle machine (uptime).
#   tools/time_loop.sh [edits|fresh|all]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
runs=${RUNS:-5}
what=${1:-all}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
now() { date +%s.%N; }

# time_edit TOPIC FILE FUNCTION...: the reference bodies of FUNCTION... in exercises/FILE, then RUNS edits of
# the first function's region, each followed by ./lab check TOPIC
time_edit() {
  local topic=$1 file=exercises/$2 backup times=() i t0 first
  shift 2
  first=$1
  backup=$(mktemp)
  cp "$file" "$backup"
  trap 'cp "$backup" "$file"' RETURN
  [[ -x build/student/exgen ]] || ./lab check "$topic" >/dev/null || true
  build/student/exgen solve . "$@" >/dev/null
  ./lab check "$topic" >/dev/null || true  # warm: the first build after writing the bodies
  for ((i = 1; i <= runs; i++)); do
    # a statement no earlier build has seen (a comment alone can be a ccache hit)
    sed -i "/BEGIN EXERCISE $first\$/a\\  static_assert($(date +%s%N) > 0);  // edit $i of the timing run" "$file"
    t0=$(now)
    ./lab check "$topic" >/dev/null || true
    times+=("$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')")
  done
  echo "edit $file ($first) -> ./lab check $topic: median $(printf '%s\n' "${times[@]}" | median) s of ${times[*]} s (load: $(cut -d' ' -f1-3 /proc/loadavg))"
}

if [[ $what == edits || $what == all ]]; then
  time_edit relu relu.cpp relu_forward relu_backward
  time_edit conv conv.cpp conv_forward_naive conv_backward_naive
fi
if [[ $what == fresh || $what == all ]]; then
  dir=$(mktemp -d /tmp/cnnlab_fresh_XXXXXX)
  git clone -q . "$dir/cnnlab"
  t0=$(now)
  (cd "$dir/cnnlab" && CCACHE_DISABLE=1 ./lab check >/dev/null) || true
  echo "first ./lab check on a fresh clone (no ccache): $(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.0f", b - a }') s (load: $(cut -d' ' -f1-3 /proc/loadavg))"
  rm -rf "$dir"
fi
