//! The streaming arrival histogram: a fine grid of counts, never a sample array.
//!
//! Memory is fixed by the grid, not by the trajectory count. The grid is aligned to
//! calendar boundaries: cell edges sit on multiples of `1 / cells_per_year` counted from
//! year 0, and every output bin edge and every whole year is a cell edge, so
//! `P(AGI during 2027)` and `P(by end of 2030)` are exact counts, not interpolations.
//! A cell is at most 1/200 year (under two days), so percentiles interpolated linearly
//! within a cell are exact to better than 0.01 year whatever the output bin width.
//!
//! Everything is an integer (counts, and arrival sums in fixed point), so merging
//! histograms is associative and commutative: the reduction order across threads or
//! machines cannot change a single output byte.

use std::fmt;

/// Finest cell the grid uses, in cells per year (1/200 year, ~1.8 days).
pub const MIN_CELLS_PER_YEAR: u64 = 200;
/// Largest grid we allocate (cells); a request beyond this is refused up front.
pub const MAX_CELLS: u64 = 4_000_000;
/// Fixed-point scale for arrival sums: 2^24 units per year (~1.9 s resolution).
const FIXED_SCALE: f64 = (1u64 << 24) as f64;

/// `x.floor() as i64`, without a call: portable x86-64 has no floor instruction (it
/// came with SSE4.1), so `f64::floor` is a libm call, and this is the histogram's hot
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

/// The fine grid: which cells a run's histogram covers.
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
    /// The grid for `[start, horizon]`, or an error when it would be too large.
    pub fn new(start: f64, horizon: f64, bin: BinWidth) -> Result<Grid, BinWidthError> {
        let g = bin.cells_per_year();
        let first = (start * g as f64).floor() as i64;
        let last = (horizon * g as f64).ceil() as i64;
        let len = (last - first).max(1) as u64;
        if len > MAX_CELLS {
            return Err(BinWidthError(format!(
                "bin width {bin} over {:.0} years needs {len} histogram cells; the limit is {MAX_CELLS}: use wider bins or a nearer horizon",
                horizon - start
            )));
        }
        Ok(Grid {
            cells_per_year: g,
            first,
            len: len as usize,
            start,
            horizon,
        })
    }

    /// Cell of an arrival in `[start, horizon]` (clamped to the grid).
    #[inline]
    pub fn cell(&self, t: f64) -> usize {
        let abs = floor_to_i64(t * self.cells_per_year as f64);
        (abs - self.first).clamp(0, self.len as i64 - 1) as usize
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
}

/// Counts of arrivals on the fine grid, plus the trajectories that never arrived.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ArrivalHistogram {
    pub grid: Grid,
    pub counts: Vec<u64>,
    pub not_by_horizon: u64,
    /// Sum of (arrival - start) in units of 2^-24 year.
    pub sum_fixed: u128,
    /// Sum of squares of the same fixed-point values.
    pub sum_sq_fixed: u128,
}

impl ArrivalHistogram {
    pub fn new(grid: Grid) -> Self {
        ArrivalHistogram {
            grid,
            counts: vec![0; grid.len],
            not_by_horizon: 0,
            sum_fixed: 0,
            sum_sq_fixed: 0,
        }
    }

    #[inline]
    pub fn record(&mut self, arrival: Option<f64>) {
        match arrival {
            Some(t) => {
                self.counts[self.grid.cell(t)] += 1;
                // An arrival is at most `horizon - start` (< 2^15 years, as the grid is
                // at most MAX_CELLS cells) after start: < 2^39 units, so its square fits
                // a u64 x u64 -> u128 product.
                let v = round_to_u64((t - self.grid.start).max(0.0) * FIXED_SCALE);
                self.sum_fixed += v as u128;
                self.sum_sq_fixed += v as u128 * v as u128;
            }
            None => self.not_by_horizon += 1,
        }
    }

