//! `agi-timelines hindcast [SCENARIO]`: check a scenario's rates against GPT-2 -> GPT-4.

use crate::hindcast::{GPT2, GPT4, hindcast, quantile, share_within};
use crate::priors::MAX_SPAN_YEARS;
use crate::scenarios::load;

/// Most sample values a hindcast keeps (8 bytes each): 10M samples of three drivers
/// and their sum.
const MAX_KEPT_SAMPLES: u64 = 40_000_000;

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  agi-timelines hindcast\n  agi-timelines hindcast epoch-trends --band 4.5 6\n  \
    agi-timelines hindcast my-priors.toml --from 2019.12 --to 2023.2 --base compute,algorithms"
)]
pub struct Args {
    /// A priors file or shipped scenario name (default: the built-in default).
    pub scenario: Option<std::ffi::OsString>,
    /// Start year (the default is GPT-2's release); --from and --to are at most 1000
    /// years apart.
    #[arg(long, default_value_t = GPT2)]
    pub from: f64,
    /// End year (the default is GPT-4's release).
    #[arg(long, default_value_t = GPT4)]
    pub to: f64,
    /// The band of base OOMs the past saw (the default is the essay's).
    #[arg(long, num_args = 2, value_names = ["LO", "HI"], default_values_t = [4.5, 6.0])]
    pub band: Vec<f64>,
    /// Drivers summed as "base" effective compute, comma-separated.
    #[arg(long, default_value = "compute,algorithms", value_delimiter = ',')]
    pub base: Vec<String>,
    /// Samples to draw (like `run -n`: 200000, 2e5, 200k). The hindcast keeps every
    /// sample to take exact quantiles: at most 40M values in all, so 10M samples of
    /// three drivers, proportionally fewer of more.
    #[arg(short = 'n', long, default_value = "200k", value_parser = super::flags::parse_count)]
    pub samples: u64,
    /// Random seed (the same seed gives the same figures).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let l = load(args.scenario.as_deref())?;
    for (flag, year) in [("--from", args.from), ("--to", args.to)] {
        if !(year.abs() <= 1e6) {
            return Err(super::BadInput(format!(
                "{flag} {}: use a year between -1000000 and 1000000",
                if year.abs() < 1e7 {
                    year.to_string()
                } else {
                    format!("{year:e}")
                }
            ))
            .into());
        }
    }
    if !(args.to > args.from) {
        return Err(super::BadInput(format!(
            "--to ({}) must be after --from ({})",
            args.to, args.from
        ))
        .into());
    }
    if args.to - args.from > MAX_SPAN_YEARS {
        return Err(super::BadInput(format!(
            "--from {} --to {} is {} years; a hindcast spans at most {MAX_SPAN_YEARS} years, as a run does",
            args.from,
            args.to,
            args.to - args.from
        ))
        .into());
    }
    // Every sample of every driver and of the base sum is kept (sorted, for exact
    // quantiles): 10M samples of three drivers, and proportionally fewer of more.
    let kept = args
        .samples
        .saturating_mul(l.model.drivers.len() as u64 + 1);
    if kept > MAX_KEPT_SAMPLES {
        let most = MAX_KEPT_SAMPLES / (l.model.drivers.len() as u64 + 1);
        return Err(super::BadInput(format!(
            "-n {}: the hindcast keeps every sample of each of the {} drivers and their sum, {} values; at most {} are kept ({} MB): use -n {} or fewer",
            args.samples,
            l.model.drivers.len(),
            crate::format::fmt_count(kept),
            crate::format::fmt_count(MAX_KEPT_SAMPLES),
            MAX_KEPT_SAMPLES * 8 / 1_000_000,
            crate::format::fmt_count(most)
        ))
        .into());
    }
    for b in &args.base {
        if !l.model.drivers.iter().any(|d| &d.name == b) {
            return Err(super::BadInput(format!(
                "--base: `{b}` is not a driver of `{}`",
                l.model.name
            ))
            .into());
        }
    }
    let (lo, hi) = (args.band[0], args.band[1]);
    if !(lo.is_finite() && hi.is_finite() && lo < hi) {
        return Err(super::BadInput(format!(
            "--band needs two finite numbers LO < HI, got {lo} {hi}"
        ))
        .into());
    }
    let h = hindcast(
        &l.model,
        args.from,
        args.to,
        args.samples as usize,
        args.seed,
        &args.base,
    );
    let label = format!("base ({})", h.base_drivers.join(" + "));
    let w = h
        .drivers
        .iter()
        .map(|(n, _)| n.len())
        .max()
        .unwrap_or(6)
        .max(label.len());
    let mut s = format!(
        "Hindcast of `{}`: OOMs added from {} to {} ({:.2} years), rates from the priors, no bottleneck\n\n  {:<w$} {:>6} {:>6} {:>6}\n",
        l.model.name, args.from, args.to, h.years, "driver", "p5", "p50", "p95"
    );
    for (name, v) in &h.drivers {
        s.push_str(&format!(
            "  {name:<w$} {:>6} {:>6} {:>6}\n",
            ooms(quantile(v, 0.05)),
            ooms(quantile(v, 0.5)),
            ooms(quantile(v, 0.95))
        ));
    }
    s.push_str(&format!(
        "  {label:<w$} {:>6} {:>6} {:>6}\n\nShare of trajectories with base OOMs in [{lo}, {hi}]: {:.1}%  (below: {:.1}%, above: {:.1}%)\n",
        ooms(quantile(&h.base, 0.05)),
        ooms(quantile(&h.base, 0.5)),
        ooms(quantile(&h.base, 0.95)),
        share_within(&h.base, lo, hi) * 100.0,
        share_within(&h.base, f64::NEG_INFINITY, lo - 1e-12) * 100.0,
        share_within(&h.base, hi + 1e-12, f64::INFINITY) * 100.0,
    ));
    super::write_stdout(s.as_bytes())
}

/// OOMs for the table: two decimals, or three significant digits in exponent form
/// from a million on (a prior may allow rates of 1e300 OOM/yr).
fn ooms(x: f64) -> String {
    if x.abs() < 1e6 {
        crate::format::fmt_fixed(x, 2)
    } else {
        format!("{x:.2e}")
    }
}
