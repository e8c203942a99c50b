//! `scripts/slurm-shards.sh` on a real Slurm: `scripts/slurm-test-cluster.sh` installs
//! Debian's slurm-wlm and munge if they are missing and starts a single-node cluster on
//! loopback; the job arrays are submitted exactly as the README says, the shards merged
//! and compared byte for byte with one run. A machine where Slurm cannot be installed
//! or started fails this test, saying why: it never passes without a cluster.

use crate::harness::*;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The cluster's daemons, stopped when dropped (and by the script's watchdog should
/// this process die first).
struct Cluster {
    dir: PathBuf,
    conf: String,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = std::process::Command::new("bash")
            .arg(script("slurm-test-cluster.sh"))
            .arg("stop")
            .arg(&self.dir)
            .status();
    }
}

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scripts")
        .join(name)
}

fn start_cluster(dir: &Path) -> Cluster {
    let out = assert_cmd::Command::new("bash")
        .arg(script("slurm-test-cluster.sh"))
        .arg("start")
        .arg(dir)
        .arg(std::process::id().to_string())
        // installing takes a minute at most on a normal connection
        .timeout(Duration::from_secs(600))
        .output()
        .expect("bash runs");
    let cluster = Cluster {
        dir: dir.to_path_buf(),
        conf: dir.join("slurm.conf").display().to_string(),
    };
    assert!(
        out.status.success(),
        "could not install or start a Slurm cluster (scripts/slurm-test-cluster.sh, exit {:?}); this test needs one:\n{}{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&format!("SLURM_CONF={}", cluster.conf)),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    cluster
}

/// `sbatch --wait --array=1-N [extra] slurm-shards.sh ARGS` in `work`, with exactly the
/// environment `env` (plus SLURM_CONF); returns the job id once every task is done.
fn submit(
    cluster: &Cluster,
    work: &Path,
    env: &[(&str, &str)],
    extra: &[&str],
    args: &[&str],
) -> String {
    let mut cmd = assert_cmd::Command::new("sbatch");
    cmd.current_dir(work)
        .env_clear()
        .envs(env.iter().copied())
        .env("SLURM_CONF", &cluster.conf)
        .arg("--wait")
        .args(extra)
        .arg(script("slurm-shards.sh"))
        .args(args)
        .timeout(Duration::from_secs(300));
    let out = cmd.output().expect("sbatch runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let logs: String = fs::read_dir(work)
        .unwrap()
        .filter_map(|e| {
            let p = e.unwrap().path();
            (p.extension().is_some_and(|x| x == "log"))
                .then(|| format!("--- {}\n{}", p.display(), fs::read_to_string(&p).unwrap()))
        })
        .collect();
    assert!(
        out.status.success(),
        "sbatch {extra:?} {args:?} failed (exit {:?}):\n{stdout}{}\n{logs}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .split_whitespace()
        .last()
        .filter(|id| id.chars().all(|c| c.is_ascii_digit()))
        .unwrap_or_else(|| panic!("no job id in: {stdout}"))
        .to_string()
}

/// The README's workflow on a 2-CPU (or any) node, once with the program where `cargo
/// install` puts it (not on PATH, no AGI_TIMELINES), once on PATH with two CPUs a
/// task: every task succeeds, and the merge equals one run byte for byte.
#[cfg(target_os = "linux")]
#[test]
fn the_slurm_array_on_a_real_cluster_merges_to_exactly_one_run() {
    let tmp = tempfile::tempdir().unwrap();
    let cluster = start_cluster(&tmp.path().join("cluster"));
    let program = env!("CARGO_BIN_EXE_agi-timelines");

    // `cargo install --path .` leaves the program in ~/.cargo/bin, which a batch
    // job's PATH may well lack.
    let home = tmp.path().join("home");
    fs::create_dir_all(home.join(".cargo/bin")).unwrap();
    fs::copy(program, home.join(".cargo/bin/agi-timelines")).unwrap();
    let work = tmp.path().join("work");
    fs::create_dir(&work).unwrap();
    let home_s = home.display().to_string();
    let job = submit(
        &cluster,
        &work,
        &[("PATH", "/usr/local/bin:/usr/bin:/bin"), ("HOME", &home_s)],
        &["--array=1-4"],
        &["skeptic", "200k", "20261129"],
    );
    for k in 1..=4 {
        let log = work.join(format!("agi-timelines-{job}_{k}.log"));
        assert_eq!(
            read(log.clone()),
            "",
            "{}: -q prints nothing",
            log.display()
        );
        assert!(
            work.join(format!("results/skeptic.shard-{k}-of-4/tally.json"))
                .exists()
        );
    }
    ok(&run_in(
        &work,
        &[
            "merge",
            "results/skeptic.shard-1-of-4",
            "results/skeptic.shard-2-of-4",
            "results/skeptic.shard-3-of-4",
            "results/skeptic.shard-4-of-4",
            "-o",
            "results/skeptic",
            "-q",
        ],
    ));
    ok(&run_in(
        &work,
        &[
            "run", "skeptic", "-n", "200k", "--seed", "20261129", "-o", "single", "-q",
        ],
    ));
    for f in [
        "histogram.csv",
        "summary.csv",
        "attribution.csv",
        "chart.svg",
        "chart.png",
    ] {
        assert!(
            fs::read(work.join("results/skeptic").join(f)).unwrap()
                == fs::read(work.join("single").join(f)).unwrap(),
            "{f} of the merged Slurm shards differs from one run"
        );
    }

    // The program on PATH, two CPUs a task (two threads each).
    let bin_dir = tmp.path().join("bin");
    fs::create_dir(&bin_dir).unwrap();
    std::os::unix::fs::symlink(program, bin_dir.join("agi-timelines")).unwrap();
    let path = format!("{}:/usr/local/bin:/usr/bin:/bin", bin_dir.display());
    let work2 = tmp.path().join("work2");
    fs::create_dir(&work2).unwrap();
    submit(
        &cluster,
        &work2,
        &[("PATH", &path), ("HOME", "/nonexistent")],
        &["--array=1-2", "--cpus-per-task=2"],
        &["epoch-trends", "100k", "7"],
    );
    for k in 1..=2 {
        let manifest: serde_json::Value = serde_json::from_str(&read(
            work2.join(format!("results/epoch-trends.shard-{k}-of-2/manifest.json")),
        ))
        .unwrap();
        assert_eq!(manifest["threads"], 2, "{manifest}");
    }
    ok(&run_in(
        &work2,
        &[
            "merge",
            "results/epoch-trends.shard-2-of-2",
            "results/epoch-trends.shard-1-of-2",
            "-o",
            "merged",
            "-q",
            "--no-chart",
        ],
    ));
    ok(&run_in(
        &work2,
        &[
            "run",
            "epoch-trends",
            "-n",
            "100k",
            "--seed",
            "7",
            "-o",
            "single",
            "-q",
            "--no-chart",
        ],
    ));
    for f in ["histogram.csv", "summary.csv", "attribution.csv"] {
        assert_eq!(
            fs::read(work2.join("merged").join(f)).unwrap(),
            fs::read(work2.join("single").join(f)).unwrap(),
            "{f}"
        );
    }
    drop(cluster);
}
