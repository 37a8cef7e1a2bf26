//! Link previews (issue 16, item 3): a web address alone on its line in a post is shown with its
//! card — what the page says about itself (`jardinier_compose::card`, the publishing link
//! cards). Read when the post is written or previewed (at most three, together, four seconds at
//! most), kept an hour per process.
//!
//! Members choose the addresses, so the server must not become their way into the network it
//! sits in: an address whose host resolves to a loopback, private, link-local, shared or
//! reserved address is not read (unless the configuration allows that address), the connection
//! goes to the address checked (no second lookup to rebind), and each redirect is checked again.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use jardinier_community::markup::{self, Card};

use crate::SharedSite;

/// Cards read in this process: (when, the card or none).
#[derive(Default)]
pub struct CardCache(Mutex<HashMap<String, (Instant, Option<Card>)>>);

const KEEP: Duration = Duration::from_secs(3600);
const CACHE_MAX: usize = 2_000;
/// The most of a page read for its card.
const PAGE_MAX: usize = 1024 * 1024;

/// The cards of a post's lone links.
pub(crate) async fn cards_for(state: &SharedSite, markdown: &str) -> Vec<Card> {
    let links = markup::lone_links(markdown);
    if links.is_empty() {
        return Vec::new();
    }
    let reads = links.into_iter().map(|url| card(state, url));
    futures_util::future::join_all(reads)
        .await
        .into_iter()
        .flatten()
        .collect()
}

async fn card(state: &SharedSite, url: String) -> Option<Card> {
    if let Some((at, card)) = state.cards.0.lock().expect("cards").get(&url)
        && at.elapsed() < KEEP
    {
        return card.clone();
    }
    let read = tokio::time::timeout(Duration::from_secs(4), fetch(state, &url))
        .await
        .ok()
        .flatten();
    let mut cache = state.cards.0.lock().expect("cards");
    if cache.len() >= CACHE_MAX {
        cache.clear();
    }
    cache.insert(url, (Instant::now(), read.clone()));
    read
}

/// Whether an address is on the public Internet (not this machine, not a private network).
pub fn public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_multicast()
                || a == 0
                // Shared address space (RFC 6598) and "this host on this network".
                || (a == 100 && (64..128).contains(&b))
                || a >= 240)
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => public(IpAddr::V4(v4)),
            None => {
                let first = v6.segments()[0];
                !(v6.is_loopback()
                    || v6.is_unspecified()
                    || v6.is_multicast()
                    // Unique local (fc00::/7) and link-local (fe80::/10).
                    || (first & 0xfe00) == 0xfc00
                    || (first & 0xffc0) == 0xfe80)
            }
        },
    }
}

async fn fetch(state: &SharedSite, url: &str) -> Option<Card> {
    let mut current = url::Url::parse(url).ok()?;
    for _ in 0..4 {
        if !matches!(current.scheme(), "http" | "https") {
            return None;
        }
        let host = current.host_str()?.to_owned();
        let port = current.port_or_known_default()?;
        let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
            .await
            .ok()?
            .collect();
        let allowed = |a: &SocketAddr| {
            public(a.ip()) || state.config.card_addresses_allowed.contains(&a.ip())
        };
        if addresses.is_empty() || !addresses.iter().all(allowed) {
            tracing::info!(%url, "link card not read: the address is inside the network");
            return None;
        }
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .resolve(&host, addresses[0])
            .user_agent(concat!(
                "Jardinier/",
                env!("CARGO_PKG_VERSION"),
                " (link preview)"
            ))
            .build()
            .ok()?;
        let mut response = client
            .get(current.clone())
            .header("Accept", "text/html")
            .send()
            .await
            .ok()?;
        if response.status().is_redirection() {
            let to = response.headers().get("location")?.to_str().ok()?;
            current = current.join(to).ok()?;
            continue;
        }
        let html_page = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("html"));
        if !response.status().is_success() || !html_page {
            return None;
        }
        let mut page = Vec::new();
        while let Some(chunk) = response.chunk().await.ok()? {
            page.extend_from_slice(&chunk);
            if page.len() > PAGE_MAX {
                break;
            }
        }
        let page = String::from_utf8_lossy(&page);
        let card = jardinier_compose::card::from_html(&page, current.as_str())?;
        return Some(Card {
            url: url.to_owned(),
            title: card.title,
            description: card.description,
            image: card.image.filter(|i| i.starts_with("https://")),
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_inside_the_network_are_not_public() {
        for inside in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.10",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!public(inside.parse().unwrap()), "{inside}");
        }
        for outside in ["93.184.216.34", "2606:4700::1111", "8.8.8.8"] {
            assert!(public(outside.parse().unwrap()), "{outside}");
        }
    }
}
