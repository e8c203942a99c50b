//! One trajectory: draw every input, walk effective compute, find the crossing.
//!
//! This is MODEL.md section 1 in code. Effective compute `E(t)` (OOMs above the
//! reference model) is the sum of what each driver has added:
//!
//! ```text
//! E(t) = sum over drivers d of integral from t0 to t of rate_d(s) ds
//! rate_d(s) = base_d(s) * product of factor_{b,d} over bottlenecks b active at s
//! base_d(s) = rate_d before driver d has added cap_d OOMs, after_cap_d from then on
//! ```
//!
//! Between events every rate is constant, so `E` is piecewise linear and each segment's
//! crossing of the threshold `T` is solved exactly: `t* = t + (T - E) / R`, with `R` the
//! total rate. Events are: a driver reaching its cap; a bottleneck's onset (a year, a
//! level of one driver's added OOMs, or a level of `E`); a bottleneck's end (onset +
//! duration). Each event happens at most once, so a trajectory takes at most
//! `drivers + 2 * bottlenecks + 1` segments: no time stepping, no tolerance.
//!
//! Two walks compute the same thing:
//! - [`reference`]: the model as written, every quantity re-derived at every step: the
//!   executable specification, read by tests and by `hindcast`;
//! - [`walk`]: the hot loop a run uses, a calendar of absolute event times compiled for
//!   each small model shape (see its docs and docs/PERFORMANCE.md); the tests hold it to
//!   the reference draw by draw.
//!
//! Conventions (documented in the README):
//! - a negative draw of a rate, cap, factor or duration counts as 0 (validation warns
//!   when a prior allows it with non-negligible probability);
//! - onsets before `start` (a year before it, a level <= 0) take effect at `start`, and a
//!   duration counts from the moment the bottleneck takes effect;
//! - a threshold <= 0 is met at `start`; an arrival exactly at the horizon counts;
//! - events at the same moment take effect in the order: crossing, caps (by driver),
//!   bottlenecks (by declaration).

mod plan;
pub mod reference;
mod walk;

use crate::model::Model;
use plan::Plan;
use rand::{Rng, RngExt};
use walk::{WalkState, Walker, walker_for};

/// What happened in one trajectory.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Outcome {
    /// Decimal year AGI arrives, or `None` when not by the horizon.
    pub arrival: Option<f64>,
    /// Bit `b` set when bottleneck `b` fired (happened) in this trajectory.
    pub fired: u64,
}

/// Reusable scratch for trajectories of one model: allocate once per thread, then
/// every trajectory runs without allocating.
#[derive(Clone, Debug)]
pub struct Trajectory {
    /// The drawn inputs, indexed like `Model::inputs`.
    pub inputs: Vec<f64>,
    plan: Box<Plan>,
    state: Box<WalkState>,
    /// The walk compiled for this model's numbers of drivers and bottlenecks.
    walker: Walker,
    /// Scratch normals for the copula.
    copula_z: Vec<f64>,
}

impl Trajectory {
    /// Scratch for trajectories of `model` that record nothing but the milestones.
    pub fn new(model: &Model) -> Self {
        Trajectory::observing(model, &[])
    }

    /// Scratch for trajectories of `model` that also record every level at each of
    /// `years` (increasing, distinct, within the model's years; see
    /// [`Trajectory::observed`]).
    pub fn observing(model: &Model, years: &[f64]) -> Self {
        let plan = Plan::new(model, years);
        Trajectory {
            inputs: vec![0.0; model.inputs.len()],
            walker: walker_for(plan.drivers, plan.bottlenecks, plan.extra),
            plan: Box::new(plan),
            state: Box::new(WalkState::new()),
            copula_z: vec![0.0; model.copula.as_ref().map_or(0, |c| c.size())],
        }
    }

    /// Draw every input (in model order), then which bottlenecks fire, then walk.
    #[inline(always)]
    pub fn run<R: Rng + ?Sized>(&mut self, model: &Model, rng: &mut R) -> Outcome {
        let fired = self.draw(model, rng);
        Outcome {
            arrival: self.walk(model, fired),
            fired,
        }
    }

