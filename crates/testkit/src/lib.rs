//! Real servers for the tests, started by the tests themselves from the binaries of Debian's
//! packages that `scripts/test-deps` installs. Each server runs as a child process with its own
//! configuration in a temporary folder, on a free loopback port, and is stopped on drop.
//!
//! When a server's binary is missing, `start` returns `None` after a loud message, except under
//! `CI=true`, where it panics: CI must run every test.

pub mod dovecot;

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
    let message =
        format!("{binary} is missing: install Debian's {package} package (scripts/test-deps does)");
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{message}");
    }
    eprintln!("SKIPPED: {message}");
    None
}
