//! The integration tests, as one test binary with one harness ([`harness`]), grouped by
//! command and by concern:
//!
//! | module | what it holds to account |
//! |---|---|
//! | `run`, `compare`, `merge`, `check`, `hindcast` | each command through the real binary (and the library where cheaper) |
//! | `slurm` | the Slurm script on a real single-node cluster, which it installs and starts |
//! | `analytic` | the model against cases solved by hand |
//! | `dist` | every sampler against its CDF (Kolmogorov-Smirnov), and pinned draws |
//! | `correlations` | rank correlations and their marginals |
//! | `analysis` | sensitivity and attribution |
//! | `determinism` | the same bytes for any thread count, pinned outputs |
//! | `snapshots` | every exporter's bytes for small fixed runs |
//! | `extreme_inputs`, `prop_scenarios` | reports stay well-formed whatever the inputs |
//! | `committed_results` | `results/reference/` is what the code produces |

mod analysis;
mod analytic;
mod check;
mod committed_results;
mod compare;
mod correlations;
mod determinism;
mod dist;
mod evidence;
mod extreme_inputs;
mod harness;
mod hindcast;
mod merge;
mod prop_scenarios;
mod run;
mod signposts;
mod slurm;
mod snapshots;
