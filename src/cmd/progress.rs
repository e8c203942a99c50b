//! The progress bar of a long run, the estimate of a run that will take long, and
//! Ctrl-C.
//!
//! The bar is drawn on stderr only when it is a terminal, the run takes over a second
//! and `--quiet` is off; it advances per chunk, from another thread, so it costs the
//! workers nothing measurable. A run that will take more than a minute says so once
//! on stderr, terminal or not (unless `--quiet`): after its first second it divides
//! its trajectories by the rate measured so far. The first Ctrl-C stops the run
//! at the next chunk (within milliseconds) without writing anything; a second exits
//! at once.

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

/// `seconds` as the progress bar shows time left: `45s`, `12m 05s`, `47h 03m`, `21d 4h`,
/// `3.2 years`, `39,637 years`.
fn time_left(seconds: f64) -> String {
    const YEAR: f64 = 365.25 * 86_400.0;
    if seconds >= YEAR {
        let years = seconds / YEAR;
        return if years < 10.0 {
            format!("{years:.1} years")
        } else {
            format!(
                "{} years",
                crate::format::fmt_count(years.min(1e18).round() as u64)
            )
        };
    }
    let s = seconds.max(0.0).round() as u64;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m {:02}s", s / 60, s % 60),
        3600..172_800 => format!("{}h {:02}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d {}h", s / 86_400, s % 86_400 / 3600),
    }
}

/// A run estimated to take longer than this is announced on stderr.
const ANNOUNCE_SECONDS: f64 = 60.0;

/// The line that announces a long run: `trajectories` at the rate measured so far
/// (`done` in `elapsed` seconds), or, when no chunk has finished yet, a lower bound.
fn estimate_line(
    label: &str,
    total: u64,
    done: u64,
    elapsed: f64,
    threads: usize,
) -> Option<String> {
    let threads = format!(
        "{threads} {}",
        if threads == 1 { "thread" } else { "threads" }
    );
    if done > 0 {
        let rate = done as f64 / elapsed;
        let seconds = total as f64 / rate;
        (seconds > ANNOUNCE_SECONDS).then(|| {
            format!(
                "{label}: {} trajectories at {:.2} M/s on {threads} will take about {} (measured over its first {:.0} s); Ctrl-C stops it and writes nothing",
                crate::format::fmt_count(total),
                rate / 1e6,
                time_left(seconds),
                elapsed
            )
        })
    } else {
        (elapsed >= ANNOUNCE_SECONDS).then(|| {
            format!(
                "{label}: no chunk of {} trajectories has finished in {:.0} s on {threads}: {} trajectories will take more than {}; Ctrl-C stops it and writes nothing",
                engine::CHUNK_SIZE,
                elapsed,
                crate::format::fmt_count(total),
                time_left(elapsed * total as f64 / engine::CHUNK_SIZE as f64)
            )
        })
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
    let chunks = spec.shard.chunks(engine::chunk_count(spec.trajectories));
    let total = (chunks.end.saturating_mul(engine::CHUNK_SIZE)).min(spec.trajectories)
        - (chunks.start * engine::CHUNK_SIZE).min(spec.trajectories);
    let workers = threads.min(usize::try_from(chunks.end - chunks.start).unwrap_or(usize::MAX));
    let finished = AtomicBool::new(false);
    let result = std::thread::scope(|s| {
        let ticker = (!quiet).then(|| {
            s.spawn(|| {
                let began = Instant::now();
                let mut bar: Option<ProgressBar> = None;
                let mut estimated = false;
                while !finished.load(Ordering::Acquire) {
                    std::thread::park_timeout(Duration::from_millis(100));
                    let elapsed = began.elapsed();
                    if !estimated && elapsed > Duration::from_secs(1) {
                        let done = live.done.load(Ordering::Relaxed);
                        if done > 0 || elapsed.as_secs_f64() >= ANNOUNCE_SECONDS {
                            estimated = true;
                            let line = estimate_line(label, total, done, elapsed.as_secs_f64(), workers.max(1));
                            if let Some(line) = line
                                && !finished.load(Ordering::Acquire)
                            {
                                match &bar {
                                    Some(b) => b.println(line),
                                    None => eprintln!("{line}"),
                                }
                            }
                        }
                    }
                    if !show {
                        continue;
                    }
                    if bar.is_none() && elapsed > Duration::from_secs(1) {
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
        assert_eq!(time_left(3.2 * 365.25 * 86_400.0), "3.2 years");
        // 1e19 trajectories at 8 M/s
        assert_eq!(time_left(1e19 / 8e6), "39,610 years");
    }

    /// A run is announced when the measured rate says it will take over a minute, or
    /// when no chunk has finished in a minute; not otherwise.
    #[test]
    fn long_runs_are_announced_with_their_estimate() {
        use super::estimate_line;
        // 8 M/s for a second: 1e9 trajectories take 125 s, 4e8 take 50 s
        let line = estimate_line("skeptic", 1_000_000_000, 8_000_000, 1.0, 2).unwrap();
        assert_eq!(
            line,
            "skeptic: 1,000,000,000 trajectories at 8.00 M/s on 2 threads will take about 2m 05s (measured over its first 1 s); Ctrl-C stops it and writes nothing"
        );
        assert_eq!(estimate_line("s", 400_000_000, 8_000_000, 1.0, 2), None);
        assert_eq!(estimate_line("s", 1_000_000, 0, 30.0, 1), None);
        let slow = estimate_line("s", 1_638_400, 0, 60.0, 1).unwrap();
        assert!(
            slow.contains("no chunk of 16384 trajectories has finished in 60 s on 1 thread: 1,638,400 trajectories will take more than 1h 40m"),
            "{slow}"
        );
    }
}
