//! The bad-priors corpus (`tests/bad-priors/`, described in its README.md) through the
//! real binary: every malformed file is refused by `check` and by `run` with exit code
//! 2, a located message (`FILE:LINE:COLUMN: key `KEY`: ...`) that contains the
//! expected words, no panic, and not a single file written.

//!
//! Also `check`, `scenarios`, and how unknown scenarios and missing files are told
//! apart.

use crate::harness::*;
use assert_cmd::cargo::cargo_bin_cmd;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// One row of `tests/bad-priors/EXPECTED.tsv`.
#[derive(Debug)]
struct Case {
    file: String,
    line: usize,
    column: usize,
    /// Dotted key, or `None` for whole-file problems (syntax, encoding).
    key: Option<String>,
    class: String,
    fragment: String,
}

/// A refusal takes milliseconds; this only turns a hang into a failure.
const LIMIT: std::time::Duration = std::time::Duration::from_secs(30);

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad-priors")
}

fn corpus() -> Vec<Case> {
    let manifest = std::fs::read_to_string(corpus_dir().join("EXPECTED.tsv")).unwrap();
    let cases: Vec<Case> = manifest
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(
                f.len(),
                6,
                "EXPECTED.tsv row needs 6 tab-separated fields: {l}"
            );
            Case {
                file: f[0].to_string(),
                line: f[1].parse().unwrap(),
                column: f[2].parse().unwrap(),
                key: (f[3] != "-").then(|| f[3].to_string()),
                class: f[4].to_string(),
                fragment: f[5].to_string(),
            }
        })
        .collect();
    // Every file of the folder has a row, and every row a file.
    let mut on_disk: Vec<String> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n != "EXPECTED.tsv" && n != "README.md")
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = cases.iter().map(|c| c.file.clone()).collect();
    listed.sort();
    assert_eq!(
        on_disk, listed,
        "tests/bad-priors and EXPECTED.tsv disagree"
    );
    assert!(cases.len() >= 133, "the corpus shrank to {}", cases.len());
    cases
}

/// What is wrong with the stderr of a refused file, if anything.
fn judge(stderr: &str, path: &str, case: &Case) -> Option<String> {
    if stderr.contains("panicked") {
        return Some(format!("panicked:\n{stderr}"));
    }
    let at = format!("{path}:{}:{}:", case.line, case.column);
    let found = stderr.lines().any(|l| {
        l.contains(&at)
            && case
                .key
                .as_ref()
                .is_none_or(|k| l.contains(&format!("{at} key `{k}`: ")))
            && l.contains(&case.fragment)
    });
    (!found).then(|| {
        format!(
            "expected a line with `{at}`{} and `{}`; stderr:\n{stderr}",
            case.key
                .as_ref()
                .map_or(String::new(), |k| format!(" key `{k}`")),
            case.fragment
        )
    })
}

