#!/bin/bash
# A throwaway single-node Slurm cluster on loopback, for testing slurm-shards.sh on a
# real Slurm (tests/it/slurm.rs runs it; it also works by hand):
#
#   scripts/slurm-test-cluster.sh start DIR [OWNER_PID]   # prints SLURM_CONF=DIR/slurm.conf
#   SLURM_CONF=DIR/slurm.conf sbatch --array=1-4 scripts/slurm-shards.sh skeptic 1M 7
#   scripts/slurm-test-cluster.sh stop DIR
#
# `start` installs Debian's slurm-wlm and munge with apt-get if they are missing (this
# needs root), then starts, all inside DIR: a munge daemon with its own key and
# socket, slurmctld and slurmd on two free loopback ports, and one node with this
# machine's CPUs; it returns once the node accepts jobs. Nothing outside DIR is
# configured or started, so it does not touch a Slurm or munge already on the
# machine, and several such clusters can run side by side. Clients reach it through
# SLURM_CONF. Daemons run as the user who starts them (jobs too).
#
# With OWNER_PID, a watchdog stops the cluster when that process ends (however it
# ends), so a killed test leaves no daemons behind. `stop` stops the daemons and the
# watchdog. Every failure says what failed and shows the daemons' logs; the exit
# status is then non-zero.
set -euo pipefail

usage() {
    echo "usage: $0 start DIR [OWNER_PID] | stop DIR" >&2
    exit 2
}
[ $# -ge 2 ] || usage
CMD=$1
DIR=$2
OWNER=${3:-}

fail() {
    echo "slurm-test-cluster: $*" >&2
    for log in "$DIR"/log/*.log; do
        [ -f "$log" ] || continue
        echo "--- $log (last 20 lines)" >&2
        tail -n 20 "$log" >&2
    done
    exit 1
}

# Stop what the pid files name, politely, then not. (The watchdog runs this itself,
# as its own process: it must not signal itself.)
stop() {
    local pids=() p
    for f in "$DIR"/watchdog.pid "$DIR"/slurmd.pid "$DIR"/slurmctld.pid "$DIR"/munged.pid; do
        [ -f "$f" ] || continue
        p=$(cat "$f")
        [ "$p" = $$ ] || pids+=("$p")
    done
    [ ${#pids[@]} -gt 0 ] || return 0
    kill "${pids[@]}" 2>/dev/null || true
    for _ in $(seq 50); do
        local alive=0
        for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
        [ $alive = 0 ] && break
        sleep 0.1
    done
    kill -9 "${pids[@]}" 2>/dev/null || true
    rm -f "$DIR"/watchdog.pid "$DIR"/slurmd.pid "$DIR"/slurmctld.pid "$DIR"/munged.pid
}

if [ "$CMD" = stop ]; then
    stop
    exit 0
fi
[ "$CMD" = start ] || usage

# --- Install -------------------------------------------------------------------------
need=()
for b in slurmctld slurmd sbatch sinfo; do command -v "$b" >/dev/null || need=(slurm-wlm)
done
command -v munged >/dev/null || need+=(munge)
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        fail "${need[*]} not installed, and installing needs root: run as root, or apt-get install ${need[*]}"
    fi
    echo "slurm-test-cluster: installing ${need[*]} with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -q --no-install-recommends "${need[@]}" >&2; then
        apt-get update -q >&2 || fail "apt-get update failed"
        apt-get install -y -q --no-install-recommends "${need[@]}" >&2 ||
            fail "apt-get install ${need[*]} failed"
    fi
    for b in slurmctld slurmd sbatch sinfo munged; do
        command -v "$b" >/dev/null || fail "$b is still missing after installing ${need[*]}"
    done
fi

# --- Configure ---------------------------------------------------------------------
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
mkdir -p "$DIR"/munge "$DIR"/state "$DIR"/spool "$DIR"/log
# munged refuses a key or socket folder others can write to or read.
chmod 700 "$DIR"/munge
if [ ! -f "$DIR"/munge/munge.key ]; then
    dd if=/dev/urandom of="$DIR"/munge/munge.key bs=1024 count=1 status=none
    chmod 400 "$DIR"/munge/munge.key
fi

# Two free TCP ports on loopback (nothing answers on them).
free_port() {
    local p
    for _ in $(seq 200); do
        p=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return
        fi
    done
    fail "no free TCP port found"
}
CTLD_PORT=$(free_port)
SLURMD_PORT=$(free_port)
while [ "$SLURMD_PORT" = "$CTLD_PORT" ]; do SLURMD_PORT=$(free_port); done

USER_NAME=$(id -un)
HOST=$(hostname -s)
CPUS=$(nproc)
cat >"$DIR"/slurm.conf <<EOF
# Written by scripts/slurm-test-cluster.sh: a single-node cluster on loopback.
ClusterName=agitest
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=$USER_NAME
SlurmdUser=$USER_NAME
AuthType=auth/munge
AuthInfo=socket=$DIR/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
NodeName=agitest-node NodeHostname=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS State=UNKNOWN
PartitionName=debug Nodes=agitest-node Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$DIR/slurm.conf

# --- Start -------------------------------------------------------------------------
stop # anything a previous start in this folder left
munged --socket="$DIR"/munge/munge.socket --key-file="$DIR"/munge/munge.key \
    --pid-file="$DIR"/munged.pid --log-file="$DIR"/log/munged.log \
    --seed-file="$DIR"/munge/munged.seed --force ||
    fail "munged did not start"
slurmctld -f "$SLURM_CONF" || fail "slurmctld did not start"
slurmd -f "$SLURM_CONF" -N agitest-node || fail "slurmd did not start"

if [ -n "$OWNER" ]; then
    # The watchdog: stop the cluster once OWNER_PID has gone.
    (
        trap '' HUP
        while kill -0 "$OWNER" 2>/dev/null; do sleep 1; done
        "$0" stop "$DIR"
    ) </dev/null >/dev/null 2>&1 &
    echo $! >"$DIR"/watchdog.pid
fi

# --- Wait for the node -------------------------------------------------------------
state=
for _ in $(seq 300); do
    state=$(sinfo -h -n agitest-node -o %T 2>/dev/null || true)
    case "$state" in
    idle*) break ;;
    esac
    sleep 0.2
done
case "$state" in
idle*) ;;
*)
    stop
    fail "the node did not become idle in 60 s (state: ${state:-none})"
    ;;
esac
echo "SLURM_CONF=$SLURM_CONF"
