//! Parsed input. Each type can only be built through `parse`, which either returns a value that
//! is valid for good or a [`FieldError`] naming the field and a catalogue key for the message, so
//! the web layer can show the error next to the field in the user's language.

use std::fmt;

use crate::role::Role;

/// One thing wrong with one field. `message` is a key in the i18n catalogues (`error.*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: &'static str,
}

impl FieldError {
    pub fn new(field: &'static str, message: &'static str) -> FieldError {
        FieldError { field, message }
    }
}

/// Every problem found in one submitted form, in field order.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
#[error("{} field(s) are invalid", .0.len())]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Keeps the value if `result` is Ok, records the error otherwise.
    pub fn check<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.0.push(error);
                None
            }
        }
    }

    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    pub fn for_field(&self, field: &str) -> Option<&'static str> {
        self.0.iter().find(|e| e.field == field).map(|e| e.message)
    }

    pub fn into_result(self) -> Result<(), ValidationErrors> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }
}

impl From<FieldError> for ValidationErrors {
    fn from(error: FieldError) -> Self {
        ValidationErrors(vec![error])
    }
}

/// An e-mail address, trimmed and lower-cased so that one person has one account.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(field: &'static str, raw: &str) -> Result<Email, FieldError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(FieldError::new(field, "error.required"));
        }
        if trimmed.len() > 254 || !email_address::EmailAddress::is_valid(trimmed) {
            return Err(FieldError::new(field, "error.email_invalid"));
        }
        // Reject quoted local parts and display forms: we send to this exact address.
        if trimmed.contains(['"', '<', '>', ' ']) || !trimmed.contains('.') {
            return Err(FieldError::new(field, "error.email_invalid"));
        }
        Ok(Email(trimmed.to_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A new password. Length is what matters (NIST SP 800-63B): at least 10 characters, at most
/// 256 so hashing stays bounded; no composition rules.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 10;
    pub const MAX_CHARS: usize = 256;

    pub fn parse(field: &'static str, raw: &str) -> Result<Password, FieldError> {
        let chars = raw.chars().count();
        if chars == 0 {
            Err(FieldError::new(field, "error.required"))
        } else if chars < Self::MIN_CHARS {
            Err(FieldError::new(field, "error.password_too_short"))
        } else if chars > Self::MAX_CHARS {
            Err(FieldError::new(field, "error.password_too_long"))
        } else {
            Ok(Password(raw.to_owned()))
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

fn parse_short_text(
    field: &'static str,
    raw: &str,
    max_chars: usize,
) -> Result<String, FieldError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(FieldError::new(field, "error.required"));
    }
    if trimmed.chars().count() > max_chars {
        return Err(FieldError::new(field, "error.too_long"));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(FieldError::new(field, "error.control_chars"));
    }
    Ok(trimmed.to_owned())
}

macro_rules! short_text {
    ($(#[$doc:meta])* $name:ident, $max:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            pub const MAX_CHARS: usize = $max;

            pub fn parse(field: &'static str, raw: &str) -> Result<$name, FieldError> {
                parse_short_text(field, raw, Self::MAX_CHARS).map($name)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

short_text!(
    /// A person's name as teammates see it.
    DisplayName,
    80
);
short_text!(
    /// A workspace (brand) name.
    WorkspaceName,
    80
);
short_text!(
    /// What the owner of an API token calls it ("Zapier", "reporting script").
    TokenName,
    60
);

/// The URL name of a workspace: lower-case ASCII letters, digits and dashes, 2–40 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Slug(String);

impl Slug {
    pub fn parse(field: &'static str, raw: &str) -> Result<Slug, FieldError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(FieldError::new(field, "error.required"));
        }
        let valid_chars = s
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !(2..=40).contains(&s.len()) || !valid_chars || s.starts_with('-') || s.ends_with('-') {
            return Err(FieldError::new(field, "error.slug_invalid"));
        }
        Ok(Slug(s.to_owned()))
    }

    /// Derives a slug from a name: "Brûlerie du Canal" → "brulerie-du-canal".
    pub fn from_name(name: &WorkspaceName) -> Slug {
        let ascii = deunicode::deunicode(name.as_str()).to_lowercase();
        let mut slug = String::new();
        for c in ascii.chars() {
            if c.is_ascii_alphanumeric() {
                slug.push(c);
            } else if !slug.ends_with('-') && !slug.is_empty() {
                slug.push('-');
            }
        }
        let mut slug: String = slug.trim_end_matches('-').chars().take(40).collect();
        slug = slug.trim_end_matches('-').to_owned();
        while slug.len() < 2 {
            slug.push('w');
        }
        Slug(slug)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A request to invite someone into a workspace with a role, checked against the inviter's role.
#[derive(Debug, Clone)]
pub struct InvitationRequest {
    pub email: Email,
    pub role: Role,
}

impl InvitationRequest {
    pub fn parse(
        inviter: Role,
        email: &str,
        role: &str,
    ) -> Result<InvitationRequest, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let email = errors.check(Email::parse("email", email));
        let role = match Role::parse(role) {
            None => {
                errors.push(FieldError::new("role", "error.role_invalid"));
                None
            }
            Some(role) if !inviter.can_assign(role) => {
                errors.push(FieldError::new("role", "error.role_not_allowed"));
                None
            }
            Some(role) => Some(role),
        };
        match (email, role) {
            (Some(email), Some(role)) => Ok(InvitationRequest { email, role }),
            _ => Err(errors),
        }
    }
}

/// The fields that create an account (CLI `user add`, accepting an invitation).
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub email: Email,
    pub display_name: DisplayName,
    pub password: Password,
}

impl NewAccount {
    pub fn parse(
        email: &str,
        display_name: &str,
        password: &str,
    ) -> Result<NewAccount, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let email = errors.check(Email::parse("email", email));
        let display_name = errors.check(DisplayName::parse("display_name", display_name));
        let password = errors.check(Password::parse("password", password));
        match (email, display_name, password) {
            (Some(email), Some(display_name), Some(password)) => Ok(NewAccount {
                email,
                display_name,
                password,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse("email", "  Camille@Brulerie.example ")
                .unwrap()
                .as_str(),
            "camille@brulerie.example"
        );
        for bad in [
            "",
            "camille",
            "camille@",
            "@brulerie.fr",
            "a b@c.fr",
            "camille@localhost",
        ] {
            assert!(
                Email::parse("email", bad).is_err(),
                "{bad:?} should be rejected"
            );
        }
        assert_eq!(
            Email::parse("email", " ").unwrap_err().message,
            "error.required"
        );
    }

    #[test]
    fn passwords_need_ten_characters_counted_as_characters() {
        assert_eq!(
            Password::parse("password", "court").unwrap_err().message,
            "error.password_too_short"
        );
        assert!(Password::parse("password", "éééééééééé").is_ok());
        assert!(
            format!("{:?}", Password::parse("p", "secret-secret").unwrap()).contains("redacted")
        );
    }

    #[test]
    fn slugs_are_derived_from_names_without_accents() {
        let name = WorkspaceName::parse("name", "  Brûlerie du Canal — Paris ").unwrap();
        assert_eq!(Slug::from_name(&name).as_str(), "brulerie-du-canal-paris");
        assert!(Slug::parse("slug", "Bad Slug").is_err());
        assert!(Slug::parse("slug", "-x").is_err());
        assert!(Slug::parse("slug", "ok-2").is_ok());
    }

    #[test]
    fn invitation_checks_the_inviters_right_to_grant_the_role() {
        let err =
            InvitationRequest::parse(Role::Manager, "new@brulerie.example", "owner").unwrap_err();
        assert_eq!(err.for_field("role"), Some("error.role_not_allowed"));
        let err = InvitationRequest::parse(Role::Owner, "nope", "pilot").unwrap_err();
        assert_eq!(err.0.len(), 2);
        assert!(InvitationRequest::parse(Role::Owner, "new@brulerie.example", "client").is_ok());
    }

    #[test]
    fn short_texts_reject_empty_long_and_control_characters() {
        assert_eq!(
            DisplayName::parse("n", " ").unwrap_err().message,
            "error.required"
        );
        assert_eq!(
            DisplayName::parse("n", &"x".repeat(81))
                .unwrap_err()
                .message,
            "error.too_long"
        );
        assert_eq!(
            DisplayName::parse("n", "a\u{7}b").unwrap_err().message,
            "error.control_chars"
        );
        assert_eq!(
            DisplayName::parse("n", " Camille ").unwrap().as_str(),
            "Camille"
        );
    }
}
