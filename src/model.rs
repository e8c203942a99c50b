//! The validated model: what a priors file means, with every name resolved to an index.
//!
//! Every uncertain quantity is an [`Input`] (a name such as `drivers.compute.rate` and a
//! [`Dist`]); drivers and bottlenecks refer to inputs by [`InputId`]. A trajectory draws
//! all inputs, in this order, into a flat buffer and then walks the model (see
//! [`crate::trajectory`]). Nothing here is an `Option<String>` or a `Result`: a `Model`
//! only exists once [`crate::priors`] has checked everything.

use crate::copula::Copula;
use crate::dist::Dist;

/// Which input of a [`Model`]: its position in `Model::inputs`, and in the buffer a
/// trajectory draws them into.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InputId(u32);

impl InputId {
    /// Stands for an input that could not be read, while the rest of a file is still
    /// being checked; never part of a [`Model`].
    pub(crate) const UNRESOLVED: InputId = InputId(u32::MAX);

    /// The input's position in `Model::inputs`.
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

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
    /// The base rate (OOM/yr) before the cap.
    pub rate: InputId,
    /// The cap: the OOMs the driver itself adds before slowing.
    pub cap: Option<InputId>,
    /// The rate after the cap (OOM/yr); `None` means 0.
    pub after_cap: Option<InputId>,
}

/// When a bottleneck starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Onset {
    /// At a decimal year (the input is the year).
    Year(InputId),
    /// Once driver `driver` has itself added `level` OOMs.
    DriverLevel { driver: usize, level: InputId },
    /// Once total effective compute reaches the input's number of OOMs.
    TotalLevel(InputId),
    /// When milestone `m` arrives.
    Milestone(usize),
}

impl Onset {
    /// The input drawn for the onset, if it has one.
    pub fn input(&self) -> Option<InputId> {
        match *self {
            Onset::Year(i) | Onset::DriverLevel { level: i, .. } | Onset::TotalLevel(i) => Some(i),
            Onset::Milestone(_) => None,
        }
    }
}

/// An event that multiplies driver rates from its onset, for a duration or for good.
#[derive(Clone, Debug)]
pub struct Bottleneck {
    pub name: String,
    /// Chance the bottleneck happens at all in a trajectory.
    pub probability: f64,
    pub onset: Onset,
    /// The duration in years; `None` = permanent.
    pub duration: Option<InputId>,
    /// (driver index, rate factor) pairs.
    pub effects: Vec<(usize, InputId)>,
}

/// A level of effective compute whose arrival the model tracks: AGI first (the
/// scenario's `threshold`), then any others.
#[derive(Clone, Debug)]
pub struct Milestone {
    pub name: String,
    /// OOMs above the reference model; with `after`, OOMs above that milestone's
    /// threshold (a negative draw counts as 0).
    pub threshold: InputId,
    /// The milestone this one counts from (declared earlier: an index below this one's).
    pub after: Option<usize>,
}

/// Where a key was written in a priors file (line and column from 1), so that a
/// problem found only when the model runs can still be pointed at.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

/// What has been observed, which every reported figure is conditioned on.
#[derive(Clone, Debug, PartialEq)]
pub struct Evidence {
    /// AGI (the first milestone) has not arrived before this decimal year.
    pub no_arrival_before: Option<f64>,
    /// Where `no_arrival_before` was written (`--as-of` has no location: line 0).
    pub no_arrival_before_at: Location,
    pub observations: Vec<Observation>,
}

/// A measurement of a level of effective compute at a year: its distribution's density
/// at a trajectory's true level is that trajectory's likelihood.
#[derive(Clone, Debug, PartialEq)]
pub struct Observation {
    pub year: f64,
    /// The driver whose own added OOMs were measured; `None` for total effective compute.
    pub of: Option<usize>,
    /// What was measured, with its uncertainty.
    pub level: Dist,
    /// The largest value of `level`'s density: likelihoods are divided by it.
    pub density_bound: f64,
    /// Where the observation was written.
    pub at: Location,
}

impl Evidence {
    /// Whether anything is observed at all.
    pub fn is_empty(&self) -> bool {
        self.no_arrival_before.is_none() && self.observations.is_empty()
    }
}

/// A change to a scenario's evidence made from the command line: `--as-of YEAR` sets
/// (or overrides) `no_arrival_before`; `--no-evidence` drops the evidence.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EvidenceChange {
    pub as_of: Option<f64>,
    pub no_evidence: bool,
}

