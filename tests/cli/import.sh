#!/bin/sh
# CLI tests of bin/import and bin/export (spec/IMPORT.md): usage, the
# PyTorch fixtures of tests/fixtures/import/ end to end (import, certify,
# --check, export of the adversarial examples identical to the committed
# ones that PyTorch's float64 forward pass saw flip), the model round trip
# (export, import: the same tensors bit for bit), and every hostile input of
# tests/fuzz/corpus/{safetensors,numpy,examples}/bad_*: exit 3, the file
# named, no output file. Run from the repo root with $BIN set (default bin).
BIN=${BIN:-bin}
case "$BIN" in /*) ;; *) BIN="$(pwd)/$BIN" ;; esac
ROOT=$(pwd)
FIX="$ROOT/tests/fixtures/import"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export OPENBLAS_NUM_THREADS=1 TZ=UTC
fails=0
pass() { echo "PASS import_$1"; }
fail() { echo "FAIL import_$1: $2"; fails=$((fails + 1)); }
expect_rc() { # name want cmd...
    name=$1; want=$2; shift 2
    "$@" > "$T/out" 2> "$T/err"
    rc=$?
    if [ "$rc" -eq "$want" ]; then pass "$name"; else fail "$name" "exit $rc, want $want: $(head -c 300 "$T/err")"; fi
}
# empty_dir DIR: nothing in it (no output, no temporary file)
empty_dir() { [ -z "$(ls -A "$1")" ]; }

# ---- usage ----
expect_rc help 0 "$BIN/import" --help
grep -q '^usage: import' "$T/out" && grep -q -- '--layout' "$T/out" && pass help_text || fail help_text "no usage"
expect_rc export_help 0 "$BIN/export" --help
grep -q '^usage: export' "$T/out" && pass export_help_text || fail export_help_text "no usage"
expect_rc version 0 "$BIN/import" --version
grep -q '^import (nrc) ' "$T/out" && pass version_text || fail version_text "$(cat "$T/out")"
expect_rc export_version 0 "$BIN/export" --version
expect_rc no_args 2 "$BIN/import"
expect_rc unknown_option 2 "$BIN/import" --weights a --frobnicate
expect_rc bad_layout 2 "$BIN/import" --weights a --layout sideways
expect_rc bad_labels 2 "$BIN/import" --weights a --labels yes
expect_rc bad_name 2 "$BIN/import" --weights a --name Q=x
expect_rc missing_value 2 "$BIN/import" --weights
expect_rc export_no_output 2 "$BIN/export" m.bin
expect_rc export_bad_extension 2 "$BIN/export" m.bin -o m.txt
expect_rc export_model_npy 2 "$BIN/export" m.bin -o m.npy

# ---- the PyTorch fixtures, end to end ----
for c in st_f32_bias st_f64_nobias npz_inout_mapped npzc_f32_outbias st_bf16 npz_f16; do
    D="$T/$c"; mkdir -p "$D"
    # shellcheck disable=SC2046
    (cd "$FIX/$c" && "$BIN/import" --quiet $(cat args) -o "$D/model.bin") 2> "$T/err" \
        && pass "${c}_import" || { fail "${c}_import" "$(head -c 300 "$T/err")"; continue; }
    "$BIN/certify" --quiet --emit-examples "$D/ex.json" -o "$D/cert.json" "$D/model.bin" 2> "$T/err"
    rc=$?
    [ "$rc" -eq 0 ] && pass "${c}_certified" || fail "${c}_certified" "certify exit $rc: $(head -c 300 "$T/err")"
    expect_rc "${c}_check" 0 "$BIN/certify" --check "$D/cert.json" "$D/model.bin"
    ok=1
    for f in npy npz safetensors; do
        "$BIN/export" --quiet --examples "$D/ex.json" --model "$D/model.bin" -o "$D/adv.$f" 2> "$T/err" || ok=0
        cmp -s "$D/adv.$f" "$FIX/$c/adv.$f" || ok=0
    done
    [ $ok -eq 1 ] && pass "${c}_examples_reproduced" \
        || fail "${c}_examples_reproduced" "exported examples differ from the committed ones PyTorch checked"
    rows=$(grep -c '"status": "certified"' "$D/ex.json")
    flips=$(grep -c '^[a-z]* [0-9]* sign .* flipped$' "$FIX/$c/flips.txt")
    [ "$rows" -gt 0 ] && [ "$rows" -eq "$flips" ] && ! grep -q ' NOT$' "$FIX/$c/flips.txt" \
        && pass "${c}_pytorch_flips" || fail "${c}_pytorch_flips" "$rows certified examples, $flips flips seen by PyTorch"
    # the metadata validates (the reader checks it) and records the provenance
    grep -q '"generator":"nrc-import"' "$D/model.bin" && grep -q '"sha256":"' "$D/model.bin" \
        && pass "${c}_provenance" || fail "${c}_provenance" "no provenance in the metadata"
done

# ---- a trained model: export, import back, identical tensors ----
"$BIN/train" -n 5 -d 40 -k 6 -m 3 --bias --steps 200 --seed 4 --quiet -o "$T/m.bin" 2> "$T/err" \
    || fail train "$(head -c 300 "$T/err")"
for f in safetensors npz; do
    expect_rc "roundtrip_export_$f" 0 "$BIN/export" --quiet "$T/m.bin" -o "$T/m.$f"
    expect_rc "roundtrip_import_$f" 0 "$BIN/import" --quiet --weights "$T/m.$f" -o "$T/m2.bin"
    "$BIN/export" --quiet "$T/m2.bin" -o "$T/m2.$f"
    # every tensor byte equal: the two exports differ at most in the
    # __metadata__ line that names the model's SHA-256 (safetensors)
    if [ $f = npz ]; then
        cmp -s "$T/m.$f" "$T/m2.$f" && pass roundtrip_bits_$f || fail roundtrip_bits_$f "npz exports differ"
    else
        s1=$(wc -c < "$T/m.$f"); s2=$(wc -c < "$T/m2.$f")
        tail -c 4000 "$T/m.$f" > "$T/a"; tail -c 4000 "$T/m2.$f" > "$T/b"
        [ "$s1" -eq "$s2" ] && cmp -s "$T/a" "$T/b" && pass roundtrip_bits_$f || fail roundtrip_bits_$f "safetensors data differ"
    fi
    "$BIN/certify" --quiet -o "$T/c.json" "$T/m2.bin" 2> "$T/err"; rc=$?
    [ $rc -le 1 ] && [ -s "$T/c.json" ] && pass "roundtrip_certify_$f" || fail "roundtrip_certify_$f" "exit $rc: $(head -c 300 "$T/err")"
    expect_rc "roundtrip_check_$f" 0 "$BIN/certify" --check "$T/c.json" "$T/m2.bin"
done

# ---- hostile inputs: exit 3, the file named, no output ----
# hostile NAME PROG OPTION FILE OUTNAME: exit 3, "PROG: error: ...FILE...", no output
hostile() {
    mkdir -p "$T/out.d"
    "$BIN/$2" "$3" "$4" -o "$T/out.d/$5" > "$T/out" 2> "$T/err"
    rc=$?
    if [ $rc -eq 3 ] && grep -q "^$2: error: .*$(basename "$4")" "$T/err" && empty_dir "$T/out.d"; then
        pass "$1"
    else
        fail "$1" "exit $rc, output: $(ls "$T/out.d") $(head -c 200 "$T/err")"
    fi
    rm -rf "$T/out.d"
}
for f in "$ROOT"/tests/fuzz/corpus/safetensors/bad_* "$ROOT"/tests/fuzz/corpus/numpy/bad_*; do
    hostile "hostile_$(basename "$f")" import --weights "$f" model.bin
done
for f in "$ROOT"/tests/fuzz/corpus/examples/bad_*; do
    hostile "hostile_examples_$(basename "$f")" export --examples "$f" x.safetensors
done
# no allocation beyond what the file justifies: the bombs and the 10^12-element
# shapes are refused (3, not 4) under a 200 MB address-space limit
# (not with the sanitizers, whose shadow memory needs terabytes of address space)
case "$BIN" in *-san*) echo "SKIP import_memory_limit (sanitizer build)" ;; *)
for f in numpy/bad_bomb_declared_huge.npz numpy/bad_bomb_lying_size.npz numpy/bad_member_1e12.npz \
         numpy/bad_shape_1e12.npy safetensors/bad_shape_1e12.safetensors; do
    (ulimit -v 200000; "$BIN/import" --weights "$ROOT/tests/fuzz/corpus/$f" -o "$T/lim.bin") > /dev/null 2> "$T/err"
    rc=$?
    [ $rc -eq 3 ] && pass "memory_limit_$(basename "$f")" || fail "memory_limit_$(basename "$f")" "exit $rc: $(head -c 200 "$T/err")"
done ;;
esac
# the same hostile tensors as data of a valid network
mkdir -p "$T/out.d"
"$BIN/import" --weights "$FIX/st_f64_nobias/net.safetensors" --data "$ROOT/tests/fuzz/corpus/numpy/bad_bomb_lying_size.npz" \
    -o "$T/out.d/m.bin" > "$T/out" 2> "$T/err"
[ $? -eq 3 ] && grep -q 'bad_bomb_lying_size.npz: member z.npy' "$T/err" && empty_dir "$T/out.d" \
    && pass hostile_as_data || fail hostile_as_data "$(head -c 300 "$T/err")"
# values the readers accept but the importer refuses (tensor and element named)
"$BIN/import" --W "$ROOT/tests/fuzz/corpus/numpy/ok_nan.npy" --v "$ROOT/tests/fuzz/corpus/numpy/ok_nan.npy" \
    --X "$FIX/npzc_f32_outbias/X.npy" --y "$FIX/npzc_f32_outbias/y.npy" -o "$T/out.d/m.bin" > "$T/out" 2> "$T/err"
rc=$?
[ $rc -eq 3 ] && grep -q 'ok_nan.npy' "$T/err" && empty_dir "$T/out.d" && pass hostile_nan_value \
    || fail hostile_nan_value "exit $rc: $(head -c 300 "$T/err")"
# an existing output is untouched when the import fails
echo keep > "$T/keep.bin"
"$BIN/import" --weights "$ROOT/tests/fuzz/corpus/safetensors/bad_overlap.safetensors" -o "$T/keep.bin" 2> /dev/null
[ "$(cat "$T/keep.bin")" = keep ] && pass existing_output_kept || fail existing_output_kept "overwritten"
# inputs that are not regular files: exit 3 at once (a FIFO must not hang)
mkdir -p "$T/adir" "$T/out.d"
mkfifo "$T/fifo"
expect_rc input_directory 3 "$BIN/import" --weights "$T/adir" -o "$T/out.d/m.bin"
expect_rc input_fifo 3 timeout 10 "$BIN/import" --weights "$T/fifo" -o "$T/out.d/m.bin"
expect_rc input_missing 3 "$BIN/import" --weights "$T/none.npz" -o "$T/out.d/m.bin"
: > "$T/empty"
expect_rc input_empty 3 "$BIN/import" --weights "$T/empty" -o "$T/out.d/m.bin"
expect_rc examples_fifo 3 timeout 10 "$BIN/export" --examples "$T/fifo" -o "$T/out.d/x.npy"
empty_dir "$T/out.d" && pass inputs_no_output || fail inputs_no_output "$(ls "$T/out.d")"
# the output naming an input: exit 2, the input untouched
cp "$FIX/npz_f16/net.npz" "$T/in.npz"
expect_rc output_is_input 2 "$BIN/import" --weights "$T/in.npz" -o "$T/in.npz"
cmp -s "$T/in.npz" "$FIX/npz_f16/net.npz" && pass output_is_input_kept || fail output_is_input_kept "input replaced"
ln -s in.npz "$T/link.npz"
expect_rc output_is_input_link 2 "$BIN/import" --weights "$T/in.npz" -o "$T/link.npz"
cp "$T/m.bin" "$T/m3.npz"
expect_rc export_output_is_input 2 "$BIN/export" "$T/m3.npz" -o "$T/m3.npz"
cmp -s "$T/m.bin" "$T/m3.npz" && pass export_output_is_input_kept || fail export_output_is_input_kept "input replaced"
# output onto a directory: exit 4, nothing written
mkdir -p "$T/dir.bin"
expect_rc output_directory 4 "$BIN/import" --weights "$FIX/npz_f16/net.npz" -o "$T/dir.bin"
# the examples of another model: refused
"$BIN/certify" --quiet --emit-examples "$T/ex.json" -o "$T/c.json" "$T/m.bin" > /dev/null 2>&1
expect_rc examples_wrong_model 3 "$BIN/export" --examples "$T/ex.json" --model "$FIX/../certify/torch-logistic-constant.bin" -o "$T/x.npy"
grep -q 'model_sha256' "$T/err" && pass examples_wrong_model_message || fail examples_wrong_model_message "$(cat "$T/err")"
[ ! -e "$T/x.npy" ] && pass examples_wrong_model_no_output || fail examples_wrong_model_no_output "x.npy written"
expect_rc examples_not_json 3 "$BIN/export" --examples "$FIX/st_bf16/args" -o "$T/x.npy"

[ "$fails" -eq 0 ]
