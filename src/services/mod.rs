//! Work that spans several models inside one transaction.

pub mod lending;
