//! Sensitivity: which inputs move the arrival year, streaming (memory fixed by the
//! grid, not the trajectory count) and integer-only (so tallies merge across threads
//! and shards without changing a byte).
//!
//! For every uncertain input, each trajectory's draw is placed in one of 256 rank
//! buckets cut at the input's exact marginal quantiles, and compared with its exact 10th
//! and 90th percentiles. Per input we count, on the coarse (1/20-year) grid of arrival
//! years, the arrivals with the input in its bottom decile, in its top decile, and the
//! sum of the input's rank buckets per arrival cell. From these: the median arrival and
//! P(by 2030) when the input is in its bottom vs top decile (a tornado), and Spearman's
//! rank correlation between the input and the arrival year, computed as the Pearson
//! correlation of the input's rank bucket and the arrival's mid-rank (trajectories that
//! never arrive rank last, tied). Bucketing and the 1/20-year cells coarsen ranks by at
//! most 0.4% of the range, which changes a rank correlation by well under 0.001.

use super::grid::Grid;
use crate::model::{InputId, Model};

/// Rank buckets per input (a power of two: the bucket is found by a branch-free
/// binary search of exactly `log2(BUCKETS)` steps).
pub const BUCKETS: usize = 256;
const SEARCH_STEPS: [usize; 8] = [128, 64, 32, 16, 8, 4, 2, 1];

/// What sensitivity needs to know about each uncertain input, fixed before the run.
#[derive(Clone, Debug)]
pub struct SensitivitySpec {
    /// The uncertain inputs, in model order.
    pub inputs: Vec<InputId>,
    /// Per input, `BUCKETS` entries: entry k (k < BUCKETS - 1) is the quantile at
    /// (k + 1) / BUCKETS; the last is +infinity and never read by the search.
    pub cuts: Vec<[f64; BUCKETS]>,
    /// Per input, its 10th and 90th percentiles: the decile cuts.
    pub deciles: Vec<(f64, f64)>,
}

impl SensitivitySpec {
    pub fn new(model: &Model) -> Self {
        let inputs: Vec<InputId> = model.uncertain_inputs().map(|(i, _)| i).collect();
        let cuts = inputs
            .iter()
            .map(|&i| {
                let mut c = [f64::INFINITY; BUCKETS];
                for (k, x) in c.iter_mut().enumerate().take(BUCKETS - 1) {
                    *x = model[i].dist.quantile((k + 1) as f64 / BUCKETS as f64);
                }
                c
            })
            .collect();
        let deciles = inputs
            .iter()
            .map(|&i| (model[i].dist.quantile(0.1), model[i].dist.quantile(0.9)))
            .collect();
        SensitivitySpec {
            inputs,
            cuts,
            deciles,
        }
    }

    /// Rank bucket of `x` (0..BUCKETS): how many of the `BUCKETS - 1` quantile cuts
    /// are <= x. Each step keeps the invariant "cuts[..i] are all <= x" (the cuts are
    /// sorted), so after the halvings `i` is that count.
    #[inline]
    pub fn bucket(cuts: &[f64; BUCKETS], x: f64) -> usize {
        let mut i = 0;
        for step in SEARCH_STEPS {
            i += step * usize::from(cuts[i + step - 1] <= x);
        }
        i
    }
}

/// Streaming sensitivity counts.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SensitivityTally {
    pub cells: usize,
    pub inputs: usize,
    /// Arrivals per cell (shared by all inputs).
    pub counts: Vec<u64>,
    /// Per cell and input (cell-major, `cell * inputs + j`, so one trajectory's updates
    /// fall on a few adjacent cache lines), three counters side by side: [sum of rank
    /// buckets, arrivals in the bottom decile, arrivals in the top decile].
    pub per_cell: Vec<[u64; 3]>,
    /// Per input: [sum of rank buckets, sum of their squares] over all trajectories.
    pub moments: Vec<[u64; 2]>,
}

impl SensitivityTally {
    pub fn new(spec: &SensitivitySpec, grid: &Grid) -> Self {
        let cells = grid.len + 1;
        let k = spec.inputs.len();
        SensitivityTally {
            cells,
            inputs: k,
            counts: vec![0; cells],
            per_cell: vec![[0; 3]; k * cells],
            moments: vec![[0; 2]; k],
        }
    }

