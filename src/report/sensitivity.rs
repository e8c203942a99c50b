//! `sensitivity.csv` and the tornado table on stdout.

use crate::format::{fmt_opt_prob, fmt_sig, fmt_year_or_beyond};
use crate::tally::SensitivityRow;

/// `sensitivity.csv`.
pub fn sensitivity_csv(rows: &[SensitivityRow], horizon: f64) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "input",
        "value_p10",
        "value_p90",
        "median_if_bottom_decile",
        "median_if_top_decile",
        "swing_years",
        "swing_is_lower_bound",
        "p_by_2030_if_bottom_decile",
        "p_by_2030_if_top_decile",
        "spearman",
    ])
    .expect("in-memory write");
    for r in rows {
        w.write_record([
            r.input.clone(),
            fmt_sig(r.low_value, 6),
            fmt_sig(r.high_value, 6),
            fmt_year_or_beyond(r.median_if_low, horizon),
            fmt_year_or_beyond(r.median_if_high, horizon),
            format!("{:.2}", r.swing_years),
            r.swing_is_lower_bound.to_string(),
            fmt_opt_prob(r.p_by_2030_if_low),
            fmt_opt_prob(r.p_by_2030_if_high),
            format!("{:.4}", r.spearman),
        ])
        .expect("in-memory write");
    }
    w.into_inner().expect("in-memory write")
}

/// The tornado table for stdout: the `top` rows.
pub fn sensitivity_text(rows: &[SensitivityRow], horizon: f64, top: usize) -> String {
    let mut s = String::from(
        "Sensitivity: median arrival when an input sits in its bottom vs top decile\n",
    );
    let width = rows
        .iter()
        .take(top)
        .map(|r| r.input.len())
        .max()
        .unwrap_or(5)
        .max(5);
    s.push_str(&format!(
        "  {:<width$}  {:>10}  {:>9}  {:>7}  {:>9}\n",
        "input", "bottom 10%", "top 10%", "swing", "rank corr"
    ));
    for r in rows.iter().take(top) {
        let swing = format!(
            "{}{:.1}",
            if r.swing_is_lower_bound { ">" } else { "" },
            r.swing_years
        );
        s.push_str(&format!(
            "  {:<width$}  {:>10}  {:>9}  {:>7}  {:>+9.2}\n",
            r.input,
            fmt_year_or_beyond(r.median_if_low, horizon),
            fmt_year_or_beyond(r.median_if_high, horizon),
            swing,
            r.spearman
        ));
    }
    if rows.len() > top {
        s.push_str(&format!(
            "  ... {} more in sensitivity.csv\n",
            rows.len() - top
        ));
    }
    s
}
