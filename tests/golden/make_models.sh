#!/bin/sh
# Trains the small models of the certificate goldens (tests/golden/cases)
# into tests/golden/models/. They are committed: the goldens pin the
# certifier, so its inputs must not move when train changes. Re-run this
# only to replace the inputs on purpose (then regenerate the goldens with
# `sh tests/golden/golden.sh regen` and commit both).
# Run from the repository root with $BIN set (default bin).
set -e
BIN=${BIN:-bin}
OUT=tests/golden/models
mkdir -p "$OUT"
t() { # name, train options...
    name=$1; shift
    "$BIN/train" --quiet "$@" -o "$OUT/$name.bin"
}
t g-default   -n 8 -d 400 -k 16 -m 10 --seed 1
t g-nopolish  -n 8 -d 400 -k 16 -m 10 --seed 1 --no-polish
t g-cli       -n 6 -d 300 -k 8 -m 4 --steps 400 --seed 3
t g-bias      -n 6 -d 300 -k 8 -m 4 --bias --seed 2
t g-fixv      -n 6 -d 300 -k 8 -m 4 --fix-second-layer --seed 3
t g-fixv-bias -n 6 -d 300 -k 8 -m 4 --fix-second-layer --bias --seed 4
t g-exp       -n 6 -d 200 -k 8 -m 4 --loss exp --schedule loss --lr 0.01 --steps 500 --seed 5
t g-gauss     -n 30 -d 5 -k 8 -m 6 --data gaussian --labels random --steps 300 --seed 6
t g-const     -n 10 -d 100 -k 12 -m 5 --schedule constant --lr 0.05 --steps 2000 --init-scale 0.01 --seed 7 --no-polish
t g-vacuous   -n 8 -d 300 -k 32 -m 4 --init-scale 0.3 --steps 10 --no-polish --seed 4
# wider than one block of the KKT product (claim_kkt.c, KKT_COLS = 4096):
# three blocks, the row of ones in the last; fractional kink g (bias)
t g-wide-bias -n 3 -d 8200 -k 6 -m 1 --bias --seed 12
t g-wide-fixv -n 3 -d 8200 -k 4 -m 1 --fix-second-layer --seed 9
