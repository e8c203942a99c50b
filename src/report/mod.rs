//! Every output file of a run, a comparison or a merge, as `(name, bytes)`: pure
//! functions of typed values (tallies, summaries, groups), formatted at the edge.
//! Nothing here touches the file system ([`crate::output`] writes the set atomically),
//! so every exporter is tested by comparing bytes.
//!
//! All CSV is plain ASCII, `.` decimals, no thousands separators, no exponents
//! ([`crate::format`]).

pub mod attribution;
pub mod compare;
pub mod evidence;
pub mod histogram;
pub mod manifest;
pub mod sensitivity;
pub mod signposts;
pub mod summary;

pub use compare::CompareReport;
pub use histogram::histogram_csv;
pub use manifest::Manifest;
pub use summary::{BY_YEARS, PERCENTILES, Summary, Value};

use crate::chart::{self, ChartError, ChartInput};
use crate::engine::RunSpec;
use crate::scenarios::Loaded;
use crate::tally::{AttributionGroup, BinWidth, SensitivityRow, SignpostRow, Tally};
use std::path::Path;

/// A finished run (or a merge of shards) and everything its results say.
pub struct RunReport<'a> {
    pub loaded: &'a Loaded,
    pub spec: &'a RunSpec,
    pub tally: &'a Tally,
    pub bin_width: BinWidth,
    pub summary: Summary,
    pub attribution: Vec<AttributionGroup>,
    pub sensitivity: Option<Vec<SensitivityRow>>,
    pub signposts: Option<Vec<SignpostRow>>,
}

/// How a run was carried out, for the manifest and the first line on stdout.
#[derive(Clone, Debug)]
pub struct RunContext {
    /// Worker threads; 0 for a merge, which ran nothing itself.
    pub threads: usize,
    pub elapsed: f64,
    pub started: u64,
    /// `1/1` for a whole run, `merged from N shards` for a merge.
    pub shard_label: String,
    /// Whether to draw `chart.svg` and `chart.png`.
    pub chart: bool,
    /// Flags that changed what the run is conditioned on, as the rerun command repeats
    /// them (` --as-of 2026.5`, ` --no-evidence`, or empty).
    pub flags: String,
}

impl<'a> RunReport<'a> {
    pub fn new(
        loaded: &'a Loaded,
        spec: &'a RunSpec,
        tally: &'a Tally,
        bin_width: BinWidth,
    ) -> Self {
        let model = &loaded.model;
        let sensitivity = match (&tally.sensitivity, &spec.tally.sensitivity) {
            (Some(t), Some(s)) => Some(t.rows(model, s, &spec.tally.coarse)),
            _ => None,
        };
        let signposts = match (&tally.signposts, &spec.tally.signposts) {
            (Some(t), Some(s)) => Some(t.rows(model, s, &spec.tally.coarse)),
            _ => None,
        };
        RunReport {
            loaded,
            spec,
            tally,
            bin_width,
            summary: Summary::new(model, tally, spec.seed),
            attribution: tally.attribution.groups(model, &spec.tally.coarse),
            sensitivity,
            signposts,
        }
    }

    /// Every result file, the manifest last.
    pub fn files(&self, cx: &RunContext) -> Result<Vec<(&'static str, Vec<u8>)>, ChartError> {
        let model = &self.loaded.model;
        let mut files: Vec<(&'static str, Vec<u8>)> = vec![
            (
                "histogram.csv",
                histogram_csv(&self.tally.histogram, self.bin_width),
            ),
            ("summary.csv", self.summary.csv()),
            (
                "attribution.csv",
                attribution::attribution_csv(&self.attribution, model.horizon),
            ),
        ];
        if let Some(rows) = &self.sensitivity {
            files.push((
                "sensitivity.csv",
                sensitivity::sensitivity_csv(rows, model.horizon),
            ));
        }
        if let Some(rows) = &self.signposts {
            files.push((
                "signposts.csv",
                signposts::signposts_csv(rows, model.horizon),
            ));
        }
        if cx.chart {
            let input = ChartInput::from_run(model, self.tally, self.bin_width, self.spec.seed);
            files.push(("chart.svg", chart::chart_svg(&input)));
            files.push(("chart.png", chart::chart_png(&input)?));
            if let Some(panels) = self.signpost_panels() {
                let title = format!("{}: signposts", model.name);
                let caption = format!(
                    "{} trajectories · seed {} · the four most informative observables",
                    crate::format::fmt_count(self.tally.trajectories()),
                    self.spec.seed
                );
                files.push((
                    "signposts.svg",
                    chart::signposts_chart_svg(&title, &caption, &panels),
                ));
                files.push((
                    "signposts.png",
                    chart::signposts_chart_png(&title, &caption, &panels)?,
                ));
            }
        }
        let mut outputs: Vec<String> = files.iter().map(|(n, _)| n.to_string()).collect();
        outputs.push("manifest.json".into());
        files.push(("manifest.json", self.manifest(cx, outputs).json()));
        Ok(files)
    }

