#!/bin/sh
# The repository stands alone (spec/DESIGN.md "Tests"): no tracked file
# refers to a place outside it, and every spec it cites exists.
#
# Scanned: every tracked text file (git ls-files; binary files such as model
# fixtures and the packed WP cache proofs/cache/ are skipped). Failures, with
# <name> an upper-case spec name such as the maths file's:
#   outside     a reference to the team's notes beside the repository (a
#               dot-dot path to "shared") or an absolute path into a home or
#               work directory (/work, /home, /root, /Users)
#   missing     a path spec/<name>.md (or proofs/, bench/, ... .md) that is
#               not a file of the repository (git-ignored outputs such as
#               bench/out/ excepted); a bare <name>.md (not README.md) that
#               is not in spec/
#   section     "<name>.md section N" (also "sections N-M", "sections N, M",
#               "section N and M") where spec/<name>.md has no "## N." heading
#   title       <name>.md "Title" where spec/<name>.md has no heading (and no
#               *emphasized* label) containing Title; "A: B" names a heading
#               A and a label B, each must exist
# Citations may be broken across lines (comment markers are skipped).
# The script also plants one bad reference of each kind in a scratch tree
# and fails unless every one is reported (so the scan cannot go vacuous).
# Run from the repository root.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1"; fails=$((fails + 1)); }

# The patterns are assembled from pieces so that this file does not match
# them itself.
dots='\.\.'
outside_re="$dots/shared|(^|[^A-Za-z0-9_.~-])/(wor[k]|hom[e]|roo[t]|Use[r]s)/"

