//! Why a distribution could not be built. The priors layer adds file, line and key.

/// Why a [`super::Dist`] could not be built, with the numbers that were wrong. The
/// messages say what is allowed; the priors layer prefixes file, line and key.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DistError {
    #[error("{name} must be a finite number, got {value}")]
    NotFinite { name: &'static str, value: f64 },
    /// `min < max` does not hold (uniform, triangular, PERT, scaled beta).
    #[error("{family} needs min < max, got min = {min}, max = {max}")]
    EmptyRange {
        family: &'static str,
        min: f64,
        max: f64,
    },
    /// A parameter that must be positive is not (a scale, a shape, a median).
    #[error("{family} needs {param} > 0, got {param} = {value}{}", if *param == "sd" { " (use a bare number for a fixed value)" } else { "" })]
    NotPositive {
        family: &'static str,
        param: &'static str,
        value: f64,
    },
    #[error("lognormal needs gsd > 1 (a multiplicative spread), got gsd = {gsd}")]
    SpreadNotAboveOne { gsd: f64 },
    #[error("lognormal mu = {mu} puts the median at exp({mu}), outside the range of numbers")]
    MedianOutOfRange { mu: f64 },
    #[error("an interval needs lo < hi, got [{lo}, {hi}]")]
    IntervalOrder { lo: f64, hi: f64 },
    #[error(
        "a lognormal interval needs both ends > 0, got [{lo}, {hi}] (use dist = \"normal\" for ranges reaching 0 or below)"
    )]
    LogIntervalNotPositive { lo: f64, hi: f64 },
    /// `max - min` (or its square, where the CDF needs it) overflows a 64-bit float.
    #[error("{}", too_wide(family, *lo, *hi))]
    TooWide {
        family: &'static str,
        lo: f64,
        hi: f64,
    },
    #[error("{family} needs min <= mode <= max, got min = {min}, mode = {mode}, max = {max}")]
    ModeOutside {
        family: &'static str,
        min: f64,
        mode: f64,
        max: f64,
    },
    #[error("beta shapes above 1e6 are not supported (use a normal)")]
    ShapeTooLarge,
    #[error("a mixture needs at least one component")]
    NoComponents,
    #[error("a mixture needs one weight per component: {components} components, {weights} weights")]
    WeightCount { components: usize, weights: usize },
    /// Weight number `position` (1-based) is negative or not finite.
    #[error("mixture weight {position} is {weight}; weights must be finite and >= 0")]
    BadWeight { position: usize, weight: f64 },
    #[error("mixture weights must sum to a positive number (at least one weight > 0)")]
    NoWeight,
    #[error("truncate bounds must be numbers")]
    TruncateNotNumbers,
    #[error("truncate needs lo < hi, got [{lo}, {hi}]")]
    TruncateOrder { lo: f64, hi: f64 },
    #[error("truncate = [{lo}, {hi}] excludes the fixed value {value}")]
    TruncateExcludesValue { lo: f64, hi: f64, value: f64 },
    #[error(
        "truncate = [{lo}, {hi}] excludes all the mass of this distribution (its range is [{support_lo}, {support_hi}])"
    )]
    TruncateExcludesAll {
        lo: f64,
        hi: f64,
        support_lo: f64,
        support_hi: f64,
    },
    /// Inside the range, but so far in a tail that `F(hi) - F(lo)` rounds to 0.
    #[error(
        "truncate = [{lo}, {hi}] lies so far in a tail of this distribution that the mass it keeps \
         rounds to 0 (its range is [{support_lo}, {support_hi}]); move the distribution itself there instead"
    )]
    TruncateInFarTail {
        lo: f64,
        hi: f64,
        support_lo: f64,
        support_hi: f64,
    },
    #[error(
        "truncate = [{lo}, {hi}] keeps only {mass:.2e} of this distribution's mass; \
         narrow the distribution itself instead (at least {min_mass} is needed)"
    )]
    TruncateKeepsTooLittle {
        lo: f64,
        hi: f64,
        mass: f64,
        min_mass: f64,
    },
    /// A sampler of `rand_distr` refused the parameters (its own message).
    #[error("{0}")]
    Sampler(String),
}

fn too_wide(family: &str, lo: f64, hi: f64) -> String {
    match family {
        "uniform" => "uniform range max - min overflows".to_string(),
        "beta" => {
            format!("beta range [{lo:e}, {hi:e}] is too wide: max - min overflows a 64-bit float")
        }
        "interval" => {
            format!("the interval [{lo}, {hi}] is too wide: its width overflows a 64-bit float")
        }
        _ => format!(
            "{family} range [{lo:e}, {hi:e}] is too wide for 64-bit floats (max - min must be below 1e154)"
        ),
    }
}
