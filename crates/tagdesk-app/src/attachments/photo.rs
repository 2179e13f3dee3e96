//! Photo intake: accept JPEG, PNG and WebP by their content, decode them within fixed limits, apply the
//! EXIF orientation, shrink them to at most [`MAX_LONG_SIDE`] pixels on the long side and re-encode them
//! as a fresh JPEG.
//!
//! The re-encode is what removes metadata: the output is built from pixels only, so no EXIF (GPS
//! position, camera serial number, capture time), XMP, IPTC, ICC profile or comment survives. File
//! names and declared content types are never looked at; only the bytes decide.
//!
//! HEIC/HEIF (the iPhone default) is refused with instructions: there is no maintained pure-Rust HEVC
//! decoder, and binding libheif/libde265 would add a C codec with a long record of memory-safety bugs to
//! the code path that handles untrusted uploads. iPhones send JPEG when "Most Compatible" is chosen,
//! and iOS usually converts to JPEG itself when the form's file input does not list HEIC in `accept`
//! (so forms use `accept="image/jpeg,image/png,image/webp"`).
//!
//! Processing is CPU-heavy (about 0.6 s for a 12 MP phone photo in a release build, mostly the
//! resize): async callers use [`process_async`], which runs [`process`] on tokio's blocking pool, at
//! most one photo per CPU core at a time.

use std::io::Cursor;
use std::sync::OnceLock;

use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits, RgbImage};

use crate::AppError;

/// The form / JSON field photo errors are reported on.
pub const PHOTOS_FIELD: &str = "photos";
/// The content type of every processed photo.
pub const JPEG_CONTENT_TYPE: &str = "image/jpeg";
/// Largest accepted image, in pixels (width × height), checked before any pixel is decoded. Phones take
/// 12 MP photos by default; 24 MP leaves room for larger cameras while bounding the decode and resize
/// work an anonymous visitor can cause (about 72 MB of RGB pixels per photo).
pub const MAX_PIXELS: u64 = 24_000_000;
/// Largest accepted width or height; no real photo of at most [`MAX_PIXELS`] comes close.
pub const MAX_SIDE: u32 = 40_000;
/// Most memory the decoder may allocate for one photo.
pub const MAX_DECODE_ALLOC: u64 = 512 * 1024 * 1024;
/// Long side of the stored photo, in pixels; larger photos are scaled down.
pub const MAX_LONG_SIDE: u32 = 2560;
/// JPEG quality of the stored photo.
pub const JPEG_QUALITY: u8 = 85;

/// A photo ready to store: a JPEG without metadata.
#[derive(Clone, PartialEq, Eq)]
pub struct ProcessedPhoto {
    /// The JPEG file.
    pub bytes: Vec<u8>,
    /// Always [`JPEG_CONTENT_TYPE`].
    pub content_type: &'static str,
    /// Width in pixels, after orientation.
    pub width: u32,
    /// Height in pixels, after orientation.
    pub height: u32,
}

impl std::fmt::Debug for ProcessedPhoto {
    /// Leaves out the bytes.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProcessedPhoto")
            .field("bytes", &format_args!("{} bytes", self.bytes.len()))
            .field("content_type", &self.content_type)
            .field("width", &self.width)
            .field("height", &self.height)
            .finish()
    }
}

/// Why a photo was refused. The messages are shown to the person who sent it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    /// More bytes than allowed.
    #[error("This photo is too large: each photo may be at most {}.", megabytes(*.max_bytes))]
    TooLarge {
        /// The limit in bytes.
        max_bytes: usize,
    },
    /// HEIC/HEIF, which cannot be decoded here.
    #[error(
        "HEIC photos are not supported. Please send the photo as JPEG (on iPhone: Settings → Camera → Formats → \
         Most Compatible)."
    )]
    Heic,
    /// Anything that is not a JPEG, PNG or WebP image by content.
    #[error("This file is not a JPEG, PNG or WebP photo.")]
    NotAPhoto,
    /// The file claims to be a supported image but cannot be decoded.
    #[error("This photo could not be read; the file may be damaged. Please try another photo.")]
    Corrupt,
    /// Larger than [`MAX_PIXELS`] (or a side larger than [`MAX_SIDE`]).
    #[error(
        "This photo has too many pixels (at most {} megapixels; phones take 12-megapixel photos by default). Please \
         send a smaller photo.",
        MAX_PIXELS / 1_000_000
    )]
    TooManyPixels,
    /// Our fault (the encoder failed, or the worker thread panicked); not the sender's.
    #[error("The photo could not be processed: {0}")]
    Internal(String),
}

impl PhotoError {
    /// Whether the sender can fix this (every variant but [`PhotoError::Internal`]).
    pub fn is_user_error(&self) -> bool {
        !matches!(self, Self::Internal(_))
    }

