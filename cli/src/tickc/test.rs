//! `tickc test DIR...`: run spec cases (see `crate::spec`) and compare with
//! their expected output, printing a line diff on a mismatch. `BLESS=1`
//! rewrites the expected files instead (check them by hand afterwards).

use super::{EXIT_ERRORS, EXIT_OK, EXIT_USAGE};
use crate::spec::{find_cases, run_case, Outcome};
use std::path::Path;

pub fn run(dirs: &[String]) -> u8 {
    let bless = std::env::var_os("BLESS").is_some_and(|v| v == "1");
    let mut cases = Vec::new();
    for d in dirs {
        let found = find_cases(Path::new(d));
        if found.is_empty() {
            eprintln!("error: {d}: no spec case (a directory with task.tick) found");
            return EXIT_USAGE;
        }
        cases.extend(found);
    }
    let mut failed = 0;
    for c in &cases {
        match run_case(c, bless) {
            Outcome::Pass => println!("ok   {}", c.display()),
            Outcome::Fail(d) => {
                failed += 1;
                println!("FAIL {}\n{d}", c.display());
            }
        }
    }
    println!("{} passed, {failed} failed", cases.len() - failed);
    if failed > 0 {
        EXIT_ERRORS
    } else {
        EXIT_OK
    }
}
