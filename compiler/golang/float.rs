//! Floats as Go prints them.

/// Go's `strconv.FormatFloat(f, 'f', -1, 64)`: the shortest digits that
/// read back to the same float, never an exponent; `NaN`, `+Inf`, `-Inf`.
/// Kapacitor's `string(float)` and the InfluxQL text of float values.
pub fn format_float(f: f64) -> String {
    if f.is_nan() {
        "NaN".to_string()
    } else if f == f64::INFINITY {
        "+Inf".to_string()
    } else if f == f64::NEG_INFINITY {
        "-Inf".to_string()
    } else {
        // Rust's `Display` for f64 is exactly this: shortest round trip, no exponent.
        format!("{f}")
    }
}

/// The float of a Kapacitor error message: shortest digits, exponent form
/// (`1e-05`, `1e+21`, two exponent digits at least) when the decimal
/// exponent is below -4 or at least 21, plain digits otherwise.
pub fn format_float_v(f: f64) -> String {
    if !f.is_finite() || f == 0.0 {
        return format_float(f);
    }
    let sci = format!("{f:e}"); // e.g. "1.5e-7"
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-4..21).contains(&exp) {
        format_float(f)
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mant}e{sign}{:02}", exp.abs())
    }
}

/// A float as a TICKscript literal that lexes back to the same value:
/// TICKscript has no exponent syntax, so the `'f'` digits, with `.0` added
/// to whole numbers so the literal stays a float.
pub fn float_literal(f: f64) -> String {
    let s = format_float(f);
    if s.contains('.') || !f.is_finite() {
        s
    } else {
        format!("{s}.0")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `strconv.FormatFloat(x, 'f', -1, 64)` as Go documents it: shortest
    /// round-trip digits, no exponent however large or small.
    #[test]
    fn go_format_f() {
        assert_eq!(format_float(1.5), "1.5");
        assert_eq!(format_float(3.0), "3");
        assert_eq!(format_float(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(format_float(1e21), "1000000000000000000000");
        assert_eq!(format_float(1e-7), "0.0000001");
        assert_eq!(format_float(-0.0), "-0");
        assert_eq!(format_float(f64::NAN), "NaN");
        assert_eq!(format_float(f64::INFINITY), "+Inf");
        assert_eq!(format_float(f64::NEG_INFINITY), "-Inf");
    }

    #[test]
    fn exponent_form() {
        assert_eq!(format_float_v(1e-5), "1e-05");
        assert_eq!(format_float_v(1.5e-7), "1.5e-07");
        assert_eq!(format_float_v(123.5), "123.5");
        assert_eq!(format_float_v(1e21), "1e+21");
        assert_eq!(format_float_v(0.0001), "0.0001");
    }

    #[test]
    fn literals_stay_floats() {
        assert_eq!(float_literal(3.0), "3.0");
        assert_eq!(float_literal(-2.5), "-2.5");
        assert_eq!(float_literal(1e21), "1000000000000000000000.0");
        assert_eq!(float_literal(1e-7), "0.0000001");
    }
}
