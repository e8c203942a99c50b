//! The outputs of `compare`: several scenarios run with one seed, side by side.

use super::histogram::compare_histogram_csv;
use super::manifest::{Manifest, ScenarioEntry};
use super::summary::Summary;
use crate::chart::{self, ChartBin, ChartError};
use crate::format::fmt_count;
use crate::scenarios::Loaded;
use crate::tally::{ArrivalHistogram, BinWidth, Tally};
use std::path::Path;

/// The file names `compare` writes, in order.
pub const OUTPUTS: &[&str] = &[
    "compare-histogram.csv",
    "compare-summary.csv",
    "compare-chart.svg",
    "compare-chart.png",
    "manifest.json",
];

/// One column of a comparison: a scenario's results, or (with `--with-prior`) the
/// prior of a scenario with evidence, from the same trajectories.
pub struct Column<'a> {
    /// The scenario's name, or `<name> (prior)`.
    pub name: String,
    pub histogram: &'a ArrivalHistogram,
    pub summary: Summary,
}

/// Scenarios run with the same seed and trajectory count, and their summaries.
pub struct CompareReport<'a> {
    pub scenarios: Vec<&'a Loaded>,
    /// Each scenario's signposts (with `--signposts`).
    pub signposts: Vec<Vec<crate::tally::SignpostRow>>,
    pub columns: Vec<Column<'a>>,
    pub seed: u64,
    pub trajectories: u64,
    pub bin_width: BinWidth,
}

impl<'a> CompareReport<'a> {
    /// The comparison of `runs`; with `with_prior`, each scenario with evidence is
    /// followed by its prior (every trajectory drawn), so the two read side by side.
    pub fn new(
        runs: impl IntoIterator<Item = (&'a Loaded, &'a Tally)>,
        seed: u64,
        trajectories: u64,
        bin_width: BinWidth,
        with_prior: bool,
    ) -> Self {
        let mut scenarios = Vec::new();
        let mut columns = Vec::new();
        for (l, t) in runs {
            scenarios.push(l);
            columns.push(Column {
                name: l.model.name.clone(),
                histogram: &t.histogram,
                summary: Summary::new(&l.model, t, seed),
            });
            if with_prior
                && let (Some(et), Some(summary)) = (&t.evidence, Summary::prior(&l.model, t, seed))
            {
                columns.push(Column {
                    name: format!("{} (prior)", l.model.name),
                    histogram: &et.prior,
                    summary,
                });
            }
        }
        CompareReport {
            scenarios,
            signposts: Vec::new(),
            columns,
            seed,
            trajectories,
            bin_width,
        }
    }

    /// `compare-summary.csv`: `metric,<scenario A>,<scenario B>,...`, the metrics side by
    /// side, then each metric's standard error as a `<metric>_std_error` row.
    pub fn summary_csv(&self) -> Vec<u8> {
        let mut metrics: Vec<&str> = Vec::new();
        for c in &self.columns {
            for m in &c.summary.metrics {
                if m.name != "scenario" && !metrics.contains(&m.name.as_str()) {
                    metrics.push(&m.name);
                }
            }
        }
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header = vec!["metric".to_string()];
        header.extend(self.columns.iter().map(|c| c.name.clone()));
        w.write_record(&header).expect("in-memory write");
        for with_se in [false, true] {
            for m in &metrics {
                let cells: Vec<String> = self
                    .columns
                    .iter()
                    .map(|c| {
                        c.summary.get(m).map_or(String::new(), |v| {
                            if with_se { v.csv_std_error() } else { v.csv() }
                        })
                    })
                    .collect();
                if with_se && cells.iter().all(|c| c.is_empty()) {
                    continue;
                }
                let name = if with_se {
                    format!("{m}_std_error")
                } else {
                    m.to_string()
                };
                let mut rec = vec![name];
                rec.extend(cells);
                w.write_record(&rec).expect("in-memory write");
            }
        }
        w.into_inner().expect("in-memory write")
    }

