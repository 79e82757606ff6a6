//! html/template's contextual escaping, for the subset of HTML that alert
//! details (emails, HTML handlers) use: text, RCDATA (`<title>`,
//! `<textarea>`), quoted and unquoted attribute values, URL attributes (the
//! start, path and query parts escape differently), `on*`/`<script>` (JS
//! values), `style`/`<style>` (CSS filter), and comments, which html/template
//! strips from the output together with any action inside them.
//!
//! The pass runs once at parse time: it follows the HTML state through text
//! nodes and records on every action the escaper of its context. Branches of
//! `if`/`with` must end in the same context, as Go requires.

use super::json;
use super::parse::{Branch, Node};
use super::value::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Escaper {
    /// Plain text mode (text/template): no escaping.
    #[default]
    None,
    /// HTML text or RCDATA.
    Text,
    Attr {
        quoted: bool,
    },
    Url {
        part: UrlPart,
        quoted: bool,
    },
    Js {
        in_attr: bool,
        quoted: bool,
    },
    Css {
        in_attr: bool,
        quoted: bool,
    },
    /// Inside an HTML comment: the action's output is dropped.
    Drop,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlPart {
    Start,
    Path,
    Query,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Elem {
    Other,
    Script,
    Style,
    Textarea,
    Title,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Plain,
    Url,
    Js,
    Css,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Text,
    /// Inside a start or end tag, between attributes.
    Tag(Elem),
    AfterName(Elem, Kind),
    BeforeValue(Elem, Kind),
    /// `quote` is 0 for an unquoted value.
    Value(Elem, Kind, u8, UrlPart),
    Comment,
    Raw(Elem),
}

fn elem_of(name: &str) -> Elem {
    match name.to_ascii_lowercase().as_str() {
        "script" => Elem::Script,
        "style" => Elem::Style,
        "textarea" => Elem::Textarea,
        "title" => Elem::Title,
        _ => Elem::Other,
    }
}

fn raw_name(e: Elem) -> &'static str {
    match e {
        Elem::Script => "script",
        Elem::Style => "style",
        Elem::Textarea => "textarea",
        Elem::Title => "title",
        Elem::Other => "",
    }
}

fn kind_of(attr: &str) -> Kind {
    let a = attr.to_ascii_lowercase();
    let a = a.rsplit(':').next().unwrap_or(&a).to_string();
    if a.starts_with("on") {
        return Kind::Js;
    }
    if a == "style" {
        return Kind::Css;
    }
    const URL_ATTRS: &[&str] = &[
        "action",
        "archive",
        "background",
        "cite",
        "classid",
        "codebase",
        "data",
        "formaction",
        "href",
        "icon",
        "longdesc",
        "manifest",
        "poster",
        "profile",
        "src",
        "usemap",
        "xmlns",
    ];
    if URL_ATTRS.contains(&a.as_str()) || a.contains("url") || a.contains("uri") {
        Kind::Url
    } else {
        Kind::Plain
    }
}

fn after_tag_close(e: Elem) -> State {
    match e {
        Elem::Other => State::Text,
        raw => State::Raw(raw),
    }
}

/// Advances the state over literal text; returns the text to output
/// (comments removed).
fn scan(mut st: State, text: &str) -> (State, String) {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut keep_from = 0;
    while i < b.len() {
        let c = b[i];
        match st {
            State::Text => {
                if c == b'<' {
                    if text[i..].starts_with("<!--") {
                        out.push_str(&text[keep_from..i]);
                        st = State::Comment;
                        i += 4;
                        continue;
                    }
                    let (end, name) = if b.get(i + 1) == Some(&b'/') {
                        (i + 2, true)
                    } else {
                        (i + 1, false)
                    };
                    if b.get(end).is_some_and(|c| c.is_ascii_alphabetic()) {
                        let mut j = end;
                        while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'-') {
                            j += 1;
                        }
                        st = State::Tag(if name {
                            Elem::Other
                        } else {
                            elem_of(&text[end..j])
                        });
                        i = j;
                        continue;
                    }
                }
                i += 1;
            }
            State::Comment => {
                // Bytes, not `str` slices: `i` walks byte by byte through multi-byte text.
                if b[i..].starts_with(b"-->") {
                    i += 3;
                    keep_from = i;
                    st = State::Text;
                } else {
                    i += 1;
                }
            }
            State::Raw(e) => {
                let close = format!("</{}", raw_name(e));
                if b.len() - i >= close.len()
                    && b[i..i + close.len()].eq_ignore_ascii_case(close.as_bytes())
                {
                    st = State::Tag(Elem::Other);
                    i += close.len();
                } else {
                    i += 1;
                }
            }
            State::Tag(e) => {
                if c == b'>' {
                    st = after_tag_close(e);
                    i += 1;
                } else if c.is_ascii_whitespace() || c == b'/' {
                    i += 1;
                } else {
                    let mut j = i;
                    while j < b.len()
                        && !b[j].is_ascii_whitespace()
                        && !matches!(b[j], b'=' | b'>' | b'/')
                    {
                        j += 1;
                    }
                    st = State::AfterName(e, kind_of(&text[i..j]));
                    i = j;
                }
            }
            State::AfterName(e, k) => {
                if c.is_ascii_whitespace() {
                    i += 1;
                } else if c == b'=' {
                    st = State::BeforeValue(e, k);
                    i += 1;
                } else {
                    st = State::Tag(e);
                }
            }
            State::BeforeValue(e, k) => {
                if c.is_ascii_whitespace() {
                    i += 1;
                } else if c == b'"' || c == b'\'' {
                    st = State::Value(e, k, c, UrlPart::Start);
                    i += 1;
                } else if c == b'>' {
                    st = after_tag_close(e);
                    i += 1;
                } else {
                    st = State::Value(e, k, 0, UrlPart::Start);
                }
            }
            State::Value(e, k, q, part) => {
                if (q != 0 && c == q) || (q == 0 && c.is_ascii_whitespace()) {
                    st = State::Tag(e);
                    i += 1;
                } else if q == 0 && c == b'>' {
                    st = State::Tag(e);
                } else {
                    let part = match (part, c) {
                        (_, b'?' | b'#') => UrlPart::Query,
                        (UrlPart::Start, _) => UrlPart::Path,
                        (p, _) => p,
                    };
                    st = State::Value(e, k, q, part);
                    i += 1;
                }
            }
        }
    }
    if st != State::Comment {
        out.push_str(&text[keep_from.min(text.len())..]);
    }
    (st, out)
}

