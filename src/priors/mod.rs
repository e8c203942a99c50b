//! Priors files (TOML) into a validated [`Model`], or errors that point at the line.
//!
//! The format is specified in `MODEL.md` section 2 and documented in the README.
//!
//! Why the TOML is walked by hand instead of deserialised with serde into structs: a
//! user fixing a priors file wants *every* problem at once, each with file, line,
//! column, the dotted key, what is wrong, what is allowed and a "did you mean"; serde
//! stops at the first error and loses the spans of the values it accepted. So the file
//! is parsed once into spanned values (`toml::de::DeTable`), and each layer below reads
//! what it needs and records located problems as it goes:
//!
//! - [`source`]: reading a file with size guards, and locating invalid UTF-8;
//! - [`diagnostics`]: located problems and how they are shown;
//! - [`toml`]: the spanned-value reader (tables that report unknown keys, exact numbers);
//! - [`distribution`]: the distribution grammar;
//! - [`scenario`]: the scenario itself (threshold, drivers, bottlenecks);
//! - [`correlations`]: rank correlations into a copula.

mod builder;
mod correlations;
mod diagnostics;
mod distribution;
mod evidence;
mod scenario;
mod source;
mod toml;

pub use diagnostics::{Diagnostic, MAX_SHOWN, PriorsError, suggest};
pub use distribution::FAMILIES;
pub use source::{load_model, load_model_with_text, open_to_read, parse_model_bytes};

use crate::model::Model;
use diagnostics::{Collector, syntax_hint};

/// Default start: GPT-4's release (March 2023) as a decimal year.
pub const DEFAULT_START: f64 = 2023.2;
/// Default horizon.
pub const DEFAULT_HORIZON: f64 = 2100.0;
/// Longest run span supported (years): keeps every tally a few megabytes (attribution
/// keeps a 1/20-year grid per combination of bottlenecks).
pub const MAX_SPAN_YEARS: f64 = 1_000.0;
/// Shortest run span supported (years): a day, so that `start` and `horizon` differ
/// as every output prints them (years to 6 decimals).
pub const MIN_SPAN_YEARS: f64 = 1.0 / 365.0;
/// Priors files larger than this are refused before parsing.
pub const MAX_FILE_BYTES: usize = 1 << 20;

/// Parse and validate priors text. `file` is only used in messages.
pub fn parse_model(file: &str, text: &str) -> Result<Model, PriorsError> {
    let mut cx = Collector::new(text);
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
    let model = match ::toml::de::DeTable::parse(text) {
        Ok(doc) => scenario::build_model(&mut cx, file, doc.get_ref(), doc.span()),
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
        assert_eq!(m[m.threshold()].dist.fixed_value(), Some(5.0));
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
            "start = -0\nhorizon = 40\nthreshold = 99999999999999999999\n[drivers.c]\nrate = 1\n",
        )
        .unwrap();
        assert!(m.start == 0.0 && m.start.is_sign_positive());
        assert_eq!(m[m.threshold()].dist.fixed_value(), Some(1e20));
        let big = format!("threshold = 1{}\n[drivers.c]\nrate = 1\n", "0".repeat(399));
        let d = errors(&big);
        assert_eq!(d[0].key, "threshold");
        assert!(
            d[0].message.contains("too large for a 64-bit float"),
            "{d:?}"
        );
        let m = parse_model("t.toml", "threshold = 0x10\n[drivers.c]\nrate = 0o7\n").unwrap();
        assert_eq!(m[m.threshold()].dist.fixed_value(), Some(16.0));
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

    /// Many problems: the first MAX_SHOWN in file order, each located as a naive
    /// count of newlines and characters would, and a count of the rest.
    #[test]
    fn many_problems_show_the_first_ones_located_and_count_the_rest() {
        let mut text = String::from("threshold = 5\r\n# \u{e9}\u{e9}\n[drivers.c]\nrate = 1\n");
        for i in 0..200 {
            // keys after multibyte characters, on lines of varying length
            text.push_str(&format!("{}k{i} = 1 # \u{e9}\n", "  ".repeat(i % 3)));
        }
        let e = parse_model("t.toml", &text).unwrap_err();
        assert_eq!(e.diagnostics.len(), diagnostics::MAX_SHOWN);
        assert_eq!(e.more, 200 - diagnostics::MAX_SHOWN);
        for (i, d) in e.diagnostics.iter().enumerate() {
            assert_eq!(d.key, format!("drivers.c.k{i}"));
            let at = text.find(&format!("k{i} =")).unwrap();
            let line = text[..at].matches('\n').count() + 1;
            let line_start = text[..at].rfind('\n').map_or(0, |p| p + 1);
            let column = text[line_start..at].chars().count() + 1;
            assert_eq!((d.line, d.column), (line, column), "{d:?}");
        }
        let shown = e.to_string();
        assert!(
            shown.ends_with(
                "t.toml: ... and 150 more problems (the first 50 are shown; fix these first)"
            ),
            "{shown}"
        );
        assert_eq!(shown.lines().count(), 3 * diagnostics::MAX_SHOWN + 1);
    }

    /// A name of a hundred thousand characters is not echoed whole.
    #[test]
    fn a_huge_name_is_shown_elided() {
        let name = "x".repeat(100_000);
        let e = parse_model(
            "t.toml",
            &format!("threshold = 5\n[drivers.c]\nrate = 1\n{name} = 1\n"),
        )
        .unwrap_err();
        let shown = e.to_string();
        assert!(shown.len() < 3_000, "{} bytes", shown.len());
        assert!(
            shown.contains("allowed keys: rate, cap, after_cap"),
            "{shown}"
        );
    }

    #[test]
    fn syntax_error_is_located() {
        let d = errors("threshold = 5\n[drivers.c\nrate = 1\n");
        assert_eq!(d[0].line, 2);
        assert!(d[0].message.contains("TOML syntax error"));
    }
}
