//! The SVG that `layout-rs` draws into. Its own SVG writer puts each box's
//! label outside the box's group, paints edges over their count labels and
//! sizes the canvas from a guess at text width that clips long labels; this
//! canvas collects the draw calls and writes them in reading order instead:
//! edges first, then nodes (box and label in one group), then the edge
//! labels on a white halo so the line behind them does not strike them out,
//! on a canvas that holds every shape and every label's estimated extent.
//!
//! A node is a rectangle drawn with properties (the `class="node" ...`
//! attributes of `Picture::to_svg`) followed by its label; a label drawn
//! without a rectangle before it is an edge's (a `layout-rs` connector).

use layout::core::format::{ClipHandle, RenderBackend};
use layout::core::geometry::Point;
use layout::core::style::StyleAttr;
use std::fmt::Write;

/// Average glyph width over font size for a sans-serif face: enough to
/// size the canvas so no label is clipped.
pub(super) const GLYPH_WIDTH: f64 = 0.62;
/// Blank space around the drawing.
const MARGIN: f64 = 12.0;

struct Node {
    attrs: String,
    at: Point,
    size: Point,
    label: Option<(Point, String)>,
}

struct Edge {
    attrs: String,
    path: String,
}

struct Label {
    at: Point,
    text: String,
}

#[derive(Default)]
pub struct Canvas {
    nodes: Vec<Node>,
    edges: Vec<Edge>,
    labels: Vec<Label>,
    font_size: usize,
    min: Option<Point>,
    max: Option<Point>,
    /// The last shape was a node still waiting for its label.
    open_node: bool,
}

impl Canvas {
    /// A canvas whose labels are `font_size` px (the size layout-rs sized
    /// the boxes for).
    pub fn new(font_size: usize) -> Canvas {
        Canvas {
            font_size,
            ..Canvas::default()
        }
    }

    fn grow(&mut self, lo: Point, hi: Point) {
        let min = self.min.get_or_insert(lo);
        min.x = min.x.min(lo.x);
        min.y = min.y.min(lo.y);
        let max = self.max.get_or_insert(hi);
        max.x = max.x.max(hi.x);
        max.y = max.y.max(hi.y);
    }

    fn text_extent(&self, at: Point, text: &str) -> (Point, Point) {
        let font = self.font_size.max(1) as f64;
        let half_w = text.chars().count() as f64 * font * GLYPH_WIDTH / 2.0;
        (
            Point::new(at.x - half_w, at.y - font),
            Point::new(at.x + half_w, at.y + font),
        )
    }

    /// The whole document.
    pub fn finish(&self) -> String {
        let min = self.min.unwrap_or(Point::new(0.0, 0.0));
        let max = self.max.unwrap_or(Point::new(0.0, 0.0));
        let (x0, y0) = (min.x - MARGIN, min.y - MARGIN);
        let (w, h) = (max.x - min.x + 2.0 * MARGIN, max.y - min.y + 2.0 * MARGIN);
        let font = self.font_size;
        let mut s = String::new();
        let _ = writeln!(s, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
        let _ = writeln!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0}" height="{h:.0}" viewBox="{x0:.1} {y0:.1} {w:.1} {h:.1}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="{font}">"#
        );
        s.push_str(concat!(
            "<defs><marker id=\"head\" markerWidth=\"10\" markerHeight=\"8\" refX=\"9\" refY=\"4\" ",
            "orient=\"auto\"><path d=\"M0,0 L10,4 L0,8 z\" fill=\"#444\"/></marker></defs>\n",
        ));
        let _ = writeln!(
            s,
            r##"<rect x="{x0:.1}" y="{y0:.1}" width="{w:.1}" height="{h:.1}" fill="white"/>"##
        );
        for e in &self.edges {
            let _ = writeln!(
                s,
                r##"<g {}><path d="{}" fill="none" stroke="#444" stroke-width="1.5" marker-end="url(#head)"/></g>"##,
                e.attrs, e.path
            );
        }
        for n in &self.nodes {
            let _ = write!(
                s,
                r##"<g {}><rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" rx="6" fill="#eef3fb" stroke="#2d5a9b" stroke-width="1.5"/>"##,
                n.attrs, n.at.x, n.at.y, n.size.x, n.size.y
            );
            if let Some((at, text)) = &n.label {
                let _ = write!(
                    s,
                    r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#111">{}</text>"##,
                    at.x,
                    baseline(at.y, font),
                    xml_text(text)
                );
            }
            s.push_str("</g>\n");
        }
        for l in &self.labels {
            let _ = writeln!(
                s,
                r##"<text class="count" x="{:.1}" y="{:.1}" text-anchor="middle" fill="#7a2e00" stroke="white" stroke-width="4" stroke-linejoin="round" paint-order="stroke">{}</text>"##,
                l.at.x,
                baseline(l.at.y, font),
                xml_text(&l.text)
            );
        }
        s.push_str("</svg>\n");
        s
    }
}

