//! Entry points shared by the `cargo fuzz` targets in `fuzz/` and by the
//! corpus test `tests/fuzz_corpus.rs`, so both exercise exactly the same code.
//!
//! Each one runs the whole front end on arbitrary bytes and asserts the
//! properties that must hold for every input: no panic anywhere, token spans
//! inside the source on character boundaries, and for every script that
//! parses, a formatted form that parses back to the same AST (modulo spans,
//! parentheses and comments) and formats to itself.

use crate::diagnostic::{render_json, render_text};
use crate::fmt::{format_program, inline, normalize, normalize_program};
use crate::parser::{parse, parse_expression};

/// Lexer + parser + formatter + checker + renderers on one script.
pub fn script(data: &[u8]) {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let lexed = crate::lexer::lex(source);
    for (start, _, end) in &lexed.tokens {
        assert!(
            start <= end && *end <= source.len(),
            "token span {start}..{end} out of range"
        );
        assert!(source.is_char_boundary(*start) && source.is_char_boundary(*end));
    }
    for e in &lexed.errors {
        assert!(e.span.start <= e.span.end && e.span.end as usize <= source.len());
    }

    let (program, diags) = parse(source);
    let _ = render_text("fuzz.tick", source, &diags, false);
    let _ = render_json("fuzz.tick", source, &diags);
    let Some(program) = &program else {
        assert!(
            diags.iter().any(|d| d.is_error()),
            "no program and no error for {source:?}"
        );
        // `check` would stop at the same syntax errors.
        return;
    };
    let once = format_program(program, source);
    let (again, d) = parse(&once);
    let again = again.unwrap_or_else(|| {
        panic!("formatted output does not parse: {d:?}\ninput: {source:?}\noutput: {once:?}")
    });
    assert_eq!(
        normalize_program(program),
        normalize_program(&again),
        "formatting changed the meaning\ninput: {source:?}\noutput: {once:?}"
    );
    assert_eq!(
        format_program(&again, &once),
        once,
        "formatting is not idempotent: {source:?}"
    );

    let (_, diags) = crate::check(source);
    let _ = render_text("fuzz.tick", source, &diags, false);
    let _ = render_json("fuzz.tick", source, &diags);
}

/// Lambda-body parsing, formatting and checking (the `tickc eval` path).
pub fn lambda(data: &[u8]) {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let (expr, diags) = parse_expression(source);
    let _ = render_text("lambda", source, &diags, false);
    if let Some(expr) = &expr {
        let text = inline(expr);
        let (again, d) = parse_expression(&text);
        let again =
            again.unwrap_or_else(|| panic!("{text:?} (from {source:?}) does not parse: {d:?}"));
        assert_eq!(
            normalize(expr),
            normalize(&again),
            "{source:?} formatted as {text:?}"
        );
    }
    let (_, diags) = crate::check_lambda(source);
    let _ = render_text("lambda", source, &diags, false);
}
