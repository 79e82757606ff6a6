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
    LeadingUnderscore = "E0005": "an identifier that starts with `_`";
    OperatorInOperandPosition = "E0006": "an operator where a value is expected (e.g. `=` or `<` in operand position)";
    LambdaSpace = "E0007": "`lambda :` written with a space before the colon";
    // Syntax
    UnexpectedToken = "E0101": "a token the grammar does not allow here";
    UnexpectedEof = "E0102": "the script ends in the middle of a statement";
    UnclosedDelimiter = "E0103": "a `(` or `[` that is never closed";
    MissingCallParens = "E0104": "a chain call (`|name`, `@name`) written without parentheses";
    MultiUnitDuration = "E0105": "two duration literals in a row, such as `1h30m`";
    TooDeep = "E0106": "an expression nested more deeply than the front end accepts (256 levels)";
    // Names and scopes
    UndefinedName = "E0201": "a name that is not in scope";
    RedefinedVar = "E0202": "a second `var` of the same name (vars are immutable)";
    InvalidTaskType = "E0203": "the script mixes `stream` and `batch` roots";
    NoTaskType = "E0204": "the script uses neither `stream` nor `batch`";
    UnknownVarType = "E0205": "a typed `var` declaration with an unknown type";
    ReferenceOutsideLambda = "E0206": "a `\"reference\"` used outside a lambda";
    BadVarUse = "E0207": "a variable whose value cannot be used here (e.g. a node inside a lambda)";
    MissingVarValue = "E0208": "a typed `var` the task's vars do not supply";
    DefineTimeCall = "E0209": "a function call outside a lambda that fails when the task is defined, or that tickc does not evaluate at define time";
    // Nodes, chains and properties
    UnknownChainMethod = "E0301": "no such chain method (node) on this node";
    UnknownProperty = "E0302": "no such property on this node or handler";
    WrongOperator = "E0303": "a property called with `|`, a node with `.`, or a UDF without `@`";
    ArgCount = "E0304": "the wrong number of arguments to a node, property or function";
    ArgType = "E0305": "an argument of the wrong type (no implicit conversion)";
    DoubleQuotes = "E0306": "a double-quoted reference where a single-quoted string is expected";
    NotANode = "E0307": "a chain or property call on a value that is not a node";
    UnknownFunction = "E0308": "an unknown global function (only `time` exists outside lambdas)";
    PropertyRead = "E0309": "reading a property that is not set or not readable";
    UnknownUdf = "E0310": "a `@name()` that is not a configured UDF (`[udf.functions.<name>]`)";
    UdfUnavailable = "E0311": "a configured UDF whose agent did not answer its info request";
    // Types and lambdas
    BinaryTypeMismatch = "E0401": "operand types the binary operator does not accept";
    UnaryTypeMismatch = "E0402": "an operand type the unary operator does not accept";
    UndefinedFunction = "E0403": "a call to an unknown lambda function";
    FunctionSignature = "E0404": "a lambda function called with arguments matching none of its signatures";
    PredicateNotBool = "E0405": "a predicate lambda whose type is known and not bool";
    BadLambdaOperand = "E0406": "a value that cannot appear inside a lambda (list, star, node)";
    DivideByZero = "E0407": "an integer division or modulo by a literal zero";
    InvalidRegex = "E0408": "a regex literal that does not compile";
    NestingTooDeep = "E0410": "an expression or chain nested too deeply to check";
    // Pipeline validation
    EdgeMismatch = "E0501": "a child whose wanted edge type differs from its parent's";
    NoEdge = "E0502": "a child of a node that provides no edge";
    InvalidValue = "E0503": "a property value out of its allowed range";
    Conflicting = "E0504": "properties that must not be set together";
    MissingRequired = "E0505": "a required property or argument that is not set";
    CountMismatch = "E0506": "lists that must have the same length (e.g. lambdas and `.as` names)";
    InvalidName = "E0507": "an empty, duplicate or otherwise invalid name";
    // Lints
    QuotesPitfall = "W0101": "a reference compared to a double-quoted \"value\": both sides are fields";
    UnusedVar = "W0102": "a `var` that is never used";
    AlertNoHandler = "W0103": "an alert with no handler and no topic: no one is notified of its events";
    WindowGaps = "W0104": "a window whose `every` is larger than its `period`: points are skipped";
    StateChangesNoLevels = "W0105": "`stateChangesOnly` on an alert without any level expression";
    GroupByAfterWindow = "W0106": "`|groupBy` after `|window` in a stream task: group before windowing";
    ConstantPredicate = "W0107": "a predicate that is always true or always false";
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
