#!/bin/sh
# make bench (bench/README.md): run every measurement side by side in one run,
# write CSV files and a markdown table under bench/out/ (git-ignored) and the
# headline ratios at n = d = k = 1000 to bench/summary.json, and print the
# markdown.  Environment: BUILD, BIN (from the makefile); OPENBLAS_NUM_THREADS
# is set to 1 for every program on both sides of each comparison;
# OPENBLAS_CORETYPE is reported as found, never changed.
# The MPFR engine runs at n = d = k = 100, 200, 400 and 1000 (about 1.5 CPU
# minutes there); BENCH_MPFR_1000=0 skips 1000, and fast_vs_mpfr at 1000 is
# then extrapolated from 400^3 with the fitted exponent.
set -u
BUILD=${BUILD:-build}
BIN=${BIN:-bin}
OUT=bench/out
PY=/usr/bin/python3
TIME=/usr/bin/time
export OPENBLAS_NUM_THREADS=1
CORETYPE=${OPENBLAS_CORETYPE:-(unset)}
mkdir -p "$OUT/models"
rm -f "$OUT"/*.csv "$OUT"/*.md "$OUT"/models/*
T0=$(date +%s)
note() { printf 'bench: %s (%ss)\n' "$*" "$(( $(date +%s) - T0 ))" >&2; }
[ -x "$TIME" ] || { echo "bench: $TIME (GNU time) is needed for CPU time and peak memory" >&2; exit 2; }

# Shapes.  TRAIN: the n = d = k grid, a skewed shape and the span
# target shape.  SCALE: a base shape and each of n, d, k halved and doubled,
# for the fitted exponents (train steps, certify, check).  CUBES: models for
# certify; MPFR_CUBES: also certified with --engine mpfr (minutes at most).
TRAIN="250 250 250  500 500 500  1000 1000 1000  2000 2000 2000  100 4000 1000  50 2000 1000"
SCALE="200 800 200  100 800 200  400 800 200  200 400 200  200 1600 200  200 800 100  200 800 400"
CUBES="100 200 400 1000"
EXACT_CUBE=1000
MPFR_CUBES="100 200 400"
[ "${BENCH_MPFR_1000:-1}" = 1 ] && MPFR_CUBES="$MPFR_CUBES 1000"
# Models: 100 GD steps from init scale 0.01 fit every shape here (all
# training margins > 0, so certify also runs its KKT phase); without the KKT
# polish (spec/POLISH.md), measured on its own by bench/polish.sh below.
STEPS=100
INIT=0.01
if [ "${BENCH_QUICK:-0}" = 1 ]; then   # smoke test of this script: tiny shapes
    TRAIN="250 250 250  100 400 100  50 2000 1000"
    SCALE="100 400 100  50 400 100  200 400 100  100 200 100  100 800 100  100 400 50  100 400 200"
    CUBES="100 200"; MPFR_CUBES="100"; STEPS=20; EXACT_CUBE=200
fi

# ---- training: step vs GEMMs vs span (C), and PyTorch -------------------
note "train step vs GEMMs vs span mode"
"$BUILD/bench/step" $TRAIN $SCALE > "$OUT/train.csv" || { echo "bench: step failed" >&2; exit 1; }
TORCH=1
if [ -x "$PY" ] && "$PY" -c 'import torch' 2>/dev/null; then
    note "PyTorch float64, 1 thread"
    "$PY" bench/torch_step.py $TRAIN > "$OUT/torch.csv" || TORCH=0
else
    TORCH=0
fi
if [ $TORCH = 0 ]; then
    echo "bench: Debian's python3-torch ($PY) not found: PyTorch comparison skipped" >&2
    echo "n,d,k,threads,reps,torch_min_ms,torch_med_ms" > "$OUT/torch.csv"
fi

# ---- models, certify (in process, vs plain pass), programs (CPU, memory) --
echo "model,n,d,k,program,cpu_s,wall_s,maxrss_kb,exit" > "$OUT/programs.csv"
echo "model,engine,n,d,k,m,plain_s,certify_s,ratio,forward_s,data_s,flips_s,kkt_s,other_s,flips_certified,flips" \
    > "$OUT/certify.csv"
# run NAME N D K PROGRAM cmd...: CPU (user+sys), wall, peak RSS of one program
run() {
    _m=$1 _n=$2 _d=$3 _k=$4 _p=$5
    shift 5
    "$TIME" -f '%U %S %e %M' -o "$OUT/time.txt" "$@" > /dev/null 2> "$OUT/stderr.txt"
    _rc=$?
    tail -n 1 "$OUT/time.txt" | awk -v m="$_m" -v n="$_n" -v d="$_d" -v k="$_k" -v p="$_p" -v rc="$_rc" \
        '{ printf "%s,%s,%s,%s,%s,%.3f,%.3f,%s,%s\n", m, n, d, k, p, $1 + $2, $3, $4, rc }' \
        >> "$OUT/programs.csv"
    return $_rc
}
model() {   # model NAME N D K ENGINES...
    _name=$1 _n=$2 _d=$3 _k=$4
    shift 4
    _f="$OUT/models/$_name.bin"
    run "$_name" "$_n" "$_d" "$_k" train "$BIN/train" -n "$_n" -d "$_d" -k "$_k" \
        --steps $STEPS --init-scale $INIT --no-polish --quiet -o "$_f" || { echo "bench: train $_name failed" >&2; cat "$OUT/stderr.txt" >&2; return 1; }
    "$BUILD/bench/certify_time" "$_f" "$@" | sed 1d | sed "s/^/$_name,/" >> "$OUT/certify.csv"
    run "$_name" "$_n" "$_d" "$_k" certify "$BIN/certify" --quiet -o "$_f.cert.json" "$_f"
    run "$_name" "$_n" "$_d" "$_k" check "$BIN/certify" --check "$_f.cert.json" "$_f" ||
        { echo "bench: certify --check $_name exited non-zero" >&2; cat "$OUT/stderr.txt" >&2; }
    # the checker's exact products X W^T (bench/exact_gemm.c) on the largest cube
    if [ "$_name" = "cube$EXACT_CUBE" ]; then
        "$BUILD/bench/exact_gemm" "$_f" > "$OUT/exact.csv" ||
            { echo "bench: exact_gemm $_name failed (or the two exact products differ)" >&2; }
    fi
}
for c in $CUBES; do
    note "model cube$c: train, certify, check"
    case " $MPFR_CUBES " in *" $c "*) model "cube$c" $c $c $c fast mpfr ;; *) model "cube$c" $c $c $c fast ;; esac
done
note "model skew 100 x 4000 x 1000"
model skew 100 4000 1000 fast
set -- $SCALE
while [ $# -ge 3 ]; do
    note "model s$1x$2x$3 (scaling)"
    model "s$1x$2x$3" "$1" "$2" "$3" fast
    shift 3
done
rm -f "$OUT/time.txt" "$OUT/stderr.txt" "$OUT"/models/*.bin "$OUT"/models/*.json

# ---- the regime shapes (bench/regime.sh, also `make bench-regime`) ------------
note "regime shapes: train, certify, nrc-check against the file and the limit"
BUILD="$BUILD" BIN="$BIN" sh bench/regime.sh > /dev/null || echo "bench: bench/regime.sh failed" >&2

# ---- tables, fits, summary ------------------------------------------------
note "tables"
touch "$OUT/exact.csv" "$OUT/regime.csv"   # empty when their step failed
LOAD=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
awk -F, -v torch="$TORCH" -v coretype="$CORETYPE" -v load="$LOAD" -v date="$(date -u '+%Y-%m-%d %H:%M UTC')" \
    -v summary="bench/summary.json" -v elapsed="$(( $(date +%s) - T0 ))" -f bench/tables.awk \
    "$OUT/train.csv" "$OUT/torch.csv" "$OUT/certify.csv" "$OUT/programs.csv" "$OUT/exact.csv" "$OUT/regime.csv" > "$OUT/bench.md"
[ -s "$OUT/regime.md" ] && { echo; cat "$OUT/regime.md"; } >> "$OUT/bench.md"
# ---- the KKT polish against gradient descent (bench/polish.sh) ----------
note "KKT polish table (bench/polish.sh)"
if [ "${BENCH_QUICK:-0}" = 1 ]; then
    BENCH_POLISH_SHAPES=${BENCH_POLISH_SHAPES:-"8 50000 16  50 1000 100  100 100 100"}
    export BENCH_POLISH_SHAPES
fi
if BIN=$BIN sh bench/polish.sh > /dev/null; then
    printf '\n' >> "$OUT/bench.md"
    cat "$OUT/polish.md" >> "$OUT/bench.md"
else
    echo "bench: the polish table failed" >&2
fi
# ---- the sweep's overhead (bench/sweep.sh, also `make bench-sweep`) ----------
note "sweep overhead, 1 and 2 jobs"
if BIN="$BIN" sh bench/sweep.sh > /dev/null; then
    { echo; cat "$OUT/sweep.md"; } >> "$OUT/bench.md"
else
    echo "bench: bench/sweep.sh failed" >&2
fi
cat "$OUT/bench.md"
echo
cat bench/summary.json
note "done; tables in $OUT/bench.md, CSV in $OUT/*.csv"
