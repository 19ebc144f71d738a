//! `aka audit` through the real binary: other rules, without touching the log.
