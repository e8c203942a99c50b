//! The distribution families a priors file may use, as immutable, validated values.
//!
//! A [`Dist`] is built once, through a checked constructor that returns a [`DistError`]
//! naming what is wrong (the priors layer adds file, line and key), and then sampled
//! millions of times without allocation; its fields are private, so a built value is
//! always consistent (no normal with a negative sd). Every family also exposes its exact
//! CDF and quantile function: the CDF lets tests check samplers (Kolmogorov-Smirnov) and
//! lets validation measure how much mass a truncation keeps; the quantile gives exact
//! input deciles for sensitivity analysis; with the density they build the tables from
//! which the copula draws correlated beta, PERT and mixture inputs ([`ScoreMap`]).
//!
//! Sampling methods (chosen for speed where an exact method is cheap):
//! - normal: ziggurat (`rand_distr::StandardNormal`), `mean + sd * z`;
//! - lognormal: `exp(mu + sigma * z)`;
//! - uniform, triangular: inverse CDF from one uniform;
//! - beta and PERT: two gamma variates, `X / (X + Y)` (see [`beta`]), scaled to
//!   `[min, max]`; PERT(min, mode, max) is `min + (max - min) * Beta(1 + 4 (mode - min) /
//!   (max - min), 1 + 4 (max - mode) / (max - min))` (Vose 2008, "Risk Analysis", 3rd
//!   ed., ch. 9);
//! - mixture: one uniform picks the component by its cumulative weight ([`mixture`]);
//! - truncation: inverse CDF restricted to `[F(lo), F(hi)]` for uniform and
//!   triangular, and for normal and lognormal when less than half the mass is kept
//!   (exact, no rejection); rejection (draw until inside, also exact) for every other
//!   family keeping at least half the mass, where it is ~5x cheaper than erfc and its
//!   inverse; below half, a beta or PERT from a piecewise hat and a mixture from its
//!   truncated components, both exact and about one draw's cost ([`truncated`]).

mod beta;
mod error;
mod mixture;
mod normal;
mod score;
mod truncated;

pub use error::DistError;
pub use normal::{Z80, Z90, std_normal_cdf, std_normal_density, std_normal_quantile};
pub use score::{ROUNDING_FLOATS, SCORE_TOLERANCE, ScoreMap};
pub use truncated::{MIN_REJECTION_MASS, REJECTION_BELOW_MASS};

use beta::{BetaSampler, beta_cdf, beta_density, beta_quantile};
use mixture::Mixture;
use rand::Rng;
use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};
use truncated::Truncated;

/// A validated distribution. Build it with the checked constructors ([`Dist::normal`],
/// [`Dist::pert`], ...); sample it with [`Dist::sample`], which cannot fail.
#[derive(Clone, Debug, PartialEq)]
pub struct Dist(Repr);

/// The families, as a [`Dist`] holds them.
#[derive(Clone, Debug, PartialEq)]
enum Repr {
    /// Always the same value; draws no random number.
    Fixed(f64),
    Uniform {
        min: f64,
        max: f64,
    },
    Normal {
        mean: f64,
        sd: f64,
    },
    /// `exp(N(mu, sigma))`.
    LogNormal {
        mu: f64,
        sigma: f64,
    },
    Triangular {
        min: f64,
        mode: f64,
        max: f64,
    },
    /// `min + (max - min) * Beta(alpha, beta)`; PERT is built as this with PERT's shapes.
    Beta {
        alpha: f64,
        beta: f64,
        min: f64,
        max: f64,
        sampler: BetaSampler,
    },
    Mixture(Mixture),
    Truncated(Truncated),
}

/// Which family a [`Dist`] is (PERT is a [`Family::Beta`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Fixed,
    Uniform,
    Normal,
    LogNormal,
    Triangular,
    Beta,
    Mixture,
    Truncated,
}

fn finite(name: &'static str, value: f64) -> Result<(), DistError> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(DistError::NotFinite { name, value })
    }
}

fn positive(family: &'static str, param: &'static str, value: f64) -> Result<(), DistError> {
    if value > 0.0 {
        Ok(())
    } else {
        Err(DistError::NotPositive {
            family,
            param,
            value,
        })
    }
}

impl Dist {
    pub fn fixed(value: f64) -> Result<Dist, DistError> {
        finite("a fixed value", value)?;
        // -0 is 0: keep outputs free of "-0".
        Ok(Dist(Repr::Fixed(if value == 0.0 { 0.0 } else { value })))
    }

