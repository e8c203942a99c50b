//! A distribution drawn from a standard-normal score `y`: the value `F^-1(Phi(y))`, as
//! the Gaussian copula draws a correlated input ([`ScoreMap`]).
//!
//! Normal, lognormal and fixed inputs map `y` directly; uniform, triangular and
//! truncated normal or lognormal inputs through `Phi` and their closed-form quantile
//! (exact, ~20-150 ns). Beta, PERT, mixtures and truncations of them have no closed-form
//! quantile: inverting their CDF per draw (bisection: hundreds of CDF evaluations, each
//! a continued fraction or a sum over every component) made a correlated run of such an
//! input ~40x slower. They are drawn from a [`ScoreTable`] built once from the exact
//! CDF: a piecewise cubic in `y`, refined until every draw is within
//! [`SCORE_TOLERANCE`] of exact on the probability scale, in ~10-20 ns.

use super::Dist;
use super::Repr;
use super::normal::{std_normal_cdf, std_normal_quantile};

/// How far a tabulated draw may be from the exact one, on the probability scale: a
/// draw `x` from score `y` is, to [`ROUNDING_FLOATS`] floats, the exact quantile
/// `F^-1(q)` of some `q` within this of `Phi(y)`. So the draws' distribution is within
/// this Kolmogorov distance of the exact marginal (plus rounding), and every rank
/// statistic (the copula's Spearman correlation included) moves by about as much: far
/// below what any run can detect (a difference of 1e-10 in a probability takes ~1e20
/// draws to see).
pub const SCORE_TOLERANCE: f64 = 1e-10;

/// The rounding in [`SCORE_TOLERANCE`]'s statement, in floats. Where the density is
/// finite a few floats are far below the tolerance in probability; near an end where
/// it is infinite one float can hold more (~1e-9 at the ends of Beta(0.5, 0.5) on
/// [-1, 1]), and no computed value does better there: the exact quantile, computed in
/// [0, 1] and scaled, is itself a float or two off.
pub const ROUNDING_FLOATS: usize = 4;

/// The tolerance cells are built to: half the one stated, a margin for the error
/// between the checked points.
const BUILD_TOLERANCE: f64 = SCORE_TOLERANCE / 2.0;
/// Scores beyond +-this are drawn exactly (bisection): 2.6e-12 of all draws.
const Y_MAX: f64 = 7.0;
/// Width in `y` of the cells the table starts from before refining.
const TOP_WIDTH: f64 = 0.125;
/// Refinement depth limit (a cell is then 2^-40 of a top cell; the probability-width
/// rule in `refine` stops long before).
const MAX_DEPTH: u32 = 40;
/// Most cells a table may have (256 kB), plus four per breakpoint; beyond, the input is
/// drawn exactly (bisection), as when the CDF cannot resolve it (Beta(1e-3, 1e3) has half its mass
/// below 1e-300) or is itself inaccurate (statrs' incomplete beta function for shapes
/// of ~1e5).
const MAX_CELLS: usize = 4096;
/// Interior points of each cell at which the tolerance is checked while building.
const CHECKS: usize = 7;

/// Draws a distribution's value from a standard-normal score: `F^-1(Phi(y))`, exactly
/// or within [`SCORE_TOLERANCE`] (see the module docs).
#[derive(Clone, Debug, PartialEq)]
pub struct ScoreMap(Map);

#[derive(Clone, Debug, PartialEq)]
enum Map {
    /// Normal, lognormal and fixed skip the round trip; the others pass `Phi(y)` to
    /// their closed-form quantile: [`Dist::from_normal_score`], exact.
    Exact(Dist),
    Table(Box<ScoreTable>),
}

