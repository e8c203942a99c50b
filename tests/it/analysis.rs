//! Sensitivity and attribution against cases whose answer is known.

use crate::harness::*;
use agi_timelines::engine::{RunSpec, Silent, simulate_with_threads};
use agi_timelines::model::Model;
use agi_timelines::report::attribution::attribution_csv;
use agi_timelines::report::sensitivity::sensitivity_csv;
use agi_timelines::scenarios::SHIPPED;
use agi_timelines::tally::{BinWidth, Grid, Tally};

const N: u64 = 200_000;

fn run_sens(m: &Model, seed: u64, threads: usize) -> (RunSpec, Tally) {
    let grid = Grid::new(m.start, m.horizon, BinWidth::Years(1)).unwrap();
    let spec = RunSpec::new(m, seed, N, grid).with_sensitivity(m);
    let t = simulate_with_threads(m, &spec, threads, &Silent)
        .unwrap()
        .unwrap();
    (spec, t)
}

#[test]
fn the_input_that_decides_arrival_ranks_first_and_an_ignored_one_is_near_zero() {
    // Rate fixed at 1 OOM/yr from 2020: arrival = 2020 + T exactly, T ~ U(2, 10).
    // The bottleneck never fires (probability 0) so its onset and duration are drawn
    // but ignored; the unhobbling rate is ignored too (its driver is capped at 0).
    let m = model(
        "start = 2020\nthreshold = { dist = \"uniform\", min = 2, max = 10 }\n\
         [drivers.compute]\nrate = 1\n\
         [drivers.unhobbling]\nrate = \"0.1 to 1\"\ncap = 0\n\
         [bottlenecks.never]\nprobability = 0\nonset = { year = { dist = \"uniform\", min = 2020, max = 2040 } }\n\
         duration = \"1 to 5\"\neffect = { compute = 0 }\n",
    );
    let (spec, t) = run_sens(&m, 5, 2);
    let rows = t.sensitivity.as_ref().unwrap().rows(
        &m,
        spec.tally.sensitivity.as_ref().unwrap(),
        &spec.tally.coarse,
    );
    assert_eq!(rows[0].input, "threshold");
    // Rank buckets (1/256) and 1/20-year cells coarsen ranks by < 0.5%: rho > 0.999.
    assert!(rows[0].spearman > 0.999, "{}", rows[0].spearman);
    // Bottom decile T in [2, 2.8] -> median arrival 2022.4; top decile [9.2, 10] -> 2029.6.
    // Monte Carlo error of a decile median (n/10 = 20,000 draws, density 1/0.8 per
    // year): sqrt(0.25 / 20000) * 0.8 = 0.003; plus one 0.05-year cell: allow 0.06.
    let lo = rows[0].median_if_low.unwrap();
    let hi = rows[0].median_if_high.unwrap();
    assert!(
        (lo - 2022.4).abs() < 0.06 && (hi - 2029.6).abs() < 0.06,
        "{lo} {hi}"
    );
    assert!((rows[0].swing_years - 7.2).abs() < 0.12);
    assert_eq!(rows[0].p_by_2030_if_low, Some(1.0));
    // Ignored inputs: Spearman's standard error under independence is 1 / sqrt(n - 1);
    // allow 5 of them. Their decile medians differ only by noise (< 0.2 year).
    for name in [
        "drivers.unhobbling.rate",
        "bottlenecks.never.onset",
        "bottlenecks.never.duration",
    ] {
        let r = rows.iter().find(|r| r.input == name).unwrap();
        assert!(
            r.spearman.abs() < 5.0 / (N as f64).sqrt(),
            "{name}: {}",
            r.spearman
        );
        assert!(r.swing_years < 0.2, "{name}: swing {}", r.swing_years);
    }
    let csv = String::from_utf8(sensitivity_csv(&rows, m.horizon)).unwrap();
    assert!(csv.starts_with(
        "input,value_p10,value_p90,median_if_bottom_decile,median_if_top_decile,swing_years"
    ));
    assert!(
        csv.lines()
            .nth(1)
            .unwrap()
            .starts_with("threshold,2.8,9.2,"),
        "{csv}"
    );
}

