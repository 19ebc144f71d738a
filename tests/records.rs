//! `aka ingest --records` through the real binary: CSV rows become one mention each, with the
//! id column as mention id, the name columns joined and the other columns as attributes; bad
//! files and rows are named.

mod common;

use std::path::{Path, PathBuf};

use common::{aka, failed, json_lines, ok};

const RECORDS: &str = "rec_id, given_name, surname, postcode, date_of_birth\n\
                       r1, halvard, quist, 2119, 19560409\n\
                       r2, halvard, quist, 2119, \n\
                       r3, ilse, brandvik, 3165, 19080419\n";

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn each_row_becomes_one_mention_with_its_id_its_name_and_its_other_columns_as_attributes() {
    let dir = tempfile::tempdir().unwrap();
    let (data, file) = (dir.path().join("data"), write(dir.path(), "people.csv", RECORDS));
    let output = aka(&data, &["ingest", "--records", file.to_str().unwrap(), "--name", "given_name,surname"]);
    ok(output);
    let rows = json_lines(&ok(aka(&data, &["export", "mentions"])));
    let texts: Vec<(&str, &str)> =
        rows.iter().map(|r| (r["mention_id"].as_str().unwrap(), r["text"].as_str().unwrap())).collect();
    assert_eq!(texts, [("r1", "halvard quist"), ("r2", "halvard quist"), ("r3", "ilse brandvik")]);
    assert_eq!(rows[0]["entity"], rows[1]["entity"], "the same name is one entity");
    assert_eq!(rows[0]["kind"], "PERSON");
    let observed: Vec<_> = json_lines(&ok(aka(&data, &["log", "--json"])))
        .into_iter()
        .filter(|e| e["event"]["type"] == "MentionObserved")
        .map(|e| e["event"]["mention"]["attrs"].clone())
        .collect();
    // The name columns are attributes too: records compare given name and surname apart.
    let person =
        |postcode: &str| serde_json::json!({"given_name": "halvard", "surname": "quist", "postcode": postcode});
    let mut first = person("2119");
    first["date_of_birth"] = "19560409".into();
    assert_eq!(observed[0], first);
    assert_eq!(observed[1], person("2119"), "an empty column is no attribute");
}

#[test]
fn a_missing_column_is_named_with_the_header_and_nothing_is_appended() {
    let dir = tempfile::tempdir().unwrap();
    let (data, file) = (dir.path().join("data"), write(dir.path(), "people.csv", RECORDS));
    let output = aka(&data, &["ingest", "--records", file.to_str().unwrap(), "--name", "given_name,family"]);
    let stderr = failed(&output);
    assert!(stderr.contains("no column \"family\"") && stderr.contains("rec_id, given_name, surname"), "{stderr}");
    assert!(ok(aka(&data, &["log"])).is_empty());
}

#[test]
fn a_record_with_neither_name_nor_known_attribute_is_left_out_with_a_warning_and_one_without_an_id_stops_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let nameless = write(dir.path(), "a.csv", "rec_id,given_name,surname\nr1,,\nr2,ada,finch\n");
    let output = aka(&data, &["ingest", "--records", nameless.to_str().unwrap(), "--name", "given_name,surname"]);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("a.csv:2") && stderr.contains("1 record left out"), "{stderr}");
    let dated = write(dir.path(), "c.csv", "rec_id,given_name,surname,date_of_birth\nr9,,,19560409\n");
    let output = aka(&data, &["ingest", "--records", dated.to_str().unwrap(), "--name", "given_name,surname"]);
    assert!(output.status.success() && !String::from_utf8_lossy(&output.stderr).contains("left out"), "{output:?}");
    let ids: Vec<String> = json_lines(&ok(aka(&data, &["export", "mentions"])))
        .iter()
        .map(|r| r["mention_id"].as_str().unwrap().to_string())
        .collect();
    assert!(ids.contains(&"r9".to_string()), "a nameless record with a date of birth is kept: {ids:?}");
    let no_id = write(dir.path(), "b.csv", "rec_id,given_name,surname\n,omar,hale\n");
    let output = aka(&data, &["ingest", "--records", no_id.to_str().unwrap(), "--name", "given_name,surname"]);
    assert!(failed(&output).contains("b.csv:2: column \"rec_id\" is empty"));
}

#[test]
fn a_bad_row_past_several_batches_stops_the_run_after_every_record_before_it_and_none_after() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // 600 records (more than two appends' worth), a row without an id on line 602, then more.
    let mut csv = String::from("rec_id,given_name,surname\n");
    for i in 0..600 {
        csv.push_str(&format!("r{i},given{i},surname{i}\n"));
    }
    csv.push_str(",omar,hale\n");
    for i in 600..700 {
        csv.push_str(&format!("r{i},given{i},surname{i}\n"));
    }
    let file = write(dir.path(), "many.csv", &csv);
    let output = aka(&data, &["ingest", "--records", file.to_str().unwrap(), "--name", "given_name,surname"]);
    assert!(failed(&output).contains("many.csv:602: column \"rec_id\" is empty"));
    let ids: Vec<String> = json_lines(&ok(aka(&data, &["export", "mentions"])))
        .iter()
        .map(|r| r["mention_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 600, "every record before the bad row, none after it");
    assert!(ids.contains(&"r0".to_string()) && ids.contains(&"r599".to_string()) && !ids.contains(&"r600".to_string()));
}

#[test]
fn records_are_read_only_from_csv_files_and_need_name_columns() {
    let dir = tempfile::tempdir().unwrap();
    let (data, text) = (dir.path().join("data"), write(dir.path(), "note.txt", "Ada Finch spoke."));
    let output = aka(&data, &["ingest", "--records", text.to_str().unwrap(), "--name", "given_name"]);
    assert!(failed(&output).contains("not a .csv file"));
    let output = aka(&data, &["ingest", "--records", text.to_str().unwrap()]);
    assert!(failed(&output).contains("--name"));
}
