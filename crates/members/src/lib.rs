//! Members' rules, with no I/O: one profile per person, known by identities on several channels
//! (an e-mail address, a Mastodon or Bluesky handle, a handle on a webhook channel, a web
//! site), and how sure we are that two profiles are the same person.
//!
//! - The same *verified* identity on two profiles (an e-mail address the person wrote from, a
//!   handle the network vouches for) is the same person: merged automatically.
//! - The same handle on two networks, or the same full name, is only a likeness: suggested to a
//!   person, with a confidence, never merged without them.
//!
//! Every merge can be undone (the store keeps what it moved).

use std::collections::HashMap;

/// What an identity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IdentityKind {
    Email,
    Mastodon,
    Bluesky,
    /// A name on a channel that vouches for nothing (a webhook, a forum export).
    Handle,
    Website,
    /// A member account of the brand's own community (`@handle`): the community vouches for it.
    Community,
}

impl IdentityKind {
    pub const ALL: [IdentityKind; 6] = [
        IdentityKind::Email,
        IdentityKind::Mastodon,
        IdentityKind::Bluesky,
        IdentityKind::Handle,
        IdentityKind::Website,
        IdentityKind::Community,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            IdentityKind::Email => "email",
            IdentityKind::Mastodon => "mastodon",
            IdentityKind::Bluesky => "bluesky",
            IdentityKind::Handle => "handle",
            IdentityKind::Website => "website",
            IdentityKind::Community => "community",
        }
    }

    pub fn parse(text: &str) -> Option<IdentityKind> {
        IdentityKind::ALL
            .into_iter()
            .find(|k| k.as_str() == text.trim())
    }
}

/// An identity as stored: `value` is written exactly as items carry it (so items are found by
/// it); comparisons fold case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub kind: IdentityKind,
    pub value: String,
    /// The channel vouches that the person controls it.
    pub verified: bool,
}

fn looks_like_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !local.contains([' ', '@'])
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains([' ', '@', '/'])
}

/// The identity of an item's author, from the kind of source it came from and the handle the
/// connector recorded. Mail sources vouch for the sender's address (the person wrote from it;
/// forged senders are the mail server's to refuse); Mastodon and Bluesky vouch for handles.
pub fn identity_of(source_kind: &str, author_handle: Option<&str>) -> Option<Identity> {
    let handle = author_handle.map(str::trim).filter(|h| !h.is_empty())?;
    let (kind, verified) = match source_kind {
        "imap" => (IdentityKind::Email, looks_like_email(handle)),
        "mastodon" => (IdentityKind::Mastodon, true),
        "bluesky" => (IdentityKind::Bluesky, true),
        "community" => (IdentityKind::Community, true),
        _ if looks_like_email(handle) => (IdentityKind::Email, false),
        _ => (IdentityKind::Handle, false),
    };
    if kind == IdentityKind::Email && !looks_like_email(handle) {
        return Some(Identity {
            kind: IdentityKind::Handle,
            value: handle.to_owned(),
            verified: false,
        });
    }
    Some(Identity {
        kind,
        value: handle.to_owned(),
        verified,
    })
}

/// Why an identity typed by a teammate is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityError {
    UnknownKind,
    Empty,
    NotAnEmail,
    NotAHandle,
    NotAWebsite,
}

/// An identity a teammate adds by hand, checked and written as connectors write them (handles
/// with their leading `@`). Hand-added identities are not verified.
pub fn parse_identity(kind: &str, input: &str) -> Result<Identity, IdentityError> {
    let kind = IdentityKind::parse(kind).ok_or(IdentityError::UnknownKind)?;
    let text = input.trim();
    if text.is_empty() {
        return Err(IdentityError::Empty);
    }
    let value = match kind {
        IdentityKind::Email if looks_like_email(text) => text.to_lowercase(),
        IdentityKind::Email => return Err(IdentityError::NotAnEmail),
        IdentityKind::Mastodon => {
            let bare = text.trim_start_matches('@');
            match bare.split_once('@') {
                Some((user, host))
                    if !user.is_empty() && host.contains('.') && !bare.contains(' ') =>
                {
                    format!("@{bare}")
                }
                _ => return Err(IdentityError::NotAHandle),
            }
        }
        IdentityKind::Bluesky => {
            let bare = text.trim_start_matches('@');
            if bare.contains('.') && !bare.contains([' ', '@', '/']) {
                format!("@{}", bare.to_lowercase())
            } else {
                return Err(IdentityError::NotAHandle);
            }
        }
        IdentityKind::Handle if !text.contains(char::is_whitespace) => text.to_owned(),
        IdentityKind::Community if !text.contains(char::is_whitespace) => {
            format!("@{}", text.trim_start_matches('@').to_lowercase())
        }
        IdentityKind::Community => return Err(IdentityError::NotAHandle),
        IdentityKind::Handle => return Err(IdentityError::NotAHandle),
        IdentityKind::Website => {
            let bare = text
                .trim_start_matches("https://")
                .trim_start_matches("http://")
                .trim_end_matches('/');
            if bare.contains('.') && !bare.contains(char::is_whitespace) {
                bare.to_lowercase()
            } else {
                return Err(IdentityError::NotAWebsite);
            }
        }
    };
    Ok(Identity {
        kind,
        value,
        verified: false,
    })
}

