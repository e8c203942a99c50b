//! The validated model: what a priors file means, with every name resolved to an index.
//!
//! Every uncertain quantity is an [`Input`] (a name such as `drivers.compute.rate` and a
//! [`Dist`]); drivers and bottlenecks refer to inputs by index. A trajectory draws all
//! inputs, in this order, into a flat buffer and then walks the model (see
//! [`crate::trajectory`]). Nothing here is an `Option<String>` or a `Result`: a `Model`
//! only exists once [`crate::priors`] has checked everything.

use crate::copula::Copula;
use crate::dist::Dist;

/// One uncertain input of the model.
#[derive(Clone, Debug)]
pub struct Input {
    /// Dotted path in the priors file, e.g. `drivers.compute.rate`.
    pub name: String,
    pub dist: Dist,
    /// Drawn jointly through the model's copula rather than on its own.
    pub correlated: bool,
}

/// A growth driver: adds OOMs of effective compute at its rate (OOM/yr).
#[derive(Clone, Debug)]
pub struct Driver {
    pub name: String,
    /// Input index of the base rate (OOM/yr) before the cap.
    pub rate: usize,
    /// Input index of the cap: the OOMs the driver itself adds before slowing.
    pub cap: Option<usize>,
    /// Input index of the rate after the cap (OOM/yr); `None` means 0.
    pub after_cap: Option<usize>,
}

/// When a bottleneck starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnsetKind {
    /// At a decimal year (the input is the year).
    Year,
    /// Once driver `d` has itself added the input's number of OOMs.
    DriverLevel(usize),
    /// Once total effective compute reaches the input's number of OOMs.
    TotalLevel,
}

/// An event that multiplies driver rates from its onset, for a duration or for good.
#[derive(Clone, Debug)]
pub struct Bottleneck {
    pub name: String,
    /// Chance the bottleneck happens at all in a trajectory.
    pub probability: f64,
    pub onset_kind: OnsetKind,
    /// Input index of the onset (a year or a level of OOMs).
    pub onset: usize,
    /// Input index of the duration in years; `None` = permanent.
    pub duration: Option<usize>,
    /// (driver index, input index of the rate factor) pairs.
    pub effects: Vec<(usize, usize)>,
}

/// A scenario, validated and ready to simulate.
#[derive(Clone, Debug)]
pub struct Model {
    pub name: String,
    pub description: String,
    /// Decimal year at which effective compute is 0 (the reference model).
    pub start: f64,
    /// Arrivals after this year are reported as "not by horizon".
    pub horizon: f64,
    pub inputs: Vec<Input>,
    /// Input index of the AGI threshold (OOMs above the reference model).
    pub threshold: usize,
    pub drivers: Vec<Driver>,
    pub bottlenecks: Vec<Bottleneck>,
    /// Rank correlations between inputs (a Gaussian copula), if any were given.
    pub copula: Option<Copula>,
    /// Things that are allowed but probably not meant (shown by `check` and `run`).
    pub warnings: Vec<String>,
}

/// At most this many bottlenecks (each trajectory records which fired in a `u64`).
pub const MAX_BOTTLENECKS: usize = 64;
/// At most this many drivers (a sanity limit; the walk is linear in drivers).
pub const MAX_DRIVERS: usize = 64;

impl Model {
    /// Index of the input with this dotted name.
    pub fn input_index(&self, name: &str) -> Option<usize> {
        self.inputs.iter().position(|i| i.name == name)
    }

    /// Inputs that actually vary (not fixed numbers).
    pub fn uncertain_inputs(&self) -> impl Iterator<Item = (usize, &Input)> {
        self.inputs
            .iter()
            .enumerate()
            .filter(|(_, i)| !i.dist.is_fixed())
    }
}
