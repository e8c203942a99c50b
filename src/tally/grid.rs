//! Grids of arrival years: output bin widths, and the cells tallies count in.
//!
//! A grid is aligned to calendar boundaries: cell edges sit on multiples of
//! `1 / cells_per_year` counted from year 0, so every whole year (and, on the fine grid,
//! every output bin edge) is a cell edge and `P(AGI during 2027)` or `P(by end of 2030)`
//! are exact counts, not interpolations. Two grids are used:
//! - the **fine grid** of the arrival histogram: at least 200 cells a year (at most 1/200
//!   year, under two days), so percentiles interpolated linearly within a cell are exact
//!   to better than 0.01 year whatever the output bin width;
//! - the **coarse grid** of attribution and sensitivity (and later per-group tallies):
//!   20 cells a year, since these tallies multiply the grid by groups or inputs.
//!
//! Percentiles and probabilities over a vector of counts on a grid are computed in one
//! place, [`Grid::quantile`] and [`Grid::count_before`], whichever tally holds the counts.

use std::fmt;

/// Finest cell the fine grid uses, in cells per year (1/200 year, ~1.8 days).
pub const MIN_CELLS_PER_YEAR: u64 = 200;
/// Cells per year of the coarse grid (0.05 year).
pub const COARSE_CELLS_PER_YEAR: u64 = 20;
/// Most output bins a run may have (rows of `histogram.csv`): the span in years times
/// the bins per year. A request beyond this is refused up front, so the histogram, its
/// CSV and the chart stay a few megabytes whatever the bin width and span (daily bins
/// over 1,000 years are 365,000 bins).
pub const MAX_BINS: u64 = 500_000;

/// `x.floor() as i64`, without a call: portable x86-64 has no floor instruction (it
/// came with SSE4.1), so `f64::floor` is a libm call, and this is the tallies' hot
/// path. Exact: truncation toward zero is one step too high exactly when it rounded a
/// negative non-integer up. Saturates like `as` (NaN gives 0).
#[inline]
pub fn floor_to_i64(x: f64) -> i64 {
    let i = x as i64;
    i.saturating_sub(((i as f64) > x) as i64)
}

/// `x.round() as u64` (half away from zero) for `x >= 0`, without a call (see
/// [`floor_to_i64`]). Exact: `x - trunc(x)` is computed without rounding. Saturates.
#[inline]
pub fn round_to_u64(x: f64) -> u64 {
    let i = x as u64;
    i.saturating_add(((x - i as f64) >= 0.5) as u64)
}

/// Output bin width: whole years, or a whole fraction of a year (1/m), so that edges
/// land on calendar boundaries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinWidth {
    /// `n` years per bin.
    Years(u32),
    /// `1/m` of a year per bin (4 = quarter, 12 = month, 52 = week, 365 = day).
    Fraction(u32),
}

/// A bin width that cannot be used, or a grid too large to allocate.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BinWidthError(pub String);

impl BinWidth {
    /// Parse `1`, `5`, `0.25`, `1/12`, `year`, `quarter`, `month`, `week`, `day`.
    pub fn parse(s: &str) -> Result<BinWidth, BinWidthError> {
        let s = s.trim();
        let named = match s.to_ascii_lowercase().as_str() {
            "year" | "y" => Some(BinWidth::Years(1)),
            "quarter" | "q" => Some(BinWidth::Fraction(4)),
            "month" | "m" => Some(BinWidth::Fraction(12)),
            "week" | "w" => Some(BinWidth::Fraction(52)),
            "day" | "d" => Some(BinWidth::Fraction(365)),
            _ => None,
        };
        if let Some(b) = named {
            return Ok(b);
        }
        let bad = || {
            BinWidthError(format!(
                "bin width `{s}` is not usable: give whole years (1, 5), or a whole fraction of a year \
                 (0.5, 0.25, 1/12, 1/52, 1/365), or year, quarter, month, week, day"
            ))
        };
        let value = if let Some((a, b)) = s.split_once('/') {
            let a: f64 = a.trim().parse().map_err(|_| bad())?;
            let b: f64 = b.trim().parse().map_err(|_| bad())?;
            a / b
        } else {
            s.parse::<f64>().map_err(|_| bad())?
        };
        if !value.is_finite() || value <= 0.0 {
            return Err(bad());
        }
        if value >= 1.0 {
            let n = value.round();
            if (value - n).abs() > 1e-9 || n > 1000.0 {
                return Err(bad());
            }
            Ok(BinWidth::Years(n as u32))
        } else {
            let m = (1.0 / value).round();
            if ((1.0 / value) - m).abs() > 1e-6 * m || m > 10_000.0 {
                let hint = if (1.0 / value - m).abs() < 0.05 * m {
                    format!(" (did you mean 1/{m}?)")
                } else {
                    String::new()
                };
                return Err(BinWidthError(format!("{}{hint}", bad().0)));
            }
            Ok(BinWidth::Fraction(m as u32))
        }
    }