    pub fn uniform(min: f64, max: f64) -> Result<Dist, DistError> {
        finite("min", min)?;
        finite("max", max)?;
        if !(min < max) {
            return Err(DistError::EmptyRange {
                family: "uniform",
                min,
                max,
            });
        }
        if !(max - min).is_finite() {
            return Err(DistError::TooWide {
                family: "uniform",
                lo: min,
                hi: max,
            });
        }
        Ok(Dist(Repr::Uniform { min, max }))
    }

    pub fn normal(mean: f64, sd: f64) -> Result<Dist, DistError> {
        finite("mean", mean)?;
        finite("sd", sd)?;
        positive("normal", "sd", sd)?;
        Ok(Dist(Repr::Normal { mean, sd }))
    }

    /// A normal whose central interval (z = [`Z90`] or [`Z80`]) is `[lo, hi]`.
    pub fn normal_interval(lo: f64, hi: f64, z: f64) -> Result<Dist, DistError> {
        finite("the interval's low end", lo)?;
        finite("the interval's high end", hi)?;
        if !(lo < hi) {
            return Err(DistError::IntervalOrder { lo, hi });
        }
        if !(hi - lo).is_finite() {
            return Err(DistError::TooWide {
                family: "interval",
                lo,
                hi,
            });
        }
        Dist::normal(lo / 2.0 + hi / 2.0, (hi - lo) / (2.0 * z))
    }

    pub fn lognormal(mu: f64, sigma: f64) -> Result<Dist, DistError> {
        finite("mu", mu)?;
        finite("sigma", sigma)?;
        positive("lognormal", "sigma", sigma)?;
        if mu.abs() > 700.0 {
            return Err(DistError::MedianOutOfRange { mu });
        }
        Ok(Dist(Repr::LogNormal { mu, sigma }))
    }

    /// A lognormal with median `median` and geometric standard deviation `gsd` (> 1).
    pub fn lognormal_median_gsd(median: f64, gsd: f64) -> Result<Dist, DistError> {
        finite("median", median)?;
        finite("gsd", gsd)?;
        positive("lognormal", "median", median)?;
        if !(gsd > 1.0) {
            return Err(DistError::SpreadNotAboveOne { gsd });
        }
        Dist::lognormal(median.ln(), gsd.ln())
    }

    /// A lognormal whose central interval (z = [`Z90`] or [`Z80`]) is `[lo, hi]`, both > 0.
    pub fn lognormal_interval(lo: f64, hi: f64, z: f64) -> Result<Dist, DistError> {
        finite("the interval's low end", lo)?;
        finite("the interval's high end", hi)?;
        if !(lo > 0.0 && hi > 0.0) {
            return Err(DistError::LogIntervalNotPositive { lo, hi });
        }
        if !(lo < hi) {
            return Err(DistError::IntervalOrder { lo, hi });
        }
        let (a, b) = (lo.ln(), hi.ln());
        Dist::lognormal((a + b) / 2.0, (b - a) / (2.0 * z))
    }

    /// `"a to b"`: a 90% interval, lognormal when both ends are > 0, else normal
    /// (Squiggle's convention for `a to b`).
    pub fn to_interval(lo: f64, hi: f64) -> Result<Dist, DistError> {
        if lo > 0.0 && hi > 0.0 {
            Dist::lognormal_interval(lo, hi, Z90)
        } else {
            Dist::normal_interval(lo, hi, Z90)
        }
    }

    pub fn triangular(min: f64, mode: f64, max: f64) -> Result<Dist, DistError> {
        check_min_mode_max("triangular", min, mode, max)?;
        Ok(Dist(Repr::Triangular { min, mode, max }))
    }

    pub fn pert(min: f64, mode: f64, max: f64) -> Result<Dist, DistError> {
        check_min_mode_max("pert", min, mode, max)?;
        let w = max - min;
        Dist::beta(
            1.0 + 4.0 * (mode - min) / w,
            1.0 + 4.0 * (max - mode) / w,
            min,
            max,
        )
    }

    pub fn beta(alpha: f64, beta: f64, min: f64, max: f64) -> Result<Dist, DistError> {
        finite("alpha", alpha)?;
        finite("beta", beta)?;
        finite("min", min)?;
        finite("max", max)?;
        positive("beta", "alpha", alpha)?;
        positive("beta", "beta", beta)?;
        if alpha > 1e6 || beta > 1e6 {
            return Err(DistError::ShapeTooLarge);
        }
        if !(min < max) {
            return Err(DistError::EmptyRange {
                family: "beta",
                min,
                max,
            });
        }
        if !(max - min).is_finite() {
            return Err(DistError::TooWide {
                family: "beta",
                lo: min,
                hi: max,
            });
        }
        let sampler = BetaSampler::new(alpha, beta)?;
        Ok(Dist(Repr::Beta {
            alpha,
            beta,
            min,
            max,
            sampler,
        }))
    }