fn escaper_for(st: State) -> Escaper {
    match st {
        State::Text | State::Raw(Elem::Textarea | Elem::Title | Elem::Other) => Escaper::Text,
        State::Raw(Elem::Script) => Escaper::Js {
            in_attr: false,
            quoted: false,
        },
        State::Raw(Elem::Style) => Escaper::Css {
            in_attr: false,
            quoted: false,
        },
        State::Comment => Escaper::Drop,
        State::Tag(_) | State::AfterName(..) | State::BeforeValue(..) => {
            Escaper::Attr { quoted: false }
        }
        State::Value(_, k, q, part) => {
            let quoted = q != 0;
            match k {
                Kind::Plain => Escaper::Attr { quoted },
                Kind::Url => Escaper::Url { part, quoted },
                Kind::Js => Escaper::Js {
                    in_attr: true,
                    quoted,
                },
                Kind::Css => Escaper::Css {
                    in_attr: true,
                    quoted,
                },
            }
        }
    }
}

/// After an action in a URL's start, the URL has begun.
fn after_action(st: State) -> State {
    match st {
        State::Value(e, Kind::Url, q, UrlPart::Start) => {
            State::Value(e, Kind::Url, q, UrlPart::Path)
        }
        State::BeforeValue(e, k) => State::Value(e, k, 0, UrlPart::Path),
        s => s,
    }
}

/// Annotates `nodes` in place; returns the end state or an error message.
fn walk(nodes: &mut [Node], mut st: State) -> Result<State, String> {
    for n in nodes.iter_mut() {
        match n {
            Node::Text(t) => {
                let (s2, out) = scan(st, t);
                *t = out;
                st = s2;
            }
            Node::Action(p) => {
                p.esc = escaper_for(st);
                st = after_action(st);
            }
            Node::If(b) | Node::With(b) => st = branch(b, st, false)?,
            Node::Range(b) => st = branch(b, st, true)?,
            Node::Break | Node::Continue => {}
        }
    }
    Ok(st)
}