/// Folded for comparison: lower case, accents of French and the usual Latin letters removed.
pub fn fold(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' | 'í' => 'i',
            'ô' | 'ö' | 'ó' | 'õ' => 'o',
            'ù' | 'û' | 'ü' | 'ú' => 'u',
            'ç' => 'c',
            'ÿ' => 'y',
            'ñ' => 'n',
            c => c,
        })
        .collect()
}

/// The name part of a handle, to compare handles across networks: `@lea@piaille.fr` → `lea`,
/// `@lea.bsky.social` → `lea`, `@lea.example.com` → `lea`.
pub fn handle_name(identity: &Identity) -> Option<String> {
    let name = match identity.kind {
        IdentityKind::Mastodon => identity.value.trim_start_matches('@').split('@').next()?,
        IdentityKind::Bluesky => identity.value.trim_start_matches('@').split('.').next()?,
        IdentityKind::Handle | IdentityKind::Community => identity.value.trim_start_matches('@'),
        // An address's name part is a handle too (lea.martin@… and @leamartin), unless it
        // names a role rather than a person.
        IdentityKind::Email => identity
            .value
            .split('@')
            .next()
            .filter(|local| !ROLE_ADDRESSES.contains(&fold(local).as_str()))?,
        IdentityKind::Website => return None,
    };
    // Separators vary between networks: lea.martin, lea_martin and lea-martin are one name.
    let name: String = fold(name)
        .chars()
        .filter(|c| !matches!(c, '.' | '_' | '-'))
        .collect();
    // Two-letter names say nothing.
    (name.chars().count() >= 3).then_some(name)
}

/// Addresses of a role, shared by many people: never a likeness.
const ROLE_ADDRESSES: &[&str] = &[
    "contact", "info", "hello", "bonjour", "admin", "support", "noreply", "no-reply", "team",
    "equipe", "service", "sav", "presse", "press", "jobs", "rh", "hr",
];

/// A member as the suggestion finder sees it.
#[derive(Debug, Clone)]
pub struct Profile {
    pub id: i64,
    pub name: Option<String>,
    pub identities: Vec<Identity>,
}

/// Why two profiles look like one person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Likeness {
    /// The same handle on two different networks and the same full name.
    HandleAndName,
    /// The same handle on two different networks.
    SameHandle,
    /// One profile's full name written as the other's handle (Léa Martin and @lea_martin).
    NameAsHandle,
    /// The same full name (at least two words).
    SameName,
}

impl Likeness {
    /// How sure: 0–100.
    pub fn confidence(self) -> u8 {
        match self {
            Likeness::HandleAndName => 85,
            Likeness::SameHandle => 60,
            Likeness::NameAsHandle => 50,
            Likeness::SameName => 40,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Likeness::HandleAndName => "handle_and_name",
            Likeness::SameHandle => "same_handle",
            Likeness::NameAsHandle => "name_as_handle",
            Likeness::SameName => "same_name",
        }
    }
}

/// A suggested merge: the older profile (smaller id) keeps the other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub keep: i64,
    pub absorb: i64,
    pub likeness: Likeness,
}

fn full_name(profile: &Profile) -> Option<String> {
    let name = fold(profile.name.as_deref()?.trim());
    let words: Vec<&str> = name.split_whitespace().collect();
    (words.len() >= 2).then(|| words.join(" "))
}

