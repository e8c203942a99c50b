//! Priors files (TOML) into a validated [`Model`], or errors that point at the line.
//!
//! The format is specified in `MODEL.md` section 2 and documented in the README. The
//! parse keeps source spans (`toml::de::DeTable`) so every error names the file, line,
//! column and dotted key, says what is wrong, and what is allowed. All errors in a file
//! are collected, not just the first, so a user fixes them in one pass.

use crate::copula::{Copula, cholesky, nearest_valid, pearson_from_spearman};
use crate::dist::{Dist, Z80, Z90};
use crate::model::{Bottleneck, Driver, Input, MAX_BOTTLENECKS, MAX_DRIVERS, Model, OnsetKind};
use std::fmt;
use std::ops::Range;
use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue};

/// Default start: GPT-4's release (March 2023) as a decimal year.
pub const DEFAULT_START: f64 = 2023.2;
/// Default horizon.
pub const DEFAULT_HORIZON: f64 = 2100.0;
/// Longest run span supported (years); keeps histograms bounded.
pub const MAX_SPAN_YEARS: f64 = 10_000.0;
/// Priors files larger than this are refused before parsing.
pub const MAX_FILE_BYTES: usize = 1 << 20;

/// The distribution families, as spelt in `dist = "..."`.
pub const FAMILIES: &[&str] = &[
    "fixed",
    "uniform",
    "normal",
    "lognormal",
    "triangular",
    "pert",
    "beta",
    "mixture",
];

/// One problem in a priors file, located.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub line: usize,
    pub column: usize,
    /// Dotted key, e.g. `drivers.compute.rate.sd`; empty for whole-file problems.
    pub key: String,
    pub message: String,
    /// The source line, for display (a window of it around the column when long).
    pub source_line: String,
    /// Characters of `source_line` before the caret that marks the column.
    pub caret: usize,
}

/// A priors file that could not become a model: every problem found, located.
#[derive(Clone, Debug, PartialEq)]
pub struct PriorsError {
    pub file: String,
    pub diagnostics: Vec<Diagnostic>,
}

impl std::error::Error for PriorsError {}

impl fmt::Display for PriorsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            let key = if d.key.is_empty() {
                String::new()
            } else {
                format!(" key `{}`:", d.key)
            };
            write!(
                f,
                "{}:{}:{}:{} {}",
                self.file, d.line, d.column, key, d.message
            )?;
            if !d.source_line.is_empty() {
                let gutter = d.line.to_string();
                write!(f, "\n {gutter} | {}", d.source_line)?;
                let pad = " ".repeat(gutter.len());
                let caret_pad: String = d
                    .source_line
                    .chars()
                    .take(d.caret)
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                write!(f, "\n {pad} | {caret_pad}^")?;
            }
        }
        Ok(())
    }
}

/// Parse and validate priors text. `file` is only used in messages.
pub fn parse_model(file: &str, text: &str) -> Result<Model, PriorsError> {
    let mut cx = Cx {
        text,
        diags: Vec::new(),
    };
    if text.len() > MAX_FILE_BYTES {
        cx.error(
            0..0,
            "",
            format!(
                "the file is {} bytes; priors files are limited to {} bytes",
                text.len(),
                MAX_FILE_BYTES
            ),
        );
        return Err(cx.into_error(file));
    }
    let model = match DeTable::parse(text) {
        Ok(doc) => build_model(&mut cx, file, doc.get_ref(), doc.span()),
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            let msg = e.message().trim().to_string();
            let hint = syntax_hint(text, span.start);
            cx.error(span, "", format!("TOML syntax error: {msg}{hint}"));
            None
        }
    };
    match model {
        Some(m) if cx.diags.is_empty() => Ok(m),
        _ => Err(cx.into_error(file)),
    }
}

/// Read a priors file from disk (UTF-8) and validate it.
pub fn load_model(path: &std::path::Path) -> Result<Model, PriorsError> {
    load_model_with_text(path).map(|(m, _)| m)
}

/// Read a priors file once, validate it, and return the model with the exact text that
/// was validated (for the manifest: a second read could see a different file).
pub fn load_model_with_text(path: &std::path::Path) -> Result<(Model, String), PriorsError> {
    let file = path.display().to_string();
    let whole = |message: String| PriorsError {
        file: file.clone(),
        diagnostics: vec![Diagnostic {
            line: 1,
            column: 1,
            key: String::new(),
            message,
            source_line: String::new(),
            caret: 0,
        }],
    };
    let meta = std::fs::metadata(path).map_err(|e| whole(format!("cannot read the file: {e}")))?;
    if meta.is_dir() {
        return Err(whole("this is a folder, not a priors file".into()));
    }
    if meta.len() > MAX_FILE_BYTES as u64 {
        return Err(whole(format!(
            "the file is {} bytes; priors files are limited to {MAX_FILE_BYTES} bytes",
            meta.len()
        )));
    }
    // Read at most one byte past the limit: a device such as /dev/zero reports a
    // length of 0 and would otherwise be read until memory runs out.
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| {
            use std::io::Read;
            f.take(MAX_FILE_BYTES as u64 + 1).read_to_end(&mut bytes)
        })
        .map_err(|e| whole(format!("cannot read the file: {e}")))?;
    if bytes.len() > MAX_FILE_BYTES {
        return Err(whole(format!(
            "the file is more than {MAX_FILE_BYTES} bytes; priors files are limited to {MAX_FILE_BYTES} bytes"
        )));
    }
    let model = parse_model_bytes(&file, bytes.clone())?;
    let text = String::from_utf8(bytes).expect("parse_model_bytes checked UTF-8");
    Ok((model, text))
}

