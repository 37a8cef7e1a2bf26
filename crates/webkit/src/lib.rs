//! What both HTTP faces of Jardinier need — the team's workbench (`jardinier-web`) and the
//! members' community site (`jardinier-site`) — so that neither depends on the other:
//! secrets ([`secrets`]), cookies and the client's address ([`http`]), and dates in the
//! reader's language and the workspace's time zone ([`format`]).
//!
//! Architecture invariant: nothing here knows about the store, a page or a route.

/// Jardinier's icon, served by both faces.
pub const ICON_SVG: &str = include_str!("../assets/icon.svg");

pub mod error;
pub mod format;
pub mod http;
pub mod secrets;
