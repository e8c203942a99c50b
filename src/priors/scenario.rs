//! A scenario: its name, years, threshold, drivers and bottlenecks, every name resolved
//! and every input added to the model's list of inputs.

use super::builder::Builder;
use super::correlations::correlations_block;
use super::diagnostics::{Collector, list_names};
use super::distribution::{DIST_HELP, distribution};
use super::evidence::evidence;
use super::toml::{TableReader, join, number, string, table};
use super::{DEFAULT_HORIZON, DEFAULT_START, MAX_SPAN_YEARS, MIN_SPAN_YEARS};
use crate::model::{
    Bottleneck, Driver, InputId, Inputs, MAX_BOTTLENECKS, MAX_DRIVERS, Milestone, Model, Onset,
};
use std::collections::HashMap;
use std::ops::Range;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

// ---------------------------------------------------------------------------------
// The scenario.

pub(super) const TOP_KEYS: &[&str] = &[
    "name",
    "description",
    "start",
    "horizon",
    "threshold",
    "drivers",
    "bottlenecks",
    "correlations",
    "evidence",
];
pub(super) const DRIVER_KEYS: &[&str] = &["rate", "cap", "after_cap"];
pub(super) const BOTTLENECK_KEYS: &[&str] = &["probability", "onset", "duration", "effect"];

/// The index of the driver named `name`, or an error at `span` naming the declared
/// drivers (with a "did you mean").
pub(super) fn resolve_driver(
    cx: &mut Collector,
    drivers: &DriverNames,
    name: &str,
    span: Range<usize>,
    key: &str,
) -> Option<usize> {
    let found = drivers.index.get(name).copied();
    if found.is_none() {
        let hint = cx.suggest(name, drivers.names.iter().copied());
        cx.error(
            span,
            key,
            format!(
                "`{name}` is not a declared driver{hint}; declared drivers: {}",
                list_names(drivers.names.iter().copied(), 20)
            ),
        );
    }
    found
}

pub(super) fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The default scenario name: the file name without its extension, with every
/// character other than letters, digits, `_` and `-` turned into `-` and cut to 64
/// (`my priors.v2.toml` -> `my-priors-v2`), so that two files never share a name just
/// because they have dots or spaces in theirs; `scenario` if nothing is left.
pub(super) fn name_from_stem(stem: &str) -> String {
    let name: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    if name.chars().all(|c| c == '-') {
        "scenario".to_string()
    } else {
        name
    }
}

