//! A reader of spanned TOML values that records located errors instead of stopping at
//! the first: tables that report their unknown keys (with the allowed ones and a "did
//! you mean"), numbers read exactly from their text (any length of integer, hex, `-0`,
//! `inf` only where a bound may be open), strings, arrays and `[lo, hi]` pairs.

use super::diagnostics::{Collector, suggest};
use std::ops::Range;
use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue};

pub(super) fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

pub(super) fn type_name(v: &DeValue) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a number",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// A table being read: tracks which keys were used so the rest can be reported.
pub(super) struct TableReader<'a, 'i> {
    table: &'a DeTable<'i>,
    pub(super) span: Range<usize>,
    prefix: String,
    used: Vec<bool>,
}

impl<'a, 'i> TableReader<'a, 'i> {
    pub(super) fn new(table: &'a DeTable<'i>, span: Range<usize>, prefix: &str) -> Self {
        TableReader {
            table,
            span,
            prefix: prefix.to_string(),
            used: vec![false; table.len()],
        }
    }

    pub(super) fn get(&mut self, key: &str) -> Option<&'a Spanned<DeValue<'i>>> {
        for (i, (k, v)) in self.table.iter().enumerate() {
            if k.get_ref().as_ref() == key {
                self.used[i] = true;
                return Some(v);
            }
        }
        None
    }

    pub(super) fn has(&self, key: &str) -> bool {
        self.table.iter().any(|(k, _)| k.get_ref().as_ref() == key)
    }

    pub(super) fn key(&self, key: &str) -> String {
        join(&self.prefix, key)
    }

    /// Report every key not read, with the allowed ones and a suggestion. An allowed
    /// key left unread is not unknown: it was skipped because the caller already
    /// reported a conflict (e.g. `mean` beside `ci90`), so it gets no second error.
    pub(super) fn finish(self, cx: &mut Collector, allowed: &[&str], what: &str) {
        for (i, (k, _)) in self.table.iter().enumerate() {
            let name = k.get_ref().as_ref();
            if !self.used[i] && !allowed.contains(&name) {
                cx.error(
                    k.span(),
                    &join(&self.prefix, name),
                    format!(
                        "unknown key `{name}` in {what}{}; allowed keys: {}",
                        suggest(name, allowed.iter().copied()),
                        allowed.join(", ")
                    ),
                );
            }
        }
    }
}

/// A TOML number (integer or float) as a finite f64, or an error at its span.
pub(super) fn number(cx: &mut Collector, v: &Spanned<DeValue>, key: &str) -> Option<f64> {
    match v.get_ref() {
        DeValue::Integer(i) => {
            let digits = i.as_str().replace('_', "");
            let (neg, digits) = match digits.strip_prefix('-') {
                Some(d) => (true, d.to_string()),
                None => (false, digits.trim_start_matches('+').to_string()),
            };
            let digits = digits
                .trim_start_matches("0x")
                .trim_start_matches("0o")
                .trim_start_matches("0b")
                .to_string();
            // Decimal integers of any length read like floats (so `1000...0` with 400
            // digits overflows with the same message as `1e400`); -0 is 0. Hexadecimal,
            // octal and binary integers spell exact bits: TOML allows 64-bit ones.
            let parsed = if i.radix() == 10 {
                digits.parse::<f64>().ok()
            } else {
                match i64::from_str_radix(&digits, i.radix()) {
                    Ok(n) => Some(n as f64),
                    Err(e) if *e.kind() == std::num::IntErrorKind::PosOverflow => {
                        cx.error(
                            v.span(),
                            key,
                            format!(
                                "`{}{}` does not fit a 64-bit integer (TOML's limit for hexadecimal, octal and binary integers is 0x7fffffffffffffff); write it as a decimal number",
                                match i.radix() {
                                    16 => "0x",
                                    8 => "0o",
                                    _ => "0b",
                                },
                                digits
                            ),
                        );
                        return None;
                    }
                    Err(_) => None,
                }
            };
            match parsed {
                Some(x) if x.is_finite() => Some(if neg && x != 0.0 { -x } else { x }),
                Some(_) => {
                    cx.error(
                        v.span(),
                        key,
                        format!(
                            "`{}` is too large for a 64-bit float (it overflows to infinity)",
                            i.as_str()
                        ),
                    );
                    None
                }
                None => {
                    cx.error(
                        v.span(),
                        key,
                        format!("`{}` is not a valid integer", i.as_str()),
                    );
                    None
                }
            }
        }
        DeValue::Float(f) => {
            let raw = f.as_str();
            let cleaned = raw.replace('_', "");
            match cleaned.parse::<f64>() {
                Ok(x) if x.is_finite() => Some(if x == 0.0 { 0.0 } else { x }),
                Ok(x) if x.is_nan() => {
                    cx.error(
                        v.span(),
                        key,
                        format!("`{raw}` is not a number; use a finite number"),
                    );
                    None
                }
                Ok(_) if raw.contains("inf") => {
                    cx.error(
                        v.span(),
                        key,
                        format!("`{raw}` is infinite; use a finite number"),
                    );
                    None
                }
                Ok(_) => {
                    cx.error(
                        v.span(),
                        key,
                        format!(
                            "`{raw}` is too large for a 64-bit float (it overflows to infinity)"
                        ),
                    );
                    None
                }
                Err(_) => {
                    cx.error(v.span(), key, format!("`{raw}` is not a valid number"));
                    None
                }
            }
        }
        other => {
            cx.error(
                v.span(),
                key,
                format!("expected a number, found {}", type_name(other)),
            );
            None
        }
    }
}

