//! Jardinier's domain: the types and rules every other crate shares.
//!
//! This crate never touches HTTP, SQL, the file system or the clock: everything here is a plain
//! function of its inputs, so the rules (who may do what, what a valid e-mail or workspace name
//! is) are tested without a server. Input types follow "parse, don't validate": a handler turns
//! raw form or JSON input into these types once, and nothing invalid reaches the core.

pub mod approval;
pub mod client_address;
pub mod input;
pub mod rate;
pub mod redirect;
pub mod role;
pub mod section;
pub mod spreadsheet;

pub use approval::{ApprovalPolicy, ApprovalStep, PolicyError};
pub use input::{
    DisplayName, Email, FieldError, InvitationRequest, NewAccount, Password, Slug, TokenName,
    ValidationErrors, WorkspaceName,
};
pub use role::{Permission, Role};
pub use section::Section;
