#!/bin/sh
# make demo: train the default network (gradient descent, then the KKT polish
# of spec/POLISH.md), certify it and check the certificate; then do the same
# for the gradient-descent network alone (--no-polish), so both the network
# GD produced and the KKT point it is heading for are certified side by side.
# Each command is shown as "$ command" with its output indented below it;
# outputs go to demo/.
# Exit: non-zero when train fails, certify fails with an error (exit >= 2),
# or the independent check rejects a certificate. certify's exit 1 (the run
# completed but not every claim is certified, e.g. a test point with
# N(x) = 0 exactly has no prediction to flip) is reported, not a failure:
# the verdict line says which claims are undecided, and every claim that is
# stated is checked.
BIN=${1:-bin}
OUT=demo
mkdir -p "$OUT" || exit 4
log=$(mktemp) || exit 4
trap 'rm -f "$log"' EXIT

# show COMMAND...: print "$ COMMAND", run it, print its output indented;
# the exit status is left in rc.
show() {
    echo "  \$ $*"
    "$@" > "$log" 2>&1
    rc=$?
    sed 's/^/      /' "$log"
}

summary=""
run() { # step title name train-options...
    step=$1; title=$2; name=$3; shift 3
    model="$OUT/$name.bin"
    echo "[$step] $title"
    show "$BIN/train" "$@" -o "$model"
    if [ "$rc" -ne 0 ]; then
        echo "demo: train failed with exit $rc" >&2
        exit "$rc"
    fi
    show "$BIN/certify" --emit-examples "$model.examples.json" "$model"
    crc=$rc
    if [ "$crc" -gt 1 ]; then
        echo "demo: certify failed with exit $crc" >&2
        exit "$crc"
    fi
    show "$BIN/certify" --check "$model.cert.json" "$model"
    if [ "$rc" -ne 0 ]; then
        echo "demo: the independent check rejected $model.cert.json (exit $rc)" >&2
        exit "$rc"
    fi
    if [ "$crc" -eq 0 ]; then
        verdict="every claim certified (exit 0)"
    else
        verdict="partly certified (exit 1: some claims undecided, asserting nothing)"
    fi
    echo "  -> $model.cert.json: $verdict; the independent exact check accepts it"
    echo
    summary="$summary
$(printf '  %-30s %s' "$model.cert.json" "$verdict")"
}

echo "nrc demo: the paper's setting (n=8 training points on the sphere of radius"
echo "sqrt(d), d=50000, width k=16, m=10 test points; spec/TRAINING.md), trained,"
echo "certified in exact arithmetic and re-checked by the independent checker."
echo
run 1/2 "Gradient descent, then the KKT polish (the default; spec/POLISH.md)" model
run 2/2 "Gradient descent alone (--no-polish)" model-gd --no-polish
echo "Certificates (both valid):$summary"
echo
echo "Next: $BIN/certify --cite $OUT/model.bin.cert.json   (a LaTeX table for a paper)"
echo "      $BIN/nrc-check $OUT/model.bin.cert.json $OUT/model.bin   (the checker alone)"
