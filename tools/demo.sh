#!/bin/sh
# make demo: train the default network, then (as the pieces land) certify it
# and check the certificate. Outputs go to demo/.
set -e
BIN=${1:-bin}
mkdir -p demo
echo "== $BIN/train -o demo/model.bin   (defaults: spec/TRAINING.md; summary on stderr)"
"$BIN/train" -o demo/model.bin
