//! One module per subcommand, each with its clap `Args` and one `run` function.

pub mod check;
pub mod compare;
pub mod completions;
pub mod hindcast;
pub mod merge;
pub mod run;
pub mod scenarios;

use crate::cli::BadInput;

/// The `-j/--threads` value: at least 1; default all cores.
pub fn threads(requested: Option<usize>) -> Result<usize, BadInput> {
    match requested {
        Some(0) => Err(BadInput("--threads must be at least 1".into())),
        Some(t) => Ok(t),
        None => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
    }
}

use crate::engine::{self, Monitor, RunSpec, Tally};
use crate::model::Model;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Set by the Ctrl-C handler; the engine checks it once per chunk.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Exit code after Ctrl-C (128 + SIGINT), as shells expect.
pub const EXIT_INTERRUPTED: u8 = 130;

/// The run was stopped by Ctrl-C; nothing was written.
#[derive(Debug, thiserror::Error)]
#[error("interrupted by Ctrl-C; no results were written (earlier results are untouched)")]
pub struct Interrupted;

/// Install the Ctrl-C handler: the first press stops the run at the next chunk
/// (within milliseconds) without writing anything; a second press exits at once.
pub fn install_interrupt_handler() {
    let _ = ctrlc::set_handler(|| {
        if INTERRUPTED.swap(true, Ordering::SeqCst) {
            std::process::exit(EXIT_INTERRUPTED as i32);
        }
    });
}

struct Live {
    done: AtomicU64,
}

impl Monitor for Live {
    fn advance(&self, n: u64) {
        self.done.fetch_add(n, Ordering::Relaxed);
    }
    fn cancelled(&self) -> bool {
        INTERRUPTED.load(Ordering::Relaxed)
    }
}

/// Run the simulation, with a progress bar on stderr when it is a terminal, the run
/// takes over a second and `quiet` is off. The bar advances per chunk, from another
/// thread, so it costs the workers nothing measurable.
pub fn simulate(
    model: &Model,
    spec: &RunSpec,
    threads: usize,
    quiet: bool,
    label: &str,
) -> anyhow::Result<Tally> {
    let live = Live {
        done: AtomicU64::new(0),
    };
    let show = !quiet && std::io::stderr().is_terminal();
    let total = spec.shard.chunks(engine::chunk_count(spec.trajectories));
    let total = (total.end * engine::CHUNK_SIZE).min(spec.trajectories)
        - (total.start * engine::CHUNK_SIZE);
    let finished = AtomicBool::new(false);
    let result = std::thread::scope(|s| {
        let ticker = show.then(|| {
            s.spawn(|| {
                let began = Instant::now();
                let mut bar: Option<ProgressBar> = None;
                while !finished.load(Ordering::Acquire) {
                    std::thread::park_timeout(Duration::from_millis(100));
                    if bar.is_none() && began.elapsed() > Duration::from_secs(1) {
                        let b = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
                        b.set_style(
                            ProgressStyle::with_template(
                                "{prefix} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} trajectories, {msg}, {eta} left",
                            )
                            .expect("valid template"),
                        );
                        b.set_prefix(label.to_string());
                        bar = Some(b);
                    }
                    if let Some(b) = &bar {
                        let done = live.done.load(Ordering::Relaxed);
                        b.set_position(done);
                        let rate = done as f64 / began.elapsed().as_secs_f64() / 1e6;
                        b.set_message(format!("{rate:.2} M/s"));
                    }
                }
                if let Some(b) = bar {
                    b.finish_and_clear();
                }
            })
        });
        let r = engine::simulate_with_threads(model, spec, threads, &live);
        finished.store(true, Ordering::Release);
        if let Some(t) = ticker {
            t.thread().unpark();
        }
        r
    });
    match result? {
        Some(t) => Ok(t),
        None => Err(Interrupted.into()),
    }
}
