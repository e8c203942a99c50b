//! Attribution: arrivals counted by which bottlenecks fired, so a reader sees "if the
//! data wall bites, the median moves from X to Y".
//!
//! Arrivals are counted on the coarse grid per combination of bottlenecks that fired
//! (when there are at most [`MAX_COMBO_BOTTLENECKS`]), else per bottleneck fired / not
//! fired. Integer counts only, so tallies merge across threads and shards exactly.

use super::grid::Grid;
use crate::model::Model;

/// Up to this many bottlenecks, every combination gets its own histogram (2^6 = 64).
pub const MAX_COMBO_BOTTLENECKS: usize = 6;

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
    pub fn new(model: &Model, grid: &Grid) -> Self {
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

    /// Whether counts read from a file can be the attribution of `n` trajectories with
    /// the layout of `empty` (a new tally of the same model and grid): the same shape,
    /// and every trajectory counted exactly once (per bottleneck, in the per-bottleneck
    /// layout, where the bottlenecks must also agree on each cell's total), with no sum
    /// overflowing. An error names the invariant that fails.
    pub fn verify(&self, empty: &AttributionTally, n: u64) -> Result<(), String> {
        if self.cells != empty.cells
            || self.bottlenecks != empty.bottlenecks
            || self.combos.len() != empty.combos.len()
            || self.each.len() != empty.each.len()
        {
            return Err("its attribution tally does not fit its own priors".into());
        }
        let total = |xs: &[u64]| xs.iter().try_fold(0u64, |a, &c| a.checked_add(c));
        let once = if self.bottlenecks <= MAX_COMBO_BOTTLENECKS {
            total(&self.combos) == Some(n)
        } else {
            let c = self.cells;
            let per_cell = |b: usize, cell: usize| {
                self.each[2 * b * c + cell].checked_add(self.each[(2 * b + 1) * c + cell])
            };
            (0..self.bottlenecks).all(|b| total(&self.each[2 * b * c..(2 * b + 2) * c]) == Some(n))
                && (0..c).all(|cell| {
                    let first = per_cell(0, cell);
                    (1..self.bottlenecks).all(|b| per_cell(b, cell) == first)
                })
        };
        if !once {
            return Err(format!(
                "its attribution counts do not add up to its {n} trajectories"
            ));
        }
        Ok(())
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

    /// Trajectories in which each bottleneck fired (every trajectory is counted here
    /// once, by what fired, so the per-trajectory loop need not count them again).
    pub fn fired(&self) -> Vec<u64> {
        (0..self.bottlenecks)
            .map(|b| self.by_bottleneck(b, true).iter().sum())
            .collect()
    }

    /// Arrival counts of all trajectories.
    pub fn all(&self) -> Vec<u64> {
        let cells = self.cells;
        let mut all = vec![0u64; cells];
        if self.bottlenecks <= MAX_COMBO_BOTTLENECKS {
            for m in 0..(1usize << self.bottlenecks) {
                for (a, c) in all.iter_mut().zip(&self.combos[m * cells..(m + 1) * cells]) {
                    *a += c;
                }
            }
        } else {
            all.copy_from_slice(&self.each[..cells]);
            for (a, c) in all.iter_mut().zip(&self.each[cells..2 * cells]) {
                *a += c;
            }
        }
        all
    }

    /// The groups a reader compares: all trajectories; each bottleneck fired / not
    /// fired; and every combination of fired bottlenecks that occurred (when there are
    /// few bottlenecks), each with its arrival statistics.
    pub fn groups(&self, model: &Model, grid: &Grid) -> Vec<AttributionGroup> {
        let cells = self.cells;
        let all = self.all();
        let total: u64 = all.iter().sum();
        let mut rows = vec![AttributionGroup::new("all".into(), &all, total, grid)];
        for (b, bn) in model.bottlenecks.iter().enumerate() {
            rows.push(AttributionGroup::new(
                format!("{} fired", bn.name),
                &self.by_bottleneck(b, true),
                total,
                grid,
            ));
            rows.push(AttributionGroup::new(
                format!("{} not fired", bn.name),
                &self.by_bottleneck(b, false),
                total,
                grid,
            ));
        }
        if self.bottlenecks <= MAX_COMBO_BOTTLENECKS && self.bottlenecks > 1 {
            for m in 0..(1usize << self.bottlenecks) {
                let counts = &self.combos[m * cells..(m + 1) * cells];
                if counts.iter().all(|&c| c == 0) {
                    continue;
                }
                let names: Vec<&str> = (0..self.bottlenecks)
                    .filter(|b| m >> b & 1 == 1)
                    .map(|b| model.bottlenecks[b].name.as_str())
                    .collect();
                let label = if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(" + ")
                };
                rows.push(AttributionGroup::new(
                    format!("only: {label}"),
                    counts,
                    total,
                    grid,
                ));
            }
        }
        rows
    }
}

/// One group of `attribution.csv`: which trajectories, how many, and their arrivals.
#[derive(Clone, Debug, PartialEq)]
pub struct AttributionGroup {
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

impl AttributionGroup {
    /// The statistics of one group with arrival counts `counts` (last cell: not by the
    /// horizon) out of `total` trajectories in all groups.
    fn new(group: String, counts: &[u64], total: u64, grid: &Grid) -> AttributionGroup {
        let n: u64 = counts.iter().sum();
        let p_by_end_of = |year: f64| {
            (year <= grid.horizon && n > 0)
                .then(|| grid.count_before(counts, year) as f64 / n as f64)
        };
        AttributionGroup {
            group,
            count: n,
            share: n as f64 / total as f64,
            p10: grid.quantile(counts, n, 0.1),
            median: grid.quantile(counts, n, 0.5),
            p90: grid.quantile(counts, n, 0.9),
            p_by_2030: p_by_end_of(2031.0),
            p_by_2050: p_by_end_of(2051.0),
            p_by_horizon: if n == 0 {
                0.0
            } else {
                1.0 - counts[grid.len] as f64 / n as f64
            },
        }
    }
}
