//! The browser test: `jardinier demo` driven by real headless Chromium through playwright-core
//! (tests/browser/walk.mjs): sign in, every section in French and English, keyboard, dark
//! theme, workspace switcher, screenshots in `target/screenshots/`.
//!
//! Needs Debian's `chromium`, Node.js and `npm ci` in tests/browser (.ci/run does all three).
//! Under `CI=true` anything missing fails the test; elsewhere it is skipped with a loud message.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use jardinier_store::testing::TempDir;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn missing_prerequisite() -> Option<String> {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        return Some(format!("{chromium} is missing (apt-get install chromium)"));
    }
    if Command::new("node").arg("--version").output().is_err() {
        return Some("node is missing".into());
    }
    if !repo_root()
        .join("tests/browser/node_modules/playwright-core")
        .exists()
    {
        return Some("playwright-core is not installed (cd tests/browser && npm ci)".into());
    }
    None
}

#[test]
fn a_newcomer_walks_every_section_in_french_and_english() {
    if let Some(missing) = missing_prerequisite() {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("the browser test cannot run: {missing}");
        }
        eprintln!("\n!!!!! SKIPPING THE BROWSER TEST: {missing} !!!!!\n");
        return;
    }
    let dir = TempDir::new("browser");
    let (mut demo, base) = common::start_demo(&dir);
    let shots = repo_root().join("target/screenshots");
    let output = Command::new("node")
        .arg(repo_root().join("tests/browser/walk.mjs"))
        .arg(&base)
        .arg(&shots)
        .output()
        .expect("run node");
    let _ = demo.kill();
    let _ = demo.wait();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "the browser walk failed (screenshots in {}):\n{stdout}\n{stderr}\nthe demo's last lines:\n{}",
        shots.display(),
        common::demo_log(&dir)
    );
    assert!(stdout.contains("browser walk passed"), "{stdout}");
}
