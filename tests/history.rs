//! `aka entities --as-of`, `aka show --as-of`, `aka history` and `aka diff` through the real binary.
