//! What a run accumulates, trajectory by trajectory: integer counts on calendar-aligned
//! grids, never sample arrays, so memory is fixed by the grids and tallies merge across
//! threads and machines in any order without changing a byte.
//!
//! - [`grid`]: bin widths, the fine and coarse grids, quantiles over counts;
//! - [`histogram`]: the arrival histogram (the fine grid);
//! - [`attribution`]: arrivals by which bottlenecks fired (the coarse grid);
//! - [`sensitivity`]: arrivals by input rank buckets (the coarse grid);
//! - [`Tally`]: all of a run's tallies together, and their merge.

pub mod attribution;
pub mod evidence;
pub mod grid;
pub mod histogram;
pub mod sensitivity;
pub mod signposts;

pub use attribution::{AttributionGroup, AttributionTally};
pub use evidence::{EvidenceSpec, EvidenceTally, Verdict};
pub use grid::{BinWidth, BinWidthError, Grid};
pub use histogram::{ArrivalHistogram, BinRow};
pub use sensitivity::{SensitivityRow, SensitivitySpec, SensitivityTally};
pub use signposts::{Observer, SignpostRow, SignpostSpec, SignpostTally};

use crate::model::Model;

/// The grids and options a run's tallies are built with, fixed before the first
/// trajectory.
#[derive(Clone, Debug)]
pub struct TallySpec {
    /// The fine grid of the arrival histogram.
    pub grid: Grid,
    /// The coarse grid of sensitivity and attribution.
    pub coarse: Grid,
    /// Input rank cuts, when sensitivity is requested.
    pub sensitivity: Option<SensitivitySpec>,
    /// The evidence every tally is conditioned on, when the model has any.
    pub evidence: Option<EvidenceSpec>,
    /// Signposts, when requested.
    pub signposts: Option<SignpostSpec>,
    /// The years at which trajectories record every level (increasing): the evidence's
    /// and the signposts'.
    pub years: Vec<f64>,
}

impl TallySpec {
    /// Tallies on the fine grid `grid`, conditioned on the model's evidence; sensitivity
    /// off.
    pub fn new(model: &Model, grid: Grid) -> TallySpec {
        let mut spec = TallySpec {
            grid,
            coarse: Grid::coarse(model.start, model.horizon),
            sensitivity: None,
            evidence: EvidenceSpec::new(model),
            signposts: None,
            years: Vec::new(),
        };
        spec.index_years();
        spec
    }

    /// The years at which trajectories must record every level (increasing).
    pub fn observed_years(&self) -> &[f64] {
        &self.years
    }

    /// Record levels at each of `signposts.years` too, and count the signposts (its
    /// cuts may be set later, before the run).
    pub fn with_signposts(mut self, signposts: SignpostSpec) -> TallySpec {
        self.signposts = Some(signposts);
        self.index_years();
        self
    }

    /// Gather the years the evidence and the signposts need, and point both at them.
    fn index_years(&mut self) {
        let mut years: Vec<f64> = self.evidence.iter().flat_map(|e| e.years()).collect();
        years.extend(self.signposts.iter().flat_map(|s| s.years.iter().copied()));
        years.sort_by(f64::total_cmp);
        years.dedup();
        if let Some(e) = &mut self.evidence {
            e.index(&years);
        }
        if let Some(s) = &mut self.signposts {
            s.year_index = s
                .years
                .iter()
                .map(|y| years.partition_point(|&x| x < *y))
                .collect();
        }
        self.years = years;
    }

    /// Turn sensitivity analysis on.
    pub fn with_sensitivity(mut self, model: &Model) -> TallySpec {
        self.sensitivity = Some(SensitivitySpec::new(model));
        self
    }
}

/// Everything a run accumulates. Integer-only, so merging is order-free.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Tally {
    pub histogram: ArrivalHistogram,
    /// Arrivals by which bottlenecks fired (which also gives how often each fired:
    /// [`Tally::fired`]).
    pub attribution: AttributionTally,
    /// Arrivals by input rank buckets, when sensitivity was requested.
    pub sensitivity: Option<SensitivityTally>,
    /// With evidence: what it did, and the prior. Everything above then counts only the
    /// trajectories kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<EvidenceTally>,
    /// Arrivals by what an observer would see at the signpost years, when requested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signposts: Option<SignpostTally>,
}

impl Tally {
    pub fn new(model: &Model, spec: &TallySpec) -> Tally {
        Tally {
            histogram: ArrivalHistogram::new(spec.grid),
            attribution: AttributionTally::new(model, &spec.coarse),
            sensitivity: spec
                .sensitivity
                .as_ref()
                .map(|s| SensitivityTally::new(s, &spec.coarse)),
            evidence: spec
                .evidence
                .as_ref()
                .map(|e| EvidenceTally::new(model, e, spec.grid, &spec.coarse)),
            signposts: spec
                .signposts
                .as_ref()
                .map(|s| SignpostTally::new(s, &spec.coarse)),
        }
    }

    /// Record one trajectory: its arrival, which bottlenecks fired, and (with
    /// sensitivity) its drawn inputs.
    #[inline]
    pub fn record(&mut self, spec: &TallySpec, arrival: Option<f64>, fired: u64, inputs: &[f64]) {
        let cell = spec.coarse.cell_or_beyond(arrival);
        self.record_in(spec, arrival, cell, fired, inputs);
    }

    /// [`Tally::record`] with the arrival's coarse cell already known.
    #[inline]
    pub fn record_in(
        &mut self,
        spec: &TallySpec,
        arrival: Option<f64>,
        cell: usize,
        fired: u64,
        inputs: &[f64],
    ) {
        self.histogram.record(arrival);
        self.attribution.record(cell, fired);
        if let (Some(st), Some(ss)) = (&mut self.sensitivity, &spec.sensitivity) {
            st.record(ss, cell, inputs);
        }
    }

    pub fn merge(mut self, other: Tally) -> Tally {
        self.histogram.merge(&other.histogram);
        self.attribution.merge(&other.attribution);
        if let (Some(a), Some(b)) = (&mut self.sensitivity, &other.sensitivity) {
            a.merge(b);
        }
        if let (Some(a), Some(b)) = (&mut self.evidence, &other.evidence) {
            a.merge(b);
        }
        if let (Some(a), Some(b)) = (&mut self.signposts, &other.signposts) {
            a.merge(b);
        }
        self
    }

    /// Trajectories behind every figure: all of them, or with evidence those kept.
    pub fn trajectories(&self) -> u64 {
        self.histogram.total()
    }

    /// Trajectories drawn (with evidence, kept or not).
    pub fn drawn(&self) -> u64 {
        self.evidence
            .as_ref()
            .map_or_else(|| self.histogram.total(), |e| e.drawn)
    }

    /// Trajectories in which each bottleneck fired, read off the attribution counts.
    pub fn fired(&self) -> Vec<u64> {
        self.attribution.fired()
    }
}
