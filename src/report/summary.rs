//! The summary: percentiles, mean, P(by year), with Monte Carlo standard errors, as
//! typed values; the CSV and the text on stdout format them at the edge.

use crate::format::{fmt_fixed, fmt_prob, fmt_sig, fmt_year};
use crate::model::Model;
use crate::tally::{ArrivalHistogram, Tally};

/// Percentiles reported in every summary.
pub const PERCENTILES: &[u32] = &[5, 10, 25, 50, 75, 90, 95];
/// Years Y reported as `p_by_Y`: P(arrival before Y + 1.0).
pub const BY_YEARS: &[i32] = &[2027, 2030, 2035, 2040, 2050];

/// One summary value, as computed (never a string to be parsed back).
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// Not observed (a year beyond the horizon, a mean with no arrival).
    Missing,
    Text(String),
    Integer(u64),
    /// A year the run is defined by (its start, its horizon).
    Year(f64),
    /// An estimated year (a percentile, a mean) and its Monte Carlo standard error.
    Estimate {
        year: f64,
        std_error: Option<f64>,
    },
    /// A percentile beyond the horizon: written `>2100`, with no standard error.
    Beyond {
        horizon: f64,
    },
    /// A share of trajectories, `count / total`, with the binomial standard error
    /// `sqrt(p (1 - p) / total)`.
    Share {
        count: u64,
        total: u64,
    },
    /// A mean over trajectories and its standard error.
    Mean {
        value: f64,
        std_error: f64,
    },
}

impl Value {
    /// As the `value` column of `summary.csv` writes it.
    pub fn csv(&self) -> String {
        match self {
            Value::Missing => String::new(),
            Value::Text(s) => s.clone(),
            Value::Integer(n) => n.to_string(),
            Value::Year(y) => fmt_year(*y),
            Value::Estimate { year, .. } => fmt_fixed(*year, 3),
            Value::Beyond { horizon } => format!(">{}", fmt_year(*horizon)),
            Value::Share { count, total } => fmt_prob(*count, *total),
            Value::Mean { value, .. } => format!("{value:.6}"),
        }
    }

    /// The standard error, where the value has one.
    pub fn std_error(&self) -> Option<f64> {
        match self {
            Value::Estimate { std_error, .. } => *std_error,
            Value::Mean { std_error, .. } => Some(*std_error),
            Value::Share { total: 0, .. } => Some(0.0),
            Value::Share { count, total } => {
                let (k, n) = (*count as f64, *total as f64);
                let p = k / n;
                Some((p * (1.0 - p) / n).sqrt())
            }
            _ => None,
        }
    }

    /// As the `std_error` column writes it (empty where there is none).
    pub fn csv_std_error(&self) -> String {
        match (self, self.std_error()) {
            (Value::Estimate { .. }, Some(se)) => format!("{se:.4}"),
            (Value::Share { .. } | Value::Mean { .. }, Some(se)) => fmt_sig(se, 3),
            _ => String::new(),
        }
    }

    /// The value as a number, where it is one.
    pub fn number(&self) -> Option<f64> {
        match self {
            Value::Integer(n) => Some(*n as f64),
            Value::Year(y) | Value::Estimate { year: y, .. } => Some(*y),
            Value::Mean { value, .. } => Some(*value),
            Value::Share { total: 0, .. } => Some(0.0),
            Value::Share { count, total } => Some(*count as f64 / *total as f64),
            _ => None,
        }
    }
}

/// One row of the summary.
#[derive(Clone, Debug, PartialEq)]
pub struct Metric {
    pub name: String,
    pub value: Value,
}

fn metric(name: impl Into<String>, value: Value) -> Metric {
    Metric {
        name: name.into(),
        value,
    }
}

/// A run's summary: one metric per row, in the order of `summary.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub metrics: Vec<Metric>,
}

impl Summary {
    /// The summary of a run of `model` with tally `tally`: with evidence, of the
    /// trajectories kept, followed by what the evidence did and the prior's key figures.
    pub fn new(model: &Model, tally: &Tally, seed: u64) -> Summary {
        let mut summary = Summary::of(model, &tally.histogram, &tally.fired(), seed);
        if let (Some(et), Some(ev)) = (&tally.evidence, model.evidence()) {
            let drawn = et.drawn;
            let kept = tally.histogram.total();
            let m = &mut summary.metrics;
            // after `horizon`: what the figures are conditioned on, and what it cost
            let at = m
                .iter()
                .position(|x| x.name == "horizon")
                .map_or(m.len(), |i| i + 1);
            let mut rows = vec![
                metric(
                    "no_arrival_before",
                    ev.no_arrival_before.map_or(Value::Missing, Value::Year),
                ),
                metric("trajectories_drawn", Value::Integer(drawn)),
                metric(
                    "share_kept",
                    Value::Share {
                        count: kept,
                        total: drawn,
                    },
                ),
            ];
            if ev.no_arrival_before.is_some() {
                rows.push(metric(
                    "share_not_arrived_before",
                    Value::Share {
                        count: et.not_arrived,
                        total: drawn,
                    },
                ));
            }
            for k in 0..ev.observations.len() {
                let (value, std_error) = et.mean_ratio(k);
                rows.push(metric(
                    format!("observation_{}_mean_likelihood_ratio", k + 1),
                    Value::Mean { value, std_error },
                ));
            }
            m.splice(at..at, rows);
            // the prior's key figures, for comparison
            let prior = Summary::of(model, &et.prior, &et.prior_attribution.fired(), seed);
            for name in ["p10", "p50", "p90", "p_by_2030", "p_by_horizon"] {
                if let Some(v) = prior.get(name) {
                    m.push(metric(format!("prior_{name}"), v.clone()));
                }
            }
        }
        summary
    }

