//! Work that spans several models inside one transaction, shared by the HTTP API and
//! the command line.

pub mod copies;
pub mod csv_format;
pub mod import;
pub mod lending;
pub mod notices;
pub mod sweep;
