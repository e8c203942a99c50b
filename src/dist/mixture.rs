//! Weighted mixtures: one uniform picks the component by its cumulative weight.

use super::{Dist, DistError};
use rand::{Rng, RngExt};

#[derive(Clone, Debug, PartialEq)]
pub(super) struct Mixture {
    pub(super) components: Vec<Dist>,
    /// Normalised weights.
    pub(super) weights: Vec<f64>,
    /// Running sums of `weights`, the last exactly 1.
    pub(super) cumulative: Vec<f64>,
}

impl Mixture {
    /// Weights must be finite, >= 0, with a positive sum; they are relative.
    pub(super) fn new(components: Vec<Dist>, weights: &[f64]) -> Result<Mixture, DistError> {
        if components.is_empty() {
            return Err(DistError::NoComponents);
        }
        if components.len() != weights.len() {
            return Err(DistError::WeightCount {
                components: components.len(),
                weights: weights.len(),
            });
        }
        for (i, &w) in weights.iter().enumerate() {
            if !w.is_finite() || w < 0.0 {
                return Err(DistError::BadWeight {
                    position: i + 1,
                    weight: w,
                });
            }
        }
        let total: f64 = weights.iter().sum();
        if !(total > 0.0) {
            return Err(DistError::NoWeight);
        }
        // Weights are relative: when huge finite weights (1e308, 1e308) overflow the sum,
        // scale them by the largest first (other weights keep their exact arithmetic).
        let weights: Vec<f64> = if total.is_finite() {
            weights.iter().map(|w| w / total).collect()
        } else {
            let largest = weights.iter().fold(0.0_f64, |m, &w| m.max(w));
            let total: f64 = weights.iter().map(|w| w / largest).sum();
            weights.iter().map(|w| w / largest / total).collect()
        };
        let mut cumulative = Vec::with_capacity(weights.len());
        let mut acc = 0.0;
        for w in &weights {
            acc += w;
            cumulative.push(acc);
        }
        *cumulative.last_mut().unwrap() = 1.0;
        Ok(Mixture {
            components,
            weights,
            cumulative,
        })
    }

    #[inline]
    pub(super) fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let u: f64 = rng.random();
        self.components[self.pick(u)].sample(rng)
    }

    /// The component a uniform `u` in [0, 1) selects: the first whose cumulative weight
    /// exceeds `u`. A linear scan for a few components (the usual case, and cheapest
    /// there), a binary search beyond (a mixture of 1,000 components costs ~10 steps,
    /// not ~500); both give the same index.
    #[inline]
    pub(super) fn pick(&self, u: f64) -> usize {
        let c = &self.cumulative;
        if c.len() <= Self::LINEAR_PICK {
            c.iter().position(|&c| u < c).unwrap_or(c.len() - 1)
        } else {
            c.partition_point(|&c| c <= u).min(c.len() - 1)
        }
    }

    /// Up to this many components, [`Mixture::pick`] scans linearly.
    const LINEAR_PICK: usize = 8;

    pub(super) fn support(&self) -> (f64, f64) {
        self.components
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), c| {
                let (a, b) = c.support();
                (lo.min(a), hi.max(b))
            })
    }

    pub(super) fn cdf(&self, x: f64) -> f64 {
        self.components
            .iter()
            .zip(&self.weights)
            .map(|(c, w)| w * c.cdf(x))
            .sum::<f64>()
            .min(1.0)
    }

    pub(super) fn cdf_left(&self, x: f64) -> f64 {
        self.components
            .iter()
            .zip(&self.weights)
            .map(|(c, w)| w * c.cdf_left(x))
            .sum::<f64>()
            .min(1.0)
    }

    pub(super) fn density(&self, x: f64) -> f64 {
        self.components
            .iter()
            .zip(&self.weights)
            .filter(|(_, w)| **w > 0.0)
            .map(|(c, w)| w * c.density(x))
            .sum()
    }

    /// An upper bound of the density on `[lo, hi]`: the weighted sum of the components'
    /// maxima there (exact when they peak at the same place); `None` if any is unbounded.
    pub(super) fn density_bound_on(&self, lo: f64, hi: f64) -> Option<f64> {
        let mut bound = 0.0;
        for (c, w) in self.components.iter().zip(&self.weights) {
            if *w > 0.0 {
                bound += w * c.density_bound_on(lo, hi)?;
            }
        }
        Some(bound)
    }

    pub(super) fn mean(&self) -> Option<f64> {
        let mut m = 0.0;
        for (c, w) in self.components.iter().zip(&self.weights) {
            m += w * c.mean()?;
        }
        Some(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_and_linear_component_search_agree() {
        // Weights with zeros and runs of equal cumulative sums, large and small mixtures:
        // the search must pick the same component as a scan for every u.
        for k in [1, 2, 3, 8, 9, 40, 1000] {
            let weights: Vec<f64> = (0..k)
                .map(|i| {
                    if i % 7 == 3 {
                        0.0
                    } else {
                        1.0 + (i % 5) as f64
                    }
                })
                .collect();
            let components = vec![Dist::fixed(1.0).unwrap(); k];
            let m = Mixture::new(components, &weights).unwrap();
            let scan = |u: f64| {
                m.cumulative
                    .iter()
                    .position(|&c| u < c)
                    .unwrap_or(m.cumulative.len() - 1)
            };
            let mut us: Vec<f64> = (0..10_000).map(|i| i as f64 / 10_000.0).collect();
            us.extend(
                m.cumulative
                    .iter()
                    .flat_map(|&c| [c, c.next_down(), c.next_up()]),
            );
            for u in us.into_iter().filter(|u| (0.0..1.0).contains(u)) {
                assert_eq!(m.pick(u), scan(u), "{k} components, u = {u}");
                assert!(m.weights[m.pick(u)] > 0.0, "a zero-weight component picked");
            }
        }
    }
}
