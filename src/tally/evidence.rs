//! Conditioning on evidence, exactly, by rejection: every trajectory is drawn from the
//! prior as usual; its likelihood `L` is the product, over observations, of the measured
//! level's density at the trajectory's true level, times 0 if AGI arrived before
//! `no_arrival_before`. The trajectory is kept when `u < L / L_max`, with `u` uniform
//! on [0, 1) from a stream of its own (so the kept trajectories are exactly a subset of
//! the prior's, trajectory for trajectory) and `L_max` the product of the densities'
//! maxima. Kept trajectories are then independent draws from the posterior, every tally
//! stays an integer count, and every Monte Carlo error formula holds with `n` the number
//! kept (von Neumann's rejection method; e.g. Robert and Casella 2004, "Monte Carlo
//! Statistical Methods", section 2.3).

use super::attribution::AttributionTally;
use super::grid::{Grid, round_to_u64};
use super::histogram::ArrivalHistogram;
use crate::dist::Dist;
use crate::model::Model;

/// Fixed-point scale of the likelihood-ratio sums (2^32 units per 1).
const RATIO_SCALE: f64 = (1u64 << 32) as f64;

/// The evidence as a run applies it, fixed before the first trajectory.
#[derive(Clone, Debug)]
pub struct EvidenceSpec {
    /// AGI must not arrive before this year (`-infinity`: no such condition).
    pub no_arrival_before: f64,
    pub observations: Vec<Measured>,
}

/// One observation as a run applies it.
#[derive(Clone, Debug)]
pub struct Measured {
    pub year: f64,
    /// The position of `year` among the years the trajectory records levels at.
    pub j: usize,
    /// Which level: a driver's index, or the number of drivers for total E.
    pub column: usize,
    /// The measurement, and its density's maximum.
    pub level: Dist,
    pub bound: f64,
}

/// What the evidence says of one trajectory.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Verdict {
    /// AGI had not arrived before `no_arrival_before`.
    pub not_arrived: bool,
    /// The likelihood relative to its maximum, in [0, 1] (0 when `not_arrived` is false).
    pub ratio: f64,
}

impl EvidenceSpec {
    /// The evidence of `model`, or `None` when it has none. Its observations' `j` are
    /// set by [`EvidenceSpec::index`].
    pub fn new(model: &Model) -> Option<EvidenceSpec> {
        let ev = model.evidence()?;
        let nd = model.drivers.len();
        let observations = ev
            .observations
            .iter()
            .map(|o| Measured {
                year: o.year,
                j: 0,
                column: o.of.unwrap_or(nd),
                level: o.level.clone(),
                bound: o.density_bound,
            })
            .collect();
        Some(EvidenceSpec {
            no_arrival_before: ev.no_arrival_before.unwrap_or(f64::NEG_INFINITY),
            observations,
        })
    }

    /// The years the observations need recorded.
    pub fn years(&self) -> impl Iterator<Item = f64> + '_ {
        self.observations.iter().map(|o| o.year)
    }

    /// Point each observation at its year among `years` (increasing, holding them all).
    pub fn index(&mut self, years: &[f64]) {
        for o in &mut self.observations {
            o.j = years.partition_point(|&y| y < o.year);
        }
    }

    /// Judge a trajectory that arrived at `arrival`, with `levels(j)` the levels it
    /// recorded at the `j`-th observed year. Each observation's ratio goes to `each`.
    #[inline]
    pub fn judge<'a>(
        &self,
        arrival: Option<f64>,
        levels: impl Fn(usize) -> &'a [f64],
        each: &mut [f64],
    ) -> Verdict {
        let not_arrived = arrival.is_none_or(|a| a >= self.no_arrival_before);
        let mut ratio = if not_arrived { 1.0 } else { 0.0 };
        for (o, r) in self.observations.iter().zip(each.iter_mut()) {
            *r = (o.level.density(levels(o.j)[o.column]) / o.bound).min(1.0);
            ratio *= *r;
        }
        Verdict { not_arrived, ratio }
    }
}

/// What the evidence did to a run: how many trajectories were drawn, how many passed
/// each test, and the prior (every trajectory drawn, kept or not). Integer-only.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EvidenceTally {
    /// Trajectories drawn.
    pub drawn: u64,
    /// Trajectories in which AGI had not arrived before `no_arrival_before`.
    pub not_arrived: u64,
    /// Per observation: the sum of its likelihood ratios, and of their squares, in units
    /// of 2^-32 (so the mean ratio, each observation's own acceptance, has an error).
    pub ratio_sum: Vec<u128>,
    pub ratio_sq_sum: Vec<u128>,
    /// Every trajectory drawn: arrivals, and which bottlenecks fired.
    pub prior: ArrivalHistogram,
    pub prior_attribution: AttributionTally,
}

