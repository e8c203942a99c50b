//! `run` through the real binary, in temporary folders, as a new user would use it:
//! what it writes, how it refuses bad input, how it stops.

use crate::harness::*;
use std::fs;
use std::path::Path;
use std::process::Command;

#[test]
fn default_run_writes_the_three_files_from_any_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let o = run_in(tmp.path(), &["run", "-n", "20k", "--seed", "7"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = tmp.path().join("results/situational-awareness");
    let hist = read(out.join("histogram.csv"));
    let rows = histogram_rows(&hist);
    // 2023.2-2024, then 76 calendar years to 2100, then "not by horizon"
    assert_eq!(rows.len(), 1 + 76 + 1);
    assert_eq!(rows[0][0], "2023.2");
    assert_eq!(rows[0][1], "2024");
    assert_eq!(rows[76][..2], ["2099".to_string(), "2100".to_string()]);
    let last = rows.last().unwrap();
    assert_eq!(last[0], "2100");
    assert_eq!(last[1], "");
    assert_eq!(last[4], "1", "cumulative ends at exactly 1");
    // The default scenario is conditioned on its evidence: the histogram counts the
    // trajectories kept, of the 20,000 drawn (summary.csv says how many).
    let counts: u64 = rows.iter().map(|r| r[2].parse::<u64>().unwrap()).sum();
    let summary = read(out.join("summary.csv"));
    assert!(
        summary.contains(&format!("\ntrajectories,{counts},")),
        "{summary}"
    );
    assert!(summary.contains("\ntrajectories_drawn,20000,"), "{summary}");
    assert!(counts > 5_000 && counts < 20_000, "{counts}");
    let probs: f64 = rows.iter().map(|r| r[3].parse::<f64>().unwrap()).sum();
    assert!((probs - 1.0).abs() < 1e-12);
    let body = hist.split_once('\n').unwrap().1; // the header has letters
    assert!(
        hist.is_ascii() && !body.contains("NaN") && !body.contains("inf") && !body.contains('e')
    );

    assert!(summary.starts_with("metric,value,std_error\n"));
    for m in [
        "trajectories_drawn,20000,",
        "seed,7,",
        "\np5,",
        "\np50,",
        "\np95,",
        "\np_by_2027,",
        "\np_by_2050,",
        "\np_by_horizon,",
    ] {
        assert!(summary.contains(m), "summary lacks {m}:\n{summary}");
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&read(out.join("manifest.json"))).unwrap();
    assert_eq!(manifest["seed"], 7);
    assert_eq!(manifest["trajectories"], 20_000);
    assert_eq!(manifest["scenario"], "situational-awareness");
    assert!(
        manifest["priors"]
            .as_str()
            .unwrap()
            .contains("[drivers.compute]")
    );
    assert!(manifest["elapsed_seconds"].is_number());
    let text = stdout(&o);
    assert!(
        text.contains("p50") && text.contains("P(AGI by the end of year)"),
        "{text}"
    );
}

#[test]
fn a_rerun_from_the_manifest_reproduces_the_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let a = run_in(
        tmp.path(),
        &[
            "run", "skeptic", "-n", "30000", "--seed", "99", "-o", "a", "-j", "1",
        ],
    );
    let b = run_in(
        tmp.path(),
        &[
            "run", "skeptic", "-n", "3e4", "--seed", "99", "-o", "b", "-j", "2",
        ],
    );
    assert!(a.status.success() && b.status.success());
    for f in ["histogram.csv", "summary.csv"] {
        assert_eq!(
            read(tmp.path().join("a").join(f)),
            read(tmp.path().join("b").join(f)),
            "{f}"
        );
    }
}