fn report(failures: Vec<String>) {
    assert!(
        failures.is_empty(),
        "{} failures:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn corpus_covers_every_class() {
    let mut by_class: BTreeMap<String, usize> = BTreeMap::new();
    for c in corpus() {
        *by_class.entry(c.class).or_default() += 1;
    }
    for class in [
        "syntax",
        "duplicate",
        "file",
        "type",
        "unknown-key",
        "family",
        "parameter",
        "truncation",
        "reference",
        "scenario",
        "missing",
        "name",
        "number",
        "correlation",
    ] {
        assert!(by_class.contains_key(class), "no case of class {class}");
    }
}

#[test]
fn check_refuses_every_bad_file_with_its_location_key_and_reason() {
    let mut failures = Vec::new();
    for case in corpus() {
        let path = corpus_dir().join(&case.file).display().to_string();
        let out = cargo_bin_cmd!("agi-timelines")
            .args(["check", &path])
            .timeout(LIMIT)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.code() != Some(2) {
            failures.push(format!(
                "{}: check exited {:?}, expected 2\n{stderr}",
                case.file,
                out.status.code()
            ));
        } else if let Some(why) = judge(&stderr, &path, &case) {
            failures.push(format!("{}: check: {why}", case.file));
        }
    }
    report(failures);
}

#[test]
fn run_refuses_every_bad_file_and_writes_nothing() {
    let mut failures = Vec::new();
    for case in corpus() {
        let path = corpus_dir().join(&case.file).display().to_string();
        let tmp = tempfile::tempdir().unwrap();
        let out_dir = tmp.path().join("out");
        let out = cargo_bin_cmd!("agi-timelines")
            .args(["run", &path, "-n", "1000", "--seed", "1", "-o"])
            .arg(&out_dir)
            .current_dir(tmp.path())
            .timeout(LIMIT)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.code() != Some(2) {
            failures.push(format!(
                "{}: run exited {:?}, expected 2\n{stderr}",
                case.file,
                out.status.code()
            ));
        } else if let Some(why) = judge(&stderr, &path, &case) {
            failures.push(format!("{}: run: {why}", case.file));
        }
        let left: Vec<_> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        if !left.is_empty() {
            failures.push(format!("{}: run wrote {left:?}", case.file));
        }
    }
    report(failures);
}

/// A file over the 1 MiB limit is refused before it is parsed (it is generated here
/// rather than committed).
#[test]
fn a_huge_file_is_refused_without_parsing_it() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("huge.toml");
    let mut text = String::from("threshold = 5\n[drivers.compute]\nrate = 0.5\n");
    let filler = "# a comment line that pads the file towards its size limit ...........\n";
    while text.len() <= agi_timelines::priors::MAX_FILE_BYTES {
        text.push_str(filler);
    }
    std::fs::write(&path, &text).unwrap();
    let path_s = path.display().to_string();
    let case = Case {
        file: "huge.toml".into(),
        line: 1,
        column: 1,
        key: None,
        class: "file".into(),
        fragment: "priors files are limited to 1048576 bytes".into(),
    };
    for args in [
        vec!["check", &path_s],
        vec!["run", &path_s, "-n", "1000", "--seed", "1", "-o", "out"],
    ] {
        let out = cargo_bin_cmd!("agi-timelines")
            .args(&args)
            .current_dir(tmp.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(judge(&stderr, &path_s, &case), None, "{args:?}");
        assert!(!tmp.path().join("out").exists());
    }
    // The library refuses the text too, located at the start of the file.
    let e = agi_timelines::priors::parse_model("huge.toml", &text).unwrap_err();
    assert_eq!((e.diagnostics[0].line, e.diagnostics[0].column), (1, 1));
}

/// 80,000 problems in one file (each line a misspelt key): the first 50 are listed in
/// file order, the rest counted, in bounded time and output (rendering was quadratic,
/// and printed 15 MB).
#[test]
fn eighty_thousand_problems_are_listed_fifty_and_counted() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("many.toml");
    let mut text = String::from("threshold = 5\n[drivers.compute]\nrate = 0.5\n");
    for i in 0..80_000 {
        text.push_str(&format!("k{i} = 1\n"));
    }
    assert!(text.len() < agi_timelines::priors::MAX_FILE_BYTES);
    std::fs::write(&path, &text).unwrap();
    let path_s = path.display().to_string();
    for args in [
        vec!["check", &path_s],
        vec!["run", &path_s, "-n", "1000", "--seed", "1", "-o", "out"],
    ] {
        let out = cargo_bin_cmd!("agi-timelines")
            .args(&args)
            .current_dir(tmp.path())
            .timeout(LIMIT)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        let located: Vec<&str> = stderr
            .lines()
            .filter(|l| l.contains(&format!("{path_s}:")) && l.contains(": key `"))
            .collect();
        assert_eq!(located.len(), 50, "{stderr}");
        assert!(located[0].contains(&format!("{path_s}:4:1: key `drivers.compute.k0`")));
        assert!(located[49].contains(&format!("{path_s}:53:1: key `drivers.compute.k49`")));
        assert!(
            stderr.contains(&format!("{path_s}: ... and 79950 more problems")),
            "{stderr}"
        );
        assert!(stderr.len() < 20_000, "{} bytes of errors", stderr.len());
        assert!(!tmp.path().join("out").exists());
    }
}

