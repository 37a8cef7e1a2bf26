//! Charts drawn by the server as SVG: no script, no CDN. Plain functions from numbers to markup;
//! every label is escaped, and every chart has a title for screen readers (the page shows the
//! same figures as a table too).

use std::fmt::Write;

/// Escapes text for SVG/XML content and attributes.
pub fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Vertical bars over time: `(label, value)` pairs, oldest first.
pub fn columns(title: &str, bars: &[(String, i64)], links: &[String]) -> String {
    let (width, height, pad) = (720.0, 200.0, 28.0);
    let max = bars.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1) as f64;
    let step = (width - pad) / bars.len().max(1) as f64;
    let mut svg = format!(
        r#"<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"#,
        t = esc(title)
    );
    let _ = write!(
        svg,
        r#"<text class="axis" x="0" y="12">{}</text><line class="axis-line" x1="{pad}" y1="{b}" x2="{width}" y2="{b}"/>"#,
        max as i64,
        b = height - 18.0
    );
    for (i, (label, value)) in bars.iter().enumerate() {
        let h = (*value as f64 / max) * (height - 40.0);
        let x = pad + i as f64 * step;
        // A bar opens the mentions it counts, when given where they are.
        let link = links.get(i);
        if let Some(href) = link {
            let _ = write!(svg, r#"<a href="{}">"#, esc(href));
        }
        let _ = write!(
            svg,
            r#"<rect class="bar" x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}"><title>{l}: {value}</title></rect>"#,
            y = height - 18.0 - h,
            w = (step - 2.0).max(1.0),
            l = esc(label)
        );
        if link.is_some() {
            svg.push_str("</a>");
        }
    }
    if let (Some((first, _)), Some((last, _))) = (bars.first(), bars.last()) {
        let _ = write!(
            svg,
            r#"<text class="axis" x="{pad}" y="{height}">{}</text><text class="axis" x="{width}" y="{height}" text-anchor="end">{}</text>"#,
            esc(first),
            esc(last)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Horizontal bars: `(label, value)`, shown with the share of the total.
pub fn bars(title: &str, rows: &[(String, i64)]) -> String {
    let (width, row) = (720.0, 26.0);
    let height = row * rows.len().max(1) as f64;
    let total = rows.iter().map(|(_, v)| *v).sum::<i64>().max(1) as f64;
    let max = rows.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1) as f64;
    let mut svg = format!(
        r#"<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"#,
        t = esc(title)
    );
    for (i, (label, value)) in rows.iter().enumerate() {
        let y = i as f64 * row;
        let w = (*value as f64 / max) * 380.0;
        let share = 100.0 * *value as f64 / total;
        let _ = write!(
            svg,
            r#"<text class="label" x="0" y="{ty:.1}">{l}</text><rect class="bar" x="240" y="{ry:.1}" width="{w:.1}" height="{rh:.1}"><title>{l}: {value}</title></rect><text class="label" x="{vx:.1}" y="{ty:.1}">{value} ({share:.0} %)</text>"#,
            ty = y + 17.0,
            ry = y + 4.0,
            rh = row - 8.0,
            vx = 246.0 + w,
            l = esc(label)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// One bar split by sentiment: (positive, neutral, negative).
pub fn sentiment_split(title: &str, positive: i64, neutral: i64, negative: i64) -> String {
    let total = (positive + neutral + negative).max(1) as f64;
    let width = 720.0;
    let mut svg = format!(
        r#"<svg class="chart" viewBox="0 0 {width} 36" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"#,
        t = esc(title)
    );
    let mut x = 0.0;
    for (class, value) in [
        ("positive", positive),
        ("neutral", neutral),
        ("negative", negative),
    ] {
        let w = width * value as f64 / total;
        let _ = write!(
            svg,
            r#"<rect class="{class}" x="{x:.1}" y="0" width="{w:.1}" height="36"><title>{class}: {value}</title></rect>"#
        );
        x += w;
    }
    svg.push_str("</svg>");
    svg
}

/// Tone over time: per bucket `(label, [positive, neutral, negative])`, each column the
/// bucket's shares of the three tones (so a burst's volume does not hide its tone); an empty
/// bucket has no column. `names` are the tones' names in the reader's language.
pub fn tone_columns(title: &str, names: [&str; 3], buckets: &[(String, [i64; 3])]) -> String {
    let (width, height, pad) = (720.0, 160.0, 0.0);
    let step = (width - pad) / buckets.len().max(1) as f64;
    let mut svg = format!(
        r#"<svg class="chart" viewBox="0 0 {width} {h}" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"#,
        h = height + 18.0,
        t = esc(title)
    );
    for (i, (label, tones)) in buckets.iter().enumerate() {
        let total: i64 = tones.iter().sum();
        if total == 0 {
            continue;
        }
        let x = pad + i as f64 * step;
        let mut y = height;
        for (k, class) in ["positive", "neutral", "negative"].iter().enumerate() {
            let h = height * tones[k] as f64 / total as f64;
            y -= h;
            let _ = write!(
                svg,
                r#"<rect class="{class}" x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}"><title>{l} · {name}: {n}</title></rect>"#,
                w = (step - 2.0).max(1.0),
                l = esc(label),
                name = esc(names[k]),
                n = tones[k]
            );
        }
    }
    if let (Some((first, _)), Some((last, _))) = (buckets.first(), buckets.last()) {
        let _ = write!(
            svg,
            r#"<text class="axis" x="0" y="{b}">{}</text><text class="axis" x="{width}" y="{b}" text-anchor="end">{}</text>"#,
            esc(first),
            esc(last),
            b = height + 16.0
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Net sentiment in [-100, 100]: (positive − negative) / (positive + negative).
pub fn net_sentiment(positive: i64, negative: i64) -> Option<i64> {
    let polar = positive + negative;
    (polar > 0).then(|| ((positive - negative) as f64 * 100.0 / polar as f64).round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tone_columns_show_each_bucket_s_shares() {
        let svg = tone_columns(
            "Tone",
            ["positif", "neutre", "négatif"],
            &[("lun.".into(), [1, 0, 3]), ("mar.".into(), [0, 0, 0])],
        );
        assert!(svg.contains("<title>lun. · négatif: 3</title>"), "{svg}");
        assert!(
            svg.contains(r#"class="negative" x="0.0" y="0.0" width="358.0" height="120.0""#),
            "three quarters of the column: {svg}"
        );
        assert_eq!(
            svg.matches("<rect").count(),
            3,
            "an empty day draws nothing"
        );
    }

    #[test]
    fn labels_are_escaped_and_bars_scale() {
        let svg = bars("Sites", &[("<script>".into(), 30), ("b&b.fr".into(), 10)]);
        assert!(
            svg.contains("&lt;script&gt;")
                && svg.contains("b&amp;b.fr")
                && !svg.contains("<script>")
        );
        assert!(svg.contains("30 (75 %)") && svg.contains("10 (25 %)"));
        let cols = columns("Volume", &[("a".into(), 0), ("b".into(), 4)], &[]);
        let linked = columns(
            "Volume",
            &[("a".into(), 1)],
            &["/w/x/listening?from=2026-12-05&to=2026-12-05".into()],
        );
        assert!(
            linked.contains(r#"<a href="/w/x/listening?from=2026-12-05&amp;to=2026-12-05"><rect"#),
            "{linked}"
        );
        assert_eq!(cols.matches("<rect").count(), 2);
        assert!(cols.contains("<title>b: 4</title>"));
    }

    #[test]
    fn net_sentiment_ignores_neutral() {
        assert_eq!(net_sentiment(30, 10), Some(50));
        assert_eq!(net_sentiment(0, 0), None);
        assert_eq!(net_sentiment(1, 3), Some(-50));
    }
}
