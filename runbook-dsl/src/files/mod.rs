//! Files on disk, for every command that reads or writes them: one bounded reader
//! ([`read_text`]), one safe writer ([`write_file`], [`Staged`]) and one folder walker
//! ([`walk`]).
//!
//! Documents come from strangers and outputs go into users' trees, so each concern has exactly
//! one implementation here, and every subcommand of `runbook` and the `emit` binary use it.

mod read;
mod walk;
mod write;

pub use read::{read_text, MAX_FILE_BYTES};
pub use walk::{is_document_name, walk, Found, Walk};
pub use write::{write_file, Staged};
