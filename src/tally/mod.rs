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

/// Most memory one [`Tally`] may take (each worker thread keeps one). Without
/// sensitivity, evidence or signposts no run comes near it (the span and bin limits keep a tally under 25 MiB);
/// with sensitivity it bounds inputs times span.
pub const MAX_TALLY_BYTES: u64 = 32 << 20;

/// A run whose tallies would take more memory than this program allows.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TallyTooLarge(pub String);

/// The memory of one [`Tally`] of `model` with the fine grid `grid` (and with
/// sensitivity), in bytes, and the check that it stays under [`MAX_TALLY_BYTES`]:
/// computed from the model before anything is allocated.
#[derive(Clone, Copy, Debug)]
pub struct TallySize {
    /// Cells of the fine grid (the arrival histogram).
    pub fine_cells: u64,
    /// Cells of the coarse grid, plus the "not by horizon" cell.
    pub coarse_cells: u64,
    /// Arrival histograms kept by attribution (combinations, or fired/not per bottleneck).
    pub attribution_groups: u64,
    /// Uncertain inputs tallied by sensitivity (0 without it).
    pub sensitivity_inputs: u64,
    /// Years from start to horizon.
    pub span_years: f64,
    /// Whether the run has evidence (the prior's histogram and attribution beside).
    pub evidence: bool,
    /// Signpost counters per coarse cell (years x (observables x 3 groups + 1)).
    pub signpost_series: u64,
    /// Observables per signpost year (for the message).
    observables: u64,
}

impl TallySize {
    pub fn new(model: &Model, grid: &Grid, sensitivity: bool) -> TallySize {
        let b = model.bottlenecks.len();
        TallySize {
            fine_cells: grid.len as u64,
            coarse_cells: Grid::coarse(model.start, model.horizon).len as u64 + 1,
            attribution_groups: if b <= attribution::MAX_COMBO_BOTTLENECKS {
                1 << b
            } else {
                2 * b as u64
            },
            sensitivity_inputs: if sensitivity {
                model.uncertain_inputs().count() as u64
            } else {
                0
            },
            span_years: model.horizon - model.start,
            evidence: model.evidence().is_some(),
            signpost_series: 0,
            observables: (model.drivers.len() + 1 + b) as u64,
        }
    }

    /// With signposts at `years` years.
    pub fn with_signposts(mut self, years: usize) -> TallySize {
        self.signpost_series = years as u64 * (self.observables * 3 + 1);
        self
    }

    /// The most trajectories the tallies count without an integer overflowing: the
    /// histogram's sum of squared fixed-point arrivals (u128) and, with sensitivity,
    /// the sum of squared rank buckets of each input (u64, up to 255^2 a trajectory).
    pub fn max_trajectories(&self) -> u64 {
        let v = histogram::max_fixed(self.span_years) as u128 + 1;
        let by_squares = u128::MAX / (v * v);
        let mut max = u64::try_from(by_squares).unwrap_or(u64::MAX);
        if self.sensitivity_inputs > 0 {
            let b = (sensitivity::BUCKETS - 1) as u64;
            max = max.min(u64::MAX / (b * b));
        }
        max
    }

    /// An error when a run of `trajectories` would overflow a tally's sums.
    pub fn check_trajectories(&self, trajectories: u64) -> Result<(), TallyTooLarge> {
        let max = self.max_trajectories();
        if trajectories <= max {
            return Ok(());
        }
        Err(TallyTooLarge(format!(
            "{} trajectories is more than this run's tallies can count without overflowing ({}{}): use fewer",
            crate::format::fmt_count(trajectories),
            crate::format::fmt_count(max),
            if self.sensitivity_inputs > 0 {
                ", as --sensitivity sums squared ranks"
            } else {
                ""
            }
        )))
    }

    fn histogram_bytes(&self) -> u64 {
        8 * self.fine_cells
    }

    fn attribution_bytes(&self) -> u64 {
        8 * self.attribution_groups * self.coarse_cells
    }

    /// With evidence, the prior's histogram and attribution.
    fn evidence_bytes(&self) -> u64 {
        if self.evidence {
            self.histogram_bytes() + self.attribution_bytes()
        } else {
            0
        }
    }

    fn signpost_bytes(&self) -> u64 {
        8 * self.signpost_series * self.coarse_cells
    }

    /// Per-cell counters, per-input moments and the rank cuts (shared, counted once
    /// per tally to stay on the safe side).
    fn sensitivity_bytes(&self) -> u64 {
        if self.sensitivity_inputs == 0 {
            return 0;
        }
        let k = self.sensitivity_inputs;
        8 * self.coarse_cells
            + 24 * k * self.coarse_cells
            + 16 * k
            + 8 * sensitivity::BUCKETS as u64 * k
    }

