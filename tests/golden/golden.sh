#!/bin/sh
# Golden outputs of `certify`: the certificate, the examples file, the
# min-flip companion (--min-flip), the exit code, stdout (the summary, with the seconds of its "time" line masked) and
# stderr of every case in tests/golden/cases, byte for byte; and every
# certificate written must pass `certify --check` (in both modes).
#
#   sh tests/golden/golden.sh check [PATTERN]   compare (tests/cli/golden.sh)
#   sh tests/golden/golden.sh regen [PATTERN]   rewrite tests/golden/out/
#
# PATTERN (a shell glob on case names) restricts the run. Run from the
# repository root with $BIN set (default bin). A changed byte is a failure:
# a deliberate change of certify's output regenerates the goldens in the
# same commit, so the diff shows what changed.
#
# Inputs: committed model files, except the two models of `make demo`
# (13 MB each), which are trained here with tools/demo.sh's options into
# $BUILD/golden-demo and compared only when their SHA-256 equals the one in
# tests/golden/demo.sha256 (train's output is another module's business: when
# it changes, the demo cases are reported as not compared and `regen`
# records the new models). Examples files of the demo models are kept as
# their SHA-256 (22 MB each).
mode=${1:-check}
pat=${2:-*}
BIN=${BIN:-bin}
BUILD=${BUILD:-build}
case "$BIN" in /*) ;; *) BIN="$(pwd)/$BIN" ;; esac
case "$BUILD" in /*) ;; *) BUILD="$(pwd)/$BUILD" ;; esac
ROOT=$(pwd)
G="$ROOT/tests/golden"
OUT="$G/out"
case $mode in check|regen) ;; *) echo "usage: golden.sh check|regen [PATTERN]" >&2; exit 2 ;; esac
export OPENBLAS_NUM_THREADS=1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
check_fails=0
skipped=0
mkdir -p "$OUT"

# The demo models, trained as tools/demo.sh trains them.
DEMO="$BUILD/golden-demo"
demo_ok=0
demo_models() {
    mkdir -p "$DEMO"
    "$BIN/train" --quiet -o "$DEMO/model.bin" &&
        "$BIN/train" --quiet --no-polish -o "$DEMO/model-gd.bin" || return 1
    (cd "$DEMO" && sha256sum model.bin model-gd.bin) > "$T/demo.sha256"
}
need_demo=0
for n in $(grep -v '^#' "$G/cases" | awk 'NF && $2 ~ /^demo:/ {print $1}'); do
    case $n in $pat) need_demo=1 ;; esac
done
if [ $need_demo -eq 1 ]; then
    if ! demo_models; then
        echo "FAIL golden_demo_train: could not train the demo models"
        fails=$((fails + 1))
    elif [ "$mode" = regen ]; then
        cp "$T/demo.sha256" "$G/demo.sha256"
        demo_ok=1
    elif cmp -s "$T/demo.sha256" "$G/demo.sha256"; then
        demo_ok=1
    else
        echo "     note: bin/train no longer makes the demo models of tests/golden/demo.sha256;"
        echo "     note: the demo cases are not compared (regenerate: sh tests/golden/golden.sh regen 'demo-*')"
    fi
fi

# run_case NAME MODEL OPTIONS...: outputs into $T/got/
run_case() {
    name=$1; model=$2; shift 2
    rm -rf "$T/got" "$T/w"; mkdir -p "$T/got" "$T/w"
    case $model in
    demo:*) src="$DEMO/${model#demo:}.bin"; demo=1 ;;
    *) src="$ROOT/$model"; demo=0 ;;
    esac
    base=$(basename "$src")
    ln -s "$src" "$T/w/$base"
    ex=
    set -- "$@"
    opts=
    for a in "$@"; do
        if [ "$a" = --emit-examples ]; then ex="$name.examples.json"; opts="$opts --emit-examples $ex"
        else opts="$opts $a"; fi
    done
    # shellcheck disable=SC2086
    (cd "$T/w" && "$BIN/certify" $opts -o "$name.cert.json" "$base" > stdout 2> stderr; echo "exit $?" > rc)
    {
        cat "$T/w/rc"
        echo "--- stdout"
        sed -E '/^time /s/[0-9]+\.[0-9]+/T/g' "$T/w/stdout"
        echo "--- stderr"
        cat "$T/w/stderr"
    } > "$T/got/$name.out"
    if [ -f "$T/w/$name.cert.json" ]; then
        cp "$T/w/$name.cert.json" "$T/got/"
        # every certificate written is re-checked by the independent checker
        if ! "$BIN/certify" --check "$T/w/$name.cert.json" "$src" > "$T/w/check" 2>&1; then
            echo "FAIL golden_${name}_check: --check rejects the certificate: $(head -c 300 "$T/w/check")"
            check_fails=$((check_fails + 1))
        fi
    fi
    # the min-flip companion (--min-flip; its default name beside the
    # certificate), byte for byte like the certificate that names it
    if [ -f "$T/w/$name.cert.minflip.safetensors" ]; then
        cp "$T/w/$name.cert.minflip.safetensors" "$T/got/$name.minflip.safetensors"
    fi
    if [ -n "$ex" ] && [ -f "$T/w/$ex" ]; then
        if [ $demo -eq 1 ]; then
            (cd "$T/w" && sha256sum "$ex") > "$T/got/$name.examples.sha256"
        else
            cp "$T/w/$ex" "$T/got/"
        fi
    fi
}

ncases=0
grep -v '^#' "$G/cases" | awk 'NF' > "$T/cases"
while read -r name model rest; do
    case $name in $pat) ;; *) continue ;; esac
    case $model in demo:*) [ $demo_ok -eq 1 ] || { skipped=$((skipped + 1)); continue; } ;; esac
    ncases=$((ncases + 1))
    # shellcheck disable=SC2086
    run_case "$name" "$model" $rest
    if [ "$mode" = regen ]; then
        rm -f "$OUT/$name".*
        cp "$T/got/"* "$OUT/"
        continue
    fi
    bad=
    for f in "$T/got/"*; do
        b=$(basename "$f")
        if [ ! -f "$OUT/$b" ]; then bad="$bad $b(new)"
        elif ! cmp -s "$f" "$OUT/$b"; then bad="$bad $b"; fi
    done
    for f in "$OUT/$name".*; do
        [ -f "$f" ] || continue
        [ -f "$T/got/$(basename "$f")" ] || bad="$bad $(basename "$f")(missing)"
    done
    if [ -z "$bad" ]; then
        echo "PASS golden_$name"
    else
        echo "FAIL golden_$name: differs:$bad"
        for b in $bad; do
            case $b in *'('*) continue ;; esac
            diff "$OUT/$b" "$T/got/$b" | head -20 | sed 's/^/     /'
        done
        fails=$((fails + 1))
    fi
done < "$T/cases"
[ "$mode" = regen ] && echo "golden: regenerated $ncases cases in tests/golden/out"
[ $skipped -gt 0 ] && echo "     note: $skipped demo cases not compared"
[ $fails -eq 0 ] && [ $check_fails -eq 0 ]