/// Thousands of correlations naming unknown inputs among thousands of real ones: each
/// "did you mean" was an edit distance to every input (6,000 x 10,000 took five
/// minutes). Suggestions now have a budget per file, and lists of declared names are
/// cut to their first 20.
#[test]
fn thousands_of_unknown_names_among_thousands_are_refused_promptly() {
    let tmp = tempfile::tempdir().unwrap();
    let check = |name: &str, text: &str| {
        assert!(text.len() < agi_timelines::priors::MAX_FILE_BYTES);
        let path = tmp.path().join(name);
        std::fs::write(&path, text).unwrap();
        let out = cargo_bin_cmd!("agi-timelines")
            .args(["check", path.to_str().unwrap()])
            .timeout(LIMIT)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        stderr
    };
    let drivers = |n: usize| {
        let mut text = String::from("threshold = 5\n");
        for i in 0..n {
            text.push_str(&format!("[drivers.d{i}]\nrate = \"1 to 2\"\n"));
        }
        text
    };
    let mut text = drivers(10_000);
    for i in 0..6_000 {
        text.push_str(&format!(
            "[[correlations]]\nbetween = [\"drivers.x{i}.rate\", \"drivers.d{i}.rate\"]\nrank = 0.1\n"
        ));
    }
    let stderr = check("correlations.toml", &text);
    assert!(
        stderr.contains("at most 64 drivers are supported"),
        "{stderr}"
    );
    // the first unknown inputs still get their suggestion
    assert!(
        stderr.contains(
            "`drivers.x0.rate` is not an input of this scenario (did you mean `drivers.d0.rate`?)"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("... and 5951 more problems"), "{stderr}");
    // A list of declared drivers names the first 20 and how many in all.
    let mut text = drivers(100);
    text.push_str("[bottlenecks.b]\nonset = { year = 2030 }\neffect = { dd7 = 0 }\n");
    let stderr = check("effect.toml", &text);
    assert!(
        stderr.contains(
            "`dd7` is not a declared driver (did you mean `d7`?); declared drivers: d0, d1, d2,"
        ) && stderr.contains(", d19, ... (100 in all)\n"),
        "{stderr}"
    );
}

/// Warnings are listed like errors: the first 50, then how many more.
#[test]
fn many_warnings_are_listed_fifty_and_counted() {
    let tmp = tempfile::tempdir().unwrap();
    let mut text = String::from("threshold = 5\n");
    for i in 0..64 {
        text.push_str(&format!("[drivers.d{i}]\nrate = \"-1 to 1\"\n"));
    }
    let path = tmp.path().join("w.toml");
    std::fs::write(&path, text).unwrap();
    let path_s = path.display().to_string();
    let out = cargo_bin_cmd!("agi-timelines")
        .args(["check", &path_s])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let warnings = stderr
        .lines()
        .filter(|l| l.starts_with(&format!("{path_s}: warning: `drivers.d")))
        .count();
    assert_eq!(warnings, 50, "{stderr}");
    assert!(
        stderr.contains(&format!("{path_s}: warning: ... and 14 more")),
        "{stderr}"
    );
}

/// A named pipe that nobody writes to reads as an empty file (opening it waited for a
/// writer forever), for priors and shard tallies alike; a priors path that is a
/// symbolic link looping or pointing nowhere says so (it said "no such file").
#[cfg(target_os = "linux")]
#[test]
fn a_pipe_without_writer_or_a_broken_link_is_refused_promptly() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    assert!(
        std::process::Command::new("mkfifo")
            .arg(d.join("pipe.toml"))
            .status()
            .unwrap()
            .success()
    );
    std::os::unix::fs::symlink("loop2.toml", d.join("loop1.toml")).unwrap();
    std::os::unix::fs::symlink("loop1.toml", d.join("loop2.toml")).unwrap();
    std::os::unix::fs::symlink("nowhere.toml", d.join("dangling.toml")).unwrap();
    for (args, words) in [
        (
            &["check", "pipe.toml"][..],
            "pipe.toml:1:1: key `threshold`: the scenario needs `threshold = ...`",
        ),
        (
            &["run", "pipe.toml", "-n", "1000", "-o", "out"][..],
            "the scenario needs `threshold = ...`",
        ),
        (
            &["merge", "pipe.toml", "-o", "out"][..],
            "pipe.toml: not a shard tally written by `run --shard`",
        ),
        (
            &["check", "loop1.toml"][..],
            "cannot read priors file `loop1.toml`: it is a symbolic link that loops",
        ),
        (
            &["check", "dangling.toml"][..],
            "cannot read priors file `dangling.toml`: it is a symbolic link to nowhere.toml, which does not exist",
        ),
    ] {
        let out = cargo_bin_cmd!("agi-timelines")
            .args(args)
            .current_dir(d)
            .timeout(LIMIT)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(words), "{args:?}: {stderr}");
    }
    assert!(!d.join("out").exists());
}

