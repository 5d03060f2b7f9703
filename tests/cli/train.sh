#!/bin/sh
# CLI tests of bin/train (run from the repository root; $BIN = program dir,
# $BUILD = build dir for the t-train_model helper).  Prints PASS/FAIL per case.
BIN=${BIN:-bin}
BUILD=${BUILD:-build}
T="$BIN/train"
case $T in /*) ;; *) T="$(pwd)/$T" ;; esac
CHECKER="$BUILD/tests/t-train_model"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; failed=1; }
# tiny, fast settings shared by the runs below
SMALL="-n 12 -d 40 -k 6 -m 3 --steps 40 --lr 0.1"

# --help / --version: stdout, exit 0, nothing on stderr
"$T" --help > "$tmp/out" 2> "$tmp/err"; rc=$?
if [ $rc -eq 0 ] && grep -q '^usage: train' "$tmp/out" && [ ! -s "$tmp/err" ]; then
    pass help; else fail help "rc=$rc"; fi
"$T" --version > "$tmp/out" 2> "$tmp/err"; rc=$?
if [ $rc -eq 0 ] && grep -q '^train (nrc) [0-9]' "$tmp/out" && [ ! -s "$tmp/err" ]; then
    pass version; else fail version "rc=$rc, $(cat "$tmp/out")"; fi

# Every bad option: exit 2, a message on stderr naming the option, no output file.
bad() { # name option-text-expected args...
    name=$1; want=$2; shift 2
    (cd "$tmp" && "$T" "$@" -o bad.bin) > "$tmp/out" 2> "$tmp/err"; rc=$?
    if [ $rc -eq 2 ] && grep -q -e "$want" "$tmp/err" && [ ! -e "$tmp/bad.bin" ] &&
       [ ! -s "$tmp/out" ]; then
        pass "bad_$name"
    else
        fail "bad_$name" "rc=$rc, stderr: $(cat "$tmp/err")"
    fi
}
bad n_zero "option -n" -n 0
bad n_text "option -n" -n ten
bad n_negative "option -n" -n -3
bad n_missing "option -n" -n
bad d_zero "option -d" -d 0
bad d_over_cap "option -d" -d 3000000000
bad k_zero "option -k" -k 0
bad k_trailing "option -k" -k 5x
bad m_negative "option -m" -m -1
bad lr_negative "option --lr" --lr -0.5
bad lr_zero "option --lr" --lr 0
bad lr_nan "option --lr" --lr nan
bad lr_inf "option --lr" --lr inf
bad lr_text "option --lr: 'fast' is not a number" --lr fast
bad lr_underflow "option --lr: 1e-400 is too small: it rounds to 0" --lr 1e-400
bad lr_overflow "option --lr: 1e400 is out of range" --lr 1e400
bad lr_inf_text "option --lr: 'inf' is not finite" --lr inf
bad init_negative "option --init-scale: -1e-3 is too small" --init-scale -1e-3
bad steps_negative "option --steps" --steps -1
bad init_zero "option --init-scale" --init-scale 0
bad threads_zero "option --threads" --threads 0
bad threads_huge "option --threads" --threads 100000
bad seed_negative "option --seed" --seed -1
bad seed_huge "option --seed" --seed 18446744073709551615
bad data "option --data" --data cube
bad labels "option --labels" --labels skewed
bad loss "option --loss" --loss hinge
bad schedule "option --schedule" --schedule cosine
bad unknown_long "unknown option '--bogus'" --bogus
bad unknown_short "unknown option '-z'" -z
bad positional "unexpected argument 'extra'" extra
bad too_large "exceed the model file limits" -n 2147483648 -d 2147483648
# needs ~86 GB (model 51.5 GB + gradient 34 GB) while under the file caps:
# refused up front, unless this machine really has that much memory
mem_kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo 2>/dev/null)
if [ -n "$mem_kb" ] && [ "$mem_kb" -lt 80000000 ]; then
    bad too_much_memory "GB of memory" -n 1 -d 2147483648 -k 2 -m 0
else
    pass "too_much_memory (skipped: MemTotal ${mem_kb:-unknown} kB)"
fi

# A tiny run writes a model that the reader accepts, with the right flags.
run_ok() { # name flags args...
    name=$1; flags=$2; shift 2
    "$T" $SMALL "$@" -o "$tmp/$name.bin" > "$tmp/out" 2> "$tmp/err"; rc=$?
    if [ $rc -ne 0 ]; then fail "$name" "rc=$rc: $(cat "$tmp/err")"; return; fi
    if [ -s "$tmp/out" ]; then fail "$name" "stdout not empty"; return; fi
    if ! grep -q "^train: 40 steps, .*normalized margin .*eps_data .*wrote $tmp/$name.bin" "$tmp/err"; then
        fail "$name" "no summary line: $(cat "$tmp/err")"; return; fi
    if grep -q "$(printf '\r')" "$tmp/err"; then fail "$name" "progress printed to a non-terminal"; return; fi
    if "$CHECKER" "$tmp/$name.bin" "$flags" > "$tmp/chk" 2>&1; then pass "$name"
    else fail "$name" "reader: $(grep FAIL "$tmp/chk")"; fi
}
run_ok model_default 0
run_ok model_bias 1 --bias
run_ok model_fixed_v 2 --fix-second-layer --loss exp
run_ok model_bias_fixed 3 --bias --fix-second-layer --schedule constant --data gaussian --labels random
run_ok model_loss_schedule 0 --schedule loss --lr 0.01 -m 0

# Every finite positive binary64 is a valid --lr / --init-scale, subnormals
# included (they were refused as "not a number").
for v in "--lr 1e-320" "--init-scale 5e-324" "--lr 4.9406564584124654e-324" "--init-scale 1e100 --steps 0"; do
    # shellcheck disable=SC2086
    "$T" -n 4 -d 10 -k 2 -m 0 --steps 2 --no-polish --quiet $v -o "$tmp/sub.bin" 2> "$tmp/err"; rc=$?
    if [ $rc -eq 0 ] && [ -s "$tmp/sub.bin" ]; then pass "accepts $v"
    else fail "accepts $v" "rc=$rc: $(cat "$tmp/err")"; fi
    rm -f "$tmp/sub.bin"
done
# the largest binary64 is a valid value, and ||theta||^2 overflows: diverged (1)
"$T" -n 4 -d 10 -k 2 -m 0 --steps 0 --init-scale 1.7976931348623157e308 -o "$tmp/big.bin" 2> "$tmp/err"; rc=$?
if [ $rc -eq 1 ] && grep -q "diverged at step 0" "$tmp/err" && [ ! -e "$tmp/big.bin" ]; then
    pass init_scale_max_diverges; else fail init_scale_max_diverges "rc=$rc: $(cat "$tmp/err")"; fi
"$T" --help > "$tmp/out"
grep -q '^  130  interrupted' "$tmp/out" && grep -q 'training diverged' "$tmp/out" &&
    pass help_exit_table || fail help_exit_table "no exit table in --help"

# A run that does not fit the data says so (3 steps are not enough).
"$T" -n 12 -d 40 -k 6 -m 0 --steps 3 -o "$tmp/unfit.bin" 2> "$tmp/err"; rc=$?
if [ $rc -eq 0 ] && grep -q "warning: the training data are not all fitted" "$tmp/err"; then
    pass unfitted_warning; else fail unfitted_warning "rc=$rc: $(cat "$tmp/err")"; fi

# --quiet: nothing at all on stderr
"$T" $SMALL --quiet -o "$tmp/q.bin" 2> "$tmp/err"; rc=$?
if [ $rc -eq 0 ] && [ ! -s "$tmp/err" ] && [ -s "$tmp/q.bin" ]; then pass quiet
else fail quiet "rc=$rc, stderr: $(cat "$tmp/err")"; fi

# Same options and seed: same bytes; another seed: other bytes.
"$T" $SMALL --quiet --seed 5 -o "$tmp/s1.bin" && "$T" $SMALL --quiet --seed 5 -o "$tmp/s2.bin" &&
"$T" $SMALL --quiet --seed 6 -o "$tmp/s3.bin"
if cmp -s "$tmp/s1.bin" "$tmp/s2.bin" && ! cmp -s "$tmp/s1.bin" "$tmp/s3.bin"; then
    pass same_seed_same_bytes; else fail same_seed_same_bytes "bytes differ (or seeds agree)"; fi

# Thread counts: --threads 1, 2, 3 and OPENBLAS_NUM_THREADS 1, 2 give the same
# bytes, on shapes whose products are cut into several tiles.
MID="-n 520 -d 1200 -k 40 -m 2 --steps 10 --lr 0.1 --bias --quiet"
ok=1
OPENBLAS_NUM_THREADS=1 "$T" $MID --threads 1 -o "$tmp/t0.bin" || ok=0
for th in 1 2 3; do
    for ob in 1 2; do
        OPENBLAS_NUM_THREADS=$ob "$T" $MID --threads $th -o "$tmp/t.bin" || ok=0
        cmp -s "$tmp/t0.bin" "$tmp/t.bin" || { ok=0; echo "    threads=$th OPENBLAS_NUM_THREADS=$ob differs"; }
    done
done
if [ $ok -eq 1 ]; then pass threads_same_bytes; else fail threads_same_bytes "see above"; fi

# -o - writes the model to stdout, the same bytes as a file.
"$T" $SMALL --quiet --seed 5 -o - > "$tmp/stdout.bin"; rc=$?
if [ $rc -eq 0 ] && cmp -s "$tmp/stdout.bin" "$tmp/s1.bin"; then pass output_stdout
else fail output_stdout "rc=$rc or bytes differ"; fi

# Unwritable output: exit 4, message naming the file, nothing left behind.
"$T" $SMALL -o "$tmp/no/such/dir/m.bin" 2> "$tmp/err"; rc=$?
if [ $rc -eq 4 ] && grep -q "$tmp/no/such/dir/m.bin" "$tmp/err" && [ ! -e "$tmp/no" ]; then
    pass unwritable_output; else fail unwritable_output "rc=$rc: $(cat "$tmp/err")"; fi
mkdir "$tmp/isdir.bin"
"$T" $SMALL -o "$tmp/isdir.bin" 2> "$tmp/err"; rc=$?
if [ $rc -eq 4 ] && grep -q "isdir.bin" "$tmp/err" && [ -z "$(ls "$tmp/isdir.bin")" ] &&
   [ -z "$(ls "$tmp" | grep -v -e '\.bin$' -e '^out$' -e '^err$' -e '^chk$')" ]; then
    pass output_is_directory; else fail output_is_directory "rc=$rc: $(cat "$tmp/err")"; fi

# Divergence (absurd constant learning rate): exit 1 (spec/CLI.md: 2 is a
# usage error), message, no file.
"$T" -n 6 -d 20 -k 4 --schedule constant --loss exp --lr 1e200 --steps 50 \
    -o "$tmp/div.bin" 2> "$tmp/err"; rc=$?
if [ $rc -eq 1 ] && grep -q "diverged" "$tmp/err" && [ ! -e "$tmp/div.bin" ]; then
    pass divergence_reported; else fail divergence_reported "rc=$rc: $(cat "$tmp/err")"; fi

exit $failed
