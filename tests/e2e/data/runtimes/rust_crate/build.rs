use std::{env, fs, path::Path, process::Command};
fn main() {
    let out = env::var("OUT_DIR").unwrap();
    let rustc = env::var("RUSTC").unwrap();
    let v = Command::new(rustc).arg("--version").output().unwrap();
    let ok = v.status.success();
    fs::write(Path::new(&out).join("gen.rs"), format!("pub const GEN: u64 = {};\npub const RUSTC_OK: bool = {};\n", (1..=100u64).sum::<u64>(), ok)).unwrap();
    println!("cargo:rerun-if-changed=build.rs");
}
