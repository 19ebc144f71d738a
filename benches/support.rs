//! Shared by the benches (each includes it with `#[path = "support.rs"] mod support;`): the
//! seed-sized news documents, the release build of the `aka` binary that benches run, and
//! measures of memory and disk.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Given names and surnames of the invented people the documents add to the seed articles.
pub const FIRST: &[&str] = &["Amara", "Tomas", "Ines", "Omar", "Lena", "Kofi", "Mira", "Ravi", "Sofia", "Yusuf"];
/// See [`FIRST`].
pub const LAST: &[&str] = &["Mensah", "Berg", "Ward", "Hale", "Vogt", "Finch", "Okafor", "Lind", "Reyes", "Sato"];

/// The seed articles, in file-name order.
pub fn seed_articles() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../seeds");
    let mut seeds: Vec<String> = std::fs::read_dir(&root)
        .expect("seeds/ is readable")
        .map(|e| std::fs::read_to_string(e.expect("a seed entry").path()).expect("a seed article"))
        .collect();
    seeds.sort();
    assert!(!seeds.is_empty(), "no seed article in {}", root.display());
    seeds
}

/// The text of document `n`: a seed article plus a sentence naming two generated people, so
/// that a store keeps growing new entities as well as linking known ones.
pub fn seed_sized_text(seeds: &[String], n: usize) -> String {
    let (a, b) = (n % FIRST.len(), (n / FIRST.len()) % LAST.len());
    let extra = format!(
        "\nSenator {} {} met former minister {} {} on Monday.",
        FIRST[a],
        LAST[b],
        FIRST[(a + 3) % FIRST.len()],
        LAST[(b + 7) % LAST.len()]
    );
    format!("{}{extra}", seeds[n % seeds.len()])
}

/// Builds the `aka` binary in release and returns its path, as cargo reports it (whatever the
/// target directory), else the one next to the running bench, or why there is none. `bench`
/// names the caller in the progress line.
pub fn build_cli(bench: &str) -> Result<PathBuf, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    eprintln!("{bench} bench: cargo build --release -p aka-cli");
    let output = Command::new(cargo)
        .args(["build", "--release", "-p", "aka-cli", "--message-format=json"])
        .current_dir(root)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err(format!("cargo build --release -p aka-cli failed: {}", output.status));
    }
    let reported = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "aka")
        .find_map(|m| m["executable"].as_str().map(PathBuf::from));
    let beside = || {
        let exe = std::env::current_exe().ok()?;
        let aka = exe.parent()?.parent()?.join(format!("aka{}", std::env::consts::EXE_SUFFIX));
        aka.is_file().then_some(aka)
    };
    reported.or_else(beside).ok_or_else(|| "cargo built no `aka` executable".to_string())
}

/// The kB figures of `fields` ("VmRSS:", "RssAnon:", ...) of this process, from
/// /proc/self/status, in order (zeros elsewhere).
pub fn status_kb<const N: usize>(fields: [&str; N]) -> [u64; N] {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    fields.map(|name| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    })
}

/// The bytes of the files under `path`, recursively. A file that sled removes between the
/// listing and the look (a blob or segment file it has just freed) counts as nothing.
pub fn bytes_under(path: &Path) -> u64 {
    let size = |p: &Path| match std::fs::metadata(p) {
        Ok(meta) if meta.is_dir() => bytes_under(p),
        Ok(meta) => meta.len(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
        Err(e) => panic!("the size of {}: {e}", p.display()),
    };
    std::fs::read_dir(path).expect("a readable directory").map(|e| size(&e.expect("an entry").path())).sum()
}
