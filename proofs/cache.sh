#!/bin/sh
# The committed WP cache: one text file per proved source file.
#
# Frama-C's WP (25) keeps one JSON file per (goal, prover) result in the
# session's cache/ directory, named by the MD5 of the prover task. Committed
# as such they were 25,000 files; here each proved file's entries live in one
# sorted text file, proofs/cache/NAME.wpcache, one entry per line:
#
#   <32 hex digits: WP's hash> <the entry's JSON on one line>
#
# proofs/run.sh unpacks it into a scratch session under build/ before
# Frama-C runs and packs the scratch session back after the run (see
# proofs/README.md, "The cache", for the prune rule).
#
#   sh proofs/cache.sh unpack PACK DIR      write DIR/<hash>.json for every
#                                           entry of PACK (a missing PACK
#                                           is an empty cache)
#   sh proofs/cache.sh pack PACK SRC...     rewrite PACK (atomically) from
#                                           the entries of SRC, each a
#                                           cache directory or a pack; for
#                                           a hash in several SRC the first
#                                           SRC wins
#   sh proofs/cache.sh count PACK           number of entries
#   sh proofs/cache.sh check PACK           every line an entry, sorted by
#                                           hash, no hash twice
#   sh proofs/cache.sh import [SESSIONS]    merge the one-JSON-per-file
#                                           caches of SESSIONS (default
#                                           proofs/session, the old layout)
#                                           into proofs/cache/*.wpcache;
#                                           their entries win
set -u
LC_ALL=C
export LC_ALL

die() { echo "proofs/cache.sh: $*" >&2; exit 4; }

# The entries of one source (a directory of <hash>.json or a pack), as pack
# lines on stdout. Frama-C writes an entry's JSON on one line, or on two when
# it is long (a "steps" field wrapped): its lines are joined by one space,
# which JSON reads the same.
entries() {
    src=$1
    if [ -d "$src" ]; then
        find "$src" -maxdepth 1 -type f -name '*.json' -print |
            xargs -r awk '
                FNR == 1 { if (cur != "") print cur
                           h = FILENAME; sub(/.*\//, "", h); sub(/\.json$/, "", h)
                           cur = (h ~ /^[0-9a-f]+$/ && length(h) == 32) ? h : ""; sep = " " }
                cur != "" { line = $0; sub(/^[ \t]+/, "", line); sub(/[ \t\r]+$/, "", line)
                            if (line != "") { cur = cur sep line } }
                END { if (cur != "") print cur }'
    elif [ -f "$src" ]; then
        cat "$src"
    fi
}

# A pack line is accepted only as <32 lowercase hex> <{...}>: anything else
# (a merge conflict marker, a truncated line) stops the script rather than
# becoming a file name.
check_lines() {
    awk -v what="$1" '
        { h = substr($0, 1, 32) }
        h !~ /^[0-9a-f]+$/ || length(h) != 32 || substr($0, 33) !~ /^ \{.*\}$/ { printf "proofs/cache.sh: %s: line %d is not an entry: %.60s\n", what, NR, $0 > "/dev/stderr"; bad = 1; exit 1 }
        END { exit bad }'
}

cmd=${1:-}
case "$cmd" in
unpack)
    [ $# -eq 3 ] || die "usage: unpack PACK DIR"
    pack=$2; dir=$3
    mkdir -p "$dir" || die "cannot create $dir"
    [ -f "$pack" ] || exit 0
    check_lines "$pack" < "$pack" || exit 4
    awk -v dir="$dir" '{ f = dir "/" substr($0, 1, 32) ".json"
                         print substr($0, 34) > f; close(f) }' "$pack" ||
        die "cannot unpack $pack into $dir"
    ;;
pack)
    [ $# -ge 3 ] || die "usage: pack PACK SRC..."
    pack=$2; shift 2
    tmp="$pack.tmp.$$"
    mkdir -p "$(dirname "$pack")" || die "cannot create $(dirname "$pack")"
    # Number each source so that sort keeps, for every hash, the entry of
    # the first source that has it.
    n=0
    for src in "$@"; do
        n=$((n + 1))
        entries "$src" | awk -v n="$n" '{ print substr($0, 1, 32) " " n " " substr($0, 34) }'
    done | sort -k1,1 -k2,2n | awk '$1 != last { last = $1; sub(/ [0-9]+ /, " "); print }' > "$tmp" ||
        { rm -f "$tmp"; die "cannot write $tmp"; }
    check_lines "$tmp" < "$tmp" || { rm -f "$tmp"; exit 4; }
    mv -f "$tmp" "$pack" || { rm -f "$tmp"; die "cannot write $pack"; }
    ;;
check)
    # every line an entry, sorted by hash, no hash twice
    [ $# -eq 2 ] || die "usage: check PACK"
    [ -f "$2" ] || die "$2: no such pack"
    check_lines "$2" < "$2" || exit 4
    sort -c -u -k1,1 "$2" 2>/dev/null || die "$2: not sorted by hash, or a hash twice"
    ;;
count)
    [ $# -eq 2 ] || die "usage: count PACK"
    if [ -f "$2" ]; then wc -l < "$2" | tr -d ' '; else echo 0; fi
    ;;
import)
    cd "$(dirname "$0")/.." || exit 4
    sessions=${2:-proofs/session}
    for d in "$sessions"/*/cache; do
        [ -d "$d" ] || continue
        name=$(basename "$(dirname "$d")")
        pack="proofs/cache/$name.wpcache"
        before=$(sh proofs/cache.sh count "$pack")
        sh proofs/cache.sh pack "$pack" "$d" "$pack" || exit 4
        echo "proofs/cache.sh: $name: $before -> $(sh proofs/cache.sh count "$pack") entries (from $d)"
    done
    ;;
*)
    die "usage: unpack PACK DIR | pack PACK SRC... | count PACK | check PACK | import [SESSIONS]"
    ;;
esac