    /// The panels of the signposts chart: the four most informative rows.
    fn signpost_panels(&self) -> Option<Vec<chart::SignpostPanel>> {
        let rows = self.signposts.as_ref()?;
        let tally = self.tally.signposts.as_ref()?;
        let grid = &self.spec.tally.coarse;
        let labels = ["lowest third", "middle third", "highest third"];
        Some(
            rows.iter()
                .take(4)
                .map(|r| {
                    let (s, o) = r.index;
                    let what = match r.cuts {
                        Some((a, b)) => format!(
                            "{} (thirds cut at {} and {})",
                            r.observable,
                            crate::format::fmt_sig(a, 3),
                            crate::format::fmt_sig(b, 3)
                        ),
                        None => r.observable.clone(),
                    };
                    let mut curves =
                        vec![("all".to_string(), tally.curve(s, o, None, grid, r.year))];
                    for (g, label) in labels.iter().enumerate() {
                        if r.is_level || g != 1 {
                            curves.push((
                                label.to_string(),
                                tally.curve(s, o, Some(g), grid, r.year),
                            ));
                        } else {
                            curves.push((label.to_string(), Vec::new()));
                        }
                    }
                    chart::SignpostPanel {
                        title: format!("At {}: {what}", crate::format::fmt_year(r.year)),
                        curves,
                    }
                })
                .collect(),
        )
    }

    fn manifest(&self, cx: &RunContext, outputs: Vec<String>) -> Manifest {
        let model = &self.loaded.model;
        let spec = self.spec;
        let source = &self.loaded.source;
        let scenario_arg = if source.starts_with("builtin:") {
            model.name.clone()
        } else {
            source.clone()
        };
        let sensitivity = self.sensitivity.is_some();
        Manifest {
            scenario: Some(model.name.clone()),
            priors_source: Some(source.clone()),
            shard: Some(cx.shard_label.clone()),
            sensitivity: Some(sensitivity),
            started_unix_seconds: Some(cx.started),
            rerun: Some(format!(
                "agi-timelines run {scenario_arg} -n {} --seed {} --bin-width {}{}{}",
                spec.trajectories,
                spec.seed,
                self.bin_width,
                if sensitivity { " --sensitivity" } else { "" },
                cx.flags
            )),
            evidence: manifest::EvidenceRecord::new(model, self.tally, &cx.flags),
            outputs,
            priors: Some(self.loaded.text.clone()),
            ..Manifest::new(
                spec.seed,
                spec.trajectories,
                self.bin_width.to_string(),
                cx.threads,
            )
            .elapsed(cx.elapsed)
        }
    }

    /// What `run` and `merge` print: how the run went, the summary, the attribution and
    /// sensitivity tables, and where the files went.
    pub fn text(&self, cx: &RunContext, out_dir: &Path, names: &[&str]) -> String {
        let model = &self.loaded.model;
        let spec = self.spec;
        // A merge ran nothing itself (threads 0): no speed to report.
        let how = if cx.threads == 0 {
            "merged from shards".to_string()
        } else {
            let rate = spec.trajectories as f64 / cx.elapsed.max(1e-9);
            format!(
                "{} threads, {:.2} s ({:.1} M trajectories/s)",
                cx.threads,
                cx.elapsed,
                rate / 1e6
            )
        };
        let mut text = format!(
            "agi-timelines {}: scenario `{}`, {} trajectories, seed {}, {how}\n\n{}",
            env!("CARGO_PKG_VERSION"),
            model.name,
            spec.trajectories,
            spec.seed,
            self.summary.text(model, self.tally),
        );
        if let Some(ev) = evidence::evidence_text(model, self.tally, &self.summary, spec.seed) {
            text.push('\n');
            text.push_str(&ev);
        }
        if !model.bottlenecks.is_empty() {
            text.push('\n');
            text.push_str(&attribution::attribution_text(
                &self.attribution,
                model.horizon,
            ));
        }
        if let Some(rows) = &self.sensitivity {
            text.push('\n');
            text.push_str(&sensitivity::sensitivity_text(rows, model.horizon, 10));
        }
        if let Some(rows) = &self.signposts {
            text.push('\n');
            text.push_str(&signposts::signposts_text(rows, model.horizon, 5));
        }
        text.push_str(&format!(
            "\nWrote {}/{{{}}}\n",
            out_dir.display(),
            names.join(", ")
        ));
        text
    }
}