    /// The summary of the prior of a run with evidence (every trajectory drawn, kept or
    /// not): what the same run says without the evidence. `None` without evidence.
    pub fn prior(model: &Model, tally: &Tally, seed: u64) -> Option<Summary> {
        let et = tally.evidence.as_ref()?;
        Some(Summary::of(
            model,
            &et.prior,
            &et.prior_attribution.fired(),
            seed,
        ))
    }

    /// The summary of arrivals `h` (with `fired[b]` trajectories in which bottleneck `b`
    /// fired).
    fn of(model: &Model, h: &ArrivalHistogram, fired: &[u64], seed: u64) -> Summary {
        let n = h.total();
        let mut m = vec![
            metric("scenario", Value::Text(model.name.clone())),
            metric("trajectories", Value::Integer(n)),
            metric("seed", Value::Integer(seed)),
            // The years the run covers: what `p_by_horizon` and "not by the horizon"
            // refer to (scenarios compared side by side may have different horizons).
            metric("start", Value::Year(model.start)),
            metric("horizon", Value::Year(model.horizon)),
        ];
        for &p in PERCENTILES {
            let q = p as f64 / 100.0;
            let value = match h.quantile(q) {
                Some(year) => Value::Estimate {
                    year,
                    std_error: h.quantile_std_error(q),
                },
                None => Value::Beyond {
                    horizon: model.horizon,
                },
            };
            m.push(metric(format!("p{p}"), value));
        }
        m.push(metric(
            "mean_arrival_if_by_horizon",
            match h.mean_arrival() {
                Some((year, se)) => Value::Estimate {
                    year,
                    std_error: Some(se),
                },
                None => Value::Missing,
            },
        ));
        let share = |count| Value::Share { count, total: n };
        for &y in BY_YEARS {
            let edge = (y + 1) as f64;
            // beyond the horizon: not observed
            let value = if edge <= model.horizon {
                share(h.count_before(edge))
            } else {
                Value::Missing
            };
            m.push(metric(format!("p_by_{y}"), value));
        }
        m.push(metric("p_by_horizon", share(h.arrived())));
        for (bn, &count) in model.bottlenecks.iter().zip(fired) {
            m.push(metric(format!("p_fired_{}", bn.name), share(count)));
        }
        Summary { metrics: m }
    }

    /// The metric with this name.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.metrics
            .iter()
            .find(|m| m.name == name)
            .map(|m| &m.value)
    }

    /// `summary.csv`: `metric,value,std_error`.
    pub fn csv(&self) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(["metric", "value", "std_error"])
            .expect("in-memory write");
        for m in &self.metrics {
            w.write_record([&m.name, &m.value.csv(), &m.value.csv_std_error()])
                .expect("in-memory write");
        }
        w.into_inner().expect("in-memory write")
    }

    /// The short human summary printed on stdout.
    pub fn text(&self, model: &Model, tally: &Tally) -> String {
        let mut s = String::new();
        s.push_str("AGI arrival year (percentiles, +- Monte Carlo standard error)\n");
        for &p in PERCENTILES {
            if let Some(v) = self.get(&format!("p{p}")) {
                let se = match v.csv_std_error() {
                    se if se.is_empty() => String::new(),
                    se => format!("  +- {se}"),
                };
                s.push_str(&format!("  p{p:<3} {:>10}{se}\n", v.csv()));
            }
        }
        s.push_str("\nP(AGI by the end of year)\n");
        for &y in BY_YEARS {
            if let Some(v @ Value::Share { .. }) = self.get(&format!("p_by_{y}")) {
                let p = v.number().unwrap_or(0.0);
                let se = v.std_error().unwrap_or(0.0);
                s.push_str(&format!(
                    "  {y}  {:>6.2}%  +- {:.2}%\n",
                    p * 100.0,
                    se * 100.0
                ));
            }
        }
        let n = (tally.histogram.total() as f64).max(1.0); // an empty tally prints 0%, not NaN
        let arrived = tally.histogram.arrived() as f64;
        s.push_str(&format!(
            "  {}  {:>6.2}%  (not by then: {:.2}%)\n",
            fmt_year(model.horizon),
            arrived / n * 100.0,
            (1.0 - arrived / n) * 100.0
        ));
        s
    }
}
