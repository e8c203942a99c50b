#!/usr/bin/env python3
"""Rough Monte Carlo cross-check of the shipped priors files (NOT the simulator).

Reads each priors TOML (MODEL.md section 2 format), checks its keys strictly, samples
every input, and runs the MODEL.md section 1 semantics event by event:

  * E(t) = sum over drivers of the OOMs each has added since `start`;
  * a driver runs at `rate` until it has itself added `cap` OOMs, then at `after_cap`
    (default 0);
  * a bottleneck fires with `probability`; from its onset (a year, a driver's own added
    OOMs, or total E) its factors multiply the affected drivers' rates for `duration`
    years (absent = permanent); onsets before `start` take effect at `start`; factors of
    overlapping bottlenecks multiply;
  * arrival = first t in [start, horizon] with E(t) >= threshold, else "not by horizon".

Rates are constant between events, so E is piecewise linear and each crossing is solved
exactly. Pure standard library (random, tomllib; Python >= 3.11), no numpy.

Usage:  python3 scripts/sanity_priors.py [-n 20000] [--seed 1] [priors/*.toml]
        python3 scripts/sanity_priors.py --direct-approach   (epoch-trends threshold check)

This is a rough cross-check that the shipped files mean what their comments say; the
Rust simulator is the reference implementation. Correlations are ignored here (none are
active in the shipped files).
"""

import argparse
import glob
import math
import os
import random
import statistics
import sys
import tomllib

Z90 = 1.6448536269514722  # standard normal quantile at 0.95 (two-sided 90% interval)
Z80 = 1.2815515655446004  # standard normal quantile at 0.90 (two-sided 80% interval)
INF = float("inf")
EPS = 1e-9


class PriorsError(Exception):
    pass


# ----------------------------------------------------------------------------------
# Distributions: each spec becomes a sampler `f(rng) -> float`, validated up front.
# ----------------------------------------------------------------------------------

DIST_KEYS = {
    "uniform": {"min", "max"},
    "normal": {"mean", "sd", "ci90", "ci80"},
    "lognormal": {"median", "gsd", "mu", "sigma", "ci90", "ci80"},
    "triangular": {"min", "mode", "max"},
    "pert": {"min", "mode", "max"},
    "beta": {"alpha", "beta", "min", "max"},
    "mixture": {"components", "weights"},
}


def _need(cond, msg, where):
    if not cond:
        raise PriorsError(f"{where}: {msg}")


def _interval(spec, where):
    """(lo, hi, z) from ci90 or ci80."""
    if "ci90" in spec:
        lo, hi = spec["ci90"]
        z = Z90
    else:
        lo, hi = spec["ci80"]
        z = Z80
    _need(lo < hi, f"interval lo < hi required, got {lo}, {hi}", where)
    return float(lo), float(hi), z