    /// A weighted mixture. Weights must be finite, >= 0, with a positive sum.
    pub fn mixture(components: Vec<Dist>, weights: &[f64]) -> Result<Dist, DistError> {
        Mixture::new(components, weights).map(|m| Dist(Repr::Mixture(m)))
    }

    /// Restrict `inner` to `[lo, hi]` (either may be infinite). Fails when the
    /// interval keeps no mass, or (for rejection-sampled families) too little.
    pub fn truncated(inner: Dist, lo: f64, hi: f64) -> Result<Dist, DistError> {
        truncated::truncate(inner, lo, hi)
    }

    /// The family.
    pub fn family(&self) -> Family {
        match self.0 {
            Repr::Fixed(_) => Family::Fixed,
            Repr::Uniform { .. } => Family::Uniform,
            Repr::Normal { .. } => Family::Normal,
            Repr::LogNormal { .. } => Family::LogNormal,
            Repr::Triangular { .. } => Family::Triangular,
            Repr::Beta { .. } => Family::Beta,
            Repr::Mixture(_) => Family::Mixture,
            Repr::Truncated(_) => Family::Truncated,
        }
    }

    /// Whether a draw needs a random number at all.
    pub fn is_fixed(&self) -> bool {
        matches!(self.0, Repr::Fixed(_))
    }

    /// The value of a fixed distribution.
    pub fn fixed_value(&self) -> Option<f64> {
        match self.0 {
            Repr::Fixed(v) => Some(v),
            _ => None,
        }
    }

    /// The components of a mixture and their normalised weights.
    pub fn mixture_parts(&self) -> Option<(&[Dist], &[f64])> {
        match &self.0 {
            Repr::Mixture(m) => Some((&m.components, &m.weights)),
            _ => None,
        }
    }

    /// The distribution a truncation restricts.
    pub fn truncated_inner(&self) -> Option<&Dist> {
        match &self.0 {
            Repr::Truncated(t) => Some(&t.inner),
            _ => None,
        }
    }

    /// The smallest and largest values a draw can take (possibly infinite).
    pub fn support(&self) -> (f64, f64) {
        match &self.0 {
            Repr::Fixed(v) => (*v, *v),
            Repr::Uniform { min, max } => (*min, *max),
            Repr::Normal { .. } => (f64::NEG_INFINITY, f64::INFINITY),
            Repr::LogNormal { .. } => (0.0, f64::INFINITY),
            Repr::Triangular { min, max, .. } | Repr::Beta { min, max, .. } => (*min, *max),
            Repr::Mixture(m) => m.support(),
            Repr::Truncated(t) => t.support(),
        }
    }

    /// P(X <= x).
    pub fn cdf(&self, x: f64) -> f64 {
        match &self.0 {
            Repr::Fixed(v) => (x >= *v) as u8 as f64,
            Repr::Uniform { min, max } => ((x - min) / (max - min)).clamp(0.0, 1.0),
            Repr::Normal { mean, sd } => std_normal_cdf((x - mean) / sd),
            Repr::LogNormal { mu, sigma } => {
                if x <= 0.0 {
                    0.0
                } else {
                    std_normal_cdf((x.ln() - mu) / sigma)
                }
            }
            Repr::Triangular { min, mode, max } => {
                if x <= *min {
                    0.0
                } else if x >= *max {
                    1.0
                } else if x <= *mode {
                    (x - min).powi(2) / ((max - min) * (mode - min))
                } else {
                    1.0 - (max - x).powi(2) / ((max - min) * (max - mode))
                }
            }
            Repr::Beta {
                alpha,
                beta,
                min,
                max,
                ..
            } => beta_cdf(*alpha, *beta, (x - min) / (max - min)),
            Repr::Mixture(m) => m.cdf(x),
            Repr::Truncated(t) => t.cdf(x),
        }
    }

    /// P(X < x): differs from the CDF only at atoms (fixed values, mixture atoms).
    pub fn cdf_left(&self, x: f64) -> f64 {
        match &self.0 {
            Repr::Fixed(v) => (x > *v) as u8 as f64,
            Repr::Mixture(m) => m.cdf_left(x),
            Repr::Truncated(t) => t.cdf_left(x),
            _ => self.cdf(x),
        }
    }

