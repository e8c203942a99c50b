//! The standard normal: its CDF and quantile (through `erfc`, so tails keep their
//! precision), and a normal restricted to an interval by inverse CDF.

use statrs::function::erf::{erfc, erfc_inv};
use std::f64::consts::SQRT_2;

/// z such that P(Z <= z) = 0.95 for a standard normal: a 90% interval is mean +- Z90 sd.
pub const Z90: f64 = 1.644_853_626_951_472_2;
/// z such that P(Z <= z) = 0.90: an 80% interval is mean +- Z80 sd.
pub const Z80: f64 = 1.281_551_565_544_600_5;

/// Φ(z), via erfc so that the lower tail keeps full relative precision.
pub fn std_normal_cdf(z: f64) -> f64 {
    0.5 * erfc(-z / SQRT_2)
}

/// φ(z), the standard normal density.
pub fn std_normal_density(z: f64) -> f64 {
    (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// Φ⁻¹(p), via the inverse complementary error function.
pub fn std_normal_quantile(p: f64) -> f64 {
    if p <= 0.0 {
        f64::NEG_INFINITY
    } else if p >= 1.0 {
        f64::INFINITY
    } else {
        -SQRT_2 * erfc_inv(2.0 * p)
    }
}

/// A standard normal restricted to `[zlo, zhi]`, from one uniform `u`, by inverse CDF.
/// When the interval lies in the upper half the problem is mirrored into the lower
/// tail, where Φ is computed without cancellation.
pub(super) fn truncated_std_normal(zlo: f64, zhi: f64, u: f64) -> f64 {
    if zlo > 0.0 {
        return -truncated_std_normal(-zhi, -zlo, 1.0 - u);
    }
    let a = std_normal_cdf(zlo);
    let b = std_normal_cdf(zhi);
    std_normal_quantile(a + (b - a) * u).clamp(zlo, zhi)
}