def build_dist(spec, where):
    # A bare number: a fixed value.
    if isinstance(spec, (int, float)) and not isinstance(spec, bool):
        v = float(spec)
        return lambda rng: v
    # "a to b": a 90% interval, lognormal if both ends > 0, else normal.
    if isinstance(spec, str):
        parts = spec.split(" to ")
        _need(len(parts) == 2, f"expected 'a to b', got {spec!r}", where)
        lo, hi = float(parts[0]), float(parts[1])
        _need(lo < hi, f"'a to b' needs a < b, got {spec!r}", where)
        if lo > 0 and hi > 0:
            return build_dist({"dist": "lognormal", "ci90": [lo, hi]}, where)
        return build_dist({"dist": "normal", "ci90": [lo, hi]}, where)
    _need(isinstance(spec, dict), f"not a distribution: {spec!r}", where)
    _need("dist" in spec, "distribution table needs `dist`", where)
    kind = spec["dist"]
    _need(kind in DIST_KEYS, f"unknown dist {kind!r}", where)
    extra = set(spec) - DIST_KEYS[kind] - {"dist", "truncate"}
    _need(not extra, f"unknown keys {sorted(extra)} for {kind}", where)

    if kind == "uniform":
        a, b = float(spec["min"]), float(spec["max"])
        _need(a < b, "uniform needs min < max", where)
        base = lambda rng: rng.uniform(a, b)
    elif kind == "normal":
        if "mean" in spec:
            m, s = float(spec["mean"]), float(spec["sd"])
        else:
            lo, hi, z = _interval(spec, where)
            m, s = (lo + hi) / 2, (hi - lo) / (2 * z)
        _need(s > 0, "normal needs sd > 0", where)
        base = lambda rng: rng.gauss(m, s)
    elif kind == "lognormal":
        if "median" in spec:
            med, gsd = float(spec["median"]), float(spec["gsd"])
            _need(med > 0 and gsd > 1, "lognormal needs median > 0, gsd > 1", where)
            mu, sg = math.log(med), math.log(gsd)
        elif "mu" in spec:
            mu, sg = float(spec["mu"]), float(spec["sigma"])
        else:
            lo, hi, z = _interval(spec, where)
            _need(lo > 0, "lognormal interval ends must be > 0", where)
            mu = (math.log(lo) + math.log(hi)) / 2
            sg = (math.log(hi) - math.log(lo)) / (2 * z)
        _need(sg > 0, "lognormal needs sigma > 0", where)
        base = lambda rng: rng.lognormvariate(mu, sg)
    elif kind == "triangular":
        a, c, b = float(spec["min"]), float(spec["mode"]), float(spec["max"])
        _need(a <= c <= b and a < b, "triangular needs min <= mode <= max, min < max", where)
        base = lambda rng: rng.triangular(a, b, c)
    elif kind == "pert":
        a, c, b = float(spec["min"]), float(spec["mode"]), float(spec["max"])
        _need(a <= c <= b and a < b, "pert needs min <= mode <= max, min < max", where)
        al = 1 + 4 * (c - a) / (b - a)  # classic PERT, lambda = 4
        be = 1 + 4 * (b - c) / (b - a)
        base = lambda rng: a + (b - a) * rng.betavariate(al, be)
    elif kind == "beta":
        al, be = float(spec["alpha"]), float(spec["beta"])
        lo, hi = float(spec.get("min", 0.0)), float(spec.get("max", 1.0))
        _need(al > 0 and be > 0 and lo < hi, "beta needs alpha, beta > 0 and min < max", where)
        base = lambda rng: lo + (hi - lo) * rng.betavariate(al, be)
    else:  # mixture
        comps = [build_dist(c, f"{where}.components[{i}]") for i, c in enumerate(spec["components"])]
        w = [float(x) for x in spec["weights"]]
        _need(len(w) == len(comps) and comps, "mixture needs one weight per component", where)
        _need(all(x >= 0 for x in w) and sum(w) > 0, "mixture weights must be >= 0, not all 0", where)
        base = lambda rng: rng.choices(comps, weights=w)[0](rng)

    if "truncate" in spec:
        tlo, thi = (float(x) for x in spec["truncate"])
        _need(tlo < thi, "truncate needs lo < hi", where)

        def truncated(rng, base=base, tlo=tlo, thi=thi):
            for _ in range(10000):  # rejection sampling
                x = base(rng)
                if tlo <= x <= thi:
                    return x
            raise PriorsError(f"{where}: truncation [{tlo}, {thi}] holds almost no mass")

        return truncated
    return base


# ----------------------------------------------------------------------------------
# Scenario: strict key checks, then samplers.
# ----------------------------------------------------------------------------------

TOP_KEYS = {"name", "description", "start", "horizon", "threshold", "drivers", "bottlenecks", "correlations"}
DRIVER_KEYS = {"rate", "cap", "after_cap"}
BOTTLENECK_KEYS = {"probability", "onset", "duration", "effect"}