    /// The probability density at `x`; `+inf` at an atom (a fixed value, or a
    /// mixture's fixed component).
    pub fn density(&self, x: f64) -> f64 {
        const SQRT_2PI: f64 = 2.506_628_274_631_000_7;
        match &self.0 {
            Repr::Fixed(v) => {
                if x == *v {
                    f64::INFINITY
                } else {
                    0.0
                }
            }
            Repr::Uniform { min, max } => {
                if *min <= x && x <= *max {
                    1.0 / (max - min)
                } else {
                    0.0
                }
            }
            Repr::Normal { mean, sd } => {
                let z = (x - mean) / sd;
                (-0.5 * z * z).exp() / (sd * SQRT_2PI)
            }
            Repr::LogNormal { mu, sigma } => {
                if x > 0.0 {
                    let z = (x.ln() - mu) / sigma;
                    (-0.5 * z * z).exp() / (sigma * x * SQRT_2PI)
                } else {
                    0.0
                }
            }
            Repr::Triangular { min, mode, max } => {
                if x < *min || x > *max {
                    0.0
                } else if x < *mode {
                    2.0 * (x - min) / ((max - min) * (mode - min))
                } else if x > *mode {
                    2.0 * (max - x) / ((max - min) * (max - mode))
                } else {
                    2.0 / (max - min)
                }
            }
            Repr::Beta {
                alpha,
                beta,
                min,
                max,
                ..
            } => beta_density(*alpha, *beta, (x - min) / (max - min)) / (max - min),
            Repr::Mixture(m) => m.density(x),
            Repr::Truncated(t) => t.density(x),
        }
    }

    /// The smallest x with P(X <= x) >= p, for p in [0, 1].
    pub fn quantile(&self, p: f64) -> f64 {
        let p = p.clamp(0.0, 1.0);
        match &self.0 {
            Repr::Fixed(v) => *v,
            Repr::Uniform { min, max } => min + (max - min) * p,
            Repr::Normal { mean, sd } => mean + sd * std_normal_quantile(p),
            Repr::LogNormal { mu, sigma } => (mu + sigma * std_normal_quantile(p)).exp(),
            Repr::Triangular { min, mode, max } => triangular_quantile(*min, *mode, *max, p),
            Repr::Beta {
                alpha,
                beta,
                min,
                max,
                ..
            } => min + (max - min) * beta_quantile(*alpha, *beta, p),
            Repr::Mixture(_) => self.quantile_by_bisection(p),
            Repr::Truncated(t) => t.quantile(p),
        }
    }