/// A device that reports a length of 0 but never ends is read only up to the limit.
#[cfg(unix)]
#[test]
fn an_endless_device_is_refused_at_the_size_limit() {
    let out = cargo_bin_cmd!("agi-timelines")
        .args(["check", "/dev/zero"])
        .timeout(LIMIT)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("/dev/zero:1:1: the file is more than 1048576 bytes"),
        "{stderr}"
    );
}

#[test]
fn a_folder_or_a_missing_file_is_refused_with_exit_code_2() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = tmp.path().join("a-folder.toml");
    std::fs::create_dir(&folder).unwrap();
    let missing = tmp.path().join("missing.toml");
    for (path, words) in [
        (&folder, "this is a folder"),
        (&missing, "cannot read priors file"),
    ] {
        let path = path.display().to_string();
        for cmd in ["check", "run"] {
            let out = cargo_bin_cmd!("agi-timelines")
                .args([cmd, &path, "-o"])
                .arg(tmp.path().join("out"))
                .args(if cmd == "run" {
                    &["-n", "1000"][..]
                } else {
                    &[]
                })
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            if cmd == "check" {
                // `check` takes no -o: clap refuses the flag, also with exit code 2.
                assert_eq!(out.status.code(), Some(2), "{stderr}");
                continue;
            }
            assert_eq!(out.status.code(), Some(2), "{cmd} {path}: {stderr}");
            assert!(stderr.contains(words), "{cmd} {path}: {stderr}");
            assert!(!stderr.contains("panicked"));
            assert!(!tmp.path().join("out").exists());
        }
        let out = cargo_bin_cmd!("agi-timelines")
            .args(["check", &path])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "check {path}: {stderr}");
        assert!(stderr.contains(words), "check {path}: {stderr}");
    }
}

/// Snapshot of every file in a folder: name -> bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().into_string().unwrap(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_failed_run_leaves_an_existing_results_folder_byte_for_byte_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let good = tmp.path().join("good.toml");
    std::fs::write(
        &good,
        "threshold = \"3 to 9\"\n[drivers.compute]\nrate = \"0.3 to 0.9\"\n",
    )
    .unwrap();
    let out_dir = tmp.path().join("results");
    let ok = cargo_bin_cmd!("agi-timelines")
        .args([
            "run",
            good.to_str().unwrap(),
            "-n",
            "1000",
            "--seed",
            "1",
            "-q",
            "-o",
        ])
        .arg(&out_dir)
        .output()
        .unwrap();
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    // A file of the user's own in the folder must survive too.
    std::fs::write(out_dir.join("notes.txt"), "mine\n").unwrap();
    let before = snapshot(&out_dir);
    assert!(before.contains_key("histogram.csv") && before.contains_key("summary.csv"));

    let bad_priors = [
        "normal-sd-negative.toml",
        "syntax-unclosed-table-header.toml",
        "not-utf8.toml",
        "empty.toml",
    ];
    for bad in bad_priors {
        let path = corpus_dir().join(bad);
        let out = cargo_bin_cmd!("agi-timelines")
            .args([
                "run",
                path.to_str().unwrap(),
                "-n",
                "1000",
                "--seed",
                "2",
                "-o",
            ])
            .arg(&out_dir)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert_eq!(
            snapshot(&out_dir),
            before,
            "{bad} changed the results folder"
        );
    }
    // Bad flags with a valid file are refused before anything is written as well.
    for flags in [
        &["--bin-width", "1.5"][..],
        &["-n", "0"][..],
        &["--threads", "0"][..],
    ] {
        let out = cargo_bin_cmd!("agi-timelines")
            .args(["run", good.to_str().unwrap(), "--seed", "3", "-o"])
            .arg(&out_dir)
            .args(flags)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flags:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert_eq!(
            snapshot(&out_dir),
            before,
            "{flags:?} changed the results folder"
        );
    }
}

