//! A feed's bytes as browsers and feed readers read them: decompressed whatever the headers say,
//! then decoded to UTF-8 (byte-order mark, then the HTTP `charset`, then the XML declaration,
//! then detection), with the declaration rewritten so the XML parser sees UTF-8. No I/O.

use std::borrow::Cow;
use std::io::Read;

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};

/// A feed body ready for the XML parser, and what was wrong with how it was labelled.
#[derive(Debug, PartialEq)]
pub struct Decoded {
    pub text: String,
    /// The encoding it was read as (e.g. "UTF-16LE", "windows-1252").
    pub encoding: &'static str,
    /// Said to the CM on the source; the feed is still read.
    pub warnings: Vec<String>,
}

/// Inflates gzip or zlib bodies recognised by their first bytes (servers send them with and
/// without `Content-Encoding`, and reqwest here does not decompress). At most `limit` bytes out.
pub fn decompress(body: &[u8], limit: usize) -> Cow<'_, [u8]> {
    let limit = limit as u64 + 1;
    let mut out = Vec::new();
    let inflated = match body {
        [0x1f, 0x8b, ..] => flate2::read::MultiGzDecoder::new(body)
            .take(limit)
            .read_to_end(&mut out),
        [0x78, second, ..] if (u16::from(0x78u8) << 8 | u16::from(*second)) % 31 == 0 => {
            flate2::read::ZlibDecoder::new(body)
                .take(limit)
                .read_to_end(&mut out)
        }
        _ => return Cow::Borrowed(body),
    };
    // A truncated stream still gives what came before the damage: keep that if any.
    match inflated {
        Ok(_) => Cow::Owned(out),
        Err(_) if !out.is_empty() => Cow::Owned(out),
        Err(_) => Cow::Borrowed(body),
    }
}

/// The `charset` parameter of a `Content-Type` header.
pub fn charset_of(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches(['"', '\'']))
    })
}

/// The `encoding` of an XML declaration in ASCII-compatible bytes.
fn declared_encoding(body: &[u8]) -> Option<String> {
    let head = &body[..body.len().min(512)];
    let start = head.windows(5).position(|w| w == b"<?xml")?;
    let end = start + head[start..].windows(2).position(|w| w == b"?>")?;
    let decl = String::from_utf8_lossy(&head[start..end]);
    let at = decl.find("encoding")?;
    let rest = decl[at + 8..].trim_start().strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|q| *q == '"' || *q == '\'')?;
    let value = &rest[1..];
    Some(value[..value.find(quote)?].trim().to_owned())
}

enum Wide {
    Utf32Le,
    Utf32Be,
}

fn decode_utf32(body: &[u8], wide: Wide) -> String {
    body.chunks(4)
        .map(|c| {
            let mut b = [0u8; 4];
            b[..c.len()].copy_from_slice(c);
            let n = match wide {
                Wide::Utf32Le => u32::from_le_bytes(b),
                Wide::Utf32Be => u32::from_be_bytes(b),
            };
            char::from_u32(n).unwrap_or('\u{FFFD}')
        })
        .collect()
}

