#!/bin/sh
# Every shell script of the project parses (sh -n: dash, as /bin/sh on
# Debian): a script that runs only in `make bench`, `make proofs` or a
# sweep must not wait for that run to show a syntax error (an apostrophe
# inside bench/run.sh's single-quoted awk program once ended the quote).
fails=0
for f in bench/*.sh tools/*.sh tests/*.sh tests/cli/*.sh tests/golden/*.sh proofs/*.sh .ci/run; do
    [ -f "$f" ] || continue
    case $f in
    .ci/run) out=$(bash -n "$f" 2>&1) ;;
    *) out=$(sh -n "$f" 2>&1) ;;
    esac
    if [ $? -eq 0 ]; then
        echo "PASS parses_$f"
    else
        echo "FAIL parses_$f: $out"
        fails=$((fails + 1))
    fi
done
[ $fails -eq 0 ]
