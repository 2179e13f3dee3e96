//! SVG logo uploads rasterised with `resvg` (basic shapes, paths, gradients, no text: no fonts are loaded).
//! Nothing outside the upload is read: `<image>` references to files are ignored.

use resvg::tiny_skia::{Pixmap, Transform};
use resvg::usvg::{ImageHrefResolver, Options, Tree};

use super::rgba::Rgba;
use crate::LabelError;

/// Renders the SVG so its longer side is `side` pixels, keeping its aspect ratio.
pub(crate) fn render(bytes: &[u8], side: u32) -> Result<Rgba, LabelError> {
    let options = Options {
        image_href_resolver: ImageHrefResolver {
            resolve_data: ImageHrefResolver::default_data_resolver(),
            // The default would read files named by the SVG from the server's disk.
            resolve_string: Box::new(|_, _| None),
        },
        ..Options::default()
    };
    let tree = Tree::from_data(bytes, &options)
        .map_err(|e| LabelError::Logo(format!("The logo is not a readable SVG image: {e}")))?;
    let size = tree.size();
    let long = size.width().max(size.height());
    let scale = side as f32 / long;
    let pixels = |length: f32| ((length * scale).round() as u32).clamp(1, side);
    let (width, height) = (pixels(size.width()), pixels(size.height()));
    let mut pixmap =
        Pixmap::new(width, height).ok_or_else(|| LabelError::Logo("The SVG logo has an unusable size.".into()))?;
    let transform = Transform::from_scale(width as f32 / size.width(), height as f32 / size.height());
    resvg::render(&tree, transform, &mut pixmap.as_mut());
    let pixels = pixmap
        .pixels()
        .iter()
        .flat_map(|px| {
            let c = px.demultiply();
            [c.red(), c.green(), c.blue(), c.alpha()]
        })
        .collect();
    Ok(Rgba { width, height, pixels })
}
