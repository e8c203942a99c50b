//! Runs split across machines: shards merge to exactly the single-machine result, and
//! shards of different runs are refused.

use crate::harness::*;
use std::fs;
use std::path::Path;
use std::process::Command;

const OUTPUTS: &[&str] = &[
    "histogram.csv",
    "summary.csv",
    "attribution.csv",
    "sensitivity.csv",
    "chart.svg",
    "chart.png",
];

#[test]
fn merged_shards_equal_a_single_run_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    // 100,000 trajectories = 7 chunks over 3 shards: uneven parts, a partial last chunk
    ok(&run_in(
        d,
        &[
            "run",
            "epoch-trends",
            "-n",
            "100000",
            "--seed",
            "11",
            "--sensitivity",
            "-o",
            "single",
            "-q",
        ],
    ));
    for k in 1..=3 {
        let shard = format!("{k}/3");
        ok(&run_in(
            d,
            &[
                "run",
                "epoch-trends",
                "-n",
                "100000",
                "--seed",
                "11",
                "--sensitivity",
                "--shard",
                &shard,
                "-q",
                "-j",
                "1",
            ],
        ));
    }
    // given out of order, as a shell glob might
    ok(&run_in(
        d,
        &[
            "merge",
            "results/epoch-trends.shard-3-of-3",
            "results/epoch-trends.shard-1-of-3",
            "results/epoch-trends.shard-2-of-3",
            "-o",
            "merged",
            "-q",
        ],
    ));
    for f in OUTPUTS {
        assert_eq!(
            fs::read(d.join("single").join(f)).unwrap(),
            fs::read(d.join("merged").join(f)).unwrap(),
            "{f}"
        );
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(d.join("merged/manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["shard"], "merged from 3 shards");
}

#[test]
fn merge_refuses_mismatched_incomplete_or_duplicate_shards() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let shard = |name: &str, seed: &str, n: &str, k: &str, out: &str| {
        ok(&run_in(
            d,
            &[
                "run", name, "-n", n, "--seed", seed, "--shard", k, "-o", out, "-q",
            ],
        ));
    };
    shard("skeptic", "1", "50000", "1/2", "a1");
    shard("skeptic", "1", "50000", "2/2", "a2");
    shard("skeptic", "2", "50000", "2/2", "seed2");
    shard("skeptic", "1", "60000", "2/2", "n60k");
    shard("epoch-trends", "1", "50000", "2/2", "other");
    refused(&run_in(d, &["merge", "a1", "seed2"]), "seed 1 vs 2");
    refused(
        &run_in(d, &["merge", "a1", "n60k"]),
        "trajectory count 50000 vs 60000",
    );
    refused(
        &run_in(d, &["merge", "a1", "other"]),
        "scenario skeptic vs epoch-trends",
    );
    refused(&run_in(d, &["merge", "a1"]), "missing shards: 2/2");
    refused(&run_in(d, &["merge", "a1", "a2", "a2"]), "given twice");
    refused(&run_in(d, &["merge", "a1", "nowhere"]), "cannot read");
    // an attribution count edited by hand (so p_fired would be off) is refused by the
    // digest (edited as text: the file holds u128 sums that serde_json's Value would
    // round)
    let path = d.join("a2/tally.json");
    let original = fs::read_to_string(&path).unwrap();
    let key = "\"combos\":[";
    let at = original.find(key).expect("combos in the tally") + key.len();
    let end = at + original[at..].find([',', ']']).unwrap();
    let count: u64 = original[at..end].trim().parse().unwrap();
    let edited = format!("{}{}{}", &original[..at], count + 1, &original[end..]);
    fs::write(&path, edited).unwrap();
    refused(
        &run_in(d, &["merge", "a1", "a2"]),
        "its digest does not match its content: the file was damaged or edited",
    );
    fs::write(&path, &original).unwrap();
    ok(&run_in(d, &["merge", "a1", "a2", "-o", "merged"]));
    fs::write(d.join("a2/tally.json"), "{}").unwrap();
    refused(&run_in(d, &["merge", "a1", "a2"]), "not a shard tally");
    // a shard needs an explicit seed; K/N must be sensible
    refused(
        &run_in(d, &["run", "--shard", "1/2", "-o", "x"]),
        "--shard needs --seed",
    );
    assert_eq!(
        run_in(d, &["run", "--shard", "3/2", "--seed", "1", "-o", "x"])
            .status
            .code(),
        Some(2)
    );
    assert!(!d.join("x").exists() || fs::read_dir(d.join("x")).unwrap().count() == 0);
}

/// The Slurm script outside Slurm, with the variables Slurm would set: the program is
/// found where a user has it (here a clone's target/release under the submit folder,
/// with neither AGI_TIMELINES nor PATH nor ~/.cargo/bin having it), the shards merge to
/// one run, an array not numbered 1-N is refused, and a missing program is reported
/// with where it was looked for. (tests/it/slurm.rs runs it on a real cluster.)
#[cfg(unix)]
#[test]
fn the_slurm_script_runs_one_array_task() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/slurm-shards.sh");
    fs::create_dir_all(d.join("target/release")).unwrap();
    std::os::unix::fs::symlink(
        env!("CARGO_BIN_EXE_agi-timelines"),
        d.join("target/release/agi-timelines"),
    )
    .unwrap();
    let task = |k: &str, min: &str, extra: &[(&str, &str)]| {
        Command::new("bash")
            .current_dir(d)
            .arg(&script)
            .args(["skeptic", "40000", "3"])
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", d.join("no-home"))
            .env("SLURM_ARRAY_TASK_COUNT", "2")
            .env("SLURM_ARRAY_TASK_ID", k)
            .env("SLURM_ARRAY_TASK_MIN", min)
            .env("SLURM_ARRAY_TASK_MAX", "2")
            .env("SLURM_SUBMIT_DIR", d)
            .envs(extra.iter().copied())
            .output()
            .unwrap()
    };
    for k in ["1", "2"] {
        ok(&task(k, "1", &[]));
    }
    ok(&run_in(
        d,
        &[
            "merge",
            "results/skeptic.shard-1-of-2",
            "results/skeptic.shard-2-of-2",
            "-o",
            "m",
            "-q",
            "--no-chart",
        ],
    ));
    ok(&run_in(
        d,
        &[
            "run",
            "skeptic",
            "-n",
            "40000",
            "--seed",
            "3",
            "-o",
            "s",
            "-q",
            "--no-chart",
        ],
    ));
    assert_eq!(
        fs::read(d.join("m/summary.csv")).unwrap(),
        fs::read(d.join("s/summary.csv")).unwrap()
    );
    // --array=0-1: task 0 would be no shard
    let o = task("1", "0", &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("use --array=1-N"), "{}", stderr(&o));
    // nowhere to be found
    fs::remove_file(d.join("target/release/agi-timelines")).unwrap();
    let o = task("1", "1", &[]);
    assert_ne!(o.status.code(), Some(0));
    assert!(
        stderr(&o).contains("agi-timelines not found")
            && stderr(&o).contains("no-home/.cargo/bin (cargo install --path .)")
            && stderr(&o).contains("set AGI_TIMELINES="),
        "{}",
        stderr(&o)
    );
    // AGI_TIMELINES wins
    let program = env!("CARGO_BIN_EXE_agi-timelines");
    ok(&task("1", "1", &[("AGI_TIMELINES", program)]));
}