def load_scenario(path):
    with open(path, "rb") as f:
        doc = tomllib.load(f)
    stem = os.path.splitext(os.path.basename(path))[0]
    extra = set(doc) - TOP_KEYS
    _need(not extra, f"unknown top-level keys {sorted(extra)}", path)
    _need(doc.get("name") == stem, f"name {doc.get('name')!r} must equal file stem {stem!r}", path)
    _need(isinstance(doc.get("description"), str) and "\n" not in doc["description"],
          "description must be one line", path)
    _need("correlations" not in doc, "active [[correlations]] are not supported yet", path)
    sc = {
        "name": doc["name"],
        "start": float(doc.get("start", 2023.2)),
        "horizon": float(doc.get("horizon", 2100)),
        "threshold": build_dist(doc["threshold"], f"{path}: threshold"),
        "drivers": {},
        "bottlenecks": {},
    }
    _need(sc["start"] < sc["horizon"], "start < horizon", path)
    for name, d in doc.get("drivers", {}).items():
        w = f"{path}: drivers.{name}"
        extra = set(d) - DRIVER_KEYS
        _need(not extra, f"unknown keys {sorted(extra)}", w)
        _need("rate" in d, "rate is required", w)
        sc["drivers"][name] = {
            "rate": build_dist(d["rate"], w + ".rate"),
            "cap": build_dist(d["cap"], w + ".cap") if "cap" in d else None,
            "after_cap": build_dist(d["after_cap"], w + ".after_cap") if "after_cap" in d else None,
        }
    for name, b in doc.get("bottlenecks", {}).items():
        w = f"{path}: bottlenecks.{name}"
        extra = set(b) - BOTTLENECK_KEYS
        _need(not extra, f"unknown keys {sorted(extra)}", w)
        p = b["probability"]
        _need(isinstance(p, (int, float)) and 0 <= p <= 1, "probability must be a number in [0, 1]", w)
        on = b["onset"]
        extra = set(on) - {"year", "level", "of"}
        _need(not extra, f"unknown onset keys {sorted(extra)}", w)
        _need(("year" in on) != ("level" in on), "onset needs exactly one of year / level", w)
        _need("of" not in on or "level" in on, "`of` only goes with `level`", w)
        if "of" in on:
            _need(on["of"] in sc["drivers"], f"onset.of {on['of']!r} is not a declared driver", w)
        eff = b["effect"]
        _need(eff, "effect must name at least one driver", w)
        for dn in eff:
            _need(dn in sc["drivers"], f"effect on undeclared driver {dn!r}", w)
        sc["bottlenecks"][name] = {
            "p": float(p),
            "onset_kind": "year" if "year" in on else ("driver" if "of" in on else "total"),
            "onset_of": on.get("of"),
            "onset": build_dist(on["year"] if "year" in on else on["level"], w + ".onset"),
            "duration": build_dist(b["duration"], w + ".duration") if "duration" in b else None,
            "effect": {dn: build_dist(fd, f"{w}.effect.{dn}") for dn, fd in eff.items()},
        }
    return sc


# ----------------------------------------------------------------------------------
# One trajectory, event by event.
# ----------------------------------------------------------------------------------