impl ScoreMap {
    /// The map for `dist`: exact where a closed-form quantile exists, else a table.
    pub fn new(dist: &Dist) -> ScoreMap {
        if has_closed_form_quantile(dist) {
            return ScoreMap(Map::Exact(dist.clone()));
        }
        match ScoreTable::new(dist) {
            Some(t) => ScoreMap(Map::Table(Box::new(t))),
            None => ScoreMap(Map::Exact(dist.clone())),
        }
    }

    /// Whether this map draws from a table (within [`SCORE_TOLERANCE`]) rather than
    /// exactly.
    pub fn is_tabulated(&self) -> bool {
        matches!(self.0, Map::Table(_))
    }

    /// Cells of the table (0 when exact).
    pub fn cells(&self) -> usize {
        match &self.0 {
            Map::Table(t) => t.ys.len() - 1,
            Map::Exact(_) => 0,
        }
    }

    /// The value at score `y`.
    #[inline]
    pub fn value(&self, y: f64) -> f64 {
        match &self.0 {
            Map::Exact(d) => d.from_normal_score(y),
            Map::Table(t) => t.value(y),
        }
    }
}

/// Normal, lognormal, fixed, uniform, triangular, and truncations of normal, lognormal,
/// uniform and triangular: their quantile is a formula (through `erfc` at most).
fn has_closed_form_quantile(dist: &Dist) -> bool {
    match &dist.0 {
        Repr::Fixed(_)
        | Repr::Uniform { .. }
        | Repr::Normal { .. }
        | Repr::LogNormal { .. }
        | Repr::Triangular { .. } => true,
        Repr::Truncated(t) => matches!(
            t.inner.0,
            Repr::Uniform { .. }
                | Repr::Normal { .. }
                | Repr::LogNormal { .. }
                | Repr::Triangular { .. }
        ),
        Repr::Beta { .. } | Repr::Mixture(_) => false,
    }
}

/// `F^-1(Phi(y))` for `|y| < Y_MAX` as a monotone piecewise cubic over cells of `y`
/// (exact beyond), in a [`Scale`] that makes power-law and exponential ends smooth.
/// Each cell is a cubic Hermite interpolant of the exact quantiles at its ends, with
/// slopes from the density (`dx/dy = phi(y) / f(x)`) limited so that it is monotone
/// (Fritsch and Carlson 1980, "Monotone piecewise cubic interpolation", SIAM J. Numer.
/// Anal. 17), and clamped to its ends. A cell is halved until half the tolerance holds
/// (to one float) at [`CHECKS`] interior points, or until it spans at most that in
/// probability
/// (then any value between its ends is within it: the exact quantiles at its ends
/// bracket every exact draw inside it). A guide table finds the cell of a score in one
/// step, or a few.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct ScoreTable {
    /// Left ends of the cells in `y`, increasing, then `Y_MAX`.
    ys: Vec<f64>,
    /// Per cell: `1 / width`, the cubic's coefficients in `t = (y - y0) / width`
    /// (`c0 + t (c1 + t (c2 + t c3))`, in the scale), its value at the right end, and
    /// the exact quantiles at both ends (the value is clamped to them).
    cells: Vec<Cell>,
    /// `guide[g]`: the cell holding `y = -Y_MAX + g / guide_scale`.
    guide: Vec<u32>,
    guide_scale: f64,
    scale: Scale,
    /// For scores beyond the table: the distribution, and its quantiles at `-Y_MAX` and
    /// `Y_MAX`, which bracket those draws with the support's ends.
    exact: Dist,
    x_first: f64,
    x_last: f64,
}

/// The variable a table interpolates, from the support: `ln(x - lo)` when only the lower
/// end is finite, `-ln(hi - x)` when only the upper one is, `ln((x - lo) / (hi - x))`
/// when both are. Near a finite end a quantile behaves like a power of `p` (Beta(0.05,
/// 3): `x ~ p^20` near 0), and a lognormal's like `exp(sigma y)`: in these scales both are
/// close to polynomials in `y`, so a few cells reach the tolerance where `x` itself would
/// need tens of thousands.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Scale {
    Linear,
    LogAbove { lo: f64 },
    LogBelow { hi: f64 },
    Logit { lo: f64, hi: f64 },
}

