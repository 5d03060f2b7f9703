#!/bin/sh
# CLI tests of the checker's min_flip verification (spec/CHECK.md "min_flip
# and its companion file"): `certify --check` and `nrc-check` verify the
# claims of `certify --min-flip` exactly and print a min_flip summary line;
# the companion is looked up in the certificate's directory or given with
# --min-flip-data; a missing, changed or truncated companion is exit 3
# naming the file; a claim made false (U lowered, D raised, in the JSON) is
# exit 1 naming it; usage errors are exit 2. tests/t-check_minflip.c has the
# exact one-ulp tamper suite against an oracle.
# Run from the repo root with $BIN set (default bin).
BIN=${BIN:-bin}
case "$BIN" in /*) ;; *) BIN="$(pwd)/$BIN" ;; esac
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export OPENBLAS_NUM_THREADS=1
fails=0
pass() { echo "PASS mfcheck_$1"; }
fail() { echo "FAIL mfcheck_$1: $2"; fails=$((fails + 1)); }
expect_rc() { # name want cmd...
    name=$1; want=$2; shift 2
    "$@" > "$T/out" 2> "$T/err"
    rc=$?
    if [ "$rc" -eq "$want" ]; then pass "$name"; else fail "$name" "exit $rc, want $want: $(head -c 300 "$T/err")"; fi
}
err_has() { # name text: the last command's stderr contains text
    if grep -qF -e "$2" "$T/err"; then pass "$1"; else fail "$1" "stderr lacks '$2': $(head -c 300 "$T/err")"; fi
}

"$BIN/train" -n 6 -d 200 -k 8 -m 4 --steps 500 --seed 7 --quiet -o "$T/m.bin" 2> "$T/err" ||
    fail train "could not train a model: $(head -c 300 "$T/err")"
mkdir "$T/c"
"$BIN/certify" --quiet --min-flip -o "$T/c/m.json" "$T/m.bin" 2> "$T/err"
[ -s "$T/c/m.json" ] && [ -s "$T/c/m.minflip.safetensors" ] && pass certify ||
    fail certify "$(ls "$T/c") $(head -c 300 "$T/err")"
C="$T/c/m.json"
F="$T/c/m.minflip.safetensors"

# accepted by both programs, the companion found beside the certificate
for prog in "certify --check" "nrc-check"; do
    tag=$(echo "$prog" | tr -d ' -')
    # shellcheck disable=SC2086
    expect_rc "valid_$tag" 0 "$BIN"/$prog "$C" "$T/m.bin"
    grep -Eq '^  min_flip: [1-9][0-9]* upper and [1-9][0-9]* lower claims checked \([0-9]+ leaves' "$T/out" &&
        pass "summary_$tag" || fail "summary_$tag" "$(grep min_flip "$T/out")"
done
# from another working directory, with a relative certificate path
(cd "$T" && "$BIN/nrc-check" c/m.json m.bin > out 2> err)
[ $? -eq 0 ] && pass relative_path || fail relative_path "$(head -c 300 "$T/err")"

# without min_flip the summary says so
"$BIN/certify" --quiet -o "$T/plain.json" "$T/m.bin" 2> /dev/null
expect_rc plain 0 "$BIN/nrc-check" "$T/plain.json" "$T/m.bin"
grep -q '^  min_flip: absent' "$T/out" && pass plain_summary || fail plain_summary "$(cat "$T/out")"

# the companion moved: exit 3 naming it; --min-flip-data finds it
mv "$F" "$T/moved.st"
expect_rc missing 3 "$BIN/nrc-check" "$C" "$T/m.bin"
err_has missing_names_file "$F"
err_has missing_hint "--min-flip-data"
[ -s "$T/out" ] && fail missing_no_stdout "$(cat "$T/out")" || pass missing_no_stdout
expect_rc missing_certify 3 "$BIN/certify" --check "$C" "$T/m.bin"
expect_rc data_option 0 "$BIN/nrc-check" --min-flip-data "$T/moved.st" "$C" "$T/m.bin"
expect_rc data_option_certify 0 "$BIN/certify" --check "$C" "$T/m.bin" --min-flip-data "$T/moved.st"
mv "$T/moved.st" "$F"

# a changed byte, a truncated file, another file: exit 3 naming the file
cp "$F" "$T/save.st"
printf 'X' | dd of="$F" bs=1 seek=200 conv=notrunc 2> /dev/null
expect_rc changed_byte 3 "$BIN/nrc-check" "$C" "$T/m.bin"
err_has changed_byte_sha "SHA-256"
err_has changed_byte_file "$F"
head -c 100 "$T/save.st" > "$F"
expect_rc truncated 3 "$BIN/certify" --check "$C" "$T/m.bin"
expect_rc other_file 3 "$BIN/nrc-check" --min-flip-data "$T/m.bin" "$C" "$T/m.bin"
err_has other_file_names "$T/m.bin"
cp "$T/save.st" "$F"

# claims made false in the JSON: exit 1 naming the claim
sed '0,/"U": "[^"]*"/s//"U": "0x0p+0"/' "$C" > "$T/c/u.json"
expect_rc U_lowered 1 "$BIN/nrc-check" "$T/c/u.json" "$T/m.bin"
err_has U_lowered_claim "min_flip.points[0].upper"
sed '0,/"D": "[^"]*"/s//"D": "0x1p+20"/' "$C" > "$T/c/d.json"
expect_rc D_raised 1 "$BIN/certify" --check "$T/c/d.json" "$T/m.bin"
err_has D_raised_claim "min_flip.points[0].lower"
sed '0,/"strict": true/s//"strict": "true"/' "$C" > "$T/c/s.json"
expect_rc strict_string 3 "$BIN/nrc-check" "$T/c/s.json" "$T/m.bin"
err_has strict_string_member "strict: expected a boolean"

# the certificate to stdout: the companion beside the model is named; the
# certificate kept elsewhere needs --min-flip-data
(cd "$T" && "$BIN/certify" --quiet --min-flip -o - m.bin > c/out.json 2> err)
expect_rc stdout_cert_elsewhere 3 "$BIN/nrc-check" "$T/c/out.json" "$T/m.bin"
expect_rc stdout_cert_data 0 "$BIN/nrc-check" --min-flip-data "$T/m.bin.minflip.safetensors" \
    "$T/c/out.json" "$T/m.bin"

# usage errors
expect_rc data_no_arg 2 "$BIN/nrc-check" "$C" "$T/m.bin" --min-flip-data
expect_rc data_with_cite 2 "$BIN/nrc-check" --cite "$C" --min-flip-data "$F"
"$BIN/nrc-check" --help | grep -q -e '--min-flip-data FILE' && pass help_nrc_check || fail help_nrc_check "no --min-flip-data"

[ $fails -eq 0 ]
