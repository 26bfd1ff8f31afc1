//! Test harness: a temporary work directory and the tidkoll binary.
