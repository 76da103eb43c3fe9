//! Server-rendered SVG maps of LIVC-R coverage and a coverage-over-time chart.
//!
//! Every public function returns one `<svg>` element as a `String`. The same markup has to
//! work in three settings at once:
//!
//! * inline in an HTML page whose Content-Security-Policy forbids inline styles, so the
//!   output carries presentation attributes and class names, never `style` attributes or
//!   `<style>` elements;
//! * as a standalone `image/svg+xml` download, so it must look right without the site
//!   stylesheet (hence the presentation attributes, the `xmlns` and the `viewBox`);
//! * with a keyboard or a screen reader and no JavaScript, so areas are real `<a>` links in
//!   reading order with an accessible name, and colour is always doubled by a pattern.
//!
//! Output is deterministic (byte-identical for the same input) so callers can cache it and
//! compare it; hash maps are used for lookups only and never iterated to produce output.

use std::collections::HashMap;
use std::fmt::{self, Display, Write as _};

// ---------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------

/// LIVC-R status of a municipality, as shown on the maps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MapStatus {
    Own,
    Joint,
    Preparation,
    None,
    Unknown,
}

impl MapStatus {
    pub const ALL: [MapStatus; 5] = [
        MapStatus::Own,
        MapStatus::Joint,
        MapStatus::Preparation,
        MapStatus::None,
        MapStatus::Unknown,
    ];

    /// Stable code used in CSS classes (`status-{code}`) and pattern ids.
    pub fn code(self) -> &'static str {
        match self {
            MapStatus::Own => "own",
            MapStatus::Joint => "joint",
            MapStatus::Preparation => "preparation",
            MapStatus::None => "none",
            MapStatus::Unknown => "unknown",
        }
    }
}

/// One municipality to draw. All text fields are untrusted and escaped on output.
#[derive(Debug, Clone, Copy)]
pub struct MapArea<'a> {
    pub nis: &'a str,
    pub name: &'a str,
    pub status: MapStatus,
    pub status_label: &'a str,
    pub cell_id: Option<i64>,
    pub cell_name: Option<&'a str>,
    pub province: &'a str,
    pub region: &'a str,
    /// (longitude, latitude) in WGS84.
    pub centroid: (f64, f64),
    /// GeoJSON `Polygon` or `MultiPolygon` geometry text in longitude/latitude.
    pub geometry: Option<&'a str>,
    pub href: &'a str,
    pub dimmed: bool,
}

#[derive(Debug, Clone, Copy)]
pub struct LegendEntry<'a> {
    pub status: MapStatus,
    pub label: &'a str,
    pub count: usize,
}

#[derive(Debug, Clone, Copy)]
pub struct MapText<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub legend_title: &'a str,
    pub legend: &'a [LegendEntry<'a>],
    pub cell_label: &'a str,
}

/// One line of the coverage chart.
#[derive(Debug, Clone, Copy)]
pub struct Series<'a> {
    /// "BE", "BRU", "VLG" or "WAL"; other keys get fallback styles.
    pub key: &'a str,
    pub label: &'a str,
    /// (decimal year, share 0.0..=1.0).
    pub points: &'a [(f64, f64)],
}

#[derive(Debug, Clone, Copy)]
pub struct ChartText<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub y_label: &'a str,
    pub x_label: &'a str,
}

/// The geographic map together with what was (not) drawn. Pages only need the drawing;
/// the counts let the tests prove that every area and outline was drawn.
#[derive(Debug, Clone)]
#[cfg_attr(not(test), allow(dead_code))]
pub struct GeoMap<'a> {
    pub svg: String,
    /// Number of areas drawn.
    pub drawn: usize,
    /// NIS codes of areas left out because they had no usable geometry.
    pub skipped: Vec<&'a str>,
    /// Number of chained polylines drawn for each outline kind.
    pub province_lines: usize,
    pub region_lines: usize,
    pub country_lines: usize,
}

// ---------------------------------------------------------------------------------------
// Public functions
// ---------------------------------------------------------------------------------------

/// Equal hexagons, one per municipality, placed near its centroid. Ids start with `tiles-`.
pub fn tile_map(areas: &[MapArea], text: &MapText) -> String {
    tile_map_with_prefix(areas, text, "tiles")
}

/// Like [`tile_map`] with a caller-chosen id prefix, for pages that show two tile maps.
/// Characters other than ASCII letters, digits, `-` and `_` are replaced by `-`.
pub fn tile_map_with_prefix(areas: &[MapArea], text: &MapText, id_prefix: &str) -> String {
    render_tiles(areas, text, &clean_prefix(id_prefix, "tiles"))
}

/// Municipality polygons with province, region and country outlines. Ids start with `geo-`.
///
/// Areas whose `geometry` is `None` or unusable are not drawn (and so have no link);
/// use [`geo_map_detailed`] to learn which ones.
pub fn geo_map(areas: &[MapArea], text: &MapText) -> String {
    geo_map_detailed(areas, text, "geo").svg
}

/// [`geo_map`] with a caller-chosen id prefix, also reporting skipped areas and outline counts.
pub fn geo_map_detailed<'a>(areas: &[MapArea<'a>], text: &MapText, id_prefix: &str) -> GeoMap<'a> {
    render_geo(areas, text, &clean_prefix(id_prefix, "geo"))
}

/// A line chart of coverage over time (share of municipalities with a cell per region).
/// Ids start with `chart-`.
pub fn coverage_chart(series: &[Series], text: &ChartText) -> String {
    coverage_chart_with_prefix(series, text, "chart")
}

/// Like [`coverage_chart`] with a caller-chosen id prefix.
pub fn coverage_chart_with_prefix(series: &[Series], text: &ChartText, id_prefix: &str) -> String {
    render_chart(series, text, &clean_prefix(id_prefix, "chart"))
}

// ---------------------------------------------------------------------------------------
// Output helpers
// ---------------------------------------------------------------------------------------

/// Growable SVG text. Writing to a `String` cannot fail, which is why `put` drops the
/// `fmt::Result` instead of making every caller handle an impossible error.
struct Svg {
    buf: String,
}

impl Svg {
    fn with_capacity(cap: usize) -> Self {
        Svg {
            buf: String::with_capacity(cap),
        }
    }

    fn put(&mut self, args: fmt::Arguments<'_>) {
        let _ = self.buf.write_fmt(args);
    }

    fn raw(&mut self, s: &str) {
        self.buf.push_str(s);
    }
}

macro_rules! w {
    ($svg:expr, $($arg:tt)*) => { $svg.put(format_args!($($arg)*)) };
}

/// Escapes text for XML element content and attribute values alike.
struct Esc<'a>(&'a str);

impl Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        let mut last = 0;
        for (i, c) in s.char_indices() {
            let rep = match c {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                // XML 1.0 cannot represent these at all, not even as character references;
                // letting one through would make the standalone file unparseable.
                '\u{0}'..='\u{8}'
                | '\u{B}'
                | '\u{C}'
                | '\u{E}'..='\u{1F}'
                | '\u{FFFE}'
                | '\u{FFFF}' => "\u{FFFD}",
                _ => continue,
            };
            f.write_str(&s[last..i])?;
            f.write_str(rep)?;
            last = i + c.len_utf8();
        }
        f.write_str(&s[last..])
    }
}

/// A number stored in tenths, printed as compactly as SVG allows ("12", "1.5", "-.5").
/// Working in integer tenths keeps shared edges exactly equal and makes NaN impossible.
#[derive(Debug, Clone, Copy)]
struct T(i64);

impl Display for T {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        let (int, frac) = (a / 10, a % 10);
        match (int, frac) {
            (_, 0) => write!(f, "{sign}{int}"),
            (0, _) => write!(f, "{sign}.{frac}"),
            _ => write!(f, "{sign}{int}.{frac}"),
        }
    }
}

/// Rounds a pixel value to tenths; non-finite input becomes 0 so it can never leak as NaN.
fn tenths(v: f64) -> i64 {
    if v.is_finite() {
        // `as` saturates, and the clamp keeps later arithmetic far from overflow.
        (v * 10.0).round().clamp(-1e12, 1e12) as i64
    } else {
        0
    }
}

fn t1(v: f64) -> T {
    T(tenths(v))
}

/// Writes one path number, using the minus sign as separator where possible.
fn path_num(svg: &mut Svg, v: i64, after_command: bool) {
    if !after_command && v >= 0 {
        svg.raw(" ");
    }
    w!(svg, "{}", T(v));
}

/// Writes `M x y l dx dy ...` (optionally closed) from points in tenths.
fn path_points(svg: &mut Svg, pts: &[Pt], close: bool) {
    let Some((&first, rest)) = pts.split_first() else {
        return;
    };
    svg.raw("M");
    path_num(svg, i64::from(first.0), true);
    path_num(svg, i64::from(first.1), false);
    let mut prev = first;
    for (i, &p) in rest.iter().enumerate() {
        if i == 0 {
            svg.raw("l");
        }
        path_num(svg, i64::from(p.0) - i64::from(prev.0), i == 0);
        path_num(svg, i64::from(p.1) - i64::from(prev.1), false);
        prev = p;
    }
    if close {
        svg.raw("z");
    }
}

/// Ids must be valid XML names and unique on the page; anything unexpected becomes `-`.
fn clean_prefix(prefix: &str, fallback: &str) -> String {
    let cleaned: String = prefix
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if cleaned.starts_with(|c: char| c.is_ascii_alphabetic()) {
        cleaned
    } else {
        fallback.to_string()
    }
}

/// Same idea for class tokens built from data (series keys).
fn class_token(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

/// Links come from our own routes, but a `javascript:` URL in an `<a>` would run script
/// even under a strict CSP in some browsers, so anything with a foreign scheme becomes "#".
fn safe_href(href: &str) -> &str {
    // Browsers drop tabs and newlines inside URLs, so "java\tscript:" is still a scheme.
    let cleaned: String = href
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_ascii_control())
        .collect();
    match cleaned.find([':', '/', '?', '#']) {
        Some(i) if cleaned[i..].starts_with(':') => {
            let scheme = cleaned[..i].to_ascii_lowercase();
            if matches!(scheme.as_str(), "http" | "https") {
                href
            } else {
                "#"
            }
        }
        _ => href,
    }
}

/// Rough text width for layout; SVG text is measured by the client, so we over-estimate.
fn text_width(s: &str, font: f64) -> f64 {
    s.chars().count() as f64 * font * 0.6
}

fn open_root(
    svg: &mut Svg,
    prefix: &str,
    class: &str,
    role: &str,
    size: (f64, f64),
    title: &str,
    desc: &str,
) {
    let (w, h) = (t1(size.0), t1(size.1));
    w!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" class="{class}" role="{role}" aria-labelledby="{prefix}-title {prefix}-desc"><title id="{prefix}-title">{}</title><desc id="{prefix}-desc">{}</desc>"#,
        Esc(title),
        Esc(desc)
    );
}

