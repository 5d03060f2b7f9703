#!/bin/sh
# `sweep slurm` on a real single-node Slurm (spec/SWEEP.md "Slurm"): starts
# its own munged and its own slurmctld + slurmd on localhost (Debian's munge
# and slurm-wlm, installed by `make deps`), with its own key, SLURM_CONF,
# ports and scratch directories; submits tests/fixtures/sweep/tiny.json as a
# job array with the report as a dependent job (sbatch --wait); checks that
# the Slurm sweep's models, certificates, records and report equal the local
# sweep's byte for byte (times aside); stops every daemon it started by the
# pid in its pid file.  Where Slurm cannot start (not root, programs
# missing, a daemon does not come up) it prints "SKIP slurm: REASON", which
# tests/run.sh counts as skipped, never as passed.
# Run from the repository root; $BIN = program dir.
BIN=${BIN:-bin}
case $BIN in /*) ;; *) BIN="$(pwd)/$BIN" ;; esac
SPEC="$(pwd)/tests/fixtures/sweep/tiny.json"
export OPENBLAS_NUM_THREADS=1
failed=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; failed=1; }
skip() { echo "SKIP slurm: $1"; cleanup; exit 0; }

tmp=""
cleanup() {
    [ -n "$tmp" ] || return 0
    for pf in "$tmp/run/slurmd.pid" "$tmp/run/slurmctld.pid" "$tmp/msock/munged.pid"; do
        if [ -s "$pf" ]; then
            pid=$(cat "$pf")
            kill "$pid" 2>/dev/null
            i=0
            while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
            kill -9 "$pid" 2>/dev/null
        fi
    done
    rm -rf "$tmp"
    tmp=""
}
trap 'cleanup' EXIT
trap 'cleanup; exit 130' INT TERM

[ "$(id -u)" = 0 ] || skip "needs root (starts munged and slurmd)"
for p in munged slurmctld slurmd sbatch sinfo squeue; do
    command -v $p > /dev/null 2>&1 || skip "$p not found (make deps installs munge and slurm-wlm)"
done
id munge > /dev/null 2>&1 || skip "no munge user (Debian's munge package creates it)"
[ -x "$BIN/sweep" ] || { fail slurm_setup "$BIN/sweep missing"; exit 1; }

tmp=$(mktemp -d /tmp/nrc-slurm.XXXXXX)
chmod 755 "$tmp"
mkdir -p "$tmp/munge" "$tmp/msock" "$tmp/run" "$tmp/spool" "$tmp/state" "$tmp/log"
chown munge:munge "$tmp/munge" "$tmp/msock"
chmod 700 "$tmp/munge"
chmod 755 "$tmp/msock"   # munged wants its socket directory searchable by all

# ---- munge: its own key and socket --------------------------------------
head -c 1024 /dev/urandom > "$tmp/munge/munge.key"
chown munge:munge "$tmp/munge/munge.key"
chmod 400 "$tmp/munge/munge.key"
SOCK="$tmp/msock/munge.sock"
su -s /bin/sh munge -c "munged --socket='$SOCK' --key-file='$tmp/munge/munge.key' \
    --pid-file='$tmp/msock/munged.pid' --log-file='$tmp/munge/munged.log' \
    --seed-file='$tmp/munge/munged.seed'" > "$tmp/log/munged.out" 2>&1 ||
    skip "munged did not start: $(tail -n 3 "$tmp/log/munged.out" "$tmp/munge/munged.log" 2>/dev/null | tr '\n' ' ')"
i=0
while ! munge --socket="$SOCK" -n < /dev/null 2>/dev/null | unmunge --socket="$SOCK" > /dev/null 2>&1; do
    i=$((i + 1)); [ $i -lt 50 ] || skip "munge credentials do not round-trip on $SOCK"; sleep 0.1
done

# ---- slurm.conf: this node, own ports and directories -------------------
HOST=$(hostname -s)
CPUS=$(nproc)
MEM=$(awk '/MemAvailable/ { m = int($2 / 1024 / 2); if (m > 4000) m = 4000; print m }' /proc/meminfo)
PORT=$((20000 + $$ % 20000))
export SLURM_CONF="$tmp/slurm.conf"
cat > "$SLURM_CONF" <<EOF
ClusterName=nrctest$$
SlurmctldHost=$HOST
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SOCK
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
MailProg=/bin/true
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/run/slurmctld.pid
SlurmdPidFile=$tmp/run/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
NodeName=$HOST CPUs=$CPUS RealMemory=$MEM State=UNKNOWN
PartitionName=nrc Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -f "$SLURM_CONF" > "$tmp/log/slurmctld.out" 2>&1 ||
    skip "slurmctld did not start: $(tail -n 3 "$tmp/log/slurmctld.out" "$tmp/log/slurmctld.log" 2>/dev/null | tr '\n' ' ')"
slurmd -f "$SLURM_CONF" > "$tmp/log/slurmd.out" 2>&1 ||
    skip "slurmd did not start: $(tail -n 3 "$tmp/log/slurmd.out" "$tmp/log/slurmd.log" 2>/dev/null | tr '\n' ' ')"
i=0
until sinfo -h -o '%T' 2>/dev/null | grep -q -E '^(idle|mixed)'; do
    i=$((i + 1))
    [ $i -lt 150 ] || skip "the node did not become idle in 30 s: $(sinfo -h 2>&1 | head -n 2 | tr '\n' ' ') $(tail -n 3 "$tmp/log/slurmd.log" | tr '\n' ' ')"
    sleep 0.2
done
pass slurm_started

# ---- the same sweep locally and through sbatch ----------------------------
"$BIN/sweep" run "$SPEC" -o "$tmp/local" --jobs 2 --quiet; rc_local=$?
timeout 300 "$BIN/sweep" slurm "$SPEC" -o "$tmp/slurm-sweep" --wait > "$tmp/jobs" 2> "$tmp/slurm.err"; rc=$?
if [ $rc -eq $rc_local ] && grep -q 'submitted job array' "$tmp/slurm.err" && [ -s "$tmp/slurm-sweep/report/cells.csv" ]; then
    pass slurm_array_and_dependent_report
else
    fail slurm_array_and_dependent_report "sweep slurm exit $rc (local $rc_local): $(cat "$tmp/slurm.err"); \
$(cat "$tmp"/slurm-sweep/slurm/*.log 2>/dev/null | tail -n 20)"
fi
if grep -q -- '--array=0-' "$tmp/slurm-sweep/slurm/array.sbatch" 2>/dev/null &&
   grep -q 'shard' "$tmp/slurm-sweep/slurm/array.sbatch"; then
    pass slurm_batch_script_written
else
    fail slurm_batch_script_written "$(cat "$tmp/slurm-sweep/slurm/array.sbatch" 2>&1)"
fi
# every array task ran (one log per task) and the report job came after them
ntasks=$(ls "$tmp"/slurm-sweep/slurm/task-*.log 2>/dev/null | wc -l)
ncells=$(ls -d "$tmp"/local/cells/*/ 2>/dev/null | wc -l)
if [ "$ntasks" -eq "$ncells" ] && [ "$ncells" -gt 0 ]; then pass slurm_one_task_per_cell
else fail slurm_one_task_per_cell "$ntasks task logs for $ncells cells"; fi

