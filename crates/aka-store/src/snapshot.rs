//! Snapshots: the derived state at a sequence number, archived with rkyv in one file beside the
//! log, then memory-mapped, checked and read in place. A snapshot is a cache: deleting every one
//! loses nothing, and one that fails any check is skipped, never trusted.
//!
//! Layout: `DIR/snapshots/SEQ-RULES.snap`, SEQ the 20-digit sequence number it covers and RULES
//! the first 16 hex digits of the rules' SHA-256. A file is a 128-byte header, then the archive:
//!
//! | bytes | what |
//! |---|---|
//! | 0..8 | magic `AKASNAP\0` |
//! | 8..12 | snapshot format ([`SNAPSHOT_FORMAT`]), u32 little-endian |
//! | 12..16 | event schema ([`aka_core::SCHEMA_VERSION`]), u32 little-endian |
//! | 16..24 | the sequence number covered, u64 little-endian |
//! | 24..32 | the archive's length in bytes, u64 little-endian |
//! | 32..40 | XXH3-64 of the archive |
//! | 40..48 | XXH3-64 of the stored bytes of the log's event at SEQ: the log it was made from |
//! | 48..120 | the rules hash (`sha256:` and 64 hex digits), zero-padded |
//! | 120..128 | XXH3-64 of bytes 0..120: every byte of the file is checked |
//!
//! The header is 128 bytes so that the archive starts 16-byte aligned in a page-aligned mapping.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use aka_core::image::{Base, Bytes};
use rkyv::util::AlignedVec;
use tracing::{info, warn};
use xxhash_rust::xxh3::xxh3_64;

use crate::error::SnapshotError;
use crate::log::Log;

/// The version of the snapshot layout and of every archived type; a file of another version is
/// skipped. Bump it whenever the header or any type inside `Image` changes.
pub const SNAPSHOT_FORMAT: u32 = 1;

/// The folder of a data directory that holds its snapshots.
pub const SNAPSHOT_DIR: &str = "snapshots";

const MAGIC: &[u8; 8] = b"AKASNAP\0";
const HEADER_LEN: usize = 128;
const RULES_FIELD: std::ops::Range<usize> = 48..120;
const HEADER_SUM_AT: usize = 120;
const EXTENSION: &str = "snap";

/// A snapshot file and what its name and header say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotFile {
    /// Its path.
    pub path: PathBuf,
    /// The sequence number it covers.
    pub seq: u64,
    /// Its size in bytes.
    pub bytes: u64,
}

/// What a snapshot must match to be used.
#[derive(Clone, Copy, Debug)]
pub struct Expect<'a> {
    /// The hash of the rules in force.
    pub rules_hash: &'a str,
    /// The log it must have been made from: it covers no event beyond the log's last, and the
    /// event it covers last is the log's.
    pub log: &'a Log,
}

/// A snapshot that was skipped, and why.
#[derive(Debug)]
pub struct Skipped {
    /// The file.
    pub path: PathBuf,
    /// Why it was not used.
    pub error: SnapshotError,
}

/// A memory-mapped snapshot file; its archive is the bytes after the header.
struct Mapped(memmap2::Mmap);

impl Bytes for Mapped {
    fn bytes(&self) -> &[u8] {
        &self.0[HEADER_LEN..]
    }
}

impl fmt::Debug for Mapped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mapped").field("len", &self.0.len()).finish()
    }
}

/// The snapshots folder of data directory `dir`.
pub fn snapshot_dir(dir: &Path) -> PathBuf {
    dir.join(SNAPSHOT_DIR)
}

