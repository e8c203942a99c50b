#!/usr/bin/env python3
"""Write synthetic priors files for measuring how the simulator's cost grows with the
number of drivers and bottlenecks (docs/PERFORMANCE.md). Not forecasts: every number is
made up so that trajectories exercise caps, onsets (year and level) and durations.

usage: python3 scripts/synthetic_priors.py OUT_DIR [DRIVERSxBOTTLENECKS ...]
       (default shapes: 1x0 2x1 3x2 4x4 6x6 8x8 16x16 32x32)
"""
import os
import sys


def priors(nd: int, nb: int) -> str:
    lines = [
        f'name = "synthetic-{nd}x{nb}"',
        f'description = "Synthetic: {nd} drivers, {nb} bottlenecks (performance measurement only)."',
        "start = 2023.2",
        "horizon = 2100",
        # The threshold scales with the number of drivers so arrival years stay similar.
        f'threshold = {{ dist = "lognormal", ci90 = [{1.5 * nd:.2f}, {4.0 * nd:.2f}] }}',
        "",
    ]
    for d in range(nd):
        lines += [
            f"[drivers.d{d}]",
            'rate = { dist = "lognormal", ci90 = [0.25, 0.75] }',
            'cap = { dist = "normal", ci90 = [2.5, 4.5] }',
            'after_cap = { dist = "uniform", min = 0.05, max = 0.15 }',
            "",
        ]
    for b in range(nb):
        d1, d2 = b % nd, (b + 1) % nd
        lines.append(f"[bottlenecks.b{b}]")
        lines.append("probability = 0.5")
        if b % 2 == 0:
            lines.append('onset = { year = { dist = "uniform", min = 2024, max = 2035 } }')
        else:
            lines.append(f'onset = {{ level = {{ dist = "normal", ci90 = [1.5, 3.5] }}, of = "d{d1}" }}')
        lines.append('duration = { dist = "lognormal", ci90 = [1, 8] }')
        if d1 == d2:
            lines.append(f'effect = {{ d{d1} = {{ dist = "uniform", min = 0.2, max = 0.8 }} }}')
        else:
            lines.append(
                f'effect = {{ d{d1} = {{ dist = "uniform", min = 0.2, max = 0.8 }}, '
                f'd{d2} = {{ dist = "uniform", min = 0.3, max = 0.9 }} }}'
            )
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    shapes = sys.argv[2:] or ["1x0", "2x1", "3x2", "4x4", "6x6", "8x8", "16x16", "32x32"]
    os.makedirs(out, exist_ok=True)
    for s in shapes:
        nd, nb = (int(v) for v in s.split("x"))
        path = os.path.join(out, f"synthetic-{nd}x{nb}.toml")
        with open(path, "w") as f:
            f.write(priors(nd, nb))
        print(path)


if __name__ == "__main__":
    main()