pub(super) fn build_model(
    cx: &mut Collector,
    file: &str,
    doc: &DeTable,
    doc_span: Range<usize>,
) -> Option<Model> {
    let mut top = TableReader::new(doc, doc_span.clone(), "");
    let mut b = Builder {
        inputs: Inputs::default(),
        warnings: Vec::new(),
    };

    let stem = std::path::Path::new(file)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "scenario".into());
    let name = match top.get("name") {
        Some(v) => string(cx, v, "name").and_then(|s| {
            if valid_name(s) {
                Some(s.to_string())
            } else {
                cx.error(v.span(), "name", format!(
                    "`{s}` is not a usable scenario name: use 1 to 64 letters, digits, `_` or `-` (it names the results folder)"
                ));
                None
            }
        }),
        None => Some(name_from_stem(&stem)),
    };
    let description = match top.get("description") {
        Some(v) => string(cx, v, "description").map(|s| s.to_string()),
        None => Some(String::new()),
    };
    let start = match top.get("start") {
        Some(v) => number(cx, v, "start"),
        None => Some(DEFAULT_START),
    };
    let horizon = match top.get("horizon") {
        Some(v) => number(cx, v, "horizon").map(|h| (h, v.span())),
        None => Some((DEFAULT_HORIZON, doc_span.start..doc_span.start)),
    };
    // Blame the key the user wrote: `horizon` when given, else `start` (the horizon
    // is then the default, which the message says).
    let start_span = top.get("start").map(|v| v.span());
    let horizon_given = top.has("horizon");
    if let (Some(s), Some((h, hspan))) = (start, horizon.clone()) {
        let (span, key, h_text) = match (&start_span, horizon_given) {
            (Some(ss), false) => (ss.clone(), "start", format!("{h}, the default")),
            _ => (hspan, "horizon", h.to_string()),
        };
        if !(h > s) {
            cx.error(
                span,
                key,
                format!("horizon ({h_text}) must be after start ({s})"),
            );
        } else if h - s < MIN_SPAN_YEARS {
            cx.error(
                span,
                key,
                format!(
                    "horizon ({h_text}) is less than a day after start ({s}); it must be at least a day (1/365 year) after it"
                ),
            );
        } else if h - s > MAX_SPAN_YEARS {
            cx.error(
                span,
                key,
                format!(
                    "horizon ({h_text}) - start ({s}) is {} years; at most {MAX_SPAN_YEARS} years are supported",
                    h - s
                ),
            );
        } else if s.abs() > 1e6 || h.abs() > 1e6 {
            let (span, key) = match start_span {
                Some(ss) if s.abs() > 1e6 => (ss, "start"),
                _ => (span, key),
            };
            cx.error(
                span,
                key,
                "start and horizon must be years between -1000000 and 1000000",
            );
        }
    }
    let threshold = match top.get("threshold") {
        Some(v) => distribution(cx, v, "threshold").map(|d| b.add("threshold".into(), d)),
        None => {
            cx.error(doc_span.start..doc_span.start, "threshold", format!(
                "the scenario needs `threshold = ...`: the OOMs of effective compute above the reference model that AGI needs; {DIST_HELP}"
            ));
            None
        }
    };

    // Drivers.
    let mut drivers: Vec<Driver> = Vec::new();
    let mut drivers_ok = true;
    match top.get("drivers") {
        Some(v) => {
            if let Some(t) = table(cx, v, "drivers", "a table of drivers ([drivers.NAME])") {
                if t.is_empty() {
                    cx.error(
                        v.span(),
                        "drivers",
                        "declare at least one driver, e.g. [drivers.compute] with rate = ...",
                    );
                }
                if t.len() > MAX_DRIVERS {
                    cx.error(
                        v.span(),
                        "drivers",
                        format!("at most {MAX_DRIVERS} drivers are supported"),
                    );
                }
                for (k, dv) in t.iter() {
                    let dname = k.get_ref().as_ref().to_string();
                    let key = format!("drivers.{dname}");
                    if !valid_name(&dname) {
                        cx.error(
                            k.span(),
                            &key,
                            "driver names use letters, digits, `_` or `-`",
                        );
                        drivers_ok = false;
                        continue;
                    }
                    match driver(cx, &mut b, &dname, dv, &key) {
                        Some(d) => drivers.push(d),
                        None => {
                            drivers_ok = false;
                            // keep the name resolvable so later errors are not spurious
                            drivers.push(Driver {
                                name: dname,
                                rate: InputId::UNRESOLVED,
                                cap: None,
                                after_cap: None,
                            });
                        }
                    }
                }
            } else {
                drivers_ok = false;
            }
        }
        None => {
            cx.error(
                doc_span.start..doc_span.start,
                "drivers",
                "the scenario needs at least one driver, e.g. [drivers.compute] with rate = ...",
            );
            drivers_ok = false;
        }
    }

    // Bottlenecks.
    let mut bottlenecks = Vec::new();
    let mut bottlenecks_ok = true;
    let driver_names = DriverNames::new(&drivers);
    if let Some(v) = top.get("bottlenecks") {
        if let Some(t) = table(
            cx,
            v,
            "bottlenecks",
            "a table of bottlenecks ([bottlenecks.NAME])",
        ) {
            if t.len() > MAX_BOTTLENECKS {
                cx.error(
                    v.span(),
                    "bottlenecks",
                    format!("at most {MAX_BOTTLENECKS} bottlenecks are supported"),
                );
            }
            for (k, bv) in t.iter() {
                let bname = k.get_ref().as_ref().to_string();
                let key = format!("bottlenecks.{bname}");
                if !valid_name(&bname) {
                    cx.error(
                        k.span(),
                        &key,
                        "bottleneck names use letters, digits, `_` or `-`",
                    );
                    bottlenecks_ok = false;
                    continue;
                }
                if drivers.iter().any(|d| d.name == bname) {
                    cx.error(k.span(), &key, format!("`{bname}` is already the name of a driver; give the bottleneck its own name"));
                }
                match bottleneck(
                    cx,
                    &mut b,
                    &bname,
                    bv,
                    &key,
                    &driver_names,
                    horizon.as_ref().map(|h| h.0),
                ) {
                    Some(bn) => bottlenecks.push(bn),
                    None => bottlenecks_ok = false,
                }
            }
        } else {
            bottlenecks_ok = false;
        }
    }

    let correlations = top.get("correlations");
    let evidence = match (top.get("evidence"), start, &horizon) {
        (Some(v), Some(s), Some((h, _))) if drivers_ok => evidence(cx, v, &driver_names, s, *h),
        _ => None,
    };

    top.finish(cx, TOP_KEYS, "the scenario");

    let (name, description, start, (horizon, _), threshold) =
        (name?, description?, start?, horizon?, threshold?);
    if !drivers_ok || !bottlenecks_ok {
        return None;
    }
    let copula = match correlations {
        Some(v) => Some(correlations_block(cx, &mut b, v)?).filter(|c| c.size() > 0),
        None => None,
    };
    Some(Model {
        name,
        description,
        start,
        horizon,
        inputs: b.inputs.into_vec(),
        milestones: vec![Milestone {
            name: "agi".into(),
            threshold,
            after: None,
        }],
        drivers,
        bottlenecks,
        copula,
        evidence,
        warnings: b.warnings,
    })
}