    pub fn bytes(&self) -> u64 {
        self.histogram_bytes()
            + self.attribution_bytes()
            + self.sensitivity_bytes()
            + self.evidence_bytes()
            + self.signpost_bytes()
    }

    /// An error naming what takes the memory when one tally would exceed
    /// [`MAX_TALLY_BYTES`].
    pub fn check(&self) -> Result<(), TallyTooLarge> {
        if self.bytes() <= MAX_TALLY_BYTES {
            return Ok(());
        }
        let mb = |b: u64| b.div_ceil(1 << 20);
        let cells = crate::format::fmt_count(self.coarse_cells);
        let mut parts = vec![format!(
            "histogram {} MiB ({} cells)",
            mb(self.histogram_bytes()),
            crate::format::fmt_count(self.fine_cells)
        )];
        parts.push(format!(
            "attribution {} MiB ({} groups x {cells} cells of 1/20 year)",
            mb(self.attribution_bytes()),
            self.attribution_groups
        ));
        if self.sensitivity_inputs > 0 {
            parts.push(format!(
                "sensitivity {} MiB ({} uncertain inputs x {cells} cells of 1/20 year x 3 counters)",
                mb(self.sensitivity_bytes()),
                crate::format::fmt_count(self.sensitivity_inputs)
            ));
        }
        if self.evidence {
            parts.push(format!(
                "the prior beside the evidence {} MiB",
                mb(self.evidence_bytes())
            ));
        }
        if self.signpost_series > 0 {
            parts.push(format!(
                "signposts {} MiB ({} years x {} observables x 3 groups x {cells} cells of 1/20 year)",
                mb(self.signpost_bytes()),
                self.signpost_series / (self.observables * 3 + 1),
                self.observables
            ));
        }
        Err(TallyTooLarge(format!(
            "this run's tallies would take {} MiB per thread ({}); the limit is {} MiB: {}",
            mb(self.bytes()),
            parts.join(", "),
            MAX_TALLY_BYTES >> 20,
            if self.signpost_series > 0 {
                "use fewer --signposts years, a nearer horizon, or fewer drivers and bottlenecks"
            } else if self.sensitivity_inputs > 0 {
                "use a nearer horizon, or run --sensitivity on fewer uncertain inputs"
            } else {
                "use a nearer horizon, wider bins or fewer bottlenecks"
            }
        )))
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

    /// Whether a tally read from a file can be one of `n` trajectories of a run with
    /// `spec` (whose empty tally is `empty`): every invariant the parts can check, and
    /// across parts the arrivals and non-arrivals agree between the histogram and
    /// attribution. An error names the invariant that fails.
    ///
    /// With evidence, `n` counts the trajectories drawn: the prior's tallies hold them
    /// all, and every other tally the ones kept.
    pub fn verify(&self, empty: &Tally, spec: &TallySpec, n: u64) -> Result<(), String> {
        let kept = match (&self.evidence, &empty.evidence) {
            (None, None) => n,
            (Some(e), Some(ee)) => {
                let kept = self
                    .histogram
                    .counts
                    .iter()
                    .try_fold(self.histogram.not_by_horizon, |a, &c| a.checked_add(c))
                    .ok_or("its histogram counts overflow")?;
                e.verify(ee, spec, n, kept)?;
                if !e.contains(&self.histogram) {
                    return Err("it keeps trajectories its prior does not hold".into());
                }
                kept
            }
            _ => {
                return Err(
                    "it has evidence counts where its run had none, or none where it had".into(),
                );
            }
        };
        self.histogram.verify(&spec.grid, kept)?;
        self.attribution.verify(&empty.attribution, kept)?;
        let all = self.attribution.all();
        let (arrived, beyond) = all.split_at(all.len() - 1);
        if beyond[0] != self.histogram.not_by_horizon
            || arrived.iter().sum::<u64>() != self.histogram.arrived()
        {
            return Err("its histogram and attribution disagree on how many arrived".into());
        }
        match (&self.sensitivity, &empty.sensitivity) {
            (None, None) => {}
            (Some(s), Some(e)) => s.verify(e, &all)?,
            _ => {
                return Err(
                    "it has sensitivity counts where its run had none, or none where it had".into(),
                );
            }
        }
        match (&self.signposts, &empty.signposts, &spec.signposts) {
            (None, None, _) => Ok(()),
            (Some(s), Some(e), Some(ss)) => s.verify(e, ss, &spec.coarse, &all),
            _ => Err("it has signpost counts where its run had none, or none where it had".into()),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The bytes a tally is checked for are the bytes it allocates, with and without
    /// sensitivity, evidence and signposts, in both attribution layouts.
    #[test]
    fn the_size_checked_is_the_size_allocated() {
        let mut seven = String::from("threshold = \"3 to 9\"\n[drivers.c]\nrate = \"0.3 to 1\"\n");
        for i in 0..7 {
            seven.push_str(&format!(
                "[bottlenecks.b{i}]\nprobability = 0.5\nonset = {{ year = \"2025 to 2040\" }}\neffect = {{ c = 0.5 }}\n"
            ));
        }
        let models = [
            crate::scenarios::SHIPPED[0].model().unwrap(),
            crate::priors::parse_model("seven.toml", &seven).unwrap(),
        ];
        for model in &models {
            for (bin, sensitivity, signposts) in [
                (BinWidth::Years(1), false, 0),
                (BinWidth::Fraction(365), true, 3),
            ] {
                let grid = Grid::new(model.start, model.horizon, bin).unwrap();
                let mut spec = TallySpec::new(model, grid);
                if sensitivity {
                    spec = spec.with_sensitivity(model);
                }
                if signposts > 0 {
                    let observables = signposts::SignpostSpec::observables(model);
                    let k = observables.len();
                    spec = spec.with_signposts(signposts::SignpostSpec {
                        years: (0..signposts).map(|i| 2025.0 + i as f64).collect(),
                        year_index: Vec::new(),
                        observables,
                        cuts: vec![None; signposts * k],
                    });
                }
                let t = Tally::new(model, &spec);
                let mut allocated = 8
                    * (t.histogram.counts.len()
                        + t.attribution.combos.len()
                        + t.attribution.each.len()) as u64;
                if let (Some(st), Some(ss)) = (&t.sensitivity, &spec.sensitivity) {
                    allocated += 8 * st.counts.len() as u64
                        + 24 * st.per_cell.len() as u64
                        + 16 * st.moments.len() as u64
                        + 8 * (sensitivity::BUCKETS * ss.cuts.len()) as u64;
                }
                if let Some(e) = &t.evidence {
                    allocated += 8
                        * (e.prior.counts.len()
                            + e.prior_attribution.combos.len()
                            + e.prior_attribution.each.len()) as u64;
                }
                if let Some(sp) = &t.signposts {
                    allocated += 8 * (sp.counts.len() + sp.all.len()) as u64;
                }
                assert_eq!(
                    TallySize::new(model, &grid, sensitivity)
                        .with_signposts(signposts)
                        .bytes(),
                    allocated,
                    "{} {bin} {sensitivity}",
                    model.name
                );
            }
        }
    }

    /// Without sensitivity, the largest model over the longest span with the most bins
    /// fits: 64 bottlenecks (128 attribution groups), 1,000 years, daily bins.
    #[test]
    fn without_sensitivity_the_largest_run_fits() {
        let mut text =
            String::from("start = 2000\nhorizon = 3000\nthreshold = 9\n[drivers.c]\nrate = 1\n");
        for i in 0..64 {
            text.push_str(&format!(
                "[bottlenecks.b{i}]\nonset = {{ year = 2050 }}\neffect = {{ c = 0.5 }}\n"
            ));
        }
        let model = crate::priors::parse_model("t.toml", &text).unwrap();
        let grid = Grid::new(model.start, model.horizon, BinWidth::Fraction(365)).unwrap();
        let size = TallySize::new(&model, &grid, false);
        assert_eq!(size.attribution_groups, 128);
        assert!(size.bytes() < 25 << 20, "{}", size.bytes());
        assert!(size.check().is_ok());
    }

    /// Sensitivity over 400 inputs and 1,000 years is refused with the parts named; the
    /// same model without sensitivity fits.
    #[test]
    fn too_large_a_tally_is_refused_naming_its_parts() {
        let mut text = String::from("start = 2000\nhorizon = 3000\nthreshold = \"3 to 9\"\n");
        for i in 0..60 {
            text.push_str(&format!(
                "[drivers.d{i}]\nrate = \"0.1 to 1\"\ncap = \"1 to 3\"\nafter_cap = \"0.01 to 0.1\"\n"
            ));
        }
        for i in 0..60 {
            text.push_str(&format!(
                "[bottlenecks.b{i}]\nonset = {{ year = \"2010 to 2040\" }}\nduration = \"1 to 5\"\neffect = {{ d0 = \"0.1 to 0.9\", d1 = \"0.1 to 0.9\" }}\n"
            ));
        }
        let model = crate::priors::parse_model("t.toml", &text).unwrap();
        let grid = Grid::new(model.start, model.horizon, BinWidth::Years(1)).unwrap();
        assert!(TallySize::new(&model, &grid, false).check().is_ok());
        let e = TallySize::new(&model, &grid, true).check().unwrap_err();
        assert!(
            e.0.starts_with("this run's tallies would take ") && e.0.contains(
                "sensitivity 194 MiB (421 uncertain inputs x 20,001 cells of 1/20 year x 3 counters)"
            ) && e.0.ends_with("the limit is 32 MiB: use a nearer horizon, or run --sensitivity on fewer uncertain inputs"),
            "{e}"
        );
    }
}
