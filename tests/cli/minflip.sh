#!/bin/sh
# CLI tests of `certify --min-flip` (spec/CERTIFICATE.md "min_flip",
# spec/CERTIFY.md step 11): the companion file (default name, --min-flip-data,
# named in the certificate by file name and SHA-256), byte-reproducibility
# across --threads, the same min_flip verdicts with --engine mpfr, models from
# train (defaults shrunk, --bias, --fix-second-layer, both), the output-path
# rules (spec/CLI.md: conflicts are usage errors, nothing written on a
# failure, the companion renamed before the certificate), and every
# certificate accepted by `certify --check` and bin/nrc-check.
# Run from the repo root with $BIN set (default bin).
BIN=${BIN:-bin}
case "$BIN" in /*) ;; *) BIN="$(pwd)/$BIN" ;; esac
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export OPENBLAS_NUM_THREADS=1
fails=0
pass() { echo "PASS minflip_$1"; }
fail() { echo "FAIL minflip_$1: $2"; fails=$((fails + 1)); }
expect_rc() { # name want cmd...
    name=$1; want=$2; shift 2
    "$@" > "$T/out" 2> "$T/err"
    rc=$?
    if [ "$rc" -eq "$want" ]; then pass "$name"; else fail "$name" "exit $rc, want $want: $(head -c 300 "$T/err")"; fi
}
# companion_field CERT FIELD: a string of min_flip.companion (jq is not a
# dependency: the writer puts one member per line)
companion_field() {
    sed -n '/"companion"/,/}/p' "$1" | sed -n "s/.*\"$2\": \"\\([^\"]*\\)\".*/\\1/p"
}

"$BIN/train" -n 6 -d 300 -k 8 -m 4 --steps 400 --seed 9 --quiet -o "$T/m.bin" 2> "$T/err" \
    || fail train "could not train a model: $(head -c 300 "$T/err")"

# --help documents the options
"$BIN/certify" --help > "$T/help"
grep -q -e '--min-flip ' "$T/help" && grep -q -e '--min-flip-data FILE' "$T/help" &&
    pass help || fail help "no --min-flip in --help"

# a run: exit 0, default companion beside the certificate, named by it
expect_rc run 0 "$BIN/certify" --min-flip "$T/m.bin"
C="$T/m.bin.cert.json"
F="$T/m.bin.cert.minflip.safetensors"
[ -s "$C" ] && [ -s "$F" ] && pass default_paths || fail default_paths "$(ls "$T")"
grep -q '^min-flip  train 6/6 both ends certified' "$T/out" && grep -q '^min-flip  test ' "$T/out" &&
    pass summary || fail summary "$(grep min-flip "$T/out")"
grep -q "^wrote     $F (min-flip companion" "$T/out" && pass summary_wrote || fail summary_wrote "$(tail -2 "$T/out")"
[ "$(companion_field "$C" file)" = m.bin.cert.minflip.safetensors ] && pass companion_name ||
    fail companion_name "file is '$(companion_field "$C" file)'"
sum=$(sha256sum "$F" | cut -d' ' -f1)
[ "$(companion_field "$C" sha256)" = "$sum" ] && pass companion_sha256 ||
    fail companion_sha256 "certificate says $(companion_field "$C" sha256), file is $sum"
[ "$(companion_field "$C" format)" = safetensors ] && pass companion_format || fail companion_format "?"
# the companion is a safetensors file with the four tensors
head -c 400 "$F" | grep -q '"x_adv":{"dtype":"F64","shape":\[[0-9]*,300\]' &&
    head -c 600 "$F" | grep -q '"tree":{"dtype":"I32"' &&
    head -c 600 "$F" | grep -q '"beta":{"dtype":"F64","shape":\[[0-9]*,8\]' &&
    head -c 600 "$F" | grep -q '"rho":{"dtype":"F64","shape":\[[0-9]*,8\]' &&
    pass companion_tensors || fail companion_tensors "$(head -c 400 "$F")"
expect_rc check 0 "$BIN/certify" --check "$C" "$T/m.bin"
expect_rc nrc_check 0 "$BIN/nrc-check" "$C" "$T/m.bin"
grep -q '"min_flip"' "$C" && pass member || fail member "no min_flip member"

