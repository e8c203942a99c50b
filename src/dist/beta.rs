//! Beta variates and quantiles (also PERT's, which is a scaled beta).

use super::DistError;
use rand::{Rng, RngExt};
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

/// Beta(alpha, beta) restricted to `[a, b]` within [0, 1], drawn exactly by rejection
/// from a piecewise hat: for truncations that keep under half the mass, where drawing
/// the whole beta until a draw lands inside would take 1 / mass tries (1,000 at the
/// 0.1% validation allows).
///
/// `[a, b]` is cut into cells (at most [`BetaHat::MAX_CELLS`]); a cell is picked with
/// probability proportional to its hat's mass, a point is drawn under the hat, and
/// kept with probability `f / hat` (exact: the hat bounds the density on every cell).
/// On most cells the hat is the density's maximum, which the density takes at an end
/// of the cell or at the mode (the density is unimodal, or U-shaped with its minimum
/// at the antimode), and the point is uniform; where the density is infinite (a shape
/// below 1 at an end of [0, 1] within `[a, b]`) the end cell's hat is `K s^(alpha - 1)`
/// (or the mirror), drawn by inversion. Cells are halved where the hat wastes most
/// (hat minus the density's minimum on the cell) until the waste is under 5% of the
/// hat's total: about 1.05 tries a draw. Each try costs three uniforms and, when the
/// squeeze (the minimum over the maximum) does not already accept, two logarithms and
/// an exponential.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct BetaHat {
    alpha: f64,
    beta: f64,
    cells: Vec<HatCell>,
    /// Running sums of the cells' hat masses, the last exactly 1.
    cumulative: Vec<f64>,
    /// `guide[g]`: the first cell whose running sum exceeds `g / guide.len()`.
    guide: Vec<u32>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum HatKind {
    /// Uniform under a flat hat `exp(ln_hat)`.
    Flat,
    /// Density `~ s^(alpha - 1)` on the cell (a shape below 1 at the lower end).
    PowerLow,
    /// Density `~ (1 - s)^(beta - 1)` (a shape below 1 at the upper end).
    PowerHigh,
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct HatCell {
    kind: HatKind,
    lo: f64,
    hi: f64,
    /// Flat: ln of the hat (the density's maximum on the cell, unnormalised). Power:
    /// ln of the bound on the other factor (`(1 - s)^(beta - 1)` for PowerLow).
    ln_hat: f64,
    /// The density's minimum over the hat (Flat), or the other factor's minimum over
    /// its maximum (Power): a try below it is accepted without the logarithms.
    squeeze: f64,
    /// ln of the hat's mass (unnormalised).
    ln_mass: f64,
}

impl BetaHat {
    pub const MAX_CELLS: usize = 256;

    /// The hat for Beta(alpha, beta) on `[a, b]`, `0 <= a < b <= 1`.
    pub(super) fn new(alpha: f64, beta: f64, a: f64, b: f64) -> BetaHat {
        let mut cells: Vec<HatCell> = Vec::new();
        let n0 = 8;
        for i in 0..n0 {
            let lo = if i == 0 {
                a
            } else {
                a + (b - a) * i as f64 / n0 as f64
            };
            let hi = if i == n0 - 1 {
                b
            } else {
                a + (b - a) * (i + 1) as f64 / n0 as f64
            };
            let kind = if i == 0 && alpha < 1.0 {
                HatKind::PowerLow
            } else if i == n0 - 1 && beta < 1.0 {
                HatKind::PowerHigh
            } else {
                HatKind::Flat
            };
            cells.push(hat_cell(alpha, beta, kind, lo, hi));
        }
        // halve the most wasteful cell until the waste is small
        loop {
            let top = cells
                .iter()
                .map(|c| c.ln_mass)
                .fold(f64::NEG_INFINITY, f64::max);
            let waste = |c: &HatCell| (c.ln_mass - top).exp() * (1.0 - c.squeeze);
            let total: f64 = cells.iter().map(|c| (c.ln_mass - top).exp()).sum();
            let (worst, w) = cells
                .iter()
                .enumerate()
                .map(|(i, c)| (i, waste(c)))
                .fold((0, -1.0), |m, x| if x.1 > m.1 { x } else { m });
            let wasted: f64 = cells.iter().map(waste).sum();
            if wasted <= 0.05 * total || cells.len() >= Self::MAX_CELLS || w <= 0.0 {
                break;
            }
            let c = cells[worst];
            let mid = c.lo + (c.hi - c.lo) / 2.0;
            if !(mid > c.lo && mid < c.hi) {
                break; // no room left between floats
            }
            // the lower half keeps a power hat at the lower end, the upper half at the
            // upper end; the other halves are flat
            let (low_kind, high_kind) = match c.kind {
                HatKind::PowerLow => (HatKind::PowerLow, HatKind::Flat),
                HatKind::PowerHigh => (HatKind::Flat, HatKind::PowerHigh),
                HatKind::Flat => (HatKind::Flat, HatKind::Flat),
            };
            cells[worst] = hat_cell(alpha, beta, low_kind, c.lo, mid);
            cells.insert(worst + 1, hat_cell(alpha, beta, high_kind, mid, c.hi));
        }
        let top = cells
            .iter()
            .map(|c| c.ln_mass)
            .fold(f64::NEG_INFINITY, f64::max);
        let masses: Vec<f64> = cells.iter().map(|c| (c.ln_mass - top).exp()).collect();
        let total: f64 = masses.iter().sum();
        let mut cumulative = Vec::with_capacity(cells.len());
        let mut acc = 0.0;
        for m in &masses {
            acc += m / total;
            cumulative.push(acc);
        }
        *cumulative.last_mut().unwrap() = 1.0;
        let n = cells.len();
        let guide = (0..n)
            .map(|g| cumulative.partition_point(|&c| c <= g as f64 / n as f64) as u32)
            .collect();
        BetaHat {
            alpha,
            beta,
            cells,
            cumulative,
            guide,
        }
    }

    /// One draw in `[a, b]`. (Out of line: inlined, its registers would cost every
    /// other family drawn through `Dist::sample_other` a longer prologue.)
    #[inline(never)]
    pub(super) fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        loop {
            let u: f64 = rng.random();
            let mut k = self.guide
                [((u * self.guide.len() as f64) as usize).min(self.guide.len() - 1)]
                as usize;
            while k + 1 < self.cumulative.len() && self.cumulative[k] <= u {
                k += 1;
            }
            let c = &self.cells[k];
            let v: f64 = rng.random();
            let w: f64 = rng.random();
            match c.kind {
                HatKind::Flat => {
                    let s = c.lo + (c.hi - c.lo) * v;
                    if w <= c.squeeze
                        || w <= (ln_density(self.alpha, self.beta, s) - c.ln_hat).exp()
                    {
                        return s.clamp(c.lo, c.hi);
                    }
                }
                HatKind::PowerLow => {
                    let s = power_draw(self.alpha, c.lo, c.hi, v);
                    if w <= c.squeeze || w <= (factor(self.beta, 1.0 - s) - c.ln_hat).exp() {
                        return s;
                    }
                }
                HatKind::PowerHigh => {
                    let t = power_draw(self.beta, 1.0 - c.hi, 1.0 - c.lo, v);
                    let s = (1.0 - t).clamp(c.lo, c.hi);
                    if w <= c.squeeze || w <= (factor(self.alpha, s) - c.ln_hat).exp() {
                        return s;
                    }
                }
            }
        }
    }
}

