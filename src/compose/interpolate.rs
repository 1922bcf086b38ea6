//! Variable interpolation in compose files, as docker compose does it: `$VAR`, `${VAR}`,
//! `${VAR:-default}` / `${VAR-default}`, `${VAR:?error}` / `${VAR?error}`,
//! `${VAR:+replacement}` / `${VAR+replacement}`, and `$$` for a dollar sign.

use serde_yaml_ng::Value;

/// A variable that had to be set and was not (`${VAR:?message}`), or a malformed `${`.
#[derive(Debug, PartialEq, Eq)]
pub enum InterpolateError {
    Required { name: String, message: String },
    Malformed(String),
}

/// `text` with its variables replaced from `lookup`; names that are unset (and have no
/// default) become empty and are added to `unset`.
pub fn string(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    unset: &mut Vec<String>,
) -> Result<String, InterpolateError> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(tail) = after.strip_prefix('{') {
            let end =
                closing_brace(tail).ok_or_else(|| InterpolateError::Malformed(text.into()))?;
            out.push_str(&braced(&tail[..end], lookup, unset)?);
            rest = &tail[end + 1..];
        } else {
            let len = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            if len == 0 || after.as_bytes()[0].is_ascii_digit() {
                // A lone `$`: kept as it is, as docker compose does.
                out.push('$');
                rest = after;
                continue;
            }
            out.push_str(&value_of(&after[..len], lookup, unset));
            rest = &after[len..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// Where the `}` that closes a `${` is (nested `${...}` in defaults allowed).
fn closing_brace(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'$' if bytes.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 1;
            }
            b'}' if depth == 0 => return Some(i),
            b'}' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    None
}

fn value_of(
    name: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    unset: &mut Vec<String>,
) -> String {
    lookup(name).unwrap_or_else(|| {
        if !unset.iter().any(|u| u == name) {
            unset.push(name.to_string());
        }
        String::new()
    })
}

/// The inside of `${...}`.
fn braced(
    inner: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    unset: &mut Vec<String>,
) -> Result<String, InterpolateError> {
    let len = inner
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(inner.len());
    let (name, op) = inner.split_at(len);
    if name.is_empty() {
        return Err(InterpolateError::Malformed(format!("${{{inner}}}")));
    }
    let value = lookup(name);
    let set_nonempty = value.as_deref().is_some_and(|v| !v.is_empty());
    let nested = |s: &str, unset: &mut Vec<String>| string(s, lookup, unset);
    let (colon, op) = match op.strip_prefix(':') {
        Some(o) => (true, o),
        None => (false, op),
    };
    // With `:`, an empty value counts as unset.
    let present = if colon { set_nonempty } else { value.is_some() };
    match op.chars().next() {
        None if !colon => Ok(value_of(name, lookup, unset)),
        Some('-') => match present {
            true => Ok(value.unwrap_or_default()),
            false => nested(&op[1..], unset),
        },
        Some('?') => match present {
            true => Ok(value.unwrap_or_default()),
            false => Err(InterpolateError::Required {
                name: name.to_string(),
                message: nested(&op[1..], unset)?,
            }),
        },
        Some('+') => match present {
            true => nested(&op[1..], unset),
            false => Ok(String::new()),
        },
        _ => Err(InterpolateError::Malformed(format!("${{{inner}}}"))),
    }
}

/// Every string in `value` (mapping values and sequence items; not keys) interpolated.
pub fn value(
    v: &mut Value,
    lookup: &dyn Fn(&str) -> Option<String>,
    unset: &mut Vec<String>,
) -> Result<(), InterpolateError> {
    match v {
        Value::String(s) => *s = string(s, lookup, unset)?,
        Value::Sequence(items) => {
            for i in items {
                value(i, lookup, unset)?;
            }
        }
        Value::Mapping(m) => {
            for (_, i) in m.iter_mut() {
                value(i, lookup, unset)?;
            }
        }
        Value::Tagged(t) => value(&mut t.value, lookup, unset)?,
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> (Result<String, InterpolateError>, Vec<String>) {
        let lookup = |n: &str| match n {
            "A" => Some("a".to_string()),
            "EMPTY" => Some(String::new()),
            "PORT" => Some("8080".to_string()),
            _ => None,
        };
        let mut unset = Vec::new();
        (string(text, &lookup, &mut unset), unset)
    }

    #[test]
    fn interpolates_as_docker_compose_does() {
        assert_eq!(run("x-$A-${A}").0.unwrap(), "x-a-a");
        assert_eq!(run("$$A costs $$5").0.unwrap(), "$A costs $5");
        assert_eq!(
            run("${NOPE:-def}|${EMPTY:-def}|${EMPTY-def}").0.unwrap(),
            "def|def|"
        );
        assert_eq!(run("${NOPE:-${PORT}}").0.unwrap(), "8080");
        assert_eq!(run("${A:+yes}${NOPE:+no}").0.unwrap(), "yes");
        assert_eq!(run("price: $5").0.unwrap(), "price: $5");
        let (got, unset) = run("[${NOPE}]");
        assert_eq!(got.unwrap(), "[]");
        assert_eq!(unset, vec!["NOPE"]);
        assert_eq!(
            run("${NOPE:?set NOPE first}").0,
            Err(InterpolateError::Required {
                name: "NOPE".into(),
                message: "set NOPE first".into()
            })
        );
        assert!(matches!(run("${A").0, Err(InterpolateError::Malformed(_))));
        assert!(matches!(run("${}").0, Err(InterpolateError::Malformed(_))));
    }
}
