//! `[[correlations]]`: rank correlations between named inputs, checked to be possible
//! together, into the model's Gaussian copula.

use super::builder::Builder;
use super::diagnostics::Collector;
use super::toml::{TableReader, array, number, string, table, type_name};
use crate::copula::{
    Copula, Diagnosis, MAX_CORRELATED, cholesky, nearest_valid, pearson_from_spearman,
};
use crate::model::InputId;
use std::collections::{HashMap, HashSet};
use std::ops::Range;
use toml::Spanned;
use toml::de::DeValue;

/// Returns the copula, or `None` after recording errors.
pub(super) fn correlations_block(
    cx: &mut Collector,
    b: &mut Builder,
    v: &Spanned<DeValue>,
) -> Option<Copula> {
    let arr = match v.get_ref() {
        DeValue::Array(a) => a,
        other => {
            cx.error(
                v.span(),
                "correlations",
                format!(
                    "expected [[correlations]] tables, found {}",
                    type_name(other)
                ),
            );
            return None;
        }
    };
    let names: Vec<String> = b.inputs.iter().map(|(_, i)| i.name.clone()).collect();
    let ids: Vec<InputId> = b.inputs.iter().map(|(id, _)| id).collect();
    // Lookups by hash, so that thousands of correlations stay linear.
    let by_name: HashMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    // Positions in the list of inputs of the correlated ones, in matrix order, and
    // each one's member number.
    let mut members: Vec<usize> = Vec::new();
    let mut member_of: HashMap<usize, usize> = HashMap::new();
    // (member a, member b, rank, span of rank, display)
    let mut pairs: Vec<(usize, usize, f64, Range<usize>, String)> = Vec::new();
    let mut seen_pairs: HashSet<(usize, usize)> = HashSet::new();
    let mut too_many = false;
    let mut ok = true;
    for (n, entry) in arr.iter().enumerate() {
        let key = format!("correlations[{n}]");
        let Some(t) = table(cx, entry, &key, "a table with `between` and `rank`") else {
            ok = false;
            continue;
        };
        let mut r = TableReader::new(t, entry.span(), &key);
        let between = r.get("between");
        let rank = r.get("rank");
        r.finish(cx, &["between", "rank"], "a correlation");
        let mut idx = Vec::new();
        match between {
            None => {
                cx.error(
                    entry.span(),
                    &format!("{key}.between"),
                    "a correlation needs `between = [\"input\", \"input\"]`",
                );
                ok = false;
            }
            Some(bv) => {
                let bkey = format!("{key}.between");
                match array(cx, bv, &bkey) {
                    Some(a) if a.len() == 2 => {
                        for item in a.iter() {
                            let Some(name) = string(cx, item, &bkey) else {
                                ok = false;
                                continue;
                            };
                            match by_name.get(name).copied() {
                                Some(i) if b.inputs.get(ids[i]).dist.is_fixed() => {
                                    cx.error(item.span(), &bkey, format!(
                                        "`{name}` is a fixed value; a correlation with it has no effect (give it a distribution, or remove the correlation)"
                                    ));
                                    ok = false;
                                }
                                Some(i) => idx.push(i),
                                None => {
                                    let hint = cx.suggest(name, names.iter().map(|s| s.as_str()));
                                    cx.error(item.span(), &bkey, format!(
                                        "`{name}` is not an input of this scenario{hint}; inputs are named like drivers.compute.rate, bottlenecks.data_wall.onset, threshold"
                                    ));
                                    ok = false;
                                }
                            }
                        }
                    }
                    Some(a) => {
                        cx.error(
                            bv.span(),
                            &bkey,
                            format!("`between` names exactly two inputs, found {}", a.len()),
                        );
                        ok = false;
                    }
                    None => ok = false,
                }
            }
        }
        let rho = match rank {
            None => {
                cx.error(entry.span(), &format!("{key}.rank"), "a correlation needs `rank = ...` (a Spearman rank correlation between -1 and 1)");
                None
            }
            Some(rv) => number(cx, rv, &format!("{key}.rank")).and_then(|x| {
                if x > -1.0 && x < 1.0 {
                    Some((x, rv.span()))
                } else {
                    cx.error(rv.span(), &format!("{key}.rank"), format!(
                        "rank must be strictly between -1 and 1, got {x} (use e.g. 0.99 for near-perfect)"
                    ));
                    None
                }
            }),
        };
        match (idx.as_slice(), rho) {
            ([i, j], Some((rho, span))) => {
                if i == j {
                    cx.error(
                        span,
                        &format!("{key}.between"),
                        "a correlation needs two different inputs",
                    );
                    ok = false;
                    continue;
                }
                let new = [*i, *j]
                    .iter()
                    .filter(|x| !member_of.contains_key(x))
                    .count();
                if members.len() + new > MAX_CORRELATED {
                    if !too_many {
                        cx.error(
                            between.map_or(entry.span(), |bv| bv.span()),
                            &format!("{key}.between"),
                            format!(
                                "at most {MAX_CORRELATED} inputs may be correlated, and this correlation adds input number {}; correlate fewer inputs",
                                members.len() + new
                            ),
                        );
                        too_many = true;
                    }
                    ok = false;
                    continue;
                }
                let mut m = |x: usize| {
                    *member_of.entry(x).or_insert_with(|| {
                        members.push(x);
                        members.len() - 1
                    })
                };
                let (a, c) = (m(*i), m(*j));
                if !seen_pairs.insert((a.min(c), a.max(c))) {
                    cx.error(
                        span,
                        &key,
                        format!(
                            "the pair {} and {} is correlated twice",
                            names[*i], names[*j]
                        ),
                    );
                    ok = false;
                    continue;
                }
                pairs.push((a, c, rho, span, format!("{} ~ {}", names[*i], names[*j])));
            }
            _ => ok = false,
        }
    }
    if !ok {
        return None;
    }
    if pairs.is_empty() {
        // an empty array: nothing to correlate (filtered out by the caller)
        return Some(Copula::new(Vec::new(), Vec::new()));
    }
    let members: Vec<InputId> = members.iter().map(|&m| ids[m]).collect();
    let k = members.len();
    let mut a = vec![0.0; k * k];
    for i in 0..k {
        a[i * k + i] = 1.0;
    }
    for &(i, j, rho, _, _) in &pairs {
        let r = pearson_from_spearman(rho);
        a[i * k + j] = r;
        a[j * k + i] = r;
    }
    let Some(chol) = cholesky(&a, k) else {
        let simple: Vec<(usize, usize, f64)> = pairs.iter().map(|p| (p.0, p.1, p.2)).collect();
        match nearest_valid(&simple, k) {
            Diagnosis::Fix { pair: p, rank: v } => cx.error(pairs[p].3.clone(), &format!("correlations[{p}].rank"), format!(
                "these rank correlations are impossible together (the correlation matrix is not positive definite); \
                 the smallest fix is this pair ({}): rank = {v} instead of {}",
                pairs[p].4, pairs[p].2
            )),
            Diagnosis::NoSinglePair { all: true, .. } => cx.error(pairs[0].3.clone(), "correlations", "these rank correlations are impossible together (the correlation matrix is not positive definite), and no single pair can fix it: reduce several of them"),
            Diagnosis::NoSinglePair { checked, all: false } => cx.error(pairs[0].3.clone(), "correlations", format!("these rank correlations are impossible together (the correlation matrix is not positive definite), and none of the {checked} pairs nearest to a fix can fix it alone: reduce several of them")),
        }
        return None;
    };
    for &m in &members {
        b.inputs.get_mut(m).correlated = true;
    }
    let members = members
        .iter()
        .map(|&m| (m.index(), b.inputs.get(m).dist.clone()))
        .collect();
    Some(Copula::new(members, chol))
}