impl EvidenceChange {
    /// Apply the change to `model`; `as_of` must lie within its years (else the message).
    pub fn apply(&self, model: &mut Model) -> Result<(), String> {
        if self.no_evidence {
            model.evidence = None;
        }
        if let Some(year) = self.as_of {
            if !(model.start..=model.horizon).contains(&year) {
                return Err(format!(
                    "--as-of {year} is outside the years of scenario `{}`: {} (start) to {} (horizon)",
                    model.name, model.start, model.horizon
                ));
            }
            model.evidence.get_or_insert_with(|| Evidence {
                no_arrival_before: None,
                no_arrival_before_at: Location::default(),
                observations: Vec::new(),
            });
            let ev = model.evidence.as_mut().expect("just set");
            ev.no_arrival_before = Some(year);
            ev.no_arrival_before_at = Location::default();
        }
        Ok(())
    }

    /// The change as a command line repeats it (` --as-of 2026.5`, ` --no-evidence`, or
    /// empty).
    pub fn args(&self) -> String {
        match (self.as_of, self.no_evidence) {
            (Some(y), _) => format!(" --as-of {y}"),
            (None, true) => " --no-evidence".into(),
            (None, false) => String::new(),
        }
    }
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
    /// The milestones; the first is AGI, whose threshold is the scenario's `threshold`.
    pub milestones: Vec<Milestone>,
    pub drivers: Vec<Driver>,
    pub bottlenecks: Vec<Bottleneck>,
    /// Rank correlations between inputs (a Gaussian copula), if any were given.
    pub copula: Option<Copula>,
    /// What has been observed; `None` (or empty) for the prior alone.
    pub evidence: Option<Evidence>,
    /// Things that are allowed but probably not meant (shown by `check` and `run`).
    pub warnings: Vec<String>,
}

/// At most this many bottlenecks (each trajectory records which fired in a `u64`).
pub const MAX_BOTTLENECKS: usize = 64;
/// At most this many drivers (a sanity limit; the walk is linear in drivers).
pub const MAX_DRIVERS: usize = 64;
/// At most this many milestones.
pub const MAX_MILESTONES: usize = 16;
/// At most this many distinct years at which levels are observed (evidence and signposts).
pub const MAX_OBSERVED_YEARS: usize = 32;
/// At most this many signpost years in a run.
pub const MAX_SIGNPOSTS: usize = 8;
/// At most this many distinct years in a scenario's evidence (the rest are the
/// signposts').
pub const MAX_EVIDENCE_YEARS: usize = MAX_OBSERVED_YEARS - MAX_SIGNPOSTS;
/// At most this many observations in a scenario's evidence.
pub const MAX_OBSERVATIONS: usize = 64;

impl Model {
    /// The AGI threshold (OOMs above the reference model): the first milestone's.
    pub fn threshold(&self) -> InputId {
        self.milestones[0].threshold
    }

    /// The evidence, when there is any.
    pub fn evidence(&self) -> Option<&Evidence> {
        self.evidence.as_ref().filter(|e| !e.is_empty())
    }

    /// The input with this dotted name.
    pub fn input_id(&self, name: &str) -> Option<InputId> {
        self.inputs
            .iter()
            .position(|i| i.name == name)
            .map(|i| InputId(i as u32))
    }

    /// Every input with its id, in model order.
    pub fn inputs(&self) -> impl Iterator<Item = (InputId, &Input)> {
        self.inputs
            .iter()
            .enumerate()
            .map(|(i, input)| (InputId(i as u32), input))
    }

    /// Inputs that actually vary (not fixed numbers).
    pub fn uncertain_inputs(&self) -> impl Iterator<Item = (InputId, &Input)> {
        self.inputs().filter(|(_, i)| !i.dist.is_fixed())
    }
}

impl std::ops::Index<InputId> for Model {
    type Output = Input;
    fn index(&self, id: InputId) -> &Input {
        &self.inputs[id.index()]
    }
}

/// Builds the input list of a model: each input added once, given the next id.
#[derive(Clone, Debug, Default)]
pub struct Inputs {
    list: Vec<Input>,
}

impl Inputs {
    /// Add an input and return its id.
    pub fn add(&mut self, name: String, dist: Dist) -> InputId {
        self.list.push(Input {
            name,
            dist,
            correlated: false,
        });
        InputId((self.list.len() - 1) as u32)
    }

    pub fn get(&self, id: InputId) -> &Input {
        &self.list[id.index()]
    }

    pub fn get_mut(&mut self, id: InputId) -> &mut Input {
        &mut self.list[id.index()]
    }

    /// Every input with its id, in the order added.
    pub fn iter(&self) -> impl Iterator<Item = (InputId, &Input)> {
        self.list
            .iter()
            .enumerate()
            .map(|(i, input)| (InputId(i as u32), input))
    }

    pub fn into_vec(self) -> Vec<Input> {
        self.list
    }
}