/// Validate the bytes of a priors file: UTF-8 is checked (and a bad byte located)
/// before [`parse_model`]. `file` is only used in messages.
pub fn parse_model_bytes(file: &str, bytes: Vec<u8>) -> Result<Model, PriorsError> {
    let file = file.to_string();
    let text = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let before = &e.as_bytes()[..at];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        // Columns count characters, as everywhere else (`before` is valid UTF-8).
        let column =
            std::str::from_utf8(&before[line_start..]).map_or(0, |s| s.chars().count()) + 1;
        let hint =
            if e.as_bytes().starts_with(&[0xFF, 0xFE]) || e.as_bytes().starts_with(&[0xFE, 0xFF]) {
                "; it looks like UTF-16"
            } else {
                ""
            };
        PriorsError {
            file: file.clone(),
            diagnostics: vec![Diagnostic {
                line,
                column,
                key: String::new(),
                message: format!("the file is not valid UTF-8 text{hint} (save it as UTF-8)"),
                source_line: String::new(),
                caret: 0,
            }],
        }
    })?;
    parse_model(&file, &text)
}

/// A plain-words hint for two syntax errors whose TOML message misleads: a value
/// missing after `=`, and typographic quotes pasted from a word processor.
fn syntax_hint(text: &str, at: usize) -> &'static str {
    let rest = text.get(at..).unwrap_or("");
    let line_rest = rest.split('\n').next().unwrap_or("").trim();
    let before = text.get(..at).unwrap_or("").trim_end_matches([' ', '\t']);
    if before.ends_with('=') && (line_rest.is_empty() || line_rest.starts_with('#')) {
        " (the value after `=` is missing)"
    } else if rest.starts_with(['\u{201c}', '\u{201d}', '\u{2018}', '\u{2019}']) {
        " (typographic quotes are not TOML quotes: use straight quotes \")"
    } else {
        ""
    }
}

// ---------------------------------------------------------------------------------
// The walker: reads spanned TOML values, records located errors.

struct Cx<'t> {
    text: &'t str,
    diags: Vec<(Range<usize>, String, String)>,
}

impl Cx<'_> {
    fn error(&mut self, span: Range<usize>, key: &str, message: impl Into<String>) {
        self.diags.push((span, key.to_string(), message.into()));
    }

    fn into_error(self, file: &str) -> PriorsError {
        let text = self.text;
        let mut diagnostics: Vec<Diagnostic> = self
            .diags
            .into_iter()
            .map(|(span, key, message)| {
                let at = span.start.min(text.len());
                let at = (0..=at)
                    .rev()
                    .find(|&i| text.is_char_boundary(i))
                    .unwrap_or(0);
                let line_start = text[..at].rfind('\n').map_or(0, |p| p + 1);
                let line = text[..at].matches('\n').count() + 1;
                let column = text[line_start..at].chars().count() + 1;
                let line_end = text[at..].find('\n').map_or(text.len(), |p| at + p);
                let source_line = text[line_start..line_end]
                    .trim_end_matches('\r')
                    .to_string();
                // Long lines (a minified file) show 200 characters around the column.
                let (source_line, caret) = if source_line.chars().count() > 200 {
                    let skip = (column - 1).saturating_sub(100);
                    let window: String = source_line.chars().skip(skip).take(200).collect();
                    let more = source_line.chars().count() > skip + 200;
                    match (skip > 0, more) {
                        (true, true) => (format!("...{window}..."), column - 1 - skip + 3),
                        (true, false) => (format!("...{window}"), column - 1 - skip + 3),
                        (false, _) => (format!("{window}..."), column - 1),
                    }
                } else {
                    (source_line, column - 1)
                };
                Diagnostic {
                    line,
                    column,
                    key,
                    message,
                    source_line,
                    caret,
                }
            })
            .collect();
        diagnostics.sort_by_key(|d| (d.line, d.column));
        diagnostics.dedup();
        PriorsError {
            file: file.to_string(),
            diagnostics,
        }
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

fn type_name(v: &DeValue) -> &'static str {
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

/// Levenshtein distance, for "did you mean" suggestions.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// ` (did you mean `x`?)` for the option closest to `word`, or an empty string.
pub fn suggest<'a>(word: &str, options: impl IntoIterator<Item = &'a str>) -> String {
    let lower = word.to_ascii_lowercase();
    let best = options
        .into_iter()
        .map(|o| (edit_distance(&lower, o), o))
        .filter(|(d, o)| *d <= 2.max(o.len() / 3) || o.starts_with(&lower) || lower.starts_with(o))
        .min_by_key(|(d, _)| *d);
    match best {
        Some((_, o)) => format!(" (did you mean `{o}`?)"),
        None => String::new(),
    }
}

/// A table being read: tracks which keys were used so the rest can be reported.
struct TableReader<'a, 'i> {
    table: &'a DeTable<'i>,
    span: Range<usize>,
    prefix: String,
    used: Vec<bool>,
}

impl<'a, 'i> TableReader<'a, 'i> {
    fn new(table: &'a DeTable<'i>, span: Range<usize>, prefix: &str) -> Self {
        TableReader {
            table,
            span,
            prefix: prefix.to_string(),
            used: vec![false; table.len()],
        }
    }

    fn get(&mut self, key: &str) -> Option<&'a Spanned<DeValue<'i>>> {
        for (i, (k, v)) in self.table.iter().enumerate() {
            if k.get_ref().as_ref() == key {
                self.used[i] = true;
                return Some(v);
            }
        }
        None
    }

    fn has(&self, key: &str) -> bool {
        self.table.iter().any(|(k, _)| k.get_ref().as_ref() == key)
    }

    fn key(&self, key: &str) -> String {
        join(&self.prefix, key)
    }

