#!/bin/sh
# `certify --cite` compiles as is (spec/CLI.md "--cite and --bibtex"): a real
# certificate (trained and certified here, copied to a file name full of TeX
# specials and a non-ASCII byte) is cited into a minimal document with only
# \usepackage{threeparttable}, its bibliography from `certify --bibtex`, and
# compiled with pdflatex and bibtex (Debian texlive-latex-base / -extra,
# installed by `make deps-test`); pdftotext of the PDF must contain the
# claims, both hashes, the notes and the two references, with no undefined
# citation and no overfull line; pdftoppm renders the page. Run from the
# repository root with $BIN set.
BIN=${BIN:-bin}
case "$BIN" in /*) ;; *) BIN="$(pwd)/$BIN" ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
pass() { echo "PASS cite_$1"; }
fail() { echo "FAIL cite_$1: $2"; fails=$((fails + 1)); }

for t in pdflatex bibtex pdftotext pdftoppm kpsewhich; do
    command -v $t > /dev/null 2>&1 || { fail tools "$t not installed (make deps-test)"; exit 1; }
done
[ -n "$(kpsewhich threeparttable.sty)" ] || { fail tools "threeparttable.sty missing (texlive-latex-extra; make deps-test)"; exit 1; }

"$BIN/train" -n 6 -d 300 -k 8 -m 4 --steps 400 --seed 9 --quiet -o "$tmp/m.bin" 2> "$tmp/err" ||
    { fail train "$(cat "$tmp/err")"; exit 1; }
"$BIN/certify" --quiet -o "$tmp/m.cert.json" "$tmp/m.bin" 2> "$tmp/err"; rc=$?
[ $rc -le 1 ] || { fail certify "rc $rc: $(cat "$tmp/err")"; exit 1; }
"$BIN/certify" --check "$tmp/m.cert.json" "$tmp/m.bin" > /dev/null 2>&1 || fail check "the certificate is not valid"
# a name with every TeX special, a space, "--" and a non-ASCII byte
odd="$tmp/cert_a&b #1%~^{x}\$--é.json"
cp "$tmp/m.cert.json" "$odd"
msha=$(sha256sum "$tmp/m.bin" | cut -d' ' -f1)
csha=$(sha256sum "$odd" | cut -d' ' -f1)

cd "$tmp" || exit 1
"$BIN/certify" --cite "$odd" > cite.tex 2> err; rc=$?
[ $rc -eq 0 ] && pass runs || fail runs "rc $rc: $(cat err)"
"$BIN/nrc-check" --cite "$odd" > cite2.tex 2> err
cmp -s cite.tex cite2.tex && pass nrc_check_same || fail nrc_check_same "nrc-check --cite differs"
"$BIN/certify" --bibtex > refs.bib 2> err || fail bibtex "$(cat err)"
cat > doc.tex <<'EOT'
\documentclass{article}
\usepackage{threeparttable}
\begin{document}
\input{cite}
\bibliographystyle{plain}
\bibliography{refs}
\end{document}
EOT
latex_ok=1
for step in pdflatex bibtex pdflatex pdflatex; do
    if [ $step = bibtex ]; then bibtex doc > step.log 2>&1; else
        pdflatex -interaction=nonstopmode -halt-on-error doc.tex > step.log 2>&1; fi
    rc=$?
    if [ $rc -ne 0 ]; then
        fail compiles "$step exit $rc:"; grep -A3 '^!' doc.log 2> /dev/null | head -8 | sed 's/^/    /'
        tail -5 step.log | sed 's/^/    /'
        latex_ok=0; break
    fi
done
[ $latex_ok -eq 1 ] || exit 1
pass compiles
grep -q 'There were undefined references\|Citation .* undefined' doc.log &&
    fail citations "undefined citations" || pass citations
grep -q 'Overfull' doc.log && fail no_overfull "$(grep -A1 Overfull doc.log | head -4)" || pass no_overfull

pdftotext doc.pdf doc.txt || fail pdftotext "failed"
tr -d ' \n' < doc.txt > flat.txt       # hashes may break across lines
has() { # NAME TEXT: TEXT in the PDF's text
    if grep -q -F -e "$2" doc.txt; then pass "$1"; else fail "$1" "'$2' not in the PDF text"; fi
}
has_flat() { if grep -q -F -e "$2" flat.txt; then pass "$1"; else fail "$1" "'$2' not in the PDF text"; fi; }
has_flat model_hash "$msha"
has_flat cert_hash "$csha"
has caption "Certified non-robustness of a depth-2 ReLU network"
has note_recheck "Re-check:"
has_flat note_command "certify--checkCERTMODEL"
has note_flips "certified to flip the sign"
has note_rounding "rounded up"
has claims_fit "Fit: the network classifies all 6 training points correctly"
has claims_flips "Flips: for"
has claims_data "Data:"
has claims_kkt "KKT:"
has claims_robust "Robust reference:"
has_flat ref_paper "Gradientmethodsprovablyconvergetonon-robustnetworks"
has_flat ref_authors "GalVardi,GiladYehudai,andOhadShamir"
has ref_tool "nrc: certified non-robustness"
# "_" is drawn (not a character for pdftotext), and it reads "--" as "-"
has_flat file_name "certa&b#1%~^{x}\$-"
has_flat file_name_utf8 "?.json,SHA-256"
# the row: n d k m, then the flip counts (this model certifies all 6 + 4)
has_flat row "ndkm630084flipsatraintest6/64/4"
has_flat claims_short_hash "SHA-256begins$(echo "$msha" | cut -c1-16)(infullinthenotesofTable1)"
pdftoppm -png -r 60 -f 1 -l 1 doc.pdf page > /dev/null 2>&1 && [ -s page-1.png ] &&
    pass renders || fail renders "pdftoppm gave no page"
[ "$fails" -eq 0 ]