    /// The use-case error: invalid input on `field` (e.g. [`PHOTOS_FIELD`]), or an internal error.
    pub fn into_app_error(self, field: &str) -> AppError {
        match self {
            Self::Internal(message) => AppError::Internal(format!("photo processing: {message}")),
            user_error => AppError::invalid(field, user_error.to_string()),
        }
    }
}

impl From<PhotoError> for AppError {
    /// Invalid input on [`PHOTOS_FIELD`] (internal errors stay internal).
    fn from(err: PhotoError) -> Self {
        err.into_app_error(PHOTOS_FIELD)
    }
}

/// `10 MB`, `2.5 MB` (binary megabytes, as the limit is configured: 10 MB = 10,485,760 bytes).
fn megabytes(bytes: usize) -> String {
    let tenths = (bytes as u128 * 10 + 524_288) / 1_048_576;
    if tenths.is_multiple_of(10) {
        format!("{} MB", tenths / 10)
    } else {
        format!("{}.{} MB", tenths / 10, tenths % 10)
    }
}

/// Processes one uploaded photo: checks size and type by content, decodes within the limits, applies
/// the orientation, scales the long side down to [`MAX_LONG_SIDE`], flattens transparency onto white
/// and encodes a JPEG at quality [`JPEG_QUALITY`] that carries no metadata.
///
/// CPU-heavy; from async code call [`process_async`] instead.
pub fn process(bytes: &[u8], max_bytes: usize) -> Result<ProcessedPhoto, PhotoError> {
    if bytes.len() > max_bytes {
        return Err(PhotoError::TooLarge { max_bytes });
    }
    let format = sniff(bytes)?;

    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(decode_limits());
    // Reads the headers only; decoders refuse sides above MAX_SIDE here, before allocating pixels.
    let mut decoder = reader.into_decoder().map_err(decode_error)?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(PhotoError::Corrupt);
    }
    if u64::from(width) * u64::from(height) > MAX_PIXELS || decoder.total_bytes() > MAX_DECODE_ALLOC {
        return Err(PhotoError::TooManyPixels);
    }
    // A broken EXIF block must not cost the photo: fall back to "as stored".
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let image = DynamicImage::from_decoder(decoder).map_err(decode_error)?;

    // Scaling before rotating is the cheaper order; the long-side limit is the same either way.
    let mut oriented = DynamicImage::ImageRgb8(scale_down(flatten_to_rgb(image), MAX_LONG_SIDE));
    oriented.apply_orientation(orientation);
    let rgb = oriented.into_rgb8();

    let mut out = Vec::with_capacity(rgb.as_raw().len() / 8);
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
        .encode_image(&rgb)
        .map_err(|e| PhotoError::Internal(format!("JPEG encoding failed: {e}")))?;
    Ok(ProcessedPhoto { bytes: out, content_type: JPEG_CONTENT_TYPE, width: rgb.width(), height: rgb.height() })
}

/// [`process`] on tokio's blocking thread pool, so decoding never stalls the async workers. At most one
/// photo per CPU core is processed at a time (each may briefly need a few hundred MB at the pixel
/// limit); further calls wait their turn, so a burst of uploads costs time, not memory.
pub async fn process_async(bytes: Vec<u8>, max_bytes: usize) -> Result<ProcessedPhoto, PhotoError> {
    // Cheap refusals first, without a thread hop.
    if bytes.len() > max_bytes {
        return Err(PhotoError::TooLarge { max_bytes });
    }
    let _permit =
        workers().acquire().await.map_err(|e| PhotoError::Internal(format!("photo workers unavailable: {e}")))?;
    tokio::task::spawn_blocking(move || process(&bytes, max_bytes))
        .await
        .map_err(|e| PhotoError::Internal(format!("photo worker failed: {e}")))?
}

/// Bounds concurrent [`process_async`] calls to the number of CPU cores.
fn workers() -> &'static tokio::sync::Semaphore {
    static WORKERS: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    WORKERS.get_or_init(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get))
    })
}

/// The limits every decode runs under.
fn decode_limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    limits
}

/// The format by magic bytes: JPEG, PNG or WebP, a HEIC refusal, or "not a photo".
fn sniff(bytes: &[u8]) -> Result<ImageFormat, PhotoError> {
    if is_heif(bytes) {
        return Err(PhotoError::Heic);
    }
    match image::guess_format(bytes) {
        Ok(format @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)) => Ok(format),
        _ => Err(PhotoError::NotAPhoto),
    }
}

