// sqlx::migrate! reads the migration folders at compile time; without this, a new
// migration file would not rebuild the binary (sqlx's documented build script).
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
