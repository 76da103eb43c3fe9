//! The map as a PNG image (for reports and slides), rasterised from the very SVG the page
//! shows, with the fonts installed on the server.

use std::sync::{Arc, OnceLock};

use resvg::usvg;

/// Output scale: the SVG's own pixel size times this, for a sharp picture on paper.
const SCALE: f32 = 2.0;
/// Refuse to allocate absurd images (a 4000 × 4000 pixel map is already large).
const MAX_SIDE: u32 = 6000;

fn fonts() -> Arc<usvg::fontdb::Database> {
    static FONTS: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut database = usvg::fontdb::Database::new();
            database.load_system_fonts();
            // The SVG asks for the generic "sans-serif": map it to a font that exists here.
            let available = |family: &str| {
                database.faces().any(|face| {
                    face.families
                        .iter()
                        .any(|(name, _)| name.eq_ignore_ascii_case(family))
                })
            };
            if let Some(family) = ["DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial"]
                .into_iter()
                .find(|f| available(f))
            {
                database.set_sans_serif_family(family);
            }
            if database.is_empty() {
                tracing::warn!(
                    "no fonts found: PNG maps will have no text (install fonts-dejavu-core)"
                );
            }
            Arc::new(database)
        })
        .clone()
}

#[derive(Debug, thiserror::Error)]
pub enum PngError {
    #[error("the SVG could not be read: {0}")]
    Svg(#[from] usvg::Error),
    #[error("the image would be too large or empty")]
    Size,
    #[error("encoding the PNG failed: {0}")]
    Encode(String),
}

/// Rasterises `svg` (white background) to PNG bytes.
pub fn render(svg: &str) -> Result<Vec<u8>, PngError> {
    let options = usvg::Options {
        fontdb: fonts(),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options)?;
    let size = tree.size();
    let width = (size.width() * SCALE).ceil() as u32;
    let height = (size.height() * SCALE).ceil() as u32;
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err(PngError::Size);
    }
    let mut pixmap = resvg::tiny_skia::Pixmap::new(width, height).ok_or(PngError::Size)?;
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(SCALE, SCALE),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|error| PngError::Encode(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_svg_becomes_a_png() {
        let svg = r##"<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10" viewBox="0 0 20 10"><rect width="10" height="10" fill="#0072B2"/><text x="11" y="8" font-family="sans-serif" font-size="8">A</text></svg>"##;
        let png = render(svg).expect("png");
        assert!(png.starts_with(b"\x89PNG"));
        assert!(render("not svg").is_err());
    }
}
