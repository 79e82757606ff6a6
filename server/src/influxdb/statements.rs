//! The InfluxQL statements the subscription service sends, printed as
//! InfluxQL's own printer prints them (identifiers quoted only when needed,
//! destinations single-quoted): api.md §4.2.

use runtime::influxdb::{quote_ident, quote_string};

pub const SHOW_DATABASES: &str = "SHOW DATABASES";
pub const SHOW_SUBSCRIPTIONS: &str = "SHOW SUBSCRIPTIONS";

pub fn show_retention_policies(db: &str) -> String {
    format!("SHOW RETENTION POLICIES ON {}", quote_ident(db))
}

pub fn create_subscription(
    name: &str,
    db: &str,
    rp: &str,
    mode: &str,
    destinations: &[String],
) -> String {
    let dests: Vec<String> = destinations.iter().map(|d| quote_string(d)).collect();
    format!(
        "CREATE SUBSCRIPTION {} ON {}.{} DESTINATIONS {} {}",
        quote_ident(name),
        quote_ident(db),
        quote_ident(rp),
        mode.to_ascii_uppercase(),
        dests.join(", ")
    )
}

pub fn drop_subscription(name: &str, db: &str, rp: &str) -> String {
    format!(
        "DROP SUBSCRIPTION {} ON {}.{}",
        quote_ident(name),
        quote_ident(db),
        quote_ident(rp)
    )
}

/// `CREATE DATABASE <db>` (+ ` WITH NAME <rp>`), influxDBOut's `.create()`.
pub fn create_database(db: &str, rp: &str) -> String {
    if rp.is_empty() {
        format!("CREATE DATABASE {}", quote_ident(db))
    } else {
        format!(
            "CREATE DATABASE {} WITH NAME {}",
            quote_ident(db),
            quote_ident(rp)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_print_as_influxql_does() {
        // api.md §4.2's example, with a shortened id.
        assert_eq!(
            create_subscription(
                "kapacitor-2e1c",
                "telegraf",
                "autogen",
                "any",
                &["http://localhost:9092".to_string()]
            ),
            "CREATE SUBSCRIPTION \"kapacitor-2e1c\" ON telegraf.autogen DESTINATIONS ANY 'http://localhost:9092'"
        );
        assert_eq!(
            drop_subscription("kapacitor-2e1c", "my db", "autogen"),
            "DROP SUBSCRIPTION \"kapacitor-2e1c\" ON \"my db\".autogen"
        );
        assert_eq!(
            show_retention_policies("kapacitor_example"),
            "SHOW RETENTION POLICIES ON kapacitor_example"
        );
        assert_eq!(create_database("out", ""), "CREATE DATABASE out");
        assert_eq!(
            create_database("out", "week"),
            "CREATE DATABASE out WITH NAME week"
        );
    }
}