def simulate(sc, rng):
    t0, H = sc["start"], sc["horizon"]
    T = sc["threshold"](rng)
    names = list(sc["drivers"])
    rate, cap, after = {}, {}, {}
    for n, d in sc["drivers"].items():
        rate[n] = max(0.0, d["rate"](rng))
        cap[n] = d["cap"](rng) if d["cap"] else INF
        after[n] = max(0.0, d["after_cap"](rng)) if d["after_cap"] else 0.0
    added = {n: 0.0 for n in names}
    capped = {n: cap[n] <= 0 for n in names}
    bns = []
    for bname, b in sc["bottlenecks"].items():
        fired = rng.random() < b["p"]
        onset = b["onset"](rng)
        dur = b["duration"](rng) if b["duration"] else INF
        fac = {dn: max(0.0, f(rng)) for dn, f in b["effect"].items()}
        bns.append({"name": bname, "fired": fired, "kind": b["onset_kind"], "of": b["onset_of"],
                    "onset": onset, "dur": max(0.0, dur), "fac": fac, "state": "wait", "end": INF})
    t, E = t0, 0.0
    hit = set()

    def start_due(t, E):
        for bn in bns:
            if not bn["fired"] or bn["state"] != "wait":
                continue
            due = ((bn["kind"] == "year" and bn["onset"] <= t + EPS)
                   or (bn["kind"] == "driver" and added[bn["of"]] >= bn["onset"] - EPS)
                   or (bn["kind"] == "total" and E >= bn["onset"] - EPS))
            if due:
                bn["state"], bn["end"] = "on", t + bn["dur"]
                hit.add(bn["name"])
        for bn in bns:
            if bn["state"] == "on" and bn["end"] <= t + EPS:
                bn["state"] = "off"

    while True:
        for n in names:
            if not capped[n] and added[n] >= cap[n] - EPS:
                capped[n] = True
        start_due(t, E)
        if E >= T - EPS:
            return t, T, hit
        r = {}
        for n in names:
            x = after[n] if capped[n] else rate[n]
            for bn in bns:
                if bn["state"] == "on" and n in bn["fac"]:
                    x *= bn["fac"][n]
            r[n] = x
        R = sum(r.values())
        nxt = H
        if R > 0:
            nxt = min(nxt, t + (T - E) / R)
        for n in names:
            if not capped[n] and r[n] > 0:
                nxt = min(nxt, t + (cap[n] - added[n]) / r[n])
        for bn in bns:
            if bn["state"] == "on":
                nxt = min(nxt, bn["end"])
            elif bn["fired"] and bn["state"] == "wait":
                if bn["kind"] == "year":
                    nxt = min(nxt, bn["onset"])
                elif bn["kind"] == "driver" and r[bn["of"]] > 0:
                    nxt = min(nxt, t + (bn["onset"] - added[bn["of"]]) / r[bn["of"]])
                elif bn["kind"] == "total" and R > 0:
                    nxt = min(nxt, t + (bn["onset"] - E) / R)
        nxt = max(nxt, t)
        dt = nxt - t
        for n in names:
            added[n] += r[n] * dt
        E += R * dt
        t = nxt
        if E >= T - EPS:
            return t, T, hit
        if t >= H - EPS:
            return None, T, hit


# ----------------------------------------------------------------------------------
# Report.
# ----------------------------------------------------------------------------------

def pct(sorted_years, q, n):
    """Percentile over all n trajectories; misses count as after the horizon."""
    k = int(math.ceil(q * n)) - 1
    return sorted_years[k] if k < len(sorted_years) else None


def fmt(y, H):
    return f"{y:7.1f}" if y is not None else f">{H:.0f}".rjust(7)


def run(path, n, seed):
    sc = load_scenario(path)
    rng = random.Random(seed)
    years, thresholds, hits = [], [], {}
    for _ in range(n):
        y, T, hit = simulate(sc, rng)
        thresholds.append(T)
        if y is not None:
            years.append(y)
        for h in hit:
            hits[h] = hits.get(h, 0) + 1
    years.sort()
    H = sc["horizon"]
    miss = 1 - len(years) / n
    print(f"== {sc['name']}  ({path}, n={n}, seed={seed})")
    print("   p10 {}   p25 {}   p50 {}   p75 {}   p90 {}   P(not by {:.0f}) = {:.3f}".format(
        fmt(pct(years, .10, n), H), fmt(pct(years, .25, n), H), fmt(pct(years, .50, n), H),
        fmt(pct(years, .75, n), H), fmt(pct(years, .90, n), H), H, miss))
    by = "   " + "  ".join(f"P(by {y}) {sum(1 for x in years if x < y) / n:.2f}"
                          for y in (2027, 2028, 2030, 2035, 2040, 2050))
    print(by)
    thr = sorted(thresholds)
    print(f"   threshold OOMs: p10 {thr[n // 10]:.1f}  p50 {statistics.median(thr):.1f}  p90 {thr[9 * n // 10]:.1f}")
    print("   bottleneck hit rate: " + ", ".join(f"{k} {v / n:.2f}" for k, v in sorted(hits.items())))
    return {"p10": pct(years, .10, n), "p50": pct(years, .50, n), "p90": pct(years, .90, n), "miss": miss}


# ----------------------------------------------------------------------------------
# Epoch's Direct Approach requirement, re-run (for priors/epoch-trends.toml threshold).
# ----------------------------------------------------------------------------------
# A pure-Python port of github.com/epoch-research/timelines-direct-approach,
# k_performance.py (Matthew Barnett's code) and timeline.py `tai_requirements`: Chinchilla
# scaling-law parameters (Hoffmann et al. 2022) with noise, k-performance lognormal 70% CI
# [3129, 141714], slowdown lognormal 70% CI [9.84, 290]; then the DA's update on "no TAI from
# runs of 1e17 FLOP for 8 yr, 1e23 for 2 yr, 1e25 for 1 yr" (Poisson with mean
# 10^(0.3 (run - requirement)) per year), done here by reweighting the samples instead of
# the DA's PyMC fit of a normal. Output in OOM above GPT-4 (log10 FLOP - log10 2e25).