# reproducible: the same bytes again and with --threads 2
cp "$C" "$T/c1.json"; cp "$F" "$T/f1"
"$BIN/certify" --quiet --min-flip --threads 2 "$T/m.bin" 2> "$T/err"
cmp -s "$C" "$T/c1.json" && cmp -s "$F" "$T/f1" && pass reproducible || fail reproducible "bytes differ"

# without --min-flip: no member, no companion (the certificate as before)
"$BIN/certify" --quiet -o "$T/plain.json" "$T/m.bin"
grep -q min_flip "$T/plain.json" && fail plain "min_flip without --min-flip" || pass plain
[ -e "$T/plain.minflip.safetensors" ] && fail plain_no_companion "companion written" || pass plain_no_companion

# --min-flip-data, and -o -: the companion's default is then MODEL's
expect_rc data_path 0 "$BIN/certify" --min-flip --min-flip-data "$T/sub.st" -o "$T/c2.json" "$T/m.bin"
[ -s "$T/sub.st" ] && [ "$(companion_field "$T/c2.json" file)" = sub.st ] && pass data_name ||
    fail data_name "$(companion_field "$T/c2.json" file)"
cmp -s "$T/sub.st" "$F" && pass data_same_bytes || fail data_same_bytes "companion differs"
(cd "$T" && "$BIN/certify" --min-flip -o - m.bin > stdout.json 2> err)
[ -s "$T/m.bin.minflip.safetensors" ] && grep -q '"file": "m.bin.minflip.safetensors"' "$T/stdout.json" &&
    pass stdout_default || fail stdout_default "$(ls "$T")"

# usage errors, before any work (exit 2), nothing written
rm -f "$T/x.json" "$T/x.st"
expect_rc data_without_flag 2 "$BIN/certify" --min-flip-data "$T/x.st" -o "$T/x.json" "$T/m.bin"
expect_rc data_stdout 2 "$BIN/certify" --min-flip --min-flip-data - -o "$T/x.json" "$T/m.bin"
expect_rc data_empty 2 "$BIN/certify" --min-flip --min-flip-data '' -o "$T/x.json" "$T/m.bin"
expect_rc data_is_cert 2 "$BIN/certify" --min-flip --min-flip-data "$T/x.json" -o "$T/x.json" "$T/m.bin"
expect_rc data_is_model 2 "$BIN/certify" --min-flip --min-flip-data "$T/m.bin" -o "$T/x.json" "$T/m.bin"
expect_rc data_is_examples 2 "$BIN/certify" --min-flip --min-flip-data "$T/x.st" --emit-examples "$T/x.st" \
    -o "$T/x.json" "$T/m.bin"
expect_rc data_dotdot 2 "$BIN/certify" --min-flip --min-flip-data "$T/.." -o "$T/x.json" "$T/m.bin"
bad=$(printf 'bad\377name')
expect_rc data_not_utf8 2 "$BIN/certify" --min-flip --min-flip-data "$T/$bad" -o "$T/x.json" "$T/m.bin"
grep -q 'not valid UTF-8' "$T/err" && pass data_not_utf8_msg || fail data_not_utf8_msg "$(cat "$T/err")"
[ -e "$T/x.json" ] || [ -e "$T/x.st" ] && fail usage_nothing_written "$(ls "$T")" || pass usage_nothing_written
# an unwritable companion directory: exit 4 before any work, no certificate
expect_rc data_no_dir 4 "$BIN/certify" --min-flip --min-flip-data "$T/nodir/x.st" -o "$T/x.json" "$T/m.bin"
[ -e "$T/x.json" ] && fail no_dir_nothing_written "certificate written" || pass no_dir_nothing_written

# the same verdicts with the mpfr engine (U, strict, trees: spec/MINFLIP.md 5.4)
"$BIN/certify" --quiet --min-flip --engine mpfr -o "$T/mp.json" "$T/m.bin"
sed -n '/"min_flip"/,/"kkt"/p' "$C" | grep -E '"(status|U|strict|row)"|\[' | tr -d ' ' > "$T/a"
sed -n '/"min_flip"/,/"kkt"/p' "$T/mp.json" | grep -E '"(status|U|strict|row)"|\[' | tr -d ' ' > "$T/b"
cmp -s "$T/a" "$T/b" && pass engines_agree || fail engines_agree "$(diff "$T/a" "$T/b" | head -5)"
expect_rc check_mpfr 0 "$BIN/certify" --check "$T/mp.json" "$T/m.bin"