    #[inline]
    pub fn record(&mut self, spec: &SensitivitySpec, cell: usize, inputs: &[f64]) {
        self.counts[cell] += 1;
        let row = &mut self.per_cell[cell * self.inputs..(cell + 1) * self.inputs];
        for ((((&i, cuts), &(lo, hi)), slot), m) in spec
            .inputs
            .iter()
            .zip(&spec.cuts)
            .zip(&spec.deciles)
            .zip(row.iter_mut())
            .zip(self.moments.iter_mut())
        {
            let x = inputs[i.index()];
            let b = SensitivitySpec::bucket(cuts, x) as u64;
            slot[0] += b;
            slot[1] += u64::from(x < lo);
            slot[2] += u64::from(x >= hi);
            m[0] += b;
            m[1] += b * b;
        }
    }

    /// Whether counts read from a file can be the sensitivity tally of the trajectories
    /// whose arrival counts per coarse cell are `arrivals` (from the attribution
    /// tally, which counts the same cells), with the layout of `empty`: the same
    /// shape, the same arrivals per cell, at most that many trajectories in a decile
    /// per cell, rank buckets summing to at most `BUCKETS - 1` per trajectory, and
    /// per-input moments that are the sums of the per-cell ones. An error names the
    /// invariant that fails.
    pub fn verify(&self, empty: &SensitivityTally, arrivals: &[u64]) -> Result<(), String> {
        if self.cells != empty.cells
            || self.inputs != empty.inputs
            || self.counts.len() != empty.counts.len()
            || self.per_cell.len() != empty.per_cell.len()
            || self.moments.len() != empty.moments.len()
        {
            return Err("its sensitivity tally does not fit its own priors".into());
        }
        if self.counts != arrivals {
            return Err("its sensitivity and attribution counts differ".into());
        }
        let top = (BUCKETS - 1) as u128;
        let mut sums = vec![0u128; self.inputs];
        for (cell, &n) in self.counts.iter().enumerate() {
            let row = &self.per_cell[cell * self.inputs..(cell + 1) * self.inputs];
            for (s, [ranks, bottom, high]) in sums.iter_mut().zip(row) {
                if *bottom > n || *high > n || *ranks as u128 > top * n as u128 {
                    return Err(
                        "its sensitivity counts exceed the trajectories of their cell".into(),
                    );
                }
                *s += *ranks as u128;
            }
        }
        let n: u128 = self.counts.iter().map(|&c| c as u128).sum();
        for (s, [sum, squares]) in sums.iter().zip(&self.moments) {
            let (sum, squares) = (*sum as u128, *squares as u128);
            // each bucket b in 0..=top: b^2 <= top * b, and (sum b)^2 <= n sum b^2
            if *s != sum
                || squares > top * sum
                || sum
                    .checked_mul(sum)
                    .is_none_or(|q| q > n.saturating_mul(squares))
            {
                return Err("its sensitivity rank sums are inconsistent".into());
            }
        }
        Ok(())
    }

    pub fn merge(&mut self, o: &SensitivityTally) {
        for (x, y) in self.counts.iter_mut().zip(&o.counts) {
            *x += y;
        }
        for (x, y) in self.per_cell.iter_mut().zip(&o.per_cell) {
            for k in 0..3 {
                x[k] += y[k];
            }
        }
        for (x, y) in self.moments.iter_mut().zip(&o.moments) {
            x[0] += y[0];
            x[1] += y[1];
        }
    }

    /// Arrival counts per cell of input `j` in its bottom (`which = 1`) or top (2) decile.
    fn decile_counts(&self, j: usize, which: usize) -> Vec<u64> {
        self.column(j).map(|s| s[which]).collect()
    }

    /// The per-cell counters of input `j`, cell by cell.
    fn column(&self, j: usize) -> impl Iterator<Item = &[u64; 3]> {
        self.per_cell.iter().skip(j).step_by(self.inputs.max(1))
    }

