//! Images members put in their posts and as their avatar: the kind read from the bytes (never
//! from the file's name or the type the browser sent), a size limit, and the metadata that can
//! tell where and by whom a photo was taken removed before anything is kept — EXIF (GPS position,
//! camera, owner), XMP, IPTC, comments and text chunks. Only the orientation survives (rewritten
//! as the one EXIF field kept), so a phone's portrait photo still shows upright.
//!
//! No pixel is decoded or re-encoded: the containers are taken apart and put back together
//! (`img-parts`), so a photo loses nothing but its metadata.

use img_parts::jpeg::{Jpeg, markers};
use img_parts::png::Png;
use img_parts::webp::{CHUNK_XMP, WebP};
use img_parts::{Bytes, ImageEXIF};

/// The largest image a member may send (8 MB, as most forums take).
pub const MAX_BYTES: usize = 8 * 1024 * 1024;
/// The longest side taken (in pixels): bigger images would weigh on every reader's device.
pub const MAX_SIDE: usize = 8_000;

/// The kinds of image taken: what every browser shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Jpeg,
    Png,
    Webp,
}

impl Kind {
    pub fn mime(self) -> &'static str {
        match self {
            Kind::Jpeg => "image/jpeg",
            Kind::Png => "image/png",
            Kind::Webp => "image/webp",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Kind::Jpeg => "jpg",
            Kind::Png => "png",
            Kind::Webp => "webp",
        }
    }

    pub fn from_extension(extension: &str) -> Option<Kind> {
        match extension {
            "jpg" => Some(Kind::Jpeg),
            "png" => Some(Kind::Png),
            "webp" => Some(Kind::Webp),
            _ => None,
        }
    }
}

/// `{sha256}.{ext}` as uploads are named (64 lower-case hexadecimal digits, a known
/// extension), or nothing.
pub fn upload_file(file: &str) -> Option<(&str, Kind)> {
    let (sha, extension) = file.split_once('.')?;
    let kind = Kind::from_extension(extension)?;
    (sha.len() == 64 && sha.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
        .then_some((sha, kind))
}

/// Why an image is refused; each names what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageRefusal {
    #[error("no file was chosen")]
    Empty,
    #[error("the image weighs more than {max_mb} MB")]
    TooHeavy { max_mb: usize },
    #[error("the file is not a JPEG, PNG or WebP image")]
    NotAnImage,
    #[error("the image is damaged and cannot be read")]
    Broken,
    #[error("the image is larger than {max} pixels on a side")]
    TooLarge { max: usize },
}

/// An image ready to keep: its metadata gone, its size known.
#[derive(Debug, Clone)]
pub struct Clean {
    pub kind: Kind,
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Checks an uploaded image and removes its metadata.
pub fn clean(bytes: &[u8]) -> Result<Clean, ImageRefusal> {
    if bytes.is_empty() {
        return Err(ImageRefusal::Empty);
    }
    if bytes.len() > MAX_BYTES {
        return Err(ImageRefusal::TooHeavy {
            max_mb: MAX_BYTES / (1024 * 1024),
        });
    }
    let kind = match infer::get(bytes).map(|k| k.mime_type()) {
        Some("image/jpeg") => Kind::Jpeg,
        Some("image/png") => Kind::Png,
        Some("image/webp") => Kind::Webp,
        _ => return Err(ImageRefusal::NotAnImage),
    };
    let size = imagesize::blob_size(bytes).map_err(|_| ImageRefusal::Broken)?;
    if size.width == 0 || size.height == 0 {
        return Err(ImageRefusal::Broken);
    }
    if size.width > MAX_SIDE || size.height > MAX_SIDE {
        return Err(ImageRefusal::TooLarge { max: MAX_SIDE });
    }
    let input = Bytes::copy_from_slice(bytes);
    let out = match kind {
        Kind::Jpeg => {
            let mut jpeg = Jpeg::from_bytes(input).map_err(|_| ImageRefusal::Broken)?;
            let orientation = jpeg.exif().and_then(|exif| orientation(&exif));
            // Kept: JFIF (APP0), the colour profile (APP2 "ICC_PROFILE") and Adobe's colour
            // transform (APP14); every other application segment and comment goes (EXIF and XMP
            // in APP1, IPTC in APP13, the multi-picture index whose other pictures carry their
            // own EXIF, makers' notes in the rest).
            jpeg.segments_mut().retain(|segment| {
                let marker = segment.marker();
                let application = (markers::APP0..=markers::APP15).contains(&marker);
                match marker {
                    markers::APP0 | markers::APP14 => true,
                    markers::APP2 => segment.contents().starts_with(b"ICC_PROFILE\0"),
                    markers::COM => false,
                    _ => !application,
                }
            });
            jpeg.set_exif(orientation.map(orientation_exif));
            jpeg.encoder().bytes()
        }
        Kind::Png => {
            let mut png = Png::from_bytes(input).map_err(|_| ImageRefusal::Broken)?;
            let orientation = png.exif().and_then(|exif| orientation(&exif));
            // Text chunks (where XMP and free-form "Location" notes live), the time, and EXIF go.
            png.chunks_mut().retain(|chunk| {
                !matches!(
                    &chunk.kind(),
                    b"tEXt" | b"zTXt" | b"iTXt" | b"tIME" | b"eXIf"
                )
            });
            png.set_exif(orientation.map(orientation_exif));
            png.encoder().bytes()
        }
        Kind::Webp => {
            let mut webp = WebP::from_bytes(input).map_err(|_| ImageRefusal::Broken)?;
            let orientation = webp.exif().and_then(|exif| orientation(&exif));
            webp.remove_chunks_by_id(CHUNK_XMP);
            // Setting EXIF also puts the extended header's flags right.
            webp.set_exif(orientation.map(orientation_exif));
            webp.encoder().bytes()
        }
    };
    Ok(Clean {
        kind,
        bytes: out.to_vec(),
        width: size.width as u32,
        height: size.height as u32,
    })
}

/// The orientation an EXIF block gives (2 to 8; 1, upright, needs nothing kept).
fn orientation(exif: &[u8]) -> Option<u16> {
    let exif = exif::Reader::new().read_raw(exif.to_vec()).ok()?;
    let field = exif.get_field(exif::Tag::Orientation, exif::In::PRIMARY)?;
    let value = field.value.get_uint(0)?;
    (2..=8).contains(&value).then_some(value as u16)
}

/// An EXIF block holding the orientation alone: a little-endian TIFF header and one directory
/// of one entry (tag 0x0112, SHORT, count 1), as the TIFF 6.0 specification lays them out.
fn orientation_exif(orientation: u16) -> Bytes {
    let mut tiff = Vec::with_capacity(26);
    tiff.extend_from_slice(b"II*\0");
    tiff.extend_from_slice(&8u32.to_le_bytes());
    tiff.extend_from_slice(&1u16.to_le_bytes());
    tiff.extend_from_slice(&0x0112u16.to_le_bytes());
    tiff.extend_from_slice(&3u16.to_le_bytes());
    tiff.extend_from_slice(&1u32.to_le_bytes());
    tiff.extend_from_slice(&orientation.to_le_bytes());
    tiff.extend_from_slice(&[0, 0]);
    tiff.extend_from_slice(&0u32.to_le_bytes());
    Bytes::from(tiff)
}

#[cfg(test)]
mod tests {
    use super::*;