    /// Width in years.
    pub fn years(&self) -> f64 {
        match *self {
            BinWidth::Years(n) => n as f64,
            BinWidth::Fraction(m) => 1.0 / m as f64,
        }
    }

    /// Cells per year of the fine grid: a multiple of the bins per year, at least 200.
    pub fn cells_per_year(&self) -> u64 {
        match *self {
            BinWidth::Years(_) => MIN_CELLS_PER_YEAR,
            BinWidth::Fraction(m) => {
                let m = m as u64;
                m * MIN_CELLS_PER_YEAR.div_ceil(m)
            }
        }
    }

    /// Cells per output bin.
    pub fn cells_per_bin(&self) -> u64 {
        match *self {
            BinWidth::Years(n) => n as u64 * MIN_CELLS_PER_YEAR,
            BinWidth::Fraction(m) => self.cells_per_year() / m as u64,
        }
    }
}

impl fmt::Display for BinWidth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            BinWidth::Years(n) => write!(f, "{n}"),
            BinWidth::Fraction(m) => write!(f, "1/{m}"),
        }
    }
}

/// Which cells of calendar-aligned width `1 / cells_per_year` cover `[start, horizon]`.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Grid {
    pub cells_per_year: u64,
    /// Absolute index of the first cell (`floor(start * cells_per_year)`).
    pub first: i64,
    pub len: usize,
    pub start: f64,
    pub horizon: f64,
}

impl Grid {
    /// The fine grid of an arrival histogram with output bins of width `bin`, or an
    /// error when it would have more than [`MAX_BINS`] output bins.
    pub fn new(start: f64, horizon: f64, bin: BinWidth) -> Result<Grid, BinWidthError> {
        let grid = Grid::with_cells(start, horizon, bin.cells_per_year());
        let bins = grid.bins(bin);
        if bins > MAX_BINS {
            let per_year = match bin {
                BinWidth::Years(n) => format!("1/{n}"),
                BinWidth::Fraction(m) => m.to_string(),
            };
            return Err(BinWidthError(format!(
                "bin width {bin} over {} years is {} bins (the span in years times {per_year} bins a year); \
                 the limit is {}: use wider bins or a nearer horizon",
                crate::format::fmt_year(horizon - start),
                crate::format::fmt_count(bins),
                crate::format::fmt_count(MAX_BINS)
            )));
        }
        Ok(grid)
    }

    /// How many output bins of width `bin` cover the grid (the rows
    /// [`crate::tally::ArrivalHistogram::bins`] gives): bins start on multiples of the
    /// bin width, except the first, which starts at `start`.
    pub fn bins(&self, bin: BinWidth) -> u64 {
        let per_bin = bin.cells_per_bin() as i64;
        let end = self.first + self.len as i64;
        (end.div_euclid(per_bin) + i64::from(end.rem_euclid(per_bin) != 0)
            - self.first.div_euclid(per_bin)) as u64
    }

    /// The coarse grid (1/20 year) of attribution and sensitivity.
    pub fn coarse(start: f64, horizon: f64) -> Grid {
        Grid::with_cells(start, horizon, COARSE_CELLS_PER_YEAR)
    }

    fn with_cells(start: f64, horizon: f64, cells_per_year: u64) -> Grid {
        let g = cells_per_year as f64;
        let first = (start * g).floor() as i64;
        let last = (horizon * g).ceil() as i64;
        Grid {
            cells_per_year,
            first,
            len: (last - first).max(1) as usize,
            start,
            horizon,
        }
    }

