//! Which inputs and which bottlenecks move the arrival year: sensitivity and
//! attribution, both streaming (memory fixed by the grid, not the trajectory count) and
//! integer-only (so they merge across threads and shards without changing a byte).
//!
//! **Sensitivity.** For every uncertain input, each trajectory's draw is placed in one
//! of 256 rank buckets cut at the input's exact marginal quantiles, and compared with
//! its exact 10th and 90th percentiles. Per input we count, on a 1/20-year grid of
//! arrival years, the arrivals with the input in its bottom decile, in its top decile,
//! and the sum of the input's rank buckets per arrival cell. From these: the median arrival and P(by 2030) when the input is in its bottom
//! vs top decile (a tornado), and Spearman's rank correlation between the input and the
//! arrival year, computed as the Pearson correlation of the input's rank bucket and the
//! arrival's mid-rank (trajectories that never arrive rank last, tied). Bucketing and the
//! 1/20-year cells coarsen ranks by at most 0.4% of the range, which changes a rank
//! correlation by well under 0.001.
//!
//! **Attribution.** Arrivals are counted per combination of bottlenecks that fired
//! (when there are at most [`MAX_COMBO_BOTTLENECKS`]) and per bottleneck fired / not
//! fired, so a reader sees "if the data wall bites, the median moves from X to Y".

use crate::model::Model;
use crate::report::fmt_year;

/// Cells per year of the analysis grid (0.05 year).
pub const CELLS_PER_YEAR: u64 = 20;
/// Rank buckets per input (a power of two: the bucket is found by a branch-free
/// binary search of exactly `log2(BUCKETS)` steps).
pub const BUCKETS: usize = 256;
const SEARCH_STEPS: [usize; 8] = [128, 64, 32, 16, 8, 4, 2, 1];
/// Up to this many bottlenecks, every combination gets its own histogram (2^6 = 64).
pub const MAX_COMBO_BOTTLENECKS: usize = 6;

/// The coarse arrival grid shared by sensitivity and attribution; the last cell
/// (`len`) holds "not by horizon".
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CoarseGrid {
    pub first: i64,
    pub len: usize,
    pub start: f64,
    pub horizon: f64,
}

impl CoarseGrid {
    pub fn new(start: f64, horizon: f64) -> Self {
        let g = CELLS_PER_YEAR as f64;
        let first = (start * g).floor() as i64;
        let last = (horizon * g).ceil() as i64;
        CoarseGrid {
            first,
            len: (last - first).max(1) as usize,
            start,
            horizon,
        }
    }

    /// Cell of an arrival, or `len` for "not by horizon".
    #[inline]
    pub fn cell(&self, arrival: Option<f64>) -> usize {
        match arrival {
            Some(t) => {
                let abs = crate::histogram::floor_to_i64(t * CELLS_PER_YEAR as f64);
                (abs - self.first).clamp(0, self.len as i64 - 1) as usize
            }
            None => self.len,
        }
    }

    fn cell_start(&self, i: usize) -> f64 {
        (self.first + i as i64) as f64 / CELLS_PER_YEAR as f64
    }

    /// Cells strictly before the whole-year edge `year`.
    fn cells_before(&self, year: f64) -> usize {
        let abs = (year * CELLS_PER_YEAR as f64).round() as i64;
        (abs - self.first).clamp(0, self.len as i64) as usize
    }

    /// Interpolated q-quantile of a count vector on this grid (length `len + 1`), or
    /// `None` beyond the horizon or when empty.
    pub fn quantile(&self, counts: &[u64], q: f64) -> Option<f64> {
        let n: u64 = counts.iter().sum();
        if n == 0 {
            return None;
        }
        let target = q * n as f64;
        let w = 1.0 / CELLS_PER_YEAR as f64;
        let mut cum = 0u64;
        for (i, &c) in counts[..self.len].iter().enumerate() {
            if c > 0 && (cum + c) as f64 >= target {
                let frac = ((target - cum as f64) / c as f64).clamp(0.0, 1.0);
                let lo = self.cell_start(i).max(self.start);
                let hi = (self.cell_start(i) + w).min(self.horizon);
                return Some(lo + (hi - lo) * frac);
            }
            cum += c;
        }
        None
    }

