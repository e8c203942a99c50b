#!/usr/bin/env bash
# Instructions per trajectory of a whole run, counted by callgrind (repeatable to a few
# parts in 10^4, unlike timings on a shared machine). See docs/PERFORMANCE.md.
#
# usage: scripts/instructions_per_trajectory.sh [SCENARIO_OR_FILE] [N] [extra run flags...]
#   e.g. scripts/instructions_per_trajectory.sh situational-awareness 200k
#        scripts/instructions_per_trajectory.sh priors/skeptic.toml 200k --bin-width month
# Needs valgrind and a release build (cargo build --release). The fixed cost of a run
# (parsing, report; the chart is skipped) is included: about 6M instructions with yearly
# bins, under 3% of the total at N >= 100k.
set -euo pipefail
scenario=${1:-situational-awareness}
n=${2:-200k}
shift $(( $# > 2 ? 2 : $# ))
bin=${BIN:-target/release/agi-timelines}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
count=$(python3 -c "
import sys
s = sys.argv[1].replace('_', '')
m = {'k': 1e3, 'K': 1e3, 'm': 1e6, 'M': 1e6}
print(int(float(s[:-1]) * m[s[-1]]) if s[-1] in m else int(float(s)))" "$n")
ir=$(valgrind --tool=callgrind --callgrind-out-file="$out/cg" "$bin" run "$scenario" -n "$n" \
      --seed 1 -j 1 -q --no-chart -o "$out/run" "$@" 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
python3 - "$scenario" "$ir" "$count" <<'PY'
import sys
print(f"{sys.argv[1]}: {int(sys.argv[2]) / int(sys.argv[3]):.0f} instructions per trajectory")
PY