// ---------------------------------------------------------------------------------------
// Status patterns, areas and legend (shared by both maps)
// ---------------------------------------------------------------------------------------

/// Dark enough against white for WCAG 1.4.11 (about 12.6:1).
const AREA_STROKE: &str = "#333333";
const DIMMED_FILL: &str = "#DCDCDC";
const DIMMED_STROKE: &str = "#8C8C8C";

/// Okabe–Ito based: Own is dark blue and solid, Joint light sky blue with dark stripes, so
/// the two stay apart by lightness and texture even without colour vision. Each mark has at
/// least 3:1 contrast with its background.
fn write_patterns(svg: &mut Svg, prefix: &str, size: f64) {
    let s = t1(size);
    let part = |f: f64| t1(size * f);
    svg.raw("<defs>");
    for status in MapStatus::ALL {
        let code = status.code();
        let transform = match status {
            MapStatus::Joint | MapStatus::None => r#" patternTransform="rotate(45)""#,
            MapStatus::Unknown => r#" patternTransform="rotate(-45)""#,
            _ => "",
        };
        w!(
            svg,
            r#"<pattern id="{prefix}-pattern-{code}" patternUnits="userSpaceOnUse" width="{s}" height="{s}"{transform}>"#
        );
        let bg = match status {
            MapStatus::Own => "#0072B2",
            MapStatus::Joint => "#56B4E9",
            MapStatus::Preparation => "#E69F00",
            MapStatus::None => "#D55E00",
            MapStatus::Unknown => "#F2F2F2",
        };
        w!(svg, r#"<rect width="{s}" height="{s}" fill="{bg}"/>"#);
        match status {
            MapStatus::Own => {}
            MapStatus::Joint => w!(
                svg,
                r##"<rect width="{}" height="{s}" fill="#003A5C"/>"##,
                part(0.4)
            ),
            MapStatus::Preparation => {
                let r = part(0.16);
                w!(
                    svg,
                    r##"<circle cx="{}" cy="{}" r="{r}" fill="#4A2F00"/><circle cx="{}" cy="{}" r="{r}" fill="#4A2F00"/>"##,
                    part(0.25),
                    part(0.25),
                    part(0.75),
                    part(0.75)
                );
            }
            MapStatus::None => w!(
                svg,
                r##"<rect width="{}" height="{s}" fill="#FFFFFF"/><rect width="{s}" height="{}" fill="#FFFFFF"/>"##,
                part(0.2),
                part(0.2)
            ),
            MapStatus::Unknown => w!(
                svg,
                r##"<rect width="{}" height="{s}" fill="#767676"/><rect x="{}" width="{}" height="{s}" fill="#767676"/>"##,
                part(0.1),
                part(0.5),
                part(0.1)
            ),
        }
        svg.raw("</pattern>");
    }
    svg.raw("</defs>");
}

/// Accessible name of an area link: "Gent: Eigen LIVC-R (LIVC-R Gent)".
struct AreaLabel<'a> {
    area: &'a MapArea<'a>,
    cell_label: &'a str,
}

impl Display for AreaLabel<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}",
            Esc(self.area.name),
            Esc(self.area.status_label)
        )?;
        match self.area.cell_name {
            Some(cell) if !cell.is_empty() => {
                // Most cells are named after their kind already ("LIVC-R Gent"): the label
                // would only be read out twice.
                let named = cell
                    .to_lowercase()
                    .contains(&self.cell_label.to_lowercase());
                if self.cell_label.is_empty() || named {
                    write!(f, " ({})", Esc(cell))
                } else {
                    write!(f, " ({} {})", Esc(self.cell_label), Esc(cell))
                }
            }
            _ => Ok(()),
        }
    }
}

