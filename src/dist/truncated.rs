//! Truncation to `[lo, hi]`: by inverse CDF where that is exact and cheap, by rejection
//! (draw until inside, also exact) where the kept mass is large enough, and for beta
//! and mixtures keeping less, by exact routes that cost about one draw: a piecewise hat
//! (beta, PERT) or a mixture of the truncated components.

use super::beta::BetaHat;
use super::normal::truncated_std_normal;
use super::{Dist, DistError, Repr};
use rand::{Rng, RngExt};

/// A truncation keeping at least this share of the mass is drawn by rejection (at most
/// 2 tries on average); below it, by inverse CDF (normal, lognormal), a piecewise hat
/// (beta, PERT) or its components (mixtures).
pub const REJECTION_BELOW_MASS: f64 = 0.5;

/// Smallest share of mass a truncation of a beta, PERT or mixture may keep: a narrower
/// one is more likely a mistake in the file than a belief (normal, lognormal, uniform
/// and triangular truncations may keep any mass).
pub const MIN_REJECTION_MASS: f64 = 1e-3;

#[derive(Clone, Debug, PartialEq)]
pub(super) struct Truncated {
    pub(super) inner: Box<Dist>,
    pub(super) lo: f64,
    pub(super) hi: f64,
    /// `F(lo)` (from the left, so an atom at `lo` is kept) and `F(hi)` of the inner
    /// distribution.
    pub(super) cdf_lo: f64,
    pub(super) cdf_hi: f64,
    pub(super) method: Method,
}

/// How a truncation draws.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Method {
    /// Inverse CDF from one uniform (uniform, triangular; normal and lognormal keeping
    /// under half the mass).
    Inverse,
    /// Draw the whole distribution until a draw is inside.
    Rejection,
    /// A beta or PERT keeping under half the mass: its standard variate from a hat on
    /// `[a, b]` within [0, 1].
    Hat(Box<BetaHat>),
    /// A mixture keeping under half the mass: the mixture of its components truncated
    /// to the same range, weighted by weight times kept mass.
    Parts(Box<Dist>),
}

/// Restrict `inner` to `[lo, hi]` (either may be infinite). Fails when the interval
/// keeps no mass, or (for beta, PERT and mixtures) too little.
pub(super) fn truncate(inner: Dist, lo: f64, hi: f64) -> Result<Dist, DistError> {
    truncate_with(inner, lo, hi, true)
}

/// [`truncate`]; `limit`: refuse beta, PERT and mixture truncations keeping under
/// [`MIN_REJECTION_MASS`] (the components of a truncated mixture may keep any mass).
fn truncate_with(inner: Dist, lo: f64, hi: f64, limit: bool) -> Result<Dist, DistError> {
    if lo.is_nan() || hi.is_nan() {
        return Err(DistError::TruncateNotNumbers);
    }
    if !(lo < hi) {
        return Err(DistError::TruncateOrder { lo, hi });
    }
    let (s_lo, s_hi) = inner.support();
    if lo <= s_lo && hi >= s_hi {
        return Ok(inner); // nothing to cut
    }
    if let Repr::Fixed(v) = inner.0 {
        return if lo <= v && v <= hi {
            Ok(inner)
        } else {
            Err(DistError::TruncateExcludesValue { lo, hi, value: v })
        };
    }
    if let Repr::Truncated(t) = &inner.0 {
        // a truncation of a truncation (a truncated component of a truncated mixture):
        // one truncation of the original to both ranges at once
        return truncate_with((*t.inner).clone(), lo.max(t.lo), hi.min(t.hi), limit);
    }
    let cdf_lo = inner.cdf_left(lo);
    let cdf_hi = inner.cdf(hi);
    let mass = cdf_hi - cdf_lo;
    if !(mass > 0.0) && (hi <= s_lo || lo >= s_hi) {
        return Err(DistError::TruncateExcludesAll {
            lo,
            hi,
            support_lo: s_lo,
            support_hi: s_hi,
        });
    }
    if !(mass > 0.0) {
        // Inside the range, but so far in a tail that F(hi) - F(lo) rounds to 0 (in the
        // upper tail F is within 1e-16 of 1 from about 8 sd on).
        return Err(DistError::TruncateInFarTail {
            lo,
            hi,
            support_lo: s_lo,
            support_hi: s_hi,
        });
    }
    let limited = matches!(inner.0, Repr::Beta { .. } | Repr::Mixture(_));
    if limit && limited && mass < MIN_REJECTION_MASS {
        return Err(DistError::TruncateKeepsTooLittle {
            lo,
            hi,
            mass,
            min_mass: MIN_REJECTION_MASS,
        });
    }
    // Rejection costs 1 / mass draws of the whole distribution: at most 2 when it keeps
    // half the mass or more. Below that, normal and lognormal by inverse CDF (~110 ns
    // for erfc + erfc_inv, against ~9-25 ns a plain draw), beta by a hat and mixtures by
    // their parts (about one draw each). All exact.
    let thin = mass < REJECTION_BELOW_MASS;
    let method = match &inner.0 {
        Repr::Uniform { .. } | Repr::Triangular { .. } => Method::Inverse,
        Repr::Normal { .. } | Repr::LogNormal { .. } if thin => Method::Inverse,
        Repr::Beta {
            alpha,
            beta,
            min,
            max,
            ..
        } if thin => {
            let a = ((lo - min) / (max - min)).clamp(0.0, 1.0);
            let b = ((hi - min) / (max - min)).clamp(0.0, 1.0);
            Method::Hat(Box::new(BetaHat::new(*alpha, *beta, a, b)))
        }
        Repr::Mixture(m) if thin => {
            let mut parts = Vec::new();
            let mut weights = Vec::new();
            for (c, &w) in m.components.iter().zip(&m.weights) {
                let kept = c.cdf(hi) - c.cdf_left(lo);
                if w > 0.0 && kept > 0.0 {
                    parts.push(truncate_with(c.clone(), lo, hi, false)?);
                    weights.push(w * kept);
                }
            }
            Method::Parts(Box::new(Dist::mixture(parts, &weights)?))
        }
        _ => Method::Rejection,
    };
    Ok(Dist(Repr::Truncated(Truncated {
        inner: Box::new(inner),
        lo,
        hi,
        cdf_lo,
        cdf_hi,
        method,
    })))
}