pub(super) fn driver(
    cx: &mut Collector,
    b: &mut Builder,
    name: &str,
    v: &Spanned<DeValue>,
    key: &str,
) -> Option<Driver> {
    let t = table(
        cx,
        v,
        key,
        "a driver table with `rate` (and optional `cap`, `after_cap`)",
    )?;
    let mut r = TableReader::new(t, v.span(), key);
    let rate = match r.get("rate") {
        Some(rv) => distribution(cx, rv, &r.key("rate")).map(|d| b.add(r.key("rate"), d)),
        None => {
            cx.error(
                v.span(),
                &r.key("rate"),
                format!("driver `{name}` needs `rate = ...` (OOM/yr); {DIST_HELP}"),
            );
            None
        }
    };
    let cap = r.get("cap").map(|cv| {
        (
            distribution(cx, cv, &r.key("cap")).map(|d| b.add(r.key("cap"), d)),
            cv.span(),
        )
    });
    let after_cap = r.get("after_cap").map(|av| {
        (
            distribution(cx, av, &r.key("after_cap")).map(|d| b.add(r.key("after_cap"), d)),
            av.span(),
        )
    });
    if let (None, Some((_, aspan))) = (&cap, &after_cap) {
        cx.error(aspan.clone(), &r.key("after_cap"), format!(
            "`after_cap` has no effect without `cap`: add `cap = ...` (the OOMs driver `{name}` adds before slowing) or remove it"
        ));
    }
    r.finish(cx, DRIVER_KEYS, &format!("driver `{name}`"));
    let rate = rate?;
    b.warn_negative(rate, "rate");
    let cap = match cap {
        Some((c, _)) => {
            let c = c?;
            b.warn_negative(c, "cap");
            Some(c)
        }
        None => None,
    };
    let after_cap = match after_cap {
        Some((a, _)) => {
            let a = a?;
            b.warn_negative(a, "rate");
            Some(a)
        }
        None => None,
    };
    Some(Driver {
        name: name.to_string(),
        rate,
        cap,
        after_cap,
    })
}

/// The declared drivers' names, in order and by name (lookups by hash, so thousands of
/// references to thousands of drivers stay linear).
pub(super) struct DriverNames<'a> {
    names: Vec<&'a str>,
    index: HashMap<&'a str, usize>,
}

impl<'a> DriverNames<'a> {
    pub(super) fn new(drivers: &'a [Driver]) -> Self {
        let names: Vec<&str> = drivers.iter().map(|d| d.name.as_str()).collect();
        let mut index = HashMap::new();
        for (i, n) in names.iter().enumerate() {
            // the first of a name (a duplicate is a TOML error already)
            index.entry(*n).or_insert(i);
        }
        DriverNames { names, index }
    }
}

