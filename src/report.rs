//! Reports as pure functions returning bytes: histogram CSV, summary CSV, manifest
//! JSON and the text shown on stdout. Nothing here touches the file system, so each
//! report is tested by comparing bytes.
//!
//! All CSV is plain ASCII, `.` decimals, no thousands separators, no exponents.

use crate::engine::Tally;
use crate::histogram::{ArrivalHistogram, BinWidth};
use crate::model::Model;
use serde::Serialize;

/// Percentiles reported in every summary.
pub const PERCENTILES: &[u32] = &[5, 10, 25, 50, 75, 90, 95];
/// Years Y reported as `p_by_Y`: P(arrival before Y + 1.0).
pub const BY_YEARS: &[i32] = &[2027, 2030, 2035, 2040, 2050];

/// A year to at most 6 decimals, without trailing zeros (`2023.2`, `2024.083333`).
pub fn fmt_year(x: f64) -> String {
    trim_decimals(format!("{x:.6}"))
}

fn trim_decimals(s: String) -> String {
    if s.contains('.') {
        let t = s.trim_end_matches('0').trim_end_matches('.');
        if t == "-0" { "0".into() } else { t.to_string() }
    } else {
        s
    }
}

/// A number to `sig` significant digits, never in exponent form.
pub fn fmt_sig(x: f64, sig: i32) -> String {
    if x == 0.0 || !x.is_finite() {
        return "0".into();
    }
    let mag = x.abs().log10().floor() as i32;
    let decimals = (sig - 1 - mag).clamp(0, 17) as usize;
    trim_decimals(format!("{x:.decimals$}"))
}

/// A probability exactly as a ratio of counts, shortest round-trip form.
pub fn fmt_prob(count: u64, total: u64) -> String {
    if total == 0 {
        return "0".into();
    }
    let p = count as f64 / total as f64;
    format!("{p}")
}

/// One output bin of the arrival histogram: arrivals in `[year_start, year_end)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BinRow {
    /// Lower edge; the first bin starts at the run's `start`, not at a calendar edge.
    pub year_start: f64,
    /// Upper edge; the last bin ends at the horizon.
    pub year_end: f64,
    /// Arrivals in this bin.
    pub count: u64,
    /// Arrivals in this bin and all earlier ones.
    pub cumulative: u64,
}

/// The output bins from start to horizon: edges on multiples of the bin width (calendar
/// boundaries), except the first bin's lower edge (`start`) and the last bin's upper
/// edge (the horizon). "Not by horizon" is not a bin: it is `h.not_by_horizon`.
pub fn bins(h: &ArrivalHistogram, bin: BinWidth) -> Vec<BinRow> {
    let g = h.grid;
    let per_bin = bin.cells_per_bin() as i64;
    let mut rows = Vec::new();
    let mut cum = 0u64;
    // absolute cell index of each bin edge: multiples of per_bin
    let mut edge_lo = g.first;
    let end = g.first + g.len as i64;
    while edge_lo < end {
        let edge_hi = ((edge_lo.div_euclid(per_bin)) + 1) * per_bin;
        let i0 = (edge_lo - g.first) as usize;
        let i1 = ((edge_hi.min(end)) - g.first) as usize;
        let count: u64 = h.counts[i0..i1].iter().sum();
        cum += count;
        let year_start = if edge_lo == g.first {
            g.start
        } else {
            edge_lo as f64 / g.cells_per_year as f64
        };
        let year_end = if edge_hi >= end {
            g.horizon
        } else {
            edge_hi as f64 / g.cells_per_year as f64
        };
        rows.push(BinRow {
            year_start,
            year_end,
            count,
            cumulative: cum,
        });
        edge_lo = edge_hi;
    }
    rows
}

