//! Printable documents rendered from frozen snapshots.

pub mod invoice;
