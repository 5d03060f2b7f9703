#!/bin/sh
# make bench-sweep (also part of make bench; bench/README.md): the overhead of
# bin/sweep, its wall time against the sum of its cells' program wall times
# (train + certify + nrc-check, as each cell's record measures them), for
# --jobs 1 and --jobs 2, on 16 small cells (n = 8, d = 2000, k = 16, m = 10,
# 1000 gradient steps, no polish).  overhead = jobs * sweep wall / sum of
# cell walls: 1.00 is a sweep that costs nothing beyond its cells (with 2
# jobs on a machine with fewer than 2 free cores it exceeds 1 by the lack of
# cores, not by the sweep).  Writes bench/out/sweep.csv and bench/out/sweep.md.
set -u
BIN=${BIN:-bin}
OUT=bench/out
export OPENBLAS_NUM_THREADS=1
mkdir -p "$OUT"
SPEC="$OUT/sweep-bench.json"
cat > "$SPEC" <<'J'
{"format": "nrc-sweep", "version": 1, "name": "bench",
 "grids": [{"group": "bench", "train": {"n": 8, "d": 2000, "k": 16, "m": 10, "steps": 1000, "polish": false,
                                         "seed": {"from": 1, "to": 16}}}]}
J
now() { date +%s.%N; }
echo "jobs,cells,sweep_wall_s,cells_wall_sum_s,overhead" > "$OUT/sweep.csv"
for jobs in 1 2; do
    dir="$OUT/sweep-j$jobs"
    rm -rf "$dir"
    t0=$(now)
    "$BIN/sweep" run "$SPEC" -o "$dir" --jobs $jobs --quiet
    rc=$?
    t1=$(now)
    [ $rc -le 1 ] || { echo "bench-sweep: sweep run failed (exit $rc)" >&2; exit 1; }
    "$BIN/sweep" report "$dir" --quiet > /dev/null 2>&1
    # the last 8 columns: 3 wall times, 3 CPU times, 2 hashes (no commas in them)
    awk -F, -v jobs=$jobs -v t0="$t0" -v t1="$t1" 'NR > 1 { s += $(NF-7) + $(NF-6) + $(NF-5); n++ }
        END { w = t1 - t0; printf "%d,%d,%.3f,%.3f,%.3f\n", jobs, n, w, s, (s > 0 ? jobs * w / s : 0) }' \
        "$dir/report/cells.csv" >> "$OUT/sweep.csv"
    rm -rf "$dir"
done
rm -f "$SPEC"
{
    echo "## Sweep overhead (bin/sweep, 16 cells of n = 8, d = 2000, k = 16, 1000 steps)"
    echo
    echo "overhead = jobs x sweep wall time / sum of the cells' train + certify + check wall times (1.00: no overhead)."
    echo
    echo "| jobs | cells | sweep wall s | sum of cell walls s | overhead |"
    echo "|---|---|---|---|---|"
    awk -F, 'NR > 1 { printf "| %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5 }' "$OUT/sweep.csv"
} > "$OUT/sweep.md"
cat "$OUT/sweep.md"