/// The scale's value at an end of the support (`ln 0`): far enough that its inverse
/// returns the end itself (`exp(-800)` is 0).
const SCALE_END: f64 = 800.0;

impl Scale {
    fn of(dist: &Dist) -> Scale {
        match dist.support() {
            (lo, hi) if lo.is_finite() && hi.is_finite() => Scale::Logit { lo, hi },
            (lo, _) if lo.is_finite() => Scale::LogAbove { lo },
            (_, hi) if hi.is_finite() => Scale::LogBelow { hi },
            _ => Scale::Linear,
        }
    }

    fn to(self, x: f64) -> f64 {
        let g = match self {
            Scale::Linear => x,
            Scale::LogAbove { lo } => (x - lo).ln(),
            Scale::LogBelow { hi } => -(hi - x).ln(),
            Scale::Logit { lo, hi } => (x - lo).ln() - (hi - x).ln(),
        };
        g.clamp(-SCALE_END, SCALE_END)
    }

    /// `dg/dx` at `x`.
    fn derivative(self, x: f64) -> f64 {
        match self {
            Scale::Linear => 1.0,
            Scale::LogAbove { lo } => 1.0 / (x - lo),
            Scale::LogBelow { hi } => 1.0 / (hi - x),
            Scale::Logit { lo, hi } => 1.0 / (x - lo) + 1.0 / (hi - x),
        }
    }

    #[inline]
    fn from(self, g: f64) -> f64 {
        match self {
            Scale::Linear => g,
            Scale::LogAbove { lo } => lo + g.exp(),
            Scale::LogBelow { hi } => hi - (-g).exp(),
            Scale::Logit { lo, hi } => {
                // from the nearer end, so that values near either end keep their digits
                let e = (-g.abs()).exp();
                let part = (hi - lo) * (e / (1.0 + e));
                let x = if g < 0.0 { lo + part } else { hi - part };
                x.clamp(lo, hi)
            }
        }
    }
}

/// The exact quantile at a score, its value in the table's scale and the slope `dg/dy`.
#[derive(Clone, Copy, Debug)]
struct Node {
    y: f64,
    /// `Phi(y)`.
    p: f64,
    x: f64,
    g: f64,
    slope: f64,
}