    pub fn merge(&mut self, other: &ArrivalHistogram) {
        debug_assert_eq!(self.grid, other.grid);
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.not_by_horizon += other.not_by_horizon;
        self.sum_fixed += other.sum_fixed;
        self.sum_sq_fixed += other.sum_sq_fixed;
    }

    pub fn arrived(&self) -> u64 {
        self.counts.iter().sum()
    }

    pub fn total(&self) -> u64 {
        self.arrived() + self.not_by_horizon
    }

    /// Arrivals strictly before the grid edge `year`.
    pub fn count_before(&self, year: f64) -> u64 {
        self.counts[..self.grid.cells_before(year)].iter().sum()
    }

    /// The q-quantile of the arrival year, counting "not by horizon" as later than any
    /// year; `None` when it lies beyond the horizon. Linear within a cell.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let n = self.total();
        if n == 0 {
            return None;
        }
        let target = q.clamp(0.0, 1.0) * n as f64;
        let width = 1.0 / self.grid.cells_per_year as f64;
        let mut cum = 0u64;
        for (i, &c) in self.counts.iter().enumerate() {
            if c > 0 && (cum + c) as f64 >= target {
                let frac = ((target - cum as f64) / c as f64).clamp(0.0, 1.0);
                let lo = self.grid.cell_start(i).max(self.grid.start);
                let hi = (self.grid.cell_start(i) + width).min(self.grid.horizon);
                return Some(lo + (hi - lo) * frac);
            }
            cum += c;
        }
        None
    }

    /// Monte Carlo standard error of the q-quantile: half the distance between the
    /// quantiles at q -+ sqrt(q (1 - q) / n), i.e. a one-standard-error binomial band
    /// on the rank (the distribution-free order-statistic interval; see e.g. Conover
    /// 1999, "Practical Nonparametric Statistics", section 3.2). `None` if either end
    /// lies beyond the horizon.
    pub fn quantile_std_error(&self, q: f64) -> Option<f64> {
        let n = self.total() as f64;
        let s = (q * (1.0 - q) / n).sqrt();
        let lo = self.quantile((q - s).max(0.0))?;
        let hi = self.quantile((q + s).min(1.0))?;
        Some((hi - lo) / 2.0)
    }

    /// Mean arrival year among trajectories that arrived by the horizon, and its
    /// standard error `sd / sqrt(arrived)`.
    pub fn mean_arrival(&self) -> Option<(f64, f64)> {
        let k = self.arrived();
        if k == 0 {
            return None;
        }
        let kf = k as f64;
        let mean_fixed = self.sum_fixed as f64 / kf;
        let var_fixed = (self.sum_sq_fixed as f64 / kf - mean_fixed * mean_fixed).max(0.0)
            * (kf / (kf - 1.0).max(1.0));
        let mean = self.grid.start + mean_fixed / FIXED_SCALE;
        let se = var_fixed.sqrt() / FIXED_SCALE / kf.sqrt();
        Some((mean, se))
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
    fn quantiles_interpolate_within_cells_and_report_beyond_horizon() {
        let grid = Grid::new(2020.0, 2030.0, BinWidth::Years(1)).unwrap();
        let mut h = ArrivalHistogram::new(grid);
        for i in 0..100 {
            h.record(Some(2020.0 + i as f64 * 0.05)); // 2020.00 .. 2024.95
        }
        for _ in 0..100 {
            h.record(None);
        }
        assert_eq!(h.total(), 200);
        // the 100th of 200 values is 2024.95: the median lies within its cell (1/200 year)
        let median = h.quantile(0.5).unwrap();
        assert!((2024.95..=2024.955 + 1e-9).contains(&median), "{median}");
        assert!(h.quantile(0.51).is_none());
        assert_eq!(h.count_before(2021.0), 20);
        let (mean, _) = h.mean_arrival().unwrap();
        assert!((mean - 2022.475).abs() < 1e-6);
    }
}