/// Decodes a feed body to UTF-8. `http_charset` is the response's `charset`, if any.
pub fn to_utf8(body: &[u8], http_charset: Option<&str>) -> Decoded {
    let declared = declared_encoding(body);
    let (text, encoding) = match body {
        [0x00, 0x00, 0xfe, 0xff, rest @ ..] => (decode_utf32(rest, Wide::Utf32Be), "UTF-32BE"),
        [0xff, 0xfe, 0x00, 0x00, rest @ ..] => (decode_utf32(rest, Wide::Utf32Le), "UTF-32LE"),
        // No byte-order mark but "<" in four bytes: UTF-32, whatever anything says.
        [0x00, 0x00, 0x00, b'<', ..] => (decode_utf32(body, Wide::Utf32Be), "UTF-32BE"),
        [b'<', 0x00, 0x00, 0x00, ..] => (decode_utf32(body, Wide::Utf32Le), "UTF-32LE"),
        _ => {
            let (encoding, _) = Encoding::for_bom(body).unwrap_or_else(|| {
                let sniffed = match body {
                    [0x00, b'<', 0x00, _, ..] => Some(UTF_16BE),
                    [b'<', 0x00, _, 0x00, ..] => Some(UTF_16LE),
                    _ => None,
                };
                let labelled = || {
                    http_charset
                        .and_then(|c| Encoding::for_label(c.as_bytes()))
                        .or_else(|| {
                            declared
                                .as_deref()
                                .and_then(|d| Encoding::for_label(d.as_bytes()))
                        })
                };
                let chosen = sniffed.or_else(labelled).unwrap_or_else(|| {
                    if std::str::from_utf8(body).is_ok() {
                        UTF_8
                    } else {
                        WINDOWS_1252
                    }
                });
                (ascii_compatible(chosen, body), 0)
            });
            // `decode` honours a BOM over the encoding given and removes it.
            let (text, used, _) = encoding.decode(body);
            (text.into_owned(), used.name())
        }
    };
    let mut warnings = Vec::new();
    let declared = declared.or_else(|| declared_encoding(text.as_bytes()));
    if let Some(declared) = declared.filter(|d| !same_encoding(d, encoding)) {
        warnings.push(format!(
            "the feed says it is written in {declared} but it was read as {encoding}"
        ));
    }
    Decoded {
        text: rewrite_declaration(&text),
        encoding,
        warnings,
    }
}