#[test]
fn completions_and_version() {
    let tmp = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let o = run_in(tmp.path(), &["completions", shell]);
        ok(&o);
        assert!(
            String::from_utf8_lossy(&o.stdout).contains("merge"),
            "{shell}"
        );
    }
    // bash completes flags after a subcommand (clap_complete misspelled the case labels
    // of hyphenated binaries: nothing completed after `run`)
    if Path::new("/bin/bash").exists() {
        let script = tmp.path().join("comp.bash");
        fs::write(&script, run_in(tmp.path(), &["completions", "bash"]).stdout).unwrap();
        let o = Command::new("/bin/bash")
            .arg("-c")
            .arg(format!(
                "source '{}'; COMP_WORDS=(agi-timelines run --s); COMP_CWORD=2; \
                 COMP_LINE='agi-timelines run --s'; COMP_POINT=${{#COMP_LINE}}; \
                 _agi__timelines agi-timelines --s run; echo \"${{COMPREPLY[@]}}\"",
                script.display()
            ))
            .output()
            .unwrap();
        let words = String::from_utf8_lossy(&o.stdout).into_owned();
        for flag in ["--seed", "--sensitivity", "--shard"] {
            assert!(words.split_whitespace().any(|w| w == flag), "{words:?}");
        }
    }
    let o = run_in(tmp.path(), &["--version"]);
    let v = String::from_utf8_lossy(&o.stdout);
    assert!(
        v.starts_with(&format!(
            "agi-timelines {} (git ",
            env!("CARGO_PKG_VERSION")
        )),
        "{v}"
    );
    for cmd in [
        "run",
        "check",
        "compare",
        "merge",
        "scenarios",
        "completions",
    ] {
        let o = run_in(tmp.path(), &[cmd, "--help"]);
        ok(&o);
        assert!(
            String::from_utf8_lossy(&o.stdout).contains("Examples:"),
            "{cmd} --help has examples"
        );
    }
}

