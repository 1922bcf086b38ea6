//! Images: references, the content-addressed store, layer unpacking, import and load.

pub mod archive;
pub mod digest;
pub mod import;
pub mod index;
pub mod ingest;
pub mod reference;
pub mod store;
pub mod unpack;