def _da_requirement_log10_flop(rng):
    from statistics import NormalDist
    z70 = NormalDist().inv_cdf(0.85)

    def ln70(lo, hi):
        mu = (math.log(lo) + math.log(hi)) / 2
        return rng.lognormvariate(mu, (mu - math.log(lo)) / z70)

    k, slowdown = ln70(3129, 141714), ln70(9.84, 290)
    A, B = rng.gauss(482.01, 25), rng.gauss(2085.43, 25)
    al, be = rng.gauss(0.3478, 0.05), rng.gauss(0.3658, 0.05)
    conf = 0.9
    d0, d1 = conf / (1 - conf), (1 - conf) / conf
    D1 = (1 - d0) / (d1 - d0)
    D0 = d1 * D1
    pts, logk = (10, 30), []
    for c in pts:
        G = (al * A) / (be * B) ** (1 / (al + be))  # operator precedence as in the source
        N = G * (10 ** c / 6) ** (be / (al + be))
        D = G ** -1 * (10 ** c / 6) ** (al / (al + be))
        kl = A / N ** al + B / D ** be
        kperf = slowdown * (D1 * math.log2(D0 / D1) + (1 - D1) * math.log2((1 - D0) / (1 - D1))) / -kl
        logk.append(math.log10(kperf))
    m = (pts[1] - pts[0]) / (logk[1] - logk[0])
    return m * math.log10(k) + pts[0] - logk[0] * m


def direct_approach(n, seed):
    rng = random.Random(seed)
    gpt4 = math.log10(2e25)
    xs = []
    while len(xs) < n:
        try:
            x = _da_requirement_log10_flop(rng)
        except (ValueError, ZeroDivisionError, OverflowError):
            continue
        if x == x:
            xs.append(x)
    xs.sort()

    def like(r):  # P(no TAI from the DA's observed runs | requirement r, log10 FLOP)
        return math.exp(-sum(dur * 10 ** (0.3 * (run - r)) for run, dur in ((17, 8), (23, 2), (25, 1))))

    w = [like(x) for x in xs]
    W = sum(w)
    qs = (0.10, 0.25, 0.50, 0.75, 0.90)

    def wq(q):
        c = 0.0
        for x, wi in zip(xs, w):
            c += wi
            if c >= q * W:
                return x
        return xs[-1]

    prior = [xs[int(q * n)] - gpt4 for q in qs]
    post = [wq(q) - gpt4 for q in qs]
    fit = sorted(40 * rng.betavariate(1.9, 5.8) for _ in range(n))
    print("Direct Approach requirement, OOM above GPT-4 (2e25 FLOP); quantiles 10/25/50/75/90%")
    print("   prior      " + "  ".join(f"{v:6.1f}" for v in prior))
    print("   posterior  " + "  ".join(f"{v:6.1f}" for v in post))
    print("   Beta(1.9, 5.8) on [0, 40] (epoch-trends threshold)  " + "  ".join(f"{fit[int(q * n)]:6.1f}" for q in qs))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*")
    ap.add_argument("-n", type=int, default=20000, help="trajectories per scenario")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--direct-approach", action="store_true",
                    help="re-run Epoch's Direct Approach requirement (epoch-trends threshold) and exit")
    args = ap.parse_args(argv)
    if args.direct_approach:
        direct_approach(args.n, args.seed)
        return 0
    files = args.files
    if not files:
        here = os.path.dirname(os.path.abspath(__file__))
        files = sorted(glob.glob(os.path.join(here, "..", "priors", "*.toml")))
    status = 0
    for f in files:
        try:
            run(f, args.n, args.seed)
        except (PriorsError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as e:
            print(f"!! {f}: {type(e).__name__}: {e}", file=sys.stderr)
            status = 2
    return status


if __name__ == "__main__":
    sys.exit(main())
