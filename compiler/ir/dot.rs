//! The non-executing DOT form of a pipeline (api.md §5.5): `digraph <name> {`,
//! then for each node in Kapacitor's walk order (`Pipeline::walk_order`, a
//! topological order; the same as id order for a pipeline without branches)
//! one `parent -> child;` line per child in creation order, then `}` with no
//! trailing newline.

use super::Pipeline;

pub fn render(name: &str, p: &Pipeline) -> String {
    let mut out = format!("digraph {name} {{\n");
    for id in p.walk_order() {
        let n = &p.nodes[id as usize];
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
