//! Thumbnails: `WxH` fills exactly W×H (cropping the overflow), `WxHf` fits inside W×H; a 0
//! keeps the aspect ratio on that side. Only sizes from `files.thumb_sizes` are made.

use std::fmt;
use std::io::Cursor;

use image::imageops::FilterType;
use image::{ImageFormat, ImageReader, Limits};

/// A thumbnail size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThumbSize {
    /// Width (0: from the height and the aspect ratio).
    pub width: u32,
    /// Height (0: from the width and the aspect ratio).
    pub height: u32,
    /// Fit inside rather than fill.
    pub fit: bool,
}

/// The largest side of a thumbnail.
const MAX_SIDE: u32 = 4096;

impl ThumbSize {
    /// Parses `WxH` or `WxHf` (sides 0 to 4096, not both 0).
    pub fn parse(text: &str) -> Option<Self> {
        let (text, fit) = match text.strip_suffix('f') {
            Some(rest) => (rest, true),
            None => (text, false),
        };
        let (w, h) = text.split_once('x')?;
        let side = |s: &str| {
            (!s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse::<u32>().ok())
                .flatten()
                .filter(|v| *v <= MAX_SIDE)
        };
        let (width, height) = (side(w)?, side(h)?);
        (width > 0 || height > 0).then_some(Self { width, height, fit })
    }

    /// The same size, either mode: `300x300f` is allowed where `300x300` is configured.
    pub fn same_box(&self, other: &ThumbSize) -> bool {
        self.width == other.width && self.height == other.height
    }

    /// Resizes an image; the new bytes and their content type. `None` when the bytes are not
    /// an image this build decodes (JPEG, PNG, WebP).
    pub fn render(&self, bytes: &[u8]) -> Option<(Vec<u8>, &'static str)> {
        let mut reader = ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            .ok()?;
        let format = reader.format()?;
        let mut limits = Limits::default();
        limits.max_image_width = Some(16_384);
        limits.max_image_height = Some(16_384);
        limits.max_alloc = Some(256 * 1024 * 1024);
        reader.limits(limits);
        let image = reader.decode().ok()?;
        let (w, h) = (image.width().max(1), image.height().max(1));
        let width = if self.width == 0 {
            (u64::from(self.height) * u64::from(w) / u64::from(h)).max(1) as u32
        } else {
            self.width
        };
        let height = if self.height == 0 {
            (u64::from(self.width) * u64::from(h) / u64::from(w)).max(1) as u32
        } else {
            self.height
        };
        let resized = if self.fit || self.width == 0 || self.height == 0 {
            image.resize(width, height, FilterType::Triangle)
        } else {
            image.resize_to_fill(width, height, FilterType::Triangle)
        };
        let mut out = Cursor::new(Vec::new());
        let (written, content_type) = if format == ImageFormat::Jpeg {
            (
                resized.to_rgb8().write_to(&mut out, ImageFormat::Jpeg).ok(),
                "image/jpeg",
            )
        } else {
            (
                resized.write_to(&mut out, ImageFormat::Png).ok(),
                "image/png",
            )
        };
        written.map(|()| (out.into_inner(), content_type))
    }
}

impl fmt::Display for ThumbSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}x{}", self.width, self.height)?;
        if self.fit {
            f.write_str("f")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_and_print() {
        let size = ThumbSize::parse("300x200f").expect("size");
        assert_eq!((size.width, size.height, size.fit), (300, 200, true));
        assert_eq!(size.to_string(), "300x200f");
        assert_eq!(
            ThumbSize::parse("750x0").map(|s| s.to_string()).as_deref(),
            Some("750x0")
        );
        for bad in ["0x0", "x1", "1x", "-1x3", "99999x1", "1x1ff", "1X1", "+1x1"] {
            assert_eq!(ThumbSize::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_png_is_filled_or_fitted() {
        let image = image::RgbImage::from_pixel(40, 20, image::Rgb([200, 10, 10]));
        let mut png = Cursor::new(Vec::new());
        image.write_to(&mut png, ImageFormat::Png).expect("png");
        let png = png.into_inner();
        let read = |bytes: &[u8]| image::load_from_memory(bytes).expect("decodes");
        let (filled, kind) = ThumbSize::parse("10x10")
            .expect("size")
            .render(&png)
            .expect("made");
        assert_eq!(kind, "image/png");
        assert_eq!((read(&filled).width(), read(&filled).height()), (10, 10));
        let (fitted, _) = ThumbSize::parse("10x10f")
            .expect("size")
            .render(&png)
            .expect("made");
        assert_eq!((read(&fitted).width(), read(&fitted).height()), (10, 5));
        let (wide, _) = ThumbSize::parse("20x0")
            .expect("size")
            .render(&png)
            .expect("made");
        assert_eq!((read(&wide).width(), read(&wide).height()), (20, 10));
        assert!(ThumbSize::parse("10x10")
            .expect("size")
            .render(b"not an image")
            .is_none());
    }
}
