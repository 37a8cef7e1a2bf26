//! Real servers for the tests, started by the tests themselves from the binaries of Debian's
//! packages that `scripts/test-deps` installs. Each server runs as a child process with its own
//! configuration in a temporary folder, on a free loopback port, and is stopped on drop.
//!
//! - [`dovecot::Dovecot`]: IMAP over Maildir, with one user or several, and on request LMTP for
//!   an MTA to deliver into.
//! - [`postfix::Postfix`]: an SMTP server for one mail domain that hands every message to a
//!   Dovecot's LMTP port, so a test can send mail the way the internet does and read it over IMAP
//!   (or straight from the Maildir with [`dovecot::Dovecot::messages`]).
//!
//! When a server's binary is missing, `start` returns `None` after a loud message, except under
//! `CI=true`, where it panics: CI must run every test. Postfix also needs root (its master process
//! hands work to the `postfix` system user); as another user it is skipped the same way.

pub mod dovecot;
pub mod postfix;

/// A free TCP port on 127.0.0.1 (bound, then released for the server to take).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// `None` (with a message) when `binary` is missing outside CI; a panic under `CI=true`.
pub(crate) fn require_binary(binary: &str, package: &str) -> Option<()> {
    if std::path::Path::new(binary).exists() {
        return Some(());
    }
    unavailable(format!(
        "{binary} is missing: install Debian's {package} package (scripts/test-deps does)"
    ))
}

/// `None` after a loud `SKIPPED` message outside CI; a panic under `CI=true`.
pub(crate) fn unavailable<T>(message: String) -> Option<T> {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{message}");
    }
    eprintln!("SKIPPED: {message}");
    None
}

/// What `id <flag>` prints for the user running the tests (`-u`: uid, `-un`: name, `-gn`: group).
pub(crate) fn id(flag: &str) -> String {
    let out = std::process::Command::new("id")
        .arg(flag)
        .output()
        .expect("run id");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}