impl ScoreTable {
    fn new(dist: &Dist) -> Option<ScoreTable> {
        // The points cells start from: a grid in y, and the scores of the breakpoints,
        // where the quantile jumps (a gap between components), turns flat (an atom) or
        // has a kink (a uniform's end): a cell that straddled one would be halved ~30
        // times around it.
        let (p_min, p_max) = (std_normal_cdf(-Y_MAX), std_normal_cdf(Y_MAX));
        let top = (2.0 * Y_MAX / TOP_WIDTH).round() as usize;
        let mut points: Vec<(f64, f64, bool)> = (0..=top)
            .map(|i| {
                let y = -Y_MAX + (2.0 * Y_MAX) * i as f64 / top as f64;
                (y, std_normal_cdf(y), false)
            })
            .collect();
        let mut xs = Vec::new();
        breakpoints(dist, &mut xs);
        xs.retain(|x| x.is_finite());
        xs.sort_by(f64::total_cmp);
        xs.dedup();
        let mut breaks = Vec::with_capacity(xs.len());
        for x in xs {
            let (left, at) = (dist.cdf_left(x), dist.cdf(x));
            breaks.push((x, at));
            for p in [left, at] {
                if p > p_min && p < p_max {
                    points.push((std_normal_quantile(p), p, true));
                }
            }
        }
        points.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.2.cmp(&b.2)));
        // one point per score, a breakpoint's exact probability kept
        points.dedup_by(|later, kept| {
            if later.0 == kept.0 {
                if later.2 {
                    *kept = *later;
                }
                true
            } else {
                false
            }
        });
        let mut b = Builder {
            dist,
            scale: Scale::of(dist),
            ys: Vec::new(),
            cells: Vec::new(),
            max_cells: MAX_CELLS + 4 * points.len(),
            breaks,
        };
        let (s_lo, _) = dist.support();
        let x_first = if s_lo.is_finite() {
            b.quantile_above(p_min, s_lo, 0.0)
        } else {
            dist.quantile(p_min)
        };
        let mut left = b.node(-Y_MAX, p_min, x_first);
        let mut gap = 0.0;
        for &(y, p, breakpoint) in &points[1..] {
            // the quantile's left limit here ends this segment; at a breakpoint its
            // right limit (the smallest x with F(x) > p) starts the next
            let right = b.node(y, p, b.quantile_above(p, left.x, gap));
            b.refine(left, right, 0)?;
            gap = right.x - left.x;
            left = if breakpoint {
                let above = b.quantile_above(p.next_up(), right.x, gap);
                b.node(y, p, above)
            } else {
                right
            };
        }
        let x_last = left.x;
        let Builder {
            mut ys,
            cells,
            scale,
            ..
        } = b;
        ys.push(Y_MAX);
        // Guide: about two entries per cell, so a lookup scans one or two cells.
        let n = (2 * cells.len()).max(16);
        let guide_scale = n as f64 / (2.0 * Y_MAX);
        let mut guide = Vec::with_capacity(n);
        let mut c = 0usize;
        for g in 0..n {
            let y = -Y_MAX + g as f64 / guide_scale;
            while c + 1 < cells.len() && ys[c + 1] <= y {
                c += 1;
            }
            guide.push(c as u32);
        }
        Some(ScoreTable {
            ys,
            cells,
            guide,
            guide_scale,
            scale,
            exact: dist.clone(),
            x_first,
            x_last,
        })
    }

    /// The exact draw beyond the table (2.6e-12 of all draws).
    #[cold]
    fn beyond(&self, y: f64) -> f64 {
        let (s_lo, s_hi) = self.exact.support();
        let p = std_normal_cdf(y).clamp(f64::MIN_POSITIVE, 1.0 - f64::EPSILON / 2.0);
        if y <= -Y_MAX && s_lo.is_finite() {
            solve(&self.exact, p, s_lo, self.x_first)
        } else if y >= Y_MAX && s_hi.is_finite() {
            solve(&self.exact, p, self.x_last, s_hi)
        } else {
            self.exact.from_normal_score(y)
        }
    }

    #[inline]
    fn value(&self, y: f64) -> f64 {
        // also sends NaN to the exact route, which clamps it
        if !(y > -Y_MAX && y < Y_MAX) {
            return self.beyond(y);
        }
        let g = (((y + Y_MAX) * self.guide_scale) as usize).min(self.guide.len() - 1);
        let mut c = self.guide[g] as usize;
        while self.ys[c + 1] <= y {
            c += 1;
        }
        self.cells[c].value(self.scale, y - self.ys[c])
    }
}

/// One cell of a [`ScoreTable`]: `1 / width`, the cubic `c0 + t (c1 + t (c2 + t c3))`
/// in `t = (y - y0) / width` (in the table's scale), its value at `t = 1`, and the exact
/// quantiles at both ends.
type Cell = [f64; 8];

trait CellValue {
    fn value(&self, scale: Scale, dy: f64) -> f64;
}

impl CellValue for Cell {
    /// The value `dy` above the cell's left end: the cubic, clamped to its ends, back
    /// from the scale, clamped to the ends' quantiles (which rounding could cross).
    #[inline]
    fn value(&self, scale: Scale, dy: f64) -> f64 {
        let [inv_w, c0, c1, c2, c3, g1, x0, x1] = *self;
        let t = dy * inv_w;
        let g = (c0 + t * (c1 + t * (c2 + t * c3))).max(c0).min(g1);
        scale.from(g).max(x0).min(x1)
    }
}

