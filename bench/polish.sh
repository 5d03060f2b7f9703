#!/bin/sh
# make bench-polish (bench/README.md "Polish"): the KKT polish of bin/train at
# the shapes of issue 22, against gradient descent in the same run.  For each
# shape (sphere data, balanced labels, train's defaults otherwise): train with
# the polish (default) and without it (--no-polish), certify both models
# (fast engine, default --kink-tol) and check the polished one's certificate.
# Writes bench/out/polish.csv and bench/out/polish.md (also printed).
# Environment: BUILD, BIN; BENCH_POLISH_SHAPES="n d k  n d k ..." to run a
# subset.  OPENBLAS_NUM_THREADS=1 and --threads 1 throughout: CPU seconds are
# those of one thread, and GD and polish seconds come from the same process
# (train's summary line measures both with CLOCK_PROCESS_CPUTIME_ID).
set -u
BIN=${BIN:-bin}
OUT=bench/out
export OPENBLAS_NUM_THREADS=1
SHAPES=${BENCH_POLISH_SHAPES:-"100 100 100  200 200 200  400 400 400  1000 1000 1000  8 50000 16  20 400000 40  50 1000 100  100 10000 200  200 20000 400  1000 2000 100"}
mkdir -p "$OUT/models"
T0=$(date +%s)
note() { printf 'bench-polish: %s (%ss)\n' "$*" "$(( $(date +%s) - T0 ))" >&2; }
# kkt.eps_rel_upper of a certificate, as a decimal (empty if absent)
cert_eps() {
    hx=$(tr ',' '\n' < "$1" 2>/dev/null | grep '"eps_rel_upper"' | head -n 1 |
         sed 's/.*"\(0x[^"]*\)".*/\1/')
    [ -n "$hx" ] && printf '%.3g' "$hx" 2>/dev/null
}
# a field of the "polish" metadata object of a model file
meta_field() { # file key
    tail -c +1 "$1" | tr -d '\000' | grep -a -o "\"polish\":{.*" | head -n 1 |
        sed -n "s/.*\"$2\":\"\{0,1\}\([^,\"}]*\).*/\1/p" | head -n 1
}
echo "n,d,k,gd_cpu_s,polish_cpu_s,ratio,outcome,stopped_by,adopted,eps_before,eps_after,kinks,live,rounds,newton_steps,qp_solves,qp_size,work,check,train_exit,work_budget" \
    > "$OUT/polish.csv"
set -- $SHAPES
while [ $# -ge 3 ]; do
    n=$1 d=$2 k=$3
    shift 3
    name="p${n}x${d}x${k}"
    m="$OUT/models/$name"
    note "$n x $d x $k: train (polish), train --no-polish, certify, check"
    "$BIN/train" -n "$n" -d "$d" -k "$k" --threads 1 -o "$m.bin" 2> "$m.err"
    rc=$?
    "$BIN/train" -n "$n" -d "$d" -k "$k" --threads 1 --no-polish --quiet -o "$m.gd.bin"
    "$BIN/certify" --quiet -o "$m.gd.cert" "$m.gd.bin" 2> /dev/null
    "$BIN/certify" --quiet -o "$m.cert" "$m.bin" 2> /dev/null
    if "$BIN/certify" --check "$m.cert" "$m.bin" > /dev/null 2>&1; then chk=pass; else chk=FAIL; fi
    line=$(grep '^train: polish' "$m.err" | head -n 1)
    gd=$(echo "$line" | sed -n 's/.*gradient descent [0-9.]* s (CPU \([0-9.]*\) s).*/\1/p')
    po=$(echo "$line" | sed -n 's/.*; polish [0-9.]* s (CPU \([0-9.]*\) s).*/\1/p')
    ratio=$(awk -v a="$po" -v b="$gd" 'BEGIN { if (b > 0) printf "%.3g", a / b; else print "" }')
    echo "$n,$d,$k,$gd,$po,$ratio,$(meta_field "$m.bin" outcome),$(meta_field "$m.bin" stopped_by),$(meta_field "$m.bin" adopted),$(cert_eps "$m.gd.cert"),$(cert_eps "$m.cert"),$(meta_field "$m.bin" kinks),$(meta_field "$m.bin" live_neurons),$(meta_field "$m.bin" rounds),$(meta_field "$m.bin" newton_steps),$(meta_field "$m.bin" qp_solves),$(meta_field "$m.bin" max_qp_size),$(meta_field "$m.bin" work),$chk,$rc,$(meta_field "$m.bin" work_budget)" \
        >> "$OUT/polish.csv"
    rm -f "$m.bin" "$m.gd.bin" "$m.cert" "$m.gd.cert"
done
note "table"
awk -F, -v elapsed="$(( $(date +%s) - T0 ))" -v load="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)" '
NR == 1 { next }
{
    met = ($6 != "" && $6 + 0 <= 3 && $7 == "converged" && $11 != "" && $11 + 0 <= 1e-8) ? "yes" : "no"
    why = ""
    if ($6 == "" || $6 + 0 > 3) why = why "polish/GD > 3; "
    if ($7 != "converged") why = why $7 ($8 != "" ? " (" $8 ")" : "") "; "
    if ($11 == "" || $11 + 0 > 1e-8) why = why "certified eps_rel > 1e-8; "
    wb = ($21 + 0 > 0) ? sprintf("%.2g", $18 / $21) : "-"
    rows[++nr] = sprintf("| %sx%sx%s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s/%s | %s | %s | %s | %s | %s | %s | %s%s |",
        $1, $2, $3, $4, $5, $6, $7, ($8 == "" ? "-" : $8), ($9 == "true" ? "yes" : "no"), $10, $11, $12, $13, $3, $14, $15, $16, $17, wb, $19,
        met, (why == "" ? "" : ": " substr(why, 1, length(why) - 2)))
}
END {
    print "## KKT polish (make bench-polish)\n"
    printf "OPENBLAS_NUM_THREADS=1, --threads 1; sphere data, balanced labels, train defaults otherwise (3000 steps, seed 1). CPU seconds of the two stages of one `train` run (its summary line). eps_rel as `certify` reads it (fast engine, --kink-tol 2^-40): before = the `--no-polish` model, after = the model `train` writes (the GD one when the polish is not adopted). Load average at the end %s; wall time of the table %s s.\n\n", load, elapsed
    print "| n x d x k | GD CPU s | polish CPU s | polish/GD | outcome | stopped by | adopted | eps_rel before | eps_rel after | kinks | live/k | rounds | Newton steps | QP solves | QP size | work/budget | check | targets met |"
    print "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    for (i = 1; i <= nr; i++) print rows[i]
}' "$OUT/polish.csv" > "$OUT/polish.md"
cat "$OUT/polish.md"
note "done; $OUT/polish.md, $OUT/polish.csv"
