#!/bin/bash
# Run one scenario split across a Slurm job array, then merge the shards.
#
#   sbatch --array=1-16 scripts/slurm-shards.sh skeptic 1G 20261129
#   # when all array tasks are done (or chain with --dependency=afterok:<jobid>):
#   agi-timelines merge results/skeptic.shard-*-of-16 -o results/skeptic
#
# Every task runs the same seed and trajectory count and computes only its own part,
# --shard K/N with K its array index and N the array's size, into
# results/<scenario name>.shard-K-of-N/ under the folder sbatch was run from; the merge
# is byte-identical to one run of the whole on one machine. The array must be 1-N
# (a %limit is fine: --array=1-16%4), and N at most the run's chunks of 16,384
# trajectories.
#
# Resources: the script asks for nothing, so each task gets the cluster's default (one
# CPU, the partition's time limit) and fits any node; it runs one thread per CPU it is
# given. Ask on the command line for more, e.g.
#   sbatch --array=1-16 --cpus-per-task=8 --time=2:00:00 scripts/slurm-shards.sh ...
#
# The program run is the first of:
#   $AGI_TIMELINES, if set (a path);
#   agi-timelines on PATH (sbatch passes on the submitting shell's environment);
#   $CARGO_HOME/bin/agi-timelines, or ~/.cargo/bin/agi-timelines without CARGO_HOME
#     (where `cargo install --path .` puts it, even when PATH lacks that folder);
#   target/release/agi-timelines under the folder sbatch was run from (a clone built
#     with `cargo build --release`).
# A task that finds none fails, saying where it looked.
#
# Variables read: AGI_TIMELINES, PATH, CARGO_HOME and HOME (to find the program, as
# above); and, set by Slurm, SLURM_ARRAY_TASK_ID (K), SLURM_ARRAY_TASK_COUNT (N),
# SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_MAX (checked to be 1 and N),
# SLURM_CPUS_PER_TASK (threads; 1 when --cpus-per-task is not given) and
# SLURM_SUBMIT_DIR (where results/ and the log go; the current folder outside Slurm).
#SBATCH --job-name=agi-timelines
#SBATCH --output=agi-timelines-%A_%a.log
set -euo pipefail

usage="usage: sbatch --array=1-N slurm-shards.sh SCENARIO TRAJECTORIES SEED"
SCENARIO=${1:?$usage}
TRAJECTORIES=${2:?$usage (trajectories, e.g. 1G)}
SEED=${3:?$usage (seed, e.g. 20261129)}
N=${SLURM_ARRAY_TASK_COUNT:?run as a job array: sbatch --array=1-N}
K=${SLURM_ARRAY_TASK_ID:?run as a job array: sbatch --array=1-N}
if [ "${SLURM_ARRAY_TASK_MIN:-1}" != 1 ] || [ "${SLURM_ARRAY_TASK_MAX:-$N}" != "$N" ]; then
    echo "slurm-shards.sh: the array is ${SLURM_ARRAY_TASK_MIN:-?}-${SLURM_ARRAY_TASK_MAX:-?} with $N tasks; use --array=1-N so that task K computes shard K of N" >&2
    exit 2
fi

find_program() {
    if [ -n "${AGI_TIMELINES:-}" ]; then
        echo "$AGI_TIMELINES"
        return
    fi
    if command -v agi-timelines >/dev/null 2>&1; then
        command -v agi-timelines
        return
    fi
    local c
    for c in "${CARGO_HOME:-${HOME:-/nonexistent}/.cargo}/bin/agi-timelines" \
        "${SLURM_SUBMIT_DIR:-$PWD}/target/release/agi-timelines"; do
        if [ -x "$c" ]; then
            echo "$c"
            return
        fi
    done
    echo "slurm-shards.sh: agi-timelines not found: not in \$AGI_TIMELINES, not on PATH ($PATH)," \
        "not in ${CARGO_HOME:-${HOME:-~}/.cargo}/bin (cargo install --path .)," \
        "not in ${SLURM_SUBMIT_DIR:-$PWD}/target/release (cargo build --release);" \
        "set AGI_TIMELINES=/path/to/agi-timelines" >&2
    return 1
}
BIN=$(find_program)

cd "${SLURM_SUBMIT_DIR:-.}"
exec "$BIN" run "$SCENARIO" -n "$TRAJECTORIES" --seed "$SEED" \
    --shard "$K/$N" -j "${SLURM_CPUS_PER_TASK:-1}" -q
