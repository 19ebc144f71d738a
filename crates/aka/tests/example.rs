//! The library example under examples/ runs and shows the upstream mention linked to the
//! person the document named.

use std::process::Command;

#[test]
fn the_embed_example_runs_and_links_the_upstream_mention() {
    // `cargo test` builds examples beside the test binaries: target/<profile>/examples/.
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let example = profile_dir.join("examples").join(format!("embed{}", std::env::consts::EXE_SUFFIX));
    assert!(example.exists(), "{} was not built", example.display());
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(&example).arg(dir.path().join("data")).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("PERSON Maria Lopez (2 mentions)"), "{stdout}");
    assert!(stdout.contains("name_containment"), "{stdout}");
}
