//! A running match.
