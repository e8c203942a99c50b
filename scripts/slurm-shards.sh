#!/bin/bash
# Run one scenario split across a Slurm job array, then merge the shards.
#
#   sbatch --array=1-16 scripts/slurm-shards.sh skeptic 1G 20261129
#   # when all array tasks are done (or chain with --dependency=afterok:<jobid>):
#   agi-timelines merge results/skeptic.shard-*-of-16 -o results/skeptic
#
# Every task runs the same seed and trajectory count and computes only its own part
# (--shard K/N); the merge is byte-identical to one run of the whole on one machine.
#SBATCH --job-name=agi-timelines
#SBATCH --cpus-per-task=8
#SBATCH --time=01:00:00
#SBATCH --output=agi-timelines-%A_%a.log
set -euo pipefail

SCENARIO=${1:?usage: sbatch --array=1-N slurm-shards.sh SCENARIO TRAJECTORIES SEED}
TRAJECTORIES=${2:?trajectories, e.g. 1G}
SEED=${3:?seed, e.g. 20261129}
N=${SLURM_ARRAY_TASK_COUNT:?run as a job array: sbatch --array=1-N}
K=${SLURM_ARRAY_TASK_ID:?run as a job array}
BIN=${AGI_TIMELINES:-agi-timelines}
NAME=$(basename "$SCENARIO" .toml)

"$BIN" run "$SCENARIO" -n "$TRAJECTORIES" --seed "$SEED" \
    --shard "$K/$N" -j "${SLURM_CPUS_PER_TASK:-1}" -q \
    -o "results/$NAME.shard-$K-of-$N"