    /// Cell of an arrival in `[start, horizon]` (clamped to the grid).
    #[inline]
    pub fn cell(&self, t: f64) -> usize {
        let abs = floor_to_i64(t * self.cells_per_year as f64);
        (abs - self.first).clamp(0, self.len as i64 - 1) as usize
    }

    /// Cell of an arrival, or `len` (one past the last cell) for "not by horizon": the
    /// index into count vectors of `len + 1` cells whose last holds the non-arrivals.
    #[inline]
    pub fn cell_or_beyond(&self, arrival: Option<f64>) -> usize {
        match arrival {
            Some(t) => self.cell(t),
            None => self.len,
        }
    }

    /// Lower edge (year) of a cell.
    pub fn cell_start(&self, i: usize) -> f64 {
        (self.first + i as i64) as f64 / self.cells_per_year as f64
    }

    /// Number of cells strictly before the absolute year edge `year` (an edge of the grid).
    pub fn cells_before(&self, year: f64) -> usize {
        let abs = (year * self.cells_per_year as f64).round() as i64;
        (abs - self.first).clamp(0, self.len as i64) as usize
    }

    /// Arrivals strictly before the grid edge `year`, from counts per cell (`counts`
    /// may have a last "not by horizon" cell, which is never before an edge).
    pub fn count_before(&self, counts: &[u64], year: f64) -> u64 {
        counts[..self.cells_before(year)].iter().sum()
    }

    /// The q-quantile of arrivals with counts `counts` per cell (its first `len` entries
    /// are read) out of `total` trajectories, the rest of which did not arrive by the
    /// horizon and count as later than any year. Linear within a cell; `None` when the
    /// quantile lies beyond the horizon or there is nothing to count.
    pub fn quantile(&self, counts: &[u64], total: u64, q: f64) -> Option<f64> {
        if total == 0 {
            return None;
        }
        let target = q.clamp(0.0, 1.0) * total as f64;
        let width = 1.0 / self.cells_per_year as f64;
        let mut cum = 0u64;
        for (i, &c) in counts[..self.len].iter().enumerate() {
            if c > 0 && (cum + c) as f64 >= target {
                let frac = ((target - cum as f64) / c as f64).clamp(0.0, 1.0);
                let lo = self.cell_start(i).max(self.start);
                let hi = (self.cell_start(i) + width).min(self.horizon);
                return Some(lo + (hi - lo) * frac);
            }
            cum += c;
        }
        None
    }