/// Writes `archive` (an encoded [`aka_core::Image`] covering event `seq`) as a snapshot of `dir`:
/// to a temporary file, fsynced, renamed into place, and the folder fsynced. `tip` is the stored
/// bytes of the log's event at `seq`.
pub fn write(
    dir: &Path,
    archive: &AlignedVec,
    seq: u64,
    rules_hash: &str,
    tip: &[u8],
) -> Result<SnapshotFile, SnapshotError> {
    let folder = snapshot_dir(dir);
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SnapshotError::Io { path, source }
    };
    fs::create_dir_all(&folder).map_err(io(&folder))?;
    let header = header(archive, seq, rules_hash, tip)?;
    let path = folder.join(file_name(seq, rules_hash));
    let temp = folder.join(format!(".{}.tmp{}", file_name(seq, rules_hash), std::process::id()));
    let mut file = OpenOptions::new().write(true).create(true).truncate(true).open(&temp).map_err(io(&temp))?;
    file.write_all(&header).map_err(io(&temp))?;
    file.write_all(archive).map_err(io(&temp))?;
    file.sync_all().map_err(io(&temp))?;
    drop(file);
    fs::rename(&temp, &path).map_err(io(&path))?;
    File::open(&folder).and_then(|f| f.sync_all()).map_err(io(&folder))?;
    let bytes = u64::try_from(HEADER_LEN + archive.len()).unwrap_or(u64::MAX);
    info!(path = %path.display(), seq, bytes, "snapshot written");
    Ok(SnapshotFile { path, seq, bytes })
}

fn header(archive: &[u8], seq: u64, rules_hash: &str, tip: &[u8]) -> Result<[u8; HEADER_LEN], SnapshotError> {
    let rules = rules_hash.as_bytes();
    if rules.len() > RULES_FIELD.len() {
        return Err(SnapshotError::RulesHashTooLong { hash: rules_hash.to_string() });
    }
    let mut header = [0u8; HEADER_LEN];
    header[0..8].copy_from_slice(MAGIC);
    header[8..12].copy_from_slice(&SNAPSHOT_FORMAT.to_le_bytes());
    header[12..16].copy_from_slice(&u32::from(aka_core::SCHEMA_VERSION).to_le_bytes());
    header[16..24].copy_from_slice(&seq.to_le_bytes());
    header[24..32].copy_from_slice(&u64::try_from(archive.len()).unwrap_or(u64::MAX).to_le_bytes());
    header[32..40].copy_from_slice(&xxh3_64(archive).to_le_bytes());
    header[40..48].copy_from_slice(&xxh3_64(tip).to_le_bytes());
    header[RULES_FIELD.start..RULES_FIELD.start + rules.len()].copy_from_slice(rules);
    let sum = xxh3_64(&header[..HEADER_SUM_AT]);
    header[HEADER_SUM_AT..].copy_from_slice(&sum.to_le_bytes());
    Ok(header)
}

fn file_name(seq: u64, rules_hash: &str) -> String {
    let digits: String = rules_hash.trim_start_matches("sha256:").chars().take(16).collect();
    format!("{seq:020}-{digits}.{EXTENSION}")
}

/// The snapshot files of `dir` (by their names), newest first. Temporary files left by a crash
/// and files with other names are not listed.
pub fn list(dir: &Path) -> Result<Vec<SnapshotFile>, SnapshotError> {
    let folder = snapshot_dir(dir);
    let entries = match fs::read_dir(&folder) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(SnapshotError::Io { path: folder, source }),
    };
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| SnapshotError::Io { path: folder.clone(), source })?;
        let name = entry.file_name();
        let Some(seq) = name.to_str().and_then(seq_of_name) else { continue };
        let bytes = entry.metadata().map(|m| m.len()).unwrap_or(0);
        files.push(SnapshotFile { path: entry.path(), seq, bytes });
    }
    files.sort_by(|a, b| b.seq.cmp(&a.seq).then_with(|| b.path.cmp(&a.path)));
    Ok(files)
}

fn seq_of_name(name: &str) -> Option<u64> {
    let stem = name.strip_suffix(&format!(".{EXTENSION}"))?;
    let (seq, rules) = stem.split_once('-')?;
    let hex = rules.len() == 16 && rules.chars().all(|c| c.is_ascii_hexdigit());
    (seq.len() == 20 && hex).then(|| seq.parse().ok()).flatten()
}