struct Builder<'d> {
    dist: &'d Dist,
    scale: Scale,
    ys: Vec<f64>,
    cells: Vec<Cell>,
    max_cells: usize,
    /// The breakpoints and the CDF at each, by `x`: between two of them the CDF is
    /// smooth, so a root bracketed by them is found in a few steps.
    breaks: Vec<(f64, f64)>,
}

impl Builder<'_> {
    /// The node at score `y` (probability `p`) whose exact quantile is `x`.
    fn node(&self, y: f64, p: f64, x: f64) -> Node {
        let phi = (-0.5 * y * y).exp() / (2.0 * std::f64::consts::PI).sqrt();
        Node {
            y,
            p,
            x,
            g: self.scale.to(x),
            // dg/dy = dg/dx * dx/dy; non-finite at an atom, a gap or an end (the cell
            // then uses its secant)
            slope: self.scale.derivative(x) * phi / self.dist.density(x),
        }
    }

    /// The quantile at `p`, searched upwards from `lo` in steps growing from `gap` (the
    /// last difference of quantiles).
    fn quantile_above(&self, p: f64, lo: f64, gap: f64) -> f64 {
        let (_, s_hi) = self.dist.support();
        if self.dist.cdf(lo) >= p {
            return lo;
        }
        let mut step = gap.max(lo.abs() * 1e-9).max(1e-300);
        let mut a = lo;
        let hi = loop {
            let h = (a + step).min(s_hi);
            if h >= s_hi || self.dist.cdf(h) >= p {
                break h;
            }
            a = h;
            step *= 4.0;
        };
        self.solve(p, a, hi)
    }

    /// [`solve`] within `(lo, hi]`, narrowed first to the breakpoints around `p`.
    fn solve(&self, p: f64, mut lo: f64, mut hi: f64) -> f64 {
        let k = self.breaks.partition_point(|&(_, f)| f < p);
        if let Some(&(x, _)) = self.breaks.get(k) {
            hi = hi.min(x);
        }
        if let Some(&(x, _)) = k.checked_sub(1).and_then(|i| self.breaks.get(i)) {
            lo = lo.max(x);
        }
        solve(self.dist, p, lo, hi)
    }

    /// Add the cells between two nodes, halving until the tolerance holds.
    fn refine(&mut self, a: Node, b: Node, depth: u32) -> Option<()> {
        let cell = cubic(&a, &b);
        let narrow = b.p - a.p <= BUILD_TOLERANCE;
        if narrow || depth >= MAX_DEPTH || self.within_tolerance(&a, &b, &cell) {
            if self.cells.len() >= self.max_cells {
                return None;
            }
            self.ys.push(a.y);
            self.cells.push(cell);
            return Some(());
        }
        let y = a.y + (b.y - a.y) / 2.0;
        let p = std_normal_cdf(y);
        let mid = self.node(y, p, self.solve(p, a.x, b.x));
        self.refine(a, mid, depth + 1)?;
        self.refine(mid, b, depth + 1)
    }

    fn within_tolerance(&self, a: &Node, b: &Node, cell: &Cell) -> bool {
        (1..=CHECKS).all(|k| {
            let t = k as f64 / (CHECKS + 1) as f64;
            let y = a.y + t * (b.y - a.y);
            let x = cell.value(self.scale, y - a.y);
            within(self.dist, x, std_normal_cdf(y), BUILD_TOLERANCE, 1)
        })
    }
}

