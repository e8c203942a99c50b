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
pub mod grid;
pub mod histogram;
pub mod sensitivity;

pub use attribution::{AttributionGroup, AttributionTally};
pub use grid::{BinWidth, BinWidthError, Grid};
pub use histogram::{ArrivalHistogram, BinRow};
pub use sensitivity::{SensitivityRow, SensitivitySpec, SensitivityTally};

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
}

impl TallySpec {
    /// Tallies on the fine grid `grid`; sensitivity off.
    pub fn new(model: &Model, grid: Grid) -> TallySpec {
        TallySpec {
            grid,
            coarse: Grid::coarse(model.start, model.horizon),
            sensitivity: None,
        }
    }

    /// Turn sensitivity analysis on.
    pub fn with_sensitivity(mut self, model: &Model) -> TallySpec {
        self.sensitivity = Some(SensitivitySpec::new(model));
        self
    }
}

/// Most memory one [`Tally`] may take (each worker thread keeps one). Without
/// sensitivity no run comes near it (the span and bin limits keep a tally under 25 MiB);
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
        }
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
        self.histogram_bytes() + self.attribution_bytes() + self.sensitivity_bytes()
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
        Err(TallyTooLarge(format!(
            "this run's tallies would take {} MiB per thread ({}); the limit is {} MiB: {}",
            mb(self.bytes()),
            parts.join(", "),
            MAX_TALLY_BYTES >> 20,
            if self.sensitivity_inputs > 0 {
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
        }
    }

    /// Record one trajectory: its arrival, which bottlenecks fired, and (with
    /// sensitivity) its drawn inputs.
    #[inline]
    pub fn record(&mut self, spec: &TallySpec, arrival: Option<f64>, fired: u64, inputs: &[f64]) {
        self.histogram.record(arrival);
        let cell = spec.coarse.cell_or_beyond(arrival);
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
        self
    }

    /// Whether a tally read from a file can be one of `n` trajectories of a run with
    /// `spec` (whose empty tally is `empty`): every invariant the parts can check, and
    /// across parts the arrivals and non-arrivals agree between the histogram and
    /// attribution. An error names the invariant that fails.
    pub fn verify(&self, empty: &Tally, spec: &TallySpec, n: u64) -> Result<(), String> {
        self.histogram.verify(&spec.grid, n)?;
        self.attribution.verify(&empty.attribution, n)?;
        let all = self.attribution.all();
        let (arrived, beyond) = all.split_at(all.len() - 1);
        if beyond[0] != self.histogram.not_by_horizon
            || arrived.iter().sum::<u64>() != self.histogram.arrived()
        {
            return Err("its histogram and attribution disagree on how many arrived".into());
        }
        match (&self.sensitivity, &empty.sensitivity) {
            (None, None) => Ok(()),
            (Some(s), Some(e)) => s.verify(e, &all),
            _ => {
                Err("it has sensitivity counts where its run had none, or none where it had".into())
            }
        }
    }

    pub fn trajectories(&self) -> u64 {
        self.histogram.total()
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
    /// sensitivity, in both attribution layouts.
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
            for (bin, sensitivity) in [(BinWidth::Years(1), false), (BinWidth::Fraction(365), true)]
            {
                let grid = Grid::new(model.start, model.horizon, bin).unwrap();
                let mut spec = TallySpec::new(model, grid);
                if sensitivity {
                    spec = spec.with_sensitivity(model);
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
                assert_eq!(
                    TallySize::new(model, &grid, sensitivity).bytes(),
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
