#!/bin/sh
# The checker's independence is enforced by the build (spec/DESIGN.md, "Three
# trust levels"): bin/nrc-check links only src/check and the readers of
# src/core, against GMP, jansson and nettle; a checker source that includes
# certifier or trainer code does not compile with the checker's include
# directories; and nrc-check answers exactly as `certify --check` does.
# Run from the repository root with $BIN set.
BIN=${BIN:-bin}
FIX=tests/fixtures/check
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1"; fails=$((fails + 1)); }

CHK=$BIN/nrc-check
[ -x "$CHK" ] || { echo "FAIL nrc-check: $CHK not built"; exit 1; }

# 1. Shared libraries of the checker: none of the certifier's.
ldd "$CHK" > "$tmp/ldd" 2>&1
if grep -q -E 'openblas|mpfr|mpfi|flint|arb|gfortran' "$tmp/ldd"; then
    fail "link_line: nrc-check links a certifier library:"; sed 's/^/    /' "$tmp/ldd"
else
    pass link_line
fi
grep -q libgmp "$tmp/ldd" && pass link_gmp || fail "link_gmp: nrc-check does not link GMP"

# 2. Symbols: nothing of src/certify or src/train, no BLAS.
nm "$CHK" > "$tmp/nm" 2>&1 || { fail "symbols: nm failed"; }
bad=$(grep -E ' [TtDdBbRr] (nrc_certify_|nrc_train_|nrc_fast_|nrc_mpfr_|nrc_engine_|nrc_polish_|nrc_span_|nrc_data_|nrc_rng_|nrc_exact_|nrc_dgemm|nrc_dgemv|cblas_|dgemm_)' "$tmp/nm" | head -5)
if [ -n "$bad" ]; then
    fail "symbols: nrc-check holds certifier/trainer code:"; printf '%s\n' "$bad" | sed 's/^/    /'
else
    pass symbols
fi
grep -q -E ' T nrc_check_claims$' "$tmp/nm" && pass symbols_checker || fail "symbols_checker: nrc_check_claims missing"

# 3. The build refuses a checker file that includes certifier or trainer
# headers: compile probes with the checker layer's flags as the build has them.
inc=$(make --no-print-directory -s print-INC_check 2>/dev/null)
case "$inc" in *include/check*) pass include_flags ;; *) fail "include_flags: got '$inc'" ;; esac
for h in nrc_fast.h nrc_certify.h nrc_engine.h nrc_train.h nrc_polish.h; do
    printf '#include "%s"\nint nrc_probe(void);\nint nrc_probe(void) { return 0; }\n' "$h" > "$tmp/probe.c"
    # shellcheck disable=SC2086
    if ${CC:-gcc} -std=c17 -D_GNU_SOURCE $inc -c "$tmp/probe.c" -o "$tmp/probe.o" > "$tmp/cc" 2>&1; then
        fail "refuse_$h: a checker file including $h compiled"
    elif grep -q "$h" "$tmp/cc"; then
        pass "refuse_$h"
    else
        fail "refuse_$h: compile failed for another reason:"; sed 's/^/    /' "$tmp/cc" | head -3
    fi
done
printf '#include "nrc_check_cert.h"\n#include "nrc_model.h"\nint nrc_probe(void);\nint nrc_probe(void) { return 0; }\n' > "$tmp/probe.c"
# shellcheck disable=SC2086
${CC:-gcc} -std=c17 -D_GNU_SOURCE $inc -c "$tmp/probe.c" -o "$tmp/probe.o" > "$tmp/cc" 2>&1 &&
    pass checker_headers_ok || { fail "checker_headers_ok:"; sed 's/^/    /' "$tmp/cc" | head -3; }

# 3b. The interop layer (import/export, spec/IMPORT.md) sees include/core and
# include/interop only, and its programs link no certifier library.
inc=$(make --no-print-directory -s print-INC_interop 2>/dev/null)
case "$inc" in *include/interop*) pass interop_include_flags ;; *) fail "interop_include_flags: got '$inc'" ;; esac
for h in nrc_certify.h nrc_train.h nrc_check.h; do
    printf '#include "%s"\nint nrc_probe(void);\nint nrc_probe(void) { return 0; }\n' "$h" > "$tmp/probe.c"
    # shellcheck disable=SC2086
    if ${CC:-gcc} -std=c17 -D_GNU_SOURCE $inc -c "$tmp/probe.c" -o "$tmp/probe.o" > "$tmp/cc" 2>&1; then
        fail "interop_refuse_$h: an interop file including $h compiled"
    else
        pass "interop_refuse_$h"
    fi
done
for p in import export; do
    ldd "$BIN/$p" > "$tmp/ldd" 2>&1
    if grep -q -E 'openblas|mpfr|mpfi|flint|gfortran' "$tmp/ldd"; then
        fail "interop_link_$p: $p links a certifier library"
    else
        pass "interop_link_$p"
    fi
done

# 4. Same answers as certify --check, valid and invalid (nrc-check's
# messages start with "nrc-check:", certify's with "certify:").
same() { # name, args...
    name=$1; shift
    "$BIN/certify" --check "$@" > "$tmp/a" 2>&1; ra=$?
    "$CHK" "$@" > "$tmp/b" 2>&1; rb=$?
    sed -e 's/([0-9.]* s)$//' "$tmp/a" > "$tmp/a2"
    # the same text but for the program's name at the start of a line
    sed -e 's/([0-9.]* s)$//' -e 's/^nrc-check:/certify:/' "$tmp/b" > "$tmp/b2"
    if [ "$ra" -ne "$rb" ]; then
        fail "$name: exit certify --check $ra, nrc-check $rb"
    elif ! cmp -s "$tmp/a2" "$tmp/b2"; then
        fail "$name: outputs differ"; diff "$tmp/a2" "$tmp/b2" | head -6 | sed 's/^/    /'
    else
        pass "$name"
    fi
}
same same_valid $FIX/hand.cert.json $FIX/hand.model.bin
same same_false $FIX/float.cert.json $FIX/float.model.bin
same same_mismatch $FIX/hand.cert.json $FIX/fixed.model.bin
"$CHK" --check $FIX/fixed.cert.json $FIX/fixed.model.bin > /dev/null 2>&1 && pass explicit_check || fail explicit_check
"$CHK" --version > "$tmp/v" 2>&1 && grep -q '^nrc-check (nrc) ' "$tmp/v" && pass version || fail version
"$CHK" $FIX/hand.cert.json > /dev/null 2>&1; [ $? -eq 2 ] && pass usage_one_operand || fail usage_one_operand
[ "$fails" -eq 0 ]