/// Whether `x` is the exact quantile of a probability within `tol` of `p`, to
/// `floats` floats: for some `|q - p| <= tol`, the smallest float with `F >= q` is at
/// most `floats` floats from `x`. That is, `p <= F(x + floats) + tol` and
/// `F(x - floats - 1) - tol <= p`.
pub(super) fn within(dist: &Dist, x: f64, p: f64, tol: f64, floats: usize) -> bool {
    let f = dist.cdf(x);
    if f - tol <= p && p <= f + tol {
        return true;
    }
    let mut z = x;
    if p > f {
        for _ in 0..floats {
            z = z.next_up();
        }
        p <= dist.cdf(z) + tol
    } else {
        for _ in 0..=floats {
            z = z.next_down();
        }
        dist.cdf(z) - tol <= p
    }
}

/// Where a distribution's quantile function may jump, turn flat or have a kink: the
/// ends of bounded parts (and a triangular's mode), fixed values, the lognormal's 0.
fn breakpoints(dist: &Dist, out: &mut Vec<f64>) {
    match &dist.0 {
        Repr::Fixed(v) => out.push(*v),
        Repr::Uniform { min, max } | Repr::Beta { min, max, .. } => out.extend([*min, *max]),
        Repr::Triangular { min, mode, max } => out.extend([*min, *mode, *max]),
        Repr::Normal { .. } => {}
        Repr::LogNormal { .. } => out.push(0.0),
        Repr::Mixture(m) => {
            for (c, w) in m.components.iter().zip(&m.weights) {
                if *w > 0.0 {
                    breakpoints(c, out);
                }
            }
        }
        Repr::Truncated(t) => {
            let mut inner = Vec::new();
            breakpoints(&t.inner, &mut inner);
            out.extend(inner.into_iter().filter(|x| t.lo <= *x && *x <= t.hi));
            out.extend([t.lo, t.hi].into_iter().filter(|x| x.is_finite()));
        }
    }
}

/// The cubic Hermite cell between two nodes, in the scale, slopes limited to keep it
/// monotone.
fn cubic(a: &Node, b: &Node) -> Cell {
    let w = b.y - a.y;
    let d = b.g - a.g;
    if !(d > 0.0) {
        return [1.0 / w, a.g, 0.0, 0.0, 0.0, a.g, a.x, b.x];
    }
    // slopes in units of t; where one is not finite (an atom, a gap in the support,
    // an end), the secant
    let local = |s: f64| {
        let m = s * w;
        if m.is_finite() && m >= 0.0 { m } else { d }
    };
    let (mut m0, mut m1) = (local(a.slope), local(b.slope));
    let (al, be) = (m0 / d, m1 / d);
    let r = al * al + be * be;
    if r > 9.0 {
        let tau = 3.0 / r.sqrt();
        m0 = tau * al * d;
        m1 = tau * be * d;
    }
    [
        1.0 / w,
        a.g,
        m0,
        3.0 * d - 2.0 * m0 - m1,
        m0 + m1 - 2.0 * d,
        b.g,
        a.x,
        b.x,
    ]
}

/// How close to `p` a root may stop: 1e-15 in probability, 1/50,000 of the tolerance.
const SOLVED: f64 = 1e-15;

