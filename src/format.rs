//! Numbers as every output prints them: plain ASCII, `.` decimals, no thousands
//! separators and no exponents, so a spreadsheet in any locale reads them alike.

/// A year to at most 6 decimals, without trailing zeros (`2023.2`, `2024.083333`).
pub fn fmt_year(x: f64) -> String {
    trim_decimals(format!("{x:.6}"))
}

fn trim_decimals(s: String) -> String {
    if s.contains('.') {
        let t = s.trim_end_matches('0').trim_end_matches('.');
        if t == "-0" { "0".into() } else { t.to_string() }
    } else {
        s
    }
}

/// `x` to `decimals` decimals, never `-0.00`: a value that rounds to zero prints
/// unsigned (`-0.00004` to 4 decimals is `0.0000`).
pub fn fmt_fixed(x: f64, decimals: usize) -> String {
    let s = format!("{x:.decimals$}");
    match s.strip_prefix('-') {
        Some(rest) if rest.bytes().all(|b| b == b'0' || b == b'.') => rest.to_string(),
        _ => s,
    }
}

/// A number to `sig` significant digits, never in exponent form.
pub fn fmt_sig(x: f64, sig: i32) -> String {
    if x == 0.0 || !x.is_finite() {
        return "0".into();
    }
    let mag = x.abs().log10().floor() as i32;
    let decimals = (sig - 1 - mag).clamp(0, 17) as usize;
    trim_decimals(format!("{x:.decimals$}"))
}

/// A probability exactly as a ratio of counts, shortest round-trip form.
pub fn fmt_prob(count: u64, total: u64) -> String {
    if total == 0 {
        return "0".into();
    }
    let p = count as f64 / total as f64;
    format!("{p}")
}

/// A year estimate to two decimals, or `>H` (the horizon) when it lies beyond it.
pub fn fmt_year_or_beyond(x: Option<f64>, horizon: f64) -> String {
    match x {
        Some(y) => fmt_fixed(y, 2),
        None => format!(">{}", fmt_year(horizon)),
    }
}

/// A probability to four decimals, or nothing when it was not observed.
pub fn fmt_opt_prob(x: Option<f64>) -> String {
    x.map_or(String::new(), |p| format!("{p:.4}"))
}

/// A count for people: `1234567` -> `1,234,567`.
pub fn fmt_count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_format_for_spreadsheets() {
        assert_eq!(fmt_year(2023.2), "2023.2");
        assert_eq!(fmt_year(2024.0), "2024");
        assert_eq!(fmt_year(2024.0 + 1.0 / 12.0), "2024.083333");
        assert_eq!(fmt_sig(0.000123456, 3), "0.000123");
        assert_eq!(fmt_sig(12.3456, 3), "12.3");
        assert_eq!(fmt_prob(1, 10_000_000), "0.0000001");
        assert_eq!(fmt_prob(3, 3), "1");
        assert_eq!(fmt_count(1_234_567), "1,234,567");
        assert_eq!(fmt_year_or_beyond(None, 2100.0), ">2100");
        assert_eq!(fmt_year_or_beyond(Some(-0.001), 2100.0), "0.00");
        assert_eq!(fmt_fixed(-0.00004, 4), "0.0000");
        assert_eq!(fmt_fixed(-0.0, 2), "0.00");
        assert_eq!(fmt_fixed(-0.00005, 4), "-0.0001");
        assert_eq!(fmt_fixed(-12.5, 1), "-12.5");
    }
}
