//! Signposts: what an observer at a future year would see, and how far each
//! observation would move the forecast (the preposterior view of the same run).
//!
//! For each signpost year and each observable (every driver's own added OOMs and total
//! effective compute at that year, and whether each bottleneck has started by then),
//! the trajectories that have not arrived by that year (an observer then knows AGI is
//! not here yet) are split by what the observer would see: the lowest, middle or highest
//! third of the observable (cut at its terciles, estimated before the run by a trial on a
//! stream of its own, so every shard and thread count uses the same cuts), or no / yes.
//! Their arrivals are counted per group on the coarse grid, streaming (memory fixed by
//! the grid, integer counts that merge exactly); the median arrival and P(by the end of
//! 2030) per group follow, with Monte Carlo errors, and the mutual information between
//! the group and the arrival year says how much the observable tells.

use super::grid::Grid;
use crate::model::Model;

/// What an observer can see at a signpost year.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Observable {
    /// A level: driver `d`'s own added OOMs, or (`d` = number of drivers) total E.
    Level(usize),
    /// Whether bottleneck `b` has started.
    Started(usize),
}

/// What a trajectory recorded at its observed years.
pub trait Observer {
    /// The level in `column` (a driver's index, or the number of drivers for total E) at
    /// the `year`-th observed year.
    fn level(&self, year: usize, column: usize) -> f64;
    /// The bottlenecks (bit `b`) that had started by the `year`-th observed year.
    fn started(&self, year: usize) -> u64;
}

/// The signposts of a run, fixed before the first trajectory.
#[derive(Clone, Debug, PartialEq)]
pub struct SignpostSpec {
    /// The signpost years, increasing.
    pub years: Vec<f64>,
    /// Per signpost year: its position among the trajectory's observed years.
    pub year_index: Vec<usize>,
    pub observables: Vec<Observable>,
    /// Per (year, observable), `year * observables + o`: the tercile cuts of a level
    /// (a value below the first is in the lowest third, at or above the second in the
    /// highest); `None` for `Started`, and for a level the trial never saw (everyone had
    /// arrived by the year), which then stays in one (middle) group.
    pub cuts: Vec<Option<(f64, f64)>>,
}

impl SignpostSpec {
    /// Every observable of `model`: each driver's level, E, each bottleneck started.
    pub fn observables(model: &Model) -> Vec<Observable> {
        let nd = model.drivers.len();
        (0..=nd)
            .map(Observable::Level)
            .chain((0..model.bottlenecks.len()).map(Observable::Started))
            .collect()
    }

    /// The observable's name as tables print it.
    pub fn name(model: &Model, o: Observable) -> String {
        match o {
            Observable::Level(d) if d < model.drivers.len() => {
                format!("drivers.{}", model.drivers[d].name)
            }
            Observable::Level(_) => "E".to_string(),
            Observable::Started(b) => format!("bottlenecks.{}.started", model.bottlenecks[b].name),
        }
    }

    /// The group of a trajectory for observable `o` at signpost `s`: 0 low (or not
    /// started), 1 middle, 2 high (or started).
    #[inline]
    fn group(&self, s: usize, o: usize, obs: &dyn Observer) -> usize {
        let j = self.year_index[s];
        match self.observables[o] {
            Observable::Level(column) => {
                let x = obs.level(j, column);
                match self.cuts[s * self.observables.len() + o] {
                    Some((lo, hi)) => usize::from(x >= lo) + usize::from(x >= hi),
                    None => 1,
                }
            }
            Observable::Started(b) => 2 * (obs.started(j) >> b & 1) as usize,
        }
    }
}

/// Streaming signpost counts.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SignpostTally {
    pub cells: usize,
    pub years: usize,
    pub observables: usize,
    /// The cuts the counts were made with (shards of one run must agree).
    pub cuts: Vec<Option<(f64, f64)>>,
    /// Per (year, observable, group, cell): arrivals of the trajectories not arrived by
    /// the year, `((s * observables + o) * 3 + g) * cells + cell`.
    pub counts: Vec<u64>,
    /// Per (year, cell): arrivals of all trajectories not arrived by the year.
    pub all: Vec<u64>,
}

impl SignpostTally {
    pub fn new(spec: &SignpostSpec, grid: &Grid) -> Self {
        let cells = grid.len + 1;
        let (s, k) = (spec.years.len(), spec.observables.len());
        SignpostTally {
            cells,
            years: s,
            observables: k,
            cuts: spec.cuts.clone(),
            counts: vec![0; s * k * 3 * cells],
            all: vec![0; s * cells],
        }
    }

    /// Record a trajectory arriving at `arrival` (coarse cell `cell`).
    #[inline]
    pub fn record(
        &mut self,
        spec: &SignpostSpec,
        arrival: Option<f64>,
        cell: usize,
        obs: &dyn Observer,
    ) {
        let k = self.observables;
        for (s, &year) in spec.years.iter().enumerate() {
            if arrival.is_some_and(|a| a < year) {
                continue; // arrived: an observer then would know
            }
            self.all[s * self.cells + cell] += 1;
            for o in 0..k {
                let g = spec.group(s, o, obs);
                self.counts[((s * k + o) * 3 + g) * self.cells + cell] += 1;
            }
        }
    }