/// A bound of `truncate = [lo, hi]`: a finite number, or `inf`/`-inf` for "no bound".
pub(super) fn bound(cx: &mut Collector, v: &Spanned<DeValue>, key: &str) -> Option<f64> {
    if let DeValue::Float(f) = v.get_ref() {
        let raw = f.as_str().replace('_', "");
        if let Ok(x) = raw.parse::<f64>()
            && x.is_infinite()
            && raw.contains("inf")
        {
            return Some(x);
        }
    }
    number(cx, v, key)
}

pub(super) fn string<'a>(
    cx: &mut Collector,
    v: &'a Spanned<DeValue>,
    key: &str,
) -> Option<&'a str> {
    match v.get_ref() {
        DeValue::String(s) => Some(s.as_ref()),
        other => {
            cx.error(
                v.span(),
                key,
                format!("expected a string, found {}", type_name(other)),
            );
            None
        }
    }
}

pub(super) fn table<'a, 'i>(
    cx: &mut Collector,
    v: &'a Spanned<DeValue<'i>>,
    key: &str,
    expected: &str,
) -> Option<&'a DeTable<'i>> {
    match v.get_ref() {
        DeValue::Table(t) => Some(t),
        other => {
            cx.error(
                v.span(),
                key,
                format!("expected {expected}, found {}", type_name(other)),
            );
            None
        }
    }
}

pub(super) fn array<'a, 'i>(
    cx: &mut Collector,
    v: &'a Spanned<DeValue<'i>>,
    key: &str,
) -> Option<&'a DeArray<'i>> {
    match v.get_ref() {
        DeValue::Array(a) => Some(a),
        other => {
            cx.error(
                v.span(),
                key,
                format!("expected an array, found {}", type_name(other)),
            );
            None
        }
    }
}

/// `[lo, hi]`, two numbers (bounds may be infinite when `allow_inf`).
pub(super) fn pair(
    cx: &mut Collector,
    v: &Spanned<DeValue>,
    key: &str,
    allow_inf: bool,
) -> Option<(f64, f64)> {
    let a = array(cx, v, key)?;
    if a.len() != 2 {
        cx.error(
            v.span(),
            key,
            format!(
                "expected two numbers [lo, hi], found {} item{}",
                a.len(),
                if a.len() == 1 { "" } else { "s" }
            ),
        );
        return None;
    }
    let read = |cx: &mut Collector, x: &Spanned<DeValue>| {
        if allow_inf {
            bound(cx, x, key)
        } else {
            number(cx, x, key)
        }
    };
    let lo = read(cx, &a[0]);
    let hi = read(cx, &a[1]);
    Some((lo?, hi?))
}
