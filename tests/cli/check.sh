#!/bin/sh
# CLI golden cases for `certify --check CERT MODEL` and `certify --cite CERT`
# (spec/CHECK.md): exit codes 0 / 1 / 2 / 3, the claim named on stderr, and
# the --cite text.  Run from the repository root with $BIN set.
BIN=${BIN:-bin}
FIX=tests/fixtures/check
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# case NAME WANT_RC GREP_PATTERN(stdout+stderr, '' = none) -- command...
case_() {
    name=$1; want=$2; pat=$3; shift 4
    "$@" > "$tmp/out" 2>&1
    rc=$?
    if [ "$rc" -ne "$want" ]; then
        echo "FAIL $name: exit $rc, want $want; output:"; sed 's/^/    /' "$tmp/out" | head -8
        fails=$((fails + 1))
    elif [ -n "$pat" ] && ! grep -q -- "$pat" "$tmp/out"; then
        echo "FAIL $name: output lacks '$pat':"; sed 's/^/    /' "$tmp/out" | head -8
        fails=$((fails + 1))
    else
        echo "PASS $name"
    fi
}

C=$BIN/certify
case_ valid_hand 0 'certificate valid' -- $C --check $FIX/hand.cert.json $FIX/hand.model.bin
case_ valid_fixed 0 'kkt: 6 claims checked' -- $C --check $FIX/fixed.cert.json $FIX/fixed.model.bin
case_ counts_flips 0 'flips: 4 certified claims checked (4 train, 0 test); 1 not certified' -- \
    $C --check $FIX/hand.cert.json $FIX/hand.model.bin
case_ float_trap 1 'check failed: flips\[1\].sign' -- $C --check $FIX/float.cert.json $FIX/float.model.bin
case_ hash_mismatch 1 'model.sha256: .* does not match MODEL' -- \
    $C --check $FIX/hand.cert.json $FIX/fixed.model.bin
# the model's SHA-256 it prints is the file's (hashed once, while the
# checker still holds the bytes: nrc_check_buffers_mf_take), for both tools
msha=$(sha256sum $FIX/hand.model.bin | cut -d' ' -f1)
case_ prints_model_sha256 0 "(sha256 $msha)" -- $C --check $FIX/hand.cert.json $FIX/hand.model.bin
case_ nrc_check_prints_model_sha256 0 "(sha256 $msha)" -- \
    $BIN/nrc-check $FIX/hand.cert.json $FIX/hand.model.bin

sed 's/"0x1.c28f5c28f5c29p-3"/"0.22"/' $FIX/hand.cert.json > "$tmp/dec.json"
case_ decimal_claim 3 'kkt.lambda\[3\]: not a hex float' -- $C --check "$tmp/dec.json" $FIX/hand.model.bin
sed 's/"version": 1/"version": 2/' $FIX/hand.cert.json > "$tmp/v2.json"
case_ unknown_version 3 'version' -- $C --check "$tmp/v2.json" $FIX/hand.model.bin
grep -v '"semantics"' $FIX/hand.cert.json > "$tmp/nosem.json"
case_ missing_member 3 'semantics: missing required member' -- $C --check "$tmp/nosem.json" $FIX/hand.model.bin
sed 's/"status": "undecided"/"status": "certified"/' $FIX/hand.cert.json > "$tmp/stale.json"
case_ stale_status 1 'check failed: flips\[4\]' -- $C --check "$tmp/stale.json" $FIX/hand.model.bin
head -c 300 $FIX/hand.model.bin > "$tmp/trunc.bin"
case_ truncated_model 3 '' -- $C --check $FIX/hand.cert.json "$tmp/trunc.bin"
case_ missing_cert 3 '' -- $C --check "$tmp/none.json" $FIX/hand.model.bin
case_ directory_model 3 '' -- $C --check $FIX/hand.cert.json "$tmp"
printf '{"format": ' > "$tmp/bad.json"
case_ invalid_json 3 'invalid JSON' -- $C --check "$tmp/bad.json" $FIX/hand.model.bin
case_ usage_one_arg 2 'usage' -- $C --check $FIX/hand.cert.json
case_ usage_three_args 2 'usage' -- $C --check a b c
case_ usage_both 2 'usage' -- $C --check --cite a b
case_ help 0 'certify --check CERT MODEL' -- $C --check --help

# a certificate written from FORMATS.md alone, and a near-kink under
# kkt.kink_tolerance (spec/CERTIFICATE.md)
case_ valid_formats 0 'lipschitz: absent' -- $C --check $FIX/formats.cert.json $FIX/formats.model.bin
# renamed: an unknown member is ignored, so the required one is missing
sed 's/"normalized_margin"/"normalized_margin_renamed"/' $FIX/formats.cert.json > "$tmp/nonm.json"
case_ formats_missing_member 3 'normalized_margin: missing required member' -- \
    $C --check "$tmp/nonm.json" $FIX/formats.model.bin
case_ valid_kink 0 'kink tolerance eta = 0x1p-60' -- $C --check $FIX/kink.cert.json $FIX/kink.model.bin
sed 's/"kink_tolerance": "0x1.0000000000000p-60"/"kink_tolerance": "0x1.fffffffffffffp-61"/' \
    $FIX/kink.cert.json > "$tmp/eta_low.json"
case_ kink_eta_low 1 'check failed: kkt.kinks\[1\]: .*exceeds kkt.kink_tolerance' -- \
    $C --check "$tmp/eta_low.json" $FIX/kink.model.bin