    /// Generic quantile by bisection on the CDF (mixtures): 200 halvings of a finite
    /// bracket reach the limit of f64 resolution.
    fn quantile_by_bisection(&self, p: f64) -> f64 {
        let (s_lo, s_hi) = self.support();
        let mut lo = if s_lo.is_finite() { s_lo } else { -1.0 };
        let mut hi = if s_hi.is_finite() { s_hi } else { 1.0 };
        // Widen the bracket away from zero on each side. (Doubling `lo` would move a
        // positive `lo` up, forever: a mixture with an atom at its lowest value, such as
        // components [4, "6 to 9"], has cdf(4) = 0.5 > p for p < 0.5.)
        while self.cdf(lo) > p && lo > -1e300 {
            lo -= lo.abs() + 1.0;
        }
        while self.cdf(hi) < p && hi < 1e300 {
            hi += hi.abs() + 1.0;
        }
        for _ in 0..200 {
            let mid = lo + (hi - lo) / 2.0;
            if mid <= lo || mid >= hi {
                break;
            }
            if self.cdf(mid) >= p {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        // Inside the support (p = 0 would otherwise give the bracket's lower end).
        hi.max(s_lo).min(s_hi)
    }

    /// The mean, where it exists in closed form (used in docs and tests).
    pub fn mean(&self) -> Option<f64> {
        Some(match &self.0 {
            Repr::Fixed(v) => *v,
            Repr::Uniform { min, max } => (min + max) / 2.0,
            Repr::Normal { mean, .. } => *mean,
            Repr::LogNormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
            Repr::Triangular { min, mode, max } => (min + mode + max) / 3.0,
            Repr::Beta {
                alpha,
                beta,
                min,
                max,
                ..
            } => min + (max - min) * alpha / (alpha + beta),
            Repr::Mixture(m) => return m.mean(),
            Repr::Truncated(_) => return None,
        })
    }

    /// The largest value of the density on `[lo, hi]` (an upper bound for mixtures), or
    /// `None` where it is unbounded: a fixed value (a point mass), a beta with a shape
    /// below 1 (infinite at an end).
    pub fn density_bound(&self) -> Option<f64> {
        self.density_bound_on(f64::NEG_INFINITY, f64::INFINITY)
    }

    pub(super) fn density_bound_on(&self, lo: f64, hi: f64) -> Option<f64> {
        // Unimodal families: the density at the mode, or at the end of [lo, hi] nearest it.
        let at_mode = |mode: f64| Some(self.density(mode.clamp(lo, hi)));
        match &self.0 {
            Repr::Fixed(_) => None,
            Repr::Uniform { min, max } => Some(1.0 / (max - min)),
            Repr::Normal { mean, .. } => at_mode(*mean),
            Repr::LogNormal { mu, sigma } => at_mode((mu - sigma * sigma).exp()),
            Repr::Triangular { mode, .. } => at_mode(*mode),
            Repr::Beta {
                alpha,
                beta,
                min,
                max,
                ..
            } => {
                if *alpha < 1.0 || *beta < 1.0 {
                    None
                } else if *alpha == 1.0 && *beta == 1.0 {
                    Some(1.0 / (max - min))
                } else {
                    at_mode(min + (max - min) * (alpha - 1.0) / (alpha + beta - 2.0))
                }
            }
            Repr::Mixture(m) => m.density_bound_on(lo, hi),
            Repr::Truncated(t) => t.density_bound(),
        }
    }

    /// The value at the standard-normal score `y` (the quantile at `Phi(y)`), exactly.
    /// Normal and lognormal skip the round trip. For families without a closed-form
    /// quantile this is a bisection; the copula draws those through a [`ScoreMap`].
    #[inline]
    pub fn from_normal_score(&self, y: f64) -> f64 {
        match &self.0 {
            Repr::Normal { mean, sd } => mean + sd * y,
            Repr::LogNormal { mu, sigma } => (mu + sigma * y).exp(),
            Repr::Fixed(v) => *v,
            _ => {
                // Phi(y) in (0, 1) without rounding to 0 or 1 in the tails.
                let p = std_normal_cdf(y).clamp(f64::MIN_POSITIVE, 1.0 - f64::EPSILON / 2.0);
                self.quantile(p)
            }
        }
    }

    /// Draw one value. Never fails and never allocates.
    ///
    /// The four plain families are drawn inline (they are most inputs, and a call per
    /// draw costs as much as a uniform variate); the others go through
    /// [`Dist::sample_other`]. Either way the same variates, in the same order.
    #[inline(always)]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match &self.0 {
            Repr::Fixed(v) => *v,
            Repr::Uniform { min, max } => min + (max - min) * rng.random::<f64>(),
            Repr::Normal { mean, sd } => {
                let z: f64 = StandardNormal.sample(rng);
                mean + sd * z
            }
            Repr::LogNormal { mu, sigma } => {
                let z: f64 = StandardNormal.sample(rng);
                (mu + sigma * z).exp()
            }
            _ => self.sample_other(rng),
        }
    }

    /// [`Dist::sample`] for triangular, beta, mixtures and truncations.
    #[inline(never)]
    fn sample_other<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match &self.0 {
            Repr::Fixed(_)
            | Repr::Uniform { .. }
            | Repr::Normal { .. }
            | Repr::LogNormal { .. } => self.sample(rng),
            Repr::Triangular { min, mode, max } => {
                triangular_quantile(*min, *mode, *max, rng.random::<f64>())
            }
            Repr::Beta {
                min, max, sampler, ..
            } => min + (max - min) * sampler.draw(rng),
            Repr::Mixture(m) => m.sample(rng),
            Repr::Truncated(t) => t.sample(rng),
        }
    }
}

/// A short description in the priors' own terms: `normal(mean 1.4, sd 0.22)`,
/// `lognormal(median 0.55, gsd 1.3)`, `uniform(0.1, 0.2)`, ...
impl std::fmt::Display for Dist {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = |x: f64| match x {
            f64::INFINITY => "inf".to_string(),
            f64::NEG_INFINITY => "-inf".to_string(),
            x => crate::format::fmt_sig(x, 4),
        };
        match &self.0 {
            Repr::Fixed(v) => write!(f, "{}", n(*v)),
            Repr::Uniform { min, max } => write!(f, "uniform({}, {})", n(*min), n(*max)),
            Repr::Normal { mean, sd } => write!(f, "normal(mean {}, sd {})", n(*mean), n(*sd)),
            Repr::LogNormal { mu, sigma } => write!(
                f,
                "lognormal(median {}, gsd {})",
                n(mu.exp()),
                n(sigma.exp())
            ),
            Repr::Triangular { min, mode, max } => {
                write!(f, "triangular({}, {}, {})", n(*min), n(*mode), n(*max))
            }
            Repr::Beta {
                alpha,
                beta,
                min,
                max,
                ..
            } => write!(
                f,
                "beta({}, {}) on [{}, {}]",
                n(*alpha),
                n(*beta),
                n(*min),
                n(*max)
            ),
            Repr::Mixture(m) => {
                write!(f, "mixture(")?;
                for (i, (c, w)) in m.components.iter().zip(&m.weights).enumerate() {
                    if i > 0 {
                        write!(f, "; ")?;
                    }
                    write!(f, "{}: {c}", n(*w))?;
                }
                write!(f, ")")
            }
            Repr::Truncated(t) => {
                write!(f, "{} truncated to [{}, {}]", t.inner, n(t.lo), n(t.hi))
            }
        }
    }
}