impl Truncated {
    /// (Out of line, so that `Dist::sample_other` stays as short for the other families
    /// as it was before truncations had four routes.)
    #[inline(never)]
    pub(super) fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match &self.method {
            Method::Inverse => {
                let u: f64 = rng.random();
                self.inverse(u)
            }
            // at least half the mass kept: at most 2 tries on average
            Method::Rejection => loop {
                let x = self.inner.sample(rng);
                if self.lo <= x && x <= self.hi {
                    return x;
                }
            },
            Method::Hat(hat) => {
                let Repr::Beta { min, max, .. } = self.inner.0 else {
                    unreachable!("a hat is built for a beta")
                };
                (min + (max - min) * hat.draw(rng)).clamp(self.lo, self.hi)
            }
            Method::Parts(parts) => parts.sample(rng),
        }
    }

    /// Inverse-CDF draw restricted to `[lo, hi]` from one uniform `u`, for the families
    /// that have a closed-form (or accurate) quantile. For normals in the far upper tail
    /// the computation is mirrored so that `1 - F` never loses its digits to rounding.
    fn inverse(&self, u: f64) -> f64 {
        let (lo, hi) = (self.lo, self.hi);
        let x = match self.inner.0 {
            Repr::Normal { mean, sd } => {
                mean + sd * truncated_std_normal((lo - mean) / sd, (hi - mean) / sd, u)
            }
            Repr::LogNormal { mu, sigma } => {
                let zlo = if lo > 0.0 {
                    (lo.ln() - mu) / sigma
                } else {
                    f64::NEG_INFINITY
                };
                let zhi = if hi > 0.0 {
                    (hi.ln() - mu) / sigma
                } else {
                    f64::NEG_INFINITY
                };
                (mu + sigma * truncated_std_normal(zlo, zhi, u)).exp()
            }
            _ => self
                .inner
                .quantile(self.cdf_lo + (self.cdf_hi - self.cdf_lo) * u),
        };
        x.clamp(lo, hi)
    }

    pub(super) fn support(&self) -> (f64, f64) {
        let (a, b) = self.inner.support();
        (a.max(self.lo), b.min(self.hi))
    }

    pub(super) fn cdf(&self, x: f64) -> f64 {
        if x < self.lo {
            0.0
        } else if x >= self.hi {
            1.0
        } else {
            ((self.inner.cdf(x) - self.cdf_lo) / (self.cdf_hi - self.cdf_lo)).clamp(0.0, 1.0)
        }
    }

    pub(super) fn cdf_left(&self, x: f64) -> f64 {
        if x <= self.lo {
            0.0
        } else if x > self.hi {
            1.0
        } else {
            ((self.inner.cdf_left(x) - self.cdf_lo) / (self.cdf_hi - self.cdf_lo)).clamp(0.0, 1.0)
        }
    }

    pub(super) fn density(&self, x: f64) -> f64 {
        if self.lo <= x && x <= self.hi {
            self.inner.density(x) / (self.cdf_hi - self.cdf_lo)
        } else {
            0.0
        }
    }

    pub(super) fn density_bound(&self) -> Option<f64> {
        Some(self.inner.density_bound_on(self.lo, self.hi)? / (self.cdf_hi - self.cdf_lo))
    }

    pub(super) fn quantile(&self, p: f64) -> f64 {
        self.inner
            .quantile(self.cdf_lo + (self.cdf_hi - self.cdf_lo) * p)
            .clamp(self.lo, self.hi)
    }
}
