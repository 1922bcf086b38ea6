//! A registry's or an archive's manifest, index and config JSON, and the digests in them, as
//! nook reads them: parsed or refused, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nook::image::digest::Digest;
use oci_spec::image::{ImageConfiguration, ImageIndex, ImageManifest};

fuzz_target!(|bytes: &[u8]| {
    if let Ok(m) = ImageManifest::from_reader(bytes) {
        let _ = m.config().digest().as_ref().parse::<Digest>();
        for layer in m.layers() {
            let _ = layer.digest().as_ref().parse::<Digest>();
        }
    }
    if let Ok(index) = ImageIndex::from_reader(bytes) {
        for m in index.manifests() {
            let _ = m.digest().as_ref().parse::<Digest>();
        }
    }
    if let Ok(config) = ImageConfiguration::from_reader(bytes) {
        for d in config.rootfs().diff_ids() {
            let _ = d.parse::<Digest>();
        }
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        let _ = text.parse::<Digest>();
    }
});
