#!/bin/sh
# Runs every test program (build/tests/t-*) and CLI script (tests/cli/*.sh),
# counts their PASS / FAIL lines and prints "N passed, N failed".  A line
# "SKIP name: reason" (a test that cannot run on this machine, e.g. Slurm
# without root) is counted as skipped, never as passed, and listed.
# A program that exits non-zero without printing FAIL counts as one failure.
BUILD=${BUILD:-build}
BIN=${BIN:-bin}
export BIN BUILD
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
TIMEOUT=${NRC_TEST_TIMEOUT:-900}
top=$(pwd)
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
pass=0
fail=0
skipped=0
skips=""
run_one() { # name, command...
    name=$1; shift
    out="$log/out"
    timeout "$TIMEOUT" "$@" > "$out" 2>&1
    rc=$?
    p=$(grep -c '^PASS ' "$out")
    f=$(grep -c '^FAIL ' "$out")
    k=$(grep -c '^SKIP ' "$out")
    grep '^SKIP ' "$out"
    if [ "$k" -gt 0 ]; then skips="$skips $name"; fi
    skipped=$((skipped + k))
    grep -E '^(FAIL|     )' "$out" | head -50
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "FAIL $name: exited with status $rc without reporting a failure; last lines:"
        tail -n 15 "$out" | sed 's/^/    /'
        f=1
    fi
    if [ "$rc" -eq 0 ] && [ "$f" -ne 0 ]; then
        echo "FAIL $name: reported failures but exited 0"
    fi
    printf '%-36s %4d passed %4d failed\n' "$name" "$p" "$f"
    pass=$((pass + p)); fail=$((fail + f))
}
for t in "$BUILD"/tests/t-*; do
    [ -x "$t" ] || continue
    run_one "$(basename "$t")" "$t"
done
for s in tests/cli/*.sh; do
    [ -f "$s" ] || continue
    run_one "cli/$(basename "$s" .sh)" sh "$top/$s"
done
if [ "$skipped" -gt 0 ]; then echo "$skipped skipped (not counted as passed):$skips"; fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
