//! `[evidence]`: what has been observed, which every figure is then conditioned on.
//!
//! ```toml
//! [evidence]
//! no_arrival_before = 2026.92      # AGI has not arrived before this decimal year
//!
//! [[evidence.observe]]             # any number of these
//! year = 2025.52                   # when the level was measured
//! of = "compute"                   # a driver's own added OOMs; omit for total E
//! level = { dist = "normal", mean = 1.4, sd = 0.22 }   # what was measured
//! ```

use super::diagnostics::Collector;
use super::distribution::{DIST_HELP, distribution};
use super::scenario::{DriverNames, resolve_driver};
use super::toml::{TableReader, number, string, table};
use crate::model::{Evidence, Location, MAX_EVIDENCE_YEARS, MAX_OBSERVATIONS, Observation};
use std::ops::Range;
use toml::Spanned;
use toml::de::DeValue;

const EVIDENCE_KEYS: &[&str] = &["no_arrival_before", "observe"];
const OBSERVE_KEYS: &[&str] = &["year", "of", "level"];

/// The scenario's years, which every year of the evidence must lie within.
struct Years {
    start: f64,
    horizon: f64,
}

impl Years {
    /// Whether `x` lies in `[start, horizon]`; if not, an error at `span` says so.
    fn check(&self, cx: &mut Collector, x: f64, span: Range<usize>, key: &str, what: &str) -> bool {
        let (start, horizon) = (self.start, self.horizon);
        if (start..=horizon).contains(&x) {
            return true;
        }
        cx.error(
            span,
            key,
            format!(
                "{what} {x} is outside the scenario's years, {start} (start) to {horizon} (horizon)"
            ),
        );
        false
    }
}

/// Read `[evidence]`; `None` after recording errors. Years must lie in `[start, horizon]`.
pub(super) fn evidence(
    cx: &mut Collector,
    v: &Spanned<DeValue>,
    drivers: &DriverNames,
    start: f64,
    horizon: f64,
) -> Option<Evidence> {
    let t = table(
        cx,
        v,
        "evidence",
        "an [evidence] table with `no_arrival_before` and [[evidence.observe]] entries",
    )?;
    let mut r = TableReader::new(t, v.span(), "evidence");
    let mut ok = true;
    let in_years = Years { start, horizon };
    let mut no_arrival_before_at = Location::default();
    let no_arrival_before = match r.get("no_arrival_before") {
        Some(nv) => {
            let key = "evidence.no_arrival_before";
            no_arrival_before_at = cx.locate(&nv.span());
            match number(cx, nv, key) {
                Some(x) if in_years.check(cx, x, nv.span(), key, "no_arrival_before") => Some(x),
                _ => {
                    ok = false;
                    None
                }
            }
        }
        None => None,
    };
    let mut observations = Vec::new();
    if let Some(ov) = r.get("observe") {
        match ov.get_ref() {
            DeValue::Array(a) => {
                for (i, entry) in a.iter().enumerate() {
                    match observation(cx, entry, i, drivers, &in_years) {
                        Some(o) => observations.push(o),
                        None => ok = false,
                    }
                }
            }
            _ => {
                cx.error(
                    ov.span(),
                    "evidence.observe",
                    "write observations as [[evidence.observe]] tables, each with `year`, `level` and optionally `of`",
                );
                ok = false;
            }
        }
    }
    r.finish(cx, EVIDENCE_KEYS, "[evidence]");
    let mut years: Vec<f64> = observations.iter().map(|o: &Observation| o.year).collect();
    years.sort_by(f64::total_cmp);
    years.dedup();
    if observations.len() > MAX_OBSERVATIONS {
        cx.error(
            v.span(),
            "evidence.observe",
            format!(
                "{} observations; at most {MAX_OBSERVATIONS} are supported",
                observations.len()
            ),
        );
        ok = false;
    } else if years.len() > MAX_EVIDENCE_YEARS {
        cx.error(
            v.span(),
            "evidence.observe",
            format!(
                "observations at {} different years; at most {MAX_EVIDENCE_YEARS} are supported",
                years.len()
            ),
        );
        ok = false;
    }
    ok.then_some(Evidence {
        no_arrival_before,
        no_arrival_before_at,
        observations,
    })
}

fn observation(
    cx: &mut Collector,
    entry: &Spanned<DeValue>,
    i: usize,
    drivers: &DriverNames,
    in_years: &Years,
) -> Option<Observation> {
    let key = format!("evidence.observe[{i}]");
    let t = table(
        cx,
        entry,
        &key,
        "an observation table with `year`, `level` and optionally `of`",
    )?;
    let mut r = TableReader::new(t, entry.span(), &key);
    let year = match r.get("year") {
        Some(yv) => {
            let k = r.key("year");
            number(cx, yv, &k)
                .filter(|&y| in_years.check(cx, y, yv.span(), &k, "the observation's year"))
        }
        None => {
            cx.error(
                entry.span(),
                &r.key("year"),
                "an observation needs `year = ...`: the decimal year the level was measured at",
            );
            None
        }
    };
    let of = match r.get("of") {
        Some(ofv) => {
            let k = r.key("of");
            string(cx, ofv, &k)
                .and_then(|name| resolve_driver(cx, drivers, name, ofv.span(), &k))
                .map(Some)
        }
        None => Some(None),
    };
    let level = match r.get("level") {
        Some(lv) => {
            let k = r.key("level");
            distribution(cx, lv, &k).and_then(|d| match d.density_bound() {
                Some(bound) if bound.is_finite() && bound > 0.0 => Some((d, bound)),
                _ => {
                    let why = if d.is_fixed() {
                        "a measured level needs its uncertainty: give a distribution such as \
                         { dist = \"normal\", mean = 1.4, sd = 0.2 }, or a uniform for a hard interval"
                    } else {
                        "this distribution's density is unbounded (a point mass, or a beta with a shape \
                         below 1), so it cannot weigh trajectories: use a normal, lognormal, uniform, \
                         triangular or PERT"
                    };
                    cx.error(lv.span(), &k, why);
                    None
                }
            })
        }
        None => {
            cx.error(
                entry.span(),
                &r.key("level"),
                format!(
                    "an observation needs `level = ...`: the OOMs measured, with their uncertainty; {DIST_HELP}"
                ),
            );
            None
        }
    };
    r.finish(cx, OBSERVE_KEYS, "an observation");
    let (level, density_bound) = level?;
    Some(Observation {
        year: year?,
        of: of?,
        level,
        density_bound,
        at: cx.locate(&entry.span()),
    })
}
