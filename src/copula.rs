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
    cholesky_with_margin(a, k, 1e-10)
}

/// [`cholesky`] requiring pivots above `margin`.
fn cholesky_with_margin(a: &[f64], k: usize, margin: f64) -> Option<Vec<f64>> {
    let mut l = vec![0.0; k * k];
    for i in 0..k {
        for j in 0..=i {
            let mut s = a[i * k + j];
            for p in 0..j {
                s -= l[i * k + p] * l[j * k + p];
            }
            if i == j {
                if !(s > margin) {
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

/// Most inputs one model may correlate: keeps validation (a Cholesky factor, `k^3/6`
/// operations) and each trajectory's correlated draw (`k^2/2`) cheap.
pub const MAX_CORRELATED: usize = 256;

/// How many single-pair fixes [`nearest_valid`] checks, nearest first, before it gives
/// up (each check is a Cholesky factorisation).
const MAX_FIX_CHECKS: usize = 64;

/// Why a set of requested rank correlations has no valid copula, and a fix.
#[derive(Clone, Debug, PartialEq)]
pub enum Diagnosis {
    /// Changing pair `pair` to the rank `rank` (rounded, and checked to be valid) is
    /// the smallest change of one pair that makes the matrix positive definite.
    Fix { pair: usize, rank: f64 },
    /// No single pair can fix it (or none of the nearest `checked` can, when `all` is
    /// false): several must change.
    NoSinglePair { checked: usize, all: bool },
}

/// The correlation matrix (row-major `k * k`) of the copula's normals for `pairs`
/// (member, member, Spearman rank).
fn pearson_matrix(pairs: &[(usize, usize, f64)], k: usize) -> Vec<f64> {
    let mut a = vec![0.0; k * k];
    for i in 0..k {
        a[i * k + i] = 1.0;
    }
    for &(i, j, rho) in pairs {
        let r = pearson_from_spearman(rho);
        a[i * k + j] = r;
        a[j * k + i] = r;
    }
    a
}

/// Whether a symmetric matrix has no negative eigenvalue (Cholesky without margin).
fn positive_semidefinite(a: &[f64], k: usize) -> bool {
    let mut shifted = a.to_vec();
    for i in 0..k {
        shifted[i * k + i] += 1e-9;
    }
    cholesky_with_margin(&shifted, k, 0.0).is_some()
}

/// The inverse of a `k * k` matrix by Gauss-Jordan elimination with partial pivoting,
/// and the sign of its determinant; `None` when it is singular.
fn inverse(a: &[f64], k: usize) -> Option<(Vec<f64>, f64)> {
    let mut sign = 1.0;
    let w = 2 * k;
    let mut m = vec![0.0; k * w];
    for i in 0..k {
        m[i * w..i * w + k].copy_from_slice(&a[i * k..i * k + k]);
        m[i * w + k + i] = 1.0;
    }
    for c in 0..k {
        let p = (c..k)
            .max_by(|&x, &y| m[x * w + c].abs().total_cmp(&m[y * w + c].abs()))
            .expect("c < k");
        if !(m[p * w + c].abs() > 1e-12) {
            return None;
        }
        if p != c {
            sign = -sign;
            for j in 0..w {
                m.swap(p * w + j, c * w + j);
            }
        }
        let d = m[c * w + c];
        sign *= d.signum();
        for j in 0..w {
            m[c * w + j] /= d;
        }
        for r in 0..k {
            let f = m[r * w + c];
            if r != c && f != 0.0 {
                for j in 0..w {
                    m[r * w + j] -= f * m[c * w + j];
                }
            }
        }
    }
    Some((
        (0..k * k).map(|x| m[(x / k) * w + k + x % k]).collect(),
        sign,
    ))
}

/// Why a set of requested rank correlations has no valid copula, and a fix: the pair
/// whose value must move least to make the matrix positive definite, and its nearest
/// valid rank rounded to as few decimals as stay valid (at least two).
///
/// With every other entry fixed, the entry `v` of pair `(i, j)` enters the determinant
/// as a quadratic, `det A(v) = det A * (1 + 2 t g_ij + t^2 (g_ij^2 - g_ii g_jj))` with
/// `t = v - v0` and `g = A^-1` (the matrix determinant lemma for the rank-two change).
/// The values that make `A(v)` positive definite form an interval (the positive
/// definite matrices are convex) whose ends are zeros of that determinant, so the
/// interval, when not empty, lies between the quadratic's two roots. So one inverse
/// (`k^3`) gives every pair's candidate interval, and only the nearest candidates are
/// checked with a Cholesky factorisation, at most [`MAX_FIX_CHECKS`] of them: the whole
/// diagnosis costs `O(k^3)` plus `O(pairs)`, instead of a scan of each pair.
pub fn nearest_valid(pairs: &[(usize, usize, f64)], k: usize) -> Diagnosis {
    let a = pearson_matrix(pairs, k);
    // A singular matrix has no inverse: shift it by a hair. The candidates are then
    // approximate, and every one is checked against the real matrix anyway.
    let g = inverse(&a, k).or_else(|| {
        let mut shifted = a.clone();
        for i in 0..k {
            shifted[i * k + i] += 1e-9;
        }
        inverse(&shifted, k)
    });
    let Some((g, det_sign)) = g else {
        return Diagnosis::NoSinglePair {
            checked: 0,
            all: false,
        };
    };
    // A positive determinant with a negative pivot means at least two negative
    // eigenvalues, and changing one pair (a rank-two change with one positive and one
    // negative eigenvalue) removes at most one of them.
    if det_sign > 0.0 && !positive_semidefinite(&a, k) {
        return Diagnosis::NoSinglePair {
            checked: 0,
            all: true,
        };
    }
    let valid = |p: usize, v: f64| {
        let (i, j, _) = pairs[p];
        let mut m = a.clone();
        m[i * k + j] = v;
        m[j * k + i] = v;
        cholesky(&m, k).is_some()
    };
    // Each pair's candidate interval of Pearson values, and the change in rank to its
    // nearer end.
    let mut candidates: Vec<(f64, usize, f64, f64)> = Vec::new();
    for (p, &(i, j, rho)) in pairs.iter().enumerate() {
        let v0 = pearson_from_spearman(rho);
        let (gii, gjj, gij) = (g[i * k + i], g[j * k + j], g[i * k + j]);
        let quad = gij * gij - gii * gjj;
        let disc = gii * gjj;
        // Between its roots the quadratic has the sign of `-quad`; the determinant
        // must be positive there.
        if !(disc > 0.0) || !quad.is_finite() || !(det_sign * -quad > 0.0) {
            continue;
        }
        let r = disc.sqrt();
        let (t1, t2) = ((-gij - r) / quad, (-gij + r) / quad);
        let (lo, hi) = ((v0 + t1.min(t2)).max(-1.0), (v0 + t1.max(t2)).min(1.0));
        if !(lo < hi) {
            continue;
        }
        let (slo, shi) = (spearman_from_pearson(lo), spearman_from_pearson(hi));
        let change = if rho <= slo {
            slo - rho
        } else if rho >= shi {
            rho - shi
        } else {
            0.0
        };
        candidates.push((change, p, lo, hi));
    }
    // Nearest first; changes equal but for rounding (a symmetric set) go to the pair
    // written first.
    let key = |change: f64| (change * 1e9).round();
    candidates.sort_by(|x, y| key(x.0).total_cmp(&key(y.0)).then(x.1.cmp(&y.1)));
    let all = candidates.len() <= MAX_FIX_CHECKS;
    for &(_, p, lo, hi) in candidates.iter().take(MAX_FIX_CHECKS) {
        // The interval holds valid values if its middle is one.
        if !valid(p, (lo + hi) / 2.0) {
            continue;
        }
        let rho = pairs[p].2;
        let (slo, shi) = (spearman_from_pearson(lo), spearman_from_pearson(hi));
        let inside = |s: f64| s > slo && s < shi && valid(p, pearson_from_spearman(s));
        // The valid rank nearest the requested one, with as few decimals as stay
        // valid: round the nearer end inwards, one more step if that is not enough.
        // (A requested rank inside the interval is a matrix positive definite by too
        // thin a margin: move it towards the middle.)
        let middle = (slo + shi) / 2.0;
        let (end, inward) = if rho >= shi {
            (shi, -1.0)
        } else if rho <= slo {
            (slo, 1.0)
        } else {
            (rho, if rho < middle { 1.0 } else { -1.0 })
        };
        for decimals in 2..=6 {
            let scale = 10f64.powi(decimals);
            let first = if inward > 0.0 {
                (end * scale).ceil()
            } else {
                (end * scale).floor()
            };
            for step in 0..2 {
                let s = (first + inward * step as f64) / scale;
                if inside(s) {
                    return Diagnosis::Fix { pair: p, rank: s };
                }
            }
        }
        // An interval too narrow for six decimals: its middle, checked above.
        return Diagnosis::Fix {
            pair: p,
            rank: spearman_from_pearson((lo + hi) / 2.0),
        };
    }
    Diagnosis::NoSinglePair {
        checked: candidates.len().min(MAX_FIX_CHECKS),
        all,
    }
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

    /// Whether `pairs` make a valid copula.
    fn valid(pairs: &[(usize, usize, f64)], k: usize) -> bool {
        cholesky(&pearson_matrix(pairs, k), k).is_some()
    }

    /// The nearest valid rank of pair `p`, others fixed, by brute force: a fine scan of
    /// the whole range (`None` if no value is valid).
    fn scan(pairs: &[(usize, usize, f64)], k: usize, p: usize) -> Option<f64> {
        let mut best: Option<f64> = None;
        for i in 0..=20_000 {
            let v = -0.9999 + 1.9998 * i as f64 / 20_000.0;
            let mut q = pairs.to_vec();
            q[p].2 = v;
            if valid(&q, k) && best.is_none_or(|b| (v - pairs[p].2).abs() < (b - pairs[p].2).abs())
            {
                best = Some(v);
            }
        }
        best
    }

    #[test]
    fn an_impossible_triangle_gets_the_nearest_fix() {
        // a~b 0.9, a~c 0.9, b~c -0.9 is impossible; moving one pair fixes it.
        let pairs = [(0, 1, 0.9), (0, 2, 0.9), (1, 2, -0.9)];
        assert!(!valid(&pairs, 3));
        let Diagnosis::Fix { pair, rank } = nearest_valid(&pairs, 3) else {
            panic!("a single pair fixes it")
        };
        let mut fixed = pairs;
        fixed[pair].2 = rank;
        assert!(valid(&fixed, 3), "suggested {rank} for pair {pair}");
        // Two decimals, and within 0.01 of the nearest valid value, which no other pair
        // beats.
        assert_eq!((rank * 100.0).round() / 100.0, rank);
        let nearest = |p| scan(&pairs, 3, p).map(|v| (v - pairs[p].2).abs());
        let own = nearest(pair).unwrap();
        assert!((rank - pairs[pair].2).abs() <= own + 0.01 + 1e-9);
        for p in 0..3 {
            assert!(
                nearest(p).is_none_or(|c| c >= own - 1e-3),
                "pair {p} is nearer"
            );
        }
    }

    /// Random impossible sets of 4-6 inputs: the diagnosis agrees with a brute-force
    /// scan of every pair, both on whether one pair can fix the set and on how far the
    /// nearest fix is (within the 0.01 of rounding).
    #[test]
    fn the_diagnosis_agrees_with_a_brute_force_scan() {
        let mut z = 0x2545_F491_4F6C_DD1Du64;
        let mut uniform = || {
            z ^= z << 13;
            z ^= z >> 7;
            z ^= z << 17;
            (z >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut fixes = 0;
        let mut impossible = 0;
        let mut tried = 0;
        while impossible < 40 {
            tried += 1;
            assert!(tried < 100_000);
            let k = 4 + (uniform() * 3.0) as usize;
            let mut pairs = Vec::new();
            for i in 0..k {
                for j in i + 1..k {
                    if uniform() < 0.7 {
                        pairs.push((i, j, ((uniform() * 1.9 - 0.95) * 100.0).round() / 100.0));
                    }
                }
            }
            if pairs.is_empty() || valid(&pairs, k) {
                continue;
            }
            impossible += 1;
            let brute: Vec<Option<f64>> = (0..pairs.len())
                .map(|p| scan(&pairs, k, p).map(|v| (v - pairs[p].2).abs()))
                .collect();
            let best = brute.iter().flatten().fold(f64::INFINITY, |a, &b| a.min(b));
            match nearest_valid(&pairs, k) {
                Diagnosis::Fix { pair, rank } => {
                    fixes += 1;
                    let mut fixed = pairs.clone();
                    fixed[pair].2 = rank;
                    assert!(valid(&fixed, k), "{pairs:?}: {pair} = {rank}");
                    let change = (rank - pairs[pair].2).abs();
                    assert!(
                        change <= best + 0.01 + 1e-6,
                        "{pairs:?}: {change} vs {best}"
                    );
                }
                Diagnosis::NoSinglePair { all, .. } => {
                    assert!(all);
                    assert!(best.is_infinite(), "{pairs:?}: brute force fixes by {best}");
                }
            }
        }
        assert!(fixes >= 10, "only {fixes} fixable sets were tried");
    }

    /// 256 correlated inputs (32,640 pairs), impossible together: the diagnosis takes one
    /// inverse and a few factorisations, not a scan of each pair.
    #[test]
    fn the_largest_set_is_diagnosed() {
        let k = MAX_CORRELATED;
        let mut pairs: Vec<(usize, usize, f64)> = Vec::new();
        for i in 0..k {
            for j in i + 1..k {
                pairs.push((i, j, 0.3));
            }
        }
        // a chain far from the others: a~b and b~c near 1 but a~c negative
        pairs[0].2 = 0.95; // (0, 1)
        pairs[k - 1].2 = 0.95; // (1, 2)
        pairs[1].2 = -0.95; // (0, 2)
        assert!(!valid(&pairs, k));
        let Diagnosis::Fix { pair, rank } = nearest_valid(&pairs, k) else {
            panic!("one pair fixes it")
        };
        let mut fixed = pairs.clone();
        fixed[pair].2 = rank;
        assert!(valid(&fixed, k));
    }
}
