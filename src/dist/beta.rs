//! Beta variates and quantiles (also PERT's, which is a scaled beta).

use super::DistError;
use rand::Rng;
use rand_distr::Distribution;
use statrs::function::beta::{beta_reg, ln_beta};

/// How a beta distribution draws its standard Beta(alpha, beta) variate.
///
/// - `X / (X + Y)` with `X ~ Gamma(alpha)`, `Y ~ Gamma(beta)` (exact: Devroye 1986,
///   "Non-Uniform Random Variate Generation", ch. IX.4), the gammas by
///   `rand_distr::Gamma` (Marsaglia and Tsang 2000, "A simple method for generating
///   gamma variables", with their `U^(1/a)` boost below shape 1): 25-40 ns a draw against
///   86-108 ns for `rand_distr::Beta`;
/// - Cheng's algorithms BB and BC (`rand_distr::Beta`; Cheng 1978, "Generating beta
///   variates with nonintegral shape parameters") for shapes below 0.1, where `U^(1/a)`
///   could underflow to 0.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum BetaSampler {
    /// `X / (X + Y)` from two gamma variates: both shapes >= [`BetaSampler::GAMMA_MIN`].
    Gammas(rand_distr::Gamma<f64>, rand_distr::Gamma<f64>),
    /// Cheng's algorithms, for a shape below [`BetaSampler::GAMMA_MIN`].
    Cheng(rand_distr::Beta<f64>),
}

impl BetaSampler {
    /// Smallest shape drawn through gammas. Every gamma variate is then > 0, so
    /// `X + Y > 0` and the ratio is defined: above shape 1, Marsaglia-Tsang returns
    /// `d * v` with `v > 0` (a `v <= 0` is rejected); at shape 1 it is an exponential
    /// variate, > 0 by construction; below shape 1 it is `G(a + 1) * U^(1/a)` with `U` in
    /// (0, 1) and at least 2^-53, so for `a >= 0.1` the factor is at least 2^-530, far
    /// from underflow. Shapes are at most 1e6 (validated), so nothing overflows.
    pub const GAMMA_MIN: f64 = 0.1;

    pub(super) fn new(alpha: f64, beta: f64) -> Result<BetaSampler, DistError> {
        let e = |e: rand_distr::GammaError| DistError::Sampler(e.to_string());
        if alpha >= Self::GAMMA_MIN && beta >= Self::GAMMA_MIN {
            Ok(BetaSampler::Gammas(
                rand_distr::Gamma::new(alpha, 1.0).map_err(e)?,
                rand_distr::Gamma::new(beta, 1.0).map_err(e)?,
            ))
        } else {
            rand_distr::Beta::new(alpha, beta)
                .map(BetaSampler::Cheng)
                .map_err(|e| DistError::Sampler(e.to_string()))
        }
    }

    #[inline]
    pub(super) fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            BetaSampler::Gammas(a, b) => {
                let x = a.sample(rng);
                let y = b.sample(rng);
                x / (x + y)
            }
            BetaSampler::Cheng(c) => c.sample(rng),
        }
    }
}

/// P(X <= y) of Beta(alpha, beta) on [0, 1].
pub(super) fn beta_cdf(alpha: f64, beta: f64, y: f64) -> f64 {
    if y <= 0.0 {
        0.0
    } else if y >= 1.0 {
        1.0
    } else {
        beta_reg(alpha, beta, y)
    }
}

/// The density of Beta(alpha, beta) at y (0 outside [0, 1]; +inf at an end where a
/// shape is below 1).
pub(super) fn beta_density(alpha: f64, beta: f64, y: f64) -> f64 {
    if !(0.0..=1.0).contains(&y) {
        return 0.0;
    }
    // (shape - 1) ln(.) with 0 for a shape of exactly 1 (0 * ln 0 would be NaN)
    let term = |shape: f64, v: f64| {
        if shape == 1.0 {
            0.0
        } else {
            (shape - 1.0) * v.ln()
        }
    };
    (term(alpha, y) + term(beta, 1.0 - y) - ln_beta(alpha, beta)).exp()
}

/// The p-quantile of Beta(alpha, beta) on [0, 1], by bisection on the regularized
/// incomplete beta function (200 halvings: absolute error below 1e-60). Not statrs'
/// `inv_beta_reg`, which panics for shapes near 0 and never returns for others, e.g.
/// Beta(0.1, 1000) at p = 1e-100 (see `beta_quantile_is_total` in the tests). The CDF
/// itself (`beta_reg`) is safe for every x in [0, 1]; quantiles are not on a hot path.
pub(super) fn beta_quantile(alpha: f64, beta: f64, p: f64) -> f64 {
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    if p <= 0.0 {
        return 0.0;
    }
    if p >= 1.0 {
        return 1.0;
    }
    for _ in 0..200 {
        let mid = lo + (hi - lo) / 2.0;
        if mid <= lo || mid >= hi {
            break;
        }
        if beta_reg(alpha, beta, mid) >= p {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi
}