fn branch(b: &mut Branch, st: State, is_range: bool) -> Result<State, String> {
    let a = walk(&mut b.list, st)?;
    let e = walk(&mut b.else_list, st)?;
    if a != e {
        return Err("branches end in different contexts".into());
    }
    if is_range && a != st {
        return Err("on range loop re-entry: the loop body ends in a different context".into());
    }
    Ok(a)
}

pub fn annotate(nodes: &mut [Node]) -> Result<(), String> {
    walk(nodes, State::Text).map(|_| ())
}

// --- escapers -----------------------------------------------------------------

fn html(out: &mut String, s: &str, nospace: bool) {
    // The default details put a whole JSON document through here once per
    // event: copy runs of bytes that need no escaping at once.
    out.reserve(s.len());
    let mut run = 0;
    for (i, &c) in s.as_bytes().iter().enumerate() {
        let rep = match c {
            b'\0' => "\u{FFFD}",
            b'"' => "&#34;",
            b'\'' => "&#39;",
            b'&' => "&amp;",
            b'+' => "&#43;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'\t' if nospace => "&#9;",
            b'\n' if nospace => "&#10;",
            0x0b if nospace => "&#11;",
            0x0c if nospace => "&#12;",
            b'\r' if nospace => "&#13;",
            b' ' if nospace => "&#32;",
            b'=' if nospace => "&#61;",
            b'`' if nospace => "&#96;",
            _ => continue,
        };
        // `c` is ASCII, so `i` is a char boundary.
        out.push_str(&s[run..i]);
        out.push_str(rep);
        run = i + 1;
    }
    out.push_str(&s[run..]);
}

/// Go's `processURLOnto`: `norm` keeps reserved characters and `%`.
fn url_process(s: &str, norm: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for &c in s.as_bytes() {
        let keep = match c {
            b'!' | b'#' | b'$' | b'&' | b'*' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?'
            | b'@' | b'[' | b']' => norm,
            b'-' | b'.' | b'_' | b'~' => true,
            b'%' => norm,
            c => c.is_ascii_alphanumeric(),
        };
        if keep {
            out.push(c as char);
        } else {
            out.push_str(&format!("%{c:02x}"));
        }
    }
    out
}

/// Go's `urlFilter`: only http, https and mailto schemes pass.
fn url_filter(s: &str) -> &str {
    if let Some(i) = s.find(':') {
        if !s[..i].contains(['/', '?', '#']) {
            let scheme = s[..i].to_ascii_lowercase();
            if !matches!(scheme.as_str(), "http" | "https" | "mailto") {
                return "#ZgotmplZ";
            }
        }
    }
    s
}

fn is_js_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

/// Go's `jsValEscaper`: the value as JSON, padded with spaces when it starts
/// or ends like an identifier or number.
fn js_val(v: &Value) -> String {
    let mut s = String::new();
    if json::encode(&mut s, v).is_err() || matches!(v, Value::NoValue) {
        s = "null".into();
    }
    let s = s
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029");
    let pad =
        s.chars().next().is_some_and(is_js_ident) || s.chars().last().is_some_and(is_js_ident);
    if pad {
        format!(" {s} ")
    } else {
        s
    }
}

/// Go's `cssValueFilter`, simplified: safe characters only.
fn css_filter(s: &str) -> &str {
    if s.chars()
        .all(|c| c.is_alphanumeric() || " #%-.,_!".contains(c))
    {
        s
    } else {
        "ZgotmplZ"
    }
}

/// Writes `printed` (the value as text) escaped for `esc`.
pub fn escape(out: &mut String, esc: Escaper, v: &Value, printed: &str) {
    match esc {
        Escaper::None => out.push_str(printed),
        Escaper::Drop => {}
        Escaper::Text => html(out, printed, false),
        Escaper::Attr { quoted } => html(out, printed, !quoted),
        Escaper::Url { part, quoted } => {
            let s = match part {
                UrlPart::Start => url_process(url_filter(printed), true),
                UrlPart::Path => url_process(printed, true),
                UrlPart::Query => url_process(printed, false),
            };
            html(out, &s, !quoted);
        }
        Escaper::Js { in_attr, quoted } => {
            let s = js_val(v);
            if in_attr {
                html(out, &s, !quoted)
            } else {
                out.push_str(&s.replace("</", "<\\/"))
            }
        }
        Escaper::Css { in_attr, quoted } => {
            let s = css_filter(printed);
            if in_attr {
                html(out, s, !quoted)
            } else {
                out.push_str(s)
            }
        }
    }
}
