//! The non-executing DOT form of a pipeline (api.md §5.5): `digraph <name> {`,
//! one `parent -> child;` line per edge in node order, then `}` with no
//! trailing newline.

use super::Pipeline;

pub fn render(name: &str, p: &Pipeline) -> String {
    let mut out = format!("digraph {name} {{\n");
    for n in &p.nodes {
        for &c in &n.children {
            out.push_str(&n.name);
            out.push_str(" -> ");
            out.push_str(&p.nodes[c as usize].name);
            out.push_str(";\n");
        }
    }
    out.push('}');
    out
}
