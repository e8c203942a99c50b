//! Located problems in a priors file, and how they are shown: `file:line:column: key
//! `dotted.key`: message`, then the source line with a caret under the column.
//!
//! Problems are collected while the file is read ([`Collector`]), each with the byte
//! span it is about, and turned into line, column and the source line only at the end,
//! so every problem of a file is reported at once.

use crate::model::Location;
use std::fmt;
use std::ops::Range;

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

/// At most this many problems of one file are shown; the rest are counted. Fixing the
/// first ones (often one mistake repeated) usually removes many of the others.
pub const MAX_SHOWN: usize = 50;

/// A dotted key longer than this is shown with its middle elided.
const MAX_KEY_CHARS: usize = 120;
/// A message longer than this (one quoting a huge name from the file) is shown with
/// its middle elided, keeping what is wrong (the start) and what is allowed (the end).
const MAX_MESSAGE_CHARS: usize = 600;

/// A priors file that could not become a model: the first problems found, located (at
/// most [`MAX_SHOWN`], in file order), and how many more there were.
#[derive(Clone, Debug, PartialEq)]
pub struct PriorsError {
    pub file: String,
    pub diagnostics: Vec<Diagnostic>,
    /// Problems found but not listed in `diagnostics`.
    pub more: usize,
}

impl PriorsError {
    /// An error with one whole-file problem (no key, no source line), at line 1.
    pub fn whole_file(file: &str, message: String) -> PriorsError {
        PriorsError {
            file: file.to_string(),
            diagnostics: vec![Diagnostic {
                line: 1,
                column: 1,
                key: String::new(),
                message,
                source_line: String::new(),
                caret: 0,
            }],
            more: 0,
        }
    }
}

impl std::error::Error for PriorsError {}

/// `s` with its middle replaced by ` ... ` when it has more than `max` characters.
fn elide_middle(s: &str, max: usize) -> std::borrow::Cow<'_, str> {
    let n = s.chars().count();
    if n <= max {
        return s.into();
    }
    let keep = (max - 5) / 2;
    let head: String = s.chars().take(keep).collect();
    let tail: String = s.chars().skip(n - keep).collect();
    format!("{head} ... {tail}").into()
}

impl fmt::Display for PriorsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            let key = if d.key.is_empty() {
                String::new()
            } else {
                format!(" key `{}`:", elide_middle(&d.key, MAX_KEY_CHARS))
            };
            write!(
                f,
                "{}:{}:{}:{} {}",
                self.file,
                d.line,
                d.column,
                key,
                elide_middle(&d.message, MAX_MESSAGE_CHARS)
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
        if self.more > 0 {
            write!(
                f,
                "\n{}: ... and {} more {} (the first {} are shown; fix these first)",
                self.file,
                self.more,
                if self.more == 1 {
                    "problem"
                } else {
                    "problems"
                },
                self.diagnostics.len()
            )?;
        }
        Ok(())
    }
}

/// Edit-distance cells one file's "did you mean" suggestions may compute in all: a
/// file naming thousands of unknown inputs among thousands of real ones would otherwise
/// take minutes. Past it, suggestions are left out.
const SUGGESTION_BUDGET: u64 = 20_000_000;

pub(super) struct Collector<'t> {
    pub(super) text: &'t str,
    pub(super) diags: Vec<(Range<usize>, String, String)>,
    /// Edit-distance cells left for suggestions.
    suggestion_budget: u64,
}

impl<'t> Collector<'t> {
    pub(super) fn new(text: &'t str) -> Collector<'t> {
        Collector {
            text,
            diags: Vec::new(),
            suggestion_budget: SUGGESTION_BUDGET,
        }
    }

    /// [`suggest`] among options that may be many (names declared in the file), within
    /// the file's budget: an empty string once it is spent.
    pub(super) fn suggest<'a>(
        &mut self,
        word: &str,
        options: impl IntoIterator<Item = &'a str> + Clone,
    ) -> String {
        let w = word.chars().count() as u64 + 1;
        let cost: u64 = options
            .clone()
            .into_iter()
            .map(|o| w * (o.len() as u64 + 1))
            .sum();
        if cost > self.suggestion_budget {
            self.suggestion_budget = 0;
            return String::new();
        }
        self.suggestion_budget -= cost;
        suggest(word, options)
    }

    pub(super) fn error(&mut self, span: Range<usize>, key: &str, message: impl Into<String>) {
        self.diags.push((span, key.to_string(), message.into()));
    }

    /// The line and column (in characters, both from 1) where `span` starts.
    pub(super) fn locate(&self, span: &Range<usize>) -> Location {
        let text = self.text;
        let at = span.start.min(text.len());
        let at = (0..=at)
            .rev()
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(0);
        let line_start = text[..at].rfind('\n').map_or(0, |p| p + 1);
        Location {
            line: text[..at].matches('\n').count() + 1,
            column: text[line_start..at].chars().count() + 1,
        }
    }

    /// The problems recorded, in file order, duplicates removed, the first
    /// [`MAX_SHOWN`] located. Linear in the text and the number of problems: the
    /// problems are sorted by byte offset and the lines found in one forward pass,
    /// and only the shown ones are located.
    pub(super) fn into_error(self, file: &str) -> PriorsError {
        let text = self.text;
        // The byte offset each problem is shown at: its span's start, on a character.
        let mut diags: Vec<(usize, String, String)> = self
            .diags
            .into_iter()
            .map(|(span, key, message)| {
                let at = span.start.min(text.len());
                let at = (0..=at)
                    .rev()
                    .find(|&i| text.is_char_boundary(i))
                    .unwrap_or(0);
                (at, key, message)
            })
            .collect();
        diags.sort_by_key(|d| d.0);
        diags.dedup();
        let more = diags.len().saturating_sub(MAX_SHOWN);
        diags.truncate(MAX_SHOWN);
        let (mut line, mut line_start) = (1, 0);
        let diagnostics: Vec<Diagnostic> = diags
            .into_iter()
            .map(|(at, key, message)| {
                // `at` never decreases: count the newlines since the previous problem.
                let base = line_start;
                for (i, _) in text[base..at].match_indices('\n') {
                    line += 1;
                    line_start = base + i + 1;
                }
                Diagnostic::at(text, at, line, line_start, key, message)
            })
            .collect();
        PriorsError {
            file: file.to_string(),
            diagnostics,
            more,
        }
    }
}

impl Diagnostic {
    /// The problem at byte `at` of `text`, on line `line` that starts at `line_start`.
    fn at(
        text: &str,
        at: usize,
        line: usize,
        line_start: usize,
        key: String,
        message: String,
    ) -> Diagnostic {
        let column = text[line_start..at].chars().count() + 1;
        let line_end = text[at..].find('\n').map_or(text.len(), |p| at + p);
        let source_line = text[line_start..line_end].trim_end_matches('\r');
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
            (source_line.to_string(), column - 1)
        };
        Diagnostic {
            line,
            column,
            key,
            message,
            source_line,
            caret,
        }
    }
}

/// missing after `=`, and typographic quotes pasted from a word processor.
pub(super) fn syntax_hint(text: &str, at: usize) -> &'static str {
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

/// Names for a message: all of them when few, else the first `max` and how many in all.
pub(super) fn list_names<'a>(names: impl ExactSizeIterator<Item = &'a str>, max: usize) -> String {
    let n = names.len();
    let shown: Vec<&str> = names.take(max).collect();
    if n > max {
        format!("{}, ... ({n} in all)", shown.join(", "))
    } else {
        shown.join(", ")
    }
}
