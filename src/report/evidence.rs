//! What a run says about its evidence on stdout: how many trajectories it kept, what
//! each piece of evidence does on its own, and how far it moves the forecast.

use super::summary::{Summary, Value};
use crate::engine::Trial;
use crate::format::{fmt_count, fmt_year};
use crate::model::{Location, Model};
use crate::tally::Tally;

/// Fewer trajectories kept than this, and a run warns: a probability's standard error
/// can then exceed half a percentage point (`sqrt(0.25 / 10,000) = 0.005`).
pub const FEW_KEPT: u64 = 10_000;

/// The evidence paragraph of a run's text, or `None` without evidence.
pub fn evidence_text(model: &Model, tally: &Tally, summary: &Summary, seed: u64) -> Option<String> {
    let ev = model.evidence()?;
    let et = tally.evidence.as_ref()?;
    let kept = tally.trajectories();
    let pct = |p: f64| format!("{:.2}%", p * 100.0);
    let share = |count: u64| count as f64 / et.drawn.max(1) as f64;
    let se = |p: f64| (p * (1.0 - p) / et.drawn.max(1) as f64).sqrt();
    let mut s =
        String::from("Evidence: the figures above are conditioned on what has been observed\n");
    let p_kept = share(kept);
    s.push_str(&format!(
        "  kept {} of {} trajectories ({} +- {})\n",
        fmt_count(kept),
        fmt_count(et.drawn),
        pct(p_kept),
        pct(se(p_kept))
    ));
    if let Some(y) = ev.no_arrival_before {
        let p = share(et.not_arrived);
        s.push_str(&format!(
            "  no arrival before {}: {} of trajectories pass\n",
            fmt_year(y),
            pct(p)
        ));
    }
    for (k, o) in ev.observations.iter().enumerate() {
        let of = o.of.map_or("E (total)", |d| model.drivers[d].name.as_str());
        let (mean, _) = et.mean_ratio(k);
        s.push_str(&format!(
            "  {of} at {}: {} keeps {} on its own\n",
            fmt_year(o.year),
            o.level,
            pct(mean)
        ));
    }
    let prior = Summary::prior(model, tally, seed)?;
    let show = |summary: &Summary, m: &str| match summary.get(m) {
        Some(v @ Value::Estimate { .. }) => format!("{:.2}", v.number().unwrap_or(f64::NAN)),
        Some(v @ Value::Share { .. }) => format!("{:.1}%", v.number().unwrap_or(0.0) * 100.0),
        Some(v) => v.csv(),
        None => String::new(),
    };
    s.push_str(&format!(
        "  median {} -> {}; P(AGI by the end of 2030) {} -> {} (prior -> with the evidence)\n",
        show(&prior, "p50"),
        show(summary, "p50"),
        show(&prior, "p_by_2030"),
        show(summary, "p_by_2030"),
    ));
    if kept < FEW_KEPT {
        s.push_str(&format!(
            "  only {} trajectories are consistent with the evidence: every figure rests on them \
             (their standard errors say how much); run more (-n) for precision\n",
            fmt_count(kept)
        ));
    }
    Some(s)
}

/// When a trial kept no trajectory, what to tell the user, located like a priors error
/// (`FILE:LINE:COLUMN: key ...`): the piece of evidence no trajectory satisfies on its
/// own, or, if each keeps some, that they exclude each other. `None` when it kept some.
pub fn trial_refusal(model: &Model, file: &str, trial: &Trial) -> Option<String> {
    if trial.kept > 0 {
        return None;
    }
    let ev = model.evidence()?;
    let n = fmt_count(trial.drawn);
    let at = |loc: Location, key: &str| {
        if loc.line == 0 {
            String::new() // from the command line (--as-of)
        } else {
            format!("{file}:{}:{}: key `{key}`: ", loc.line, loc.column)
        }
    };
    if let Some(y) = ev.no_arrival_before
        && trial.not_arrived == 0
    {
        return Some(format!(
            "{}in every one of {n} trial trajectories of `{}` AGI arrives before {}, so nothing \
             is left to condition on: the priors rule out what no_arrival_before says (move it \
             earlier, or revisit the priors)",
            at(ev.no_arrival_before_at, "evidence.no_arrival_before"),
            model.name,
            fmt_year(y)
        ));
    }
    for (k, o) in ev.observations.iter().enumerate() {
        if trial.mean_ratio[k] < 1e-12 {
            let of = o.of.map_or("total effective compute", |d| {
                model.drivers[d].name.as_str()
            });
            let (lo, hi) = trial.levels[k];
            return Some(format!(
                "{}no trial trajectory of `{}` comes near this level: in {n} of them {of} at {} \
                 lies between {} and {} OOM, and the measurement {} gives every one a likelihood \
                 of 0 (check its units and year, or widen it)",
                at(o.at, &format!("evidence.observe[{k}]")),
                model.name,
                fmt_year(o.year),
                crate::format::fmt_sig(lo, 4),
                crate::format::fmt_sig(hi, 4),
                o.level
            ));
        }
    }
    let own: Vec<String> = ev
        .observations
        .iter()
        .enumerate()
        .map(|(k, o)| {
            let of = o.of.map_or("E", |d| model.drivers[d].name.as_str());
            format!(
                "{of} at {}: {:.2}%",
                fmt_year(o.year),
                trial.mean_ratio[k] * 100.0
            )
        })
        .collect();
    Some(format!(
        "the evidence of `{}` keeps none of {n} trial trajectories, although each part keeps \
         some on its own (not arrived before the year: {:.2}%; {}): together they exclude \
         each other under these priors",
        model.name,
        trial.not_arrived as f64 / trial.drawn as f64 * 100.0,
        own.join("; ")
    ))
}
