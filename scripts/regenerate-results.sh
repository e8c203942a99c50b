#!/usr/bin/env bash
# Regenerate the committed results of every shipped scenario (10 million trajectories,
# fixed seed, with sensitivity). tests/committed_results.rs checks that the CSV files
# still match what the code produces. Usage: scripts/regenerate-results.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
for s in situational-awareness epoch-trends skeptic; do
    ./target/release/agi-timelines run "$s" -n 10M --seed 20261129 --sensitivity -q -o "results/reference/$s"
done
./target/release/agi-timelines compare situational-awareness epoch-trends skeptic --with-prior \
    -n 10M --seed 20261129 -q -o results/reference/compare
echo "results/ regenerated"