sed 's/"kink_tolerance": "0x1.0000000000000p-60"/"kink_tolerance": "-0x1p-60"/' \
    $FIX/kink.cert.json > "$tmp/eta_neg.json"
case_ kink_eta_negative 1 'check failed: kkt.kink_tolerance' -- \
    $C --check "$tmp/eta_neg.json" $FIX/kink.model.bin
case_ cite_kink 0 'kink tolerance $\\eta = 2^{-60}' -- $C --cite $FIX/kink.cert.json

case_ cite 0 '\\begin{threeparttable}' -- $C --cite $FIX/hand.cert.json
case_ cite_no_footnote 0 '' -- $C --cite $FIX/hand.cert.json
grep -q 'footnote{' "$tmp/out" && { echo "FAIL cite_no_footnote_text: a footnote in the table"; fails=$((fails + 1)); }
case_ cite_model_sha 0 '% Model file SHA-256 1a9d79949fb393fab443aa2c15dc5dc42dfb73512c0bee486b2bfbdefe4450ba' -- $C --cite $FIX/hand.cert.json
sha=$(sha256sum $FIX/hand.cert.json | cut -d' ' -f1)
case_ cite_cert_sha 0 "$sha" -- $C --cite $FIX/hand.cert.json
case_ cite_command 0 'certify -{}-check CERT MODEL' -- $C --cite $FIX/hand.cert.json
case_ cite_row 0 '^4 & 4 & 3 & 1 & 4/4 & 0/1 & .* \\\\ % row$' -- $C --cite $FIX/hand.cert.json
case_ bibtex 0 '@inproceedings{vardi2022gradient' -- $C --bibtex
case_ bibtex_tool 0 'version [0-9]' -- $C --bibtex
case_ usage_bibtex_file 2 '--bibtex takes no file' -- $C --bibtex $FIX/hand.cert.json
# an eps_rel of 1 or more is said to say nothing (--cite does not verify;
# the edited certificate is only parsed)
sed 's/"eps_rel_upper": "0x1.32a47d4018760p-1"/"eps_rel_upper": "0x1.8p+0"/' $FIX/hand.cert.json > "$tmp/vac.json"
case_ cite_vacuous_kkt 0 'le 1.5$ and slackness .*says nothing' -- $C --cite "$tmp/vac.json"
case_ cite_malformed 3 'kkt.lambda\[3\]' -- $C --cite "$tmp/dec.json"

# arguments that look swapped, or a file of the other kind: a hint by content
case_ swapped 3 'certify: hint: the arguments look swapped: .*certify --check '"$FIX/hand.cert.json $FIX/hand.model.bin" -- \
    $C --check $FIX/hand.model.bin $FIX/hand.cert.json
case_ swapped_nrc_check 3 'nrc-check: hint: the arguments look swapped' -- \
    $BIN/nrc-check $FIX/hand.model.bin $FIX/hand.cert.json
case_ model_as_cert 3 'hint: .*hand.model.bin is a model file, where a certificate is expected' -- \
    $C --check $FIX/hand.model.bin $FIX/kink.model.bin
case_ cert_as_model 3 'hint: .*kink.cert.json is a certificate, where a model file is expected' -- \
    $C --check $FIX/hand.cert.json $FIX/kink.cert.json
case_ cite_model 3 'hint: .*hand.model.bin is a model file, where a certificate is expected' -- \
    $C --cite $FIX/hand.model.bin
case_ no_hint_truncated 3 'truncated' -- $C --check $FIX/hand.cert.json "$tmp/trunc.bin"
grep -q 'hint' "$tmp/out" && { echo "FAIL no_hint_truncated_text: a hint for a truncated model"; fails=$((fails + 1)); }
case_ nrc_check_prefix 1 '^nrc-check: check failed: flips\[1\].sign' -- \
    $BIN/nrc-check $FIX/float.cert.json $FIX/float.model.bin
case_ version 0 '^certify (nrc) [0-9]' -- $C --check --version
case_ help_exit_table 0 '130  interrupted' -- $C --check --help

# allocation failure at every k: exit 4 with a message, until a run completes
for fx in hand kink; do
k=1; ok=1
while [ $k -le 1000 ]; do
    NRC_FAIL_ALLOC=$k $C --check $FIX/$fx.cert.json $FIX/$fx.model.bin > "$tmp/out" 2>&1
    rc=$?
    [ $rc -eq 0 ] && break
    if [ $rc -ne 4 ] || ! grep -q 'memory' "$tmp/out"; then
        echo "FAIL alloc_fail_$fx: NRC_FAIL_ALLOC=$k gave exit $rc:"; sed 's/^/    /' "$tmp/out" | head -5
        ok=0; fails=$((fails + 1)); break
    fi
    k=$((k + 1))
done
if [ $ok -eq 1 ]; then
    if [ $k -gt 1 ] && [ $k -le 1000 ]; then
        echo "PASS alloc_fail_$fx (every k < $k gives exit 4)"
    else
        echo "FAIL alloc_fail_$fx: injection had no effect (k = $k)"; fails=$((fails + 1))
    fi
fi
done

# certify -> check round trip with a random model, if train works here
if $BIN/train -n 5 -d 30 -k 6 -m 2 --steps 100 --seed 9 --bias --quiet -o "$tmp/m.bin" 2>/dev/null; then
    $C --quiet -o "$tmp/c.json" "$tmp/m.bin" >/dev/null 2>&1
    case_ roundtrip 0 'certificate valid' -- $C --check "$tmp/c.json" "$tmp/m.bin"
fi

[ "$fails" -eq 0 ]
