#!/bin/sh
# I/O faults (spec/HOSTILE.md, spec/CLI.md): for bin/certify (write a
# certificate and examples, and --check / --cite) and bin/train (write a
# model).  Outputs: directory not writable, output path is a directory,
# disk full (ulimit -f always; a full 12 KiB tmpfs when this shell may
# mount one), stdout full (/dev/full); private device nodes (null, full,
# block), FIFOs with and without a reader, symbolic links (followed,
# dangling), outputs naming each other or the model (usage, exit 2), one
# output failing while the other file exists (kept), Ctrl-C (exit 130).
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
expect certify_out_dir_not_writable 4 "cannot create a"
"$T" $SMALL -o "$ro/nrc-faults-$$.bin" 2> "$tmp/err"; rc=$?
expect train_out_dir_not_writable 4 "cannot create a"
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

# ---- output paths that are not regular files, links, conflicts ------------
# spec/CLI.md "Output paths": devices and FIFOs are written through or
# refused, never replaced; links are followed; two outputs or an output and
# an input naming the same file are a usage error before any work; a
# failing output leaves every pre-existing file as it was. Device nodes are
# private (mknod in $tmp, root only), never the real /dev/null or /dev/full.

# verify NAME WANT_RC PATTERN COMMAND...: rc is WANT_RC, stderr matches
# PATTERN (when WANT_RC is not 0), no temporary file anywhere under $tmp,
# and COMMAND (a condition on the files) succeeds.
verify() {
    v_name=$1; v_want=$2; v_pat=$3; shift 3
    if [ "$rc" -ne "$v_want" ]; then
        fail "$v_name" "exit $rc, expected $v_want: $(head -c 300 "$tmp/err")"
    elif [ "$v_want" -ne 0 ] && [ -n "$v_pat" ] &&
         { ! grep -q -e "$v_pat" "$tmp/err" || ! grep -q -e '^[a-z]*: error: ' "$tmp/err"; }; then
        fail "$v_name" "message does not match \"$v_pat\": $(head -c 300 "$tmp/err")"
    elif find "$tmp" -name '*.tmp.*' | grep -q .; then
        fail "$v_name" "temporary file left: $(find "$tmp" -name '*.tmp.*' | head -2 | tr '\n' ' ')"
        find "$tmp" -name '*.tmp.*' -exec rm -f {} +
    elif ! "$@"; then
        fail "$v_name" "condition failed: $*"
    else
        pass "$v_name"
    fi
}
same_file() { cmp -s "$1" "$2"; }
link_to() { [ -L "$1" ] && cmp -s "$2" "$3"; }   # LINK still a link, TARGET == REF
absent() { [ ! -e "$1" ] && [ ! -L "$1" ]; }
sum_is() { [ "$(cksum < "$1")" = "$2" ]; }
kept_sum() { [ -L "$1" ] && [ "$(cksum < "$2")" = "$3" ]; }

w="$tmp/w"                   # the files of this section
mkdir "$w"
# (certify exits 1 on this model: not every claim is certified; cok is it)
"$C" "$MODEL" -o "$w/ref.json" --quiet 2> "$tmp/err"; cok=$?
[ $cok -le 1 ] || fail ref_cert "$(cat "$tmp/err")"
"$C" "$MODEL" -o "$w/ref2.json" --emit-examples "$w/ref-ex.json" --quiet 2> "$tmp/err"
[ $? -le 1 ] || fail ref_examples "$(cat "$tmp/err")"
"$T" $SMALL -o "$w/ref.bin" 2> "$tmp/err" || fail ref_model "$(cat "$tmp/err")"

# Private device nodes: null is written through, full gives ENOSPC (exit 4),
# a block device is refused; every node is still the same node afterwards.
dev="$tmp/dev"
mkdir "$dev"
if [ "$(id -u)" -eq 0 ] && mknod "$dev/null" c 1 3 2> /dev/null &&
   mknod "$dev/full" c 1 7 && mknod "$dev/blk" b 7 0; then
    "$C" "$MODEL" -o "$dev/null" --quiet 2> "$tmp/err"; rc=$?
    verify certify_out_char_device_written_through $cok "" test -c "$dev/null"
    "$T" $SMALL -o "$dev/null" 2> "$tmp/err"; rc=$?
    verify train_out_char_device_written_through 0 "" test -c "$dev/null"
    "$C" "$MODEL" -o "$dev/full" --quiet 2> "$tmp/err"; rc=$?
    verify certify_out_device_full 4 "full: write error: No space left" test -c "$dev/full"
    "$T" $SMALL -o "$dev/full" 2> "$tmp/err"; rc=$?
    verify train_out_device_full 4 "full: write error: No space left" test -c "$dev/full"
    "$C" "$MODEL" -o "$dev/blk" --quiet 2> "$tmp/err"; rc=$?
    verify certify_out_block_device 4 "blk: is a block device" test -b "$dev/blk"
    "$T" $SMALL -o "$dev/blk" 2> "$tmp/err"; rc=$?
    verify train_out_block_device 4 "blk: is a block device" test -b "$dev/blk"
    # the examples output fails on the device: the existing certificate stays
    cp "$w/ref.json" "$w/keep.json"; ksum=$(cksum < "$w/keep.json")
    "$C" "$MODEL" -o "$w/keep.json" --emit-examples "$dev/full" --quiet 2> "$tmp/err"; rc=$?
    verify certify_examples_full_keeps_certificate 4 "No space left" sum_is "$w/keep.json" "$ksum"
    "$C" "$MODEL" -o "$dev/full" --emit-examples "$w/keep.json" --quiet 2> "$tmp/err"; rc=$?
    verify certify_full_keeps_examples_path 4 "No space left" sum_is "$w/keep.json" "$ksum"
