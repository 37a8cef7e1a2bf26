//! Trains moderation's classifiers on the labelled text `scripts/moderation-data` fetches:
//!
//! ```text
//! scripts/moderation-data
//! cargo run --release -p jardinier-moderation --example train_moderation
//! ```
//!
//! - the spam model, on `spam-train.tsv` only (SMS Spam Collection, 80 %; SpamAssassin's first
//!   collection), written to `crates/moderation/data/spam_model.bin` and built into Jardinier;
//! - an insult model, on the Kaggle insults `insults-train.tsv` only, written beside the data
//!   (`target/moderation-data/insults_model.bin`), never into the source tree: that set states
//!   no licence, so no model trained on it ships (docs/moderation-data.md). `jardinier screen
//!   --toxic-model FILE` uses it.
//!
//! The data folder is `target/moderation-data`, or `$JARDINIER_MODERATION_DATA`.

use std::path::PathBuf;

use jardinier_moderation::eval::parse_labelled;
use jardinier_moderation::features::{Features, extract};
use jardinier_moderation::model::{Options, train};
use jardinier_moderation::screen::languages;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let data = std::env::var_os("JARDINIER_MODERATION_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target/moderation-data"));
    let read = |name: &str| -> Result<Vec<(Features, bool)>, Box<dyn std::error::Error>> {
        let path = data.join(name);
        let content = std::fs::read_to_string(&path).map_err(|e| {
            format!(
                "{}: {e} (run scripts/moderation-data first)",
                path.display()
            )
        })?;
        let items = parse_labelled(&content).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(items
            .iter()
            .map(|(y, text)| (extract(text, languages(text)), *y))
            .collect())
    };

    let spam = read("spam-train.tsv")?;
    let model = train(&spam, Options::default());
    let out = root.join("crates/moderation/data/spam_model.bin");
    std::fs::write(&out, model.to_bytes())?;
    println!("spam model: {} texts → {}", spam.len(), out.display());

    let insults = read("insults-train.tsv")?;
    let model = train(&insults, Options::default());
    let out = data.join("insults_model.bin");
    std::fs::write(&out, model.to_bytes())?;
    println!("insult model: {} texts → {}", insults.len(), out.display());
    Ok(())
}