impl EvidenceTally {
    pub fn new(model: &Model, spec: &EvidenceSpec, grid: Grid, coarse: &Grid) -> Self {
        let k = spec.observations.len();
        EvidenceTally {
            drawn: 0,
            not_arrived: 0,
            ratio_sum: vec![0; k],
            ratio_sq_sum: vec![0; k],
            prior: ArrivalHistogram::new(grid),
            prior_attribution: AttributionTally::new(model, coarse),
        }
    }

    /// Record a drawn trajectory, kept or not (its coarse cell is `cell`).
    #[inline]
    pub fn record(
        &mut self,
        arrival: Option<f64>,
        cell: usize,
        fired: u64,
        v: Verdict,
        each: &[f64],
    ) {
        self.drawn += 1;
        self.not_arrived += u64::from(v.not_arrived);
        for ((s, q), &r) in self
            .ratio_sum
            .iter_mut()
            .zip(&mut self.ratio_sq_sum)
            .zip(each)
        {
            let f = round_to_u64(r * RATIO_SCALE) as u128;
            *s += f;
            *q += f * f;
        }
        self.prior.record(arrival);
        self.prior_attribution.record(cell, fired);
    }

    pub fn merge(&mut self, o: &EvidenceTally) {
        self.drawn += o.drawn;
        self.not_arrived += o.not_arrived;
        for (a, b) in self.ratio_sum.iter_mut().zip(&o.ratio_sum) {
            *a += b;
        }
        for (a, b) in self.ratio_sq_sum.iter_mut().zip(&o.ratio_sq_sum) {
            *a += b;
        }
        self.prior.merge(&o.prior);
        self.prior_attribution.merge(&o.prior_attribution);
    }

    /// Whether this can be the evidence tally of `n` trajectories drawn of which `kept`
    /// were kept (the run's other tallies): the prior's tallies hold all `n`, each kept
    /// trajectory is one drawn and one that had not arrived, and each ratio is at most 1.
    pub fn verify(
        &self,
        empty: &EvidenceTally,
        tally: &super::TallySpec,
        n: u64,
        kept: u64,
    ) -> Result<(), String> {
        if self.ratio_sum.len() != empty.ratio_sum.len()
            || self.ratio_sq_sum.len() != empty.ratio_sq_sum.len()
        {
            return Err("its evidence tally does not fit its own priors".into());
        }
        if self.drawn != n || self.not_arrived > n || kept > self.not_arrived {
            return Err(format!(
                "its evidence counts ({} drawn, {} not arrived, {kept} kept) do not fit its {n} trajectories",
                self.drawn, self.not_arrived
            ));
        }
        self.prior.verify(&tally.grid, n)?;
        self.prior_attribution.verify(&empty.prior_attribution, n)?;
        let scale = RATIO_SCALE as u128;
        for (&sum, &sq) in self.ratio_sum.iter().zip(&self.ratio_sq_sum) {
            // each ratio f in [0, scale]: f^2 <= scale f, and (sum f)^2 <= n sum f^2
            if sum > scale * n as u128
                || sq > scale.saturating_mul(sum)
                || sum
                    .checked_mul(sum)
                    .is_none_or(|q| q > (n as u128).saturating_mul(sq))
            {
                return Err("its likelihood-ratio sums are inconsistent".into());
            }
        }
        Ok(())
    }

    /// Whether the kept trajectories' histogram `kept` is a subset of the prior's, cell
    /// by cell.
    pub fn contains(&self, kept: &ArrivalHistogram) -> bool {
        kept.counts.len() == self.prior.counts.len()
            && kept.not_by_horizon <= self.prior.not_by_horizon
            && kept
                .counts
                .iter()
                .zip(&self.prior.counts)
                .all(|(k, p)| k <= p)
    }

    /// Observation `k`'s mean likelihood ratio over the trajectories drawn (the share it
    /// alone would keep), and its standard error.
    pub fn mean_ratio(&self, k: usize) -> (f64, f64) {
        let n = self.drawn.max(1) as f64;
        let mean = self.ratio_sum[k] as f64 / RATIO_SCALE / n;
        let sq = self.ratio_sq_sum[k] as f64 / (RATIO_SCALE * RATIO_SCALE) / n;
        let var = (sq - mean * mean).max(0.0) * n / (n - 1.0).max(1.0);
        (mean, (var / n).sqrt())
    }
}
