//! `histogram.csv` (one run) and `compare-histogram.csv` (several, long format).

use crate::format::{fmt_prob, fmt_year};
use crate::tally::{ArrivalHistogram, BinWidth};

/// `histogram.csv`: one row per output bin from start to horizon, then "not by horizon".
pub fn histogram_csv(h: &ArrivalHistogram, bin: BinWidth) -> Vec<u8> {
    let mut out = String::from("year_start,year_end,count,probability,cumulative\n");
    let n = h.total();
    for r in h.bins(bin) {
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

/// `compare-histogram.csv`: the histogram rows of each scenario, prefixed by its name,
/// each block ending with its "not by horizon" row; ready for a pivot table.
pub fn compare_histogram_csv<'a>(
    scenarios: impl IntoIterator<Item = (&'a str, &'a ArrivalHistogram)>,
    bin: BinWidth,
) -> Vec<u8> {
    let mut long = String::from("scenario,year_start,year_end,probability,cumulative\n");
    for (name, h) in scenarios {
        let n = h.total();
        for b in h.bins(bin) {
            long.push_str(&format!(
                "{},{},{},{},{}\n",
                name,
                fmt_year(b.year_start),
                fmt_year(b.year_end),
                fmt_prob(b.count, n),
                fmt_prob(b.cumulative, n)
            ));
        }
        long.push_str(&format!(
            "{},{},,{},1\n",
            name,
            fmt_year(h.grid.horizon),
            fmt_prob(h.not_by_horizon, n)
        ));
    }
    long.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tally::Grid;

    #[test]
    fn histogram_csv_rows_are_the_shared_bins() {
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
        assert_eq!(
            String::from_utf8(histogram_csv(&h, bin)).unwrap(),
            "year_start,year_end,count,probability,cumulative\n\
             2024.3,2025,1,0.2,0.2\n\
             2025,2026,2,0.4,0.6\n\
             2026,2026.6,1,0.2,0.8\n\
             2026.6,,1,0.2,1\n"
        );
        assert_eq!(
            String::from_utf8(compare_histogram_csv([("s", &h)], bin)).unwrap(),
            "scenario,year_start,year_end,probability,cumulative\n\
             s,2024.3,2025,0.2,0.2\n\
             s,2025,2026,0.4,0.6\n\
             s,2026,2026.6,0.2,0.8\n\
             s,2026.6,,0.2,1\n"
        );
    }
}
