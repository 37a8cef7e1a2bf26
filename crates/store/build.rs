// Rebuild when a migration is added: `sqlx::migrate!` embeds the migration folders at compile
// time, and cargo does not otherwise know that a new file in them changes the crate (sqlx's
// documented build script).
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
