//! `aka estimate` through the real binary: CSV records in, a complete rules file out, which
//! `aka --rules` accepts for `ingest --records`; bad columns and files are named.

mod common;

use std::path::{Path, PathBuf};

use common::rng::Rng;
use common::{aka, failed, json_lines, ok};

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// A made-up word.
fn word(rng: &mut Rng, syllables: usize) -> String {
    let (consonants, vowels) = (b"bdfgklmnprstvz", b"aeiou");
    let mut w = String::new();
    for _ in 0..syllables {
        w.push(char::from(*rng.pick(consonants)));
        w.push(char::from(*rng.pick(vowels)));
    }
    w
}

fn digits(rng: &mut Rng, len: usize) -> String {
    (0..len).map(|_| char::from(b'0' + u8::try_from(rng.below(10)).unwrap())).collect()
}

/// 150 made-up people, each in one or two records; a second record has a typo in the given
/// name one time in three.
fn people() -> String {
    let mut rng = Rng(11);
    let mut csv = String::from("rec_id, given_name, surname, postcode, date_of_birth, soc_sec_id\n");
    for p in 0..150 {
        let (given, surname) = (word(&mut rng, 2), word(&mut rng, 3));
        let (postcode, dob, id) = (digits(&mut rng, 4), format!("19{}", digits(&mut rng, 6)), digits(&mut rng, 7));
        csv += &format!("p{p}-a, {given}, {surname}, {postcode}, {dob}, {id}\n");
        if rng.percent(60) {
            let given = if rng.percent(33) { format!("{given}x") } else { given };
            csv += &format!("p{p}-b, {given}, {surname}, {postcode}, {dob}, {id}\n");
        }
    }
    csv
}

#[test]
fn estimated_rules_parse_and_aka_ingests_the_records_with_them() {
    let dir = tempfile::tempdir().unwrap();
    let (data, file) = (dir.path().join("data"), write(dir.path(), "people.csv", &people()));
    let rules = dir.path().join("rules.toml");
    let output = aka(
        &data,
        &[
            "estimate",
            "--records",
            file.to_str().unwrap(),
            "--name",
            "given_name,surname",
            "--output",
            rules.to_str().unwrap(),
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    ok(output);
    assert!(stderr.contains("aka estimate:") && stderr.contains("candidate pairs"), "{stderr}");
    assert!(!data.exists(), "estimate reads and writes no data directory");
    let text = std::fs::read_to_string(&rules).unwrap();
    assert!(text.starts_with("# Rules with Fellegi-Sunter weights estimated"), "{text}");
    let table: toml::Table = text.parse().unwrap();
    let identifier = &table["attributes"]["identifier"];
    assert!(identifier["agree"].as_float().unwrap() > 0.0 && identifier["differ"].as_float().unwrap() < 0.0);

    // The same estimate on standard output, byte for byte.
    let stdout = ok(aka(&data, &["estimate", "--records", file.to_str().unwrap(), "--name", "given_name,surname"]));
    assert_eq!(stdout, text);

    let rules = rules.to_str().unwrap();
    let ingest = ["--rules", rules, "ingest", "--records", file.to_str().unwrap(), "--name", "given_name,surname"];
    ok(aka(&data, &ingest));
    let rows = json_lines(&ok(aka(&data, &["--rules", rules, "export", "mentions"])));
    let entity = |id: &str| rows.iter().find(|r| r["mention_id"] == id).map(|r| r["entity"].clone());
    let pairs: Vec<usize> = (0..150).filter(|p| entity(&format!("p{p}-b")).is_some()).collect();
    assert!(!pairs.is_empty());
    for p in pairs {
        assert_eq!(entity(&format!("p{p}-a")), entity(&format!("p{p}-b")), "p{p}'s two records are one entity");
    }
}

#[test]
fn an_unknown_column_or_a_missing_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let (data, file) = (dir.path().join("data"), write(dir.path(), "people.csv", &people()));
    let output = aka(&data, &["estimate", "--records", file.to_str().unwrap(), "--name", "given_name,family"]);
    let stderr = failed(&output);
    assert!(stderr.contains("people.csv: no column \"family\"") && stderr.contains("rec_id, given_name"), "{stderr}");
    let missing = dir.path().join("missing.csv");
    let output = aka(&data, &["estimate", "--records", missing.to_str().unwrap(), "--name", "given_name"]);
    let stderr = failed(&output);
    assert!(stderr.contains("missing.csv: cannot read"), "{stderr}");
    let bad = write(dir.path(), "bad.csv", "rec_id,given_name\nr1,ada\n,omar\n");
    let output = aka(&data, &["estimate", "--records", bad.to_str().unwrap(), "--name", "given_name"]);
    assert!(failed(&output).contains("bad.csv:3: column \"rec_id\" is empty"));
    assert!(!data.exists());
}

#[test]
fn records_with_nothing_to_train_on_are_refused_not_turned_into_rules() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = dir.path().join("rules.toml");
    let run = |file: &Path| {
        let args = ["estimate", "--records", file.to_str().unwrap(), "--name", "given_name,surname", "-o"];
        aka(&data, &[&args[..], &[out.to_str().unwrap()]].concat())
    };
    let empty = write(dir.path(), "empty.csv", "rec_id,given_name,surname\n");
    let stderr = failed(&run(&empty));
    assert!(stderr.contains("empty.csv: 0 record(s) read"), "{stderr}");
    // Two records that share no blocking key: no candidate pair.
    let apart =
        write(dir.path(), "apart.csv", "rec_id,given_name,surname,dob\na,ada,lind,19560409\nb,omar,wirth,19831127\n");
    let stderr = failed(&run(&apart));
    assert!(stderr.contains("apart.csv: no two of the 2 records share 2 blocking keys"), "{stderr}");
    assert!(!out.exists(), "no rules file is written");
}