    /// P(arrival before `year`) from a count vector, or `None` if `year` is past the horizon.
    pub fn p_before(&self, counts: &[u64], year: f64) -> Option<f64> {
        let n: u64 = counts.iter().sum();
        if year > self.horizon || n == 0 {
            return None;
        }
        let k: u64 = counts[..self.cells_before(year)].iter().sum();
        Some(k as f64 / n as f64)
    }
}

/// What sensitivity needs to know about each uncertain input, fixed before the run.
#[derive(Clone, Debug)]
pub struct SensitivitySpec {
    /// Input indices (uncertain inputs only, model order).
    pub inputs: Vec<usize>,
    /// Per input, `BUCKETS` entries: entry k (k < BUCKETS - 1) is the quantile at
    /// (k + 1) / BUCKETS; the last is +infinity and never read by the search.
    pub cuts: Vec<[f64; BUCKETS]>,
    /// Per input, its 10th and 90th percentiles: the decile cuts.
    pub deciles: Vec<(f64, f64)>,
}

impl SensitivitySpec {
    pub fn new(model: &Model) -> Self {
        let inputs: Vec<usize> = model.uncertain_inputs().map(|(i, _)| i).collect();
        let cuts = inputs
            .iter()
            .map(|&i| {
                let mut c = [f64::INFINITY; BUCKETS];
                for (k, x) in c.iter_mut().enumerate().take(BUCKETS - 1) {
                    *x = model.inputs[i]
                        .dist
                        .quantile((k + 1) as f64 / BUCKETS as f64);
                }
                c
            })
            .collect();
        let deciles = inputs
            .iter()
            .map(|&i| {
                (
                    model.inputs[i].dist.quantile(0.1),
                    model.inputs[i].dist.quantile(0.9),
                )
            })
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
    pub fn new(spec: &SensitivitySpec, grid: &CoarseGrid) -> Self {
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
            let x = inputs[i];
            let b = SensitivitySpec::bucket(cuts, x) as u64;
            slot[0] += b;
            slot[1] += u64::from(x < lo);
            slot[2] += u64::from(x >= hi);
            m[0] += b;
            m[1] += b * b;
        }
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
}

/// Streaming attribution counts.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AttributionTally {
    pub cells: usize,
    pub bottlenecks: usize,
    /// With few bottlenecks: `2^b * cells` counts, by fired mask.
    pub combos: Vec<u64>,
    /// With many: `2 * b * cells` counts, [not fired, fired] per bottleneck.
    pub each: Vec<u64>,
}

impl AttributionTally {
    pub fn new(model: &Model, grid: &CoarseGrid) -> Self {
        let cells = grid.len + 1;
        let b = model.bottlenecks.len();
        let (combos, each) = if b <= MAX_COMBO_BOTTLENECKS {
            (vec![0; (1usize << b) * cells], Vec::new())
        } else {
            (Vec::new(), vec![0; 2 * b * cells])
        };
        AttributionTally {
            cells,
            bottlenecks: b,
            combos,
            each,
        }
    }

    #[inline]
    pub fn record(&mut self, cell: usize, fired: u64) {
        if self.bottlenecks <= MAX_COMBO_BOTTLENECKS {
            self.combos[fired as usize * self.cells + cell] += 1;
        } else {
            for b in 0..self.bottlenecks {
                let f = (fired >> b & 1) as usize;
                self.each[(2 * b + f) * self.cells + cell] += 1;
            }
        }
    }

    pub fn merge(&mut self, o: &AttributionTally) {
        for (x, y) in self.combos.iter_mut().zip(&o.combos) {
            *x += y;
        }
        for (x, y) in self.each.iter_mut().zip(&o.each) {
            *x += y;
        }
    }

    /// Whether every trajectory is counted exactly once (per bottleneck, in the
    /// per-bottleneck layout) for a total of `n`: a check on tallies read from files.
    pub fn counts_each_trajectory_once(&self, n: u64) -> bool {
        if self.bottlenecks <= MAX_COMBO_BOTTLENECKS {
            self.combos.iter().sum::<u64>() == n
        } else {
            (0..self.bottlenecks).all(|b| {
                self.each[2 * b * self.cells..(2 * b + 2) * self.cells]
                    .iter()
                    .sum::<u64>()
                    == n
            })
        }
    }