#[test]
fn a_certain_bottleneck_makes_one_attribution_group() {
    let m = model(
        "start = 2020\nthreshold = 5\n[drivers.compute]\nrate = 1\n\
         [bottlenecks.sure]\nprobability = 1\nonset = { year = 2021 }\nduration = 1\neffect = { compute = 0.5 }\n",
    );
    let (spec, t) = run_sens(&m, 6, 2);
    let rows = t.attribution.groups(&m, &spec.tally.coarse);
    let groups: Vec<&str> = rows.iter().map(|r| r.group.as_str()).collect();
    assert_eq!(groups, ["all", "sure fired", "sure not fired"]);
    assert_eq!(rows[1].count, N);
    assert_eq!(rows[2].count, 0);
    // 1 OOM by 2021, 0.5 during 2021, then 3.5 more at 1/yr: 2025.5
    assert!((rows[1].median.unwrap() - 2025.5).abs() < 0.05 + 1e-9);
}

#[test]
fn attribution_splits_by_what_fired() {
    // halt (p = 0.3) stops everything from 2021: those never arrive; slow (p = 0.5)
    // halves the rate from 2020: arrival 2030 instead of 2025. Combinations:
    // none 0.35 (2025), slow 0.35 (2030), halt 0.15 and halt+slow 0.15 (never).
    let m = model(
        "start = 2020\nthreshold = 5\n[drivers.compute]\nrate = 1\n\
         [bottlenecks.halt]\nprobability = 0.3\nonset = { year = 2021 }\neffect = { compute = 0 }\n\
         [bottlenecks.slow]\nprobability = 0.5\nonset = { year = 2020 }\neffect = { compute = 0.5 }\n",
    );
    let (spec, t) = run_sens(&m, 7, 2);
    let rows = t.attribution.groups(&m, &spec.tally.coarse);
    let get = |g: &str| {
        rows.iter()
            .find(|r| r.group == g)
            .unwrap_or_else(|| panic!("no group {g}"))
    };
    let tol = |p: f64| 5.0 * (p * (1.0 - p) / N as f64).sqrt(); // binomial, 5 standard errors
    assert!((get("halt fired").share - 0.3).abs() < tol(0.3));
    assert_eq!(get("halt fired").p_by_horizon, 0.0);
    // without halt, everything arrives by 2030.0 (2025 or 2030)
    assert_eq!(get("halt not fired").p_by_2030, Some(1.0));
    assert!((get("only: none").median.unwrap() - 2025.0).abs() < 0.06);
    assert!((get("only: none").share - 0.35).abs() < tol(0.35));
    assert!((get("only: slow").median.unwrap() - 2030.0).abs() < 0.06);
    assert_eq!(get("only: halt + slow").p_by_horizon, 0.0);
    assert!((get("only: halt + slow").share - 0.15).abs() < tol(0.15));
    // slow fired: half of those also halted (never), the rest at 2030: median = the
    // boundary between them; P(by 2030 end) = 0.7 of them.
    let slow = get("slow fired");
    assert!((slow.p_by_2030.unwrap() - 0.7).abs() < tol(0.7) * 2.0);
}

#[test]
fn sensitivity_and_attribution_are_identical_for_any_thread_count() {
    let m = SHIPPED[0].model().unwrap();
    let bytes = |threads| {
        let (spec, t) = run_sens(&m, 42, threads);
        let s = t.sensitivity.as_ref().unwrap().rows(
            &m,
            spec.tally.sensitivity.as_ref().unwrap(),
            &spec.tally.coarse,
        );
        let a = t.attribution.groups(&m, &spec.tally.coarse);
        (
            sensitivity_csv(&s, m.horizon),
            attribution_csv(&a, m.horizon),
        )
    };
    let one = bytes(1);
    assert_eq!(one, bytes(2));
    assert_eq!(one, bytes(8));
}