/// `histogram.csv`: one row per output bin from start to horizon, then "not by horizon".
pub fn histogram_csv(h: &ArrivalHistogram, bin: BinWidth) -> Vec<u8> {
    let mut out = String::from("year_start,year_end,count,probability,cumulative\n");
    let n = h.total();
    for r in bins(h, bin) {
        out.push_str(&format!(
            "{},{},{},{},{}\n",
            fmt_year(r.year_start),
            fmt_year(r.year_end),
            r.count,
            fmt_prob(r.count, n),
            fmt_prob(r.cumulative, n)
        ));
    }
    let cum = h.arrived() + h.not_by_horizon;
    out.push_str(&format!(
        "{},,{},{},{}\n",
        fmt_year(h.grid.horizon),
        h.not_by_horizon,
        fmt_prob(h.not_by_horizon, n),
        fmt_prob(cum, n)
    ));
    out.into_bytes()
}

/// One row of the summary.
#[derive(Clone, Debug, PartialEq)]
pub struct SummaryRow {
    pub metric: String,
    pub value: String,
    pub std_error: String,
}

fn row(metric: impl Into<String>, value: impl Into<String>, se: impl Into<String>) -> SummaryRow {
    SummaryRow {
        metric: metric.into(),
        value: value.into(),
        std_error: se.into(),
    }
}

/// The summary table: percentiles, mean, P(by year), with Monte Carlo standard errors.
pub fn summary_rows(model: &Model, tally: &Tally, seed: u64) -> Vec<SummaryRow> {
    let h = &tally.histogram;
    let n = h.total();
    let nf = n as f64;
    let beyond = format!(">{}", fmt_year(model.horizon));
    let mut rows = vec![
        row("scenario", model.name.clone(), ""),
        row("trajectories", n.to_string(), ""),
        row("seed", seed.to_string(), ""),
        // The years the run covers: what `p_by_horizon` and "not by the horizon" refer to
        // (scenarios compared side by side may have different horizons).
        row("start", fmt_year(model.start), ""),
        row("horizon", fmt_year(model.horizon), ""),
    ];
    for &p in PERCENTILES {
        let q = p as f64 / 100.0;
        match h.quantile(q) {
            Some(x) => rows.push(row(
                format!("p{p}"),
                format!("{x:.3}"),
                h.quantile_std_error(q)
                    .map_or(String::new(), |se| format!("{se:.4}")),
            )),
            None => rows.push(row(format!("p{p}"), beyond.clone(), "")),
        }
    }
    match h.mean_arrival() {
        Some((m, se)) => rows.push(row(
            "mean_arrival_if_by_horizon",
            format!("{m:.3}"),
            format!("{se:.4}"),
        )),
        None => rows.push(row("mean_arrival_if_by_horizon", "", "")),
    }
    let prob_row = |name: String, count: u64| {
        let p = count as f64 / nf;
        row(
            name,
            fmt_prob(count, n),
            fmt_sig((p * (1.0 - p) / nf).sqrt(), 3),
        )
    };
    for &y in BY_YEARS {
        let edge = (y + 1) as f64;
        let name = format!("p_by_{y}");
        if edge <= model.horizon {
            rows.push(prob_row(name, h.count_before(edge)));
        } else {
            rows.push(row(name, "", "")); // beyond the horizon: not observed
        }
    }
    rows.push(prob_row("p_by_horizon".into(), h.arrived()));
    for (bn, fired) in model.bottlenecks.iter().zip(tally.fired()) {
        rows.push(prob_row(format!("p_fired_{}", bn.name), fired));
    }
    rows
}

/// `summary.csv`: `metric,value,std_error`.
pub fn summary_csv(rows: &[SummaryRow]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["metric", "value", "std_error"])
        .expect("in-memory write");
    for r in rows {
        w.write_record([&r.metric, &r.value, &r.std_error])
            .expect("in-memory write");
    }
    w.into_inner().expect("in-memory write")
}