else
    echo "SKIP private device nodes: not root, or mknod refused here"
fi

# FIFOs: without a reader, refused at once (no hang); with one, written
# through, the same bytes as a file.
mkfifo "$dev/fifo"
timeout 20 "$C" "$MODEL" -o "$dev/fifo" --quiet 2> "$tmp/err"; rc=$?
verify certify_out_fifo_no_reader 4 "fifo: is a FIFO that no process reads" test -p "$dev/fifo"
timeout 20 "$T" $SMALL -o "$dev/fifo" 2> "$tmp/err"; rc=$?
verify train_out_fifo_no_reader 4 "is a FIFO that no process reads" test -p "$dev/fifo"
fifo_run() { # OUTFILE COMMAND...: run COMMAND (writing to $dev/fifo) while cat reads it
    f_got=$1; shift
    timeout 30 cat "$dev/fifo" > "$f_got" &
    f_pid=$!
    f_i=0; rc=4
    while [ "$rc" -eq 4 ] && [ "$f_i" -lt 100 ]; do   # until cat has opened the FIFO
        sleep 0.1
        timeout 20 "$@" 2> "$tmp/err"; rc=$?
        f_i=$((f_i + 1))
    done
    wait "$f_pid"
}
fifo_run "$w/fifo.json" "$C" "$MODEL" -o "$dev/fifo" --quiet
verify certify_out_fifo_reader $cok "" same_file "$w/ref.json" "$w/fifo.json"
fifo_run "$w/fifo.bin" "$T" $SMALL -o "$dev/fifo"
verify train_out_fifo_reader 0 "" same_file "$w/ref.bin" "$w/fifo.bin"
test -p "$dev/fifo" && pass fifo_still_fifo || fail fifo_still_fifo "the FIFO was replaced"

# Symbolic links: followed (the target replaced, the link kept); a link to
# a missing file is refused and creates nothing.
echo old > "$w/target.json"; ln -s target.json "$w/link.json"
"$C" "$MODEL" -o "$w/link.json" --quiet 2> "$tmp/err"; rc=$?
verify certify_out_symlink_followed $cok "" link_to "$w/link.json" "$w/target.json" "$w/ref.json"
echo old > "$w/target.bin"; ln -s target.bin "$w/link.bin"
"$T" $SMALL -o "$w/link.bin" 2> "$tmp/err"; rc=$?
verify train_out_symlink_followed 0 "" link_to "$w/link.bin" "$w/target.bin" "$w/ref.bin"
ln -s missing.json "$w/dangling.json"
"$C" "$MODEL" -o "$w/dangling.json" --quiet 2> "$tmp/err"; rc=$?
verify certify_out_dangling_symlink 4 "symbolic link to a file that does not exist" absent "$w/missing.json"
ln -s missing.bin "$w/dangling.bin"
"$T" $SMALL -o "$w/dangling.bin" 2> "$tmp/err"; rc=$?
verify train_out_dangling_symlink 4 "symbolic link to a file that does not exist" absent "$w/missing.bin"

