//! The pipeline as a picture: our DOT (the plain graph of `tickc dot`, or the
//! executing graph with stats of `tickc run --stats`, api.md §5.5) laid out
//! with `layout-rs` and drawn as SVG, so nobody needs Graphviz to see a task.
//!
//! The picture is drawn from the DOT text itself rather than from the task,
//! so its numbers are the ones `--stats` prints by construction: each node
//! is a box labelled with its name (as in the DOT), each edge an arrow
//! labelled with its `processed` count when the DOT has one.
//!
//! Drawing is `canvas.rs`. Each node's `<g>` carries `class="node" data-node="NAME"` and each edge's
//! `class="edge" data-from="A" data-to="B"` (and `data-processed="N"`), so
//! tests and style sheets can find them.

mod canvas;

use canvas::Canvas;
use layout::core::base::Orientation;
use layout::core::geometry::Point;
use layout::core::style::StyleAttr;
use layout::std_shapes::shapes::{Arrow, Element, ShapeKind};
use layout::topo::layout::VisualGraph;
use std::fmt;

/// A graph read from our DOT.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Picture {
    /// Node names in order of first appearance.
    pub nodes: Vec<String>,
    pub edges: Vec<Link>,
}

/// One edge: node indexes, and the messages that crossed it (stats DOT only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub from: usize,
    pub to: usize,
    pub processed: Option<u64>,
}

/// A line of DOT this reader does not understand (it reads only what
/// `compiler::ir::dot` and `Task::dot_with_stats` write).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DotError {
    /// 1-based line number.
    pub line: usize,
    pub text: String,
    pub reason: &'static str,
}

impl fmt::Display for DotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "DOT line {}: {}: {:?}",
            self.line, self.reason, self.text
        )
    }
}

impl std::error::Error for DotError {}

/// The point size of labels; `layout-rs` sizes boxes from it.
const FONT_SIZE: usize = 14;

impl Picture {
    /// Read `digraph NAME {`, `a -> b;`, `a -> b [processed="N"];`,
    /// `name [k="v" ...];` and `graph [...];` lines.
    pub fn from_dot(dot: &str) -> Result<Picture, DotError> {
        let mut p = Picture::default();
        for (i, raw) in dot.lines().enumerate() {
            let line = raw.trim();
            let err = |reason| DotError {
                line: i + 1,
                text: raw.to_string(),
                reason,
            };
            if line.is_empty() || line == "}" || line.starts_with("digraph ") {
                continue;
            }
            let body = line
                .strip_suffix(';')
                .ok_or_else(|| err("expected a statement ending in `;`"))?;
            let (head, attrs) = match body.split_once(" [") {
                Some((h, a)) => (
                    h.trim(),
                    Some(a.strip_suffix(']').ok_or_else(|| err("unclosed `[`"))?),
                ),
                None => (body.trim(), None),
            };
            if head == "graph" {
                continue;
            }
            match head.split_once(" -> ") {
                Some((a, b)) => {
                    let processed = match attrs.and_then(|a| attr(a, "processed")) {
                        Some(v) => Some(v.parse().map_err(|_| err("`processed` is not a count"))?),
                        None => None,
                    };
                    let from = p.node(a.trim());
                    let to = p.node(b.trim());
                    p.edges.push(Link {
                        from,
                        to,
                        processed,
                    });
                }
                None if is_name(head) => {
                    p.node(head);
                }
                None => return Err(err("expected a node name or `a -> b`")),
            }
        }
        Ok(p)
    }

    fn node(&mut self, name: &str) -> usize {
        match self.nodes.iter().position(|n| n == name) {
            Some(i) => i,
            None => {
                self.nodes.push(name.to_string());
                self.nodes.len() - 1
            }
        }
    }

