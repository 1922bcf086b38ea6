//! Images: references, the content-addressed store, layer unpacking, import and load.

pub mod archive;
pub mod digest;
pub mod import;
pub mod index;
pub mod ingest;
pub mod manage;
pub mod pull;
pub mod push;
pub mod reference;
pub mod save;
pub mod settle;
pub mod store;
pub mod unpack;