    /// Every file `compare` writes ([`OUTPUTS`]), given the manifest's run details.
    pub fn files(
        &self,
        threads: usize,
        elapsed: f64,
        rerun: String,
    ) -> Result<Vec<(&'static str, Vec<u8>)>, ChartError> {
        let series: Vec<(String, Vec<ChartBin>)> = self
            .columns
            .iter()
            .map(|c| {
                (
                    c.name.clone(),
                    chart::chart_bins(c.histogram, self.bin_width),
                )
            })
            .collect();
        let title = "AGI arrival year: cumulative probability by scenario";
        let caption = format!(
            "{} trajectories per scenario, seed {}, agi-timelines {}",
            fmt_count(self.trajectories),
            self.seed,
            env!("CARGO_PKG_VERSION")
        );
        let manifest = Manifest {
            scenarios: self
                .scenarios
                .iter()
                .map(|l| ScenarioEntry {
                    name: l.model.name.clone(),
                    priors_source: l.source.clone(),
                    priors: l.text.clone(),
                })
                .collect(),
            rerun: Some(rerun),
            outputs: self.outputs().iter().map(|s| s.to_string()).collect(),
            ..Manifest::new(
                self.seed,
                self.trajectories,
                self.bin_width.to_string(),
                threads,
            )
            .elapsed(elapsed)
        };
        Ok(vec![
            (
                "compare-histogram.csv",
                compare_histogram_csv(
                    self.columns.iter().map(|c| (c.name.as_str(), c.histogram)),
                    self.bin_width,
                ),
            ),
            ("compare-summary.csv", self.summary_csv()),
            (
                "compare-chart.svg",
                chart::compare_chart_svg(title, &caption, &series),
            ),
            (
                "compare-chart.png",
                chart::compare_chart_png(title, &caption, &series)?,
            ),
            ("manifest.json", manifest.json()),
        ])
        .map(|mut files| {
            if !self.signposts.is_empty() {
                let rows: Vec<(&str, &[crate::tally::SignpostRow], f64)> = self
                    .scenarios
                    .iter()
                    .zip(&self.signposts)
                    .map(|(l, r)| (l.model.name.as_str(), r.as_slice(), l.model.horizon))
                    .collect();
                files.insert(
                    files.len() - 1,
                    (
                        "compare-signposts.csv",
                        super::signposts::compare_signposts_csv(&rows),
                    ),
                );
            }
            files
        })
    }

    /// The names of the files `compare` writes.
    pub fn outputs(&self) -> Vec<&'static str> {
        let mut names = OUTPUTS.to_vec();
        if !self.signposts.is_empty() {
            names.insert(names.len() - 1, "compare-signposts.csv");
        }
        names
    }

    /// What `compare` prints: a few metrics side by side, and where the files went.
    pub fn text(&self, elapsed: f64, out_dir: &Path) -> String {
        let mut text = format!(
            "agi-timelines {}: {} scenarios, {} trajectories each, seed {}, {elapsed:.2} s\n\n",
            env!("CARGO_PKG_VERSION"),
            self.scenarios.len(),
            self.trajectories,
            self.seed
        );
        let show = [
            "p10",
            "p50",
            "p90",
            "p_by_2027",
            "p_by_2030",
            "p_by_2040",
            "p_by_horizon",
        ];
        let width = self
            .columns
            .iter()
            .map(|c| c.name.len())
            .max()
            .unwrap_or(8)
            .max(10);
        text.push_str(&format!("  {:<13}", "metric"));
        for c in &self.columns {
            text.push_str(&format!("  {:>width$}", c.name));
        }
        text.push('\n');
        for m in show {
            text.push_str(&format!("  {m:<13}"));
            for c in &self.columns {
                let v = c.summary.get(m);
                let shown = match (m.starts_with("p_by"), v.and_then(|v| v.number())) {
                    (true, Some(p)) => format!("{:.1}%", p * 100.0),
                    (false, Some(y)) => crate::format::fmt_fixed(y, 1),
                    _ => v.map_or(String::new(), |v| v.csv()),
                };
                text.push_str(&format!("  {shown:>width$}"));
            }
            text.push('\n');
        }
        text.push_str(&format!(
            "\nWrote {}/{{{}}}\n",
            out_dir.display(),
            self.outputs().join(", ")
        ));
        text
    }
}
