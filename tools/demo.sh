#!/bin/sh
# make demo: train the default network (gradient descent, then the KKT polish
# of spec/POLISH.md), certify it and check the certificate; then do the same
# for the gradient-descent network alone (--no-polish), so both the network
# GD produced and the KKT point it is heading for are certified side by side.
# Outputs go to demo/.
# Exit: non-zero when train fails, certify fails with an error (exit >= 2),
# or the independent check rejects a certificate. certify's exit 1 (the run
# completed but not every claim is certified, e.g. a test point with
# N(x) = 0 exactly has no prediction to flip) is reported, not a failure:
# the verdict line says which claims are undecided, and every claim that is
# stated is checked.
set -e
BIN=${1:-bin}
mkdir -p demo

run() { # name, train options...
    name=$1; shift
    echo "== $BIN/train $* -o demo/$name.bin   (spec/TRAINING.md; summary on stderr)"
    "$BIN/train" "$@" -o "demo/$name.bin"
    echo "== $BIN/certify demo/$name.bin   (writes demo/$name.bin.cert.json; spec/CERTIFY.md)"
    rc=0
    "$BIN/certify" --emit-examples "demo/$name.bin.examples.json" "demo/$name.bin" || rc=$?
    if [ $rc -gt 1 ]; then
        echo "demo: certify failed with exit $rc" >&2
        exit $rc
    fi
    echo "== $BIN/certify --check demo/$name.bin.cert.json demo/$name.bin   (independent exact re-check)"
    "$BIN/certify" --check "demo/$name.bin.cert.json" "demo/$name.bin"
    if [ $rc -eq 1 ]; then
        echo "demo: certify exit 1 for demo/$name.bin: not every claim is certified (see its verdict line); every claim it states holds (checked above)"
    fi
    echo
}
run model
run model-gd --no-polish
echo "demo: certificates demo/model.bin.cert.json (polished, the default) and demo/model-gd.bin.cert.json (gradient descent only) are valid"
