#!/usr/bin/env python3
"""Variants of the default scenario, one input form changed each, to measure what a form
costs in a whole run against its independent, unmixed equivalent (docs/PERFORMANCE.md):

    python3 scripts/form_priors.py /tmp/forms
    scripts/instructions_per_trajectory.sh /tmp/forms/mix40-corr.toml 100k

Written files (all the default scenario but for the change):
  default             unchanged
  default-corr        algorithms rate ~ threshold (a mixture of 2 lognormals), rank 0.98
  uniform-indep       threshold uniform on [3, 23]
  uniform-corr        the same, algorithms rate ~ threshold at rank 0.98
  mix40-indep         threshold a 40-piece uniform mixture on [3, 23]
  mix40-corr          the same, algorithms rate ~ threshold at rank 0.98
  mix1000-indep       threshold a 1,000-piece uniform mixture with gaps
  mix1000-corr        the same, algorithms rate ~ threshold at rank 0.98
  pert                unhobbling rate PERT(0, 0.1, 1)
  pert-corr           the same, rank 0.5 with compute rate
  pert-thin           the same truncated to [0.8, 1] (keeps 0.12% of the mass)
  threshold-thin      the threshold mixture truncated to [50, inf) (keeps 0.12%)
"""
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
BASE = (ROOT / "priors" / "situational-awareness.toml").read_text()


def named(text, name):
    return text.replace('name = "situational-awareness"', f'name = "{name}"')


def corr(a, b, rank):
    return f'\n[[correlations]]\nbetween = ["{a}", "{b}"]\nrank = {rank}\n'


def with_threshold(section):
    start, end = BASE.index("[threshold]"), BASE.index("[drivers.compute]")
    return BASE[:start] + section + "\n" + BASE[end:]


def pieces(k, width, step, weights):
    comps = "\n".join(
        f'  {{ dist = "uniform", min = {3 + i * step:g}, max = {3 + i * step + width:g} }},'
        for i in range(k)
    )
    w = ", ".join(str(weights(i)) for i in range(k))
    return f'[threshold]\ndist = "mixture"\ncomponents = [\n{comps}\n]\nweights = [{w}]\n'


def with_unhobbling(form):
    old = 'rate = { dist = "lognormal", ci90 = [0.15, 0.70] }'
    i = BASE.index(old, BASE.index("[drivers.unhobbling]"))
    return BASE[:i] + "rate = " + form + BASE[i + len(old):]


def main():
    out = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/forms")
    out.mkdir(parents=True, exist_ok=True)
    alg_thr = corr("drivers.algorithms.rate", "threshold", 0.98)
    uniform = with_threshold('threshold = { dist = "uniform", min = 3, max = 23 }\n')
    mix40 = with_threshold(pieces(40, 0.5, 0.5, lambda i: 1))
    mix1000 = with_threshold(pieces(1000, 0.015, 0.02, lambda i: 1 + i % 3))
    pert = '{ dist = "pert", min = 0.0, mode = 0.1, max = 1.0 }'
    pert_thin = '{ dist = "pert", min = 0.0, mode = 0.1, max = 1.0, truncate = [0.8, 1.0] }'
    start, end = BASE.index("[threshold]"), BASE.index("[drivers.compute]")
    thin_threshold = BASE[start:end].replace(
        "weights = [0.9, 0.1]", "weights = [0.9, 0.1]\ntruncate = [50, inf]"
    )
    files = {
        "default": BASE,
        "default-corr": BASE + alg_thr,
        "uniform-indep": uniform,
        "uniform-corr": uniform + alg_thr,
        "mix40-indep": mix40,
        "mix40-corr": mix40 + alg_thr,
        "mix1000-indep": mix1000,
        "mix1000-corr": mix1000 + alg_thr,
        "pert": with_unhobbling(pert),
        "pert-corr": with_unhobbling(pert)
        + corr("drivers.unhobbling.rate", "drivers.compute.rate", 0.5),
        "pert-thin": with_unhobbling(pert_thin),
        "threshold-thin": BASE[:start] + thin_threshold + BASE[end:],
    }
    for name, text in files.items():
        (out / f"{name}.toml").write_text(named(text, name))
    print(f"wrote {len(files)} priors files to {out}")


if __name__ == "__main__":
    main()