/// A snapshot file mapped and checked on its own (header, rules, checksum, rkyv validation),
/// not yet against the log it must have been made from: see [`Checked::against`]. Checking
/// can then run while the log opens.
#[derive(Debug)]
pub struct Checked {
    base: Base,
    file: SnapshotFile,
    tip_sum: u64,
}

impl Checked {
    /// The file.
    pub fn file(&self) -> &SnapshotFile {
        &self.file
    }

    /// The archive, if `log` is the log it was made from: it covers no event beyond the log's
    /// last, and the log's event at its sequence number is the one it was made after.
    pub fn against(self, log: &Log) -> Result<(Base, SnapshotFile), SnapshotError> {
        let (path, seq) = (&self.file.path, self.file.seq);
        let invalid = |why: String| SnapshotError::Invalid { path: path.clone(), why };
        if seq > log.last_seq() {
            return Err(invalid(format!("covers event {seq}, beyond the log's last event {}", log.last_seq())));
        }
        let tip = log.get_raw(seq)?.ok_or_else(|| invalid(format!("the log has no event {seq}")))?;
        if xxh3_64(&tip) != self.tip_sum {
            return Err(invalid(format!("it was not made from this log: event {seq} differs")));
        }
        Ok((self.base, self.file))
    }
}

/// Maps, checks and validates one snapshot file, then checks it against the log: see
/// [`check`] and [`Checked::against`].
pub fn load(path: &Path, expect: &Expect<'_>) -> Result<(Base, SnapshotFile), SnapshotError> {
    check(path, expect.rules_hash)?.against(expect.log)
}

/// Maps and checks one snapshot file on its own, in this order: the header (magic, its
/// checksum, format, schema, rules, length), the archive's checksum, and rkyv's validation of
/// every byte of the archive.
pub fn check(path: &Path, rules_hash: &str) -> Result<Checked, SnapshotError> {
    let file = File::open(path).map_err(|source| SnapshotError::Io { path: path.to_path_buf(), source })?;
    let len = file.metadata().map_err(|source| SnapshotError::Io { path: path.to_path_buf(), source })?.len();
    let invalid = |why: String| SnapshotError::Invalid { path: path.to_path_buf(), why };
    if len < u64::try_from(HEADER_LEN).unwrap_or(u64::MAX) {
        return Err(invalid(format!("{len} bytes, shorter than the {HEADER_LEN}-byte header")));
    }
    // SAFETY: the mapping is read-only and lives as long as the `Base` that holds it. Snapshot
    // files are written whole under a temporary name and renamed into place, never modified
    // afterwards; only the process holding the data directory's lock writes into it. Another
    // program truncating the file under us could still fault the process, as with any mapping;
    // its contents are never trusted: they are checked and validated below before use.
    #[allow(unsafe_code)]
    let map = unsafe { memmap2::Mmap::map(&file) }
        .map_err(|source| SnapshotError::Io { path: path.to_path_buf(), source })?;
    let seq = check_header(&map, rules_hash).map_err(invalid)?;
    if xxh3_64(&map[HEADER_LEN..]) != read_u64(&map, 32) {
        return Err(invalid("the archive's checksum does not match the header (corrupt or cut short)".into()));
    }
    let tip_sum = read_u64(&map, 40);
    let base = Base::new(Box::new(Mapped(map))).map_err(|e| invalid(e.to_string()))?;
    if base.last_seq() != seq {
        return Err(invalid(format!("the archive covers event {}, the header says {seq}", base.last_seq())));
    }
    Ok(Checked { base, file: SnapshotFile { path: path.to_path_buf(), seq, bytes: len }, tip_sum })
}

fn read_u64(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(word)
}

fn read_u32(bytes: &[u8], at: usize) -> u32 {
    let mut word = [0u8; 4];
    word.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(word)
}

