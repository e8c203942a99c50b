//! agi-timelines: Monte Carlo forecasts of the year AGI arrives.
//!
//! Data flows one way: priors text -> [`priors`] (parse, validate) -> [`model::Model`] ->
//! [`engine`] (chunks of [`trajectory`] walks) -> [`histogram`] -> [`report`] bytes ->
//! [`output`] files. The model itself is specified in `MODEL.md` and the README.

// `!(a < b)` is deliberate throughout: it is true for NaN, which must be refused too.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

pub mod analysis;
pub mod chart;
pub mod cli;
pub mod cmd;
pub mod copula;
pub mod dist;
pub mod engine;
pub mod hindcast;
pub mod histogram;
pub mod model;
pub mod output;
pub mod priors;
pub mod report;
pub mod scenarios;
pub mod trajectory;