    /// One row per uncertain input, ranked by swing (then by |Spearman|, then by name).
    pub fn rows(&self, model: &Model, spec: &SensitivitySpec, grid: &Grid) -> Vec<SensitivityRow> {
        let n: u64 = self.counts.iter().sum();
        let nf = n as f64;
        // mid-rank of each arrival cell, as a fraction of n ("never" is the last cell)
        let mut mid = vec![0.0; self.cells];
        let mut cum = 0u64;
        for (c, &k) in self.counts.iter().enumerate() {
            mid[c] = (cum as f64 + k as f64 / 2.0) / nf;
            cum += k;
        }
        let mean_v: f64 = self
            .counts
            .iter()
            .zip(&mid)
            .map(|(&k, v)| k as f64 * v)
            .sum::<f64>()
            / nf;
        let var_v: f64 = self
            .counts
            .iter()
            .zip(&mid)
            .map(|(&k, v)| k as f64 * (v - mean_v).powi(2))
            .sum::<f64>()
            / nf;
        let median = |counts: &[u64]| grid.quantile(counts, counts.iter().sum(), 0.5);
        let p_by_2030 = |counts: &[u64]| {
            let n: u64 = counts.iter().sum();
            (2031.0 <= grid.horizon && n > 0)
                .then(|| grid.count_before(counts, 2031.0) as f64 / n as f64)
        };
        let mut rows: Vec<SensitivityRow> = spec
            .inputs
            .iter()
            .enumerate()
            .map(|(j, &i)| {
                let low = &self.decile_counts(j, 1);
                let high = &self.decile_counts(j, 2);
                let mean_b = self.moments[j][0] as f64 / nf;
                let var_b = (self.moments[j][1] as f64 / nf - mean_b * mean_b).max(0.0);
                let e_bv: f64 = self
                    .column(j)
                    .zip(&mid)
                    .map(|(s, v)| s[0] as f64 * v)
                    .sum::<f64>()
                    / nf;
                let denom = (var_b * var_v).sqrt();
                let spearman = if denom > 0.0 {
                    ((e_bv - mean_b * mean_v) / denom).clamp(-1.0, 1.0)
                } else {
                    0.0
                };
                let ml = median(low);
                let mh = median(high);
                let as_year = |m: Option<f64>| m.unwrap_or(grid.horizon);
                let any_low = low.iter().any(|&c| c > 0);
                let any_high = high.iter().any(|&c| c > 0);
                let swing = if any_low && any_high {
                    (as_year(mh) - as_year(ml)).abs()
                } else {
                    0.0
                };
                SensitivityRow {
                    input: model[i].name.clone(),
                    low_value: spec.deciles[j].0,
                    high_value: spec.deciles[j].1,
                    median_if_low: ml,
                    median_if_high: mh,
                    swing_years: swing,
                    swing_is_lower_bound: any_low && any_high && (ml.is_none() != mh.is_none()),
                    p_by_2030_if_low: p_by_2030(low),
                    p_by_2030_if_high: p_by_2030(high),
                    spearman,
                }
            })
            .collect();
        rows.sort_by(|a, b| {
            b.swing_years
                .partial_cmp(&a.swing_years)
                .unwrap()
                .then(b.spearman.abs().partial_cmp(&a.spearman.abs()).unwrap())
                .then(a.input.cmp(&b.input))
        });
        rows
    }
}

/// One row of `sensitivity.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct SensitivityRow {
    pub input: String,
    /// The input's 10th and 90th percentiles (the decile cuts).
    pub low_value: f64,
    pub high_value: f64,
    pub median_if_low: Option<f64>,
    pub median_if_high: Option<f64>,
    /// |median_if_high - median_if_low|, a median beyond the horizon counted as the
    /// horizon (then the swing is a lower bound).
    pub swing_years: f64,
    pub swing_is_lower_bound: bool,
    pub p_by_2030_if_low: Option<f64>,
    pub p_by_2030_if_high: Option<f64>,
    pub spearman: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_search_counts_cuts_below() {
        let mut cuts = [f64::INFINITY; BUCKETS];
        for (k, c) in cuts.iter_mut().enumerate().take(BUCKETS - 1) {
            *c = (k + 1) as f64;
        }
        assert_eq!(SensitivitySpec::bucket(&cuts, 0.5), 0);
        assert_eq!(SensitivitySpec::bucket(&cuts, 1.0), 1);
        assert_eq!(SensitivitySpec::bucket(&cuts, 100.5), 100);
        assert_eq!(SensitivitySpec::bucket(&cuts, 255.0), 255);
        assert_eq!(SensitivitySpec::bucket(&cuts, 1e9), 255);
        for x in 0..300 {
            let x = x as f64 * 0.9;
            let expected = cuts[..BUCKETS - 1].iter().filter(|&&c| c <= x).count();
            assert_eq!(SensitivitySpec::bucket(&cuts, x), expected, "{x}");
        }
    }
}
