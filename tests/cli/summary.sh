#!/bin/sh
# The summary certify prints says why (issue 26, spec/CERTIFY.md "The
# summary"): each point that is not certified counted by reason, the theory's
# training-point prediction beside the training points only, a vacuous KKT
# bound (eps_rel near or above 1, or data outside the regime) said in words,
# the training record before and after the polish on separate lines, and
# nothing for a model without train's metadata. The whole text of these
# cases is pinned by tests/golden (NAME.out); this test names the phrases
# each must keep. Run from the repository root with $BIN set (default bin).
BIN=${BIN:-bin}
case "$BIN" in /*) ;; *) BIN="$(pwd)/$BIN" ;; esac
G="$(pwd)/tests/golden/models"
FIX="$(pwd)/tests/fixtures"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export OPENBLAS_NUM_THREADS=1
fails=0
pass() { echo "PASS summary_$1"; }
fail() { echo "FAIL summary_$1: $2"; fails=$((fails + 1)); }
run() { # name model -> $T/name.txt
    "$BIN/certify" -o "$T/$1.json" "$2" > "$T/$1.txt" 2>&1
}
has() { # case name, fixed string
    if grep -qF -- "$3" "$T/$2.txt"; then pass "$1"; else fail "$1" "no '$3' in: $(cat "$T/$2.txt")"; fi
}
hasnt() {
    if grep -qF -- "$3" "$T/$2.txt"; then fail "$1" "'$3' in: $(cat "$T/$2.txt")"; else pass "$1"; fi
}

# all certified: no reason lines, the plain verdict
run all "$G/g-cli.bin"
has all_verdict all 'verdict   CERTIFIED in exact arithmetic'
hasnt all_no_reasons all '          0 '
hasnt all_no_vacuous all 'vacuous here'

# partly certified: every point that is not certified, counted by reason
run partly "$FIX/../fuzz/corpus/model/ok_hostile_misclassified.bin"
has partly_none partly '          3 training points with no sign change along -p z (binary64 sweep)'
has partly_zero partly '          1 training point with N(x) = 0 exactly: no prediction to flip'
has partly_verdict partly 'verdict   PARTLY certified: 0 of 4 flips certified (1 undecided, 3 with no flip found: reasons under flips)'
run exp "$G/g-exp.bin"
has partly_test exp '          1 test point with N(x) = 0 exactly: no prediction to flip'

# the theory's prediction is about training points: beside them only
has theory_train exp '(theory for training points: ||z||/n/||x|| = '
if grep '^flips     test' "$T/exp.txt" | grep -q theory; then
    fail theory_not_test "theory beside the test points: $(grep '^flips' "$T/exp.txt")"
else
    pass theory_not_test
fi

# a vacuous KKT bound, said in words, here and in the verdict
run vacuous "$G/g-vacuous.bin"
has vacuous_near vacuous 'is near 1 (lambda = 0 gives 1): the bound says little'
has vacuous_verdict vacuous 'the KKT residual bounds (vacuous here, see kkt'
run above "$FIX/certify/wide-2p100.bin"
has vacuous_above above 'is vacuous: lambda = 0 gives eps_rel = 1 for any network'
has outside_regime exp 'the data are outside the nearly orthogonal regime: the theorem'
has outside_verdict exp 'data outside the regime: no consequence for robustness'

# a polished model: gradient descent and the polish on separate lines
has polish_gd exp 'training  gradient descent, 500 steps: min margin 3.734e+09'
has polish_line exp 'polish    converged and adopted: the network in the file, rescaled to min margin 1'
has polish_loss exp '(the loss at min margin 1, not a failed training; the model'"'"'s metadata, not certified)'
run gd "$G/g-nopolish.bin"
has gd_only gd 'training  gradient descent, 3000 steps, loss'
hasnt gd_no_polish gd 'polish    '

# a model without train's metadata: no training line
run torch "$FIX/certify/torch-logistic-normalized-fitted.bin"
hasnt no_record torch 'training  '

[ "$fails" -eq 0 ]