/// Everything needed to rerun a run exactly.
#[derive(Clone, Debug, Serialize)]
pub struct Manifest {
    pub program: String,
    pub version: String,
    pub scenario: String,
    /// Where the priors came from: a path, or `builtin:<name>`.
    pub priors_source: String,
    pub seed: u64,
    pub trajectories: u64,
    pub shard: String,
    pub bin_width: String,
    pub threads: usize,
    pub chunk_size: u64,
    pub generator: String,
    pub sensitivity: bool,
    pub elapsed_seconds: f64,
    pub started_unix_seconds: u64,
    pub rerun: String,
    pub outputs: Vec<String>,
    /// A verbatim copy of the priors text.
    pub priors: String,
}

pub fn manifest_json(m: &Manifest) -> Vec<u8> {
    let mut v = serde_json::to_vec_pretty(m).expect("manifest serialises");
    v.push(b'\n');
    v
}

/// The short human summary printed on stdout.
pub fn text_summary(model: &Model, tally: &Tally, rows: &[SummaryRow]) -> String {
    let get = |m: &str| rows.iter().find(|r| r.metric == m);
    let mut s = String::new();
    s.push_str("AGI arrival year (percentiles, +- Monte Carlo standard error)\n");
    for &p in PERCENTILES {
        if let Some(r) = get(&format!("p{p}")) {
            let se = if r.std_error.is_empty() {
                String::new()
            } else {
                format!("  +- {}", r.std_error)
            };
            s.push_str(&format!("  p{p:<3} {:>10}{se}\n", r.value));
        }
    }
    s.push_str("\nP(AGI by the end of year)\n");
    let n = (tally.histogram.total() as f64).max(1.0); // an empty tally prints 0%, not NaN
    for &y in BY_YEARS {
        if let Some(r) = get(&format!("p_by_{y}")) {
            if r.value.is_empty() {
                continue;
            }
            let p: f64 = r.value.parse().unwrap_or(0.0);
            let se: f64 = r.std_error.parse().unwrap_or(0.0);
            s.push_str(&format!(
                "  {y}  {:>6.2}%  +- {:.2}%\n",
                p * 100.0,
                se * 100.0
            ));
        }
    }
    let arrived = tally.histogram.arrived() as f64;
    s.push_str(&format!(
        "  {}  {:>6.2}%  (not by then: {:.2}%)\n",
        fmt_year(model.horizon),
        arrived / n * 100.0,
        (1.0 - arrived / n) * 100.0
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_format_for_spreadsheets() {
        assert_eq!(fmt_year(2023.2), "2023.2");
        assert_eq!(fmt_year(2024.0), "2024");
        assert_eq!(fmt_year(2024.0 + 1.0 / 12.0), "2024.083333");
        assert_eq!(fmt_sig(0.000123456, 3), "0.000123");
        assert_eq!(fmt_sig(12.3456, 3), "12.3");
        assert_eq!(fmt_prob(1, 10_000_000), "0.0000001");
        assert_eq!(fmt_prob(3, 3), "1");
    }

    #[test]
    fn histogram_csv_rows_are_the_shared_bins() {
        use crate::histogram::Grid;
        let bin = BinWidth::Years(1);
        let mut h = ArrivalHistogram::new(Grid::new(2024.3, 2026.6, bin).unwrap());
        for a in [
            Some(2024.5),
            Some(2025.0),
            Some(2025.99),
            Some(2026.5),
            None,
        ] {
            h.record(a);
        }
        let rows = bins(&h, bin);
        assert_eq!(rows.len(), 3);
        assert_eq!((rows[0].year_start, rows[0].year_end), (2024.3, 2025.0));
        assert_eq!((rows[2].year_start, rows[2].year_end), (2026.0, 2026.6));
        assert_eq!(rows.iter().map(|r| r.count).collect::<Vec<_>>(), [1, 2, 1]);
        assert_eq!(rows[2].cumulative, h.arrived());
        assert_eq!(
            String::from_utf8(histogram_csv(&h, bin)).unwrap(),
            "year_start,year_end,count,probability,cumulative\n\
             2024.3,2025,1,0.2,0.2\n\
             2025,2026,2,0.4,0.6\n\
             2026,2026.6,1,0.2,0.8\n\
             2026.6,,1,0.2,1\n"
        );
    }
}