/// `(shape - 1) ln(v)`, 0 for a shape of exactly 1.
fn factor(shape: f64, v: f64) -> f64 {
    if shape == 1.0 {
        0.0
    } else {
        (shape - 1.0) * v.ln()
    }
}

/// The beta density's logarithm, unnormalised.
fn ln_density(alpha: f64, beta: f64, s: f64) -> f64 {
    factor(alpha, s) + factor(beta, 1.0 - s)
}

/// A draw with density `~ t^(shape - 1)` on `[lo, hi]` (shape below 1), by inversion
/// from `v` in [0, 1).
fn power_draw(shape: f64, lo: f64, hi: f64, v: f64) -> f64 {
    let t = if lo == 0.0 {
        hi * v.powf(1.0 / shape)
    } else {
        let (a, b) = (lo.powf(shape), hi.powf(shape));
        (a + v * (b - a)).powf(1.0 / shape)
    };
    t.clamp(lo, hi)
}

/// A hat cell on `[lo, hi]`.
fn hat_cell(alpha: f64, beta: f64, kind: HatKind, lo: f64, hi: f64) -> HatCell {
    // Bounds are widened by a relative 1e-12 so that rounding never leaves the density
    // above its hat.
    const SLACK: f64 = 1e-12;
    match kind {
        HatKind::Flat => {
            let mut ends = [ln_density(alpha, beta, lo), ln_density(alpha, beta, hi)];
            let stationary = (alpha - 1.0) / (alpha + beta - 2.0);
            let inside = stationary > lo && stationary < hi;
            let mut max = ends[0].max(ends[1]);
            let mut min = ends[0].min(ends[1]);
            if inside && alpha > 1.0 && beta > 1.0 {
                max = max.max(ln_density(alpha, beta, stationary));
            }
            if inside && alpha < 1.0 && beta < 1.0 {
                min = min.min(ln_density(alpha, beta, stationary));
            }
            ends[0] = max + SLACK;
            HatCell {
                kind,
                lo,
                hi,
                ln_hat: ends[0],
                squeeze: (min - ends[0]).exp(),
                ln_mass: ends[0] + (hi - lo).ln(),
            }
        }
        HatKind::PowerLow | HatKind::PowerHigh => {
            // the power factor's shape, and the other factor's range on the cell
            let (shape, other, t_lo, t_hi, o_lo, o_hi) = if kind == HatKind::PowerLow {
                (alpha, beta, lo, hi, 1.0 - hi, 1.0 - lo)
            } else {
                (beta, alpha, 1.0 - hi, 1.0 - lo, lo, hi)
            };
            let (f1, f2) = (factor(other, o_lo), factor(other, o_hi));
            let ln_hat = f1.max(f2) + SLACK;
            // mass of t^(shape - 1) on [t_lo, t_hi]: (t_hi^shape - t_lo^shape) / shape
            let span = t_hi.powf(shape) - t_lo.powf(shape);
            HatCell {
                kind,
                lo,
                hi,
                ln_hat,
                squeeze: (f1.min(f2) - ln_hat).exp(),
                ln_mass: ln_hat + span.ln() - shape.ln(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hat bounds the density everywhere on every cell (what makes the draws
    /// exact), and wastes little.
    #[test]
    fn the_hat_bounds_the_density() {
        let cases = [
            (1.4, 4.6, 0.8, 1.0),
            (0.5, 8.0, 0.0, 0.02),
            (8.0, 0.5, 0.98, 1.0),
            (0.3, 0.6, 0.0, 1.0),
            (0.5, 0.5, 0.3, 0.7),
            (300.0, 200.0, 0.63, 0.7),
            (2.0, 2.0, 0.0, 0.3),
            (1.0, 1.0, 0.2, 0.3),
            (1.0, 3.0, 0.0, 0.1),
            (0.05, 3.0, 1e-20, 1e-10),
            (1e-3, 1e-3, 0.0, 1.0),
        ];
        for (alpha, beta, a, b) in cases {
            let hat = BetaHat::new(alpha, beta, a, b);
            assert!(hat.cells.len() <= BetaHat::MAX_CELLS);
            assert_eq!(hat.cells.first().unwrap().lo, a);
            assert_eq!(hat.cells.last().unwrap().hi, b);
            for w in hat.cells.windows(2) {
                assert_eq!(w[0].hi, w[1].lo, "cells must tile [a, b]");
            }
            for c in &hat.cells {
                for k in 0..=1000 {
                    let s = c.lo + (c.hi - c.lo) * k as f64 / 1000.0;
                    let (ln_f, ln_h) = match c.kind {
                        HatKind::Flat => (ln_density(alpha, beta, s), c.ln_hat),
                        HatKind::PowerLow => (factor(beta, 1.0 - s), c.ln_hat),
                        HatKind::PowerHigh => (factor(alpha, s), c.ln_hat),
                    };
                    if ln_f.is_finite() {
                        assert!(
                            ln_f <= ln_h,
                            "Beta({alpha}, {beta}) on [{a}, {b}]: {:?} at {s}: {ln_f} > {ln_h}",
                            c.kind
                        );
                    }
                }
            }
        }
    }
}
