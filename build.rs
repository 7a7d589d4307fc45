// Records the git commit for the outputs' provenance metadata, when built from a checkout, with
// "-modified-HASH" when the files it is built from (src, shaders, build.rs, Cargo.toml,
// Cargo.lock) differ from it: a build of uncommitted changes must not stamp its outputs as the
// commit's, and HASH (of the diff) tells two such builds apart.
/// The files the binary is built from.
const BUILT_FROM: [&str; 5] = ["src", "shaders", "build.rs", "Cargo.toml", "Cargo.lock"];

fn main() {
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-env-changed=DISPERSA_GIT_COMMIT");
    println!("cargo:rerun-if-changed=.git/refs");
    println!("cargo:rerun-if-changed=.git/index");
    // What the binary is built from: an edit here changes the tree's state.
    for path in BUILT_FROM {
        println!("cargo:rerun-if-changed={path}");
    }
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    // Always set, so that `dispersa --version` can name it ("unknown" outside a checkout).
    let commit = match git(&["rev-parse", "--short=12", "HEAD"]).filter(|c| !c.is_empty()) {
        Some(c) => {
            // Only the files the binary is built from, and without refreshing the index
            // (which this script watches: a refresh would run it again on every build).
            let over = |args: &[&str]| {
                git(&[&["--no-optional-locks"], args, &["--"], &BUILT_FROM[..]].concat())
            };
            let modified = over(&["status", "--porcelain", "--untracked-files=no"])
                .is_some_and(|s| !s.is_empty());
            if modified {
                // Which change: a hash of the diff over the same files, so that two builds of
                // different uncommitted changes are told apart (a review board found two runs
                // stamped alike). FNV-1a, 32 bits: a label, not a seal.
                let diff = over(&["diff", "HEAD"]).unwrap_or_default();
                let hash = diff.bytes().fold(0x811c_9dc5_u32, |h, b| {
                    (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
                });
                format!("{c}-modified-{hash:08x}")
            } else {
                c
            }
        }
        // Outside a checkout (a container build without .git), the commit the builder names.
        None => std::env::var("DISPERSA_GIT_COMMIT")
            .ok()
            .filter(|c| !c.trim().is_empty())
            .map_or_else(|| "unknown".into(), |c| c.trim().to_string()),
    };
    println!("cargo:rustc-env=DISPERSA_GIT_COMMIT={commit}");
}
