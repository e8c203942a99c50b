//! The distribution grammar: a number (fixed), a string `"a to b"` (a 90% interval),
//! or a table with `dist` and that family's parameters, optionally truncated.

use super::diagnostics::{Collector, suggest};
use super::toml::{TableReader, array, join, number, pair, string, type_name};
use crate::dist::{Dist, DistError, Z80, Z90};
use std::ops::Range;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// The distribution families, as spelt in `dist = "..."`.
pub const FAMILIES: &[&str] = &[
    "fixed",
    "uniform",
    "normal",
    "lognormal",
    "triangular",
    "pert",
    "beta",
    "mixture",
];

pub(super) const DIST_HELP: &str = "a distribution is a number, a string \"a to b\" (a 90% interval), \
                         or a table such as { dist = \"lognormal\", ci90 = [0.4, 0.75] }";

/// Any distribution form: number, "a to b", or a table with `dist`.
pub(super) fn distribution(cx: &mut Collector, v: &Spanned<DeValue>, key: &str) -> Option<Dist> {
    let fail = |cx: &mut Collector, e: DistError| {
        cx.error(v.span(), key, e.to_string());
        None
    };
    match v.get_ref() {
        DeValue::Integer(_) | DeValue::Float(_) => {
            let x = number(cx, v, key)?;
            Dist::fixed(x).map_or_else(|e| fail(cx, e), Some)
        }
        DeValue::String(s) => {
            let s: &str = s.as_ref();
            let parts: Vec<&str> = s.split(" to ").collect();
            let parsed: Option<Vec<f64>> = if parts.len() == 2 {
                parts
                    .iter()
                    .map(|p| {
                        p.trim()
                            .replace('_', "")
                            .parse::<f64>()
                            .ok()
                            .filter(|x| x.is_finite())
                    })
                    .collect()
            } else {
                None
            };
            match parsed.as_deref() {
                Some([lo, hi]) => Dist::to_interval(*lo, *hi).map_or_else(|e| fail(cx, e), Some),
                _ => {
                    cx.error(
                        v.span(),
                        key,
                        format!("`{s}` is not of the form \"a to b\" (two finite numbers, e.g. \"0.3 to 0.7\"); {DIST_HELP}"),
                    );
                    None
                }
            }
        }
        DeValue::Table(t) => dist_table(cx, t, v.span(), key),
        other => {
            cx.error(
                v.span(),
                key,
                format!(
                    "expected a distribution, found {}; {DIST_HELP}",
                    type_name(other)
                ),
            );
            None
        }
    }
}

