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
    // an attribution count edited by hand (so p_fired would be off) is refused
    // (edited as text: the file holds u128 sums that serde_json's Value would round)
    let path = d.join("a2/tally.json");
    let original = fs::read_to_string(&path).unwrap();
    let key = "\"combos\":[";
    let at = original.find(key).expect("combos in the tally") + key.len();
    let end = at + original[at..].find([',', ']']).unwrap();
    let count: u64 = original[at..end].trim().parse().unwrap();
    let edited = format!("{}{}{}", &original[..at], count + 1, &original[end..]);
    fs::write(&path, edited).unwrap();
    refused(&run_in(d, &["merge", "a1", "a2"]), "do not add up");
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

#[test]
fn the_slurm_script_runs_one_array_task() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/slurm-shards.sh");
    for k in ["1", "2"] {
        let o = Command::new("bash")
            .current_dir(d)
            .arg(&script)
            .args(["skeptic", "40000", "3"])
            .env("SLURM_ARRAY_TASK_COUNT", "2")
            .env("SLURM_ARRAY_TASK_ID", k)
            .env("AGI_TIMELINES", env!("CARGO_BIN_EXE_agi-timelines"))
            .output()
            .unwrap();
        ok(&o);
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