pub(super) fn bottleneck(
    cx: &mut Collector,
    b: &mut Builder,
    name: &str,
    v: &Spanned<DeValue>,
    key: &str,
    drivers: &DriverNames,
    horizon: Option<f64>,
) -> Option<Bottleneck> {
    let t = table(
        cx,
        v,
        key,
        "a bottleneck table with `probability`, `onset`, `effect`",
    )?;
    let mut r = TableReader::new(t, v.span(), key);
    let resolve = |cx: &mut Collector, dname: &str, span: Range<usize>, k: &str| {
        resolve_driver(cx, drivers, dname, span, k)
    };

    let probability = match r.get("probability") {
        Some(pv) => number(cx, pv, &r.key("probability")).and_then(|p| {
            if (0.0..=1.0).contains(&p) {
                Some(p)
            } else {
                cx.error(
                    pv.span(),
                    &r.key("probability"),
                    format!("probability must be between 0 and 1, got {p}"),
                );
                None
            }
        }),
        None => Some(1.0),
    };

    // onset = { year = DIST } | { level = DIST, of = "driver" } | { level = DIST }
    let onset = match r.get("onset") {
        Some(ov) => {
            let okey = r.key("onset");
            match table(
                cx,
                ov,
                &okey,
                "an onset table: { year = ... } or { level = ..., of = \"driver\" }",
            ) {
                Some(ot) => {
                    let mut or = TableReader::new(ot, ov.span(), &okey);
                    let year = or.get("year");
                    let level = or.get("level");
                    let of = or.get("of");
                    let out = match (year, level) {
                        (Some(_), Some(_)) => {
                            cx.error(ov.span(), &okey, "onset takes `year` or `level`, not both");
                            None
                        }
                        (None, None) => {
                            cx.error(ov.span(), &okey, "onset needs `year = ...` (a decimal year) or `level = ...` (OOMs, optionally `of = \"driver\"`)");
                            None
                        }
                        (Some(yv), None) => {
                            if let Some(ofv) = of {
                                cx.error(
                                    ofv.span(),
                                    &or.key("of"),
                                    "`of` goes with `level`, not with `year`",
                                );
                            }
                            let ykey = or.key("year");
                            distribution(cx, yv, &ykey).and_then(|d| {
                                let (lo, _) = d.support();
                                if let Some(h) = horizon
                                    && lo > h
                                {
                                    cx.error(yv.span(), &ykey, format!(
                                        "the onset year is always after the horizon ({h}), so this bottleneck could never act; lower it or raise `horizon`"
                                    ));
                                    return None;
                                }
                                Some(Onset::Year(b.add(okey.clone(), d)))
                            })
                        }
                        (None, Some(lv)) => {
                            // Some(driver) for a driver's own level, None for total E.
                            let of_driver = match of {
                                Some(ofv) => {
                                    let okk = or.key("of");
                                    string(cx, ofv, &okk)
                                        .and_then(|s| resolve(cx, s, ofv.span(), &okk))
                                        .map(Some)
                                }
                                None => Some(None),
                            };
                            let d = distribution(cx, lv, &or.key("level"));
                            match (of_driver, d) {
                                (Some(of_driver), Some(d)) => {
                                    let level = b.add(okey.clone(), d);
                                    Some(match of_driver {
                                        Some(driver) => Onset::DriverLevel { driver, level },
                                        None => Onset::TotalLevel(level),
                                    })
                                }
                                _ => None,
                            }
                        }
                    };
                    or.finish(cx, &["year", "level", "of"], "an onset");
                    out
                }
                None => None,
            }
        }
        None => {
            cx.error(v.span(), &r.key("onset"), format!(
                "bottleneck `{name}` needs `onset = {{ year = ... }}` or `onset = {{ level = ..., of = \"driver\" }}`"
            ));
            None
        }
    };

    let duration = r.get("duration").map(|dv| {
        let k = r.key("duration");
        distribution(cx, dv, &k).map(|d| b.add(k, d))
    });

    let effects = match r.get("effect") {
        Some(ev) => {
            let ekey = r.key("effect");
            match table(
                cx,
                ev,
                &ekey,
                "an effect table such as { algorithms = 0.3 }",
            ) {
                Some(et) if et.is_empty() => {
                    cx.error(
                        ev.span(),
                        &ekey,
                        "effect names no driver; give at least one, e.g. { algorithms = 0.3 }",
                    );
                    None
                }
                Some(et) => {
                    let mut out = Vec::new();
                    let mut ok = true;
                    for (dk, fv) in et.iter() {
                        let dname = dk.get_ref().as_ref();
                        let fkey = join(&ekey, dname);
                        let di = resolve(cx, dname, dk.span(), &fkey);
                        let f = distribution(cx, fv, &fkey);
                        match (di, f) {
                            (Some(di), Some(f)) => {
                                let idx = b.add(fkey, f);
                                b.warn_negative(idx, "rate factor");
                                out.push((di, idx));
                            }
                            _ => ok = false,
                        }
                    }
                    ok.then_some(out)
                }
                None => None,
            }
        }
        None => {
            cx.error(v.span(), &r.key("effect"), format!(
                "bottleneck `{name}` needs `effect = {{ driver = factor, ... }}` (0 stops a driver, 0.3 slows it to 30%)"
            ));
            None
        }
    };
    r.finish(cx, BOTTLENECK_KEYS, &format!("bottleneck `{name}`"));

    let onset = onset?;
    let duration = match duration {
        Some(d) => {
            let d = d?;
            b.warn_negative(d, "duration");
            Some(d)
        }
        None => None,
    };
    Some(Bottleneck {
        name: name.to_string(),
        probability: probability?,
        onset,
        duration,
        effects: effects?,
    })
}
