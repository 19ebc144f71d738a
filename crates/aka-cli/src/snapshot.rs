//! `aka snapshot`: write a snapshot now, or list the snapshots and whether each is usable.

use std::time::Instant;

use aka::Engine;
use anyhow::Result;

/// Writes a snapshot of the engine's state and says where, what it covers and its size.
pub fn take(engine: &mut Engine) -> Result<()> {
    let started = Instant::now();
    let file = engine.snapshot()?;
    println!(
        "snapshot of events 1..={} written to {} ({}) in {:.2} s",
        file.seq,
        file.path.display(),
        size(file.bytes),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Lists the snapshots, newest first, each checked as opening would check it.
pub fn list(engine: &Engine) -> Result<()> {
    let files = engine.snapshots()?;
    if files.is_empty() {
        println!("no snapshots in {} (the state is rebuilt by replaying the log)", engine.log().dir().display());
    }
    for status in files {
        let verdict = match &status.unusable {
            None => "usable".to_string(),
            Some(why) => format!("not usable: {why}"),
        };
        let file = &status.file;
        println!("{:>10}  {:>10}  {}  {verdict}", file.seq, size(file.bytes), file.path.display());
    }
    Ok(())
}

/// A size for people: kB under a megabyte, MB with one decimal above.
fn size(bytes: u64) -> String {
    if bytes < 1_000_000 {
        return format!("{} kB", bytes.div_ceil(1000));
    }
    let tenths = bytes / 100_000;
    format!("{}.{} MB", tenths / 10, tenths % 10)
}