/// Decision: `-0` is a valid number (it is 0). It is accepted everywhere a number is,
/// and no report ever prints `-0`.
#[test]
fn negative_zero_is_accepted_as_zero_and_never_printed() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("zero.toml");
    std::fs::write(
        &path,
        "start = -0\nhorizon = 40\nthreshold = -0.0\n\
         [drivers.compute]\nrate = \"-0 to 1\"\ncap = -0\n\
         after_cap = { dist = \"normal\", mean = -0.0, sd = 1, truncate = [-0.0, inf] }\n\
         [bottlenecks.wall]\nprobability = -0\nonset = { year = -0.0 }\nduration = -0\n\
         effect = { compute = -0.0 }\n",
    )
    .unwrap();
    let check = cargo_bin_cmd!("agi-timelines")
        .args(["check", path.to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&check.stdout);
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(
        stdout.contains("0 to 40") && !stdout.contains("-0"),
        "{stdout}"
    );
    let out_dir = tmp.path().join("out");
    let run = cargo_bin_cmd!("agi-timelines")
        .args([
            "run",
            path.to_str().unwrap(),
            "-n",
            "1000",
            "--seed",
            "1",
            "-o",
        ])
        .arg(&out_dir)
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    for f in ["histogram.csv", "summary.csv"] {
        let text = std::fs::read_to_string(out_dir.join(f)).unwrap();
        assert!(
            !text
                .lines()
                .any(|l| l.split(',').any(|c| c == "-0" || c.starts_with("-0."))),
            "{f}:\n{text}"
        );
    }
    let m = agi_timelines::priors::load_model(&path).unwrap();
    assert!(m.start == 0.0 && m.start.is_sign_positive());
    for input in &m.inputs {
        if let Some(v) = input.dist.fixed_value() {
            assert!(v.is_sign_positive(), "{}: {v:?}", input.name);
        }
    }
}