# scan ROOT LIST OUT: check the files named in LIST (paths relative to ROOT),
# write one line per problem to OUT.
scan() {
    s_root=$1; s_list=$2; s_out=$3
    : > "$s_out"
    ( cd "$s_root" || exit 1
      # text files only (grep -I skips binary ones; empty files cite nothing)
      while IFS= read -r f; do
          [ -f "$f" ] && grep -Iq . "$f" 2>/dev/null && printf '%s\n' "$f"
      done < "$s_list" > "$tmp/text.list"
      # 1. references that leave the repository
      tr '\n' '\0' < "$tmp/text.list" | xargs -0 -r grep -n -H -E "$outside_re" |
          sed 's/^/outside: /' | cut -c1-200
      # 2.-4. citations of spec files, on the text with lines joined
      specs=$(for s in spec/*.md; do [ -f "$s" ] && printf '%s ' "$s"; done)
      tr '\n' '\0' < "$tmp/text.list" | xargs -0 -r awk -v specs="$specs" -v listfile="$s_list" '
        function lower(s) { return tolower(s) }
        BEGIN {
            while ((getline line < listfile) > 0) exists[line] = 1
            nspec = split(specs, sp, " ")
            for (t = 1; t <= nspec; t++) {
                f = sp[t]; b = f; sub(/^spec\//, "", b); isspec[b] = 1
                while ((getline line < f) > 0) {
                    if (line ~ /^## [0-9]+\./) { num = line; sub(/^## /, "", num); sub(/\..*/, "", num); sect[b, num + 0] = 1 }
                    if (line ~ /^#/) head[b] = head[b] "\n" lower(line)
                    body[b] = body[b] "\n" lower(line)
                }
                close(f)
            }
        }
        function flush(   s, tok, nm, nums, n, a, t, r, lo, hi, k, title) {
            if (file == "") return
            # spec/<name>.md and other repository paths to .md files
            s = text
            while (match(s, /(^|[^A-Za-z0-9_.\/-])(spec|proofs|bench|tests|tools|include|src)\/[A-Za-z0-9_.\/-]*\.md/)) {
                tok = substr(s, RSTART, RLENGTH); s = substr(s, RSTART + RLENGTH)
                sub(/^[^a-z]/, "", tok)
                if (!(tok in exists)) print "missing: " file ": " tok " is not a file of the repository"
            }
            # bare upper-case names: the spec files
            s = text
            while (match(s, /(^|[^A-Za-z0-9_.\/-])[A-Z][A-Z0-9_-]*\.md/)) {
                tok = substr(s, RSTART, RLENGTH); s = substr(s, RSTART + RLENGTH)
                sub(/^[^A-Z]/, "", tok)
                if (tok != "README.md" && !(tok in isspec)) print "missing: " file ": " tok " is not in spec/"
            }
            # <name>.md section N
            s = text
            while (match(s, /[A-Z][A-Z0-9_-]*\.md,? \(?sections? [0-9]+(( ?- ?| ?, ?| and )[0-9]+)*/)) {
                tok = substr(s, RSTART, RLENGTH); s = substr(s, RSTART + RLENGTH)
                nm = tok; sub(/[,( ].*/, "", nm)
                if (nm == "README.md" || !(nm in isspec)) continue
                nums = tok; sub(/^[^ ]* \(?sections? /, "", nums); gsub(/ and /, ",", nums); gsub(/ /, "", nums)
                n = split(nums, a, ",")
                for (t = 1; t <= n; t++) {
                    lo = a[t]; hi = a[t]
                    if (index(a[t], "-")) { split(a[t], r, "-"); lo = r[1]; hi = r[2] }
                    for (k = lo + 0; k <= hi + 0; k++)
                        if (!((nm, k) in sect)) print "section: " file ": \"" tok "\": spec/" nm " has no section " k
                }
            }
            # <name>.md "Title"
            s = text
            while (match(s, /[A-Z][A-Z0-9_-]*\.md,? "[^"]+"/)) {
                tok = substr(s, RSTART, RLENGTH); s = substr(s, RSTART + RLENGTH)
                nm = tok; sub(/[,"].*/, "", nm); sub(/ .*/, "", nm)
                if (nm == "README.md" || !(nm in isspec)) continue
                title = tok; sub(/^[^"]*"/, "", title); sub(/"$/, "", title)
                # "Heading: label" names a heading and a label inside it
                n = split(title, a, ": ")
                for (t = 1; t <= n; t++)
                    if (index(head[nm], lower(a[t])) == 0 && index(body[nm], "*" lower(a[t])) == 0)
                        print "title: " file ": " tok ": spec/" nm " has no heading or label \"" a[t] "\""
            }
        }
        FNR == 1 { flush(); file = FILENAME; text = "" }
        { line = $0; sub(/^[ \t]*(\*+|#+|\/\/+|--)?[ \t]*/, "", line); text = text " " line }
        END { flush() }'
    ) >> "$s_out"
}

# The repository's files.
if git rev-parse --is-inside-work-tree > /dev/null 2>&1; then
    git ls-files > "$tmp/all.list"
else
    find . -type f ! -path './.git/*' ! -path './build*' ! -path './bin*' | sed 's|^\./||' > "$tmp/all.list"
fi
grep -v -E '^proofs/(cache|session)/' "$tmp/all.list" > "$tmp/repo.list"
[ -s "$tmp/repo.list" ] || { echo "FAIL spec_refs: no files to scan"; exit 1; }
scan . "$tmp/repo.list" "$tmp/repo.out"
# A path to a file the build or a tool generates (git-ignored, e.g.
# bench/out/) is not a missing file.
grep -v '^missing: ' "$tmp/repo.out" > "$tmp/repo.keep"
grep '^missing: ' "$tmp/repo.out" | while IFS= read -r l; do
    path=$(printf '%s\n' "$l" | sed -n 's/^missing: [^:]*: \([^ ]*\) is not a file of the repository$/\1/p')
    if [ -n "$path" ] && git check-ignore -q "$path" 2>/dev/null; then continue; fi
    printf '%s\n' "$l"
done >> "$tmp/repo.keep"
mv "$tmp/repo.keep" "$tmp/repo.out"
for kind in outside missing section title; do
    if grep -q "^$kind: " "$tmp/repo.out"; then
        fail "spec_refs_$kind: $(grep -c "^$kind: " "$tmp/repo.out") problem(s):"
        grep "^$kind: " "$tmp/repo.out" | head -20 | sed 's/^/    /'
    else
        pass "spec_refs_$kind"
    fi
done
for s in MATH FORMATS DESIGN NUMERICS; do
    [ -f "spec/$s.md" ] && pass "spec_exists_$s" || fail "spec_exists_$s: spec/$s.md missing"
done

# The scan on a planted tree: every plant must be reported, the clean file not.
p="$tmp/plant"
M=MATH   # the plants name the file through $M, so that this script cites nothing
mkdir -p "$p/spec" "$p/src"
printf '# M\n\n## 1. One\n\n## 2. Two\n\n## Named part\n\n- *Emphasized label* text\n' > "$p/spec/${M}.md"
printf '/* ok: %s.md section 1, spec/%s.md sections 1-2, %s.md sections 1 and 2,\n * %s.md "Named part", %s.md "Emphasized label", %s.md\n * section 2 */\n' \
    $M $M $M $M $M $M > "$p/src/ok.c"
S=shared   # spelled apart, so that this script names no outside directory
printf 'see %s/%s/spec/%s.md\n' '..' "$S" $M > "$p/src/shared.c"
printf 'path "/%s/x/y.c"\n' 'work' > "$p/src/abs.c"
printf 'home /%s/me/notes\n' 'home' > "$p/src/home.c"
printf 'cites spec/%s.md\n' 'NOPE' > "$p/src/nofile.c"
printf 'cites %s.md here\n' 'STYLE' > "$p/src/bare.c"
printf 'cites %s.md section 3\n' $M > "$p/src/sect.c"
printf 'cites %s.md sections 1-3\n' $M > "$p/src/range.c"
printf '# cites %s.md\n# section 7 (broken line)\n' $M > "$p/src/broken.sh"
printf 'cites %s.md "No such part"\n' $M > "$p/src/title.c"
(cd "$p" && find . -type f | sed 's|^\./||' | sort) > "$tmp/plant.list"
scan "$p" "$tmp/plant.list" "$tmp/plant.out"
for want in "outside: src/shared.c" "outside: src/abs.c" "outside: src/home.c" \
            "missing: src/nofile.c" "missing: src/bare.c" "section: src/sect.c" \
            "section: src/range.c" "section: src/broken.sh" "title: src/title.c"; do
    if grep -q "^$want" "$tmp/plant.out"; then
        pass "spec_refs_plant_$(printf '%s' "$want" | sed 's/[^a-z]*src\//_/; s/\..*//')"
    else
        fail "spec_refs_plant: not reported: $want"
    fi
done
if grep -q 'src/ok.c' "$tmp/plant.out"; then
    fail "spec_refs_plant_clean: a valid citation was reported:"
    grep 'src/ok.c' "$tmp/plant.out" | sed 's/^/    /'
else
    pass spec_refs_plant_clean
fi
[ "$fails" -eq 0 ]
