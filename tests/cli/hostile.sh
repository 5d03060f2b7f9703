#!/bin/sh
# Numeric hostility (spec/HOSTILE.md): models with huge, tiny and subnormal
# weights, duplicated and dead neurons, exact ReLU kinks, one class only,
# n = d = k = 1, a zero training point, an all-zero network, misclassified
# points, a near tie (tests/fuzz/corpus/model/ok_hostile_*.bin, written by
# tests/fuzz/make_corpus.py), and tiny models from bin/train.
# For each, with both engines: certify never crashes; it exits 0 or 1 and
# writes a certificate that `certify --check` accepts (exit 0), or it exits 3
# with the documented "cannot be written in binary64" message (spec/CERTIFY.md:
# a zero training point, or quantities beyond the binary64 range) and writes
# nothing.  Both engines give the same statuses.  Where the truth is known in
# closed form, the answer is asserted (e.g. N = 0 everywhere: nothing fits,
# no flip certified).  Run from the repository root with $BIN set.
BIN=${BIN:-bin}
C="$BIN/certify"
T="$BIN/train"
case $C in /*) ;; *) C="$(pwd)/$C" ;; esac
case $T in /*) ;; *) T="$(pwd)/$T" ;; esac
MODELS="$(pwd)/tests/fuzz/corpus/model"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
# Run private copies: in a shared tree another make may relink $BIN while the
# script runs (exec then fails with EACCES or ETXTBSY). A program is copied
# once it is executable again, i.e. once its link has finished.
snap() {
    s_i=0
    while [ $s_i -lt 100 ]; do
        if [ -x "$1" ] && cp "$1" "$tmp/$2" 2> /dev/null; then return 0; fi
        sleep 0.2; s_i=$((s_i + 1))
    done
    echo "FAIL snapshot: cannot copy $1"; exit 1
}
mkdir "$tmp/prog"
snap "$C" prog/certify; C="$tmp/prog/certify"
snap "$T" prog/train; T="$tmp/prog/train"
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; failed=1; }

statuses() { # the status members of a certificate, one line
    grep -o '"status": "[a-z-]*"' "$1" | tr '\n' ' '
}
certified_flips() { # how many flip entries are certified
    awk '/"flips": \[/{f=1} f&&/"status": "certified"/{c++} f&&/^  \]/{f=0} END{print c+0}' "$1"
}

# certify_case NAME MODEL: both engines, --check on what they wrote.
# Sets $answer to the exit code of the fast engine.
certify_case() {
    name=$1; model=$2
    answer=x
    for engine in fast mpfr; do
        out="$tmp/out-$engine"
        rm -rf "$out"; mkdir "$out"
        timeout 300 "$C" "$model" --engine "$engine" -o "$out/cert.json" --quiet \
            > "$tmp/stdout" 2> "$tmp/stderr"
        rc=$?
        [ "$engine" = fast ] && answer=$rc
        case $rc in
        0|1)
            if [ ! -s "$out/cert.json" ]; then
                fail "${name}_$engine" "exit $rc but no certificate"; continue
            fi
            timeout 300 "$C" --check "$out/cert.json" "$model" > "$tmp/chk" 2>&1
            crc=$?
            if [ $crc -ne 0 ]; then
                fail "${name}_$engine" "certify exit $rc, but --check exits $crc: $(head -c 400 "$tmp/chk")"
                continue
            fi
            pass "${name}_$engine"
            ;;
        3)
            n=$(ls -A "$out" | wc -l)
            if grep -q -e 'binary64 range' -e 'zero vector' "$tmp/stderr" &&
               grep -q "^certify: error: $model: " "$tmp/stderr" && [ "$n" -eq 0 ]; then
                pass "${name}_$engine"
            else
                fail "${name}_$engine" "exit 3 without the documented reason or with output ($n files): $(head -c 300 "$tmp/stderr")"
            fi
            ;;
        *)
            fail "${name}_$engine" "exit $rc (crash or undocumented): $(head -c 300 "$tmp/stderr")"
            ;;
        esac
    done
    if [ -s "$tmp/out-fast/cert.json" ] && [ -s "$tmp/out-mpfr/cert.json" ]; then
        if [ "$(statuses "$tmp/out-fast/cert.json")" = "$(statuses "$tmp/out-mpfr/cert.json")" ]; then
            pass "${name}_engines_agree"
        else
            fail "${name}_engines_agree" "fast: $(statuses "$tmp/out-fast/cert.json") / mpfr: $(statuses "$tmp/out-mpfr/cert.json")"
        fi
    fi
}

for f in "$MODELS"/ok_hostile_*.bin; do
    [ -f "$f" ] || { fail hostile_models "none in $MODELS"; break; }
    name=$(basename "$f" .bin | sed 's/^ok_hostile_//')
    certify_case "$name" "$f"
    cert="$tmp/out-fast/cert.json"
    # Closed-form truths.
    case $name in
    zero_network)   # N = 0 everywhere: no point fits, nothing flips (or the
                    # documented refusal: ||theta||^2 = 0 makes the
                    # normalized margin undefined).
        if [ "$answer" = 3 ] || { [ "$answer" = 1 ] && grep -q '"all_correct": false' "$cert" &&
           [ "$(certified_flips "$cert")" -eq 0 ]; }; then pass zero_network_truth
        else fail zero_network_truth "exit $answer, certified flips $(certified_flips "$cert")"; fi ;;
    n1_d1_k1|one_class)  # N >= 0 on the whole ray x - s z: no flip exists.
        if [ "$answer" = 1 ] && [ "$(certified_flips "$cert")" -eq 0 ]; then pass "${name}_truth"
        else fail "${name}_truth" "exit $answer, certified flips $(certified_flips "$cert")"; fi ;;
    misclassified)  # q = (1, -1, 0, -2): not all correct, KKT cannot hold.
        if [ "$answer" = 1 ] && grep -q '"all_correct": false' "$cert" &&
           ! grep -A1 '"kkt": {' "$cert" | grep -q '"certified"'; then pass misclassified_truth
        else fail misclassified_truth "exit $answer"; fi ;;
    dead_neurons)   # an easy, well separated model: everything certifies.
        if [ "$answer" = 0 ]; then pass dead_neurons_truth
        else fail dead_neurons_truth "exit $answer, expected 0"; fi ;;
    zero_point)     # eps_data = (n-1) rho / 0: documented refusal.
        if [ "$answer" = 3 ]; then pass zero_point_truth
        else fail zero_point_truth "exit $answer, expected 3"; fi ;;
    esac
done

# Tiny and degenerate models made by train itself.
i=0
for args in "-n 1 -d 1 -k 1 -m 0" "-n 1 -d 1 -k 1 -m 1 --bias" \
            "-n 2 -d 1 -k 1 -m 0 --fix-second-layer" \
            "-n 3 -d 2 -k 1 -m 2 --bias --fix-second-layer --loss exp" \
            "-n 6 -d 3 -k 2 -m 1 --init-scale 1e-300" \
            "-n 4 -d 3 -k 2 -m 1 --init-scale 1e150"; do
    i=$((i + 1))
    # shellcheck disable=SC2086
    if ! timeout 120 "$T" $args --steps 40 -o "$tmp/train$i.bin" --quiet 2> "$tmp/terr"; then
        fail "train_$i" "train $args failed: $(head -c 300 "$tmp/terr")"; continue
    fi
    certify_case "train_$i" "$tmp/train$i.bin"
done

exit $failed