    /// Report every key not read, with the allowed ones and a suggestion. An allowed
    /// key left unread is not unknown: it was skipped because the caller already
    /// reported a conflict (e.g. `mean` beside `ci90`), so it gets no second error.
    fn finish(self, cx: &mut Cx, allowed: &[&str], what: &str) {
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
fn number(cx: &mut Cx, v: &Spanned<DeValue>, key: &str) -> Option<f64> {
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
            // digits overflows with the same message as `1e400`); -0 is 0.
            let parsed = if i.radix() == 10 {
                digits.parse::<f64>().ok()
            } else {
                u128::from_str_radix(&digits, i.radix())
                    .ok()
                    .map(|n| n as f64)
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
fn bound(cx: &mut Cx, v: &Spanned<DeValue>, key: &str) -> Option<f64> {
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

fn string<'a>(cx: &mut Cx, v: &'a Spanned<DeValue>, key: &str) -> Option<&'a str> {
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

fn table<'a, 'i>(
    cx: &mut Cx,
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

fn array<'a, 'i>(cx: &mut Cx, v: &'a Spanned<DeValue<'i>>, key: &str) -> Option<&'a DeArray<'i>> {
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
fn pair(cx: &mut Cx, v: &Spanned<DeValue>, key: &str, allow_inf: bool) -> Option<(f64, f64)> {
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
    let read = |cx: &mut Cx, x: &Spanned<DeValue>| {
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

const DIST_HELP: &str = "a distribution is a number, a string \"a to b\" (a 90% interval), \
                         or a table such as { dist = \"lognormal\", ci90 = [0.4, 0.75] }";

/// Any distribution form: number, "a to b", or a table with `dist`.
fn distribution(cx: &mut Cx, v: &Spanned<DeValue>, key: &str) -> Option<Dist> {
    let fail = |cx: &mut Cx, e: crate::dist::DistError| {
        cx.error(v.span(), key, e.0);
        None
    };
    match v.get_ref() {
        DeValue::Integer(_) | DeValue::Float(_) => {
            let x = number(cx, v, key)?;
            Dist::fixed(x).map_or_else(|e| fail(cx, e), Some)
        }
        DeValue::String(s) => {
            let s: &str = s.as_ref();
            let parts: Vec<&str> = s.split(" to ").collect();
            let parsed: Option<Vec<f64>> = if parts.len() == 2 {
                parts
                    .iter()
                    .map(|p| {
                        p.trim()
                            .replace('_', "")
                            .parse::<f64>()
                            .ok()
                            .filter(|x| x.is_finite())
                    })
                    .collect()
            } else {
                None
            };
            match parsed.as_deref() {
                Some([lo, hi]) => Dist::to_interval(*lo, *hi).map_or_else(|e| fail(cx, e), Some),
                _ => {
                    cx.error(
                        v.span(),
                        key,
                        format!("`{s}` is not of the form \"a to b\" (two finite numbers, e.g. \"0.3 to 0.7\"); {DIST_HELP}"),
                    );
                    None
                }
            }
        }
        DeValue::Table(t) => dist_table(cx, t, v.span(), key),
        other => {
            cx.error(
                v.span(),
                key,
                format!(
                    "expected a distribution, found {}; {DIST_HELP}",
                    type_name(other)
                ),
            );
            None
        }
    }
}

fn dist_table(cx: &mut Cx, t: &DeTable, span: Range<usize>, key: &str) -> Option<Dist> {
    let mut r = TableReader::new(t, span.clone(), key);
    let Some(family_v) = r.get("dist") else {
        cx.error(
            span,
            key,
            format!(
                "a distribution table needs `dist = \"...\"`, one of: {}",
                FAMILIES.join(", ")
            ),
        );
        return None;
    };
    let family = string(cx, family_v, &r.key("dist"))?.to_string();
    let num = |cx: &mut Cx, r: &mut TableReader, name: &str| -> Option<f64> {
        match r.get(name) {
            Some(v) => number(cx, v, &r.key(name)),
            None => {
                cx.error(
                    r.span.clone(),
                    &r.key(name),
                    format!("{family} needs `{name}`"),
                );
                None
            }
        }
    };
    let fail = |cx: &mut Cx, e: crate::dist::DistError| {
        cx.error(span.clone(), key, e.0);
        None
    };
    let mut allowed: Vec<&str> = vec!["dist", "truncate"];
    // An interval form (ci90 / ci80) of normal and lognormal.
    let interval = |cx: &mut Cx, r: &mut TableReader| -> Option<Option<(f64, f64, f64)>> {
        let ci90 = r.get("ci90");
        let ci80 = r.get("ci80");
        match (ci90, ci80) {
            (Some(_), Some(v)) => {
                cx.error(v.span(), &r.key("ci80"), "give ci90 or ci80, not both");
                None
            }
            (Some(v), None) => pair(cx, v, &r.key("ci90"), false).map(|(a, b)| Some((a, b, Z90))),
            (None, Some(v)) => pair(cx, v, &r.key("ci80"), false).map(|(a, b)| Some((a, b, Z80))),
            (None, None) => Some(None),
        }
    };
    let dist = match family.as_str() {
        "fixed" => {
            allowed.push("value");
            let x = num(cx, &mut r, "value");
            x.and_then(|x| Dist::fixed(x).map_or_else(|e| fail(cx, e), Some))
        }
        "uniform" => {
            allowed.extend(["min", "max"]);
            let (a, b) = (num(cx, &mut r, "min"), num(cx, &mut r, "max"));
            match (a, b) {
                (Some(a), Some(b)) => Dist::uniform(a, b).map_or_else(|e| fail(cx, e), Some),
                _ => None,
            }
        }
        "normal" => {
            allowed.extend(["mean", "sd", "ci90", "ci80"]);
            let has_params = r.has("mean") || r.has("sd");
            match interval(cx, &mut r) {
                None => None,
                Some(Some(_)) if has_params => {
                    cx.error(
                        span.clone(),
                        key,
                        "normal takes either mean and sd, or ci90, or ci80, not both forms",
                    );
                    None
                }
                Some(Some((lo, hi, z))) => {
                    Dist::normal_interval(lo, hi, z).map_or_else(|e| fail(cx, e), Some)
                }
                Some(None) => {
                    let (m, s) = (num(cx, &mut r, "mean"), num(cx, &mut r, "sd"));
                    match (m, s) {
                        (Some(m), Some(s)) => Dist::normal(m, s).map_or_else(|e| fail(cx, e), Some),
                        _ => None,
                    }
                }
            }
        }
        "lognormal" => {
            allowed.extend(["median", "gsd", "mu", "sigma", "ci90", "ci80"]);
            let by_median = r.has("median") || r.has("gsd");
            let by_mu = r.has("mu") || r.has("sigma");
            match interval(cx, &mut r) {
                None => None,
                Some(Some(_)) if by_median || by_mu => {
                    cx.error(span.clone(), key, "lognormal takes one form: median and gsd, or mu and sigma, or ci90, or ci80");
                    None
                }
                Some(Some((lo, hi, z))) => {
                    Dist::lognormal_interval(lo, hi, z).map_or_else(|e| fail(cx, e), Some)
                }
                Some(None) if by_median && by_mu => {
                    cx.error(
                        span.clone(),
                        key,
                        "lognormal takes one form: median and gsd, or mu and sigma, not both",
                    );
                    None
                }
                Some(None) if by_mu => {
                    let (m, s) = (num(cx, &mut r, "mu"), num(cx, &mut r, "sigma"));
                    match (m, s) {
                        (Some(m), Some(s)) => {
                            Dist::lognormal(m, s).map_or_else(|e| fail(cx, e), Some)
                        }
                        _ => None,
                    }
                }
                Some(None) => {
                    let (m, g) = (num(cx, &mut r, "median"), num(cx, &mut r, "gsd"));
                    match (m, g) {
                        (Some(m), Some(g)) => {
                            Dist::lognormal_median_gsd(m, g).map_or_else(|e| fail(cx, e), Some)
                        }
                        _ => None,
                    }
                }
            }
        }
        "triangular" | "pert" => {
            allowed.extend(["min", "mode", "max"]);
            let (a, m, b) = (
                num(cx, &mut r, "min"),
                num(cx, &mut r, "mode"),
                num(cx, &mut r, "max"),
            );
            match (a, m, b) {
                (Some(a), Some(m), Some(b)) => if family == "pert" {
                    Dist::pert(a, m, b)
                } else {
                    Dist::triangular(a, m, b)
                }
                .map_or_else(|e| fail(cx, e), Some),
                _ => None,
            }
        }
        "beta" => {
            allowed.extend(["alpha", "beta", "min", "max"]);
            let (a, b) = (num(cx, &mut r, "alpha"), num(cx, &mut r, "beta"));
            let scaled = r.has("min") || r.has("max");
            let (lo, hi) = if scaled {
                (num(cx, &mut r, "min"), num(cx, &mut r, "max"))
            } else {
                (Some(0.0), Some(1.0))
            };
            match (a, b, lo, hi) {
                (Some(a), Some(b), Some(lo), Some(hi)) => {
                    Dist::beta(a, b, lo, hi).map_or_else(|e| fail(cx, e), Some)
                }
                _ => None,
            }
        }
        "mixture" => {
            allowed.extend(["components", "weights"]);
            let comps = match r.get("components") {
                Some(v) => array(cx, v, &r.key("components")).map(|a| (a, v.span())),
                None => {
                    cx.error(
                        span.clone(),
                        &r.key("components"),
                        "mixture needs `components = [...]`",
                    );
                    None
                }
            };
            let weights = match r.get("weights") {
                Some(v) => array(cx, v, &r.key("weights")).map(|a| (a, v.span())),
                None => {
                    cx.error(
                        span.clone(),
                        &r.key("weights"),
                        "mixture needs `weights = [...]`, one per component",
                    );
                    None
                }
            };
            let comps: Option<Vec<Dist>> = comps.and_then(|(a, _)| {
                let all: Vec<Option<Dist>> = a
                    .iter()
                    .enumerate()
                    .map(|(i, c)| distribution(cx, c, &format!("{}[{}]", r.key("components"), i)))
                    .collect();
                all.into_iter().collect()
            });
            let ws: Option<(Vec<f64>, Range<usize>)> = weights.and_then(|(a, s)| {
                let all: Vec<Option<f64>> = a
                    .iter()
                    .enumerate()
                    .map(|(i, w)| number(cx, w, &format!("{}[{}]", r.key("weights"), i)))
                    .collect();
                all.into_iter()
                    .collect::<Option<Vec<f64>>>()
                    .map(|w| (w, s))
            });
            match (comps, ws) {
                (Some(c), Some((w, wspan))) => Dist::mixture(c, &w).map_or_else(
                    |e| {
                        cx.error(wspan, &r.key("weights"), e.0);
                        None
                    },
                    Some,
                ),
                _ => None,
            }
        }
        other => {
            cx.error(
                family_v.span(),
                &r.key("dist"),
                format!(
                    "unknown distribution family `{other}`{}; families: {}",
                    suggest(other, FAMILIES.iter().copied()),
                    FAMILIES.join(", ")
                ),
            );
            return None;
        }
    };
    let truncate = match r.get("truncate") {
        Some(v) => pair(cx, v, &r.key("truncate"), true).map(|p| (p, v.span())),
        None => None,
    };
    r.finish(cx, &allowed, &format!("a {family} distribution"));
    let dist = dist?;
    match truncate {
        Some(((lo, hi), tspan)) => Dist::truncated(dist, lo, hi).map_or_else(
            |e| {
                cx.error(tspan, &join(key, "truncate"), e.0);
                None
            },
            Some,
        ),
        None if r_has_truncate_error(t) => None,
        None => Some(dist),
    }
}

/// True when a `truncate` key exists but failed to parse (its error is already recorded).
fn r_has_truncate_error(t: &DeTable) -> bool {
    t.iter().any(|(k, _)| k.get_ref().as_ref() == "truncate")
}

// ---------------------------------------------------------------------------------
// The scenario.

const TOP_KEYS: &[&str] = &[
    "name",
    "description",
    "start",
    "horizon",
    "threshold",
    "drivers",
    "bottlenecks",
    "correlations",
];
const DRIVER_KEYS: &[&str] = &["rate", "cap", "after_cap"];
const BOTTLENECK_KEYS: &[&str] = &["probability", "onset", "duration", "effect"];

fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The default scenario name: the file name without its extension, with every
/// character other than letters, digits, `_` and `-` turned into `-` and cut to 64
/// (`my priors.v2.toml` -> `my-priors-v2`), so that two files never share a name just
/// because they have dots or spaces in theirs; `scenario` if nothing is left.
fn name_from_stem(stem: &str) -> String {
    let name: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    if name.chars().all(|c| c == '-') {
        "scenario".to_string()
    } else {
        name
    }
}

struct Builder {
    inputs: Vec<Input>,
    warnings: Vec<String>,
}

impl Builder {
    fn add(&mut self, name: String, dist: Dist) -> usize {
        self.inputs.push(Input {
            name,
            dist,
            correlated: false,
        });
        self.inputs.len() - 1
    }

    /// Warn when a quantity that cannot be negative has draws below 0 (they count as 0).
    fn warn_negative(&mut self, idx: usize, what: &str) {
        let d = &self.inputs[idx].dist;
        if d.support().0 < 0.0 {
            let share = d.cdf_left(0.0);
            if share > 1e-4 {
                self.warnings.push(format!(
                    "`{}`: {:.2}% of draws of this {what} fall below 0 and count as 0; add `truncate = [0, inf]` if that is not meant",
                    self.inputs[idx].name,
                    share * 100.0
                ));
            }
        }
    }
}

fn build_model(cx: &mut Cx, file: &str, doc: &DeTable, doc_span: Range<usize>) -> Option<Model> {
    let mut top = TableReader::new(doc, doc_span.clone(), "");
    let mut b = Builder {
        inputs: Vec::new(),
        warnings: Vec::new(),
    };

    let stem = std::path::Path::new(file)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "scenario".into());
    let name = match top.get("name") {
        Some(v) => string(cx, v, "name").and_then(|s| {
            if valid_name(s) {
                Some(s.to_string())
            } else {
                cx.error(v.span(), "name", format!(
                    "`{s}` is not a usable scenario name: use 1 to 64 letters, digits, `_` or `-` (it names the results folder)"
                ));
                None
            }
        }),
        None => Some(name_from_stem(&stem)),
    };
    let description = match top.get("description") {
        Some(v) => string(cx, v, "description").map(|s| s.to_string()),
        None => Some(String::new()),
    };
    let start = match top.get("start") {
        Some(v) => number(cx, v, "start"),
        None => Some(DEFAULT_START),
    };
    let horizon = match top.get("horizon") {
        Some(v) => number(cx, v, "horizon").map(|h| (h, v.span())),
        None => Some((DEFAULT_HORIZON, doc_span.start..doc_span.start)),
    };
    // Blame the key the user wrote: `horizon` when given, else `start` (the horizon
    // is then the default, which the message says).
    let start_span = top.get("start").map(|v| v.span());
    let horizon_given = top.has("horizon");
    if let (Some(s), Some((h, hspan))) = (start, horizon.clone()) {
        let (span, key, h_text) = match (&start_span, horizon_given) {
            (Some(ss), false) => (ss.clone(), "start", format!("{h}, the default")),
            _ => (hspan, "horizon", h.to_string()),
        };
        if !(h > s) {
            cx.error(
                span,
                key,
                format!("horizon ({h_text}) must be after start ({s})"),
            );
        } else if h - s > MAX_SPAN_YEARS {
            cx.error(
                span,
                key,
                format!(
                    "horizon ({h_text}) - start ({s}) is {} years; at most {MAX_SPAN_YEARS} years are supported",
                    h - s
                ),
            );
        } else if s.abs() > 1e6 || h.abs() > 1e6 {
            let (span, key) = match start_span {
                Some(ss) if s.abs() > 1e6 => (ss, "start"),
                _ => (span, key),
            };
            cx.error(
                span,
                key,
                "start and horizon must be years between -1000000 and 1000000",
            );
        }
    }
    let threshold = match top.get("threshold") {
        Some(v) => distribution(cx, v, "threshold").map(|d| b.add("threshold".into(), d)),
        None => {
            cx.error(doc_span.start..doc_span.start, "threshold", format!(
                "the scenario needs `threshold = ...`: the OOMs of effective compute above the reference model that AGI needs; {DIST_HELP}"
            ));
            None
        }
    };

    // Drivers.
    let mut drivers: Vec<Driver> = Vec::new();
    let mut drivers_ok = true;
    match top.get("drivers") {
        Some(v) => {
            if let Some(t) = table(cx, v, "drivers", "a table of drivers ([drivers.NAME])") {
                if t.is_empty() {
                    cx.error(
                        v.span(),
                        "drivers",
                        "declare at least one driver, e.g. [drivers.compute] with rate = ...",
                    );
                }
                if t.len() > MAX_DRIVERS {
                    cx.error(
                        v.span(),
                        "drivers",
                        format!("at most {MAX_DRIVERS} drivers are supported"),
                    );
                }
                for (k, dv) in t.iter() {
                    let dname = k.get_ref().as_ref().to_string();
                    let key = format!("drivers.{dname}");
                    if !valid_name(&dname) {
                        cx.error(
                            k.span(),
                            &key,
                            "driver names use letters, digits, `_` or `-`",
                        );
                        drivers_ok = false;
                        continue;
                    }
                    match driver(cx, &mut b, &dname, dv, &key) {
                        Some(d) => drivers.push(d),
                        None => {
                            drivers_ok = false;
                            // keep the name resolvable so later errors are not spurious
                            drivers.push(Driver {
                                name: dname,
                                rate: usize::MAX,
                                cap: None,
                                after_cap: None,
                            });
                        }
                    }
                }
            } else {
                drivers_ok = false;
            }
        }
        None => {
            cx.error(
                doc_span.start..doc_span.start,
                "drivers",
                "the scenario needs at least one driver, e.g. [drivers.compute] with rate = ...",
            );
            drivers_ok = false;
        }
    }

    // Bottlenecks.
    let mut bottlenecks = Vec::new();
    let mut bottlenecks_ok = true;
    if let Some(v) = top.get("bottlenecks") {
        if let Some(t) = table(
            cx,
            v,
            "bottlenecks",
            "a table of bottlenecks ([bottlenecks.NAME])",
        ) {
            if t.len() > MAX_BOTTLENECKS {
                cx.error(
                    v.span(),
                    "bottlenecks",
                    format!("at most {MAX_BOTTLENECKS} bottlenecks are supported"),
                );
            }
            for (k, bv) in t.iter() {
                let bname = k.get_ref().as_ref().to_string();
                let key = format!("bottlenecks.{bname}");
                if !valid_name(&bname) {
                    cx.error(
                        k.span(),
                        &key,
                        "bottleneck names use letters, digits, `_` or `-`",
                    );
                    bottlenecks_ok = false;
                    continue;
                }
                if drivers.iter().any(|d| d.name == bname) {
                    cx.error(k.span(), &key, format!("`{bname}` is already the name of a driver; give the bottleneck its own name"));
                }
                match bottleneck(
                    cx,
                    &mut b,
                    &bname,
                    bv,
                    &key,
                    &drivers,
                    start,
                    horizon.as_ref().map(|h| h.0),
                ) {
                    Some(bn) => bottlenecks.push(bn),
                    None => bottlenecks_ok = false,
                }
            }
        } else {
            bottlenecks_ok = false;
        }
    }

    let correlations = top.get("correlations");

    top.finish(cx, TOP_KEYS, "the scenario");

    let (name, description, start, (horizon, _), threshold) =
        (name?, description?, start?, horizon?, threshold?);
    if !drivers_ok || !bottlenecks_ok {
        return None;
    }
    let copula = match correlations {
        Some(v) => Some(correlations_block(cx, &mut b, v)?).filter(|c| c.size() > 0),
        None => None,
    };
    Some(Model {
        name,
        description,
        start,
        horizon,
        inputs: b.inputs,
        threshold,
        drivers,
        bottlenecks,
        copula,
        warnings: b.warnings,
    })
}

fn driver(
    cx: &mut Cx,
    b: &mut Builder,
    name: &str,
    v: &Spanned<DeValue>,
    key: &str,
) -> Option<Driver> {
    let t = table(
        cx,
        v,
        key,
        "a driver table with `rate` (and optional `cap`, `after_cap`)",
    )?;
    let mut r = TableReader::new(t, v.span(), key);
    let rate = match r.get("rate") {
        Some(rv) => distribution(cx, rv, &r.key("rate")).map(|d| b.add(r.key("rate"), d)),
        None => {
            cx.error(
                v.span(),
                &r.key("rate"),
                format!("driver `{name}` needs `rate = ...` (OOM/yr); {DIST_HELP}"),
            );
            None
        }
    };
    let cap = r.get("cap").map(|cv| {
        (
            distribution(cx, cv, &r.key("cap")).map(|d| b.add(r.key("cap"), d)),
            cv.span(),
        )
    });
    let after_cap = r.get("after_cap").map(|av| {
        (
            distribution(cx, av, &r.key("after_cap")).map(|d| b.add(r.key("after_cap"), d)),
            av.span(),
        )
    });
    if let (None, Some((_, aspan))) = (&cap, &after_cap) {
        cx.error(aspan.clone(), &r.key("after_cap"), format!(
            "`after_cap` has no effect without `cap`: add `cap = ...` (the OOMs driver `{name}` adds before slowing) or remove it"
        ));
    }
    r.finish(cx, DRIVER_KEYS, &format!("driver `{name}`"));
    let rate = rate?;
    b.warn_negative(rate, "rate");
    let cap = match cap {
        Some((c, _)) => {
            let c = c?;
            b.warn_negative(c, "cap");
            Some(c)
        }
        None => None,
    };
    let after_cap = match after_cap {
        Some((a, _)) => {
            let a = a?;
            b.warn_negative(a, "rate");
            Some(a)
        }
        None => None,
    };
    Some(Driver {
        name: name.to_string(),
        rate,
        cap,
        after_cap,
    })
}

#[allow(clippy::too_many_arguments)]
fn bottleneck(
    cx: &mut Cx,
    b: &mut Builder,
    name: &str,
    v: &Spanned<DeValue>,
    key: &str,
    drivers: &[Driver],
    start: Option<f64>,
    horizon: Option<f64>,
) -> Option<Bottleneck> {
    let t = table(
        cx,
        v,
        key,
        "a bottleneck table with `probability`, `onset`, `effect`",
    )?;
    let mut r = TableReader::new(t, v.span(), key);
    let driver_names = || {
        drivers
            .iter()
            .map(|d| d.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let resolve = |cx: &mut Cx, dname: &str, span: Range<usize>, k: &str| -> Option<usize> {
        let found = drivers.iter().position(|d| d.name == dname);
        if found.is_none() {
            cx.error(
                span,
                k,
                format!(
                    "`{dname}` is not a declared driver{}; declared drivers: {}",
                    suggest(dname, drivers.iter().map(|d| d.name.as_str())),
                    driver_names()
                ),
            );
        }
        found
    };

    let probability = match r.get("probability") {
        Some(pv) => number(cx, pv, &r.key("probability")).and_then(|p| {
            if (0.0..=1.0).contains(&p) {
                Some(p)
            } else {
                cx.error(
                    pv.span(),
                    &r.key("probability"),
                    format!("probability must be between 0 and 1, got {p}"),
                );
                None
            }
        }),
        None => Some(1.0),
    };

    // onset = { year = DIST } | { level = DIST, of = "driver" } | { level = DIST }
    let onset = match r.get("onset") {
        Some(ov) => {
            let okey = r.key("onset");
            match table(
                cx,
                ov,
                &okey,
                "an onset table: { year = ... } or { level = ..., of = \"driver\" }",
            ) {
                Some(ot) => {
                    let mut or = TableReader::new(ot, ov.span(), &okey);
                    let year = or.get("year");
                    let level = or.get("level");
                    let of = or.get("of");
                    let out = match (year, level) {
                        (Some(_), Some(_)) => {
                            cx.error(ov.span(), &okey, "onset takes `year` or `level`, not both");
                            None
                        }
                        (None, None) => {
                            cx.error(ov.span(), &okey, "onset needs `year = ...` (a decimal year) or `level = ...` (OOMs, optionally `of = \"driver\"`)");
                            None
                        }
                        (Some(yv), None) => {
                            if let Some(ofv) = of {
                                cx.error(
                                    ofv.span(),
                                    &or.key("of"),
                                    "`of` goes with `level`, not with `year`",
                                );
                            }
                            let ykey = or.key("year");
                            distribution(cx, yv, &ykey).and_then(|d| {
                                let (lo, _) = d.support();
                                if let Some(h) = horizon
                                    && lo > h
                                {
                                    cx.error(yv.span(), &ykey, format!(
                                        "the onset year is always after the horizon ({h}), so this bottleneck could never act; lower it or raise `horizon`"
                                    ));
                                    return None;
                                }
                                let _ = start;
                                Some((OnsetKind::Year, b.add(okey.clone(), d)))
                            })
                        }
                        (None, Some(lv)) => {
                            let kind = match of {
                                Some(ofv) => {
                                    let okk = or.key("of");
                                    string(cx, ofv, &okk)
                                        .and_then(|s| resolve(cx, s, ofv.span(), &okk))
                                        .map(OnsetKind::DriverLevel)
                                }
                                None => Some(OnsetKind::TotalLevel),
                            };
                            let d = distribution(cx, lv, &or.key("level"));
                            match (kind, d) {
                                (Some(k), Some(d)) => Some((k, b.add(okey.clone(), d))),
                                _ => None,
                            }
                        }
                    };
                    or.finish(cx, &["year", "level", "of"], "an onset");
                    out
                }
                None => None,
            }
        }
        None => {
            cx.error(v.span(), &r.key("onset"), format!(
                "bottleneck `{name}` needs `onset = {{ year = ... }}` or `onset = {{ level = ..., of = \"driver\" }}`"
            ));
            None
        }
    };

    let duration = r.get("duration").map(|dv| {
        let k = r.key("duration");
        distribution(cx, dv, &k).map(|d| b.add(k, d))
    });

    let effects = match r.get("effect") {
        Some(ev) => {
            let ekey = r.key("effect");
            match table(
                cx,
                ev,
                &ekey,
                "an effect table such as { algorithms = 0.3 }",
            ) {
                Some(et) if et.is_empty() => {
                    cx.error(
                        ev.span(),
                        &ekey,
                        "effect names no driver; give at least one, e.g. { algorithms = 0.3 }",
                    );
                    None
                }
                Some(et) => {
                    let mut out = Vec::new();
                    let mut ok = true;
                    for (dk, fv) in et.iter() {
                        let dname = dk.get_ref().as_ref();
                        let fkey = join(&ekey, dname);
                        let di = resolve(cx, dname, dk.span(), &fkey);
                        let f = distribution(cx, fv, &fkey);
                        match (di, f) {
                            (Some(di), Some(f)) => {
                                let idx = b.add(fkey, f);
                                b.warn_negative(idx, "rate factor");
                                out.push((di, idx));
                            }
                            _ => ok = false,
                        }
                    }
                    ok.then_some(out)
                }
                None => None,
            }
        }
        None => {
            cx.error(v.span(), &r.key("effect"), format!(
                "bottleneck `{name}` needs `effect = {{ driver = factor, ... }}` (0 stops a driver, 0.3 slows it to 30%)"
            ));
            None
        }
    };
    r.finish(cx, BOTTLENECK_KEYS, &format!("bottleneck `{name}`"));

    let (onset_kind, onset) = onset?;
    let duration = match duration {
        Some(d) => {
            let d = d?;
            b.warn_negative(d, "duration");
            Some(d)
        }
        None => None,
    };
    Some(Bottleneck {
        name: name.to_string(),
        probability: probability?,
        onset_kind,
        onset,
        duration,
        effects: effects?,
    })
}

/// `[[correlations]]`: `between = ["input", "input"]`, `rank = -1..1` (Spearman).
/// Returns the copula, or `None` after recording errors.
fn correlations_block(cx: &mut Cx, b: &mut Builder, v: &Spanned<DeValue>) -> Option<Copula> {
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
    let names: Vec<String> = b.inputs.iter().map(|i| i.name.clone()).collect();
    let mut members: Vec<usize> = Vec::new();
    // (member a, member b, rank, span of rank, display)
    let mut pairs: Vec<(usize, usize, f64, Range<usize>, String)> = Vec::new();
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
                            match names.iter().position(|x| x == name) {
                                Some(i) if b.inputs[i].dist.is_fixed() => {
                                    cx.error(item.span(), &bkey, format!(
                                        "`{name}` is a fixed value; a correlation with it has no effect (give it a distribution, or remove the correlation)"
                                    ));
                                    ok = false;
                                }
                                Some(i) => idx.push(i),
                                None => {
                                    cx.error(item.span(), &bkey, format!(
                                        "`{name}` is not an input of this scenario{}; inputs are named like drivers.compute.rate, bottlenecks.data_wall.onset, threshold",
                                        suggest(name, names.iter().map(|s| s.as_str()))
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
                let mut m = |x: usize| match members.iter().position(|&y| y == x) {
                    Some(p) => p,
                    None => {
                        members.push(x);
                        members.len() - 1
                    }
                };
                let (a, c) = (m(*i), m(*j));
                if pairs
                    .iter()
                    .any(|p| (p.0 == a && p.1 == c) || (p.0 == c && p.1 == a))
                {
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
        return Some(Copula {
            members: Vec::new(),
            chol: Vec::new(),
        });
    }
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
            Some((p, v)) => cx.error(pairs[p].3.clone(), &format!("correlations[{p}].rank"), format!(
                "these rank correlations are impossible together (the correlation matrix is not positive definite); \
                 the smallest fix is this pair ({}): rank = {v} instead of {}",
                pairs[p].4, pairs[p].2
            )),
            None => cx.error(pairs[0].3.clone(), "correlations", "these rank correlations are impossible together (the correlation matrix is not positive definite), and no single pair can fix it: reduce several of them"),
        }
        return None;
    };
    for &m in &members {
        b.inputs[m].correlated = true;
    }
    Some(Copula { members, chol })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<Diagnostic> {
        parse_model("t.toml", text).unwrap_err().diagnostics
    }

    const MINIMAL: &str = "threshold = 5\n[drivers.compute]\nrate = 0.5\n";

    #[test]
    fn minimal_file_parses_with_defaults() {
        let m = parse_model("my-file.toml", MINIMAL).unwrap();
        assert_eq!(m.name, "my-file");
        assert_eq!(m.start, DEFAULT_START);
        assert_eq!(m.horizon, DEFAULT_HORIZON);
        assert_eq!(m.drivers.len(), 1);
        assert_eq!(m.inputs[m.threshold].dist, Dist::Fixed(5.0));
    }

    #[test]
    fn unknown_key_names_line_key_and_suggestion() {
        let d = errors("threshold = 5\n[drivers.compute]\nrate = 0.5\ncpa = 3\n");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].line, 4);
        assert_eq!(d[0].column, 1);
        assert_eq!(d[0].key, "drivers.compute.cpa");
        assert!(
            d[0].message.contains("did you mean `cap`"),
            "{}",
            d[0].message
        );
    }

    #[test]
    fn misspelt_family_is_suggested() {
        let d =
            errors("threshold = { dist = \"lognorm\", ci90 = [3, 9] }\n[drivers.c]\nrate = 1\n");
        assert_eq!(d[0].key, "threshold.dist");
        assert!(
            d[0].message.contains("did you mean `lognormal`"),
            "{}",
            d[0].message
        );
    }

    #[test]
    fn several_errors_are_reported_together() {
        let d = errors(
            "horizon = 2000\nthreshold = { dist = \"normal\", mean = 5, sd = -1 }\n[drivers.c]\nrate = \"1 to\"\n",
        );
        let keys: Vec<&str> = d.iter().map(|d| d.key.as_str()).collect();
        assert_eq!(keys, ["horizon", "threshold", "drivers.c.rate"], "{d:?}");
    }

    #[test]
    fn effect_on_undeclared_driver_is_an_error() {
        let d = errors(
            "threshold = 5\n[drivers.algorithms]\nrate = 0.5\n[bottlenecks.wall]\nonset = { year = 2030 }\neffect = { algorithm = 0 }\n",
        );
        assert_eq!(d[0].key, "bottlenecks.wall.effect.algorithm");
        assert_eq!(d[0].line, 6);
        assert!(d[0].message.contains("did you mean `algorithms`"));
    }

    #[test]
    fn conflicting_forms_are_one_error_not_a_list_of_unknown_keys() {
        // The keys of the losing form are allowed keys, not "unknown key `mean` (did you
        // mean `mean`?)".
        for text in [
            "threshold = { dist = \"normal\", mean = 5, sd = 1, ci90 = [3, 7] }\n[drivers.c]\nrate = 1\n",
            "threshold = { dist = \"lognormal\", median = 6, gsd = 2, mu = 1.8, sigma = 0.7 }\n[drivers.c]\nrate = 1\n",
            "threshold = { dist = \"normal\", mean = 5, ci90 = [3, 7], ci80 = [4, 6] }\n[drivers.c]\nrate = 1\n",
        ] {
            let d = errors(text);
            assert_eq!(d.len(), 1, "{d:?}");
            assert!(!d[0].message.contains("unknown key"), "{d:?}");
        }
    }

    #[test]
    fn integers_of_any_length_read_like_floats_and_minus_zero_is_zero() {
        let m = parse_model(
            "t.toml",
            "start = -0\nthreshold = 99999999999999999999\n[drivers.c]\nrate = 1\n",
        )
        .unwrap();
        assert!(m.start == 0.0 && m.start.is_sign_positive());
        assert_eq!(m.inputs[m.threshold].dist, Dist::Fixed(1e20));
        let big = format!("threshold = 1{}\n[drivers.c]\nrate = 1\n", "0".repeat(399));
        let d = errors(&big);
        assert_eq!(d[0].key, "threshold");
        assert!(
            d[0].message.contains("too large for a 64-bit float"),
            "{d:?}"
        );
        let m = parse_model("t.toml", "threshold = 0x10\n[drivers.c]\nrate = 0o7\n").unwrap();
        assert_eq!(m.inputs[m.threshold].dist, Dist::Fixed(16.0));
    }

    #[test]
    fn start_beyond_the_default_horizon_blames_start() {
        let d = errors("start = 2150\nthreshold = 5\n[drivers.c]\nrate = 1\n");
        assert_eq!((d[0].line, d[0].column, d[0].key.as_str()), (1, 9, "start"));
        assert!(d[0].message.contains("the default"), "{d:?}");
        let d =
            errors("start = 2000000\nhorizon = 2000001\nthreshold = 5\n[drivers.c]\nrate = 1\n");
        assert_eq!(d[0].key, "start");
    }

    #[test]
    fn misleading_syntax_errors_get_a_hint() {
        let d = errors("threshold =\n[drivers.c]\nrate = 1\n");
        assert!(
            d[0].message.contains("the value after `=` is missing"),
            "{d:?}"
        );
        let d = errors("threshold = 5 \n[drivers.c]\nrate = \u{201c}0.3 to 0.7\u{201d}\n");
        assert!(d[0].message.contains("typographic quotes"), "{d:?}");
    }

    #[test]
    fn a_long_line_shows_a_window_around_the_caret() {
        let text = format!(
            "threshold = {{ dist = \"uniform\", min = 1, max = 2{} , mxa = 3 }}\n[drivers.c]\nrate = 1\n",
            " ".repeat(400)
        );
        let e = parse_model("t.toml", &text).unwrap_err();
        let d = &e.diagnostics[0];
        assert_eq!(d.key, "threshold.mxa");
        assert!(d.source_line.starts_with("...") && d.source_line.chars().count() <= 206);
        let marked: String = d.source_line.chars().skip(d.caret).take(3).collect();
        assert_eq!(marked, "mxa");
        // The rendering puts the caret under the key.
        let shown = e.to_string();
        let lines: Vec<&str> = shown.lines().collect();
        let caret_col = lines[2].find('^').unwrap();
        assert_eq!(&lines[1][caret_col..caret_col + 3], "mxa", "{shown}");
    }

    #[test]
    fn bad_utf8_is_located_in_characters() {
        let e = parse_model_bytes(
            "t.toml",
            b"threshold = 5\n# \xc3\xa9t\xc3\xa9 \xff\n".to_vec(),
        )
        .unwrap_err();
        let d = &e.diagnostics[0];
        assert_eq!((d.line, d.column), (2, 7), "{d:?}");
        let e = parse_model_bytes("t.toml", vec![0xFF, 0xFE, b't', 0]).unwrap_err();
        assert!(e.diagnostics[0].message.contains("UTF-16"));
    }

    #[test]
    fn syntax_error_is_located() {
        let d = errors("threshold = 5\n[drivers.c\nrate = 1\n");
        assert_eq!(d[0].line, 2);
        assert!(d[0].message.contains("TOML syntax error"));
    }
}