/// A shard of `name` (a shipped scenario), `n` trajectories, seed 5, computed by the
/// library and written as `run --shard k/count` would, into `dir`.
fn write_shard(dir: &Path, name: &str, n: u64, k: u64, count: u64, sensitivity: bool) {
    write_shard_with(dir, name, n, (k, count), sensitivity, true, &[]);
}

/// A shard with or without the scenario's evidence, and with signposts at `signposts`.
fn write_shard_with(
    dir: &Path,
    name: &str,
    n: u64,
    (k, count): (u64, u64),
    sensitivity: bool,
    no_evidence: bool,
    signposts: &[f64],
) {
    use agi_timelines::engine::{RunSpec, Shard, Silent, simulate_with_threads};
    use agi_timelines::model::EvidenceChange;
    use agi_timelines::shard::ShardFile;
    use agi_timelines::tally::{BinWidth, Grid};
    let mut loaded = agi_timelines::scenarios::load(Some(std::ffi::OsStr::new(name))).unwrap();
    let change = EvidenceChange {
        as_of: None,
        no_evidence,
    };
    change.apply(&mut loaded.model).unwrap();
    let m = &loaded.model;
    let bin = BinWidth::Years(1);
    let mut spec = RunSpec::new(m, 5, n, Grid::new(m.start, m.horizon, bin).unwrap());
    spec.shard = Shard { index: k, count };
    if sensitivity {
        spec = spec.with_sensitivity(m);
    }
    if !signposts.is_empty() {
        spec = agi_timelines::engine::with_signposts(m, spec, signposts);
    }
    let tally = simulate_with_threads(m, &spec, 2, &Silent)
        .unwrap()
        .unwrap();
    agi_timelines::output::write_set(
        dir,
        &ShardFile::new(&loaded, &spec, bin, change, tally).files(2, 0.0),
    )
    .unwrap();
}

/// Read a shard folder's tally.json, change it with `edit`, seal it again (as a careful
/// forger would, so the digest matches) and write it back.
fn edit_sealed(dir: &Path, edit: impl FnOnce(&mut agi_timelines::shard::ShardFile)) {
    let path = dir.join("tally.json");
    let mut s: agi_timelines::shard::ShardFile =
        serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    edit(&mut s);
    s.seal();
    fs::write(&path, serde_json::to_vec(&s).unwrap()).unwrap();
}

