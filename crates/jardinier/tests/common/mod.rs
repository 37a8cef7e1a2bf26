//! Helpers shared by the binary's test targets. Each target uses some of them.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use jardinier_store::testing::TempDir;

/// The built `jardinier` binary, run in `dir`, with no database URL from the environment.
pub fn jardinier(dir: &TempDir) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_jardinier"));
    command
        .current_dir(&dir.0)
        .env_remove("JARDINIER_DATABASE_URL")
        .env("NO_COLOR", "1");
    command
}

/// Starts `jardinier demo` on a free port; returns the child and the base URL it printed.
pub fn start_demo(dir: &TempDir) -> (Child, String) {
    start_demo_with(dir, &[])
}

/// [`start_demo`] with configuration given in the environment.
pub fn start_demo_with(dir: &TempDir, env: &[(&str, &str)]) -> (Child, String) {
    let mut child = jardinier(dir)
        .args(["demo", "--bind", "127.0.0.1:0"])
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    for line in stdout.lines() {
        let line = line.unwrap();
        if let Some(url) = line.strip_prefix("Jardinier is listening on ") {
            return (child, url.trim().to_owned());
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the demo did not start");
}