# Conflicts: exit 2 before any work, nothing written, inputs unchanged.
cp "$MODEL" "$w/m.bin"; msum=$(cksum < "$w/m.bin")
ln -s m.bin "$w/m-link.json"; ln "$w/m.bin" "$w/m-hard.json"
"$C" "$w/m.bin" -o "$w/m.bin" --quiet 2> "$tmp/err"; rc=$?
verify certify_out_is_model 2 "names the input MODEL" sum_is "$w/m.bin" "$msum"
"$C" "$w/m.bin" -o "$w/m-link.json" --quiet 2> "$tmp/err"; rc=$?
verify certify_out_links_to_model 2 "names the input MODEL" kept_sum "$w/m-link.json" "$w/m.bin" "$msum"
"$C" "$w/m.bin" -o "$w/m-hard.json" --quiet 2> "$tmp/err"; rc=$?
verify certify_out_hard_link_to_model 2 "names the input MODEL" sum_is "$w/m-hard.json" "$msum"
"$C" "$w/m.bin" -o "$w/c.json" --emit-examples "$w/m.bin" --quiet 2> "$tmp/err"; rc=$?
verify certify_examples_is_model 2 "names the input MODEL" absent "$w/c.json"
"$C" "$w/m.bin" -o "$w/c.json" --emit-examples "$w/c.json" --quiet 2> "$tmp/err"; rc=$?
verify certify_examples_is_certificate 2 "name the same file" absent "$w/c.json"
"$C" "$w/m.bin" -o "$w/c.json" --emit-examples "$w/./sub/../c.json" --quiet 2> "$tmp/err"; rc=$?
verify certify_examples_is_certificate_spelled 2 "name the same file" absent "$w/c.json"
"$C" "$w/m.bin" --emit-examples "$w/m.bin.cert.json" --quiet 2> "$tmp/err"; rc=$?
verify certify_examples_is_default_certificate 2 "name the same file" absent "$w/m.bin.cert.json"
"$C" "$w/m.bin" -o - --emit-examples - --quiet > "$w/stdout" 2> "$tmp/err"; rc=$?
verify certify_both_stdout 2 "name the same file" test ! -s "$w/stdout"
cp "$w/ref.json" "$w/keep.json"; ksum=$(cksum < "$w/keep.json")
"$C" "$w/m.bin" -o "$w/keep.json" --emit-examples "$w/keep.json" --quiet 2> "$tmp/err"; rc=$?
verify certify_same_existing_kept 2 "name the same file" sum_is "$w/keep.json" "$ksum"

# One output fails: every pre-existing file is as it was. Before any work
# (a missing directory), and after all of it (a FIFO without a reader is
# only found out when the outputs are written).
"$C" "$w/m.bin" -o "$w/keep.json" --emit-examples "$w/nonexistent/e.json" --quiet 2> "$tmp/err"; rc=$?
verify certify_examples_dir_missing_keeps_certificate 4 "nonexistent/e.json" sum_is "$w/keep.json" "$ksum"
"$C" "$w/m.bin" -o "$w/keep.json" --emit-examples "$dev/fifo" --quiet 2> "$tmp/err"; rc=$?
verify certify_examples_fifo_keeps_certificate 4 "no process reads" sum_is "$w/keep.json" "$ksum"
cp "$w/ref-ex.json" "$w/keep-ex.json"; esum=$(cksum < "$w/keep-ex.json")
"$C" "$w/m.bin" -o "$w/nonexistent/c.json" --emit-examples "$w/keep-ex.json" --quiet 2> "$tmp/err"; rc=$?
verify certify_certificate_dir_missing_keeps_examples 4 "nonexistent/c.json" sum_is "$w/keep-ex.json" "$esum"
# the message names the output, not the model
if grep -q "m.bin:" "$tmp/err"; then fail certify_write_error_names_output "$(cat "$tmp/err")"
else pass certify_write_error_names_output; fi
# both written when both can be
"$C" "$w/m.bin" -o "$w/keep.json" --emit-examples "$w/keep-ex.json" --quiet 2> "$tmp/err"; rc=$?
verify certify_both_outputs $cok "" same_file "$w/keep-ex.json" "$w/ref-ex.json"

# Ctrl-C (SIGINT, here from timeout): exit 130 (128 + 2), no output, no
# temporary. Skipped where this shell ignores SIGINT (then so would the child).
ign=$(awk '/^SigIgn:/ {print $2}' /proc/$$/status 2> /dev/null)
if [ -n "$ign" ] && [ $((0x$ign & 2)) -eq 0 ]; then
    timeout --preserve-status -s INT 1 "$T" -n 8 -d 2000 -k 16 --steps 1000000000 --no-polish \
        --quiet -o "$w/int.bin" 2> "$tmp/err"; rc=$?
    verify train_sigint_130 130 "" absent "$w/int.bin"
    "$T" -n 150 -d 1500 -k 100 -m 4 --steps 5 --no-polish --quiet -o "$w/slow.bin" 2> "$tmp/err"
    timeout --preserve-status -s INT 1 "$C" "$w/slow.bin" --engine mpfr -o "$w/int.json" \
        --emit-examples "$w/int-ex.json" --quiet 2> "$tmp/err"; rc=$?
    verify certify_sigint_130 130 "" absent "$w/int.json"
else
    echo "SKIP sigint: SIGINT is ignored in this shell"
fi

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