fn check_min_mode_max(
    family: &'static str,
    min: f64,
    mode: f64,
    max: f64,
) -> Result<(), DistError> {
    finite("min", min)?;
    finite("mode", mode)?;
    finite("max", max)?;
    if !(min < max) {
        return Err(DistError::EmptyRange { family, min, max });
    }
    if !(min <= mode && mode <= max) {
        return Err(DistError::ModeOutside {
            family,
            min,
            mode,
            max,
        });
    }
    // The CDF and quantile multiply two widths: (max - min)^2 must stay finite, or
    // they give NaN and draws land outside [min, max].
    let w = max - min;
    if !(w * w).is_finite() {
        return Err(DistError::TooWide {
            family,
            lo: min,
            hi: max,
        });
    }
    Ok(())
}

fn triangular_quantile(min: f64, mode: f64, max: f64, p: f64) -> f64 {
    let w = max - min;
    let split = (mode - min) / w;
    if p < split {
        min + (p * w * (mode - min)).sqrt()
    } else {
        max - ((1.0 - p) * w * (max - mode)).sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn density_is_the_derivative_of_the_cdf_and_its_bound_holds() {
        let dists = vec![
            Dist::uniform(-1.0, 3.0).unwrap(),
            Dist::normal(1.0, 2.0).unwrap(),
            Dist::lognormal_median_gsd(2.0, 3.0).unwrap(),
            Dist::triangular(0.0, 0.2, 1.0).unwrap(),
            Dist::pert(0.1, 0.4, 1.0).unwrap(),
            Dist::beta(1.0, 3.0, 0.0, 2.0).unwrap(),
            Dist::mixture(
                vec![
                    Dist::normal(0.0, 1.0).unwrap(),
                    Dist::uniform(5.0, 6.0).unwrap(),
                ],
                &[1.0, 3.0],
            )
            .unwrap(),
            Dist::truncated(Dist::normal(0.0, 1.0).unwrap(), 0.5, f64::INFINITY).unwrap(),
            Dist::truncated(Dist::lognormal(0.0, 1.0).unwrap(), 2.0, 9.0).unwrap(),
        ];
        for d in &dists {
            let bound = d.density_bound().unwrap();
            let (lo, hi) = (d.quantile(0.001), d.quantile(0.999));
            let mut max_seen = 0.0f64;
            for i in 1..1000 {
                let x = lo + (hi - lo) * i as f64 / 1000.0;
                let h = 1e-6 * (1.0 + x.abs());
                let numeric = (d.cdf(x + h) - d.cdf(x - h)) / (2.0 * h);
                let f = d.density(x);
                // central differences of a smooth CDF: error O(h^2); kinks (triangle's mode,
                // truncation and uniform ends) are stepped over with a looser check
                assert!(
                    (numeric - f).abs() <= 1e-4 * (1.0 + f)
                        || (d.cdf(x + h) - d.cdf(x - h)) == 0.0
                        || {
                            let (a, b) = (d.density(x - 2.0 * h), d.density(x + 2.0 * h));
                            numeric >= a.min(b) - 1e-4 && numeric <= a.max(b) + 1e-4
                        },
                    "{d:?} at {x}: density {f} vs cdf slope {numeric}"
                );
                max_seen = max_seen.max(f);
            }
            assert!(
                bound >= max_seen * (1.0 - 1e-12),
                "{d:?}: bound {bound} < {max_seen}"
            );
        }
        // No bound where the density has none: a point mass, a beta shape below 1.
        assert_eq!(Dist::fixed(1.0).unwrap().density_bound(), None);
        assert_eq!(
            Dist::beta(0.5, 2.0, 0.0, 1.0).unwrap().density_bound(),
            None
        );
        // A truncation away from the mode is bounded by the density at its near end.
        let t = Dist::truncated(Dist::normal(0.0, 1.0).unwrap(), 1.0, 2.0).unwrap();
        assert!((t.density_bound().unwrap() - t.density(1.0)).abs() < 1e-12);
    }

    #[test]
    fn interval_forms_put_the_stated_mass_inside() {
        // 1e-9: statrs' erfc is accurate to ~1e-12 here; a z rounded to 1.645 would be off by 1e-5.
        let d = Dist::normal_interval(2.0, 6.0, Z90).unwrap();
        assert!((d.cdf(2.0) - 0.05).abs() < 1e-9 && (d.cdf(6.0) - 0.95).abs() < 1e-9);
        let d = Dist::lognormal_interval(0.4, 0.75, Z90).unwrap();
        assert!((d.cdf(0.4) - 0.05).abs() < 1e-9 && (d.cdf(0.75) - 0.95).abs() < 1e-9);
        let d = Dist::lognormal_interval(1.0, 8.0, Z80).unwrap();
        assert!((d.cdf(1.0) - 0.10).abs() < 1e-9 && (d.cdf(8.0) - 0.90).abs() < 1e-9);
        // "a to b" with a non-positive end is a normal
        assert_eq!(
            Dist::to_interval(-1.0, 1.0).unwrap().family(),
            Family::Normal
        );
        assert_eq!(
            Dist::to_interval(0.3, 0.7).unwrap().family(),
            Family::LogNormal
        );
    }

    #[test]
    fn quantile_inverts_cdf_for_every_family() {
        let normal = Dist::normal(1.0, 2.0).unwrap();
        let dists = vec![
            Dist::uniform(-1.0, 3.0).unwrap(),
            normal.clone(),
            Dist::lognormal_median_gsd(2.0, 3.0).unwrap(),
            Dist::triangular(0.0, 0.2, 1.0).unwrap(),
            Dist::pert(0.1, 0.4, 1.0).unwrap(),
            Dist::beta(2.0, 5.0, 0.0, 1.0).unwrap(),
            Dist::mixture(vec![normal, Dist::uniform(5.0, 6.0).unwrap()], &[1.0, 3.0]).unwrap(),
            Dist::truncated(Dist::normal(0.0, 1.0).unwrap(), 0.0, f64::INFINITY).unwrap(),
            Dist::truncated(Dist::pert(0.0, 0.5, 2.0).unwrap(), 0.2, 1.5).unwrap(),
        ];
        for d in &dists {
            for &p in &[0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99] {
                let x = d.quantile(p);
                assert!(
                    (d.cdf(x) - p).abs() < 1e-9,
                    "{d:?} p={p} x={x} cdf={}",
                    d.cdf(x)
                );
            }
        }
    }

    #[test]
    fn bad_parameters_are_refused_with_the_reason() {
        use DistError::*;
        let e = Dist::normal(0.0, 0.0).unwrap_err();
        assert!(matches!(e, NotPositive { param: "sd", .. }), "{e:?}");
        assert!(e.to_string().contains("sd > 0"), "{e}");
        let e = Dist::uniform(2.0, 1.0).unwrap_err();
        assert!(
            matches!(
                e,
                EmptyRange {
                    family: "uniform",
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(e.to_string().contains("min < max"), "{e}");
        let e = Dist::lognormal_interval(0.0, 1.0, Z90).unwrap_err();
        assert!(matches!(e, LogIntervalNotPositive { .. }), "{e:?}");
        assert!(e.to_string().contains("> 0"), "{e}");
        let e = Dist::pert(0.0, 2.0, 1.0).unwrap_err();
        assert!(matches!(e, ModeOutside { family: "pert", .. }), "{e:?}");
        let e = Dist::mixture(vec![Dist::fixed(1.0).unwrap()], &[0.0]).unwrap_err();
        assert_eq!(e, NoWeight);
        assert!(e.to_string().contains("positive"), "{e}");
        assert!(matches!(Dist::fixed(f64::INFINITY), Err(NotFinite { .. })));
        let far = Dist::truncated(Dist::normal(0.0, 1.0).unwrap(), 50.0, 60.0).unwrap_err();
        assert!(matches!(far, TruncateInFarTail { .. }), "{far:?}");
        assert!(far.to_string().contains("rounds to 0"));
        let outside = Dist::truncated(Dist::uniform(0.0, 1.0).unwrap(), 2.0, 3.0).unwrap_err();
        assert!(matches!(outside, TruncateExcludesAll { .. }), "{outside:?}");
        assert!(outside.to_string().contains("excludes all"));
        let thin =
            Dist::truncated(Dist::beta(2.0, 2.0, 0.0, 1.0).unwrap(), 0.99999, 1.0).unwrap_err();
        assert!(matches!(thin, TruncateKeepsTooLittle { .. }), "{thin:?}");
        assert!(thin.to_string().contains("keeps only"));
    }

    #[test]
    fn mixture_quantile_below_an_atom_at_its_minimum_terminates() {
        // Found by fuzzing (fuzz/artifacts timeout-2b991fee): the bracket search moved a
        // positive lower end upwards forever.
        let m = Dist::mixture(
            vec![Dist::fixed(4.0).unwrap(), Dist::fixed(8.0).unwrap()],
            &[1.0, 0.0],
        )
        .unwrap();
        assert_eq!(m.quantile(0.0), 4.0);
        let m = Dist::mixture(
            vec![
                Dist::fixed(4.0).unwrap(),
                Dist::to_interval(6.0, 9.0).unwrap(),
            ],
            &[1.0, 1.0],
        )
        .unwrap();
        assert_eq!(m.quantile(0.1), 4.0);
        assert_eq!(m.quantile(0.5), 4.0);
        assert!(m.quantile(0.75) > 6.0);
        let neg = Dist::mixture(
            vec![Dist::fixed(-4.0).unwrap(), Dist::fixed(-2.0).unwrap()],
            &[1.0, 1.0],
        )
        .unwrap();
        assert_eq!(neg.quantile(0.25), -4.0);
        assert_eq!(neg.quantile(0.75), -2.0);
    }

    #[test]
    fn mixture_weights_are_relative_even_when_their_sum_overflows() {
        let m = Dist::mixture(
            vec![Dist::fixed(1.0).unwrap(), Dist::fixed(2.0).unwrap()],
            &[1e308, 1e308],
        )
        .unwrap();
        let Repr::Mixture(mixture::Mixture {
            weights,
            cumulative,
            ..
        }) = &m.0
        else {
            unreachable!()
        };
        assert_eq!(weights, &[0.5, 0.5]);
        assert_eq!(cumulative.last(), Some(&1.0));
    }

    #[test]
    fn beta_quantile_is_total() {
        // statrs' inv_beta_reg panicked (shapes near 0) or never returned (e.g.
        // Beta(0.1, 1000) at p = 1e-100) on these.
        let shapes = [1e-300, 1e-10, 1e-3, 0.1, 0.5, 1.0, 1.5, 10.0, 1e3, 1e6];
        let ps = [
            0.0,
            5e-324,
            1e-300,
            1e-100,
            1e-10,
            0.001,
            0.5,
            0.999,
            1.0 - 1e-16,
            1.0,
        ];
        for &a in &shapes {
            for &b in &shapes {
                let d = Dist::beta(a, b, 0.0, 1.0).unwrap();
                let mut prev = 0.0;
                for &p in &ps {
                    let x = d.quantile(p);
                    assert!((prev..=1.0).contains(&x), "Beta({a}, {b}) p={p}: {x}");
                    prev = x;
                }
            }
        }
    }

    #[test]
    fn ranges_too_wide_for_f64_are_refused_with_the_reason() {
        let e = Dist::normal_interval(-1.7e308, 1.7e308, Z90).unwrap_err();
        assert!(e.to_string().contains("too wide"), "{e}");
        // (max - min)^2 overflowed: cdf was inf / inf = NaN and draws were infinite.
        let e = Dist::triangular(-1e308, 0.0, 5e307).unwrap_err();
        assert!(e.to_string().contains("too wide"), "{e}");
        assert!(Dist::pert(-1e200, 0.0, 1e200).is_err());
        let e = Dist::beta(2.0, 2.0, -1e308, 1e308).unwrap_err();
        assert!(e.to_string().contains("too wide"), "{e}");
        // Wide but representable ranges are fine, and their CDFs are numbers.
        let t = Dist::triangular(-1e150, 0.0, 1e150).unwrap();
        assert!((t.cdf(0.0) - 0.5).abs() < 1e-12);
        assert_eq!(t.quantile(0.5), 0.0);
    }

    #[test]
    fn far_tail_truncation_stays_inside_its_bounds() {
        use rand::SeedableRng;
        let d = Dist::truncated(Dist::normal(0.0, 1.0).unwrap(), 8.0, 9.0).unwrap();
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
        for _ in 0..1000 {
            let x = d.sample(&mut rng);
            assert!((8.0..=9.0).contains(&x));
        }
    }
}
