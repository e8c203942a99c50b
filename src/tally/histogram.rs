//! The streaming arrival histogram: a fine grid of counts, never a sample array.
//!
//! Memory is fixed by the grid, not by the trajectory count. Everything is an integer
//! (counts, and arrival sums in fixed point), so merging histograms is associative and
//! commutative: the reduction order across threads or machines cannot change a single
//! output byte.

use super::grid::{BinWidth, Grid, round_to_u64};

/// Fixed-point scale for arrival sums: 2^24 units per year (~1.9 s resolution).
const FIXED_SCALE: f64 = (1u64 << 24) as f64;

/// The largest fixed-point term an arrival adds over a span of `span_years`.
pub fn max_fixed(span_years: f64) -> u64 {
    round_to_u64(span_years.max(0.0) * FIXED_SCALE)
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
                // An arrival is at most `horizon - start` (at most MAX_SPAN_YEARS < 2^15
                // years) after start: < 2^39 units, so its square fits a u64 x u64 ->
                // u128 product.
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

    /// Whether counts read from a file can be the histogram of `n` trajectories on
    /// `grid`: the grid and the number of cells match, the counts add up to `n`
    /// without overflowing, and the fixed-point sums lie within what arrivals in those
    /// cells can give (each arrival's term is bounded by its cell's edges). An error
    /// names the invariant that fails.
    pub fn verify(&self, grid: &Grid, n: u64) -> Result<(), String> {
        if self.grid != *grid || self.counts.len() != grid.len {
            return Err("its histogram grid is not the one its priors and bin width give".into());
        }
        let total = self
            .counts
            .iter()
            .try_fold(self.not_by_horizon, |a, &c| a.checked_add(c));
        if total != Some(n) {
            return Err(format!(
                "its histogram counts do not add up to its {n} trajectories"
            ));
        }
        let (mut lo_sum, mut hi_sum, mut lo_sq, mut hi_sq) = (0u128, 0u128, 0u128, 0u128);
        let width = 1.0 / grid.cells_per_year as f64;
        for (i, &c) in self.counts.iter().enumerate() {
            if c == 0 {
                continue;
            }
            let a = (grid.cell_start(i).max(grid.start) - grid.start).max(0.0);
            let b = ((grid.cell_start(i) + width).min(grid.horizon) - grid.start).max(0.0);
            // One unit of slack each side for rounding (a unit is 2^-24 year).
            let lo = round_to_u64(a * FIXED_SCALE).saturating_sub(1) as u128;
            let hi = round_to_u64(b * FIXED_SCALE).saturating_add(1) as u128;
            let c = c as u128;
            lo_sum = lo_sum.saturating_add(c.saturating_mul(lo));
            hi_sum = hi_sum.saturating_add(c.saturating_mul(hi));
            lo_sq = lo_sq.saturating_add(c.saturating_mul(lo * lo));
            hi_sq = hi_sq.saturating_add(c.saturating_mul(hi * hi));
        }
        if !(lo_sum..=hi_sum).contains(&self.sum_fixed)
            || !(lo_sq..=hi_sq).contains(&self.sum_sq_fixed)
        {
            return Err("its sums of arrival years do not fit its histogram counts".into());
        }
        Ok(())
    }

    pub fn arrived(&self) -> u64 {
        self.counts.iter().sum()
    }

    pub fn total(&self) -> u64 {
        self.arrived() + self.not_by_horizon
    }

    /// Arrivals strictly before the grid edge `year`.
    pub fn count_before(&self, year: f64) -> u64 {
        self.grid.count_before(&self.counts, year)
    }

    /// The q-quantile of the arrival year, counting "not by horizon" as later than any
    /// year; `None` when it lies beyond the horizon. Linear within a cell.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        self.grid.quantile(&self.counts, self.total(), q)
    }

    /// Monte Carlo standard error of the q-quantile (see [`Grid::quantile_std_error`]).
    pub fn quantile_std_error(&self, q: f64) -> Option<f64> {
        self.grid.quantile_std_error(&self.counts, self.total(), q)
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

    /// The output bins from start to horizon: edges on multiples of the bin width
    /// (calendar boundaries), except the first bin's lower edge (`start`) and the last
    /// bin's upper edge (the horizon). "Not by horizon" is not a bin: it is
    /// `not_by_horizon`.
    pub fn bins(&self, bin: BinWidth) -> Vec<BinRow> {
        let g = self.grid;
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
            let count: u64 = self.counts[i0..i1].iter().sum();
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
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn bins_start_at_start_end_at_the_horizon_and_sit_on_calendar_edges() {
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
        let rows = h.bins(bin);
        assert_eq!(rows.len(), 3);
        assert_eq!((rows[0].year_start, rows[0].year_end), (2024.3, 2025.0));
        assert_eq!((rows[2].year_start, rows[2].year_end), (2026.0, 2026.6));
        assert_eq!(rows.iter().map(|r| r.count).collect::<Vec<_>>(), [1, 2, 1]);
        assert_eq!(rows[2].cumulative, h.arrived());
    }
}