/// The smallest `x` in `(lo, hi]` with `F(x) >= p` (to the last bit, or an `x` with
/// `F(x)` within [`SOLVED`] of `p`: the exact quantile of a probability that close), given
/// `F(lo) < p <= F(hi)`: regula falsi with the Illinois modification, every third step
/// a bisection (at 0 when the bracket holds it, geometric when it spans orders of
/// magnitude), so that it always terminates.
fn solve(dist: &Dist, p: f64, mut lo: f64, mut hi: f64) -> f64 {
    let mut f_lo = dist.cdf(lo) - p;
    let mut f_hi = dist.cdf(hi) - p;
    if f_lo >= 0.0 {
        return lo;
    }
    let mut side = 0i8;
    for i in 0..400 {
        let mid_bisect = if lo >= 0.0 && hi > 2.0 * lo {
            lo.max(f64::MIN_POSITIVE).sqrt() * hi.sqrt()
        } else if hi <= 0.0 && lo < 2.0 * hi {
            -((-lo).sqrt() * (-hi).max(f64::MIN_POSITIVE).sqrt())
        } else if lo < 0.0 && hi > 0.0 {
            0.0
        } else {
            lo + (hi - lo) / 2.0
        };
        let mut mid = if i % 3 == 2 || !(f_hi > f_lo) {
            mid_bisect
        } else {
            lo - f_lo * ((hi - lo) / (f_hi - f_lo))
        };
        if !(mid > lo && mid < hi) {
            mid = lo + (hi - lo) / 2.0;
            if !(mid > lo && mid < hi) {
                break; // adjacent floats
            }
        }
        let f = dist.cdf(mid) - p;
        if f == 0.0 && dist.cdf(mid.next_down()) < p {
            return mid; // hit exactly (a linear CDF does at once): the smallest such x
        }
        if f != 0.0 && f.abs() <= SOLVED {
            return mid; // as good as exact on the probability scale (0: maybe a flat part)
        }
        if f >= 0.0 {
            hi = mid;
            f_hi = f;
            if side == 1 {
                f_lo /= 2.0;
            }
            side = 1;
        } else {
            lo = mid;
            f_lo = f;
            if side == -1 {
                f_hi /= 2.0;
            }
            side = -1;
        }
    }
    hi
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distributions without a closed-form quantile, including the hard cases: shapes
    /// below 1 (infinite density at an end), tiny and huge shapes, atoms, gaps between
    /// components, many components, truncations of all of these.
    pub(crate) fn hard_cases() -> Vec<(&'static str, Dist)> {
        let ln = |lo, hi| Dist::lognormal_interval(lo, hi, crate::dist::Z90).unwrap();
        let pieces: Vec<Dist> = (0..40)
            .map(|i| {
                let lo = 3.0 + 0.5 * i as f64 + if i % 3 == 0 { 0.1 } else { 0.0 };
                Dist::uniform(lo, lo + 0.4 + 0.1 * (i % 2) as f64).unwrap()
            })
            .collect();
        let piece_weights: Vec<f64> = (0..40).map(|i| 1.0 + (i % 5) as f64).collect();
        let many: Vec<Dist> = (0..1000)
            .map(|i| {
                let lo = i as f64 * 0.02;
                Dist::uniform(lo, lo + 0.015).unwrap()
            })
            .collect();
        let many_weights: Vec<f64> = (0..1000).map(|i| 1.0 + (i % 3) as f64).collect();
        vec![
            ("pert", Dist::pert(2025.0, 2028.0, 2034.0).unwrap()),
            ("beta(2, 5)", Dist::beta(2.0, 5.0, 0.0, 1.0).unwrap()),
            ("beta(0.5, 0.5)", Dist::beta(0.5, 0.5, -1.0, 1.0).unwrap()),
            ("beta(0.05, 3)", Dist::beta(0.05, 3.0, 0.0, 1.0).unwrap()),
            ("beta(1e-3, 3)", Dist::beta(1e-3, 3.0, 0.0, 1.0).unwrap()),
            (
                "beta(300, 200)",
                Dist::beta(300.0, 200.0, 0.0, 10.0).unwrap(),
            ),
            ("beta(1, 1)", Dist::beta(1.0, 1.0, 0.0, 1.0).unwrap()),
            (
                "mixture of 2 lognormals",
                Dist::mixture(vec![ln(4.5, 12.0), ln(12.0, 40.0)], &[0.9, 0.1]).unwrap(),
            ),
            (
                "40 uniforms with gaps",
                Dist::mixture(pieces.clone(), &piece_weights).unwrap(),
            ),
            (
                "1000 uniforms with gaps",
                Dist::mixture(many, &many_weights).unwrap(),
            ),
            (
                "atoms and a normal",
                Dist::mixture(
                    vec![
                        Dist::fixed(0.0).unwrap(),
                        Dist::normal(1.0, 0.3).unwrap(),
                        Dist::fixed(1.0).unwrap(),
                    ],
                    &[0.2, 0.7, 0.1],
                )
                .unwrap(),
            ),
            (
                "normal and a far narrow uniform",
                Dist::mixture(
                    vec![
                        Dist::normal(0.0, 1.0).unwrap(),
                        Dist::uniform(50.0, 50.001).unwrap(),
                    ],
                    &[0.5, 0.5],
                )
                .unwrap(),
            ),
            (
                "truncated pert",
                Dist::truncated(Dist::pert(0.0, 0.5, 2.0).unwrap(), 0.2, 1.5).unwrap(),
            ),
            (
                "truncated mixture with an atom",
                Dist::truncated(
                    Dist::mixture(
                        vec![Dist::fixed(0.5).unwrap(), Dist::normal(1.0, 1.0).unwrap()],
                        &[0.3, 0.7],
                    )
                    .unwrap(),
                    0.5,
                    2.0,
                )
                .unwrap(),
            ),
            (
                "mixture of mixtures",
                Dist::mixture(
                    vec![
                        Dist::mixture(pieces, &piece_weights).unwrap(),
                        Dist::beta(0.7, 2.0, 10.0, 30.0).unwrap(),
                    ],
                    &[0.5, 0.5],
                )
                .unwrap(),
            ),
        ]
    }

    /// Every draw within the tolerance (see [`within`]) and monotone, at 200,000 scores
    /// spread over the table's range (and a few beyond, drawn exactly).
    #[test]
    fn every_tabulated_draw_is_within_the_tolerance() {
        for (name, d) in hard_cases() {
            let t0 = std::time::Instant::now();
            let map = ScoreMap::new(&d);
            let built = t0.elapsed();
            assert!(map.is_tabulated(), "{name}");
            let mut worst: f64 = 0.0;
            let mut prev = f64::NEG_INFINITY;
            let n = 200_000;
            for i in 0..=n {
                let y = -7.5 + 15.0 * i as f64 / n as f64;
                let p = std_normal_cdf(y);
                let x = map.value(y);
                // (beyond the table the exact inversion is monotone only to the CDF's
                // own rounding)
                if y.abs() < Y_MAX {
                    assert!(x >= prev, "{name}: not monotone at y = {y}");
                    prev = x;
                }
                assert!(
                    within(&d, x, p, SCORE_TOLERANCE, ROUNDING_FLOATS),
                    "{name}: y = {y}, x = {x}"
                );
                worst = worst.max((d.cdf(x) - p).abs());
            }
            eprintln!(
                "{name}: {} cells, built in {built:?}, largest |F(x) - p| {worst:.2e}",
                map.cells()
            );
        }
    }

    #[test]
    fn solve_finds_the_smallest_x_reaching_p() {
        let d = Dist::normal(2.0, 3.0).unwrap();
        for &p in &[1e-12, 0.01, 0.3, 0.5, 0.9, 1.0 - 1e-9] {
            let x = solve(&d, p, -100.0, 100.0);
            assert!((d.cdf(x) - p).abs() < 1e-14, "p = {p}: {}", d.cdf(x));
        }
        // an atom: the smallest x with F(x) >= p is the atom itself
        let m = Dist::mixture(
            vec![Dist::fixed(1.0).unwrap(), Dist::uniform(2.0, 3.0).unwrap()],
            &[1.0, 1.0],
        )
        .unwrap();
        assert_eq!(solve(&m, 0.25, 0.0, 2.5), 1.0);
        // a gap: F is flat at 0.5 on [1, 2]
        let g = Dist::mixture(
            vec![
                Dist::uniform(0.0, 1.0).unwrap(),
                Dist::uniform(2.0, 3.0).unwrap(),
            ],
            &[1.0, 1.0],
        )
        .unwrap();
        assert!((solve(&g, 0.5, 0.0, 3.0) - 1.0).abs() < 1e-12);
    }
}
