#!/bin/sh
# I/O faults (spec/HOSTILE.md): for bin/certify (write a certificate, and
# --check / --cite) and bin/train (write a model).  Outputs: directory not
# writable, output path is a directory, disk full (ulimit -f always; a full
# 12 KiB tmpfs when this shell may mount one), stdout full (/dev/full).
# Inputs: a directory, a FIFO (must not hang), an empty file, /dev/null, a
# nonexistent path, a 100 GiB sparse file of zeros, a sparse file whose header
# is consistent but needs more than the physical memory.
# Every case: the documented exit code (FORMATS.md: 3 invalid input, 4 system
# error), a "PROGRAM: error: ..." message naming the file, no output file and
# no temporary file left, inputs untouched.  Run from the repository root
# with $BIN set.
BIN=${BIN:-bin}
C="$BIN/certify"
T="$BIN/train"
case $C in /*) ;; *) C="$(pwd)/$C" ;; esac
case $T in /*) ;; *) T="$(pwd)/$T" ;; esac
MODEL="$(pwd)/tests/fuzz/corpus/model/ok_model_a.bin"
CERT="$(pwd)/tests/fuzz/corpus/cert/ok_a_all_certified.json"
tmp=$(mktemp -d)
mnt=""
cleanup() {
    [ -n "$mnt" ] && umount "$mnt" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
failed=0
# Run private copies: in a shared tree another make may relink $BIN while the
# script runs (exec then fails with EACCES or ETXTBSY). A program is copied
# once it is executable again, i.e. once its link has finished.
snap() {
    s_i=0
    while [ $s_i -lt 100 ]; do
        if [ -x "$1" ] && cp "$1" "$tmp/$2" 2> /dev/null; then return 0; fi
        sleep 0.2; s_i=$((s_i + 1))
    done
    echo "FAIL snapshot: cannot copy $1"; exit 1
}
mkdir "$tmp/prog"
snap "$C" prog/certify; C="$tmp/prog/certify"
snap "$T" prog/train; T="$tmp/prog/train"
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; failed=1; }
out="$tmp/out"       # every case writes here; it must stay empty
in="$tmp/in"
mkdir "$out" "$in"
SMALL="-n 4 -d 40 -k 2 -m 1 --steps 5 --quiet"

fresh_out() { rm -rf "$out"; mkdir "$out"; }
sum_inputs() { cksum "$MODEL" "$CERT" | tr '\n' ' '; }
before=$(sum_inputs)

# expect NAME RC PATTERN [EMPTY_DIR]: after the command ran (rc in $rc,
# stderr in $tmp/err), check the exit code, the message and that EMPTY_DIR
# (default $out) holds no file.
expect() {
    e_name=$1; e_want=$2; e_pat=$3; e_dir=${4:-$out}
    e_n=$(ls -A "$e_dir" | wc -l)
    if [ "$rc" -ne "$e_want" ]; then
        fail "$e_name" "exit $rc, expected $e_want: $(head -c 300 "$tmp/err")"
    elif ! grep -q -e "$e_pat" "$tmp/err" || ! grep -q -e '^[a-z]*: error: ' "$tmp/err"; then
        fail "$e_name" "message does not match \"$e_pat\": $(head -c 300 "$tmp/err")"
    elif [ "$e_n" -ne 0 ]; then
        fail "$e_name" "left $e_n file(s) in $e_dir: $(ls -A "$e_dir" | head -3 | tr '\n' ' ')"
    else
        pass "$e_name"
    fi
}

# ---- outputs ---------------------------------------------------------------
# Directory not writable (as root permissions do not apply: /proc refuses
# new files), and a nonexistent directory.
fresh_out
if [ "$(id -u)" -eq 0 ]; then ro=/proc; else ro="$tmp/ro"; mkdir "$ro"; chmod 555 "$ro"; fi
"$C" "$MODEL" -o "$ro/nrc-faults-$$.json" --quiet 2> "$tmp/err"; rc=$?
expect certify_out_dir_not_writable 4 "cannot create a temporary file"
"$T" $SMALL -o "$ro/nrc-faults-$$.bin" 2> "$tmp/err"; rc=$?
expect train_out_dir_not_writable 4 "cannot create a temporary file"
"$C" "$MODEL" -o "$out/missing/cert.json" --quiet 2> "$tmp/err"; rc=$?
expect certify_out_dir_missing 4 "missing/cert.json"
"$T" $SMALL -o "$out/missing/m.bin" 2> "$tmp/err"; rc=$?
expect train_out_dir_missing 4 "missing/m.bin"

# Output path is a directory: refused, the directory stays empty.
mkdir "$tmp/d"
"$C" "$MODEL" -o "$tmp/d" --quiet 2> "$tmp/err"; rc=$?
expect certify_out_is_directory 4 "is a directory" "$tmp/d"
"$T" $SMALL -o "$tmp/d" 2> "$tmp/err"; rc=$?
expect train_out_is_directory 4 "is a directory" "$tmp/d"
# The examples file is a directory: no certificate either.
"$C" "$MODEL" -o "$out/cert.json" --emit-examples "$tmp/d" --quiet 2> "$tmp/err"; rc=$?
expect certify_examples_is_directory 4 "is a directory"

# Disk full through a file-size limit (2 blocks; the outputs are larger).
# The limit is set in a subshell around the program only.
(ulimit -f 2; exec "$C" "$MODEL" -o "$out/cert.json" --quiet) 2> "$tmp/err"; rc=$?
expect certify_file_size_limit 4 "File too large"
(ulimit -f 2; exec "$T" $SMALL -o "$out/m.bin") 2> "$tmp/err"; rc=$?
expect train_file_size_limit 4 "File too large"

# Disk full for real: a 12 KiB tmpfs, filled up (only where mount works).
mkdir "$tmp/mnt"
if mount -t tmpfs -o size=12k nrc-faults "$tmp/mnt" 2> /dev/null; then
    mnt="$tmp/mnt"
    dd if=/dev/zero of="$mnt/fill" bs=1k count=64 2> /dev/null
    "$C" "$MODEL" -o "$mnt/cert.json" --quiet 2> "$tmp/err"; rc=$?
    rm -f "$mnt/fill"    # then $mnt holds only what certify left: nothing
    expect certify_disk_full 4 "No space left on device" "$mnt"
    dd if=/dev/zero of="$mnt/fill" bs=1k count=64 2> /dev/null
    "$T" $SMALL -o "$mnt/m.bin" 2> "$tmp/err"; rc=$?
    rm -f "$mnt/fill"
    expect train_disk_full 4 "No space left on device" "$mnt"
    umount "$mnt" && mnt=""
else
    echo "SKIP disk_full_tmpfs: cannot mount a tmpfs here (the file-size-limit cases cover ENOSPC-like failure)"
fi

# stdout full.
"$C" "$MODEL" -o - --quiet > /dev/full 2> "$tmp/err"; rc=$?
expect certify_stdout_full 4 "write error"
"$T" $SMALL -o - > /dev/full 2> "$tmp/err"; rc=$?
expect train_stdout_full 4 "write error"

# ---- inputs ----------------------------------------------------------------
mkdir "$in/dir"
mkfifo "$in/fifo"
: > "$in/empty"
truncate -s 100G "$in/sparse"
# A consistent header (n=1, d=2^31, k=1, m=1, no metadata: about 48 GiB) on
# a sparse file of exactly that length: refused from the header and fstat.
printf 'NRCMODEL\001\000\000\000\000\000\000\000\001\000\000\000\000\000\000\000\000\000\000\200\000\000\000\000\001\000\000\000\000\000\000\000\001\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000' > "$in/huge"
huge_total=$((64 + 8 * (2147483648 + 1 + 2147483648 + 1 + 2147483648 + 1) + 32))
truncate -s "$huge_total" "$in/huge"
sparse_stamp=$(ls -l --time-style=+%s "$in/sparse" "$in/huge" | awk '{print $5, $6}' | tr '\n' ' ')

input_case() { # NAME RC PATTERN FILE: certify FILE, certify --check with FILE as cert and as model
    name=$1; want=$2; pat=$3; f=$4
    timeout 20 "$C" "$f" -o "$out/cert.json" --quiet 2> "$tmp/err"; rc=$?
    expect "certify_input_$name" "$want" "$pat"
    timeout 20 "$C" --check "$CERT" "$f" > "$tmp/stdout" 2> "$tmp/err"; rc=$?
    expect "check_model_$name" "$want" "$pat"
}
input_case directory 3 "is a directory" "$in/dir"
input_case fifo 3 "not a regular file" "$in/fifo"
input_case empty 3 "truncated" "$in/empty"
input_case dev_null 3 "not a regular file" /dev/null
input_case nonexistent 3 "cannot open" "$in/nonexistent"
input_case sparse_100G 3 "bad magic\|more than the limit" "$in/sparse"
mem_kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
if [ -n "$mem_kb" ] && [ $((huge_total / 2048)) -gt "$mem_kb" ]; then
    input_case huge_header 4 "physical memory" "$in/huge"
else
    echo "SKIP huge_header: this machine has more than twice the $huge_total bytes the header implies"
fi

cert_case() { # NAME RC PATTERN FILE: FILE as the certificate of --check and --cite
    name=$1; want=$2; pat=$3; f=$4
    timeout 20 "$C" --check "$f" "$MODEL" > "$tmp/stdout" 2> "$tmp/err"; rc=$?
    expect "check_cert_$name" "$want" "$pat"
    timeout 20 "$C" --cite "$f" > "$tmp/stdout" 2> "$tmp/err"; rc=$?
    expect "cite_cert_$name" "$want" "$pat"
}
cert_case directory 3 "is a directory" "$in/dir"
cert_case fifo 3 "not a regular file" "$in/fifo"
cert_case empty 3 "invalid JSON" "$in/empty"
cert_case nonexistent 3 "cannot open" "$in/nonexistent"
cert_case sparse_100G 3 "more than the limit" "$in/sparse"

# Inputs untouched.
if [ "$(sum_inputs)" = "$before" ] &&
   [ "$(ls -l --time-style=+%s "$in/sparse" "$in/huge" | awk '{print $5, $6}' | tr '\n' ' ')" = "$sparse_stamp" ]; then
    pass inputs_untouched
else
    fail inputs_untouched "an input file changed"
fi
exit $failed
