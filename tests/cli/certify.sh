#!/bin/sh
# CLI tests of `certify MODEL` (spec/CERTIFY.md): exit codes, atomic output,
# byte-reproducibility across --threads, -o -, --quiet, --points,
# --direction, --engine mpfr verdicts equal to fast, --emit-examples, models
# the trainer did not make (PyTorch fixture, hand-written), and every written
# certificate accepted by the independent checker (--check).
# Run from the repo root with $BIN set (default bin).
BIN=${BIN:-bin}
case "$BIN" in /*) ;; *) BIN="$(pwd)/$BIN" ;; esac
FIX="$(pwd)/tests/fixtures"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
pass() { echo "PASS certify_$1"; }
fail() { echo "FAIL certify_$1: $2"; fails=$((fails + 1)); }
expect_rc() { # name want cmd...
    name=$1; want=$2; shift 2
    "$@" > "$T/out" 2> "$T/err"
    rc=$?
    if [ "$rc" -eq "$want" ]; then pass "$name"; else fail "$name" "exit $rc, want $want: $(head -c 300 "$T/err")"; fi
}

expect_rc help 0 "$BIN/certify" --help
grep -q '^usage: certify' "$T/out" && pass help_text || fail help_text "no usage on stdout"
expect_rc no_args 2 "$BIN/certify"
expect_rc unknown_option 2 "$BIN/certify" --frobnicate m.bin
expect_rc bad_points 2 "$BIN/certify" --points some m.bin
expect_rc bad_direction 2 "$BIN/certify" --direction margin:-1 m.bin
expect_rc bad_engine 2 "$BIN/certify" --engine slow m.bin
expect_rc bad_threads 2 "$BIN/certify" --threads 0 m.bin
expect_rc missing_value 2 "$BIN/certify" m.bin -o
expect_rc two_models 2 "$BIN/certify" a.bin b.bin
expect_rc version 0 "$BIN/certify" --version
grep -q '^certify (nrc) [0-9]' "$T/out" && pass version_text || fail version_text "$(cat "$T/out")"
"$BIN/certify" --help > "$T/out"
grep -q '^  130  interrupted' "$T/out" && pass help_exit_table || fail help_exit_table "no exit table"
# option values: the shared parser's words (spec/CLI.md)
bad_value() { # name pattern args...
    name=$1; pat=$2; shift 2
    "$BIN/certify" "$@" m.bin > "$T/out" 2> "$T/err"; rc=$?
    if [ "$rc" -eq 2 ] && grep -q -e "$pat" "$T/err"; then pass "$name"
    else fail "$name" "exit $rc: $(head -c 300 "$T/err")"; fi
}
bad_value kink_tol_too_small "option --kink-tol: 1e-400 is too small" --kink-tol 1e-400
bad_value kink_tol_out_of_range "option --kink-tol: 2 is out of range" --kink-tol 2
bad_value kink_tol_not_a_number "option --kink-tol: 'x' is not a number" --kink-tol x
bad_value tau_out_of_range "margin:TAU: 1e400 is out of range" --direction margin:1e400
bad_value tau_negative "margin:TAU: -1 is too small" --direction margin:-1
bad_value threads_text "option --threads: 'two' is not a non-negative integer" --threads two
bad_value empty_output "option -o: empty file name" -o ''

"$BIN/train" -n 6 -d 300 -k 8 -m 4 --steps 400 --seed 9 --quiet -o "$T/m.bin" 2> "$T/err" \
    || fail train "could not train a model: $(head -c 300 "$T/err")"

# a valid run: exit 0, certificate at MODEL.cert.json, checker accepts it
expect_rc certify_ok 0 "$BIN/certify" "$T/m.bin"
[ -s "$T/m.bin.cert.json" ] && pass default_output || fail default_output "no $T/m.bin.cert.json"
grep -q '^verdict   CERTIFIED' "$T/out" && pass summary_verdict || fail summary_verdict "$(cat "$T/out")"
grep -q '^time ' "$T/out" && pass summary_times || fail summary_times "no time line"
grep -q 'time\|seconds\|/tmp' "$T/m.bin.cert.json" && fail no_timings_in_cert "timings or paths in the certificate" || pass no_timings_in_cert
expect_rc check_ok 0 "$BIN/certify" --check "$T/m.bin.cert.json" "$T/m.bin"

# byte-reproducible for any --threads, and -o - writes the same bytes to stdout
"$BIN/certify" --quiet --threads 2 -o "$T/c2.json" "$T/m.bin"
cmp -s "$T/m.bin.cert.json" "$T/c2.json" && pass reproducible_threads || fail reproducible_threads "bytes differ with --threads 2"
"$BIN/certify" -o - "$T/m.bin" > "$T/stdout.json" 2> "$T/err"
cmp -s "$T/m.bin.cert.json" "$T/stdout.json" && pass stdout_output || fail stdout_output "-o - differs"
grep -q '^verdict' "$T/err" && pass stdout_summary_on_stderr || fail stdout_summary_on_stderr "summary not on stderr"
"$BIN/certify" --quiet -o "$T/q.json" "$T/m.bin" > "$T/out" 2>&1
[ ! -s "$T/out" ] && pass quiet || fail quiet "printed: $(head -c 200 "$T/out")"

# --points and --direction
"$BIN/certify" --quiet --points train -o "$T/tr.json" "$T/m.bin"
n_test=$(grep -c '"set": "test"' "$T/tr.json"); n_train=$(grep -c '"set": "train"' "$T/tr.json")
[ "$n_test" -eq 0 ] && [ "$n_train" -eq 6 ] && pass points_train || fail points_train "train $n_train test $n_test"
grep -q '"points": "train"' "$T/tr.json" && pass points_option_recorded || fail points_option_recorded "options.points"
"$BIN/certify" --quiet --points test -o "$T/te.json" "$T/m.bin"
[ "$(grep -c '"set": "train"' "$T/te.json")" -eq 0 ] && [ "$(grep -c '"set": "test"' "$T/te.json")" -eq 4 ] \
    && pass points_test || fail points_test "wrong flip sets"
"$BIN/certify" --quiet --direction margin:0.25 -o "$T/mg.json" "$T/m.bin"; rc=$?
[ "$rc" -le 1 ] && grep -q '"direction": "margin:0.25"' "$T/mg.json" && pass direction_margin \
    || fail direction_margin "rc $rc"
expect_rc check_margin 0 "$BIN/certify" --check "$T/mg.json" "$T/m.bin"

# the mpfr engine: same verdicts (status and sign of every flip, kkt, robust)
"$BIN/certify" --quiet --engine mpfr -o "$T/mp.json" "$T/m.bin"; rc=$?
if [ "$rc" -eq 2 ] && "$BIN/certify" --engine mpfr -o "$T/mp.json" "$T/m.bin" 2>&1 | grep -q 'not available'; then
    echo "     note: mpfr engine not available yet: comparison not run"
else
    grep -q '"engine": "mpfr"' "$T/mp.json" && pass mpfr_runs || fail mpfr_runs "rc $rc"
    grep '"status"\|"sign"\|"scale"' "$T/m.bin.cert.json" > "$T/v1"
    grep '"status"\|"sign"\|"scale"' "$T/mp.json" > "$T/v2"
    cmp -s "$T/v1" "$T/v2" && pass mpfr_same_verdicts || fail mpfr_same_verdicts "verdicts differ"
    expect_rc check_mpfr 0 "$BIN/certify" --check "$T/mp.json" "$T/m.bin"
fi

# --emit-examples: every example certified at its binary64 coordinates
expect_rc examples 0 "$BIN/certify" --quiet --emit-examples "$T/ex.json" -o "$T/e.json" "$T/m.bin"
grep -q '"format": "nrc-examples"' "$T/ex.json" && [ "$(grep -c '"status": "certified"' "$T/ex.json")" -eq 10 ] \
    && pass examples_file || fail examples_file "$(head -c 300 "$T/ex.json")"

# bad input: exit 3, no output file
head -c 100 "$T/m.bin" > "$T/trunc.bin"
expect_rc truncated_model 3 "$BIN/certify" -o "$T/none.json" "$T/trunc.bin"
[ ! -e "$T/none.json" ] && pass no_output_on_error || fail no_output_on_error "file written"
"$BIN/certify" -o "$T/none2.json" "$T/does-not-exist.bin" > /dev/null 2>&1; rc=$?
{ [ "$rc" -eq 3 ] || [ "$rc" -eq 4 ]; } && [ ! -e "$T/none2.json" ] && pass missing_model || fail missing_model "rc $rc"
# values whose squares leave binary64 (||theta||^2 ~ 1e600): refused, not guessed
expect_rc unrepresentable 3 "$BIN/certify" -o "$T/none3.json" "$FIX/model/tiny.bin"
[ ! -e "$T/none3.json" ] && pass unrepresentable_no_output || fail unrepresentable_no_output "file written"

# models the trainer did not make: PyTorch-trained and hand-written
for f in "$FIX"/certify/torch-*.bin "$FIX"/check/hand.model.bin "$FIX"/check/fixed.model.bin; do
    b=$(basename "$f" .bin)
    "$BIN/certify" --quiet -o "$T/$b.json" "$f"; rc=$?
    if [ "$rc" -le 1 ] && "$BIN/certify" --check "$T/$b.json" "$f" > /dev/null 2>&1; then
        pass "foreign_$b"
    else
        fail "foreign_$b" "certify rc $rc or --check rejected"
    fi
done
# the fitted PyTorch model certifies completely
expect_rc torch_fitted_all 0 "$BIN/certify" --quiet -o "$T/tf.json" "$FIX/certify/torch-logistic-normalized-fitted.bin"

# flush-to-zero / denormals-are-zero in the process (here set by a preloaded
# constructor, as a -ffast-math object would): refuse with exit 5, no output
if [ "$(uname -m)" = x86_64 ] && command -v gcc > /dev/null 2>&1; then
    cat > "$T/ftz.c" <<'EOC'
#include <xmmintrin.h>
__attribute__((constructor)) static void set_ftz_daz(void) { _mm_setcsr(_mm_getcsr() | 0x8040u); }
EOC
    if gcc -shared -fPIC -o "$T/ftz.so" "$T/ftz.c" 2> /dev/null; then
        LD_PRELOAD="$T/ftz.so" ASAN_OPTIONS=verify_asan_link_order=0 \
            "$BIN/certify" -o "$T/ftz.json" "$T/m.bin" > /dev/null 2> "$T/err"; rc=$?
        [ "$rc" -eq 5 ] && [ ! -e "$T/ftz.json" ] && grep -q 'flush-to-zero\|denormals' "$T/err" \
            && pass refuses_ftz || fail refuses_ftz "rc $rc: $(head -c 200 "$T/err")"
    fi
fi

# a certificate given where the model is expected: a hint
"$BIN/certify" -o "$T/none4.json" "$T/m.bin.cert.json" > /dev/null 2> "$T/err"; rc=$?
[ "$rc" -eq 3 ] && grep -q 'hint: .* looks like a certificate, not a model file; to re-check it: certify --check' "$T/err" \
    && pass hint_certificate_as_model || fail hint_certificate_as_model "rc $rc: $(cat "$T/err")"
# a write error names the output, not the model
"$BIN/certify" -o "$T/nonexistent/x.json" "$T/m.bin" > /dev/null 2> "$T/err"; rc=$?
[ "$rc" -eq 4 ] && grep -q "^certify: error: $T/nonexistent/x.json: " "$T/err" && ! grep -q "m.bin" "$T/err" \
    && pass write_error_names_output || fail write_error_names_output "rc $rc: $(cat "$T/err")"

# --check / --cite are dispatched to the checker before option parsing
"$BIN/certify" --check "$T/nonexistent.json" "$T/m.bin" > /dev/null 2>&1; rc=$?
[ "$rc" -ge 2 ] && pass check_dispatch || fail check_dispatch "rc $rc"

[ "$fails" -eq 0 ]
