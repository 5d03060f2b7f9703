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
    -v summary="bench/summary.json" -v elapsed="$(( $(date +%s) - T0 ))" '
function key(n, d, k) { return n "x" d "x" k }
function r(x) { return x == "" ? "-" : sprintf("%.3g", x) }
function ratio(a, b) { return (a == "" || b == "" || b + 0 <= 0) ? "" : a / b }
# least-squares slope of log y against log x over the points of one sweep
function slope(xs, ys, cnt,    i, mx, my, sxx, sxy) {
    mx = my = sxx = sxy = 0
    for (i = 1; i <= cnt; i++) { mx += log(xs[i]); my += log(ys[i]) }
    mx /= cnt; my /= cnt
    for (i = 1; i <= cnt; i++) {
        sxx += (log(xs[i]) - mx) ^ 2; sxy += (log(xs[i]) - mx) * (log(ys[i]) - my)
    }
    return sxx > 0 ? sxy / sxx : ""
}
FNR == 1 { file = FILENAME; sub(".*/", "", file); next }
file == "train.csv"    { K = key($1, $2, $3); st[K] = $6; gm[K] = $8; ob[K] = $10; sp[K] = $11; ch[K] = $13; fr[K] = $14; tr_order[++ntr] = K }
file == "torch.csv"    { to[key($1, $2, $3)] = $6 }
file == "certify.csv"  { K = key($3, $4, $5); if ($2 == "fast") { pl[K] = $7; fa[K] = $8; far[K] = $9; ph[K] = $10 "," $11 "," $12 "," $13 "," $14; fl[K] = $15 "/" $16; cm[K] = $1 } else if ($2 == "mpfr") mp[K] = $8 }
file == "programs.csv" { K = key($2, $3, $4); pc[K, $5] = $6; pm[K, $5] = $8; pe[K, $5] = $9 }
file == "exact.csv"    { ex_shape = $1 "x" $2 "x" $3; ex_g = $4; ex_p = $5; ex_d = $6; ex_ns = $7; ex_pg = $8; ex_gd = $9; ex_ok = $10 }
file == "regime.csv"   { K = key($1, $2, $3); if (!(K in rg)) { rg[K] = 1; rg_order[++nrg] = K; rg_m[K] = $4 }
                         rg_file[K] = $5; rg_lim[K] = $9; rg_cpu[K, $10] = $11; rg_mem[K, $10] = $13 * 1024 }
