//! `attribution.csv` and its table on stdout.

use crate::format::{fmt_opt_prob, fmt_year_or_beyond};
use crate::tally::AttributionGroup;

/// `attribution.csv`.
pub fn attribution_csv(rows: &[AttributionGroup], horizon: f64) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "group",
        "count",
        "share",
        "p10",
        "median",
        "p90",
        "p_by_2030",
        "p_by_2050",
        "p_by_horizon",
    ])
    .expect("in-memory write");
    for r in rows {
        let y = |x: Option<f64>| {
            if r.count == 0 {
                String::new()
            } else {
                fmt_year_or_beyond(x, horizon)
            }
        };
        w.write_record([
            r.group.clone(),
            r.count.to_string(),
            format!("{:.6}", r.share),
            y(r.p10),
            y(r.median),
            y(r.p90),
            fmt_opt_prob(r.p_by_2030),
            fmt_opt_prob(r.p_by_2050),
            if r.count == 0 {
                String::new()
            } else {
                format!("{:.4}", r.p_by_horizon)
            },
        ])
        .expect("in-memory write");
    }
    w.into_inner().expect("in-memory write")
}

/// The attribution table for stdout (per-bottleneck rows only).
pub fn attribution_text(rows: &[AttributionGroup], horizon: f64) -> String {
    let mut s = String::from("Attribution: arrival by which bottlenecks fired\n");
    let width = rows
        .iter()
        .filter(|r| !r.group.starts_with("only:"))
        .map(|r| r.group.len())
        .max()
        .unwrap_or(5);
    s.push_str(&format!(
        "  {:<width$}  {:>7}  {:>9}  {:>10}\n",
        "group", "share", "median", "P(by 2030)"
    ));
    for r in rows.iter().filter(|r| !r.group.starts_with("only:")) {
        s.push_str(&format!(
            "  {:<width$}  {:>6.1}%  {:>9}  {:>10}\n",
            r.group,
            r.share * 100.0,
            if r.count == 0 {
                "-".into()
            } else {
                fmt_year_or_beyond(r.median, horizon)
            },
            r.p_by_2030
                .map_or("-".into(), |p| format!("{:.1}%", p * 100.0))
        ));
    }
    s
}
