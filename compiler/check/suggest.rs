//! "Did you mean" suggestions for misspelled names (Jaro-Winkler via `strsim`).

/// The closest candidate to `name`, if it is close enough to be a likely typo.
pub(crate) fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let lower = name.to_ascii_lowercase();
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| {
            // Case-insensitive equality is the strongest signal (`influxdbOut`).
            let score = if c.to_ascii_lowercase() == lower {
                2.0
            } else {
                strsim::jaro_winkler(&lower, &c.to_ascii_lowercase())
            };
            (c, score)
        })
        .filter(|(_, s)| *s >= 0.85)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(c, _)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let names = ["from", "window", "measurement", "alert"];
        assert_eq!(did_you_mean("fromm", names), Some("from"));
        assert_eq!(did_you_mean("measurment", names), Some("measurement"));
        assert_eq!(did_you_mean("xyz", names), None);
    }
}
