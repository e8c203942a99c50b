//! agi-timelines: Monte Carlo forecasts of the year AGI arrives.
//!
//! Data flows one way: priors text -> [`priors`] (parse, validate) -> [`model::Model`] ->
//! [`engine`] (chunks of [`trajectory`] walks) -> [`tally`] (integer counts) ->
//! [`report`] and [`chart`] bytes -> [`output`] files. The layers, from the top:
//!
//! ```text
//! main -> cmd -> scenarios, priors, engine, report, chart, shard, hindcast, output
//!             -> tally, trajectory, model -> copula, dist    (and format, below all)
//! ```
//!
//! `docs/ARCHITECTURE.md` says where each concept lives; the model itself is specified
//! in the README's "The model".

// `!(a < b)` is deliberate throughout: it is true for NaN, which must be refused too.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

pub mod chart;
pub mod cmd;
pub mod copula;
pub mod dist;
pub mod engine;
pub mod format;
pub mod hindcast;
pub mod model;
pub mod output;
pub mod priors;
pub mod report;
pub mod scenarios;
pub mod shard;
pub mod tally;
pub mod trajectory;

/// Version string: crate version and git revision.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (git ",
    env!("AGI_TIMELINES_GIT_REVISION"),
    ")"
);
