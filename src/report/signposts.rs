//! `signposts.csv` and the signposts' text on stdout: what an observer at a future year
//! would see, and how far each observation would move the forecast.

use crate::format::{fmt_sig, fmt_year, fmt_year_or_beyond};
use crate::tally::SignpostRow;
use crate::tally::signposts::Group;

/// The columns of `signposts.csv` (for a yes/no observable, "low" is no and "high" yes).
const HEADER: &[&str] = &[
    "observable",
    "year",
    "trajectories",
    "cut_low",
    "cut_high",
    "share_low",
    "share_mid",
    "share_high",
    "median_all",
    "median_if_low",
    "median_if_mid",
    "median_if_high",
    "median_if_low_std_error",
    "median_if_mid_std_error",
    "median_if_high_std_error",
    "p_by_2030_all",
    "p_by_2030_if_low",
    "p_by_2030_if_mid",
    "p_by_2030_if_high",
    "p_by_2030_if_low_std_error",
    "p_by_2030_if_mid_std_error",
    "p_by_2030_if_high_std_error",
    "information_bits",
    "information_bits_std_error",
];

/// `signposts.csv`, one row per (year, observable), most informative first; a yes/no
/// observable has no cuts and no middle group.
pub fn signposts_csv(rows: &[SignpostRow], horizon: f64) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(HEADER).expect("in-memory write");
    write_rows(&mut w, None, rows, horizon);
    w.into_inner().expect("in-memory write")
}

/// `compare-signposts.csv`: the signposts of each scenario, its name in a first column.
pub fn compare_signposts_csv(scenarios: &[(&str, &[SignpostRow], f64)]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["scenario"];
    header.extend(HEADER);
    w.write_record(&header).expect("in-memory write");
    for (name, rows, horizon) in scenarios {
        write_rows(&mut w, Some(name), rows, *horizon);
    }
    w.into_inner().expect("in-memory write")
}

fn write_rows(
    w: &mut csv::Writer<Vec<u8>>,
    scenario: Option<&str>,
    rows: &[SignpostRow],
    horizon: f64,
) {
    for r in rows {
        let groups: Vec<&Group> = if r.is_level {
            r.groups.iter().collect()
        } else {
            vec![&r.groups[0], &r.groups[2]]
        };
        // a group's cell, or nothing for the middle of a yes/no
        let each = |f: &dyn Fn(&Group) -> String| -> Vec<String> {
            if r.is_level {
                groups.iter().map(|g| f(g)).collect()
            } else {
                vec![f(groups[0]), String::new(), f(groups[1])]
            }
        };
        let share = |g: &Group| {
            if r.trajectories == 0 {
                String::new()
            } else {
                format!("{:.6}", g.n as f64 / r.trajectories as f64)
            }
        };
        let median = |g: &Group| {
            if g.n == 0 {
                String::new()
            } else {
                fmt_year_or_beyond(g.median, horizon)
            }
        };
        let se = |x: Option<f64>| x.map_or(String::new(), |x| fmt_sig(x, 3));
        let p = |x: Option<f64>| x.map_or(String::new(), |p| format!("{p:.4}"));
        let (cut_low, cut_high) = r
            .cuts
            .filter(|c| c.0.is_finite() && c.1.is_finite())
            .map_or((String::new(), String::new()), |(a, b)| {
                (fmt_sig(a, 4), fmt_sig(b, 4))
            });
        let mut record: Vec<String> = scenario.iter().map(|s| s.to_string()).collect();
        record.extend([
            r.observable.clone(),
            fmt_year(r.year),
            r.trajectories.to_string(),
            cut_low,
            cut_high,
        ]);
        record.extend(each(&share));
        record.push(median(&r.everyone));
        record.extend(each(&median));
        record.extend(each(&|g| se(g.median_std_error)));
        record.push(p(r.everyone.p_by_2030));
        record.extend(each(&|g| p(g.p_by_2030)));
        record.extend(each(&|g| se(g.p_by_2030_std_error)));
        record.push(format!("{:.4}", r.information_bits));
        record.push(fmt_sig(r.information_std_error, 3));
        w.write_record(&record).expect("in-memory write");
    }
}

/// The `top` most informative signposts in plain words.
pub fn signposts_text(rows: &[SignpostRow], horizon: f64, top: usize) -> String {
    let mut s = String::from(
        "Signposts: what an observer would see, and how far it would move the forecast\n",
    );
    let year = |g: &Group| {
        if g.n == 0 {
            "-".into()
        } else {
            match g.median {
                Some(y) => format!("{y:.1}"),
                None => format!("after {}", fmt_year(horizon)),
            }
        }
    };
    let pct = |g: &Group| {
        g.p_by_2030
            .map_or("-".into(), |p| format!("{:.0}%", p * 100.0))
    };
    for r in rows.iter().take(top) {
        let what = r
            .observable
            .strip_prefix("drivers.")
            .map(|d| format!("{d} has added"))
            .unwrap_or_else(|| {
                if r.observable == "E" {
                    "effective compute has reached".into()
                } else {
                    r.observable.clone()
                }
            });
        let (lo, hi) = (&r.groups[0], &r.groups[2]);
        let when = if r.year.fract() == 0.0 {
            format!("the start of {}", r.year)
        } else {
            fmt_year(r.year)
        };
        let line = match (r.is_level, r.cuts) {
            (true, Some((a, b))) => {
                format!(
                    "  At {when}, if {what} less than {} OOM (the lowest third), the median \
                     arrival moves from {} to {} and P(by 2030) from {} to {}; above {} OOM (the \
                     highest third), to {} and {}. ({:.3} bits)\n",
                    fmt_sig(a, 3),
                    year(&r.everyone),
                    year(lo),
                    pct(&r.everyone),
                    pct(lo),
                    fmt_sig(b, 3),
                    year(hi),
                    pct(hi),
                    r.information_bits
                )
            }
            (true, None) => format!(
                "  At {when}, {what}: not split (every trajectory of the trial had arrived).\n"
            ),
            (false, _) => {
                let name = r
                    .observable
                    .trim_start_matches("bottlenecks.")
                    .trim_end_matches(".started");
                format!(
                    "  At {when}, if {name} has started, the median arrival moves from {} to {} \
                     and P(by 2030) from {} to {}; if not, to {} and {}. ({:.3} bits)\n",
                    year(&r.everyone),
                    year(hi),
                    pct(&r.everyone),
                    pct(hi),
                    year(lo),
                    pct(lo),
                    r.information_bits
                )
            }
        };
        s.push_str(&line);
    }
    if rows.len() > top {
        s.push_str(&format!(
            "  ... {} more in signposts.csv\n",
            rows.len() - top
        ));
    }
    s
}