# byte for byte: models, certificates, check verdicts, records without times
same=1
why=""
for d in "$tmp"/local/cells/*/; do
    k=$(basename "$d")
    for f in model.bin cert.json options.json; do
        cmp -s "$d/$f" "$tmp/slurm-sweep/cells/$k/$f" || { same=0; why="$why $k/$f"; }
    done
    # the checker's verdict, without its timing "(0.001 s)"
    for f in "$d/check.log" "$tmp/slurm-sweep/cells/$k/check.log"; do
        sed 's/ ([0-9.]* s)$//' "$f" > "$f.notime"
    done
    cmp -s "$d/check.log.notime" "$tmp/slurm-sweep/cells/$k/check.log.notime" || { same=0; why="$why $k/check.log"; }
    for f in "$d/result.json" "$tmp/slurm-sweep/cells/$k/result.json"; do
        sed -e '/"times"/,/^  }/d' "$f" > "$f.notimes" 2>/dev/null
    done
    cmp -s "$d/result.json.notimes" "$tmp/slurm-sweep/cells/$k/result.json.notimes" || { same=0; why="$why $k/result.json"; }
done
[ "$ncells" -gt 0 ] || { same=0; why="no cells"; }
if [ $same = 1 ]; then pass slurm_cells_equal_local_bytes
else fail slurm_cells_equal_local_bytes "differ:$why"; fi
# the report: CSV without the time columns, figure data, LaTeX tables
"$BIN/sweep" report "$tmp/local" --quiet
# the six time columns come just before the two hashes that end each row
notimes() { sed -E 's/(,[^,]*){6}(,[0-9a-f]*,[0-9a-f]*)$/\2/' "$1"; }
notimes "$tmp/local/report/cells.csv" > "$tmp/a.csv"
notimes "$tmp/slurm-sweep/report/cells.csv" > "$tmp/b.csv"
if cmp -s "$tmp/a.csv" "$tmp/b.csv" && cmp -s "$tmp/local/report/tables.tex" "$tmp/slurm-sweep/report/tables.tex" &&
   cmp -s "$tmp/local/report/flip_vs_d.dat" "$tmp/slurm-sweep/report/flip_vs_d.dat"; then
    pass slurm_report_equals_local
else
    fail slurm_report_equals_local "$(diff "$tmp/a.csv" "$tmp/b.csv" | head -n 5)"
fi
cleanup
if [ -n "$tmp" ]; then fail slurm_stopped "cleanup left $tmp"; else pass slurm_stopped; fi
exit $failed
