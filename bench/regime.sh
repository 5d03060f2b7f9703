#!/bin/sh
# make bench-regime (also part of make bench; bench/README.md): the paper's
# regime, d much larger than n^2 (eps_data <= 0.1 needs d of order (30 n)^2),
# where the model file is large and memory, not time, stops a user.  For each
# shape: CPU seconds and peak resident memory (GNU time) of `train`,
# `certify` and `nrc-check`, the model file's size, and the limit measured
# on the same file in the same run (build/bench/limit: read the file, hash
# it, one plain forward + gradient pass).  Writes bench/out/regime.csv and
# bench/out/regime.md.
#   REGIME="n d k m ..."   shapes (default: 20 400000 40 10  32 1000000 16 10)
#   BENCH_QUICK=1          small shapes (smoke test of the script)
set -u
BUILD=${BUILD:-build}
BIN=${BIN:-bin}
OUT=bench/out
TIME=/usr/bin/time
export OPENBLAS_NUM_THREADS=1
[ -x "$TIME" ] || { echo "bench-regime: $TIME (GNU time) is needed for CPU time and peak memory" >&2; exit 2; }
REGIME=${REGIME:-"20 400000 40 10  32 1000000 16 10"}
[ "${BENCH_QUICK:-0}" = 1 ] && REGIME="20 40000 40 10"
mkdir -p "$OUT/models"
T0=$(date +%s)
note() { printf 'bench-regime: %s (%ss)\n' "$*" "$(( $(date +%s) - T0 ))" >&2; }
CSV="$OUT/regime.csv"
echo "n,d,k,m,file_bytes,read_s,hash_s,plain_s,limit_s,program,cpu_s,wall_s,maxrss_kb,exit" > "$CSV"
# run PROGRAM cmd...: one line of CPU (user + sys), wall, peak RSS, exit code
run() {
    _p=$1
    shift
    "$TIME" -f '%U %S %e %M' -o "$OUT/regime-time.txt" "$@" > /dev/null 2> "$OUT/regime-stderr.txt"
    _rc=$?
    tail -n 1 "$OUT/regime-time.txt" | awk -v pre="$PRE" -v p="$_p" -v rc="$_rc" \
        '{ printf "%s,%s,%.3f,%.3f,%s,%s\n", pre, p, $1 + $2, $3, $4, rc }' >> "$CSV"
    return $_rc
}
set -- $REGIME
while [ $# -ge 4 ]; do
    n=$1 d=$2 k=$3 m=$4
    shift 4
    f="$OUT/models/regime-${n}x${d}x${k}.bin"
    note "model $n x $d x $k (m = $m): train"
    PRE="$n,$d,$k,$m,,,,,"
    run train "$BIN/train" -n "$n" -d "$d" -k "$k" -m "$m" --steps 100 --init-scale 0.01 \
        --no-polish --quiet -o "$f" || { echo "bench-regime: train failed" >&2; cat "$OUT/regime-stderr.txt" >&2; exit 1; }
    note "limit (read + hash + one plain pass)"
    LIM=$("$BUILD/bench/limit" "$f" | sed -n 2p) || { echo "bench-regime: limit failed" >&2; exit 1; }
    PRE="$n,$d,$k,$m,$LIM"
    # the train line gets the file's size and the limit too
    sed -i "\$s/^$n,$d,$k,$m,,,,,,/$PRE,/" "$CSV"
    note "certify"
    run certify "$BIN/certify" --quiet -o "$f.cert.json" "$f" ||
        { echo "bench-regime: certify exited non-zero" >&2; cat "$OUT/regime-stderr.txt" >&2; }
    note "nrc-check"
    run check "$BIN/nrc-check" "$f.cert.json" "$f" ||
        { echo "bench-regime: nrc-check exited non-zero" >&2; cat "$OUT/regime-stderr.txt" >&2; }
    rm -f "$f" "$f.cert.json"
done
rm -f "$OUT/regime-time.txt" "$OUT/regime-stderr.txt"
awk -F, '
function r(x) { return x == "" ? "-" : sprintf("%.3g", x) }
NR == 1 { next }
{
    K = $1 "x" $2 "x" $3 " (m " $4 ")"
    if (!(K in seen)) { seen[K] = 1; order[++ns] = K }
    fb[K] = $5; lim[K] = $9; rd[K] = $6; hs[K] = $7; pl[K] = $8
    cpu[K, $10] = $11; mem[K, $10] = $13 * 1024; rc[K, $10] = $14
}
END {
    print "## The regime shapes: against the file and against the limit\n"
    print "limit = CPU seconds to read the model file, hash it (SHA-256) and run one plain forward + gradient pass on it (build/bench/limit), measured in the same run; times are CPU seconds (user + sys) of the whole program; peak = maximum resident set over the file size.\n"
    print "| n x d x k (m) | file MB | read + hash + pass s | train s | certify s | certify / limit | nrc-check s | check / limit | check / certify | peak / file: train | certify | check |"
    print "|---|---|---|---|---|---|---|---|---|---|---|---|"
    for (i = 1; i <= ns; i++) {
        K = order[i]
        printf "| %s | %.0f | %s + %s + %s = %s | %s | %s%s | %s | %s%s | %s | %s | %s | %s | %s |\n", K, fb[K] / 1e6,
            r(rd[K]), r(hs[K]), r(pl[K]), r(lim[K]), r(cpu[K, "train"]),
            r(cpu[K, "certify"]), rc[K, "certify"] ? " (exit " rc[K, "certify"] ")" : "", r(cpu[K, "certify"] / lim[K]),
            r(cpu[K, "check"]), rc[K, "check"] ? " (exit " rc[K, "check"] ")" : "", r(cpu[K, "check"] / lim[K]),
            r(cpu[K, "check"] / cpu[K, "certify"]),
            r(mem[K, "train"] / fb[K]), r(mem[K, "certify"] / fb[K]), r(mem[K, "check"] / fb[K])
    }
}' "$CSV" > "$OUT/regime.md"
note "done; $OUT/regime.md, $CSV"
cat "$OUT/regime.md"
