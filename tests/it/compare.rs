//! `compare` through the real binary.

use crate::harness::*;

#[test]
fn compare_writes_long_and_wide_csvs_with_one_seed() {
    let tmp = tempfile::tempdir().unwrap();
    let o = run_in(
        tmp.path(),
        &[
            "compare",
            "situational-awareness",
            "skeptic",
            "-n",
            "20k",
            "--seed",
            "5",
            "-o",
            "cmp",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let long = read(tmp.path().join("cmp/compare-histogram.csv"));
    let mut lines = long.lines();
    assert_eq!(
        lines.next().unwrap(),
        "scenario,year_start,year_end,probability,cumulative"
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 2 * (1 + 76 + 1));
    for name in ["situational-awareness", "skeptic"] {
        let last = rows.iter().rfind(|r| r[0] == name).unwrap();
        assert_eq!(
            (last[2], last[4]),
            ("", "1"),
            "{name}: the not-by-horizon row closes at 1"
        );
    }
    let wide = read(tmp.path().join("cmp/compare-summary.csv"));
    assert!(
        wide.starts_with("metric,situational-awareness,skeptic\n"),
        "{wide}"
    );
    assert!(wide.contains("\nseed,5,5\n"));
    assert!(wide.contains("\np50_std_error,"));
    // each column equals what `run` gives for the same seed and count
    let o = run_in(
        tmp.path(),
        &["run", "skeptic", "-n", "20k", "--seed", "5", "-o", "solo"],
    );
    assert!(o.status.success());
    let solo = read(tmp.path().join("solo/summary.csv"));
    let p10 = solo
        .lines()
        .find(|l| l.starts_with("p10,"))
        .unwrap()
        .split(',')
        .nth(1)
        .unwrap();
    let wide_p10 = wide
        .lines()
        .find(|l| l.starts_with("p10,"))
        .unwrap()
        .split(',')
        .nth(2)
        .unwrap();
    assert_eq!(p10, wide_p10);
    // duplicate names are refused before any work
    let o = run_in(tmp.path(), &["compare", "skeptic", "skeptic", "-o", "dup"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!tmp.path().join("dup").exists());
}