/// Checks the header of `bytes` (at least [`HEADER_LEN`] long) and returns the sequence number.
fn check_header(bytes: &[u8], rules_hash: &str) -> Result<u64, String> {
    if &bytes[0..8] != MAGIC {
        return Err("not an aka snapshot (bad magic)".into());
    }
    if xxh3_64(&bytes[..HEADER_SUM_AT]) != read_u64(bytes, HEADER_SUM_AT) {
        return Err("the header's checksum does not match (corrupt header)".into());
    }
    let format = read_u32(bytes, 8);
    if format != SNAPSHOT_FORMAT {
        return Err(format!("snapshot format {format}, this build reads {SNAPSHOT_FORMAT}"));
    }
    let schema = read_u32(bytes, 12);
    if schema != u32::from(aka_core::SCHEMA_VERSION) {
        return Err(format!("event schema {schema}, this build reads {}", aka_core::SCHEMA_VERSION));
    }
    let rules_field = &bytes[RULES_FIELD];
    let end = rules_field.iter().position(|b| *b == 0).unwrap_or(rules_field.len());
    let rules = String::from_utf8_lossy(&rules_field[..end]);
    if rules != rules_hash {
        return Err(format!("made under other rules ({rules}; in force: {rules_hash})"));
    }
    let seq = read_u64(bytes, 16);
    let archive_len = u64::try_from(bytes.len() - HEADER_LEN).unwrap_or(u64::MAX);
    let said = read_u64(bytes, 24);
    if said != archive_len {
        return Err(format!("the header says {said} archive bytes, the file holds {archive_len} (cut short?)"));
    }
    Ok(seq)
}

/// What [`load_newest`] or [`check_newest`] found.
#[derive(Debug)]
pub struct Newest<T> {
    /// The newest usable snapshot.
    pub found: Option<T>,
    /// Newer ones that were skipped, each with why.
    pub skipped: Vec<Skipped>,
}

/// The newest snapshot of `dir` that passes [`check`], for a log not yet open, and the newer
/// ones skipped, each logged as a warning that names it.
pub fn check_newest(dir: &Path, rules_hash: &str) -> Result<Newest<Checked>, SnapshotError> {
    let mut skipped = Vec::new();
    for file in list(dir)? {
        match check(&file.path, rules_hash) {
            Ok(checked) => return Ok(Newest { found: Some(checked), skipped }),
            Err(error) => {
                warn!(path = %file.path.display(), %error, "snapshot skipped");
                skipped.push(Skipped { path: file.path, error });
            }
        }
    }
    Ok(Newest { found: None, skipped })
}

/// The newest usable snapshot of `dir` covering at most event `until`, and the ones skipped on
/// the way, each logged as a warning that names it.
pub fn load_newest(dir: &Path, until: u64, expect: &Expect<'_>) -> Result<Newest<(Base, SnapshotFile)>, SnapshotError> {
    let mut skipped = Vec::new();
    for file in list(dir)?.into_iter().filter(|f| f.seq <= until) {
        match load(&file.path, expect) {
            Ok(found) => return Ok(Newest { found: Some(found), skipped }),
            Err(error) => {
                warn!(path = %file.path.display(), %error, "snapshot skipped");
                skipped.push(Skipped { path: file.path, error });
            }
        }
    }
    Ok(Newest { found: None, skipped })
}

/// Deletes all but the `keep` newest snapshots of `dir` (at least one is kept if any exists),
/// and temporary files left by an interrupted write. Returns the paths deleted.
pub fn prune(dir: &Path, keep: usize) -> Result<Vec<PathBuf>, SnapshotError> {
    let mut deleted = Vec::new();
    for file in list(dir)?.into_iter().skip(keep.max(1)) {
        fs::remove_file(&file.path).map_err(|source| SnapshotError::Io { path: file.path.clone(), source })?;
        deleted.push(file.path);
    }
    let folder = snapshot_dir(dir);
    if let Ok(entries) = fs::read_dir(&folder) {
        for entry in entries.flatten() {
            let is_temp = entry.file_name().to_str().is_some_and(|n| n.starts_with('.') && n.contains(".tmp"));
            if is_temp && fs::remove_file(entry.path()).is_ok() {
                deleted.push(entry.path());
            }
        }
    }
    Ok(deleted)
}