/// Tampering that keeps the counts' sum, and tampering re-sealed with a matching
/// digest: each breaks an invariant the merge checks, and is refused naming it.
#[test]
fn tampered_shards_are_refused_even_with_a_matching_digest() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let fresh = |label: &str| {
        for k in 1..=2 {
            let dir = d.join(format!("{label}{k}"));
            let _ = fs::remove_dir_all(&dir);
            write_shard(&dir, "epoch-trends", 50_000, k, 2, true);
        }
        (
            d.join(format!("{label}1")).display().to_string(),
            d.join(format!("{label}2")).display().to_string(),
        )
    };
    let (a1, a2) = fresh("a");
    ok(&run_in(
        d,
        &["merge", &a1, &a2, "-o", "m", "-q", "--no-chart"],
    ));
    type Edit = fn(&mut agi_timelines::shard::ShardFile);
    let cases: Vec<(&str, Edit)> = vec![
        // a count moved from the first arrivals to the last cell: the sum of counts
        // holds, the sum of arrival years cannot
        (
            "its sums of arrival years do not fit its histogram counts",
            |s| {
                let h = &mut s.tally.histogram;
                let first = h.counts.iter().position(|&c| c > 0).unwrap();
                h.counts[first] -= 1;
                *h.counts.last_mut().unwrap() += 1;
            },
        ),
        // the fixed-point sum doubled (the mean's error read 0.0000)
        (
            "its sums of arrival years do not fit its histogram counts",
            |s| {
                s.tally.histogram.sum_fixed *= 2;
            },
        ),
        (
            "its sums of arrival years do not fit its histogram counts",
            |s| {
                s.tally.histogram.sum_sq_fixed /= 2;
            },
        ),
        (
            "its histogram counts do not add up to its 32768 trajectories",
            |s| {
                s.tally.histogram.not_by_horizon += 1;
            },
        ),
        // two counts raised by 2^63: the right total modulo 2^64
        (
            "its histogram counts do not add up to its 32768 trajectories",
            |s| {
                let h = &mut s.tally.histogram;
                h.counts[0] += 1 << 63;
                h.not_by_horizon += 1 << 63;
            },
        ),
        (
            "its attribution counts do not add up to its 32768 trajectories",
            |s| {
                s.tally.attribution.combos[0] += 1;
            },
        ),
        // one of the earliest arrivals (whose years add next to nothing to the sums)
        // turned into a non-arrival, in the histogram alone
        (
            "its histogram and attribution disagree on how many arrived",
            |s| {
                let h = &mut s.tally.histogram;
                let first = h.counts.iter().position(|&c| c > 0).unwrap();
                h.counts[first] -= 1;
                h.not_by_horizon += 1;
            },
        ),
        (
            "its sensitivity counts exceed the trajectories of their cell",
            |s| {
                let t = s.tally.sensitivity.as_mut().unwrap();
                let cell = t.counts.iter().position(|&c| c > 0).unwrap();
                let c = t.counts[cell];
                t.per_cell[cell * t.inputs][1] = c + 1;
            },
        ),
        ("its sensitivity rank sums are inconsistent", |s| {
            s.tally.sensitivity.as_mut().unwrap().moments[0][1] += 1 << 40;
        }),
        ("its sensitivity and attribution counts differ", |s| {
            let t = s.tally.sensitivity.as_mut().unwrap();
            t.counts[0] += 1;
            *t.counts.last_mut().unwrap() -= 1;
        }),
        // shard 1/2 relabelled 2/2: a well-formed tally of the wrong size
        (
            "shard 2/2: its histogram counts do not add up to its 17232 trajectories",
            |s| {
                s.shard_index = 2;
            },
        ),
    ];
    for (words, edit) in cases {
        let (a1, a2) = fresh("a");
        edit_sealed(Path::new(&a1), edit);
        // the relabelled shard alone (with its twin it would be "given twice")
        let o = if words.starts_with("shard 2/2") {
            run_in(d, &["merge", &a1, "-o", "m2", "-q"])
        } else {
            run_in(d, &["merge", &a2, &a1, "-o", "m2", "-q"])
        };
        refused(&o, words);
        assert!(stderr(&o).contains("(edited or corrupt)"), "{}", stderr(&o));
    }
    assert!(!d.join("m2").exists());
}

/// The evidence and signpost tallies are checked as strictly: the prior must hold every
/// trajectory drawn and every one kept, the ratio sums must be possible, the signposts
/// must be counted among the kept arrivals, at their own cuts, in groups that exist.
#[test]
fn tampered_evidence_and_signposts_are_refused_even_with_a_matching_digest() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let fresh = || {
        for k in 1..=2 {
            let dir = d.join(format!("e{k}"));
            let _ = fs::remove_dir_all(&dir);
            write_shard_with(
                &dir,
                "situational-awareness",
                40_000,
                (k, 2),
                false,
                false,
                &[2027.5, 2029.0],
            );
        }
        (
            d.join("e1").display().to_string(),
            d.join("e2").display().to_string(),
        )
    };
    let (e1, e2) = fresh();
    ok(&run_in(
        d,
        &["merge", &e1, &e2, "-o", "m", "-q", "--no-chart"],
    ));
    assert!(d.join("m/signposts.csv").exists());
    type Edit = fn(&mut agi_timelines::shard::ShardFile);
    let cases: Vec<(&str, Edit)> = vec![
        ("its evidence counts (16385 drawn", |s| {
            s.tally.evidence.as_mut().unwrap().drawn += 1;
        }),
        ("its likelihood-ratio sums are inconsistent", |s| {
            let e = s.tally.evidence.as_mut().unwrap();
            e.ratio_sum[0] = e.ratio_sum[0] * 3 / 2;
        }),
        // a kept arrival moved to a cell where the prior holds no more than were kept
        ("it keeps trajectories its prior does not hold", |s| {
            let prior = s.tally.evidence.as_ref().unwrap().prior.counts.clone();
            let h = &mut s.tally.histogram;
            let from = h.counts.iter().position(|&c| c > 0).unwrap();
            let to = (0..prior.len())
                .rev()
                .find(|&c| prior[c] == h.counts[c])
                .unwrap();
            h.counts[from] -= 1;
            h.counts[to] += 1;
        }),
        ("signposts were cut at other values", |s| {
            let sp = s.tally.signposts.as_mut().unwrap();
            let (lo, hi) = sp.cuts[0].unwrap();
            sp.cuts[0] = Some((lo + 0.01, hi));
        }),
        // an arrival before 2027.5 counted among those not arrived by then
        (
            "its signpost counts at 2027.5 do not fit its arrivals",
            |s| {
                let sp = s.tally.signposts.as_mut().unwrap();
                sp.all[0] += 1;
                sp.counts[0] += 1;
            },
        ),
        // a bottleneck "half started": the middle group of a yes/no observable
        ("a group that cannot have any", |s| {
            let sp = s.tally.signposts.as_mut().unwrap();
            let (k, c) = (sp.observables, sp.cells);
            let o = k - 1; // the last observable: a bottleneck's start
            let at = sp.all[..c].iter().position(|&n| n > 0).unwrap();
            sp.counts[(o * 3 + 1) * c + at] += 1;
            sp.counts[(o * 3 + 2) * c + at] -= u64::from(sp.counts[(o * 3 + 2) * c + at] > 0);
        }),
        (
            "its signpost groups at 2029 do not add up to its count",
            |s| {
                let sp = s.tally.signposts.as_mut().unwrap();
                let (k, c) = (sp.observables, sp.cells);
                let at = sp.all[c..2 * c].iter().position(|&n| n > 0).unwrap();
                sp.counts[((k) * 3) * c + at] += 1; // year 1, observable 0, group 0
            },
        ),
    ];
    for (words, edit) in cases {
        let (e1, e2) = fresh();
        edit_sealed(Path::new(&e1), edit);
        let o = run_in(d, &["merge", &e2, &e1, "-o", "m2", "-q"]);
        refused(&o, words);
        assert!(stderr(&o).contains("(edited or corrupt)"), "{}", stderr(&o));
    }
    assert!(!d.join("m2").exists());
}