    /// Arrival counts of trajectories where bottleneck `b` did (`fired`) or did not fire.
    pub fn by_bottleneck(&self, b: usize, fired: bool) -> Vec<u64> {
        let mut out = vec![0; self.cells];
        if self.bottlenecks <= MAX_COMBO_BOTTLENECKS {
            for mask in 0..(1usize << self.bottlenecks) {
                if (mask >> b & 1 == 1) == fired {
                    for (o, c) in out
                        .iter_mut()
                        .zip(&self.combos[mask * self.cells..(mask + 1) * self.cells])
                    {
                        *o += c;
                    }
                }
            }
        } else {
            let f = fired as usize;
            out.copy_from_slice(&self.each[(2 * b + f) * self.cells..(2 * b + f + 1) * self.cells]);
        }
        out
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

/// Sensitivity rows, ranked by swing (then by |Spearman|).
pub fn sensitivity_rows(
    model: &Model,
    spec: &SensitivitySpec,
    t: &SensitivityTally,
    grid: &CoarseGrid,
) -> Vec<SensitivityRow> {
    let cells = t.cells;
    let n: u64 = t.counts.iter().sum();
    let nf = n as f64;
    // mid-rank of each arrival cell, as a fraction of n ("never" is the last cell)
    let mut mid = vec![0.0; cells];
    let mut cum = 0u64;
    for (c, &k) in t.counts.iter().enumerate() {
        mid[c] = (cum as f64 + k as f64 / 2.0) / nf;
        cum += k;
    }
    let mean_v: f64 = t
        .counts
        .iter()
        .zip(&mid)
        .map(|(&k, v)| k as f64 * v)
        .sum::<f64>()
        / nf;
    let var_v: f64 = t
        .counts
        .iter()
        .zip(&mid)
        .map(|(&k, v)| k as f64 * (v - mean_v).powi(2))
        .sum::<f64>()
        / nf;
    let mut rows: Vec<SensitivityRow> = spec
        .inputs
        .iter()
        .enumerate()
        .map(|(j, &i)| {
            let low = &t.decile_counts(j, 1);
            let high = &t.decile_counts(j, 2);
            let mean_b = t.moments[j][0] as f64 / nf;
            let var_b = (t.moments[j][1] as f64 / nf - mean_b * mean_b).max(0.0);
            let e_bv: f64 = t
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
            let ml = grid.quantile(low, 0.5);
            let mh = grid.quantile(high, 0.5);
            let as_year = |m: Option<f64>| m.unwrap_or(grid.horizon);
            let any_low = low.iter().any(|&c| c > 0);
            let any_high = high.iter().any(|&c| c > 0);
            let swing = if any_low && any_high {
                (as_year(mh) - as_year(ml)).abs()
            } else {
                0.0
            };
            SensitivityRow {
                input: model.inputs[i].name.clone(),
                low_value: spec.deciles[j].0,
                high_value: spec.deciles[j].1,
                median_if_low: ml,
                median_if_high: mh,
                swing_years: swing,
                swing_is_lower_bound: any_low && any_high && (ml.is_none() != mh.is_none()),
                p_by_2030_if_low: grid.p_before(low, 2031.0),
                p_by_2030_if_high: grid.p_before(high, 2031.0),
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

fn opt_year(x: Option<f64>, horizon: f64) -> String {
    match x {
        Some(y) => format!("{y:.2}"),
        None => format!(">{}", fmt_year(horizon)),
    }
}

fn opt_p(x: Option<f64>) -> String {
    x.map_or(String::new(), |p| format!("{p:.4}"))
}

fn sig(x: f64) -> String {
    crate::report::fmt_sig(x, 6)
}

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
            sig(r.low_value),
            sig(r.high_value),
            opt_year(r.median_if_low, horizon),
            opt_year(r.median_if_high, horizon),
            format!("{:.2}", r.swing_years),
            r.swing_is_lower_bound.to_string(),
            opt_p(r.p_by_2030_if_low),
            opt_p(r.p_by_2030_if_high),
            format!("{:.4}", r.spearman),
        ])
        .expect("in-memory write");
    }
    w.into_inner().expect("in-memory write")
}

/// The tornado table for stdout.
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
            opt_year(r.median_if_low, horizon),
            opt_year(r.median_if_high, horizon),
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

/// One row of `attribution.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct AttributionRow {
    pub group: String,
    pub count: u64,
    pub share: f64,
    pub p10: Option<f64>,
    pub median: Option<f64>,
    pub p90: Option<f64>,
    pub p_by_2030: Option<f64>,
    pub p_by_2050: Option<f64>,
    pub p_by_horizon: f64,
}

fn attribution_row(group: String, counts: &[u64], total: u64, grid: &CoarseGrid) -> AttributionRow {
    let n: u64 = counts.iter().sum();
    AttributionRow {
        group,
        count: n,
        share: n as f64 / total as f64,
        p10: grid.quantile(counts, 0.1),
        median: grid.quantile(counts, 0.5),
        p90: grid.quantile(counts, 0.9),
        p_by_2030: grid.p_before(counts, 2031.0),
        p_by_2050: grid.p_before(counts, 2051.0),
        p_by_horizon: if n == 0 {
            0.0
        } else {
            1.0 - counts[grid.len] as f64 / n as f64
        },
    }
}

/// Attribution rows: all trajectories; each bottleneck fired / not fired; and every
/// combination of fired bottlenecks that occurred (when there are few bottlenecks).
pub fn attribution_rows(
    model: &Model,
    t: &AttributionTally,
    grid: &CoarseGrid,
) -> Vec<AttributionRow> {
    let cells = t.cells;
    let mut all = vec![0u64; cells];
    if t.bottlenecks <= MAX_COMBO_BOTTLENECKS {
        for m in 0..(1usize << t.bottlenecks) {
            for (a, c) in all.iter_mut().zip(&t.combos[m * cells..(m + 1) * cells]) {
                *a += c;
            }
        }
    } else {
        all.copy_from_slice(&t.each[..cells]);
        for (a, c) in all.iter_mut().zip(&t.each[cells..2 * cells]) {
            *a += c;
        }
    }
    let total: u64 = all.iter().sum();
    let mut rows = vec![attribution_row("all".into(), &all, total, grid)];
    for (b, bn) in model.bottlenecks.iter().enumerate() {
        rows.push(attribution_row(
            format!("{} fired", bn.name),
            &t.by_bottleneck(b, true),
            total,
            grid,
        ));
        rows.push(attribution_row(
            format!("{} not fired", bn.name),
            &t.by_bottleneck(b, false),
            total,
            grid,
        ));
    }
    if t.bottlenecks <= MAX_COMBO_BOTTLENECKS && t.bottlenecks > 1 {
        for m in 0..(1usize << t.bottlenecks) {
            let counts = &t.combos[m * cells..(m + 1) * cells];
            if counts.iter().all(|&c| c == 0) {
                continue;
            }
            let names: Vec<&str> = (0..t.bottlenecks)
                .filter(|b| m >> b & 1 == 1)
                .map(|b| model.bottlenecks[b].name.as_str())
                .collect();
            let label = if names.is_empty() {
                "none".to_string()
            } else {
                names.join(" + ")
            };
            rows.push(attribution_row(
                format!("only: {label}"),
                counts,
                total,
                grid,
            ));
        }
    }
    rows
}

/// `attribution.csv`.
pub fn attribution_csv(rows: &[AttributionRow], horizon: f64) -> Vec<u8> {
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
                opt_year(x, horizon)
            }
        };
        w.write_record([
            r.group.clone(),
            r.count.to_string(),
            format!("{:.6}", r.share),
            y(r.p10),
            y(r.median),
            y(r.p90),
            opt_p(r.p_by_2030),
            opt_p(r.p_by_2050),
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
pub fn attribution_text(rows: &[AttributionRow], horizon: f64) -> String {
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
                opt_year(r.median, horizon)
            },
            r.p_by_2030
                .map_or("-".into(), |p| format!("{:.1}%", p * 100.0))
        ));
    }
    s
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