    /// Monte Carlo standard error of [`Grid::quantile`]: half the distance between the
    /// quantiles at q -+ sqrt(q (1 - q) / n), i.e. a one-standard-error binomial band
    /// on the rank (the distribution-free order-statistic interval; see e.g. Conover
    /// 1999, "Practical Nonparametric Statistics", section 3.2). `None` if either end
    /// lies beyond the horizon.
    pub fn quantile_std_error(&self, counts: &[u64], total: u64, q: f64) -> Option<f64> {
        let n = total as f64;
        let s = (q * (1.0 - q) / n).sqrt();
        let lo = self.quantile(counts, total, (q - s).max(0.0))?;
        let hi = self.quantile(counts, total, (q + s).min(1.0))?;
        Some((hi - lo) / 2.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bin_widths_parse_and_align() {
        assert_eq!(BinWidth::parse("1").unwrap(), BinWidth::Years(1));
        assert_eq!(BinWidth::parse("0.25").unwrap(), BinWidth::Fraction(4));
        assert_eq!(BinWidth::parse("1/12").unwrap(), BinWidth::Fraction(12));
        assert_eq!(BinWidth::parse("month").unwrap(), BinWidth::Fraction(12));
        assert_eq!(BinWidth::parse("5").unwrap(), BinWidth::Years(5));
        assert!(BinWidth::parse("0.0833").unwrap_err().0.contains("1/12"));
        assert!(BinWidth::parse("1.5").is_err());
        assert!(BinWidth::parse("0").is_err());
        assert!(BinWidth::parse("-1").is_err());
        for b in ["1", "5", "0.5", "1/4", "1/12", "1/52", "1/365"] {
            let b = BinWidth::parse(b).unwrap();
            let g = b.cells_per_year();
            assert!(g >= MIN_CELLS_PER_YEAR);
            // cells per bin is a whole number, and a year is a whole number of cells
            let per_bin = b.years() * g as f64;
            assert!((per_bin - per_bin.round()).abs() < 1e-9, "{b}");
            assert_eq!(b.cells_per_bin() as f64, per_bin.round(), "{b}");
        }
    }

    /// The bin count checked against MAX_BINS is the number of rows the histogram
    /// gives, for starts and horizons on and off bin edges, negative years included.
    #[test]
    fn the_bin_count_is_the_number_of_histogram_rows() {
        for (start, horizon) in [
            (2023.2, 2100.0),
            (2024.0, 2030.0),
            (2023.999, 2024.001),
            (-7.3, 3.1),
            (-10.0, -5.0),
            (0.0, 1000.0),
        ] {
            for b in ["1", "5", "1/4", "1/12", "1/52", "1/365", "1/1000", "7"] {
                let bin = BinWidth::parse(b).unwrap();
                let g = Grid::with_cells(start, horizon, bin.cells_per_year());
                let rows = crate::tally::ArrivalHistogram::new(g).bins(bin).len() as u64;
                assert_eq!(g.bins(bin), rows, "{start} {horizon} {b}");
            }
        }
    }

    #[test]
    fn too_many_bins_are_refused_naming_span_and_bins_per_year() {
        let day = BinWidth::parse("day").unwrap();
        // 1,000 years of days fit; 1/1000-year bins over 1,000 years do not.
        assert!(Grid::new(2023.2, 3023.2, day).is_ok());
        let e = Grid::new(2023.2, 3023.2, BinWidth::parse("1/1000").unwrap()).unwrap_err();
        assert_eq!(
            e.0,
            "bin width 1/1000 over 1000 years is 1,000,000 bins (the span in years times 1000 bins a year); \
             the limit is 500,000: use wider bins or a nearer horizon"
        );
    }

    #[test]
    fn call_free_floor_and_round_match_std() {
        let mut xs = vec![
            0.0,
            -0.0,
            0.5,
            1.5,
            2.5,
            -0.5,
            -1.0,
            -1.5,
            0.49999999999999994,
            1e15 + 0.5,
            4503599627370495.5,
            4503599627370497.0,
            9.3e18,
            -9.3e18,
            1e300,
            -1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
        ];
        let mut z = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..100_000 {
            z = z
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let x = (z >> 11) as f64 / (1u64 << 53) as f64 * 2e6 - 1e6;
            xs.push(x);
            xs.push(x * 2e-6 * 404_640.0 + 404_640.0); // cells of years around 2023
        }
        for &x in &xs {
            assert_eq!(floor_to_i64(x), x.floor() as i64, "floor {x:e}");
            if x >= 0.0 {
                assert_eq!(round_to_u64(x), x.round() as u64, "round {x:e}");
            }
        }
    }

    #[test]
    fn the_coarse_grid_is_the_fine_rule_at_20_cells_a_year() {
        let g = Grid::coarse(2023.2, 2100.0);
        assert_eq!(g.cells_per_year, COARSE_CELLS_PER_YEAR);
        assert_eq!(g.first, 40464);
        assert_eq!(g.len, 2000 - 464);
        assert_eq!(g.cell_or_beyond(None), g.len);
        assert_eq!(g.cell_or_beyond(Some(2023.2)), 0);
        assert_eq!(g.cell_or_beyond(Some(2100.0)), g.len - 1);
        assert_eq!(g.cells_before(2031.0), 40620 - 40464);
    }

    #[test]
    fn quantile_over_counts_interpolates_and_stops_at_the_horizon() {
        let g = Grid::coarse(2020.0, 2030.0);
        let mut counts = vec![0u64; g.len + 1];
        counts[g.cell(2021.0)] = 2; // 2021.00-2021.05
        counts[g.len] = 2; // two never arrive
        assert_eq!(g.quantile(&counts, 4, 0.0), Some(2021.0));
        assert!((g.quantile(&counts, 4, 0.25).unwrap() - 2021.025).abs() < 1e-9);
        assert!((g.quantile(&counts, 4, 0.5).unwrap() - 2021.05).abs() < 1e-9);
        assert_eq!(g.quantile(&counts, 4, 0.75), None);
        assert_eq!(g.quantile(&counts, 0, 0.5), None);
        assert_eq!(g.count_before(&counts, 2021.0), 0);
        assert_eq!(g.count_before(&counts, 2022.0), 2);
    }
}
