//! Render the arrival-year chart of one scenario and the comparison chart of all
//! shipped scenarios, to look at them:
//!
//! ```text
//! cargo run --release --example render_chart -- [SCENARIO|PRIORS.toml] [TRAJECTORIES] [BIN] [OUT_DIR]
//! ```
//!
//! writes OUT_DIR (default /tmp)/chart.{svg,png} and compare.{svg,png}.

use agi_timelines::chart::{self, ChartInput};
use agi_timelines::engine::{RunSpec, Silent, simulate_with_threads};
use agi_timelines::model::Model;
use agi_timelines::priors::parse_model;
use agi_timelines::scenarios;
use agi_timelines::tally::{BinWidth, Grid};
use std::path::PathBuf;

const SEED: u64 = 42;

fn run(model: &Model, n: u64, bin: BinWidth) -> agi_timelines::tally::Tally {
    let grid = Grid::new(model.start, model.horizon, bin).expect("grid");
    let spec = RunSpec::new(model, SEED, n, grid);
    simulate_with_threads(model, &spec, 0, &Silent)
        .expect("thread pool")
        .expect("not cancelled")
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let which = args.first().map_or(scenarios::DEFAULT, |s| s.as_str());
    let n: u64 = args.get(1).map_or(Ok(200_000), |s| s.parse())?;
    let bin = BinWidth::parse(args.get(2).map_or("1", |s| s.as_str()))?;
    let out = PathBuf::from(args.get(3).map_or("/tmp", |s| s.as_str()));

    let model = match scenarios::find(which) {
        Some(s) => s.model()?,
        None => parse_model(which, &std::fs::read_to_string(which)?)?,
    };
    let tally = run(&model, n, bin);
    let input = ChartInput::from_run(&model, &tally, bin, SEED);
    std::fs::write(out.join("chart.svg"), chart::chart_svg(&input))?;
    std::fs::write(out.join("chart.png"), chart::chart_png(&input)?)?;

    let mut series = Vec::new();
    for s in scenarios::SHIPPED {
        let m = s.model()?;
        let t = run(&m, n, bin);
        series.push((m.name.clone(), chart::chart_bins(&t.histogram, bin)));
    }
    let caption = format!(
        "{} trajectories per scenario · seed {SEED}",
        agi_timelines::format::fmt_count(n)
    );
    let title = "AGI arrival year: shipped scenarios";
    std::fs::write(
        out.join("compare.svg"),
        chart::compare_chart_svg(title, &caption, &series),
    )?;
    std::fs::write(
        out.join("compare.png"),
        chart::compare_chart_png(title, &caption, &series)?,
    )?;
    println!("wrote {}/{{chart,compare}}.{{svg,png}}", out.display());
    Ok(())
}
