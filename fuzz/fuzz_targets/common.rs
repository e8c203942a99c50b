// Shared by the fuzz targets: what must hold for any input.

use agi_timelines::model::Model;
use agi_timelines::priors::PriorsError;
use agi_timelines::tally::{BinWidth, Grid, TallySize};
use agi_timelines::trajectory::Trajectory;
use rand::SeedableRng;

/// An error must be located inside the text and render without panicking; at most
/// `MAX_SHOWN` problems are listed, in file order, the rest counted.
pub fn check_error(e: &PriorsError, text_lines: usize) {
    assert!(!e.diagnostics.is_empty(), "an error with no diagnostic");
    assert!(e.diagnostics.len() <= agi_timelines::priors::MAX_SHOWN);
    assert!(e.more == 0 || e.diagnostics.len() == agi_timelines::priors::MAX_SHOWN);
    assert!(
        e.diagnostics
            .windows(2)
            .all(|w| (w[0].line, w[0].column) <= (w[1].line, w[1].column)),
        "problems out of file order"
    );
    for d in &e.diagnostics {
        assert!(d.line >= 1 && d.column >= 1, "{d:?}");
        assert!(d.line <= text_lines.max(1), "line beyond the text: {d:?}");
        assert!(!d.message.is_empty());
    }
    let shown = e.to_string();
    assert!(!shown.contains("panicked"));
}

/// A model that validated must be usable: it runs with the default flags (its grids
/// and tallies within their limits), every input's CDF and quantiles are numbers, and a
/// few trajectories arrive inside [start, horizon] or not at all.
pub fn check_model(m: &Model) {
    assert!(m.start.is_finite() && m.horizon.is_finite() && m.horizon > m.start);
    let grid = Grid::new(m.start, m.horizon, BinWidth::Years(1))
        .expect("a model that validates has a yearly grid");
    let size = TallySize::new(m, &grid, false);
    size.check().expect("a model that validates fits the tally limit");
    size.check_trajectories(1_000_000)
        .expect("a model that validates counts a default run");
    for input in &m.inputs {
        let d = &input.dist;
        for p in [0.0, 0.05, 0.5, 0.95, 1.0] {
            let x = d.quantile(p);
            assert!(
                !x.is_nan(),
                "{}: quantile({p}) is NaN for {d:?}",
                input.name
            );
        }
        for x in [-1e9, -1.0, 0.0, 0.5, 1.0, 1e9] {
            let c = d.cdf(x);
            assert!(
                (0.0..=1.0).contains(&c),
                "{}: cdf({x}) = {c} for {d:?}",
                input.name
            );
        }
    }
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
    for input in &m.inputs {
        let d = &input.dist;
        let (lo, hi) = d.support();
        for _ in 0..8 {
            let x = d.sample(&mut rng);
            assert!(!x.is_nan(), "{}: a NaN draw from {d:?}", input.name);
            // exp() of a huge lognormal may overflow to infinity; nothing else leaves.
            assert!(
                (lo <= x && x <= hi) || x.is_infinite(),
                "{}: draw {x:e} outside [{lo:e}, {hi:e}] for {d:?}",
                input.name
            );
        }
    }
    let mut traj = Trajectory::new(m);
    for _ in 0..16 {
        let out = traj.run(m, &mut rng);
        if let Some(t) = out.arrival {
            assert!(
                t >= m.start && t <= m.horizon,
                "arrival {t} outside [{}, {}]",
                m.start,
                m.horizon
            );
        }
    }
}