#[test]
fn an_omitted_seed_is_picked_printed_and_recorded() {
    let tmp = tempfile::tempdir().unwrap();
    let o = run_in(tmp.path(), &["run", "-n", "2k", "-o", "out"]);
    assert!(o.status.success());
    let err = stderr(&o);
    let seed: u64 = err
        .split("seed: ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let manifest: serde_json::Value =
        serde_json::from_str(&read(tmp.path().join("out/manifest.json"))).unwrap();
    assert_eq!(manifest["seed"].as_u64().unwrap(), seed);
}

#[test]
fn bin_widths_quarter_and_month_sit_on_calendar_edges() {
    let tmp = tempfile::tempdir().unwrap();
    for (w, rows_expected, second_start) in [
        ("0.25", 1 + 307 + 1, "2023.25"),
        ("1/12", 1 + 921 + 1, "2023.25"),
    ] {
        let o = run_in(
            tmp.path(),
            &[
                "run",
                "-n",
                "5000",
                "--seed",
                "1",
                "-o",
                w.replace('/', "_").as_str(),
                "--bin-width",
                w,
                "--no-evidence",
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let rows = histogram_rows(&read(
            tmp.path().join(w.replace('/', "_")).join("histogram.csv"),
        ));
        assert_eq!(rows.len(), rows_expected, "{w}");
        assert_eq!(rows[0][0], "2023.2");
        assert_eq!(rows[1][0], second_start, "{w}");
        let counts: u64 = rows.iter().map(|r| r[2].parse::<u64>().unwrap()).sum();
        assert_eq!(counts, 5000);
    }
    // rows: 2023.2 -> 2023.25 (the partial first bin), then 76.75 years of whole
    // quarters (307) or months (921) to 2100, then "not by horizon".
}

#[test]
fn trajectory_counts_in_every_spelling() {
    let tmp = tempfile::tempdir().unwrap();
    for n in ["1000", "1e3", "1_000", "1k"] {
        let o = run_in(
            tmp.path(),
            &["run", "-q", "-n", n, "--seed", "1", "-o", "x"],
        );
        assert!(o.status.success(), "{n}: {}", stderr(&o));
        assert!(stdout(&o).is_empty(), "--quiet prints nothing");
        assert!(read(tmp.path().join("x/summary.csv")).contains("trajectories_drawn,1000,"));
    }
    let o = run_in(tmp.path(), &["run", "-n", "1.5", "-o", "y"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!tmp.path().join("y").exists());
}

/// `-j` is bounded by 4 threads per core (-j 5000 took 39 s to start, -j 100000 did
/// not finish): beyond, the run is refused before sampling with the limit named.
#[test]
fn threads_beyond_four_per_core_are_refused_before_sampling() {
    let tmp = tempfile::tempdir().unwrap();
    let max = 4 * std::thread::available_parallelism().map_or(1, |n| n.get());
    for j in [max + 1, 100_000] {
        let o = assert_cmd::cargo::cargo_bin_cmd!("agi-timelines")
            .current_dir(tmp.path())
            .args(["run", "-n", "1T", "-o", "r", "-j", &j.to_string()])
            .timeout(std::time::Duration::from_secs(30))
            .output()
            .unwrap();
        refused(&o, &format!("--threads {j} is more than 4 per core"));
        assert!(
            stderr(&o).contains(&format!("use at most {max}")),
            "{}",
            stderr(&o)
        );
    }
    assert!(!tmp.path().join("r").exists());
    // at the limit, a small run uses only the threads it has chunks for
    ok(&run_in(
        tmp.path(),
        &[
            "run",
            "-n",
            "1000",
            "--seed",
            "1",
            "-o",
            "r",
            "-q",
            "-j",
            &max.to_string(),
        ],
    ));
}

#[test]
fn usage_errors_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    for args in [
        vec!["run", "no-such-scenario"],
        vec!["run", "--bin-width", "0.3"],
        vec!["run", "-j", "0"],
        vec!["frobnicate"],
        vec!["run", "--seed", "-1"],
        // options that cannot work together, or make no sense
        vec!["run", "-n", "100", "-o", "-", "--sensitivity"],
        vec!["compare", "skeptic", "epoch-trends", "-n", "100", "-o", "-"],
        vec!["hindcast", "--band", "6", "4.5"],
        vec!["hindcast", "--band", "nan", "6"],
    ] {
        let o = run_in(tmp.path(), &args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
    }
    assert!(!tmp.path().join("results").exists());
    // an output path that is a file is refused before sampling
    fs::write(tmp.path().join("afile"), "x").unwrap();
    let o = run_in(tmp.path(), &["run", "-n", "100", "-o", "afile"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot write results"));
    assert_eq!(read(tmp.path().join("afile")), "x");
}

#[test]
fn a_rerun_replaces_every_file_of_the_previous_run() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("r");
    let o = run_in(
        tmp.path(),
        &[
            "run",
            "-n",
            "1000",
            "--seed",
            "3",
            "-o",
            "r",
            "--sensitivity",
        ],
    );
    assert!(o.status.success());
    assert!(out.join("sensitivity.csv").exists());
    let o = run_in(tmp.path(), &["run", "-n", "1000", "--seed", "4", "-o", "r"]);
    assert!(o.status.success());
    assert!(
        !out.join("sensitivity.csv").exists(),
        "a stale result file does not survive"
    );
    assert!(read(out.join("summary.csv")).contains("seed,4,"));
    let names: Vec<String> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["r"], "no staging folder left behind");
}

#[test]
fn a_folder_holding_other_files_is_refused_before_sampling() {
    let tmp = tempfile::tempdir().unwrap();
    fs::create_dir(tmp.path().join("mine")).unwrap();
    fs::write(tmp.path().join("mine/notes.txt"), "mine\n").unwrap();
    let o = run_in(tmp.path(), &["run", "-n", "1000", "-o", "mine"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("notes.txt"), "{}", stderr(&o));
    assert_eq!(fs::read_dir(tmp.path().join("mine")).unwrap().count(), 1);
}

/// The CSV files of a results folder, by name (the manifest's timings differ by run).
fn csv_set(dir: &Path) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".csv"))
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read_to_string(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn a_run_killed_at_any_moment_leaves_the_old_or_the_new_results_whole() {
    // The test hook pauses 60 ms after staging each of the 4 files, so kills at
    // 0-400 ms land before, during and after the writes.
    let tmp = tempfile::tempdir().unwrap();
    let args = |seed: &'static str, out: &'static str| {
        ["run", "-n", "3000", "--seed", seed, "-o", out, "-q"]
    };
    assert!(run_in(tmp.path(), &args("2", "new")).status.success());
    let new = csv_set(&tmp.path().join("new"));
    let mut outcomes = (0, 0);
    for delay_ms in [0u64, 20, 60, 100, 140, 180, 220, 260, 300, 400] {
        assert!(run_in(tmp.path(), &args("1", "r")).status.success());
        let old = csv_set(&tmp.path().join("r"));
        assert_ne!(old, new);
        let mut child = bin()
            .current_dir(tmp.path())
            .args(args("2", "r"))
            .env("AGI_TIMELINES_TEST_SLOW_WRITE_MS", "60")
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL: no chance to clean up
        let _ = child.wait();
        let now = csv_set(&tmp.path().join("r"));
        if now == old {
            outcomes.0 += 1;
        } else if now == new {
            outcomes.1 += 1;
        } else {
            panic!(
                "killed after {delay_ms} ms: a mixed or partial set: {:?}",
                now.iter().map(|f| &f.0).collect::<Vec<_>>()
            );
        }
    }
    assert!(
        outcomes.0 > 0,
        "no kill landed before the swap: the test exercised nothing"
    );
    // the next run cleans up what a killed run left behind
    assert!(run_in(tmp.path(), &args("3", "r")).status.success());
    let names: Vec<String> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(names.is_empty(), "{names:?}");
}

#[test]
fn ctrl_c_stops_promptly_and_leaves_previous_results() {
    let tmp = tempfile::tempdir().unwrap();
    assert!(
        run_in(
            tmp.path(),
            &["run", "-n", "1000", "--seed", "1", "-o", "r", "-q"]
        )
        .status
        .success()
    );
    let before = csv_set(&tmp.path().join("r"));
    // a billion trajectories would take minutes
    let child = bin()
        .current_dir(tmp.path())
        .args(["run", "-n", "1G", "--seed", "1", "-o", "r"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    let sent = std::time::Instant::now();
    assert!(
        Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    let out = child.wait_with_output().unwrap();
    let took = sent.elapsed();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("interrupted"));
    // a chunk of 16,384 trajectories takes milliseconds; allow generously for a loaded machine
    assert!(took < std::time::Duration::from_secs(5), "took {took:?}");
    assert_eq!(csv_set(&tmp.path().join("r")), before);
}

#[test]
fn no_progress_bar_when_stderr_is_not_a_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    // long enough (> 1 s on this machine) that a terminal would show the bar
    let o = run_in(tmp.path(), &["run", "-n", "6M", "--seed", "1", "-o", "r"]);
    assert!(o.status.success());
    assert_eq!(
        stderr(&o),
        "",
        "stderr carries only errors and warnings when not a terminal"
    );
}

#[test]
fn dash_writes_the_histogram_to_stdout_and_a_closed_pipe_is_not_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let o = run_in(tmp.path(), &["run", "-n", "5000", "--seed", "2", "-o", "-"]);
    assert!(o.status.success());
    assert!(stdout(&o).starts_with("year_start,year_end,count,probability,cumulative\n"));
    assert!(stderr(&o).contains("p50"), "the summary goes to stderr");
    assert_eq!(
        fs::read_dir(tmp.path()).unwrap().count(),
        0,
        "no files written"
    );
    // the reader goes away after one line (like `| head -1`)
    let mut child = bin()
        .current_dir(tmp.path())
        .args([
            "run",
            "-n",
            "5000",
            "--seed",
            "2",
            "-o",
            "-",
            "-q",
            "--bin-width",
            "day",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 10];
    use std::io::Read;
    child.stdout.take().unwrap().read_exact(&mut first).unwrap(); // then dropped: pipe closed
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

#[test]
fn a_shipped_name_that_is_also_a_file_name() {
    // A bare word is the shipped scenario; a path (with / or .toml) is the file.
    let tmp = tempfile::tempdir().unwrap();
    fs::write(
        tmp.path().join("skeptic"),
        "name = \"local\"\nthreshold = 5\n[drivers.c]\nrate = 1\n",
    )
    .unwrap();
    let o = run_in(tmp.path(), &["check", "skeptic", "./skeptic"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("ok: skeptic (scenario `skeptic`"), "{out}");
    assert!(out.contains("ok: ./skeptic (scenario `local`"), "{out}");
    // a bare word that is no shipped name falls back to a file of that name
    fs::write(
        tmp.path().join("mine"),
        "threshold = 5\n[drivers.c]\nrate = 1\n",
    )
    .unwrap();
    assert!(run_in(tmp.path(), &["check", "mine"]).status.success());
}

#[cfg(unix)]
#[test]
fn non_utf8_paths_for_priors_and_output() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let tmp = tempfile::tempdir().unwrap();
    let priors = OsStr::from_bytes(b"pri\xffors.toml");
    let out = OsStr::from_bytes(b"out\xfe");
    fs::write(
        tmp.path().join(priors),
        "threshold = 5\n[drivers.c]\nrate = \"0.5 to 1\"\n",
    )
    .unwrap();
    let o = bin()
        .current_dir(tmp.path())
        .arg("run")
        .arg(priors)
        .args(["-n", "1000", "--seed", "1", "-q", "-o"])
        .arg(out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(tmp.path().join(out).join("histogram.csv").exists());
    // and a bad one is reported with its (lossy) name
    fs::write(tmp.path().join(priors), "threshold = \n").unwrap();
    let o = bin()
        .current_dir(tmp.path())
        .arg("check")
        .arg(priors)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("pri\u{fffd}ors.toml:1:"),
        "{}",
        stderr(&o)
    );
}

/// Output that cannot be written is an error (exit 1), not a silent success; a reader
/// that closes the pipe early is not (exit 0, tested elsewhere).
#[test]
fn a_failed_write_to_stdout_exits_1() {
    let full = Path::new("/dev/full");
    if !full.exists() {
        return; // not Linux: nothing to write to that always fails
    }
    let tmp = tempfile::tempdir().unwrap();
    for args in [
        vec!["scenarios", "--show", "skeptic"],
        vec!["run", "skeptic", "-n", "1000", "--seed", "1", "-o", "-"],
        vec!["hindcast", "-n", "1000"],
    ] {
        let o = bin()
            .current_dir(tmp.path())
            .args(&args)
            .stdout(fs::File::create(full).unwrap())
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("standard output"), "{args:?}");
    }
}

/// Without a `name`, a priors file is named after its file name, with characters that
/// cannot name a folder turned into `-`: two such files do not collide.
#[test]
fn a_file_name_with_dots_or_spaces_names_the_scenario() {
    let tmp = tempfile::tempdir().unwrap();
    let text = "[threshold]\ndist = \"normal\"\nmean = 3\nsd = 0.5\n\
                [drivers.a]\nrate = 0.5\n";
    for (file, name) in [("my priors.v2.toml", "my-priors-v2"), ("v1.toml", "v1")] {
        fs::write(tmp.path().join(file), text).unwrap();
        let o = run_in(
            tmp.path(),
            &["run", file, "-n", "1000", "--seed", "1", "-q"],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(
            tmp.path()
                .join("results")
                .join(name)
                .join("summary.csv")
                .exists()
        );
    }
}

/// `-o` naming a symbolic link to a folder writes into that folder and leaves the link
/// a link (it was replaced by a folder, and the target kept stale results).
#[cfg(unix)]
#[test]
fn a_symlinked_output_folder_is_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fs::create_dir(d.join("real")).unwrap();
    std::os::unix::fs::symlink("real", d.join("link")).unwrap();
    for (seed, sens) in [("1", true), ("2", false)] {
        let mut args = vec!["run", "-n", "2000", "--seed", seed, "-o", "link", "-q"];
        if sens {
            args.push("--sensitivity");
        }
        ok(&run_in(d, &args));
        assert!(
            fs::symlink_metadata(d.join("link"))
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert!(read(d.join("real/summary.csv")).contains(&format!("seed,{seed},")));
    }
    // the second run replaced the first's set whole, through the link
    assert!(!d.join("real/sensitivity.csv").exists());
    let mut names: Vec<String> = fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["link", "real"], "no staging folder or lock left");
}

/// Unusable output paths are refused with exit code 2 and the reason *before*
/// sampling: with a trillion trajectories, a refusal after sampling would never come.
#[cfg(unix)]
#[test]
fn unusable_output_paths_are_refused_before_sampling() {
    use std::os::unix::fs::symlink;
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fs::write(d.join("afile"), "x").unwrap();
    symlink("nowhere", d.join("dangling")).unwrap();
    symlink("loop2", d.join("loop1")).unwrap();
    symlink("loop1", d.join("loop2")).unwrap();
    symlink("afile", d.join("to-a-file")).unwrap();
    let before = fs::read_dir(d).unwrap().count();
    for (out, why) in [
        (
            "dangling",
            "it is a symbolic link to nowhere, which does not exist",
        ),
        ("loop1", "it is a symbolic link that loops"),
        ("to-a-file", "it is a symbolic link to a file ("),
        ("afile", "it exists and is not a folder"),
        ("afile/x", "afile is a file, not a folder"),
        (
            "dangling/x",
            "dangling is a symbolic link to nowhere, which does not exist",
        ),
        ("loop1/x", "loop1 is a symbolic link that loops"),
    ] {
        let o = assert_cmd::cargo::cargo_bin_cmd!("agi-timelines")
            .current_dir(d)
            .args(["run", "-n", "1T", "--seed", "1", "-o", out])
            .timeout(std::time::Duration::from_secs(30))
            .output()
            .unwrap();
        refused(&o, &format!("cannot write results to {out}: {why}"));
    }
    assert_eq!(fs::read_dir(d).unwrap().count(), before, "nothing written");
}

/// Two processes writing one folder at once: the second is refused before sampling,
/// naming the first; once the first ends, its lock is gone and the folder is free.
#[cfg(unix)]
#[test]
fn a_second_writer_of_a_folder_is_refused_while_the_first_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let first = bin()
        .current_dir(d)
        .args(["run", "-n", "1T", "--seed", "1", "-o", "r", "-q"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let lock = d.join(".r.agi-timelines-lock");
    let t = std::time::Instant::now();
    while fs::read_to_string(&lock).map_or(true, |s| s.trim() != first.id().to_string()) {
        assert!(t.elapsed().as_secs() < 30, "the first run took no lock");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    for args in [
        &["run", "skeptic", "-n", "1000", "--seed", "2", "-o", "r"][..],
        &[
            "compare",
            "skeptic",
            "epoch-trends",
            "-n",
            "1000",
            "-o",
            "r",
        ][..],
    ] {
        refused(
            &run_in(d, args),
            &format!(
                "cannot write results to r: another agi-timelines process (pid {}) is writing results there",
                first.id()
            ),
        );
    }
    assert!(
        Command::new("kill")
            .args(["-INT", &first.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    let out = first.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !lock.exists(),
        "the lock file is removed when its holder ends"
    );
    ok(&run_in(
        d,
        &["run", "-n", "1000", "--seed", "2", "-o", "r", "-q"],
    ));
    let names: Vec<String> = fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["r"]);
}

/// Tiny inputs, huge memory: a daily histogram over 10,000 years (a 1 KB file) peaked
/// at ~300 MB in `run` and 1.1 GB in `compare`. The span, the bins and the tallies
/// are bounded before sampling, each refusal naming what to change.
#[test]
fn runs_whose_tallies_would_be_huge_are_refused_before_sampling() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let refuse = |args: &[&str], words: &str| {
        let o = assert_cmd::cargo::cargo_bin_cmd!("agi-timelines")
            .current_dir(d)
            .args(args)
            .timeout(std::time::Duration::from_secs(30))
            .output()
            .unwrap();
        refused(&o, words);
    };
    fs::write(
        d.join("long.toml"),
        "start = -5000\nhorizon = 5000\nthreshold = \"1 to 1000\"\n[drivers.a]\nrate = \"0.01 to 1\"\n",
    )
    .unwrap();
    refuse(
        &["run", "long.toml", "-n", "1T", "--bin-width", "day"],
        "at most 1000 years are supported",
    );
    fs::write(
        d.join("millennium.toml"),
        "start = 2000\nhorizon = 3000\nthreshold = \"1 to 1000\"\n[drivers.a]\nrate = \"0.01 to 1\"\n",
    )
    .unwrap();
    refuse(
        &[
            "run",
            "millennium.toml",
            "-n",
            "1T",
            "--bin-width",
            "1/1000",
        ],
        "bin width 1/1000 over 1000 years is 1,000,000 bins (the span in years times 1000 bins a year); the limit is 500,000",
    );
    // sensitivity over 421 uncertain inputs and 1,000 years
    let mut text = String::from("start = 2000\nhorizon = 3000\nthreshold = \"3 to 9\"\n");
    for i in 0..60 {
        text.push_str(&format!(
            "[drivers.d{i}]\nrate = \"0.1 to 1\"\ncap = \"1 to 3\"\nafter_cap = \"0.01 to 0.1\"\n"
        ));
    }
    for i in 0..60 {
        text.push_str(&format!(
            "[bottlenecks.b{i}]\nonset = {{ year = \"2010 to 2040\" }}\nduration = \"1 to 5\"\neffect = {{ d0 = \"0.1 to 0.9\", d1 = \"0.1 to 0.9\" }}\n"
        ));
    }
    fs::write(d.join("wide.toml"), &text).unwrap();
    refuse(
        &["run", "wide.toml", "-n", "1T", "--sensitivity", "-o", "w"],
        "sensitivity 194 MiB (421 uncertain inputs x 20,001 cells of 1/20 year x 3 counters)); the limit is 32 MiB",
    );
    // twelve scenarios of 22.3 MiB each to compare: 64 bottlenecks (128 attribution
    // groups x 20,001 cells) and 365,000 daily cells, 23,401,024 bytes
    let mut names = Vec::new();
    for s in 0..12 {
        let mut text = format!(
            "name = \"s{s}\"\nstart = 2000\nhorizon = 3000\nthreshold = 9\n[drivers.c]\nrate = 1\n"
        );
        for i in 0..64 {
            text.push_str(&format!(
                "[bottlenecks.b{i}]\nonset = {{ year = 2050 }}\neffect = {{ c = 0.5 }}\n"
            ));
        }
        let name = format!("s{s}.toml");
        fs::write(d.join(&name), text).unwrap();
        names.push(name);
    }
    let mut args = vec!["compare"];
    args.extend(names.iter().map(String::as_str));
    args.extend(["-n", "1T", "--bin-width", "day"]);
    refuse(
        &args,
        "comparing 12 scenarios keeps all their tallies, 268 MiB in all; the limit is 256 MiB",
    );
    assert!(!d.join("results").exists() && !d.join("w").exists());
}

/// A run of absurd length says so on stderr even in batch (no terminal): `-n 1e19`
/// ran for weeks in silence. The estimate comes after its first second; Ctrl-C then
/// stops it with nothing written.
#[cfg(unix)]
#[test]
fn a_run_that_will_take_long_says_so_on_stderr() {
    use std::io::BufRead;
    let tmp = tempfile::tempdir().unwrap();
    let mut child = bin()
        .current_dir(tmp.path())
        .args(["run", "-n", "1e19", "--seed", "1", "-o", "r"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines() {
            let _ = tx.send(line.unwrap());
        }
    });
    // the first line within a generous limit (it comes after about a second)
    let line = rx
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("no estimate on stderr");
    assert!(
        line.starts_with("situational-awareness: 10,000,000,000,000,000,000 trajectories at ")
            && line.contains(" years (measured over its first ")
            && line.ends_with("Ctrl-C stops it and writes nothing"),
        "{line}"
    );
    assert!(
        Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    assert_eq!(child.wait().unwrap().code(), Some(130));
    assert!(rx.recv().unwrap().contains("interrupted"));
    assert!(!tmp.path().join("r").exists());
}

/// `-o .` (the current folder): results are renamed into place file by file, so the
/// folder itself stays (a swap would leave the shell in a deleted folder); the lock
/// goes beside it, not into it.
#[cfg(unix)]
#[test]
fn the_current_folder_as_output_stays_in_place() {
    use std::os::unix::fs::MetadataExt;
    let tmp = tempfile::tempdir().unwrap();
    let here = tmp.path().join("here");
    fs::create_dir(&here).unwrap();
    let inode = fs::metadata(&here).unwrap().ino();
    ok(&run_in(
        &here,
        &[
            "run",
            "-n",
            "1000",
            "--seed",
            "1",
            "-o",
            ".",
            "-q",
            "--sensitivity",
        ],
    ));
    ok(&run_in(
        &here,
        &["run", "-n", "1000", "--seed", "2", "-o", ".", "-q"],
    ));
    assert_eq!(
        fs::metadata(&here).unwrap().ino(),
        inode,
        "the folder was replaced"
    );
    assert!(read(here.join("summary.csv")).contains("seed,2,"));
    assert!(
        !here.join("sensitivity.csv").exists(),
        "the earlier set went whole"
    );
    let mut names: Vec<String> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["here"], "no lock or staging folder left");
}
