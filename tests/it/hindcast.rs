//! The hindcast (GPT-2 -> GPT-4) of the shipped scenarios, as documented in the README.

use crate::harness::*;
use agi_timelines::hindcast::{GPT2, GPT4, hindcast, quantile, share_within};
use agi_timelines::scenarios::find;
use agi_timelines::trajectory::reference::Reference;

const N: usize = 200_000;

/// What a driver adds over 4 years with no bottleneck, as the hindcast measures it
/// (the reference walk from an arbitrary year): its rate until its cap, then its
/// after-cap rate; a negative rate adds nothing.
#[test]
fn driver_levels_follow_the_cap() {
    let m = model(
        "threshold = 100
[drivers.plain]
rate = 0.5
         [drivers.capped]
rate = 1
cap = 3
after_cap = 0.5
         [drivers.negative]
rate = -1
         [drivers.far]
rate = 1
cap = 10
after_cap = 0.5
         [drivers.spent]
rate = 1
cap = -1
after_cap = 0.25
",
    );
    let x: Vec<f64> = m.inputs.iter().map(|i| i.dist.quantile(0.5)).collect();
    let mut walk = Reference::new(&m);
    let levels = walk.levels(&m, &x, 0, 2019.0, 2023.0);
    // 3 years to the cap of 3, then 1 year at 0.5; a cap <= 0 is reached at once
    let expected = [2.0, 3.5, 0.0, 4.0, 1.0];
    for (got, want) in levels.iter().zip(expected) {
        assert!((got - want).abs() < 1e-12, "{levels:?}");
    }
}

/// The shares quoted in the README's hindcast paragraph (200,000 draws, seed 1).
/// A share p from n draws has standard error sqrt(p (1 - p) / n) <= 0.0011; the
/// check allows 5 of them, so it fails when the priors change, not by chance.
#[test]
fn shipped_scenarios_hindcast_as_documented() {
    let base = vec!["compute".to_string(), "algorithms".to_string()];
    for (name, documented, p5, p95) in [
        ("situational-awareness", 0.269, 3.03, 5.45),
        ("epoch-trends", 0.425, 3.52, 5.54),
        ("skeptic", 0.011, 2.11, 4.00),
    ] {
        let m = find(name).unwrap().model().unwrap();
        let h = hindcast(&m, GPT2, GPT4, N, 1, &base);
        let share = share_within(&h.base, 4.5, 6.0);
        let se = (documented * (1.0 - documented) / N as f64).sqrt();
        assert!(
            (share - documented).abs() < 5.0 * se + 0.0005,
            "{name}: {share} vs documented {documented}"
        );
        // the 90% interval of the base OOMs, to the README's two decimals: a 5% quantile
        // from 200,000 draws has standard error sqrt(0.05 * 0.95 / n) / f ~ 0.004 (density
        // f ~ 0.13 per OOM there); 0.03 = rounding (0.005) + ~6 standard errors.
        assert!(
            (quantile(&h.base, 0.05) - p5).abs() < 0.03,
            "{name} p5 {}",
            quantile(&h.base, 0.05)
        );
        assert!(
            (quantile(&h.base, 0.95) - p95).abs() < 0.03,
            "{name} p95 {}",
            quantile(&h.base, 0.95)
        );
    }
    // the default scenario's spread reaches the essay's band
    let m = find("situational-awareness").unwrap().model().unwrap();
    let h = hindcast(&m, GPT2, GPT4, N, 1, &base);
    assert!(quantile(&h.base, 0.95) > 4.5);
}

/// --from and --to are years in the range priors allow, at most 1,000 years apart
/// (1e300 printed 300-digit figures); a prior allowing absurd rates prints its OOMs in
/// exponent form rather than hundreds of digits.
#[test]
fn hindcast_years_are_range_checked_and_figures_stay_short() {
    let tmp = tempfile::tempdir().unwrap();
    for (args, words) in [
        (
            &["--from", "1e300", "--to", "2e300"][..],
            "--from 1e300: use a year between -1000000 and 1000000",
        ),
        (&["--to", "inf"][..], "--to inf: use a year between"),
        (&["--from", "nan"][..], "--from NaN: use a year between"),
        (
            &["--from", "2000", "--to", "3000.5"][..],
            "is 1000.5 years; a hindcast spans at most 1000 years",
        ),
    ] {
        let mut all = vec!["hindcast"];
        all.extend_from_slice(args);
        refused(&run_in(tmp.path(), &all), words);
    }
    std::fs::write(
        tmp.path().join("huge.toml"),
        "threshold = 5\n[drivers.compute]\nrate = 1e300\n[drivers.algorithms]\nrate = 1\n",
    )
    .unwrap();
    // Every sample of every driver is kept: 10M of three drivers, fewer of more (10M
    // samples of 64 drivers took 5 GB).
    refused(
        &run_in(tmp.path(), &["hindcast", "-n", "11M"]),
        "44,000,000 values; at most 40,000,000 are kept (320 MB): use -n 10,000,000 or fewer",
    );
    let mut many = String::from("threshold = 5\n");
    for i in 0..64 {
        many.push_str(&format!("[drivers.d{i}]\nrate = 1\n"));
    }
    std::fs::write(tmp.path().join("many.toml"), many).unwrap();
    refused(
        &run_in(
            tmp.path(),
            &["hindcast", "many.toml", "-n", "10M", "--base", "d0"],
        ),
        "use -n 615,384 or fewer",
    );
    let o = run_in(tmp.path(), &["hindcast", "huge.toml", "-n", "1000"]);
    ok(&o);
    let text = stdout(&o);
    assert!(
        text.contains("  compute ") && text.contains("4.08e300"),
        "{text}"
    );
    assert!(text.lines().all(|l| l.len() < 120), "{text}");
}