    pub fn merge(&mut self, other: &SignpostTally) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        for (a, b) in self.all.iter_mut().zip(&other.all) {
            *a += b;
        }
    }

    /// Whether these can be the signpost counts of a run whose kept trajectories
    /// arrived as `arrivals` (per coarse cell, the last "not by the horizon"): the same
    /// shape and cuts as the run's own (`empty`); at each year, no arrival counted in a
    /// cell before the year's, every kept arrival counted in a cell after it; each
    /// observable's groups adding up to the year's count in every cell, and no count in a
    /// group the observable cannot have.
    pub fn verify(
        &self,
        empty: &SignpostTally,
        spec: &SignpostSpec,
        coarse: &Grid,
        arrivals: &[u64],
    ) -> Result<(), String> {
        let c = self.cells;
        if c != empty.cells
            || self.years != empty.years
            || self.observables != empty.observables
            || self.counts.len() != empty.counts.len()
            || self.all.len() != empty.all.len()
            || arrivals.len() != c
        {
            return Err("its signpost tally does not fit its own priors".into());
        }
        if self.cuts != empty.cuts {
            return Err("its signposts were cut at other values than its run's".into());
        }
        let k = self.observables;
        for (s, &year) in spec.years.iter().enumerate() {
            let all = &self.all[s * c..(s + 1) * c];
            let at = coarse.cell_or_beyond(Some(year));
            for (cell, (&a, &n)) in all.iter().zip(arrivals).enumerate() {
                let fits = match cell.cmp(&at) {
                    std::cmp::Ordering::Less => a == 0,
                    std::cmp::Ordering::Equal => a <= n,
                    std::cmp::Ordering::Greater => a == n,
                };
                if !fits {
                    return Err(format!(
                        "its signpost counts at {year} do not fit its arrivals"
                    ));
                }
            }
            for o in 0..k {
                let used: [bool; 3] = match (spec.observables[o], spec.cuts[s * k + o]) {
                    (Observable::Level(_), Some(_)) => [true, true, true],
                    (Observable::Level(_), None) => [false, true, false],
                    (Observable::Started(_), _) => [true, false, true],
                };
                for (cell, &expected) in all.iter().enumerate() {
                    let mut sum = 0u64;
                    for (g, &used) in used.iter().enumerate() {
                        let x = self.counts[((s * k + o) * 3 + g) * c + cell];
                        if !used && x != 0 {
                            return Err(
                                "it has signpost counts in a group that cannot have any".into()
                            );
                        }
                        sum = sum.checked_add(x).ok_or("its signpost counts overflow")?;
                    }
                    if sum != expected {
                        return Err(format!(
                            "its signpost groups at {year} do not add up to its count"
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// The cumulative share of arrivals by year (at each coarse cell's end from `from`
    /// on) of a group (`Some(g)`) or of everyone not arrived by the signpost year.
    pub fn curve(
        &self,
        s: usize,
        o: usize,
        g: Option<usize>,
        grid: &Grid,
        from: f64,
    ) -> Vec<(f64, f64)> {
        let counts = match g {
            Some(g) => self.group_counts(s, o, g),
            None => &self.all[s * self.cells..(s + 1) * self.cells],
        };
        let n: u64 = counts.iter().sum();
        if n == 0 {
            return Vec::new();
        }
        let width = 1.0 / grid.cells_per_year as f64;
        let mut cum = 0u64;
        let mut points = vec![(from, 0.0)];
        for (c, &k) in counts[..grid.len].iter().enumerate() {
            cum += k;
            let end = (grid.cell_start(c) + width).min(grid.horizon);
            if end > from {
                points.push((end, cum as f64 / n as f64));
            }
        }
        points
    }

    fn group_counts(&self, s: usize, o: usize, g: usize) -> &[u64] {
        let at = ((s * self.observables + o) * 3 + g) * self.cells;
        &self.counts[at..at + self.cells]
    }

    /// One row per (year, observable), ranked by information (most first).
    pub fn rows(&self, model: &Model, spec: &SignpostSpec, grid: &Grid) -> Vec<SignpostRow> {
        let mut rows = Vec::new();
        for (s, &year) in spec.years.iter().enumerate() {
            let all = &self.all[s * self.cells..(s + 1) * self.cells];
            let everyone = Group::of(all, grid);
            for (o, &observable) in spec.observables.iter().enumerate() {
                let groups: Vec<Group> = (0..3)
                    .map(|g| Group::of(self.group_counts(s, o, g), grid))
                    .collect();
                let (information_bits, information_std_error) = information(
                    &(0..3)
                        .map(|g| self.group_counts(s, o, g))
                        .collect::<Vec<_>>(),
                    grid,
                );
                let cuts = spec.cuts[s * spec.observables.len() + o];
                rows.push(SignpostRow {
                    index: (s, o),
                    observable: SignpostSpec::name(model, observable),
                    year,
                    is_level: matches!(observable, Observable::Level(_)),
                    trajectories: everyone.n,
                    cuts,
                    everyone: everyone.clone(),
                    groups: [groups[0].clone(), groups[1].clone(), groups[2].clone()],
                    information_bits,
                    information_std_error,
                });
            }
        }
        rows.sort_by(|a, b| {
            b.information_bits
                .total_cmp(&a.information_bits)
                .then(a.year.total_cmp(&b.year))
                .then(a.observable.cmp(&b.observable))
        });
        rows
    }
}

/// The arrivals of one group of trajectories.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    /// Trajectories in the group.
    pub n: u64,
    /// Median arrival (`None` beyond the horizon, or an empty group) and its error.
    pub median: Option<f64>,
    pub median_std_error: Option<f64>,
    /// P(arrival by the end of 2030), `None` if 2031 is past the horizon or the group
    /// is empty, and its binomial error.
    pub p_by_2030: Option<f64>,
    pub p_by_2030_std_error: Option<f64>,
}

impl Group {
    fn of(counts: &[u64], grid: &Grid) -> Group {
        let n: u64 = counts.iter().sum();
        let p = (2031.0 <= grid.horizon && n > 0)
            .then(|| grid.count_before(counts, 2031.0) as f64 / n as f64);
        Group {
            n,
            median: grid.quantile(counts, n, 0.5),
            median_std_error: grid.quantile_std_error(counts, n, 0.5),
            p_by_2030: p,
            p_by_2030_std_error: p.map(|p| (p * (1.0 - p) / n as f64).sqrt()),
        }
    }
}

/// One row of `signposts.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct SignpostRow {
    /// (signpost year, observable) as the tally indexes them.
    pub index: (usize, usize),
    pub observable: String,
    pub year: f64,
    /// A level (split in thirds) rather than a yes/no.
    pub is_level: bool,
    /// Trajectories not arrived by the year: the ones the row describes.
    pub trajectories: u64,
    /// The tercile cuts of a level.
    pub cuts: Option<(f64, f64)>,
    /// All of them, whatever they would observe.
    pub everyone: Group,
    /// Lowest, middle, highest third (or not started, -, started).
    pub groups: [Group; 3],
    /// Mutual information between the group and the arrival year, in bits, and its
    /// standard error.
    pub information_bits: f64,
    pub information_std_error: f64,
}

/// The mutual information (bits) between the group a trajectory falls in and its arrival
/// year (whole calendar years of the coarse grid, "not by the horizon" one more), from
/// the groups' counts per cell: the plug-in estimate less the Miller-Madow bias
/// `(G - 1)(B - 1) / (2 N ln 2)` over the nonempty groups G and years B (Paninski 2003,
/// "Estimation of entropy and mutual information", Neural Computation 15), floored at 0;
/// its standard error is the delta method's `sqrt((E[l^2] - I^2) / N)`, l the pointwise
/// log-ratio (ibid., section 4).
fn information(groups: &[&[u64]], grid: &Grid) -> (f64, f64) {
    // cells to year bins
    let cells = grid.len + 1;
    let year_of = |c: usize| -> i64 {
        if c == grid.len {
            i64::MAX
        } else {
            crate::tally::grid::floor_to_i64(grid.cell_start(c))
        }
    };
    let mut bins: Vec<i64> = (0..cells).map(year_of).collect();
    bins.dedup();
    let nb = bins.len();
    let mut table = vec![vec![0u64; nb]; groups.len()];
    for (g, counts) in groups.iter().enumerate() {
        let mut b = 0;
        for (c, &k) in counts.iter().enumerate() {
            while bins[b] != year_of(c) {
                b += 1;
            }
            table[g][b] += k;
        }
    }
    let n: u64 = table.iter().flatten().sum();
    if n == 0 {
        return (0.0, 0.0);
    }
    let nf = n as f64;
    let row: Vec<f64> = table.iter().map(|r| r.iter().sum::<u64>() as f64).collect();
    let col: Vec<f64> = (0..nb)
        .map(|b| table.iter().map(|r| r[b]).sum::<u64>() as f64)
        .collect();
    let (mut i, mut i2) = (0.0, 0.0);
    for (g, r) in table.iter().enumerate() {
        for (b, &k) in r.iter().enumerate() {
            if k > 0 {
                let p = k as f64 / nf;
                let l = (k as f64 * nf / (row[g] * col[b])).log2();
                i += p * l;
                i2 += p * l * l;
            }
        }
    }
    let g_used = row.iter().filter(|&&r| r > 0.0).count();
    let b_used = col.iter().filter(|&&c| c > 0.0).count();
    let bias = (g_used.saturating_sub(1) * b_used.saturating_sub(1)) as f64
        / (2.0 * nf * std::f64::consts::LN_2);
    ((i - bias).max(0.0), ((i2 - i * i).max(0.0) / nf).sqrt())
}
