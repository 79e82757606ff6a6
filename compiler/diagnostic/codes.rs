//! The one registry of diagnostic codes. A code, once released, is never reused
//! for a different meaning: retire it instead (keep the variant, stop emitting it).
//!
//! Ranges: E00xx lexical, E01xx syntax, E02xx names and scopes, E03xx nodes,
//! chains and properties, E04xx types and lambdas, E05xx pipeline validation,
//! W01xx lints.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! codes {
    ($($name:ident = $code:literal : $summary:literal;)*) => {
        /// A diagnostic code such as `E0102`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code { $($name,)* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$name,)*];

            /// The code as printed, e.g. `"E0102"`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$name => $code,)* }
            }

            /// One line saying what the code is about (used by `tickc explain` and docs).
            pub fn summary(self) -> &'static str {
                match self { $(Code::$name => $summary,)* }
            }

            pub fn from_str_code(s: &str) -> Option<Code> {
                match s { $($code => Some(Code::$name),)* _ => None }
            }
        }
    };
}

codes! {
    // Lexical
    UnexpectedChar = "E0001": "a character that cannot start any token";
    UnterminatedString = "E0002": "a string, reference or regex that is never closed";
    BadNumber = "E0003": "an invalid or out-of-range number (e.g. `09`, overflow)";
    BadDuration = "E0004": "an invalid duration literal";
    // Syntax
    UnexpectedToken = "E0101": "a token the grammar does not allow here";
    UnexpectedEof = "E0102": "the script ends in the middle of a statement";
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Code::from_str_code(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown diagnostic code {s}")))
    }
}