/// Pairs of profiles that look like one person, surest first. `dismissed` holds pairs a person
/// already separated (an undone merge): they are not suggested again.
pub fn suggestions(profiles: &[Profile], dismissed: &[(i64, i64)]) -> Vec<Suggestion> {
    // handle name → (profile, network) of each profile that has it.
    let mut by_handle: HashMap<String, Vec<(i64, IdentityKind)>> = HashMap::new();
    let mut by_name: HashMap<String, Vec<i64>> = HashMap::new();
    for p in profiles {
        for identity in &p.identities {
            if let Some(name) = handle_name(identity) {
                by_handle
                    .entry(name)
                    .or_default()
                    .push((p.id, identity.kind));
            }
        }
        if let Some(name) = full_name(p) {
            by_name.entry(name).or_default().push(p.id);
        }
    }
    let pair = |a: i64, b: i64| (a.min(b), a.max(b));
    // (same handle, same name, one's name is the other's handle)
    let mut found: HashMap<(i64, i64), (bool, bool, bool)> = HashMap::new();
    for holders in by_handle.values() {
        for (i, (a, kind_a)) in holders.iter().enumerate() {
            for (b, kind_b) in &holders[i + 1..] {
                // The same handle on the *same* network would be the same identity.
                if a != b && kind_a != kind_b {
                    found.entry(pair(*a, *b)).or_default().0 = true;
                }
            }
        }
    }
    for holders in by_name.values() {
        for (i, a) in holders.iter().enumerate() {
            for b in &holders[i + 1..] {
                if a != b {
                    found.entry(pair(*a, *b)).or_default().1 = true;
                }
            }
        }
    }
    for (name, named) in &by_name {
        let joined: String = name.split_whitespace().collect();
        for (holder, _) in by_handle.get(&joined).into_iter().flatten() {
            for a in named.iter().filter(|a| *a != holder) {
                found.entry(pair(*a, *holder)).or_default().2 = true;
            }
        }
    }
    let mut out: Vec<Suggestion> = found
        .into_iter()
        .filter(|(pair, _)| {
            !dismissed
                .iter()
                .any(|d| pair == &(d.0.min(d.1), d.0.max(d.1)))
        })
        .map(
            |((keep, absorb), (handle, name, name_as_handle))| Suggestion {
                keep,
                absorb,
                likeness: match (handle, name, name_as_handle) {
                    (true, true, _) => Likeness::HandleAndName,
                    (true, false, _) => Likeness::SameHandle,
                    (false, _, true) => Likeness::NameAsHandle,
                    _ => Likeness::SameName,
                },
            },
        )
        .collect();
    out.sort_by_key(|s| (std::cmp::Reverse(s.likeness.confidence()), s.keep, s.absorb));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(kind: IdentityKind, value: &str) -> Identity {
        Identity {
            kind,
            value: value.into(),
            verified: true,
        }
    }

    #[test]
    fn an_address_a_handle_and_a_name_written_as_a_handle_are_likenesses() {
        use IdentityKind::*;
        let profile = |id: i64, name: Option<&str>, identities: Vec<Identity>| Profile {
            id,
            name: name.map(str::to_owned),
            identities,
        };
        let profiles = [
            profile(
                1,
                Some("Léa Martin"),
                vec![id(Email, "lea.martin@exemple.fr")],
            ),
            profile(2, None, vec![id(Mastodon, "@lea_martin@piaille.fr")]),
            profile(3, Some("Sam Roux"), vec![id(Email, "contact@roux.fr")]),
            profile(4, None, vec![id(Handle, "contact")]),
            profile(5, Some("Noor Haddad"), vec![]),
            profile(6, None, vec![id(Bluesky, "@noorhaddad.bsky.social")]),
        ];
        let found: Vec<(i64, i64, Likeness)> = suggestions(&profiles, &[])
            .into_iter()
            .map(|s| (s.keep, s.absorb, s.likeness))
            .collect();
        assert!(found.contains(&(1, 2, Likeness::SameHandle)), "{found:?}");
        assert!(found.contains(&(5, 6, Likeness::NameAsHandle)), "{found:?}");
        assert!(
            !found.iter().any(|f| (f.0, f.1) == (3, 4)),
            "a role address is nobody's handle"
        );
    }

    #[test]
    fn item_authors_become_identities() {
        use IdentityKind::*;
        let cases = [
            ("imap", "lea@example.org", Email, true),
            ("mastodon", "@lea@piaille.fr", Mastodon, true),
            ("bluesky", "@lea.bsky.social", Bluesky, true),
            ("webhook", "lea@example.org", Email, false),
            ("webhook", "lea_42", Handle, false),
            ("imap", "not an address", Handle, false),
            ("community", "@lea-martin", Community, true),
        ];
        for (source, handle, kind, verified) in cases {
            let identity = identity_of(source, Some(handle)).unwrap();
            assert_eq!(
                (identity.kind, identity.verified),
                (kind, verified),
                "{source} {handle}"
            );
            assert_eq!(identity.value, handle);
        }
        assert_eq!(identity_of("feed", None), None);
        assert_eq!(identity_of("feed", Some("  ")), None);
    }

    #[test]
    fn typed_identities_are_checked_and_written_like_connectors_do() {
        assert_eq!(
            parse_identity("email", " Lea@Example.org ").unwrap().value,
            "lea@example.org"
        );
        assert_eq!(
            parse_identity("mastodon", "lea@piaille.fr").unwrap().value,
            "@lea@piaille.fr"
        );
        assert_eq!(
            parse_identity("bluesky", "Lea.bsky.social").unwrap().value,
            "@lea.bsky.social"
        );
        assert_eq!(
            parse_identity("website", "https://lea.example/")
                .unwrap()
                .value,
            "lea.example"
        );
        assert_eq!(
            parse_identity("email", "lea"),
            Err(IdentityError::NotAnEmail)
        );
        assert_eq!(
            parse_identity("mastodon", "lea"),
            Err(IdentityError::NotAHandle)
        );
        assert_eq!(parse_identity("fax", "x"), Err(IdentityError::UnknownKind));
        assert_eq!(parse_identity("email", " "), Err(IdentityError::Empty));
        assert!(!parse_identity("email", "a@b.fr").unwrap().verified);
    }

    #[test]
    fn handles_compare_across_networks() {
        assert_eq!(
            handle_name(&id(IdentityKind::Mastodon, "@Léa@piaille.fr")).as_deref(),
            Some("lea")
        );
        assert_eq!(
            handle_name(&id(IdentityKind::Bluesky, "@lea.bsky.social")).as_deref(),
            Some("lea")
        );
        assert_eq!(
            handle_name(&id(IdentityKind::Email, "Lea.M@x.fr")).as_deref(),
            Some("leam"),
            "an address's name part, separators aside"
        );
        assert_eq!(handle_name(&id(IdentityKind::Email, "contact@x.fr")), None);
        assert_eq!(
            handle_name(&id(IdentityKind::Handle, "al")),
            None,
            "too short to mean anything"
        );
    }

    #[test]
    fn suggestion_table() {
        let profile = |pid: i64, name: &str, identities: Vec<Identity>| Profile {
            id: pid,
            name: (!name.is_empty()).then(|| name.to_owned()),
            identities,
        };
        let profiles = vec![
            profile(
                1,
                "Léa Martin",
                vec![id(IdentityKind::Mastodon, "@lea@piaille.fr")],
            ),
            profile(
                2,
                "Lea MARTIN",
                vec![id(IdentityKind::Bluesky, "@lea.bsky.social")],
            ),
            profile(3, "", vec![id(IdentityKind::Bluesky, "@sam.bsky.social")]),
            profile(
                4,
                "Sam",
                vec![id(IdentityKind::Mastodon, "@sam@mastodon.social")],
            ),
            profile(
                5,
                "Léa Martin",
                vec![id(IdentityKind::Email, "lea@example.org")],
            ),
            // Same handle on the same network twice is not a likeness of two people.
            profile(6, "", vec![id(IdentityKind::Mastodon, "@sam@other.social")]),
            profile(7, "Jo", vec![]),
            profile(8, "Jo", vec![]),
        ];
        let found = suggestions(&profiles, &[]);
        let summary: Vec<(i64, i64, u8)> = found
            .iter()
            .map(|s| (s.keep, s.absorb, s.likeness.confidence()))
            .collect();
        assert_eq!(
            summary,
            vec![
                (1, 2, 85), // same handle and same full name
                (1, 5, 85), // lea@… is the handle lea, and the same full name
                (2, 5, 85),
                (3, 4, 60), // same handle on Bluesky and Mastodon
                (3, 6, 60),
            ]
        );
        // A pair a person separated is not suggested again.
        let found = suggestions(&profiles, &[(2, 1)]);
        assert!(!found.iter().any(|s| (s.keep, s.absorb) == (1, 2)));
    }
}
