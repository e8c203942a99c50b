//! `sensitivity.csv` and the tornado table on stdout.

use crate::format::{fmt_fixed, fmt_opt_prob, fmt_sig, fmt_year_or_beyond};
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
            fmt_fixed(r.spearman, 4),
        ])
        .expect("in-memory write");
    }
    w.into_inner().expect("in-memory write")
}

/// A rank correlation to two decimals with its sign (`+0.91`, `-0.22`), and `0.00`
/// for one that rounds to zero.
fn signed(x: f64) -> String {
    let s = fmt_fixed(x, 2);
    if s.starts_with('-') || s == "0.00" {
        s
    } else {
        format!("+{s}")
    }
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
            "  {:<width$}  {:>10}  {:>9}  {:>7}  {:>9}\n",
            r.input,
            fmt_year_or_beyond(r.median_if_low, horizon),
            fmt_year_or_beyond(r.median_if_high, horizon),
            swing,
            signed(r.spearman)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A rank correlation that rounds to zero prints `0.0000` (and `0.00` in the
    /// table), never `-0.0000`.
    #[test]
    fn a_tiny_negative_rank_correlation_prints_unsigned() {
        let row = |spearman: f64| SensitivityRow {
            input: "threshold".into(),
            low_value: 1.0,
            high_value: 2.0,
            median_if_low: Some(2030.0),
            median_if_high: Some(2031.0),
            swing_years: 1.0,
            swing_is_lower_bound: false,
            p_by_2030_if_low: Some(0.5),
            p_by_2030_if_high: Some(0.4),
            spearman,
        };
        let rows = [row(-0.00001), row(-0.25), row(0.5)];
        let csv = String::from_utf8(sensitivity_csv(&rows, 2100.0)).unwrap();
        let cells: Vec<&str> = csv
            .lines()
            .skip(1)
            .map(|l| l.rsplit(',').next().unwrap())
            .collect();
        assert_eq!(cells, ["0.0000", "-0.2500", "0.5000"]);
        let text = sensitivity_text(&rows, 2100.0, 3);
        let last: Vec<&str> = text
            .lines()
            .skip(2)
            .map(|l| l.split_whitespace().last().unwrap())
            .collect();
        assert_eq!(last, ["0.00", "-0.25", "+0.50"]);
    }
}