/// Writes one area: a focusable link with a name and tooltip, or a hidden grey shape when it
/// is outside the current filter. `path` writes the `d` attribute content.
fn write_area(
    svg: &mut Svg,
    prefix: &str,
    area: &MapArea,
    cell_label: &str,
    path: impl FnOnce(&mut Svg),
) {
    let code = area.status.code();
    if area.dimmed {
        w!(
            svg,
            r#"<path class="map-area status-{code} map-dimmed" fill="{DIMMED_FILL}" stroke="{DIMMED_STROKE}" aria-hidden="true" d=""#
        );
        path(svg);
        svg.raw(r#""/>"#);
    } else {
        let label = AreaLabel { area, cell_label };
        w!(
            svg,
            r#"<a href="{}" class="map-link" aria-label="{label}"><title>{label}</title><path class="map-area status-{code}" fill="url(#{prefix}-pattern-{code})" d=""#,
            Esc(safe_href(area.href))
        );
        path(svg);
        svg.raw(r#""/></a>"#);
    }
}

/// Axis-aligned rectangle in pixels: [x0, y0, x1, y1].
type Rect = [f64; 4];

fn legend_size(text: &MapText, font: f64) -> (f64, f64) {
    if text.legend.is_empty() {
        return (0.0, 0.0);
    }
    let row = font * 1.7;
    let mut w = text_width(text.legend_title, font * 1.1);
    let mut h = if text.legend_title.is_empty() {
        0.0
    } else {
        row
    };
    for e in text.legend {
        let label_chars = e.label.chars().count() + 3 + e.count.to_string().len();
        w = w.max(font * 1.8 + label_chars as f64 * font * 0.6);
        h += row;
    }
    (w, h)
}

/// Puts the legend in an empty corner of the map if there is one (Belgium leaves the
/// south-west free); returns `None` when every corner is taken.
fn free_corner(obstacles: &[Rect], map: Rect, size: (f64, f64), pad: f64) -> Option<(f64, f64)> {
    let (w, h) = size;
    if w <= 0.0 || h <= 0.0 || w > map[2] - map[0] || h > map[3] - map[1] {
        return None;
    }
    let candidates = [
        (map[0], map[3] - h),
        (map[0], map[1]),
        (map[2] - w, map[3] - h),
        (map[2] - w, map[1]),
    ];
    candidates.into_iter().find(|&(x, y)| {
        let r = [x - pad, y - pad, x + w + pad, y + h + pad];
        !obstacles
            .iter()
            .any(|o| o[0] < r[2] && o[2] > r[0] && o[1] < r[3] && o[3] > r[1])
    })
}

fn write_legend(svg: &mut Svg, prefix: &str, text: &MapText, at: (f64, f64), font: f64) {
    if text.legend.is_empty() {
        return;
    }
    let row = font * 1.7;
    let swatch = font * 1.3;
    w!(
        svg,
        r##"<g class="map-legend" font-family="sans-serif" font-size="{}" fill="#1A1A1A">"##,
        t1(font)
    );
    let mut y = at.1;
    if !text.legend_title.is_empty() {
        w!(
            svg,
            r#"<text class="map-legend-title" x="{}" y="{}" font-weight="bold">{}</text>"#,
            t1(at.0),
            t1(y + font),
            Esc(text.legend_title)
        );
        y += row;
    }
    for e in text.legend {
        let code = e.status.code();
        w!(
            svg,
            r#"<rect class="map-legend-swatch status-{code}" x="{}" y="{}" width="{}" height="{}" fill="url(#{prefix}-pattern-{code})" stroke="{AREA_STROKE}"/><text class="map-legend-label" x="{}" y="{}">{} ({})</text>"#,
            t1(at.0),
            t1(y),
            t1(swatch),
            t1(swatch),
            t1(at.0 + swatch + font * 0.5),
            t1(y + swatch * 0.8),
            Esc(e.label),
            e.count
        );
        y += row;
    }
    svg.raw("</g>");
}

/// Places the legend inside `map` if a corner is free, otherwise below it; returns the
/// legend position and the grown canvas size.
fn legend_layout(
    obstacles: &[Rect],
    map: Rect,
    canvas: (f64, f64),
    size: (f64, f64),
    margin: f64,
) -> ((f64, f64), (f64, f64)) {
    if let Some(at) = free_corner(obstacles, map, size, margin) {
        return (at, canvas);
    }
    let at = (margin, map[3] + margin);
    let grown = (
        canvas.0.max(size.0 + 2.0 * margin),
        if size.1 > 0.0 {
            map[3] + size.1 + 2.0 * margin
        } else {
            canvas.1
        },
    );
    (at, grown)
}

// ---------------------------------------------------------------------------------------
// Projection
// ---------------------------------------------------------------------------------------

/// Equirectangular projection corrected for Belgium's mid latitude; y grows southwards.
/// Out-of-range or non-finite input gives `None` so garbage can never turn into NaN.
fn project(lon: f64, lat: f64) -> Option<(f64, f64)> {
    if lon.is_finite() && lat.is_finite() && lon.abs() <= 360.0 && lat.abs() <= 90.0 {
        Some((lon * 50.5f64.to_radians().cos(), -lat))
    } else {
        None
    }
}

#[derive(Debug, Clone, Copy)]
struct Bounds {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

impl Bounds {
    fn empty() -> Self {
        Bounds {
            x0: f64::INFINITY,
            y0: f64::INFINITY,
            x1: f64::NEG_INFINITY,
            y1: f64::NEG_INFINITY,
        }
    }

    fn add(&mut self, (x, y): (f64, f64)) {
        self.x0 = self.x0.min(x);
        self.y0 = self.y0.min(y);
        self.x1 = self.x1.max(x);
        self.y1 = self.y1.max(y);
    }

    fn is_empty(&self) -> bool {
        self.x0 > self.x1
    }
}

// ---------------------------------------------------------------------------------------
// Tile map
// ---------------------------------------------------------------------------------------

/// Axial hex coordinates (q, r), pointy-topped.
type Hex = (i32, i32);

/// Half width, corner radius and row pitch in tenths of a pixel. A half width of 9 px with
/// a radius of 10.4 px is within 0.1 % of a regular hexagon but puts every corner on the
/// 0.1 px grid, so neighbouring hexes share edges exactly.
const HEX_W: i64 = 90;
const HEX_S: i64 = 104;
const HEX_ROW: i64 = 156;
/// Share of the centroids' bounding box that the hexes should cover. Belgium covers about
/// half of it, but municipalities are much smaller in the north than in the Ardennes, so
/// equal hexes at exactly that share leave the south full of holes; 0.6 keeps the outline
/// (coast wedge, Luxembourg tail, Brussels cluster) with few holes.
const TILE_FILL: f64 = 0.6;
const TILE_MARGIN: f64 = 10.0;

/// Neighbour directions, and for each the two corners (indices into `HEX_CORNERS`) of the
/// shared edge.
const HEX_DIRS: [(Hex, usize, usize); 6] = [
    ((1, 0), 1, 2),
    ((1, -1), 0, 1),
    ((0, -1), 5, 0),
    ((-1, 0), 4, 5),
    ((-1, 1), 3, 4),
    ((0, 1), 2, 3),
];

/// Corners clockwise from the top, in tenths relative to the centre.
const HEX_CORNERS: [(i64, i64); 6] = [
    (0, -HEX_S),
    (HEX_W, -HEX_S / 2),
    (HEX_W, HEX_S / 2),
    (0, HEX_S),
    (-HEX_W, HEX_S / 2),
    (-HEX_W, -HEX_S / 2),
];

fn hex_centre((q, r): Hex) -> (i64, i64) {
    (
        2 * HEX_W * i64::from(q) + HEX_W * i64::from(r),
        HEX_ROW * i64::from(r),
    )
}

fn hex_centre_px(h: Hex) -> (f64, f64) {
    let (x, y) = hex_centre(h);
    (x as f64 / 10.0, y as f64 / 10.0)
}

fn hex_add((q, r): Hex, (dq, dr): Hex) -> Hex {
    (q.saturating_add(dq), r.saturating_add(dr))
}

/// Hex containing a pixel position (cube rounding).
fn hex_at((x, y): (f64, f64)) -> Hex {
    let rf = (y / (HEX_ROW as f64 / 10.0)).clamp(-1e6, 1e6);
    let qf = (x / (2.0 * HEX_W as f64 / 10.0) - rf / 2.0).clamp(-1e6, 1e6);
    let sf = -qf - rf;
    let (mut q, mut r, s) = (qf.round(), rf.round(), sf.round());
    let (dq, dr, ds) = ((q - qf).abs(), (r - rf).abs(), (s - sf).abs());
    if dq > dr && dq > ds {
        q = -r - s;
    } else if dr > ds {
        r = -q - s;
    }
    // Clamped above, so the float-to-int conversion is exact.
    (q as i32, r as i32)
}

fn dist2(a: (f64, f64), b: (f64, f64)) -> f64 {
    (a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)
}

/// Calls `f` for every hex at exactly `radius` steps from `centre`.
fn for_ring(centre: Hex, radius: i32, mut f: impl FnMut(Hex)) {
    let (step, ..) = HEX_DIRS[4];
    let mut h = hex_add(centre, (step.0 * radius, step.1 * radius));
    for (dir, ..) in HEX_DIRS {
        for _ in 0..radius {
            f(h);
            h = hex_add(h, dir);
        }
    }
}

/// Nearest free hex to `target` (pixels), searching rings around `centre`. The ring after
/// the first one with a free hex is searched too, because the true position may lie
/// off-centre and a hex one ring further out can still be closer to it.
fn nearest_free(occupied: &HashMap<Hex, usize>, centre: Hex, target: (f64, f64)) -> Hex {
    let mut best: Option<(f64, Hex)> = None;
    let mut first_hit: Option<i32> = None;
    let mut radius = 1;
    loop {
        for_ring(centre, radius, |h| {
            if occupied.contains_key(&h) {
                return;
            }
            let d = dist2(hex_centre_px(h), target);
            let better = best.is_none_or(|(bd, bh)| {
                d.total_cmp(&bd).then((h.1, h.0).cmp(&(bh.1, bh.0))).is_lt()
            });
            if better {
                best = Some((d, h));
            }
        });
        match (first_hit, best) {
            (Some(hit), Some((_, h))) if radius > hit => return h,
            (None, Some(_)) => first_hit = Some(radius),
            _ => {}
        }
        // Only `areas.len()` hexes can be occupied, so a free one turns up eventually.
        radius += 1;
    }
}

/// Assigns every area its own hex near its centroid; returns one hex per area, in input
/// order. Dense places (Brussels) are placed first so they stay a compact cluster at their
/// real location and sparser neighbours give way around them.
fn layout_hexes(areas: &[MapArea]) -> Vec<Hex> {
    let n = areas.len();
    if n == 0 {
        return Vec::new();
    }
    let projected: Vec<Option<(f64, f64)>> = areas
        .iter()
        .map(|a| project(a.centroid.0, a.centroid.1))
        .collect();
    let mut bounds = Bounds::empty();
    for p in projected.iter().flatten() {
        bounds.add(*p);
    }
    if bounds.is_empty() {
        bounds = Bounds {
            x0: 0.0,
            y0: 0.0,
            x1: 0.0,
            y1: 0.0,
        };
    }
    let (w, h) = (bounds.x1 - bounds.x0, bounds.y1 - bounds.y0);
    let hex_area = (2 * HEX_W * HEX_ROW) as f64 / 100.0;
    let scale = if w * h > 1e-12 {
        (n as f64 * hex_area / TILE_FILL / (w * h)).sqrt()
    } else if w.max(h) > 1e-12 {
        // All centroids on a line: spread them over about sqrt(n) hexes.
        (n as f64).sqrt() * 18.0 / w.max(h)
    } else {
        1.0
    };
    let pixels: Vec<(f64, f64)> = projected
        .iter()
        .map(|p| {
            let (x, y) = p.unwrap_or((bounds.x0 + w / 2.0, bounds.y0 + h / 2.0));
            ((x - bounds.x0) * scale, (y - bounds.y0) * scale)
        })
        .collect();
    let snapped: Vec<Hex> = pixels.iter().map(|&p| hex_at(p)).collect();

    let mut counts: HashMap<Hex, u32> = HashMap::with_capacity(n);
    for h in &snapped {
        *counts.entry(*h).or_insert(0) += 1;
    }
    let count_at = |h: Hex| counts.get(&h).copied().unwrap_or(0);
    let density: Vec<u32> = snapped
        .iter()
        .map(|&h| {
            count_at(h)
                + HEX_DIRS
                    .iter()
                    .map(|&(d, ..)| count_at(hex_add(h, d)))
                    .sum::<u32>()
        })
        .collect();
    let offset: Vec<f64> = snapped
        .iter()
        .zip(&pixels)
        .map(|(&h, &p)| dist2(hex_centre_px(h), p))
        .collect();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| {
        density[b]
            .cmp(&density[a])
            .then(offset[a].total_cmp(&offset[b]))
            .then(areas[a].nis.cmp(areas[b].nis))
            .then(a.cmp(&b))
    });

    let mut occupied: HashMap<Hex, usize> = HashMap::with_capacity(2 * n);
    let mut cells = vec![(0, 0); n];
    for i in order {
        let want = snapped[i];
        let hex = if occupied.contains_key(&want) {
            nearest_free(&occupied, want, pixels[i])
        } else {
            want
        };
        occupied.insert(hex, i);
        cells[i] = hex;
    }
    cells
}

fn render_tiles(areas: &[MapArea], text: &MapText, prefix: &str) -> String {
    let cells = layout_hexes(areas);
    let occupied: HashMap<Hex, usize> = cells.iter().enumerate().map(|(i, &h)| (h, i)).collect();

    // Joint cells are outlined only when they really join 2+ municipalities.
    let mut cell_sizes: HashMap<i64, usize> = HashMap::new();
    for a in areas {
        if let Some(c) = a.cell_id {
            *cell_sizes.entry(c).or_insert(0) += 1;
        }
    }
    let group = |i: usize| -> Option<i64> {
        let a = &areas[i];
        if a.dimmed {
            return None;
        }
        a.cell_id
            .filter(|c| cell_sizes.get(c).copied().unwrap_or(0) >= 2)
    };

    // Hex extents in tenths, then shift so the map starts at the margin.
    let margin = tenths(TILE_MARGIN);
    let (mut min_x, mut min_y, mut max_x, mut max_y) = (0i64, 0i64, 0i64, 0i64);
    for (i, &h) in cells.iter().enumerate() {
        let (x, y) = hex_centre(h);
        if i == 0 {
            (min_x, min_y, max_x, max_y) = (x, y, x, y);
        }
        min_x = min_x.min(x);
        min_y = min_y.min(y);
        max_x = max_x.max(x);
        max_y = max_y.max(y);
    }
    let (ox, oy) = if cells.is_empty() {
        (margin, margin)
    } else {
        (margin + HEX_W - min_x, margin + HEX_S - min_y)
    };
    let place = |h: Hex| {
        let (x, y) = hex_centre(h);
        (x + ox, y + oy)
    };
    let px = |v: i64| v as f64 / 10.0;
    let map_rect: Rect = if cells.is_empty() {
        [TILE_MARGIN, TILE_MARGIN, TILE_MARGIN, TILE_MARGIN]
    } else {
        [
            TILE_MARGIN,
            TILE_MARGIN,
            px(max_x + ox + HEX_W),
            px(max_y + oy + HEX_S),
        ]
    };
    let canvas = (map_rect[2] + TILE_MARGIN, map_rect[3] + TILE_MARGIN);
    let obstacles: Vec<Rect> = cells
        .iter()
        .map(|&h| {
            let (x, y) = place(h);
            [px(x - HEX_W), px(y - HEX_S), px(x + HEX_W), px(y + HEX_S)]
        })
        .collect();
    let font = 12.0;
    let legend = legend_size(text, font);
    let (legend_at, canvas) = legend_layout(&obstacles, map_rect, canvas, legend, TILE_MARGIN);

    let mut svg = Svg::with_capacity(400 * areas.len() + 4096);
    open_root(
        &mut svg,
        prefix,
        "map map-tiles",
        "group",
        canvas,
        text.title,
        text.description,
    );
    write_patterns(&mut svg, prefix, 6.0);

    // Reading order: row by row from the north, west to east within a row.
    let mut order: Vec<usize> = (0..areas.len()).collect();
    order.sort_by_key(|&i| (cells[i].1, cells[i].0));

    let hex_tail = {
        let mut t = Svg::with_capacity(64);
        t.raw("l");
        path_num(&mut t, HEX_W, true);
        path_num(&mut t, HEX_S / 2, false);
        t.raw("v");
        path_num(&mut t, HEX_S, true);
        t.raw("l");
        for v in [-HEX_W, HEX_S / 2, -HEX_W, -HEX_S / 2] {
            path_num(&mut t, v, false);
        }
        t.raw("v");
        path_num(&mut t, -HEX_S, true);
        t.raw("z");
        t.buf
    };
    w!(
        svg,
        r#"<g class="map-areas" stroke="{AREA_STROKE}" stroke-width=".8" stroke-linejoin="round">"#
    );
    for &i in &order {
        let (x, y) = place(cells[i]);
        write_area(&mut svg, prefix, &areas[i], text.cell_label, |s| {
            s.raw("M");
            path_num(s, x, true);
            path_num(s, y - HEX_S, false);
            s.raw(&hex_tail);
        });
    }
    svg.raw("</g>");

    let mut region_d = Svg::with_capacity(4096);
    let mut cell_d = Svg::with_capacity(4096);
    let edge = |d: &mut Svg, centre: (i64, i64), a: usize, b: usize| {
        let (ax, ay) = HEX_CORNERS[a];
        let (bx, by) = HEX_CORNERS[b];
        path_points(
            d,
            &[
                to_pt(centre.0 + ax, centre.1 + ay),
                to_pt(centre.0 + bx, centre.1 + by),
            ],
            false,
        );
    };
    for &i in &order {
        let h = cells[i];
        let centre = place(h);
        let mine = group(i);
        for (k, &(dir, a, b)) in HEX_DIRS.iter().enumerate() {
            let neighbour = occupied.get(&hex_add(h, dir)).copied();
            // Region borders: each shared edge once, from the east/north-east/north-west side.
            if k < 3
                && let Some(j) = neighbour
                && areas[j].region != areas[i].region
            {
                edge(&mut region_d, centre, a, b);
            }
            if let Some(c) = mine {
                let theirs = neighbour.and_then(group);
                if theirs == Some(c) {
                    continue;
                }
                // Two different joint cells share this edge: draw it from one side only.
                let other_draws = theirs.is_some()
                    && neighbour.is_some_and(|j| (cells[j].1, cells[j].0) < (h.1, h.0));
                if !other_draws {
                    edge(&mut cell_d, centre, a, b);
                }
            }
        }
    }
    if !region_d.buf.is_empty() || !cell_d.buf.is_empty() {
        svg.raw(r#"<g class="map-borders" fill="none" stroke-linecap="round" pointer-events="none" aria-hidden="true">"#);
        if !region_d.buf.is_empty() {
            // A cased line (white edges, black core) so region borders cannot be mistaken
            // for the solid thick joint-cell borders.
            w!(
                svg,
                r##"<path class="map-region-border" stroke="#FFFFFF" stroke-width="3" d="{0}"/><path class="map-region-border" stroke="#000000" stroke-width="1.2" d="{0}"/>"##,
                region_d.buf
            );
        }
        if !cell_d.buf.is_empty() {
            w!(
                svg,
                r##"<path class="map-cell-border" stroke="#000000" stroke-width="3" d="{}"/>"##,
                cell_d.buf
            );
        }
        svg.raw("</g>");
    }

    write_legend(&mut svg, prefix, text, legend_at, font);
    svg.raw("</svg>");
    svg.buf
}

// ---------------------------------------------------------------------------------------
// Geographic map
// ---------------------------------------------------------------------------------------

/// A projected point in tenths of a pixel; integer so shared vertices hash and compare
/// exactly.
type Pt = (i32, i32);

fn to_pt(x: i64, y: i64) -> Pt {
    let c = |v: i64| v.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
    (c(x), c(y))
}

const GEO_WIDTH: f64 = 1000.0;
const GEO_MAX_HEIGHT: f64 = 2000.0;
const GEO_MARGIN: f64 = 10.0;
/// Douglas–Peucker tolerance in pixels (below what the eye sees at the intended size).
const GEO_TOLERANCE: f64 = 0.7;
/// Rings smaller than this (px²) are dropped, except an area's largest ring.
const GEO_MIN_RING_AREA: f64 = 1.0;
/// Height of a reading-order band, in pixels.
const GEO_BAND: f64 = 30.0;
/// No area takes part in an edge: the country border.
const OUTSIDE: usize = usize::MAX;

/// Parses a GeoJSON Polygon/MultiPolygon into projected rings (all rings flattened: with
/// the even-odd fill rule holes need no special treatment).
fn parse_rings(geometry: &str) -> Option<Vec<Vec<(f64, f64)>>> {
    let value: serde_json::Value = serde_json::from_str(geometry).ok()?;
    let coords = value.get("coordinates")?;
    let polygons: Vec<&serde_json::Value> = match value.get("type")?.as_str()? {
        "Polygon" => vec![coords],
        "MultiPolygon" => coords.as_array()?.iter().collect(),
        _ => return None,
    };
    let mut rings = Vec::new();
    for polygon in polygons {
        for ring in polygon.as_array()? {
            let mut pts = Vec::new();
            for p in ring.as_array()? {
                let lon = p.get(0).and_then(serde_json::Value::as_f64);
                let lat = p.get(1).and_then(serde_json::Value::as_f64);
                if let Some(xy) = lon.zip(lat).and_then(|(lon, lat)| project(lon, lat)) {
                    pts.push(xy);
                }
            }
            rings.push(pts);
        }
    }
    Some(rings)
}

/// Twice the signed area, in tenths².
fn ring_area2(pts: &[Pt]) -> f64 {
    let n = pts.len();
    (0..n)
        .map(|i| {
            let (a, b) = (pts[i], pts[(i + 1) % n]);
            f64::from(a.0) * f64::from(b.1) - f64::from(b.0) * f64::from(a.1)
        })
        .sum()
}

fn seg_dist2(p: Pt, a: Pt, b: Pt) -> f64 {
    let (px, py) = (f64::from(p.0), f64::from(p.1));
    let (ax, ay) = (f64::from(a.0), f64::from(a.1));
    let (dx, dy) = (f64::from(b.0) - ax, f64::from(b.1) - ay);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((px - ax) * dx + (py - ay) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    (ax + t * dx - px).powi(2) + (ay + t * dy - py).powi(2)
}

fn douglas_peucker(pts: &[Pt], tol2: f64) -> Vec<Pt> {
    let n = pts.len();
    if n <= 2 {
        return pts.to_vec();
    }
    let mut keep = vec![false; n];
    keep[0] = true;
    keep[n - 1] = true;
    let mut stack = vec![(0, n - 1)];
    while let Some((s, e)) = stack.pop() {
        let mut best = (0, -1.0);
        for (i, &p) in pts.iter().enumerate().take(e).skip(s + 1) {
            let d = seg_dist2(p, pts[s], pts[e]);
            if d > best.1 {
                best = (i, d);
            }
        }
        if best.1 > tol2 {
            keep[best.0] = true;
            stack.push((s, best.0));
            stack.push((best.0, e));
        }
    }
    pts.iter()
        .zip(keep)
        .filter_map(|(p, k)| k.then_some(*p))
        .collect()
}

/// Simplifies an arc the same way whichever side traverses it, so neighbours keep an
/// identical shared border after simplification (no slivers or gaps).
fn simplify_arc(arc: &[Pt], tol2: f64) -> Vec<Pt> {
    let n = arc.len();
    let reverse = match (arc.first(), arc.last()) {
        (Some(a), Some(b)) if a != b => a > b,
        _ => n > 2 && arc[1] > arc[n - 2],
    };
    if reverse {
        let reversed: Vec<Pt> = arc.iter().rev().copied().collect();
        let mut s = douglas_peucker(&reversed, tol2);
        s.reverse();
        s
    } else {
        douglas_peucker(arc, tol2)
    }
}

fn edge_key(a: Pt, b: Pt) -> (Pt, Pt) {
    if a <= b { (a, b) } else { (b, a) }
}

/// Which areas use an edge: `(first, second)` with `OUTSIDE` for "nobody".
#[derive(Debug, Clone, Copy)]
struct EdgeUse {
    first: usize,
    second: usize,
}

/// Sorted pair of the areas on both sides of an edge; `(a, OUTSIDE)` on the country border.
type Side = (usize, usize);

/// Splits a ring into arcs at every vertex where the neighbour on the other side changes.
/// Each arc includes both end points. Without such a vertex the whole ring is one closed
/// arc starting at its smallest point, which both sides of a shared ring agree on.
fn ring_arcs(pts: &[Pt], edges: &HashMap<(Pt, Pt), EdgeUse>) -> Vec<(Vec<Pt>, Side)> {
    let n = pts.len();
    let sides: Vec<Side> = (0..n)
        .map(|j| {
            let u = edges
                .get(&edge_key(pts[j], pts[(j + 1) % n]))
                .copied()
                .unwrap_or(EdgeUse {
                    first: OUTSIDE,
                    second: OUTSIDE,
                });
            (u.first.min(u.second), u.first.max(u.second))
        })
        .collect();
    let junctions: Vec<usize> = (0..n)
        .filter(|&j| sides[(j + n - 1) % n] != sides[j])
        .collect();
    if junctions.is_empty() {
        let start = (0..n).min_by_key(|&j| pts[j]).unwrap_or(0);
        let arc: Vec<Pt> = (0..=n).map(|k| pts[(start + k) % n]).collect();
        return vec![(arc, sides[0])];
    }
    let m = junctions.len();
    (0..m)
        .map(|k| {
            let (s, e) = (junctions[k], junctions[(k + 1) % m]);
            let len = (e + n - s) % n;
            let len = if len == 0 { n } else { len };
            let arc: Vec<Pt> = (0..=len).map(|t| pts[(s + t) % n]).collect();
            (arc, sides[s])
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outline {
    Province,
    Region,
    Country,
}

fn classify(side: Side, areas: &[MapArea]) -> Option<Outline> {
    let (a, b) = side;
    if a == OUTSIDE {
        return None;
    }
    if b == OUTSIDE {
        return Some(Outline::Country);
    }
    let (x, y) = (&areas[a], &areas[b]);
    if x.region != y.region {
        Some(Outline::Region)
    } else if x.province != y.province {
        Some(Outline::Province)
    } else {
        None
    }
}

/// Joins polylines that meet end to end, so outlines are few long paths with clean joins.
fn chain(lines: Vec<Vec<Pt>>) -> Vec<Vec<Pt>> {
    let mut ends: HashMap<Pt, Vec<usize>> = HashMap::new();
    for (i, l) in lines.iter().enumerate() {
        if let (Some(&a), Some(&b)) = (l.first(), l.last()) {
            ends.entry(a).or_default().push(i);
            ends.entry(b).or_default().push(i);
        }
    }
    let mut used = vec![false; lines.len()];
    let mut out = Vec::new();
    for i in 0..lines.len() {
        if used[i] || lines[i].is_empty() {
            continue;
        }
        used[i] = true;
        let mut cur = lines[i].clone();
        for pass in 0..2 {
            if pass == 1 {
                cur.reverse();
            }
            while let Some(&end) = cur.last() {
                let next = ends
                    .get(&end)
                    .and_then(|c| c.iter().copied().find(|&j| !used[j]));
                let Some(j) = next else { break };
                used[j] = true;
                let l = &lines[j];
                if l.first() == Some(&end) {
                    cur.extend_from_slice(&l[1..]);
                } else {
                    cur.extend(l.iter().rev().skip(1));
                }
            }
        }
        out.push(cur);
    }
    out
}

fn render_geo<'a>(areas: &[MapArea<'a>], text: &MapText, prefix: &str) -> GeoMap<'a> {
    let parsed: Vec<Vec<Vec<(f64, f64)>>> = areas
        .iter()
        .map(|a| a.geometry.and_then(parse_rings).unwrap_or_default())
        .collect();
    let mut bounds = Bounds::empty();
    for p in parsed.iter().flatten().flatten() {
        bounds.add(*p);
    }
    let has_geometry = !bounds.is_empty();
    if !has_geometry {
        bounds = Bounds {
            x0: 0.0,
            y0: 0.0,
            x1: 0.0,
            y1: 0.0,
        };
    }
    let (bw, bh) = (bounds.x1 - bounds.x0, bounds.y1 - bounds.y0);
    let inner_w = GEO_WIDTH - 2.0 * GEO_MARGIN;
    let scale = [
        if bw > 1e-12 {
            inner_w / bw
        } else {
            f64::INFINITY
        },
        if bh > 1e-12 {
            (GEO_MAX_HEIGHT - 2.0 * GEO_MARGIN) / bh
        } else {
            f64::INFINITY
        },
    ]
    .into_iter()
    .fold(f64::INFINITY, f64::min);
    let scale = if scale.is_finite() { scale } else { 1.0 };
    let to_px = |(x, y): (f64, f64)| {
        (
            (x - bounds.x0) * scale + GEO_MARGIN,
            (y - bounds.y0) * scale + GEO_MARGIN,
        )
    };
    let quantise = |p: (f64, f64)| {
        let (x, y) = to_px(p);
        to_pt(tenths(x), tenths(y))
    };

    // Quantised rings; consecutive duplicates (which quantising creates) removed.
    struct Ring {
        area: usize,
        pts: Vec<Pt>,
    }
    let mut rings: Vec<Ring> = Vec::new();
    for (area, polys) in parsed.iter().enumerate() {
        for ring in polys {
            let mut pts: Vec<Pt> = Vec::with_capacity(ring.len());
            for &p in ring {
                let q = quantise(p);
                if pts.last() != Some(&q) {
                    pts.push(q);
                }
            }
            while pts.len() > 1 && pts.first() == pts.last() {
                pts.pop();
            }
            if pts.len() >= 3 {
                rings.push(Ring { area, pts });
            }
        }
    }

    // Count every edge before simplifying: who is on either side decides outline kinds.
    let mut edges: HashMap<(Pt, Pt), EdgeUse> = HashMap::new();
    for ring in &rings {
        let n = ring.pts.len();
        for j in 0..n {
            let key = edge_key(ring.pts[j], ring.pts[(j + 1) % n]);
            let e = edges.entry(key).or_insert(EdgeUse {
                first: OUTSIDE,
                second: OUTSIDE,
            });
            if e.first == OUTSIDE {
                e.first = ring.area;
            } else if e.second == OUTSIDE {
                e.second = ring.area;
            }
        }
    }

    // Keep tiny rings out of the output but never an area's largest ring.
    let areas2: Vec<f64> = rings.iter().map(|r| ring_area2(&r.pts).abs()).collect();
    let mut largest: Vec<Option<usize>> = vec![None; areas.len()];
    for (i, r) in rings.iter().enumerate() {
        if largest[r.area].is_none_or(|l| areas2[i] > areas2[l]) {
            largest[r.area] = Some(i);
        }
    }
    let min_area2 = 2.0 * GEO_MIN_RING_AREA * 100.0;

    let tol = tenths(GEO_TOLERANCE) as f64;
    let tol2 = tol * tol;
    let mut shapes: Vec<Vec<Vec<Pt>>> = vec![Vec::new(); areas.len()];
    let mut outlines: [Vec<Vec<Pt>>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    for (i, ring) in rings.iter().enumerate() {
        if areas2[i] < min_area2 && largest[ring.area] != Some(i) {
            continue;
        }
        let mut simplified: Vec<Pt> = Vec::new();
        for (arc, side) in ring_arcs(&ring.pts, &edges) {
            let s = simplify_arc(&arc, tol2);
            simplified.extend_from_slice(&s[..s.len().saturating_sub(1)]);
            // A shared arc is seen from both sides; emit it from the lower area only.
            if side.0 == ring.area
                && let Some(kind) = classify(side, areas)
            {
                outlines[kind as usize].push(s);
            }
        }
        simplified.dedup();
        if simplified.len() < 3 {
            // Too small to simplify without collapsing: keep the quantised ring as is.
            simplified = ring.pts.clone();
        }
        shapes[ring.area].push(simplified);
    }

    let drawn: Vec<usize> = (0..areas.len())
        .filter(|&i| !shapes[i].is_empty())
        .collect();
    let skipped: Vec<&'a str> = (0..areas.len())
        .filter(|&i| shapes[i].is_empty())
        .map(|i| areas[i].nis)
        .collect();

    // Reading order: bands from the north, west to east within a band.
    let position = |i: usize| -> (f64, f64) {
        let a = &areas[i];
        match project(a.centroid.0, a.centroid.1) {
            Some(p) => to_px(p),
            None => shapes[i]
                .first()
                .and_then(|r| r.first())
                .map(|p| (f64::from(p.0) / 10.0, f64::from(p.1) / 10.0))
                .unwrap_or((0.0, 0.0)),
        }
    };
    let mut order: Vec<(i64, f64, usize)> = drawn
        .iter()
        .map(|&i| {
            let (x, y) = position(i);
            let band = if y.is_finite() {
                (y / GEO_BAND).floor().clamp(-1e9, 1e9) as i64
            } else {
                0
            };
            (band, if x.is_finite() { x } else { 0.0 }, i)
        })
        .collect();
    order.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then(a.1.total_cmp(&b.1))
            .then(areas[a.2].nis.cmp(areas[b.2].nis))
            .then(a.2.cmp(&b.2))
    });

    let map_rect: Rect = [
        GEO_MARGIN,
        GEO_MARGIN,
        GEO_MARGIN + bw * scale,
        GEO_MARGIN + bh * scale,
    ];
    let canvas = (
        if has_geometry {
            GEO_WIDTH
        } else {
            2.0 * GEO_MARGIN
        },
        map_rect[3] + GEO_MARGIN,
    );
    let obstacles: Vec<Rect> = shapes
        .iter()
        .flatten()
        .map(|ring| {
            let mut b = Bounds::empty();
            for p in ring {
                b.add((f64::from(p.0) / 10.0, f64::from(p.1) / 10.0));
            }
            [b.x0, b.y0, b.x1, b.y1]
        })
        .collect();
    let font = 15.0;
    let legend = legend_size(text, font);
    let (legend_at, canvas) = legend_layout(&obstacles, map_rect, canvas, legend, GEO_MARGIN);

    let mut svg = Svg::with_capacity(400_000);
    open_root(
        &mut svg,
        prefix,
        "map map-geo",
        "group",
        canvas,
        text.title,
        text.description,
    );
    write_patterns(&mut svg, prefix, 5.0);
    w!(
        svg,
        r#"<g class="map-areas" fill-rule="evenodd" stroke="{AREA_STROKE}" stroke-width=".5" stroke-linejoin="round">"#
    );
    for &(_, _, i) in &order {
        write_area(&mut svg, prefix, &areas[i], text.cell_label, |s| {
            for ring in &shapes[i] {
                path_points(s, ring, true);
            }
        });
    }
    svg.raw("</g>");

    let [province, region, country] = outlines.map(chain);
    let counts = (province.len(), region.len(), country.len());
    if counts != (0, 0, 0) {
        svg.raw(r#"<g class="map-outlines" fill="none" stroke-linejoin="round" stroke-linecap="round" pointer-events="none" aria-hidden="true">"#);
        for (lines, class, colour, width) in [
            (&province, "province", "#1A1A1A", "1.2"),
            (&region, "region", "#000000", "2.2"),
            (&country, "country", "#000000", "2.2"),
        ] {
            if lines.is_empty() {
                continue;
            }
            w!(
                svg,
                r#"<path class="map-outline map-outline-{class}" stroke="{colour}" stroke-width="{width}" d=""#
            );
            for l in lines {
                let closed = l.len() > 3 && l.first() == l.last();
                let pts = if closed { &l[..l.len() - 1] } else { &l[..] };
                path_points(&mut svg, pts, closed);
            }
            svg.raw(r#""/>"#);
        }
        svg.raw("</g>");
    }

    write_legend(&mut svg, prefix, text, legend_at, font);
    svg.raw("</svg>");
    GeoMap {
        svg: svg.buf,
        drawn: drawn.len(),
        skipped,
        province_lines: counts.0,
        region_lines: counts.1,
        country_lines: counts.2,
    }
}

// ---------------------------------------------------------------------------------------
// Coverage chart
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
enum Marker {
    Circle,
    Square,
    Triangle,
    Diamond,
    TriangleDown,
    Bar,
}

/// Colour, dash pattern and marker all differ per series, so lines stay distinguishable in
/// greyscale and for colour-blind readers.
struct SeriesStyle {
    colour: &'static str,
    dash: &'static str,
    width: &'static str,
    marker: Marker,
}

const SERIES_STYLES: [SeriesStyle; 6] = [
    SeriesStyle {
        colour: "#000000",
        dash: "",
        width: "3",
        marker: Marker::Circle,
    },
    SeriesStyle {
        colour: "#D55E00",
        dash: "8 4",
        width: "2.5",
        marker: Marker::Square,
    },
    SeriesStyle {
        colour: "#0072B2",
        dash: ".1 5",
        width: "3",
        marker: Marker::Triangle,
    },
    SeriesStyle {
        colour: "#009E73",
        dash: "12 4 2 4",
        width: "2.5",
        marker: Marker::Diamond,
    },
    SeriesStyle {
        colour: "#CC79A7",
        dash: "4 3",
        width: "2.5",
        marker: Marker::TriangleDown,
    },
    SeriesStyle {
        colour: "#E69F00",
        dash: "14 3 3 3 3 3",
        width: "2.5",
        marker: Marker::Bar,
    },
];

fn write_marker(svg: &mut Svg, marker: Marker, (x, y): (f64, f64), r: f64) {
    match marker {
        Marker::Circle => w!(
            svg,
            "M{} {}a{} {} 0 1 0 {} 0a{} {} 0 1 0 {} 0z",
            t1(x - r),
            t1(y),
            t1(r),
            t1(r),
            t1(2.0 * r),
            t1(r),
            t1(r),
            t1(-2.0 * r)
        ),
        Marker::Square => w!(
            svg,
            "M{} {}h{}v{}h{}z",
            t1(x - r),
            t1(y - r),
            t1(2.0 * r),
            t1(2.0 * r),
            t1(-2.0 * r)
        ),
        Marker::Triangle | Marker::TriangleDown => {
            let s = if matches!(marker, Marker::Triangle) {
                1.0
            } else {
                -1.0
            };
            w!(
                svg,
                "M{} {}L{} {}L{} {}z",
                t1(x),
                t1(y - s * 1.3 * r),
                t1(x + 1.2 * r),
                t1(y + s * 0.9 * r),
                t1(x - 1.2 * r),
                t1(y + s * 0.9 * r)
            );
        }
        Marker::Diamond => w!(
            svg,
            "M{} {}L{} {}L{} {}L{} {}z",
            t1(x),
            t1(y - 1.4 * r),
            t1(x + 1.4 * r),
            t1(y),
            t1(x),
            t1(y + 1.4 * r),
            t1(x - 1.4 * r),
            t1(y)
        ),
        Marker::Bar => w!(
            svg,
            "M{} {}h{}v{}h{}z",
            t1(x - 0.6 * r),
            t1(y - 1.3 * r),
            t1(1.2 * r),
            t1(2.6 * r),
            t1(-1.2 * r)
        ),
    }
}

fn render_chart(series: &[Series], text: &ChartText, prefix: &str) -> String {
    const LEFT: f64 = 64.0;
    const TOP: f64 = 16.0;
    const PLOT_W: f64 = 480.0;
    const PLOT_H: f64 = 260.0;
    const BOTTOM: f64 = 56.0;
    const FONT: f64 = 13.0;
    const LABEL_GAP: f64 = 18.0;

    // Only finite points with a plausible year take part; shares are clamped to 0..=1.
    let clean: Vec<Vec<(f64, f64)>> = series
        .iter()
        .map(|s| {
            let mut pts: Vec<(f64, f64)> = s
                .points
                .iter()
                .filter(|(x, y)| x.is_finite() && y.is_finite() && x.abs() <= 1e6)
                .map(|&(x, y)| (x, y.clamp(0.0, 1.0)))
                .collect();
            pts.sort_by(|a, b| a.0.total_cmp(&b.0));
            pts
        })
        .collect();
    let xs = clean.iter().flatten().map(|p| p.0);
    let (lo, hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
        (lo.min(x), hi.max(x))
    });
    let has_data = lo <= hi;
    let (lo, hi) = match (has_data, hi - lo > 1e-9) {
        (false, _) => (0.0, 1.0),
        (true, false) => (lo - 0.5, hi + 0.5),
        (true, true) => (lo, hi),
    };
    let plot_right = LEFT + PLOT_W;
    let plot_bottom = TOP + PLOT_H;
    let sx = |x: f64| LEFT + (x - lo) / (hi - lo) * PLOT_W;
    let sy = |y: f64| plot_bottom - y * PLOT_H;

    let label_w = series
        .iter()
        .zip(&clean)
        .filter(|(_, p)| !p.is_empty())
        .map(|(s, _)| text_width(s.label, FONT))
        .fold(0.0, f64::max);
    let width = plot_right + 30.0 + label_w + 10.0;
    let height = plot_bottom + BOTTOM;

    let mut svg = Svg::with_capacity(8192);
    open_root(
        &mut svg,
        prefix,
        "chart chart-coverage",
        "img",
        (width, height),
        text.title,
        text.description,
    );
    w!(
        svg,
        r##"<g class="chart-axes" font-family="sans-serif" font-size="{}" fill="#333333">"##,
        t1(FONT)
    );
    // Gridlines and y labels every 25 %.
    let mut grid = Svg::with_capacity(256);
    for k in 0..=4 {
        let y = sy(f64::from(k) * 0.25);
        path_points(
            &mut grid,
            &[
                to_pt(tenths(LEFT), tenths(y)),
                to_pt(tenths(plot_right), tenths(y)),
            ],
            false,
        );
        w!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="end">{}%</text>"#,
            t1(LEFT - 8.0),
            t1(y + FONT * 0.35),
            k * 25
        );
    }
    w!(
        svg,
        r##"<path class="chart-grid" fill="none" stroke="#BBBBBB" stroke-width="1" d="{}"/>"##,
        grid.buf
    );
    // X ticks on whole years, thinned out when there are many.
    let mut ticks = Svg::with_capacity(256);
    if has_data {
        let first = lo.ceil() as i64;
        let last = hi.floor() as i64;
        let count = last - first + 1;
        let step = if count > 12 { (count + 11) / 12 } else { 1 };
        let mut year = first;
        while year <= last {
            let x = sx(year as f64);
            path_points(
                &mut ticks,
                &[
                    to_pt(tenths(x), tenths(plot_bottom)),
                    to_pt(tenths(x), tenths(plot_bottom + 5.0)),
                ],
                false,
            );
            w!(
                svg,
                r#"<text x="{}" y="{}" text-anchor="middle">{year}</text>"#,
                t1(x),
                t1(plot_bottom + 8.0 + FONT)
            );
            year += step;
        }
    }
    path_points(
        &mut ticks,
        &[
            to_pt(tenths(LEFT), tenths(TOP)),
            to_pt(tenths(LEFT), tenths(plot_bottom)),
            to_pt(tenths(plot_right), tenths(plot_bottom)),
        ],
        false,
    );
    w!(
        svg,
        r##"<path class="chart-axis" fill="none" stroke="#333333" stroke-width="1" d="{}"/>"##,
        ticks.buf
    );
    w!(
        svg,
        r#"<text class="chart-x-label" x="{}" y="{}" text-anchor="middle">{}</text>"#,
        t1(LEFT + PLOT_W / 2.0),
        t1(height - 8.0),
        Esc(text.x_label)
    );
    w!(
        svg,
        r#"<text class="chart-y-label" transform="rotate(-90)" x="{}" y="{}" text-anchor="middle">{}</text>"#,
        t1(-(TOP + PLOT_H / 2.0)),
        t1(FONT + 2.0),
        Esc(text.y_label)
    );
    svg.raw("</g>");

    // Styles: fixed for the known regions, fallbacks in order of appearance for others.
    let mut fallback = 0usize;
    let styles: Vec<&SeriesStyle> = series
        .iter()
        .map(|s| {
            let idx = match s.key {
                "BE" => 0,
                "BRU" => 1,
                "VLG" => 2,
                "WAL" => 3,
                _ => {
                    fallback += 1;
                    4 + (fallback - 1) % 2
                }
            };
            &SERIES_STYLES[idx]
        })
        .collect();

    // Direct labels in the right margin, pushed apart so they never overlap.
    let mut labels: Vec<(f64, usize)> = clean
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.last().map(|&(_, y)| (sy(y), i)))
        .collect();
    labels.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    for k in 1..labels.len() {
        labels[k].0 = labels[k].0.max(labels[k - 1].0 + LABEL_GAP);
    }
    if let Some(last) = labels.last_mut() {
        last.0 = last.0.min(plot_bottom);
    }
    for k in (0..labels.len().saturating_sub(1)).rev() {
        labels[k].0 = labels[k].0.min(labels[k + 1].0 - LABEL_GAP);
    }
    let mut label_y = vec![0.0; series.len()];
    for &(y, i) in &labels {
        label_y[i] = y;
    }

    for (i, (s, pts)) in series.iter().zip(&clean).enumerate() {
        if pts.is_empty() {
            continue;
        }
        let style = styles[i];
        let colour = style.colour;
        w!(
            svg,
            r#"<g class="chart-series series-{}">"#,
            class_token(s.key)
        );
        if pts.len() >= 2 {
            w!(
                svg,
                r#"<polyline class="chart-line" fill="none" stroke="{colour}" stroke-width="{}" stroke-linejoin="round" stroke-linecap="round""#,
                style.width
            );
            if !style.dash.is_empty() {
                w!(svg, r#" stroke-dasharray="{}""#, style.dash);
            }
            svg.raw(r#" points=""#);
            for (k, &(x, y)) in pts.iter().enumerate() {
                if k > 0 {
                    svg.raw(" ");
                }
                w!(svg, "{},{}", t1(sx(x)), t1(sy(y)));
            }
            svg.raw(r#""/>"#);
        }
        w!(svg, r#"<path class="chart-markers" fill="{colour}" d=""#);
        for &(x, y) in pts {
            write_marker(&mut svg, style.marker, (sx(x), sy(y)), 4.0);
        }
        svg.raw(r#""/>"#);
        // Leader from the line end to its label, marker glyph, then the label text.
        let end = pts.last().map_or((0.0, 0.0), |&(x, y)| (sx(x), sy(y)));
        let ly = label_y[i];
        w!(
            svg,
            r#"<path class="chart-leader" fill="none" stroke="{colour}" stroke-width="1" d=""#
        );
        path_points(
            &mut svg,
            &[
                to_pt(tenths(end.0 + 6.0), tenths(end.1)),
                to_pt(tenths(plot_right + 8.0), tenths(ly)),
            ],
            false,
        );
        w!(svg, r#""/><path fill="{colour}" d=""#);
        write_marker(&mut svg, style.marker, (plot_right + 16.0, ly), 4.0);
        w!(
            svg,
            r##""/><text class="chart-label" x="{}" y="{}" font-family="sans-serif" font-size="{}" fill="#1A1A1A">{}</text></g>"##,
            t1(plot_right + 26.0),
            t1(ly + FONT * 0.35),
            t1(FONT),
            Esc(s.label)
        );
    }
    svg.raw("</svg>");
    svg.buf
}

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::time::Instant;

    /// The project's own data: open-licence boundaries and the reference geography.
    const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data");

    fn text<'a>(legend: &'a [LegendEntry<'a>]) -> MapText<'a> {
        MapText {
            title: "LIVC-R status on 25/11/2026",
            description: "212 of 565 municipalities have their own LIVC-R.",
            legend_title: "Status",
            legend,
            cell_label: "LIVC-R",
        }
    }

    fn area<'a>(nis: &'a str, name: &'a str, centroid: (f64, f64)) -> MapArea<'a> {
        MapArea {
            nis,
            name,
            status: MapStatus::Own,
            status_label: "Eigen LIVC-R",
            cell_id: None,
            cell_name: None,
            province: "40000",
            region: "VLG",
            centroid,
            geometry: None,
            href: "/nl/municipalities/44021",
            dimmed: false,
        }
    }

    /// Checks every output must pass: one svg root, no inline styles, no NaN/inf,
    /// unique ids, every url(#id) reference defined.
    fn check_svg(svg: &str) {
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 "));
        assert!(svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<svg").count(), 1);
        assert!(!svg.contains("style="), "inline style attribute");
        assert!(!svg.contains("<style"), "style element");
        for bad in ["NaN", "inf", "Infinity"] {
            assert!(!svg.contains(bad), "{bad} in output");
        }
        let ids: Vec<&str> = svg
            .split(" id=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .collect();
        let unique: HashSet<&&str> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len(), "duplicate ids");
        for r in svg.split("url(#").skip(1) {
            let id = r.split(')').next().unwrap();
            assert!(ids.contains(&id), "undefined reference {id}");
        }
        assert_eq!(svg.matches("<a ").count(), svg.matches("</a>").count());
        assert_eq!(svg.matches("<g").count(), svg.matches("</g>").count());
    }

    #[test]
    fn status_codes() {
        let codes: Vec<&str> = MapStatus::ALL.iter().map(|s| s.code()).collect();
        assert_eq!(codes, ["own", "joint", "preparation", "none", "unknown"]);
    }

    #[test]
    fn tenths_format() {
        let f = |v: i64| T(v).to_string();
        assert_eq!(f(0), "0");
        assert_eq!(f(5), ".5");
        assert_eq!(f(-5), "-.5");
        assert_eq!(f(120), "12");
        assert_eq!(f(-123), "-12.3");
        assert_eq!(t1(f64::NAN).to_string(), "0");
        assert_eq!(t1(f64::INFINITY).to_string(), "0");
    }

    #[test]
    fn untrusted_text_is_escaped() {
        let geometry =
            r#"{"type":"Polygon","coordinates":[[[4.0,51.0],[4.1,51.0],[4.1,51.1],[4.0,51.0]]]}"#;
        let mut a = area("44021", "<script>alert('x')</script>", (4.05, 51.05));
        a.status_label = "A & B \"quoted\"";
        a.cell_name = Some("</title><script>");
        a.geometry = Some(geometry);
        a.href = "/nl/municipalities/44021?a=1&b=<2>";
        let legend = [LegendEntry {
            status: MapStatus::Own,
            label: "<b>Own</b>",
            count: 1,
        }];
        let mut t = text(&legend);
        t.title = "<script>t</script>";
        t.cell_label = "Cel's";
        let chart_text = ChartText {
            title: "<script>",
            description: "&",
            y_label: "<y>",
            x_label: "\"x\"",
        };
        let series = [Series {
            key: "BE\"><script>",
            label: "<script>",
            points: &[(2020.0, 0.5)],
        }];
        for svg in [
            tile_map(&[a], &t),
            geo_map(&[a], &t),
            coverage_chart(&series, &chart_text),
        ] {
            check_svg(&svg);
            assert!(!svg.contains("<script"), "{svg}");
            assert!(!svg.contains("<b>"));
            assert!(svg.contains("&lt;script&gt;"));
        }
        let svg = tile_map(&[a], &t);
        assert!(svg.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;: A &amp; B &quot;quoted&quot; (Cel&#39;s &lt;/title&gt;&lt;script&gt;)"));
        assert!(svg.contains(r#"href="/nl/municipalities/44021?a=1&amp;b=&lt;2&gt;""#));
        assert!(svg.contains("&lt;b&gt;Own&lt;/b&gt; (1)"));
    }

    #[test]
    fn control_characters_and_script_urls_are_neutralised() {
        let mut a = area("1", "bad\u{0}name", (4.0, 50.5));
        a.href = " Java\tScript:alert(1)";
        let svg = tile_map(&[a], &text(&[]));
        assert!(!svg.contains('\u{0}'));
        assert!(svg.contains("bad\u{FFFD}name"));
        assert!(svg.contains(r##"href="#""##));
        assert_eq!(safe_href("/nl/x"), "/nl/x");
        assert_eq!(safe_href("https://example.org/"), "https://example.org/");
        assert_eq!(safe_href("data:text/html,x"), "#");
        assert_eq!(safe_href("?q=a:b"), "?q=a:b");
    }

    #[test]
    fn accessible_names_roles_and_dimming() {
        let mut gent = area("44021", "Gent", (3.72, 51.05));
        gent.cell_id = Some(7);
        gent.cell_name = Some("Gent");
        let mut dimmed = area("44083", "Melle", (3.8, 51.0));
        dimmed.dimmed = true;
        let legend = [];
        let t = text(&legend);
        let svg = tile_map(&[gent, dimmed], &t);
        check_svg(&svg);
        assert!(svg.contains(
            r#"role="group" aria-labelledby="tiles-title tiles-desc"><title id="tiles-title">"#
        ));
        assert!(svg.contains(r#"class="map map-tiles""#));
        assert!(svg.contains(r#"aria-label="Gent: Eigen LIVC-R (LIVC-R Gent)"><title>Gent: Eigen LIVC-R (LIVC-R Gent)</title>"#));
        assert!(svg.contains(r#"class="map-area status-own" fill="url(#tiles-pattern-own)""#));
        assert_eq!(svg.matches("<a ").count(), 1);
        assert!(svg.contains(r#"class="map-area status-own map-dimmed""#));
        assert!(svg.contains(r#"aria-hidden="true""#));
        assert!(!svg.contains("map-legend"), "empty legend is not drawn");
        let svg = tile_map_with_prefix(&[gent], &t, "tiles 2019");
        assert!(svg.contains(r#"id="tiles-2019-title""#));
        assert!(svg.contains("url(#tiles-2019-pattern-own)"));
    }

    #[test]
    fn degenerate_inputs_render_without_nan() {
        let legend = [LegendEntry {
            status: MapStatus::Joint,
            label: "Joint",
            count: 0,
        }];
        let empty = text(&[]);
        let with_legend = text(&legend);
        let one = [area("1", "One", (4.0, 50.5))];
        let nan = [
            area("1", "Nan", (f64::NAN, f64::INFINITY)),
            area("2", "Two", (4.0, 50.5)),
        ];
        let names: Vec<String> = (0..200).map(|i| format!("{i:05}")).collect();
        let same: Vec<MapArea> = names.iter().map(|n| area(n, n, (4.35, 50.85))).collect();
        let line: Vec<MapArea> = names
            .iter()
            .enumerate()
            .map(|(i, n)| area(n, n, (3.0 + i as f64 * 0.01, 50.5)))
            .collect();
        let broken_geometry = [MapArea {
            geometry: Some(r#"{"type":"Polygon","coordinates":[[[1e308,"x"]]]}"#),
            ..area("1", "Broken", (4.0, 50.5))
        }];
        for areas in [&[][..], &one, &nan, &same, &line, &broken_geometry] {
            for t in [&empty, &with_legend] {
                check_svg(&tile_map(areas, t));
                let geo = geo_map_detailed(areas, t, "geo");
                check_svg(&geo.svg);
                assert_eq!(geo.drawn, 0);
                assert_eq!(geo.skipped.len(), areas.len());
                assert_eq!(geo.svg.matches("<a ").count(), 0);
            }
        }
        for areas in [&same, &line] {
            let cells = layout_hexes(areas);
            let unique: HashSet<&Hex> = cells.iter().collect();
            assert_eq!(unique.len(), areas.len());
            assert_eq!(
                tile_map(areas, &with_legend).matches("<a ").count(),
                areas.len()
            );
        }
    }

    #[test]
    fn output_is_deterministic() {
        let names: Vec<String> = (0..120).map(|i| format!("{i:05}")).collect();
        let areas: Vec<MapArea> = names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let f = i as f64;
                area(n, n, (3.0 + (f * 0.37) % 3.0, 49.6 + (f * 0.13) % 1.8))
            })
            .collect();
        let t = text(&[]);
        assert_eq!(tile_map(&areas, &t), tile_map(&areas, &t));
    }

    #[test]
    fn joint_cells_get_a_thick_border() {
        let mut a = area("1", "A", (4.0, 50.5));
        let mut b = area("2", "B", (4.02, 50.5));
        let c = area("3", "C", (4.5, 50.9));
        a.cell_id = Some(1);
        b.cell_id = Some(1);
        let svg = tile_map(&[a, b, c], &text(&[]));
        check_svg(&svg);
        assert!(svg.contains(r#"class="map-cell-border""#));
        // A lone municipality with its own cell id gets no thick border.
        let mut lone = c;
        lone.cell_id = Some(9);
        let svg = tile_map(&[lone], &text(&[]));
        assert!(!svg.contains("map-cell-border"));
    }

    #[test]
    fn simplification_keeps_shared_borders_identical() {
        // Two squares sharing a wiggly edge; the shared arc must simplify identically.
        let mut shared: Vec<Pt> = (0..=50).map(|i| (0, i * 20)).collect();
        for (k, p) in shared.iter_mut().enumerate() {
            p.0 = if k % 2 == 0 { 0 } else { 3 };
        }
        shared[0].0 = 0;
        shared[50].0 = 0;
        let mut left = vec![(-500, 1000), (-500, 0)];
        left.extend(shared.iter().copied());
        left.pop();
        let mut right: Vec<Pt> = vec![(500, 0), (500, 1000)];
        right.extend(shared.iter().rev().copied());
        right.pop();
        let mut edges: HashMap<(Pt, Pt), EdgeUse> = HashMap::new();
        for (area, ring) in [(0, &left), (1, &right)] {
            for j in 0..ring.len() {
                let e = edges
                    .entry(edge_key(ring[j], ring[(j + 1) % ring.len()]))
                    .or_insert(EdgeUse {
                        first: OUTSIDE,
                        second: OUTSIDE,
                    });
                if e.first == OUTSIDE {
                    e.first = area;
                } else {
                    e.second = area;
                }
            }
        }
        let arcs_l = ring_arcs(&left, &edges);
        let arcs_r = ring_arcs(&right, &edges);
        let shared_l: Vec<Pt> = arcs_l
            .iter()
            .find(|a| a.1 == (0, 1))
            .map(|a| simplify_arc(&a.0, 100.0))
            .unwrap();
        let mut shared_r: Vec<Pt> = arcs_r
            .iter()
            .find(|a| a.1 == (0, 1))
            .map(|a| simplify_arc(&a.0, 100.0))
            .unwrap();
        shared_r.reverse();
        assert_eq!(shared_l, shared_r);
        assert!(shared_l.len() < 10);
    }

    #[test]
    fn chart_handles_degenerate_series() {
        let t = ChartText {
            title: "Coverage",
            description: "Share of municipalities with a cell",
            y_label: "Share",
            x_label: "Year",
        };
        let one = [(2020.5, 0.4)];
        let bad = [
            (f64::NAN, 0.5),
            (2021.0, f64::INFINITY),
            (1e300, 0.2),
            (2022.0, 7.0),
        ];
        let cases: Vec<Vec<Series>> = vec![
            vec![],
            vec![Series {
                key: "BE",
                label: "België",
                points: &[],
            }],
            vec![Series {
                key: "BE",
                label: "België",
                points: &one,
            }],
            vec![Series {
                key: "XX",
                label: "Other",
                points: &bad,
            }],
        ];
        for s in &cases {
            let svg = coverage_chart(s, &t);
            check_svg(&svg);
            assert!(svg.contains(r#"role="img" aria-labelledby="chart-title chart-desc""#));
        }
        let svg = coverage_chart(&cases[2], &t);
        assert!(svg.contains(">2020<") && svg.contains(">2021<"));
    }

    #[test]
    fn chart_real_shape() {
        let be = [
            (2019.0, 0.2),
            (2020.0, 0.3),
            (2021.0, 0.45),
            (2022.0, 0.5),
            (2023.0, 0.58),
            (2024.0, 0.6),
            (2025.9, 0.64),
        ];
        let bru = [
            (2019.0, 0.1),
            (2020.0, 0.25),
            (2021.0, 0.42),
            (2022.0, 0.63),
            (2023.0, 0.74),
            (2024.0, 0.9),
            (2025.9, 0.95),
        ];
        let vlg = [
            (2019.0, 0.3),
            (2020.0, 0.4),
            (2021.0, 0.55),
            (2022.0, 0.6),
            (2023.0, 0.66),
            (2024.0, 0.66),
            (2025.9, 0.67),
        ];
        let wal = [
            (2019.0, 0.1),
            (2020.0, 0.2),
            (2021.0, 0.35),
            (2022.0, 0.4),
            (2023.0, 0.5),
            (2024.0, 0.55),
            (2025.9, 0.62),
        ];
        let series = [
            Series {
                key: "BE",
                label: "België",
                points: &be,
            },
            Series {
                key: "BRU",
                label: "Brussels Hoofdstedelijk Gewest",
                points: &bru,
            },
            Series {
                key: "VLG",
                label: "Vlaams Gewest",
                points: &vlg,
            },
            Series {
                key: "WAL",
                label: "Waals Gewest",
                points: &wal,
            },
        ];
        let t = ChartText {
            title: "LIVC-R coverage 2019-2025",
            description: "Share of municipalities with an LIVC-R, per region.",
            y_label: "Gemeenten met LIVC-R",
            x_label: "Jaar",
        };
        let svg = coverage_chart(&series, &t);
        check_svg(&svg);
        assert_eq!(svg.matches("<polyline").count(), 4);
        write_out("chart.svg", &svg);
        println!("chart: {} bytes", svg.len());
    }

    // ----- real data -----

    struct Owned {
        nis: String,
        name: String,
        province: String,
        region: String,
        centroid: (f64, f64),
        geometry: String,
        status: MapStatus,
        cell_id: Option<i64>,
        cell_name: Option<String>,
        href: String,
    }

    fn status_label(s: MapStatus) -> &'static str {
        match s {
            MapStatus::Own => "Eigen LIVC-R",
            MapStatus::Joint => "Gemeenschappelijke LIVC-R",
            MapStatus::Preparation => "In voorbereiding",
            MapStatus::None => "Geen LIVC-R",
            MapStatus::Unknown => "Onbekend",
        }
    }

    /// Area-weighted centroid of the largest outer ring.
    fn centroid(geometry: &serde_json::Value) -> (f64, f64) {
        let coords = &geometry["coordinates"];
        let outers: Vec<&serde_json::Value> = if geometry["type"] == "Polygon" {
            vec![&coords[0]]
        } else {
            coords.as_array().unwrap().iter().map(|p| &p[0]).collect()
        };
        let mut best = (0.0f64, (0.0, 0.0));
        for ring in outers {
            let pts: Vec<(f64, f64)> = ring
                .as_array()
                .unwrap()
                .iter()
                .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
                .collect();
            let (mut a, mut cx, mut cy) = (0.0, 0.0, 0.0);
            for w in pts.windows(2) {
                let c = w[0].0 * w[1].1 - w[1].0 * w[0].1;
                a += c;
                cx += (w[0].0 + w[1].0) * c;
                cy += (w[0].1 + w[1].1) * c;
            }
            if a.abs() > best.0 {
                best = (a.abs(), (cx / (3.0 * a), cy / (3.0 * a)));
            }
        }
        best.1
    }

    /// Police zones with several members on `day` stand in for joint cells in the test data
    /// (every third such zone).
    fn joint_zones(day: &str) -> HashMap<String, (i64, String)> {
        let csv = std::fs::read_to_string(format!("{DATA}/geo/police_zone_members.csv")).unwrap();
        let mut zones: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for line in csv.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            let valid = f[2] <= day && (f[3].is_empty() || f[3] > day);
            if valid {
                zones
                    .entry(f[0].to_string())
                    .or_default()
                    .push(f[1].to_string());
            }
        }
        let mut out = HashMap::new();
        for (row, (zone, members)) in zones.iter().filter(|(_, m)| m.len() >= 2).enumerate() {
            if row % 3 == 0 {
                for m in members {
                    out.insert(m.clone(), (1_000_000 + row as i64, format!("Zone {zone}")));
                }
            }
        }
        out
    }

    /// (Dutch name, province, region) by NIS code, from the reference geography.
    fn names() -> HashMap<String, (String, String, String)> {
        let csv = std::fs::read_to_string(format!("{DATA}/geo/municipalities.csv")).unwrap();
        csv.lines()
            .skip(1)
            .map(|line| {
                let f: Vec<&str> = line.split(',').collect();
                (
                    f[0].to_string(),
                    (f[1].to_string(), f[5].to_string(), f[6].to_string()),
                )
            })
            .collect()
    }

    /// The municipalities of `year` with their open-licence boundaries (they are part of
    /// the repository, so a missing file fails the test instead of skipping it).
    fn load(year: &str, day: &str) -> Vec<Owned> {
        let text =
            std::fs::read_to_string(format!("{DATA}/boundaries/municipalities-{year}.geojson"))
                .unwrap();
        let names = names();
        let fc: serde_json::Value = serde_json::from_str(&text).unwrap();
        let zones = joint_zones(day);
        let features = fc["features"].as_array().unwrap();
        features
            .iter()
            .map(|f| {
                let p = &f["properties"];
                let nis = p["nis"].as_str().unwrap().to_string();
                let (name, province, region) = names[&nis].clone();
                let n: u64 = nis.parse().unwrap();
                let (status, cell_id, cell_name) = match zones.get(&nis) {
                    Some((id, zone)) => (MapStatus::Joint, Some(*id), Some(zone.clone())),
                    None => match n % 10 {
                        0..=4 => (MapStatus::Own, Some(n as i64), Some(name.clone())),
                        5 | 6 => (MapStatus::Preparation, None, None),
                        7 | 8 => (MapStatus::None, None, None),
                        _ => (MapStatus::Unknown, None, None),
                    },
                };
                Owned {
                    href: format!("/nl/municipalities/{nis}"),
                    nis,
                    name,
                    province,
                    region,
                    centroid: centroid(&f["geometry"]),
                    geometry: serde_json::to_string(&f["geometry"]).unwrap(),
                    status,
                    cell_id,
                    cell_name,
                }
            })
            .collect()
    }

    fn views(owned: &[Owned]) -> Vec<MapArea<'_>> {
        owned
            .iter()
            .map(|o| MapArea {
                nis: &o.nis,
                name: &o.name,
                status: o.status,
                status_label: status_label(o.status),
                cell_id: o.cell_id,
                cell_name: o.cell_name.as_deref(),
                province: &o.province,
                region: &o.region,
                centroid: o.centroid,
                geometry: Some(&o.geometry),
                href: &o.href,
                dimmed: false,
            })
            .collect()
    }

    fn legend_for(areas: &[MapArea]) -> Vec<LegendEntry<'static>> {
        MapStatus::ALL
            .iter()
            .map(|&s| LegendEntry {
                status: s,
                label: status_label(s),
                count: areas.iter().filter(|a| a.status == s).count(),
            })
            .collect()
    }

    fn write_out(name: &str, svg: &str) {
        let dir = std::env::temp_dir().join("radix-maps");
        let dir = dir.display();
        std::fs::create_dir_all(dir.to_string()).unwrap();
        std::fs::write(format!("{dir}/{name}"), svg).unwrap();
    }

    /// The links must run roughly north to south: the first tenth of them lies clearly
    /// north of the last tenth.
    fn assert_reading_order(svg: &str, areas: &[MapArea]) {
        let lat: HashMap<&str, f64> = areas.iter().map(|a| (a.href, a.centroid.1)).collect();
        let order: Vec<f64> = svg
            .split("<a href=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .map(|h| lat[h])
            .collect();
        let k = order.len() / 10;
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        assert!(mean(&order[..k]) > mean(&order[order.len() - k..]) + 1.0);
    }

    fn check_real_tiles(year: &str, day: &str, expected: usize) {
        let owned = load(year, day);
        let areas = views(&owned);
        assert_eq!(areas.len(), expected);
        let start = Instant::now();
        let cells = layout_hexes(&areas);
        let elapsed = start.elapsed();
        let unique: HashSet<&Hex> = cells.iter().collect();
        assert_eq!(unique.len(), areas.len(), "hex positions are unique");
        let legend = legend_for(&areas);
        let start = Instant::now();
        let svg = tile_map(&areas, &text(&legend));
        let render = start.elapsed();
        check_svg(&svg);
        assert_reading_order(&svg, &areas);
        for a in &areas {
            assert_eq!(
                svg.matches(&format!("href=\"{}\"", a.href)).count(),
                1,
                "{}",
                a.nis
            );
        }
        assert!(svg.contains("map-cell-border") && svg.contains("map-region-border"));
        println!(
            "tiles {year}: {} areas, layout {:?}, whole tile_map {:?}, {} bytes",
            areas.len(),
            elapsed,
            render,
            svg.len()
        );
        write_out(&format!("tiles-{year}.svg"), &svg);
        // Also with a filter applied: dimmed areas lose their link.
        let filtered: Vec<MapArea> = areas
            .iter()
            .map(|a| MapArea {
                dimmed: a.region != "BRU",
                ..*a
            })
            .collect();
        let svg = tile_map(&filtered, &text(&legend));
        check_svg(&svg);
        assert_eq!(svg.matches("<a ").count(), 19);
        write_out(&format!("tiles-{year}-bru.svg"), &svg);
    }

    #[test]
    fn real_tiles_2025() {
        check_real_tiles("2025", "2025-06-01", 565);
    }

    #[test]
    fn real_tiles_2019() {
        check_real_tiles("2019", "2019-06-01", 581);
    }

    #[test]
    fn real_geo_2025() {
        let owned = load("2025", "2025-06-01");
        let areas = views(&owned);
        let legend = legend_for(&areas);
        let start = Instant::now();
        let geo = geo_map_detailed(&areas, &text(&legend), "geo");
        let elapsed = start.elapsed();
        check_svg(&geo.svg);
        assert_eq!(geo.drawn, 565);
        assert!(geo.skipped.is_empty());
        assert!(geo.province_lines > 0 && geo.region_lines > 0 && geo.country_lines > 0);
        assert!(geo.svg.contains("map-outline map-outline-province"));
        assert!(geo.svg.contains("map-outline map-outline-region"));
        assert!(geo.svg.len() < 600_000, "{} bytes", geo.svg.len());
        assert_reading_order(&geo.svg, &areas);
        for a in &areas {
            assert_eq!(geo.svg.matches(&format!("href=\"{}\"", a.href)).count(), 1);
        }
        println!(
            "geo 2025: {} bytes, {:?}, outlines province {} region {} country {}",
            geo.svg.len(),
            elapsed,
            geo.province_lines,
            geo.region_lines,
            geo.country_lines
        );
        write_out("geo-2025.svg", &geo.svg);

        // Missing geometry for some areas: they are skipped and reported.
        let partial: Vec<MapArea> = areas
            .iter()
            .enumerate()
            .map(|(i, a)| MapArea {
                geometry: if i % 10 == 0 { None } else { a.geometry },
                ..*a
            })
            .collect();
        let geo = geo_map_detailed(&partial, &text(&legend), "geo");
        check_svg(&geo.svg);
        assert_eq!(geo.skipped.len(), 57);
        assert_eq!(geo.drawn, 565 - 57);
    }

    #[test]
    fn real_geo_2019() {
        let owned = load("2019", "2019-06-01");
        let areas = views(&owned);
        let legend = legend_for(&areas);
        let geo = geo_map_detailed(&areas, &text(&legend), "geo");
        check_svg(&geo.svg);
        assert_eq!(geo.drawn, 581);
        assert!(geo.svg.len() < 600_000);
        println!("geo 2019: {} bytes", geo.svg.len());
        write_out("geo-2019.svg", &geo.svg);
    }
}