# models from train with hidden biases and a fixed second layer
for opt in "--bias" "--fix-second-layer" "--bias --fix-second-layer"; do
    tag=$(echo "$opt" | tr -d ' -')
    # shellcheck disable=SC2086
    "$BIN/train" -n 6 -d 200 -k 8 -m 4 --steps 600 --seed 5 $opt --quiet -o "$T/$tag.bin" 2> "$T/err" ||
        { fail "train_$tag" "$(head -c 200 "$T/err")"; continue; }
    "$BIN/certify" --min-flip "$T/$tag.bin" > "$T/out" 2> "$T/err"
    rc=$?
    if [ $rc -le 1 ] && grep -q '^min-flip  train 6/6 both ends certified' "$T/out" &&
        "$BIN/certify" --check "$T/$tag.bin.cert.json" "$T/$tag.bin" > /dev/null 2>&1; then
        pass "model_$tag"
    else
        fail "model_$tag" "exit $rc: $(grep min-flip "$T/out") $(head -c 200 "$T/err")"
    fi
done

# The DDN comparison through the command line (tests/fixtures/minflip:
# DDN, a published minimal-norm L2 attack, in PyTorch float64 on four
# trained models): at every point the certified U of `certify --min-flip`
# is at most DDN's distance, and the certificate passes --check.
# mf_points CERT: "set index U" per certified upper claim (hex U as %.17g)
mf_points() {
    sed -n '/"min_flip"/,/"kkt"/p' "$1" | awk '
        /"set":/   { gsub(/[",]/, "", $2); set = $2 }
        /"index":/ { gsub(/,/, "", $2); idx = $2 }
        /"U":/     { gsub(/[",]/, "", $2); print set, idx, $2 }' |
    while read -r set idx u; do printf '%s %s %.17g\n' "$set" "$idx" "$u"; done
}
D=tests/fixtures/minflip
nddn=0 nabove=0
for mod in $(awk '/^model / {print $2}' "$D/ddn.txt"); do
    cp "$D/$mod" "$T/$mod"
    "$BIN/certify" --quiet --min-flip -o "$T/$mod.json" "$T/$mod" 2> "$T/err"
    if [ $? -gt 1 ] || ! "$BIN/certify" --check "$T/$mod.json" "$T/$mod" > "$T/out" 2>&1; then
        fail "ddn_$mod" "certify or --check failed: $(head -c 200 "$T/err") $(head -c 200 "$T/out")"
        continue
    fi
    mf_points "$T/$mod.json" > "$T/ours"
    awk -v m="$mod" '$1 == "model" { on = ($2 == m) } on && $1 == "point" { print $2, $3, $5 }' \
        "$D/ddn.txt" | while read -r set idx h; do printf '%s %s %.17g\n' "$set" "$idx" "$h"; done > "$T/ddn"
    # join on (set, index): ours U, DDN's distance
    r=$(awk 'NR == FNR { u[$1 " " $2] = $3; next }
             { k = $1 " " $2; if (!(k in u)) { miss++ } else { n++; if (u[k] + 0 > $3 + 0) { above++; print "     above:", k, u[k], $3 > "/dev/stderr" } } }
             END { printf "%d %d %d\n", n, above + 0, miss + 0 }' "$T/ours" "$T/ddn")
    set -- $r
    nddn=$((nddn + $1)); nabove=$((nabove + $2))
    [ "$2" -eq 0 ] && [ "$3" -eq 0 ] && pass "ddn_$mod" || fail "ddn_$mod" "$2 points with U above DDN's distance, $3 without a certified U"
done
[ $nddn -ge 60 ] && pass ddn_points || fail ddn_points "only $nddn points compared"
echo "     ddn: $nddn points, certified U above DDN's distance at $nabove"

[ $fails -eq 0 ]