    /// Lay the graph out top to bottom (Kapacitor's DOT direction) and draw it.
    pub fn to_svg(&self) -> String {
        let mut canvas = Canvas::new(FONT_SIZE);
        // layout-rs cannot rank an empty graph (the DOT of a bare `stream`
        // has no edge, so no node): an empty picture is drawn directly.
        if self.nodes.is_empty() {
            return canvas.finish();
        }
        let dir = Orientation::TopToBottom;
        let mut vg = VisualGraph::new(dir);
        let look = StyleAttr {
            font_size: FONT_SIZE,
            ..StyleAttr::simple()
        };
        let handles: Vec<_> = self
            .nodes
            .iter()
            .map(|name| {
                let shape = ShapeKind::new_box(name);
                vg.add_node(Element::create_with_properties(
                    shape,
                    look.clone(),
                    dir,
                    box_size(name),
                    format!("class=\"node\" data-node=\"{}\"", xml_attr(name)),
                ))
            })
            .collect();
        for e in &self.edges {
            let label = e.processed.map(|n| n.to_string()).unwrap_or_default();
            let mut props = format!(
                "class=\"edge\" data-from=\"{}\" data-to=\"{}\"",
                xml_attr(&self.nodes[e.from]),
                xml_attr(&self.nodes[e.to])
            );
            if let Some(n) = e.processed {
                props.push_str(&format!(" data-processed=\"{n}\""));
            }
            let mut arrow = Arrow::simple_with_properties(&label, props);
            arrow.look.font_size = FONT_SIZE;
            vg.add_edge(arrow, handles[e.from], handles[e.to]);
        }
        vg.do_it(false, false, false, &mut canvas);
        canvas.finish()
    }
}

/// A box that fits `label` in the canvas's font with some air around it.
fn box_size(label: &str) -> Point {
    let chars = label.chars().count() as f64;
    Point::new(
        chars * FONT_SIZE as f64 * canvas::GLYPH_WIDTH + 24.0,
        FONT_SIZE as f64 + 16.0,
    )
}

/// The value of `key="value"` in a DOT attribute list.
fn attr<'a>(attrs: &'a str, key: &str) -> Option<&'a str> {
    let start = attrs.find(&format!("{key}=\""))? + key.len() + 2;
    let len = attrs[start..].find('"')?;
    Some(&attrs[start..start + len])
}

fn is_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// `s` escaped for a double-quoted XML attribute.
fn xml_attr(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_dot_gives_nodes_in_order_and_unlabelled_edges() {
        let p = Picture::from_dot("digraph t {\nstream0 -> from1;\nfrom1 -> alert2;\n}").unwrap();
        assert_eq!(p.nodes, ["stream0", "from1", "alert2"]);
        assert_eq!(
            p.edges,
            [
                Link {
                    from: 0,
                    to: 1,
                    processed: None
                },
                Link {
                    from: 1,
                    to: 2,
                    processed: None
                }
            ]
        );
    }

    #[test]
    fn stats_dot_gives_counts_and_lone_nodes() {
        let dot = "digraph t {\ngraph [throughput=\"0.00 batches/s\"];\n\nquery1 [avg_exec_time_ns=\"0s\" errors=\"0\" ];\nquery1 -> log2 [processed=\"3\"];\n\nlog2 [errors=\"0\" ];\n\nhttp_out3 [errors=\"0\" ];\n}";
        let p = Picture::from_dot(dot).unwrap();
        assert_eq!(p.nodes, ["query1", "log2", "http_out3"]);
        assert_eq!(p.edges[0].processed, Some(3));
    }

    #[test]
    fn empty_and_edgeless_graphs_are_drawn() {
        let empty = Picture::from_dot("digraph t {\n}").unwrap();
        assert!(empty.nodes.is_empty());
        assert!(!empty.to_svg().contains("class=\"node\""));
        let lone = Picture::from_dot("digraph t {\nquery1 [errors=\"0\" ];\n}").unwrap();
        let svg = lone.to_svg();
        assert_eq!(svg.matches("class=\"node\"").count(), 1);
        assert!(!svg.contains("class=\"edge\""));
    }

    #[test]
    fn other_dot_is_a_typed_error() {
        let e = Picture::from_dot("digraph t {\na -> b\n}").unwrap_err();
        assert_eq!(e.line, 2);
        assert_eq!(
            e.to_string(),
            "DOT line 2: expected a statement ending in `;`: \"a -> b\""
        );
        let e = Picture::from_dot("a -> b [processed=\"x\"];").unwrap_err();
        assert_eq!(e.reason, "`processed` is not a count");
    }
}
