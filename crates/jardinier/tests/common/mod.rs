//! Helpers shared by the binary's test targets. Each target uses some of them.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
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
///
/// Both of the demo's output pipes are read to the end by threads of their own and copied to
/// `demo.log` in `dir` ([`demo_log`]): a pipe nobody reads fills up after 64 KiB, and then every
/// thread of the demo that logs a line waits for ever.
pub fn start_demo_with(dir: &TempDir, env: &[(&str, &str)]) -> (Child, String) {
    let mut child = jardinier(dir)
        .args(["demo", "--bind", "127.0.0.1:0"])
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let log = std::sync::Arc::new(std::sync::Mutex::new(
        std::fs::File::create(dir.0.join("demo.log")).unwrap(),
    ));
    let stderr = child.stderr.take().unwrap();
    let to_log = log.clone();
    std::thread::spawn(move || copy_lines(BufReader::new(stderr), &to_log));
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while stdout.read_line(&mut line).unwrap_or(0) > 0 {
        let _ = log.lock().unwrap().write_all(line.as_bytes());
        if let Some(url) = line.strip_prefix("Jardinier is listening on ") {
            let url = url.trim().to_owned();
            std::thread::spawn(move || copy_lines(stdout, &log));
            return (child, url);
        }
        line.clear();
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the demo did not start:\n{}", demo_log(dir));
}

fn copy_lines(from: impl BufRead, to: &std::sync::Mutex<std::fs::File>) {
    for line in from.lines().map_while(Result::ok) {
        let _ = writeln!(to.lock().unwrap(), "{line}");
    }
}

/// The last 60 lines the demo started by [`start_demo_with`] in `dir` printed.
pub fn demo_log(dir: &TempDir) -> String {
    let text = std::fs::read_to_string(dir.0.join("demo.log")).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(60)..].join("\n")
}