/// HEIF brands (HEIC stills and sequences, and the generic HEIF image brands) found in an ISO base
/// media file's `ftyp` box, as major or compatible brand.
const HEIF_BRANDS: [&[u8; 4]; 10] =
    [b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1"];

/// Whether `bytes` start with an ISO BMFF `ftyp` box naming a HEIF brand. AVIF files also list `mif1`
/// but are recognised as AVIF first (and refused as "not a photo").
fn is_heif(bytes: &[u8]) -> bool {
    if bytes.len() < 12 || &bytes[4..8] != b"ftyp" {
        return false;
    }
    let major = &bytes[8..12];
    if major == b"avif" || major == b"avis" {
        return false;
    }
    let box_len = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
    let end = box_len.clamp(12, 256).min(bytes.len());
    // Major brand at 8..12, minor version at 12..16, compatible brands from 16 on.
    std::iter::once(major)
        .chain(bytes.get(16..end).unwrap_or_default().chunks_exact(4))
        .any(|brand| HEIF_BRANDS.iter().any(|heif| brand == heif.as_slice()))
}

/// Maps a decoder error to what the sender is told.
fn decode_error(err: ImageError) -> PhotoError {
    match err {
        ImageError::Limits(_) => PhotoError::TooManyPixels,
        // Decoding, unsupported variants (e.g. 1-bit PNG), truncated input (I/O) and the rest.
        _ => PhotoError::Corrupt,
    }
}

/// 8-bit RGB; transparent pixels are composed onto white (JPEG has no alpha, and black would hide
/// dark content of screenshots and logos).
fn flatten_to_rgb(image: DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.into_rgb8();
    }
    let rgba = image.into_rgba8();
    let (width, height) = rgba.dimensions();
    let mut rgb = Vec::with_capacity(rgba.as_raw().len() / 4 * 3);
    for px in rgba.as_raw().chunks_exact(4) {
        let alpha = u32::from(px[3]);
        for &channel in &px[..3] {
            // channel·α + 255·(1−α), rounded; stays within 0..=255.
            let blended = (u32::from(channel) * alpha + 255 * (255 - alpha) + 127) / 255;
            rgb.push(u8::try_from(blended).unwrap_or(u8::MAX));
        }
    }
    RgbImage::from_raw(width, height, rgb).unwrap_or_default()
}

/// Scales so the long side is at most `max_side`, keeping the aspect ratio. Catmull-Rom: a sharp bicubic
/// filter without aliasing; Lanczos3 looks the same at these ratios and costs about 30 % more (a 12 MP
/// phone photo: ~0.4 s instead of ~0.55 s of resizing in a release build).
fn scale_down(image: RgbImage, max_side: u32) -> RgbImage {
    let (width, height) = image.dimensions();
    let long = width.max(height);
    if long <= max_side {
        return image;
    }
    let scale = |side: u32| {
        let scaled = (u64::from(side) * u64::from(max_side) + u64::from(long) / 2) / u64::from(long);
        u32::try_from(scaled.max(1)).unwrap_or(max_side)
    };
    image::imageops::resize(&image, scale(width), scale(height), FilterType::CatmullRom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn megabytes_are_readable() {
        assert_eq!(megabytes(10 * 1024 * 1024), "10 MB");
        assert_eq!(megabytes(2_621_440), "2.5 MB");
        assert_eq!(megabytes(1_572_864), "1.5 MB");
    }

    #[test]
    fn heif_brands_are_recognised() {
        let mut heic = vec![0, 0, 0, 24];
        heic.extend_from_slice(b"ftypheic\0\0\0\0mif1heic");
        assert!(is_heif(&heic));
        let mut generic = vec![0, 0, 0, 24];
        generic.extend_from_slice(b"ftypmif1\0\0\0\0mif1heic");
        assert!(is_heif(&generic));
        let mut avif = vec![0, 0, 0, 24];
        avif.extend_from_slice(b"ftypavif\0\0\0\0mif1miaf");
        assert!(!is_heif(&avif));
        let mut mp4 = vec![0, 0, 0, 20];
        mp4.extend_from_slice(b"ftypisom\0\0\0\0isom");
        assert!(!is_heif(&mp4));
        assert!(!is_heif(b"ftyp"));
    }

    #[test]
    fn alpha_is_flattened_onto_white() {
        let rgba = image::RgbaImage::from_raw(2, 1, vec![0, 0, 0, 0, 10, 20, 30, 255]).expect("buffer");
        let rgb = flatten_to_rgb(DynamicImage::ImageRgba8(rgba));
        assert_eq!(rgb.as_raw(), &[255, 255, 255, 10, 20, 30]);
    }

    #[test]
    fn scaling_keeps_the_aspect_ratio() {
        let scaled = scale_down(RgbImage::new(5120, 1000), 2560);
        assert_eq!(scaled.dimensions(), (2560, 500));
        let tall = scale_down(RgbImage::new(10, 6000), 2560);
        assert_eq!(tall.dimensions(), (4, 2560));
        let small = scale_down(RgbImage::new(100, 50), 2560);
        assert_eq!(small.dimensions(), (100, 50));
    }
}