    /// Draw every input (in model order) into `self.inputs`, then which bottlenecks
    /// fire (returned): the random numbers of one trajectory, in the order `run` draws
    /// them.
    #[inline(always)]
    pub fn draw<R: Rng + ?Sized>(&mut self, model: &Model, rng: &mut R) -> u64 {
        draw_inputs(model, &mut self.inputs, &mut self.copula_z, rng);
        draw_fired(model, rng)
    }

    /// Walk the piecewise-linear effective compute with the inputs already in
    /// `self.inputs` and the given fired bottlenecks; return AGI's arrival year.
    /// `model` must be the one this `Trajectory` was made for.
    #[inline]
    pub fn walk(&mut self, model: &Model, fired: u64) -> Option<f64> {
        debug_assert_eq!(model.drivers.len(), self.plan.drivers);
        (self.walker)(&self.plan, &mut self.state, &self.inputs, fired)
    }

    /// When milestone `m` arrived in the last walk (`None`: not by the horizon). For a
    /// model with one milestone, that is the walk's return value.
    pub fn arrival_of(&self, m: usize) -> Option<f64> {
        if !self.plan.extra {
            debug_assert_eq!(m, 0, "a plain walk records AGI only");
            return None;
        }
        let a = self.state.arrival[m];
        a.is_finite().then_some(a)
    }

    /// The levels at the `j`-th observed year of the last walk: every driver's added
    /// OOMs, then total effective compute (`drivers + 1` values).
    pub fn observed(&self, j: usize) -> &[f64] {
        assert!(
            j < self.plan.observed,
            "year {j} is not observed by this trajectory"
        );
        &self.state.observed[j][..=self.plan.drivers]
    }

    /// The bottlenecks (bit `b`) that had started by the `j`-th observed year.
    pub fn started(&self, j: usize) -> u64 {
        self.state.started[j]
    }
}

impl crate::tally::Observer for Trajectory {
    #[inline]
    fn level(&self, year: usize, column: usize) -> f64 {
        self.state.observed[year][column]
    }

    #[inline]
    fn started(&self, year: usize) -> u64 {
        self.state.started[year]
    }
}

/// Every input of `model`, in model order, into `inputs`.
#[inline(always)]
fn draw_inputs<R: Rng + ?Sized>(
    model: &Model,
    inputs: &mut [f64],
    copula_z: &mut [f64],
    rng: &mut R,
) {
    if let Some(c) = &model.copula {
        for (x, input) in inputs.iter_mut().zip(&model.inputs) {
            if !input.correlated {
                *x = input.dist.sample(rng);
            }
        }
        c.draw(inputs, copula_z, rng);
    } else {
        // No correlations (the shipped scenarios): no per-input test.
        for (x, input) in inputs.iter_mut().zip(&model.inputs) {
            *x = input.dist.sample(rng);
        }
    }
}

/// Relative slack for "E has reached the threshold": rounding of sums of exact pieces
/// (about 1e-16 per operation), far below any meaningful OOM.
pub(crate) const ROUNDING: f64 = 1e-12;

