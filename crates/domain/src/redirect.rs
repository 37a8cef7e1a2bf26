//! Where a form may send the browser next (`next=`): only a path on this site.
//!
//! Browsers apply the WHATWG URL parser to a `Location`: they drop tabs and newlines anywhere,
//! read a backslash as a slash, and take `//host` as another site. So `/\t/evil.example/` that
//! looks like a path becomes `//evil.example/` (issue 14). Rather than repeat that
//! normalisation, anything a browser would rewrite is refused: a path we produce never holds a
//! control character or a backslash. The caller falls back to its default page.

/// The `next` to redirect to, ready for a `Location` header, or `None` when it is not a plain
/// path on this site. Letters outside ASCII and spaces are percent-encoded (a header carries
/// ASCII only).
pub fn local_path(next: &str) -> Option<String> {
    if next.chars().any(|c| c.is_control() || c == '\\') {
        return None;
    }
    if !is_local(next) || !is_local(&percent_decoded(next)?) {
        return None;
    }
    let mut out = String::with_capacity(next.len());
    for c in next.chars() {
        if c.is_ascii_graphic() {
            out.push(c);
        } else {
            let mut buffer = [0; 4];
            for byte in c.encode_utf8(&mut buffer).bytes() {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    Some(out)
}

/// One `/`, then not a second slash or backslash (`//host` and `/\host` leave the site).
fn is_local(path: &str) -> bool {
    let mut chars = path.chars();
    chars.next() == Some('/') && !matches!(chars.next(), Some('/' | '\\'))
}

/// `next` with its `%XX` decoded once, refused when that reveals a control character or a
/// backslash (a server or proxy that decodes before redirecting again would follow it). `None`
/// also when the decoded bytes are not UTF-8.
fn percent_decoded(path: &str) -> Option<String> {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(high), Some(low)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((high * 16 + low) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let decoded = String::from_utf8(out).ok()?;
    if decoded.chars().any(|c| c.is_control() || c == '\\') {
        return None;
    }
    Some(decoded)
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn paths_on_this_site_are_kept() {
        for (next, expected) in [
            ("/", "/"),
            ("/w/brand/inbox?view=3#c12", "/w/brand/inbox?view=3#c12"),
            (
                "/w/brand/listening?q=café",
                "/w/brand/listening?q=caf%C3%A9",
            ),
            ("/a b", "/a%20b"),
            ("/w/%2Fbrand", "/w/%2Fbrand"),
        ] {
            assert_eq!(local_path(next).as_deref(), Some(expected), "{next:?}");
        }
    }

    /// Issue 14, defect 1: each of these sends a browser to another site or breaks the header.
    #[test]
    fn what_a_browser_would_read_as_another_site_is_refused() {
        for next in [
            "",
            "//evil.example/",
            "/\\evil.example/",
            "\\\\evil.example/",
            "/\t/evil.example/",
            "/\n/evil.example/",
            "/\r/evil.example/",
            "/%09/evil.example/",
            "/%2F/evil.example/",
            "/%2f/evil.example/",
            "/%5Cevil.example/",
            "/%0d%0aSet-Cookie:x=1",
            "/a\nb",
            "/a\u{7f}b",
            "https://evil.example/",
            "javascript:alert(1)",
            "evil.example",
            "/%ff",
        ] {
            assert_eq!(local_path(next), None, "{next:?}");
        }
    }
}