/// A label naming UTF-16 for bytes that are not UTF-16 (no NUL where ASCII would have them):
/// read them as the ASCII-compatible text they are.
fn ascii_compatible(chosen: &'static Encoding, body: &[u8]) -> &'static Encoding {
    let utf16 = chosen == UTF_16LE || chosen == UTF_16BE;
    if utf16 && !body.iter().take(64).any(|b| *b == 0) {
        if std::str::from_utf8(body).is_ok() {
            UTF_8
        } else {
            WINDOWS_1252
        }
    } else {
        chosen
    }
}

fn same_encoding(declared: &str, used: &str) -> bool {
    let declared_name = Encoding::for_label(declared.as_bytes()).map(Encoding::name);
    let base = |n: &str| {
        n.to_ascii_uppercase()
            .trim_end_matches(['L', 'B', 'E'])
            .to_owned()
    };
    declared_name == Some(used)
        || base(declared) == base(used)
        || declared_name.is_some_and(|n| base(n) == base(used))
}

/// The text without NULs, a leading BOM or whitespace, its XML declaration saying UTF-8, and numeric
/// references to the C1 range (`&#146;`) read as windows-1252, as browsers do.
fn rewrite_declaration(text: &str) -> String {
    // NUL is not XML, and "\0<\0?" in UTF-8 is what quick-xml takes for UTF-16 (and panics).
    let text = text.replace('\0', "");
    let text = text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    let (decl, rest) = match text.strip_prefix("<?xml") {
        Some(after) => match after.find("?>") {
            Some(end) => (true, &after[end + 2..]),
            None => (false, text),
        },
        None => (false, text),
    };
    let mut out = String::with_capacity(text.len() + 40);
    if decl {
        out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
    }
    // A second declaration (ill-formed anyway) would make quick-xml switch encodings
    // mid-stream, which panics: it becomes a processing instruction of no meaning.
    let mut neutral = String::with_capacity(rest.len());
    let mut pieces = rest.split("<?xml");
    neutral.push_str(pieces.next().unwrap_or_default());
    for piece in pieces {
        let is_name = piece.starts_with(|c: char| c.is_alphanumeric() || "-_.:".contains(c));
        neutral.push_str(if is_name { "<?xml" } else { "<?xml-ignored" });
        neutral.push_str(piece);
    }
    push_with_c1_references_fixed(&mut out, &neutral);
    out
}

fn push_with_c1_references_fixed(out: &mut String, mut rest: &str) {
    while let Some(at) = rest.find("&#") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let (digits, radix) = match after.strip_prefix(['x', 'X']) {
            Some(hex) => (hex, 16),
            None => (after, 10),
        };
        let len = digits
            .find(|c: char| !c.is_digit(radix))
            .unwrap_or(digits.len());
        let value = u32::from_str_radix(&digits[..len], radix).ok();
        let closed = digits[len..].starts_with(';');
        match value {
            Some(n @ 0x80..=0x9f) if closed => {
                let byte = [n as u8];
                out.push_str(&WINDOWS_1252.decode_without_bom_handling(&byte).0);
                rest = &digits[len + 1..];
            }
            _ => {
                out.push_str("&#");
                rest = after;
            }
        }
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(s: &str, bom: bool) -> Vec<u8> {
        let mut v = if bom { vec![0xff, 0xfe] } else { vec![] };
        v.extend(s.encode_utf16().flat_map(u16::to_le_bytes));
        v
    }

    #[test]
    fn the_encoding_comes_from_bom_then_http_then_declaration_then_detection() {
        let xml = "<?xml version=\"1.0\" encoding=\"utf-16\"?><rss>é</rss>";
        for body in [utf16le(xml, true), utf16le(xml, false)] {
            let d = to_utf8(&body, None);
            assert_eq!(
                d.text,
                "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss>é</rss>"
            );
            assert_eq!(d.encoding, "UTF-16LE");
            assert!(d.warnings.is_empty(), "{:?}", d.warnings);
        }
        let latin = b"<?xml version=\"1.0\" encoding=\"utf-8\"?><rss>caf\xe9</rss>";
        let d = to_utf8(latin, Some("ISO-8859-1"));
        assert!(d.text.ends_with("<rss>café</rss>"), "the HTTP charset wins");
        assert_eq!(d.warnings.len(), 1, "a wrong declaration is a warning");
        let d = to_utf8(
            b"<?xml version='1.0' encoding='iso-8859-15'?><a>\xa4</a>",
            None,
        );
        assert!(d.text.ends_with("<a>€</a>"), "{}", d.text);
        let d = to_utf8(b"<a>caf\xe9 \x92</a>", None);
        assert_eq!(
            (d.text.as_str(), d.encoding),
            ("<a>café ’</a>", "windows-1252")
        );
        let mut utf32 = vec![0, 0, 0xfe, 0xff];
        utf32.extend("<a>é</a>".chars().flat_map(|c| (c as u32).to_be_bytes()));
        assert_eq!(to_utf8(&utf32, None).text, "<a>é</a>");
        let d = to_utf8(b"<a>plain</a>", Some("csUnicode"));
        assert_eq!(d.text, "<a>plain</a>", "a UTF-16 label on ASCII bytes");
    }

    #[test]
    fn c1_references_are_read_as_windows_1252() {
        assert_eq!(
            rewrite_declaration("it&#146;s &#x93;ok&#148; &#233; &#; &#146"),
            "it’s “ok” &#233; &#; &#146"
        );
    }

    #[test]
    fn compressed_bodies_are_inflated_whatever_the_headers() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"<rss/>").unwrap();
        let gz = gz.finish().unwrap();
        assert_eq!(decompress(&gz, 100).as_ref(), b"<rss/>");
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        z.write_all(b"<rss/>").unwrap();
        assert_eq!(decompress(&z.finish().unwrap(), 100).as_ref(), b"<rss/>");
        assert_eq!(decompress(b"<rss/>", 100).as_ref(), b"<rss/>");
        assert_eq!(
            decompress(&gz[..4], 100).as_ref(),
            &gz[..4],
            "damaged: as is"
        );
        assert_eq!(charset_of("text/xml; charset=\"UTF-8\""), Some("UTF-8"));
    }
}