END {
    print "# make bench (" date ")\n"
    print "OPENBLAS_NUM_THREADS=1 on both sides of every comparison; OPENBLAS_CORETYPE=" coretype "; load average at the end " load "; wall time of the whole run " elapsed " s. Times are process CPU time (minimum over repetitions); ratios are measured side by side in one run.\n"
    print "## Training: one gradient-descent step (ms)\n"
    print "| n, d, k | step | 2 GEMMs | step/GEMMs | OpenBLAS 2 GEMMs | PyTorch | step/PyTorch | PyTorch/GEMMs | span step | PyTorch/span | train picks |"
    print "|---|---|---|---|---|---|---|---|---|---|---|"
    for (i = 1; i <= 6; i++) {
        K = tr_order[i]
        printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", K, r(st[K]), r(gm[K]), r(ratio(st[K], gm[K])), r(ob[K]),
            (K in to) ? r(to[K]) : "skipped", r(ratio(st[K], to[K])), r(ratio(to[K], gm[K])), r(sp[K]), r(ratio(to[K], sp[K])),
            (ch[K] ? "span" : "direct") " (flops " sprintf("%.3g", fr[K]) "x)"
    }
    print "\n## Certify (fast engine) against one plain forward+gradient pass, MPFR, and the checker\n"
    print "Phases are wall seconds inside nrc_certify_run as multiples of the plain pass: margins (forward, fit), data (Gram, rho, z, Lipschitz), flips (with lower bounds), KKT (Gram of the h_i, NNLS), robust reference + theory.\n"
    print "| model n, d, k | plain pass s | certify s | certify/plain | margins | data | flips | KKT | robust+theory | flips certified | mpfr s | mpfr/fast | check/certify (programs) |"
    print "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    nc = split("100x100x100 200x200x200 400x400x400 1000x1000x1000 100x4000x1000", cl, " ")
    for (i = 1; i <= nc; i++) {
        K = cl[i]; split(ph[K], p, ",")
        printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", K, r(pl[K]), r(fa[K]), r(far[K]),
            r(ratio(p[1], pl[K])), r(ratio(p[2], pl[K])), r(ratio(p[3], pl[K])), r(ratio(p[4], pl[K])), r(ratio(p[5], pl[K])),
            fl[K], (K in mp) ? r(mp[K]) : "not run", r(ratio(mp[K], fa[K])), r(ratio(pc[K, "check"], pc[K, "certify"]))
    }
    # exponents: sweeps around the base 200 x 800 x 200 and the n = d = k cubes
    print "\n## How cost grows: fitted exponent e in time ~ size^e (log-log least squares)\n"
    print "| quantity | n (100..400; d 800, k 200) | d (400..1600; n, k 200) | k (100..400; n 200, d 800) | n = d = k (train 250..2000, programs 100..1000) |"
    print "|---|---|---|---|---|"
    nq = split("step gemm span torch certify check mpfr", q, " ")
    for (j = 1; j <= nq; j++) {
        line = "| " q[j]
        for (dim = 1; dim <= 4; dim++) {
            cnt = 0
            # cubes: 250..2000 for the training rows, 100..1000 for the programs
            ncube = split((q[j] == "certify" || q[j] == "check" || q[j] == "mpfr") ? "100 200 400 1000" : "250 500 1000 2000", cube, " ")
            for (t = 1; t <= (dim == 4 ? ncube : 3); t++) {
                v = 100 * 2 ^ (t - 1)
                if (dim == 1) { K = key(v, 800, 200); x = v }
                else if (dim == 2) { K = key(200, 400 * 2 ^ (t - 1), 200); x = 400 * 2 ^ (t - 1) }
                else if (dim == 3) { K = key(200, 800, v); x = v }
                else { x = cube[t]; K = key(x, x, x) }
                if (q[j] == "step") y = st[K]; else if (q[j] == "gemm") y = gm[K]; else if (q[j] == "span") y = sp[K]
                else if (q[j] == "torch") y = to[K]; else if (q[j] == "certify") y = fa[K]; else if (q[j] == "mpfr") y = mp[K]
                else y = pc[K, "check"]
                if (y != "" && y + 0 > 0) { cnt++; xs[cnt] = x; ys[cnt] = y }
            }
            e = cnt >= 2 ? slope(xs, ys, cnt) : ""
            line = line " | " r(e)
            if (q[j] == "mpfr" && dim == 4) e_mpfr = e
            if (q[j] == "certify" && dim == 4) e_fast = e
        }
        print line " |"
    }
    if (ex_shape != "") {
        print "\n## Exact products of the checker: X W^T at " ex_shape " (bench/exact_gemm.c)\n"
        print "Digit kernels (nrc_cfix_gemm) against the pair-by-pair kernels the claim checks call (nrc_cfix_dot) and against the binary64 product (nrc_dgemm); CPU seconds, one thread.\n"
        print "| digit kernels s | ns per term | pair by pair s | pairs / digits | binary64 s | digits / binary64 | same values |"
        print "|---|---|---|---|---|---|---|"
        printf "| %s | %s | %s | %s | %s | %s | %s |\n", r(ex_g), r(ex_ns), r(ex_p), r(ex_pg), r(ex_d), r(ex_gd), ex_ok
    }
    print "\n## Peak memory (MB, maximum resident set) and CPU seconds of each program\n"
    print "| model n, d, k | train | certify | certify --check | train s | certify s | check s |"
    print "|---|---|---|---|---|---|---|"
    for (i = 1; i <= nc; i++) {
        K = cl[i]
        printf "| %s | %.1f | %.1f | %.1f | %s | %s | %s |\n", K, pm[K, "train"] / 1024, pm[K, "certify"] / 1024, pm[K, "check"] / 1024,
            r(pc[K, "train"]), r(pc[K, "certify"]), r(pc[K, "check"])
    }
    # summary at n = d = k = 1000
    K = "1000x1000x1000"
    fvm = ratio(mp[K], fa[K]); how = fvm == "" ? "not measured" : "measured"
    if (fvm == "" && e_mpfr != "" && mp["400x400x400"] != "") {
        fvm = ratio(mp["400x400x400"] * 2.5 ^ e_mpfr, fa[K]); how = "extrapolated from mpfr at 400^3 with the fitted n = d = k exponent"
    }
    printf "{\n  \"date\": \"%s\",\n  \"openblas_num_threads\": 1,\n  \"openblas_coretype\": \"%s\",\n  \"load_average\": \"%s\",\n", date, coretype, load > summary
    printf "  \"shape\": {\"n\": 1000, \"d\": 1000, \"k\": 1000},\n" > summary
    printf "  \"train_step_vs_gemm\": %s,\n", js(ratio(st[K], gm[K])) > summary
    printf "  \"train_step_vs_torch\": %s,\n", js(ratio(st[K], to[K])) > summary
    printf "  \"torch_vs_gemm\": %s,\n", js(ratio(to[K], gm[K])) > summary
    printf "  \"span_step_vs_gemm\": %s,\n", js(ratio(sp[K], gm[K])) > summary
    printf "  \"span_step_vs_torch_at_50x2000x1000\": %s,\n", js(ratio(sp["50x2000x1000"], to["50x2000x1000"])) > summary
    printf "  \"certify_vs_forward\": %s,\n", js(far[K]) > summary
    printf "  \"fast_vs_mpfr\": %s,\n  \"fast_vs_mpfr_how\": \"%s\",\n", js(fvm), how > summary
    printf "  \"check_vs_certify\": %s,\n", js(ratio(pc[K, "check"], pc[K, "certify"])) > summary
    printf "  \"exact_xwt\": {\"shape\": \"%s\", \"digits_s\": %s, \"pairs_vs_digits\": %s, \"digits_vs_binary64\": %s},\n", ex_shape, js(ex_g), js(ex_pg), js(ex_gd) > summary
    printf "  \"peak_mb\": {\"train\": %.1f, \"certify\": %.1f, \"check\": %.1f},\n", pm[K, "train"] / 1024, pm[K, "certify"] / 1024, pm[K, "check"] / 1024 > summary
    # the regime shapes (bench/regime.sh): check is bin/nrc-check there
    printf "  \"regime\": [" > summary
    for (i = 1; i <= nrg; i++) {
        R = rg_order[i]; split(R, sh, "x")
        printf "%s\n    {\"n\": %s, \"d\": %s, \"k\": %s, \"m\": %s, \"file_mb\": %.1f, \"limit_s\": %s,\n     \"certify_vs_limit\": %s, \"check_vs_limit\": %s, \"check_vs_certify\": %s,\n     \"peak_over_file\": {\"train\": %s, \"certify\": %s, \"check\": %s}}", (i > 1 ? "," : ""),
            sh[1], sh[2], sh[3], rg_m[R], rg_file[R] / 1e6, js(rg_lim[R]), js(ratio(rg_cpu[R, "certify"], rg_lim[R])),
            js(ratio(rg_cpu[R, "check"], rg_lim[R])), js(ratio(rg_cpu[R, "check"], rg_cpu[R, "certify"])),
            js(ratio(rg_mem[R, "train"], rg_file[R])), js(ratio(rg_mem[R, "certify"], rg_file[R])), js(ratio(rg_mem[R, "check"], rg_file[R])) > summary
    }
    printf "\n  ]\n}\n" > summary
    print "\nbench/summary.json: fast_vs_mpfr at 1000^3 " how "."
}
function js(x) { return x == "" ? "null" : sprintf("%.4g", x) }
' "$OUT/train.csv" "$OUT/torch.csv" "$OUT/certify.csv" "$OUT/programs.csv" "$OUT/exact.csv" "$OUT/regime.csv" > "$OUT/bench.md"
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
