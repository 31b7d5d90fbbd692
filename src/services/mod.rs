//! Work that spans models in one transaction, shared by the HTTP API and the command line.

pub mod csv_format;
pub mod import;
