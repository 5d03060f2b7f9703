#!/bin/sh
# make demo: train the default network, then (as the pieces land) certify it
# and check the certificate. Outputs go to demo/.
set -e
BIN=${1:-bin}
mkdir -p demo
echo "== $BIN/train -o demo/model.bin   (defaults: spec/TRAINING.md; summary on stderr)"
"$BIN/train" -o demo/model.bin
echo "== $BIN/certify demo/model.bin   (writes demo/model.bin.cert.json; spec/CERTIFY.md)"
rc=0
"$BIN/certify" --emit-examples demo/model.bin.examples.json demo/model.bin || rc=$?
echo "== $BIN/certify --check demo/model.bin.cert.json demo/model.bin   (independent exact re-check)"
"$BIN/certify" --check demo/model.bin.cert.json demo/model.bin
exit $rc
