// sqlx::migrate! reads the migration folders at compile time; without this, a new
// migration file would not rebuild the binary (sqlx's documented build script).
// A release build embeds web/dist (src/http/web.rs): a new build of the web app must
// rebuild the binary. Until web/dist exists, watch web/ so that its creation is seen.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
    if std::path::Path::new("web/dist").exists() {
        println!("cargo:rerun-if-changed=web/dist");
    } else {
        println!("cargo:rerun-if-changed=web");
    }
}
