//! Rank correlations between inputs, applied with a Gaussian copula.
//!
//! Users state Spearman rank correlations `rho_s` between pairs of inputs. A Gaussian
//! copula with Pearson correlation `r = 2 sin(pi rho_s / 6)` between its normals has
//! exactly that Spearman correlation (Pearson 1907; see Kruskal 1958, "Ordinal
//! measures of association", JASA 53, eq. 4.6), and every input keeps its own marginal:
//! a correlated input is drawn as `F^-1(Phi(y))` with `y` one component of `L z`,
//! `z` independent standard normals and `L` the Cholesky factor of the correlation
//! matrix. Normal and lognormal inputs skip the `Phi` / `F^-1` round trip
//! (`mean + sd * y`, `exp(mu + sigma * y)`), which is exact and cheaper; inputs without
//! a closed-form quantile (beta, PERT, mixtures) are drawn from a table built once, within
//! [`crate::dist::SCORE_TOLERANCE`] of exact ([`ScoreMap`]).
//!
//! A copula knows only the marginals of its members, not the model they belong to.

use crate::dist::{Dist, ScoreMap};
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

/// Pearson correlation of the Gaussian copula that gives Spearman correlation `rho_s`.
pub fn pearson_from_spearman(rho_s: f64) -> f64 {
    2.0 * (std::f64::consts::PI * rho_s / 6.0).sin()
}

/// Spearman correlation of a Gaussian copula with Pearson correlation `r`.
pub fn spearman_from_pearson(r: f64) -> f64 {
    6.0 / std::f64::consts::PI * (r / 2.0).asin()
}

/// Lower-triangular Cholesky factor (row-major `k * k`) of a symmetric matrix, or
/// `None` unless it is positive definite with some margin (pivots > 1e-10).
pub fn cholesky(a: &[f64], k: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; k * k];
    for i in 0..k {
        for j in 0..=i {
            let mut s = a[i * k + j];
            for p in 0..j {
                s -= l[i * k + p] * l[j * k + p];
            }
            if i == j {
                if !(s > 1e-10) {
                    return None;
                }
                l[i * k + i] = s.sqrt();
            } else {
                l[i * k + j] = s / l[j * k + j];
            }
        }
    }
    Some(l)
}

/// The correlated inputs of a model and how to draw them jointly.
#[derive(Clone, Debug)]
pub struct Copula {
    /// Positions of the correlated inputs in the buffer a trajectory draws into, in
    /// matrix order, with their marginal distributions.
    pub members: Vec<(usize, Dist)>,
    /// Cholesky factor of the Pearson correlation matrix of the copula's normals.
    pub chol: Vec<f64>,
    /// How each member's value follows from its normal score, in `members` order.
    maps: Vec<ScoreMap>,
}

impl Copula {
    /// The copula of `members` (input position and marginal) with the Cholesky factor
    /// `chol` of their normals' correlation matrix.
    pub fn new(members: Vec<(usize, Dist)>, chol: Vec<f64>) -> Copula {
        let maps = members.iter().map(|(_, d)| ScoreMap::new(d)).collect();
        Copula {
            members,
            chol,
            maps,
        }
    }

    pub fn size(&self) -> usize {
        self.members.len()
    }

    /// Draw the correlated inputs into `values` (indexed like the model's inputs),
    /// using `z` (length `size()`) as scratch.
    #[inline]
    pub fn draw<R: Rng + ?Sized>(&self, values: &mut [f64], z: &mut [f64], rng: &mut R) {
        let k = self.members.len();
        for zi in z.iter_mut() {
            *zi = StandardNormal.sample(rng);
        }
        for (i, ((m, _), map)) in self.members.iter().zip(&self.maps).enumerate() {
            let row = &self.chol[i * k..i * k + i + 1];
            let y: f64 = row.iter().zip(&z[..=i]).map(|(l, z)| l * z).sum();
            values[*m] = map.value(y);
        }
    }
}

/// Why a set of requested rank correlations has no valid copula, and a fix: the pair
/// whose value must move least to make the matrix positive definite, and its nearest
/// valid rank (or `None` when no single pair can fix it).
pub fn nearest_valid(pairs: &[(usize, usize, f64)], k: usize) -> Option<(usize, f64)> {
    let build = |over: Option<(usize, f64)>| {
        let mut a = vec![0.0; k * k];
        for i in 0..k {
            a[i * k + i] = 1.0;
        }
        for (p, &(i, j, rho)) in pairs.iter().enumerate() {
            let rho = match over {
                Some((q, v)) if q == p => v,
                _ => rho,
            };
            let r = pearson_from_spearman(rho);
            a[i * k + j] = r;
            a[j * k + i] = r;
        }
        a
    };
    let mut best: Option<(usize, f64, f64)> = None;
    for (p, &(_, _, rho)) in pairs.iter().enumerate() {
        // The valid values of one entry, others fixed, form an interval (the set of
        // positive definite matrices is convex). Scan for a valid point, then bisect
        // towards the requested value.
        let ok = |v: f64| cholesky(&build(Some((p, v))), k).is_some();
        let grid: Vec<f64> = (0..=200)
            .map(|i| -0.995 + 1.99 * i as f64 / 200.0)
            .collect();
        let Some(&inside) = grid
            .iter()
            .filter(|&&v| ok(v))
            .min_by(|a, b| (*a - rho).abs().partial_cmp(&(*b - rho).abs()).unwrap())
        else {
            continue;
        };
        let (mut good, mut bad) = (inside, rho);
        for _ in 0..60 {
            let mid = (good + bad) / 2.0;
            if ok(mid) { good = mid } else { bad = mid }
        }
        // step a little further inside, and round to 2 decimals towards the inside
        let suggested = {
            let toward = if good > rho { 1.0 } else { -1.0 };
            let mut s = (good * 100.0).round() / 100.0;
            while !ok(s) && s.abs() < 1.0 {
                s += toward * 0.01;
            }
            s
        };
        let change = (suggested - rho).abs();
        if best.is_none_or(|(_, _, c)| change < c) {
            best = Some((p, suggested, change));
        }
    }
    best.map(|(p, v, _)| (p, v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spearman_pearson_round_trip() {
        for rho in [-0.9, -0.4, 0.0, 0.3, 0.8] {
            assert!((spearman_from_pearson(pearson_from_spearman(rho)) - rho).abs() < 1e-12);
        }
        assert!((pearson_from_spearman(1.0) - 1.0).abs() < 1e-15);
    }

    #[test]
    fn an_impossible_triangle_gets_a_fix() {
        // a~b 0.9, a~c 0.9, b~c -0.9 is impossible; moving one pair fixes it.
        let pairs = [(0, 1, 0.9), (0, 2, 0.9), (1, 2, -0.9)];
        let (p, v) = nearest_valid(&pairs, 3).unwrap();
        let mut fixed = pairs;
        fixed[p].2 = v;
        let mut a = vec![0.0; 9];
        for i in 0..3 {
            a[i * 3 + i] = 1.0;
        }
        for &(i, j, rho) in &fixed {
            a[i * 3 + j] = pearson_from_spearman(rho);
            a[j * 3 + i] = pearson_from_spearman(rho);
        }
        assert!(cholesky(&a, 3).is_some(), "suggested {v} for pair {p}");
    }
}
