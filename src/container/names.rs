//! Container names: docker's rule for what a name may be, and generated names for
//! containers started without `--name`.

use crate::image::store::random_hex;

/// docker's rule: `[a-zA-Z0-9][a-zA-Z0-9_.-]*`.
pub fn valid(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && b[0].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
}

const ADJECTIVES: &[&str] = &[
    "agile", "bold", "brave", "bright", "calm", "clever", "cosy", "crisp", "eager", "fond",
    "gentle", "happy", "keen", "kind", "lively", "lucid", "merry", "nimble", "patient", "plucky",
    "proud", "quiet", "quick", "serene", "sharp", "snug", "steady", "sturdy", "tidy", "warm",
];

const NOUNS: &[&str] = &[
    "badger",
    "beaver",
    "bittern",
    "curlew",
    "dormouse",
    "finch",
    "fox",
    "hare",
    "hedgehog",
    "heron",
    "kestrel",
    "kingfisher",
    "lapwing",
    "marten",
    "mole",
    "newt",
    "otter",
    "owl",
    "plover",
    "puffin",
    "robin",
    "shrew",
    "skylark",
    "sparrow",
    "squirrel",
    "stoat",
    "swift",
    "vole",
    "wagtail",
    "wren",
];

/// A random `adjective_animal` name.
pub fn generate() -> String {
    let r = random_hex(2);
    let n = u16::from_str_radix(&r, 16).expect("hex") as usize;
    format!(
        "{}_{}",
        ADJECTIVES[n % ADJECTIVES.len()],
        NOUNS[(n / ADJECTIVES.len()) % NOUNS.len()]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(valid("web-1.a_b"));
        assert!(!valid("-web"));
        assert!(!valid("we b"));
        assert!(!valid(""));
        assert!(!valid("a/b"));
        for _ in 0..20 {
            assert!(valid(&generate()));
        }
    }
}