/// `run --shard 1/18446744073709551615` of 1,000 trajectories is refused (it wrote a
/// shard that made `merge` panic with "capacity overflow"); a file claiming that many
/// shards is refused by merge without sizing anything from the claim; and the missing
/// shards of a real run of a million shards are listed ten and counted (the message
/// was 16 MB).
#[test]
fn absurd_shard_counts_are_refused_and_missing_shards_listed_briefly() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    refused(
        &run_in(
            d,
            &[
                "run",
                "skeptic",
                "-n",
                "1000",
                "--seed",
                "1",
                "--shard",
                "1/18446744073709551615",
                "-o",
                "s",
            ],
        ),
        "a run of 1,000 trajectories is 1 chunk of 16,384 trajectories, so it splits into at most 1 shard",
    );
    refused(
        &run_in(
            d,
            &[
                "run", "skeptic", "-n", "100000", "--seed", "1", "--shard", "8/8", "-o", "s",
            ],
        ),
        "so it splits into at most 7 shards",
    );
    assert!(!d.join("s").exists());
    write_shard(&d.join("one"), "skeptic", 1000, 1, 1, false);
    edit_sealed(&d.join("one"), |s| s.shard_count = u64::MAX);
    refused(
        &run_in(d, &["merge", "one", "-o", "m"]),
        "the shards claim 18446744073709551615 shards of a run of 1000 trajectories (1 chunks), which `run --shard` never writes",
    );
    // A run of 10^12 trajectories in a million shards: shards 1 and 4 of it.
    let n = 1_000_000_000_000;
    write_shard(&d.join("s1"), "skeptic", n, 1, 1_000_000, false);
    write_shard(&d.join("s4"), "skeptic", n, 4, 1_000_000, false);
    let o = run_in(d, &["merge", "s4", "s1", "-o", "m"]);
    refused(
        &o,
        "missing shards: 2/1000000, 3/1000000, 5/1000000, 6/1000000, 7/1000000, 8/1000000, 9/1000000, 10/1000000, 11/1000000, 12/1000000, ... (999998 in all) (all 1000000 are needed)",
    );
    assert!(stderr(&o).len() < 500, "{}", stderr(&o));
    assert!(!d.join("m").exists());
}

/// `merge ... -o` naming one of its own shards (by any path) is refused and the
/// shard's tally survives (it was replaced by the merged results, exit 0).
#[test]
fn merging_into_one_of_its_own_shards_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    for k in 1..=2 {
        write_shard(&d.join(format!("s{k}")), "skeptic", 40_000, k, 2, false);
    }
    let before = fs::read(d.join("s2/tally.json")).unwrap();
    for out in ["s2", "./s2", "s1/../s2"] {
        refused(
            &run_in(d, &["merge", "s1", "s2/tally.json", "-o", out]),
            "holds the shard s2/tally.json; merge into another folder",
        );
    }
    assert_eq!(fs::read(d.join("s2/tally.json")).unwrap(), before);
    ok(&run_in(d, &["merge", "s1", "s2", "-o", "m", "-q"]));
}