pub(super) fn dist_table(
    cx: &mut Collector,
    t: &DeTable,
    span: Range<usize>,
    key: &str,
) -> Option<Dist> {
    let mut r = TableReader::new(t, span.clone(), key);
    let Some(family_v) = r.get("dist") else {
        cx.error(
            span,
            key,
            format!(
                "a distribution table needs `dist = \"...\"`, one of: {}",
                FAMILIES.join(", ")
            ),
        );
        return None;
    };
    let family = string(cx, family_v, &r.key("dist"))?.to_string();
    let num = |cx: &mut Collector, r: &mut TableReader, name: &str| -> Option<f64> {
        match r.get(name) {
            Some(v) => number(cx, v, &r.key(name)),
            None => {
                cx.error(
                    r.span.clone(),
                    &r.key(name),
                    format!("{family} needs `{name}`"),
                );
                None
            }
        }
    };
    let fail = |cx: &mut Collector, e: DistError| {
        cx.error(span.clone(), key, e.to_string());
        None
    };
    let mut allowed: Vec<&str> = vec!["dist", "truncate"];
    // An interval form (ci90 / ci80) of normal and lognormal.
    let interval = |cx: &mut Collector, r: &mut TableReader| -> Option<Option<(f64, f64, f64)>> {
        let ci90 = r.get("ci90");
        let ci80 = r.get("ci80");
        match (ci90, ci80) {
            (Some(_), Some(v)) => {
                cx.error(v.span(), &r.key("ci80"), "give ci90 or ci80, not both");
                None
            }
            (Some(v), None) => pair(cx, v, &r.key("ci90"), false).map(|(a, b)| Some((a, b, Z90))),
            (None, Some(v)) => pair(cx, v, &r.key("ci80"), false).map(|(a, b)| Some((a, b, Z80))),
            (None, None) => Some(None),
        }
    };
    let dist = match family.as_str() {
        "fixed" => {
            allowed.push("value");
            let x = num(cx, &mut r, "value");
            x.and_then(|x| Dist::fixed(x).map_or_else(|e| fail(cx, e), Some))
        }
        "uniform" => {
            allowed.extend(["min", "max"]);
            let (a, b) = (num(cx, &mut r, "min"), num(cx, &mut r, "max"));
            match (a, b) {
                (Some(a), Some(b)) => Dist::uniform(a, b).map_or_else(|e| fail(cx, e), Some),
                _ => None,
            }
        }
        "normal" => {
            allowed.extend(["mean", "sd", "ci90", "ci80"]);
            let has_params = r.has("mean") || r.has("sd");
            match interval(cx, &mut r) {
                None => None,
                Some(Some(_)) if has_params => {
                    cx.error(
                        span.clone(),
                        key,
                        "normal takes either mean and sd, or ci90, or ci80, not both forms",
                    );
                    None
                }
                Some(Some((lo, hi, z))) => {
                    Dist::normal_interval(lo, hi, z).map_or_else(|e| fail(cx, e), Some)
                }
                Some(None) => {
                    let (m, s) = (num(cx, &mut r, "mean"), num(cx, &mut r, "sd"));
                    match (m, s) {
                        (Some(m), Some(s)) => Dist::normal(m, s).map_or_else(|e| fail(cx, e), Some),
                        _ => None,
                    }
                }
            }
        }
        "lognormal" => {
            allowed.extend(["median", "gsd", "mu", "sigma", "ci90", "ci80"]);
            let by_median = r.has("median") || r.has("gsd");
            let by_mu = r.has("mu") || r.has("sigma");
            match interval(cx, &mut r) {
                None => None,
                Some(Some(_)) if by_median || by_mu => {
                    cx.error(span.clone(), key, "lognormal takes one form: median and gsd, or mu and sigma, or ci90, or ci80");
                    None
                }
                Some(Some((lo, hi, z))) => {
                    Dist::lognormal_interval(lo, hi, z).map_or_else(|e| fail(cx, e), Some)
                }
                Some(None) if by_median && by_mu => {
                    cx.error(
                        span.clone(),
                        key,
                        "lognormal takes one form: median and gsd, or mu and sigma, not both",
                    );
                    None
                }
                Some(None) if by_mu => {
                    let (m, s) = (num(cx, &mut r, "mu"), num(cx, &mut r, "sigma"));
                    match (m, s) {
                        (Some(m), Some(s)) => {
                            Dist::lognormal(m, s).map_or_else(|e| fail(cx, e), Some)
                        }
                        _ => None,
                    }
                }
                Some(None) => {
                    let (m, g) = (num(cx, &mut r, "median"), num(cx, &mut r, "gsd"));
                    match (m, g) {
                        (Some(m), Some(g)) => {
                            Dist::lognormal_median_gsd(m, g).map_or_else(|e| fail(cx, e), Some)
                        }
                        _ => None,
                    }
                }
            }
        }
        "triangular" | "pert" => {
            allowed.extend(["min", "mode", "max"]);
            let (a, m, b) = (
                num(cx, &mut r, "min"),
                num(cx, &mut r, "mode"),
                num(cx, &mut r, "max"),
            );
            match (a, m, b) {
                (Some(a), Some(m), Some(b)) => if family == "pert" {
                    Dist::pert(a, m, b)
                } else {
                    Dist::triangular(a, m, b)
                }
                .map_or_else(|e| fail(cx, e), Some),
                _ => None,
            }
        }
        "beta" => {
            allowed.extend(["alpha", "beta", "min", "max"]);
            let (a, b) = (num(cx, &mut r, "alpha"), num(cx, &mut r, "beta"));
            let scaled = r.has("min") || r.has("max");
            let (lo, hi) = if scaled {
                (num(cx, &mut r, "min"), num(cx, &mut r, "max"))
            } else {
                (Some(0.0), Some(1.0))
            };
            match (a, b, lo, hi) {
                (Some(a), Some(b), Some(lo), Some(hi)) => {
                    Dist::beta(a, b, lo, hi).map_or_else(|e| fail(cx, e), Some)
                }
                _ => None,
            }
        }
        "mixture" => {
            allowed.extend(["components", "weights"]);
            let comps = match r.get("components") {
                Some(v) => array(cx, v, &r.key("components")).map(|a| (a, v.span())),
                None => {
                    cx.error(
                        span.clone(),
                        &r.key("components"),
                        "mixture needs `components = [...]`",
                    );
                    None
                }
            };
            let weights = match r.get("weights") {
                Some(v) => array(cx, v, &r.key("weights")).map(|a| (a, v.span())),
                None => {
                    cx.error(
                        span.clone(),
                        &r.key("weights"),
                        "mixture needs `weights = [...]`, one per component",
                    );
                    None
                }
            };
            let comps: Option<Vec<Dist>> = comps.and_then(|(a, _)| {
                let all: Vec<Option<Dist>> = a
                    .iter()
                    .enumerate()
                    .map(|(i, c)| distribution(cx, c, &format!("{}[{}]", r.key("components"), i)))
                    .collect();
                all.into_iter().collect()
            });
            let ws: Option<(Vec<f64>, Range<usize>)> = weights.and_then(|(a, s)| {
                let all: Vec<Option<f64>> = a
                    .iter()
                    .enumerate()
                    .map(|(i, w)| number(cx, w, &format!("{}[{}]", r.key("weights"), i)))
                    .collect();
                all.into_iter()
                    .collect::<Option<Vec<f64>>>()
                    .map(|w| (w, s))
            });
            match (comps, ws) {
                (Some(c), Some((w, wspan))) => Dist::mixture(c, &w).map_or_else(
                    |e| {
                        cx.error(wspan, &r.key("weights"), e.to_string());
                        None
                    },
                    Some,
                ),
                _ => None,
            }
        }
        other => {
            cx.error(
                family_v.span(),
                &r.key("dist"),
                format!(
                    "unknown distribution family `{other}`{}; families: {}",
                    suggest(other, FAMILIES.iter().copied()),
                    FAMILIES.join(", ")
                ),
            );
            return None;
        }
    };
    let truncate = match r.get("truncate") {
        Some(v) => pair(cx, v, &r.key("truncate"), true).map(|p| (p, v.span())),
        None => None,
    };
    r.finish(cx, &allowed, &format!("a {family} distribution"));
    let dist = dist?;
    match truncate {
        Some(((lo, hi), tspan)) => Dist::truncated(dist, lo, hi).map_or_else(
            |e| {
                cx.error(tspan, &join(key, "truncate"), e.to_string());
                None
            },
            Some,
        ),
        None if r_has_truncate_error(t) => None,
        None => Some(dist),
    }
}

/// True when a `truncate` key exists but failed to parse (its error is already recorded).
pub(super) fn r_has_truncate_error(t: &DeTable) -> bool {
    t.iter().any(|(k, _)| k.get_ref().as_ref() == "truncate")
}
