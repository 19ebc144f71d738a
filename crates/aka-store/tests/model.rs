//! The log behaves like a `Vec` of envelopes, across appends and restarts (sled's model test with
//! its `Restart` operation, on our log).

use aka_core::{Envelope, Event};
use aka_store::{Durability, Log, LogConfig};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

#[derive(Clone, Debug)]
enum Op {
    Append(Vec<Envelope>),
    Reopen,
}

fn envelope() -> impl Strategy<Value = Envelope> {
    ("[a-z]{0,6}", "[ -~]{0,12}").prop_map(|(doc_id, text)| {
        Envelope::new(Event::DocumentIngested { doc_id, content_hash: String::new(), source: "model".to_owned(), text })
    })
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => prop::collection::vec(envelope(), 0..5).prop_map(Op::Append),
        1 => Just(Op::Reopen),
    ]
}

fn durability() -> impl Strategy<Value = Durability> {
    prop_oneof![Just(Durability::Flush), Just(Durability::Deferred)]
}

/// Fewer cases by default, since every case opens sled several times; more when asked.
fn cases() -> u32 {
    if std::env::var_os("AKA_SLOW_TESTS").is_some_and(|value| value == "1") { 512 } else { 64 }
}

fn assert_matches_model(log: &Log, model: &[Envelope]) {
    let stored: Vec<(u64, Envelope)> = log.iter_from(0).collect::<Result<_, _>>().expect("every event reads");
    let expected: Vec<(u64, Envelope)> = (1..).zip(model.iter().cloned()).collect();
    assert_eq!(stored, expected);
    let len = u64::try_from(model.len()).unwrap();
    assert_eq!(log.last_seq(), len);
    assert_eq!(log.next_seq(), len + 1);
    assert_eq!(log.get(len + 1).unwrap(), None);
    if let Some(last) = model.last() {
        assert_eq!(log.get(len).unwrap().as_ref(), Some(last));
    }
}

proptest! {
    // Failures are kept beside this file: the default looks for a lib.rs that tests lack.
    #![proptest_config(ProptestConfig {
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..ProptestConfig::with_cases(cases())
    })]

    #[test]
    fn log_equals_a_vec_model_across_appends_and_reopens(
        ops in prop::collection::vec(op(), 0..16),
        durability in durability(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let config = LogConfig { durability };
        let mut log = Log::open(dir.path(), config.clone()).unwrap();
        let mut model: Vec<Envelope> = Vec::new();
        for op in ops {
            match op {
                Op::Append(batch) => {
                    let first = log.next_seq();
                    let seqs = log.append(&batch).unwrap();
                    let count = u64::try_from(batch.len()).unwrap();
                    prop_assert_eq!(seqs, first..first + count);
                    model.extend(batch);
                }
                Op::Reopen => {
                    drop(log);
                    log = Log::open(dir.path(), config.clone()).unwrap();
                }
            }
            assert_matches_model(&log, &model);
        }
    }
}