/// One uniform per bottleneck whose probability is strictly between 0 and 1.
#[inline]
pub fn draw_fired<R: Rng + ?Sized>(model: &Model, rng: &mut R) -> u64 {
    let mut fired = 0u64;
    for (b, bn) in model.bottlenecks.iter().enumerate() {
        let hit = if bn.probability >= 1.0 {
            true
        } else if bn.probability <= 0.0 {
            false
        } else {
            rng.random::<f64>() < bn.probability
        };
        fired |= (hit as u64) << b;
    }
    fired
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::priors::parse_model;
    use reference::Reference;
    use walk::{Any, Plain};

    /// Whether two arrivals agree (to 1e-9 year; rounding may put a crossing a hair
    /// either side of the horizon): true when both arrived.
    fn agree(fast: Option<f64>, slow: Option<f64>, horizon: f64, name: &str) -> bool {
        match (fast, slow) {
            (Some(a), Some(b)) => {
                assert!((a - b).abs() <= 1e-9, "{name}: {a} vs {b}");
                true
            }
            (None, None) => false,
            (Some(a), None) | (None, Some(a)) => {
                assert!((a - horizon).abs() <= 1e-9, "{name}: {a} vs none");
                false
            }
        }
    }

    /// Walk with every input at a fixed value (all given as numbers in the text).
    fn arrival(text: &str, fired: u64) -> Option<f64> {
        let m = parse_model("t.toml", text).unwrap();
        let mut tr = Trajectory::new(&m);
        for (i, input) in m.inputs() {
            tr.inputs[i.index()] = input.dist.quantile(0.5);
        }
        tr.walk(&m, fired)
    }

    fn close(a: Option<f64>, b: f64) {
        let a = a.expect("arrives");
        assert!((a - b).abs() < 1e-9, "{a} vs {b}");
    }

    #[test]
    fn constant_rates_cross_at_threshold_over_total_rate() {
        // 1 OOM/yr in total from 2020: a threshold of 5 is met in 2025.
        let t = "start = 2020\nthreshold = 5\n[drivers.a]\nrate = 0.6\n[drivers.b]\nrate = 0.4\n";
        close(arrival(t, 0), 2025.0);
    }

    #[test]
    fn cap_then_after_cap_rate() {
        // 1 OOM/yr for 3 OOM (2020-2023), then 0.5 OOM/yr: 2 more OOM take 4 years.
        let t = "start = 2020\nthreshold = 5\n[drivers.a]\nrate = 1\ncap = 3\nafter_cap = 0.5\n";
        close(arrival(t, 0), 2027.0);
        // without after_cap the driver stops at its cap: never arrives
        let t = "start = 2020\nthreshold = 5\n[drivers.a]\nrate = 1\ncap = 3\n";
        assert_eq!(arrival(t, 0), None);
    }

    #[test]
    fn level_onset_with_duration_pauses_growth() {
        // 1 OOM/yr; at E = 2 (2022) the driver stops for 3 years, then resumes: 5 OOM at 2028.
        let t = "start = 2020\nthreshold = 5\n[drivers.a]\nrate = 1\n\
                 [bottlenecks.wall]\nonset = { level = 2 }\nduration = 3\neffect = { a = 0 }\n";
        close(arrival(t, 1), 2028.0);
        // not fired: 2025
        close(arrival(t, 0), 2025.0);
    }

    #[test]
    fn driver_level_onset_slows_only_affected_driver() {
        // a: 1/yr, b: 1/yr. When a has added 1 (2021), b slows to 0.5/yr.
        // E(2021) = 2, then 1.5/yr: 6 OOM needs 4/1.5 more years.
        let t = "start = 2020\nthreshold = 6\n[drivers.a]\nrate = 1\n[drivers.b]\nrate = 1\n\
                 [bottlenecks.x]\nonset = { level = 1, of = \"a\" }\neffect = { b = 0.5 }\n";
        close(arrival(t, 1), 2021.0 + 4.0 / 1.5);
    }

    #[test]
    fn year_onset_before_start_acts_from_start_and_factors_multiply() {
        // Two overlapping slow-downs from start: 1 * 0.5 * 0.5 = 0.25/yr: 1 OOM in 4 years.
        let t = "start = 2020\nthreshold = 1\n[drivers.a]\nrate = 1\n\
                 [bottlenecks.x]\nonset = { year = 2000 }\neffect = { a = 0.5 }\n\
                 [bottlenecks.y]\nonset = { year = 2020 }\neffect = { a = 0.5 }\n";
        close(arrival(t, 0b11), 2024.0);
        close(arrival(t, 0b01), 2022.0);
    }

    #[test]
    fn a_level_reached_as_its_driver_stops_still_starts_the_bottleneck() {
        // Regression (review): compute reaches its cap of 4 OOM in 2024 exactly when the
        // wall's onset level is reached; E = 8 then, algorithms slows to 0.5/yr: 10 OOM
        // in 2028. Before the fix the onset was lost when the cap stopped compute.
        let capped = "start = 2020\nthreshold = 10\n[drivers.compute]\nrate = 1\ncap = 4\n\
                      [drivers.algorithms]\nrate = 1\n\
                      [bottlenecks.wall]\nonset = { level = 4, of = \"compute\" }\neffect = { algorithms = 0.5 }\n";
        close(arrival(capped, 1), 2028.0);
        // The same when another bottleneck stops compute at that instant, declared
        // before or after the wall: the order of declaration must not matter.
        let stall = "[bottlenecks.stall]\nonset = { year = 2024 }\neffect = { compute = 0 }\n";
        let wall = "[bottlenecks.wall]\nonset = { level = 4, of = \"compute\" }\neffect = { algorithms = 0.5 }\n";
        let head = "start = 2020\nthreshold = 10\n[drivers.compute]\nrate = 1\n[drivers.algorithms]\nrate = 1\n";
        close(arrival(&format!("{head}{stall}{wall}"), 0b11), 2028.0);
        close(arrival(&format!("{head}{wall}{stall}"), 0b11), 2028.0);
        // and for a level of total effective compute: E = 8 in 2024 when compute stops
        let total = "[bottlenecks.wall]\nonset = { level = 8 }\neffect = { algorithms = 0.5 }\n";
        close(arrival(&format!("{head}{stall}{total}"), 0b11), 2028.0);
    }

    #[test]
    fn caps_that_add_up_to_the_threshold_arrive() {
        // Regression (review): 1.0 + 2.0 + 2.4 OOM of caps against a threshold of 5.4;
        // d2 caps at 2020 + 2.4 / 0.55, d0 and d1 together at 2020 + 1 / 0.14 (= 2 / 0.28),
        // when E reaches 5.4. Rounding of E must not turn this into "not by horizon".
        let t = "start = 2020\nthreshold = 5.4\n[drivers.d0]\nrate = 0.14\ncap = 1.0\n\
                 [drivers.d1]\nrate = 0.28\ncap = 2.0\n[drivers.d2]\nrate = 0.55\ncap = 2.4\n";
        let a = arrival(t, 0).expect("arrives");
        assert!((a - (2020.0 + 1.0 / 0.14)).abs() < 1e-9, "{a}");
    }

    #[test]
    fn horizon_bounds_arrival() {
        let t = "start = 2020\nhorizon = 2030\nthreshold = 10\n[drivers.a]\nrate = 1\n";
        close(arrival(t, 0), 2030.0); // exactly at the horizon counts
        let t = "start = 2020\nhorizon = 2029.9\nthreshold = 10\n[drivers.a]\nrate = 1\n";
        assert_eq!(arrival(t, 0), None);
    }

    #[test]
    fn non_positive_threshold_is_met_at_start() {
        close(
            arrival("start = 2020\nthreshold = -1\n[drivers.a]\nrate = 0\n", 0),
            2020.0,
        );
    }

    #[test]
    fn accelerator_and_temporary_stall_end() {
        // rate 1; from 2021 to 2022 x3 (accelerator): E(2022) = 1 + 3 = 4, then 1/yr: 6 at 2024.
        let t = "start = 2020\nthreshold = 6\n[drivers.a]\nrate = 1\n\
                 [bottlenecks.boom]\nonset = { year = 2021 }\nduration = 1\neffect = { a = 3 }\n";
        close(arrival(t, 1), 2024.0);
    }

    /// Inputs that exercise every event kind: caps that may be <= 0 from the start,
    /// onsets at a year (possibly before start), at a driver's level and at a level of
    /// E (possibly <= 0), durations, accelerators, a stalled driver, certain bottlenecks.
    const EVERY_EVENT: &str = r#"
start = 2020
horizon = 2060
threshold = { dist = "lognormal", ci90 = [1.0, 30.0] }
[drivers.a]
rate = { dist = "normal", ci90 = [-0.1, 1.0] }
cap = { dist = "normal", ci90 = [-0.5, 4.0] }
after_cap = { dist = "uniform", min = 0.0, max = 0.2 }
[drivers.b]
rate = { dist = "lognormal", ci90 = [0.1, 0.8] }
cap = { dist = "lognormal", ci90 = [0.5, 5.0] }
[drivers.c]
rate = { dist = "uniform", min = 0.0, max = 0.6 }
[bottlenecks.year]
probability = 0.6
onset = { year = { dist = "uniform", min = 2015, max = 2040 } }
duration = { dist = "lognormal", ci90 = [0.5, 10.0] }
effect = { a = { dist = "uniform", min = 0.0, max = 1.0 }, c = 0 }
[bottlenecks.level_of_a]
probability = 0.7
onset = { level = { dist = "normal", ci90 = [-0.5, 3.0] }, of = "a" }
duration = { dist = "uniform", min = 0.0, max = 5.0 }
effect = { b = { dist = "uniform", min = 0.2, max = 3.0 }, a = 0.5 }
[bottlenecks.level_of_e]
probability = 1
onset = { level = { dist = "normal", ci90 = [-1.0, 8.0] } }
effect = { a = 1.5, b = { dist = "uniform", min = 0.0, max = 1.0 }, c = 2.0 }
[bottlenecks.certain_stall]
probability = 0.5
onset = { year = { dist = "uniform", min = 2020, max = 2050 } }
duration = 3
effect = { c = 0 }
"#;

    /// `model` with a second milestone 0 to 6 OOMs above AGI, its first bottleneck
    /// (if any) turned into a boost that starts when AGI arrives, and levels observed at
    /// four years from the start to the horizon: every feature of the extended walk.
    fn with_every_extra(mut m: Model) -> (Model, Vec<f64>) {
        use crate::dist::Dist;
        use crate::model::{Input, Milestone, Onset};
        m.inputs.push(Input {
            name: "milestones.beyond.threshold".into(),
            dist: Dist::uniform(-1.0, 6.0).unwrap(),
            correlated: false,
        });
        let id = m.input_id("milestones.beyond.threshold").unwrap();
        m.milestones.push(Milestone {
            name: "beyond".into(),
            threshold: id,
            after: Some(0),
        });
        if let Some(b) = m.bottlenecks.first_mut() {
            b.onset = Onset::Milestone(0);
        }
        let years = vec![
            m.start,
            m.start + 0.5,
            (m.start + m.horizon) / 2.0,
            m.horizon,
        ];
        (m, years)
    }

    #[test]
    fn calendar_walk_agrees_with_the_reference_walk() {
        use rand::SeedableRng;
        let mut models: Vec<_> = crate::scenarios::SHIPPED
            .iter()
            .map(|s| s.model().unwrap())
            .collect();
        models.push(parse_model("every.toml", EVERY_EVENT).unwrap());
        // Five drivers: beyond the shapes compiled ahead, so `walk::<Any>` runs it.
        let five = format!(
            "{EVERY_EVENT}[drivers.d]\nrate = {{ dist = \"uniform\", min = 0.0, max = 0.3 }}\n\
             cap = 1\nafter_cap = 0.05\n[drivers.e]\nrate = 0.1\n"
        );
        models.push(parse_model("five.toml", &five).unwrap());
        // Nine bottlenecks on top: the run-time shape's loops over set bits.
        let mut nine = five.clone();
        for i in 0..5 {
            nine += &format!(
                "[bottlenecks.extra{i}]\nprobability = 0.5\n\
                 onset = {{ level = {{ dist = \"uniform\", min = 0.0, max = 3.0 }}, of = \"d\" }}\n\
                 duration = {{ dist = \"uniform\", min = 0.0, max = 4.0 }}\n\
                 effect = {{ e = 2, a = {{ dist = \"uniform\", min = 0.0, max = 1.0 }} }}\n"
            );
        }
        models.push(parse_model("nine.toml", &nine).unwrap());
        // No bottleneck: the extended walk must then find AGI exactly as the plain one.
        let mut bare = models[0].clone();
        bare.bottlenecks.clear();
        bare.name = "no-bottleneck".into();
        models.push(bare);
        for m in &models {
            let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(11);
            let mut fast = Trajectory::new(m);
            let mut slow = Reference::new(m);
            let (mut arrived, mut never) = (0, 0);
            for _ in 0..100_000 {
                let out = fast.run(m, &mut rng);
                // The walk compiled for this shape and the one for any shape agree exactly.
                let any =
                    walk::walk::<Any, Plain>(&fast.plan, &mut fast.state, &fast.inputs, out.fired);
                assert_eq!(any.map(f64::to_bits), out.arrival.map(f64::to_bits));
                let want = slow.arrival(m, &fast.inputs, out.fired);
                match agree(out.arrival, want, m.horizon, &m.name) {
                    true => arrived += 1,
                    false => never += 1,
                }
            }
            assert!(
                arrived > 1000 && never > 100,
                "{}: {arrived} {never}",
                m.name
            );
        }
        // Observed years alone change no arrival, to the bit: conditioning a run keeps
        // exactly a subset of the trajectories the same run draws without evidence.
        for m in &models {
            let years = [m.start + 0.7, (m.start + m.horizon) / 2.0, m.horizon];
            let mut a = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(13);
            let mut b = a.clone();
            let mut plain = Trajectory::new(m);
            let mut observing = Trajectory::observing(m, &years);
            for _ in 0..50_000 {
                let p = plain.run(m, &mut a);
                let o = observing.run(m, &mut b);
                assert_eq!(
                    p.arrival.map(f64::to_bits),
                    o.arrival.map(f64::to_bits),
                    "{}",
                    m.name
                );
                assert_eq!(p.fired, o.fired);
            }
        }
        // The extended walk: a second milestone, a boost at AGI, observed years.
        for base in &models {
            let (m, years) = with_every_extra(base.clone());
            let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(12);
            let mut fast = Trajectory::observing(&m, &years);
            let mut plain = Trajectory::new(base);
            let mut slow = Reference::new(&m);
            let mut beyond = 0;
            for _ in 0..50_000 {
                let out = fast.run(&m, &mut rng);
                let want = slow.observe(&m, &fast.inputs, out.fired, &years);
                agree(out.arrival, want, m.horizon, &m.name);
                if agree(fast.arrival_of(1), slow.arrival_of(1), m.horizon, &m.name) {
                    beyond += 1;
                }
                assert_eq!(fast.arrival_of(0), out.arrival);
                let any = walk::walk_extended::<Any>(
                    &fast.plan,
                    &mut fast.state,
                    &fast.inputs,
                    out.fired,
                );
                assert_eq!(any.map(f64::to_bits), out.arrival.map(f64::to_bits));
                for (j, year) in years.iter().enumerate() {
                    for (a, b) in fast.observed(j).iter().zip(slow.observed(j)) {
                        assert!(
                            (a - b).abs() <= 1e-9 * (1.0 + b.abs()),
                            "{}: year {year}: {:?} vs {:?}",
                            m.name,
                            fast.observed(j),
                            slow.observed(j)
                        );
                    }
                    assert_eq!(
                        fast.started(j),
                        slow.started(j),
                        "{}: year {}",
                        m.name,
                        years[j]
                    );
                }
                // Without the boost (no bottleneck turned into one), the extra features
                // leave AGI's arrival as the plain walk finds it.
                if base.bottlenecks.is_empty() {
                    plain
                        .inputs
                        .copy_from_slice(&fast.inputs[..base.inputs.len()]);
                    let p = plain.walk(base, out.fired);
                    assert_eq!(p.map(f64::to_bits), out.arrival.map(f64::to_bits));
                }
            }
            assert!(beyond > 1000, "{}: {beyond}", m.name);
        }
    }
}
