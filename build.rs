// Records the git revision for `--version` and manifests ("unknown" outside a checkout).
use std::path::Path;

fn git(args: &[&str]) -> Option<String> {
    std::process::Command::new("git")
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn main() {
    let rev = git(&["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=AGI_TIMELINES_GIT_REVISION={rev}");
    // Rerun when the checked-out commit changes: HEAD, the folder of the branch it names
    // (a commit rewrites or creates that branch's file) and packed-refs. Only paths that
    // exist are named: cargo reruns a build script whose watched path is missing on
    // every build, which recompiled the crate on every `cargo run` in a linked worktree
    // (where `.git` is a file) and in a source tree without git.
    println!("cargo:rerun-if-changed=build.rs");
    let mut watched = Vec::new();
    watched.extend(git(&["rev-parse", "--git-path", "HEAD"]));
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        if let Some(file) = git(&["rev-parse", "--git-path", &branch]) {
            watched.extend(Path::new(&file).parent().map(|d| d.display().to_string()));
        }
        watched.extend(git(&["rev-parse", "--git-path", "packed-refs"]));
    }
    for path in watched {
        if Path::new(&path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    }
}
