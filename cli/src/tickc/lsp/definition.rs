//! Vars: go to definition, find references, rename. Vars are immutable and
//! global to the script (§2.2), so a name means the same var everywhere,
//! inside lambdas too.

use super::context::{self, Tok};
use compiler::lexer::Token;
use compiler::span::Span;

/// The var under the cursor: its name, its declaration's name span, and the
/// spans of every use (in source order).
pub struct VarOccurrences {
    pub name: String,
    pub declaration: Span,
    pub uses: Vec<Span>,
}

pub fn var_at(source: &str, offset: usize) -> Option<VarOccurrences> {
    let toks = context::tokens(source);
    let at = context::ident_at(&toks, offset)?;
    let name = context::ident_text(&toks, at)?;
    let decls = context::var_decls(&toks);
    let &(_, decl) = decls.iter().find(|(n, _)| *n == name)?;
    if at != decl && !context::is_var_use(&toks, at) {
        return None;
    }
    Some(VarOccurrences {
        name: name.to_string(),
        declaration: span(&toks[decl]),
        uses: (0..toks.len())
            .filter(|&i| i != decl)
            .filter(|&i| matches!(toks[i].token, Token::Ident(n) if n == name))
            .filter(|&i| context::is_var_use(&toks, i))
            .map(|i| span(&toks[i]))
            .collect(),
    })
}

fn span(t: &Tok<'_>) -> Span {
    Span::new(t.start, t.end)
}

/// Why a rename is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenameError {
    NotAVar,
    InvalidName(String),
    Taken(String),
}

impl std::fmt::Display for RenameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RenameError::NotAVar => f.write_str("there is no var at the cursor"),
            RenameError::InvalidName(n) => write!(f, "{n:?} is not a valid var name"),
            RenameError::Taken(n) => write!(f, "a var named {n:?} already exists"),
        }
    }
}

/// The spans to replace with `new_name` (declaration first).
pub fn rename(source: &str, offset: usize, new_name: &str) -> Result<Vec<Span>, RenameError> {
    let occ = var_at(source, offset).ok_or(RenameError::NotAVar)?;
    // The lexer decides what an identifier is: exactly one plain identifier
    // token that is not a keyword or a root name.
    let toks = context::tokens(new_name);
    let valid = toks.len() == 1
        && toks[0].start == 0
        && toks[0].end == new_name.len()
        && matches!(toks[0].token, Token::Ident(n) if !matches!(n, "stream" | "batch" | "lambda"));
    if !valid {
        return Err(RenameError::InvalidName(new_name.to_string()));
    }
    if new_name != occ.name
        && context::var_decls(&context::tokens(source))
            .iter()
            .any(|(n, _)| *n == new_name)
    {
        return Err(RenameError::Taken(new_name.to_string()));
    }
    let mut spans = vec![occ.declaration];
    spans.extend(occ.uses);
    Ok(spans)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = "var period = 5m\nvar crit = 90\nstream\n    |from()\n    |window()\n        .period(period)\n    |alert()\n        .crit(lambda: \"usage\" > crit)\n";

    #[test]
    fn finds_uses_but_not_the_property() {
        // Cursor on the use inside `.period(period)` (line 6).
        let at = SRC.find("(period)").unwrap() + 2;
        let occ = var_at(SRC, at).unwrap();
        assert_eq!(occ.name, "period");
        assert_eq!(occ.declaration, Span::new(4, 10));
        assert_eq!(occ.uses, [Span::new(at - 1, at + 5)]);
        // On the `.period` property name: not a var.
        assert!(var_at(SRC, SRC.find(".period").unwrap() + 2).is_none());
        // Inside a lambda.
        let at = SRC.rfind("crit)").unwrap();
        assert_eq!(var_at(SRC, at).unwrap().declaration, Span::new(20, 24));
    }

    #[test]
    fn rename_checks_the_name() {
        assert_eq!(
            rename(SRC, 5, "1x"),
            Err(RenameError::InvalidName("1x".into()))
        );
        assert_eq!(
            rename(SRC, 5, "crit"),
            Err(RenameError::Taken("crit".into()))
        );
        assert_eq!(rename(SRC, 5, "p").unwrap().len(), 2);
    }
}
