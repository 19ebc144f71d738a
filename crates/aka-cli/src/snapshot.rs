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
        megabytes(file.bytes),
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
    for (file, usable) in files {
        let verdict = match usable {
            Ok(()) => "usable".to_string(),
            Err(why) => format!("not usable: {why}"),
        };
        println!("{:>10}  {:>10}  {}  {verdict}", file.seq, megabytes(file.bytes), file.path.display());
    }
    Ok(())
}

fn megabytes(bytes: u64) -> String {
    let tenths = bytes.saturating_mul(10) / 1_000_000;
    format!("{}.{} MB", tenths / 10, tenths % 10)
}