    const JPEG: &[u8] = include_bytes!("../tests/images/gps.jpg");
    const PNG: &[u8] = include_bytes!("../tests/images/gps.png");
    const WEBP: &[u8] = include_bytes!("../tests/images/gps.webp");
    const GIF: &[u8] = include_bytes!("../tests/images/plain.gif");

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    /// The test images (made with Pillow and piexif) carry a GPS position, a camera maker, an
    /// artist, XMP and, for the JPEG, a comment; the PNG a "Location" text.
    #[test]
    fn location_and_owner_are_removed_and_the_image_stays_readable() {
        for (name, bytes, kind) in [
            ("jpeg", JPEG, Kind::Jpeg),
            ("png", PNG, Kind::Png),
            ("webp", WEBP, Kind::Webp),
        ] {
            assert!(
                contains(bytes, b"JardinierCam"),
                "{name}: the fixture has EXIF"
            );
            let clean = clean(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(clean.kind, kind);
            assert_eq!((clean.width, clean.height), (64, 48), "{name}");
            for secret in [
                &b"JardinierCam"[..],
                b"Camille",
                b"GPSLatitude",
                b"xmpmeta",
                b"Jemmapes",
                b"Location",
            ] {
                assert!(
                    !contains(&clean.bytes, secret),
                    "{name} still holds {}",
                    String::from_utf8_lossy(secret)
                );
            }
            // Still an image of the same kind and size.
            let size = imagesize::blob_size(&clean.bytes).expect("readable");
            assert_eq!((size.width, size.height), (64, 48), "{name}");
            assert_eq!(
                infer::get(&clean.bytes).map(|k| k.mime_type()),
                Some(kind.mime())
            );
            assert!(clean.bytes.len() < bytes.len(), "{name} lost its metadata");
        }
    }

    #[test]
    fn the_orientation_is_kept_alone() {
        let mut jpeg = Jpeg::from_bytes(Bytes::from_static(JPEG)).unwrap();
        jpeg.set_exif(Some(orientation_exif(6)));
        let rotated = jpeg.encoder().bytes();
        let clean = clean(&rotated).unwrap();
        let kept = Jpeg::from_bytes(Bytes::from(clean.bytes))
            .unwrap()
            .exif()
            .expect("the orientation");
        assert_eq!(orientation(&kept), Some(6));
        assert_eq!(kept.len(), 26);
    }

    #[test]
    fn other_files_are_refused_with_the_reason() {
        assert_eq!(clean(b"").unwrap_err(), ImageRefusal::Empty);
        assert_eq!(clean(GIF).unwrap_err(), ImageRefusal::NotAnImage);
        assert_eq!(
            clean(b"<svg onload=alert(1)>").unwrap_err(),
            ImageRefusal::NotAnImage
        );
        assert_eq!(
            clean(b"%PDF-1.7 not an image").unwrap_err(),
            ImageRefusal::NotAnImage
        );
        // A JPEG's signature and nothing after it.
        assert_eq!(
            clean(&JPEG[..40]).unwrap_err(),
            ImageRefusal::Broken,
            "a cut JPEG"
        );
        let mut heavy = JPEG.to_vec();
        heavy.resize(MAX_BYTES + 1, 0);
        assert!(matches!(
            clean(&heavy).unwrap_err(),
            ImageRefusal::TooHeavy { max_mb: 8 }
        ));
    }
}