#[test]
fn check_and_scenarios_commands() {
    let tmp = tempfile::tempdir().unwrap();
    let o = run_in(tmp.path(), &["scenarios"]);
    assert!(o.status.success());
    let list = stdout(&o);
    for s in ["situational-awareness (default)", "epoch-trends", "skeptic"] {
        assert!(list.contains(s), "{list}");
    }
    let o = run_in(tmp.path(), &["scenarios", "--show", "skeptic"]);
    let text = stdout(&o);
    assert!(text.contains("name = \"skeptic\""));
    fs::write(tmp.path().join("mine.toml"), &text).unwrap();
    let o = run_in(tmp.path(), &["check", "mine.toml", "epoch-trends"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("ok: mine.toml"));
    let o = run_in(tmp.path(), &["scenarios", "--show", "nope"]);
    assert_eq!(o.status.code(), Some(2));
}

/// Each bad input: exit 2, a message naming the file, line and key, and no output.
#[test]
fn bad_priors_are_refused_with_file_line_and_key_and_write_nothing() {
    let good = "threshold = 6\n[drivers.compute]\nrate = 0.5\n";
    let cases: &[(&str, &str, &str, &str)] = &[
        // (priors text, expected "line:col", expected key, expected message fragment)
        (
            "threshold = 6\n[drivers.compute]\nrate = 0.5\ncpa = 3\n",
            ":4:1:",
            "drivers.compute.cpa",
            "did you mean `cap`",
        ),
        (
            "threshold = { dist = \"lognorm\", ci90 = [3, 9] }\n[drivers.c]\nrate = 1\n",
            ":1:22:",
            "threshold.dist",
            "did you mean `lognormal`",
        ),
        (
            "threshold = { dist = \"normal\", mean = 5, sd = 0 }\n[drivers.c]\nrate = 1\n",
            ":1:13:",
            "threshold",
            "sd > 0",
        ),
        (
            "threshold = 6\n[drivers.c]\nrate = { dist = \"uniform\", min = 2, max = 1 }\n",
            ":3:8:",
            "drivers.c.rate",
            "min < max",
        ),
        (
            "threshold = { dist = \"normal\", ci90 = [5, 5] }\n[drivers.c]\nrate = 1\n",
            ":1:13:",
            "threshold",
            "lo < hi",
        ),
        (
            "threshold = { dist = \"lognormal\", ci90 = [0, 5] }\n[drivers.c]\nrate = 1\n",
            ":1:13:",
            "threshold",
            "both ends > 0",
        ),
        (
            "threshold = 6\n[drivers.c]\nrate = 1\n[bottlenecks.w]\nprobability = 1.5\nonset = { year = 2030 }\neffect = { c = 0 }\n",
            ":5:15:",
            "bottlenecks.w.probability",
            "between 0 and 1",
        ),
        (
            "threshold = 6\n[drivers.c]\nrate = 1\n[bottlenecks.w]\nonset = { year = 2030 }\neffect = { d = 0 }\n",
            ":6:12:",
            "bottlenecks.w.effect.d",
            "not a declared driver",
        ),
        (
            "start = 2030\nhorizon = 2020\n",
            ":2:11:",
            "horizon",
            "must be after start",
        ),
        (
            "threshold = { dist = \"mixture\", components = [1, 2], weights = [0, 0] }\n[drivers.c]\nrate = 1\n",
            ":1:",
            "threshold.weights",
            "positive",
        ),
        (
            "threshold = 6\n[drivers.c\nrate = 1\n",
            ":2:",
            "",
            "TOML syntax error",
        ),
        (
            "threshold = 1e400\n[drivers.c]\nrate = 1\n",
            ":1:13:",
            "threshold",
            "too large",
        ),
        (
            "threshold = nan\n[drivers.c]\nrate = 1\n",
            ":1:13:",
            "threshold",
            "not a number",
        ),
        ("", ":1:1:", "threshold", "needs `threshold"),
    ];
    let tmp = tempfile::tempdir().unwrap();
    // an existing results folder that must stay untouched
    let keep = tmp.path().join("keep");
    fs::create_dir_all(&keep).unwrap();
    fs::write(keep.join("summary.csv"), "previous results\n").unwrap();
    assert!(good.contains("threshold"));
    for (i, (text, loc, key, msg)) in cases.iter().enumerate() {
        let file = format!("bad{i}.toml");
        fs::write(tmp.path().join(&file), text).unwrap();
        for args in [
            vec!["check", file.as_str()],
            vec!["run", file.as_str(), "-n", "100", "-o", "keep"],
        ] {
            let o = run_in(tmp.path(), &args);
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(2), "case {i} {args:?}: {err}");
            assert!(
                err.contains(&format!("{file}{loc}")),
                "case {i}: expected `{file}{loc}` in:\n{err}"
            );
            if !key.is_empty() {
                assert!(
                    err.contains(&format!("key `{key}`")),
                    "case {i}: expected key `{key}` in:\n{err}"
                );
            }
            assert!(err.contains(msg), "case {i}: expected `{msg}` in:\n{err}");
            assert!(!err.contains("panicked"), "{err}");
        }
    }
    assert_eq!(read(keep.join("summary.csv")), "previous results\n");
    assert_eq!(
        fs::read_dir(&keep).unwrap().count(),
        1,
        "nothing else written"
    );
    assert!(
        !tmp.path().join("results").exists(),
        "no default results folder created"
    );
}

/// A mistyped scenario name gets a suggestion; a mistyped path says it is a path.
#[test]
fn unknown_scenarios_and_missing_files_are_told_apart() {
    let tmp = tempfile::tempdir().unwrap();
    let o = run_in(tmp.path(), &["run", "skeptik", "-n", "100"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("did you mean `skeptic`?"),
        "{}",
        stderr(&o)
    );
    let o = run_in(tmp.path(), &["run", "./nonexist.toml", "-n", "100"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot read priors file `./nonexist.toml`"));
    assert!(!stderr(&o).contains("shipped"), "{}", stderr(&o));
}