/// The baseline that centres one line of text vertically on `y`
/// (`dominant-baseline` is not honoured by every renderer).
fn baseline(y: f64, font: usize) -> f64 {
    y + font as f64 * 0.35
}

fn xml_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

impl RenderBackend for Canvas {
    fn draw_rect(
        &mut self,
        xy: Point,
        size: Point,
        _look: &StyleAttr,
        properties: Option<String>,
        _clip: Option<ClipHandle>,
    ) {
        self.grow(xy, Point::new(xy.x + size.x, xy.y + size.y));
        self.nodes.push(Node {
            attrs: properties.unwrap_or_default(),
            at: xy,
            size,
            label: None,
        });
        self.open_node = true;
    }

    fn draw_line(
        &mut self,
        start: Point,
        stop: Point,
        _look: &StyleAttr,
        properties: Option<String>,
    ) {
        self.grow(
            Point::new(start.x.min(stop.x), start.y.min(stop.y)),
            Point::new(start.x.max(stop.x), start.y.max(stop.y)),
        );
        self.edges.push(Edge {
            attrs: properties.unwrap_or_default(),
            path: format!(
                "M{:.1},{:.1} L{:.1},{:.1}",
                start.x, start.y, stop.x, stop.y
            ),
        });
    }

    fn draw_circle(
        &mut self,
        xy: Point,
        size: Point,
        look: &StyleAttr,
        properties: Option<String>,
    ) {
        // Pictures use boxes only; a circle is drawn as its bounding box.
        let corner = Point::new(xy.x - size.x / 2.0, xy.y - size.y / 2.0);
        self.draw_rect(corner, size, look, properties, None);
    }

    fn draw_text(&mut self, xy: Point, text: &str, look: &StyleAttr) {
        self.font_size = self.font_size.max(look.font_size);
        let (lo, hi) = self.text_extent(xy, text);
        self.grow(lo, hi);
        if self.open_node {
            self.open_node = false;
            if let Some(n) = self.nodes.last_mut() {
                n.label = Some((xy, text.to_string()));
                return;
            }
        }
        self.labels.push(Label {
            at: xy,
            text: text.to_string(),
        });
    }

    fn draw_arrow(
        &mut self,
        path: &[(Point, Point)],
        _dashed: bool,
        _head: (bool, bool),
        _look: &StyleAttr,
        properties: Option<String>,
        text: &str,
    ) {
        self.open_node = false;
        if path.len() < 2 {
            return;
        }
        // `path[0]` is the start and its exit control point; every later
        // pair is a control point and the point it enters: one cubic Bézier
        // to the second point, then smooth continuations.
        let mut d = String::new();
        for (k, (a, b)) in path.iter().enumerate() {
            self.grow(
                Point::new(a.x.min(b.x), a.y.min(b.y)),
                Point::new(a.x.max(b.x), a.y.max(b.y)),
            );
            let _ = match k {
                0 => write!(d, "M{:.1},{:.1} C{:.1},{:.1} ", a.x, a.y, b.x, b.y),
                1 => write!(d, "{:.1},{:.1} {:.1},{:.1}", a.x, a.y, b.x, b.y),
                _ => write!(d, " S{:.1},{:.1} {:.1},{:.1}", a.x, a.y, b.x, b.y),
            };
        }
        self.edges.push(Edge {
            attrs: properties.unwrap_or_default(),
            path: d,
        });
        if !text.is_empty() {
            if let Some((_, mid)) = path.get(path.len() / 2) {
                self.labels.push(Label {
                    at: *mid,
                    text: text.to_string(),
                });
            }
        }
    }

    fn create_clip(&mut self, _xy: Point, _size: Point, _rounded_px: usize) -> ClipHandle {
        0
    }
}
