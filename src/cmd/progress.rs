//! The progress bar of a long run, and Ctrl-C.
//!
//! The bar is drawn on stderr only when it is a terminal, the run takes over a second
//! and `--quiet` is off; it advances per chunk, from another thread, so it costs the
//! workers nothing measurable. The first Ctrl-C stops the run at the next chunk
//! (within milliseconds) without writing anything; a second exits at once.

use super::{EXIT_INTERRUPTED, Interrupted};
use crate::engine::{self, Monitor, RunSpec};
use crate::model::Model;
use crate::tally::Tally;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Set by the Ctrl-C handler; the engine checks it once per chunk.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

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

/// `seconds` as the progress bar shows time left: `45s`, `12m 05s`, `47h 03m`, `21d 4h`.
fn time_left(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m {:02}s", s / 60, s % 60),
        3600..172_800 => format!("{}h {:02}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d {}h", s / 86_400, s % 86_400 / 3600),
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
                                "{prefix} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} trajectories, {msg} left",
                            )
                            .expect("valid template"),
                        );
                        b.set_prefix(label.to_string());
                        bar = Some(b);
                    }
                    if let Some(b) = &bar {
                        let done = live.done.load(Ordering::Relaxed);
                        b.set_position(done);
                        // The rate since the start, and the time left at that rate (the
                        // bar's own estimate starts when the bar appears, a second in,
                        // and read ~3x too fast on long runs).
                        let rate = done as f64 / began.elapsed().as_secs_f64();
                        let left = if rate > 0.0 {
                            time_left((total - done.min(total)) as f64 / rate)
                        } else {
                            "?".to_string()
                        };
                        b.set_message(format!("{:.2} M/s, {left}", rate / 1e6));
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

#[cfg(test)]
mod tests {
    #[test]
    fn time_left_reads_naturally() {
        use super::time_left;
        assert_eq!(time_left(0.4), "0s");
        assert_eq!(time_left(45.0), "45s");
        assert_eq!(time_left(725.0), "12m 05s");
        assert_eq!(time_left(47.0 * 3600.0 + 180.0), "47h 03m");
        assert_eq!(time_left(57.0 * 3600.0), "2d 9h");
        assert_eq!(time_left(21.0 * 86_400.0 + 4.0 * 3600.0), "21d 4h");
    }
}
