//! Words and variables in a Containerfile's instructions, as docker's shell lexer reads
//! them: `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR:+alternative}` (and the forms without
//! `:`), `${VAR:?message}`; single quotes keep everything literal, double quotes keep
//! spaces, the escape character (`\`, or `` ` ``) escapes the next one.

#[derive(Debug, thiserror::Error)]
pub enum WordsError {
    #[error("unclosed {0} quote in {1:?}")]
    Unclosed(char, String),
    #[error("bad substitution in {0:?}")]
    BadSubstitution(String),
    #[error("{0}")]
    Required(String),
}

/// Expands words with the variables `lookup` knows.
pub struct Lexer<'a> {
    pub escape: char,
    pub lookup: &'a dyn Fn(&str) -> Option<String>,
}

impl Lexer<'_> {
    /// `s` as one word: variables expanded, quotes and escapes taken away.
    pub fn word(&self, s: &str) -> Result<String, WordsError> {
        Ok(self.lex(s, false)?.join(""))
    }

    /// `s` split into words at unquoted white space, each expanded.
    pub fn words(&self, s: &str) -> Result<Vec<String>, WordsError> {
        self.lex(s, true)
    }

    fn lex(&self, s: &str, split: bool) -> Result<Vec<String>, WordsError> {
        let mut out = Vec::new();
        let mut word = String::new();
        // Whether the word has begun (an empty "" is a word).
        let mut started = false;
        let chars: Vec<char> = s.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            i += 1;
            if c == self.escape {
                if let Some(&n) = chars.get(i) {
                    word.push(n);
                    i += 1;
                    started = true;
                } else {
                    word.push(c);
                }
                continue;
            }
            match c {
                '\'' => {
                    let end = chars[i..]
                        .iter()
                        .position(|&q| q == '\'')
                        .ok_or_else(|| WordsError::Unclosed('\'', s.to_string()))?;
                    word.extend(&chars[i..i + end]);
                    i += end + 1;
                    started = true;
                }
                '"' => {
                    loop {
                        let Some(&d) = chars.get(i) else {
                            return Err(WordsError::Unclosed('"', s.to_string()));
                        };
                        i += 1;
                        match d {
                            '"' => break,
                            '$' => {
                                let (value, used) = self.variable(&chars[i..], s)?;
                                word.push_str(&value);
                                i += used;
                            }
                            d if d == self.escape => match chars.get(i) {
                                Some(&n) if n == '"' || n == '$' || n == self.escape => {
                                    word.push(n);
                                    i += 1;
                                }
                                _ => word.push(d),
                            },
                            d => word.push(d),
                        }
                    }
                    started = true;
                }
                '$' => {
                    let (value, used) = self.variable(&chars[i..], s)?;
                    i += used;
                    // Unquoted, an expansion is split into words too.
                    if split {
                        let mut parts = value.split_whitespace().peekable();
                        if value.starts_with(char::is_whitespace) && started {
                            out.push(std::mem::take(&mut word));
                            started = false;
                        }
                        while let Some(p) = parts.next() {
                            word.push_str(p);
                            started = true;
                            if parts.peek().is_some() {
                                out.push(std::mem::take(&mut word));
                            }
                        }
                        if value.ends_with(char::is_whitespace) && started {
                            out.push(std::mem::take(&mut word));
                            started = false;
                        }
                    } else {
                        word.push_str(&value);
                        started |= !value.is_empty();
                    }
                }
                c if split && c.is_whitespace() => {
                    if started {
                        out.push(std::mem::take(&mut word));
                        started = false;
                    }
                }
                c => {
                    word.push(c);
                    started = true;
                }
            }
        }
        if started || (!split && out.is_empty()) {
            out.push(word);
        }
        Ok(out)
    }

    /// The value of the variable reference after a `$`, and how many characters it took.
    fn variable(&self, rest: &[char], whole: &str) -> Result<(String, usize), WordsError> {
        let bad = || WordsError::BadSubstitution(whole.to_string());
        match rest.first() {
            Some('{') => {
                let end = rest.iter().position(|&c| c == '}').ok_or_else(bad)?;
                let inner: String = rest[1..end].iter().collect();
                let name_len = inner
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(inner.len());
                let (name, op) = inner.split_at(name_len);
                if name.is_empty() {
                    return Err(bad());
                }
                let value = (self.lookup)(name);
                let expanded = |w: &str| self.word(w);
                let result = match op {
                    "" => value.unwrap_or_default(),
                    _ if op.starts_with(":-") => match value.filter(|v| !v.is_empty()) {
                        Some(v) => v,
                        None => expanded(&op[2..])?,
                    },
                    _ if op.starts_with('-') => match value {
                        Some(v) => v,
                        None => expanded(&op[1..])?,
                    },
                    _ if op.starts_with(":+") => match value.filter(|v| !v.is_empty()) {
                        Some(_) => expanded(&op[2..])?,
                        None => String::new(),
                    },
                    _ if op.starts_with('+') => match value {
                        Some(_) => expanded(&op[1..])?,
                        None => String::new(),
                    },
                    _ if op.starts_with(":?") => match value.filter(|v| !v.is_empty()) {
                        Some(v) => v,
                        None => {
                            return Err(WordsError::Required(format!(
                                "{name}: {}",
                                match &op[2..] {
                                    "" => "is not set",
                                    m => m,
                                }
                            )));
                        }
                    },
                    _ => return Err(bad()),
                };
                Ok((result, end + 1))
            }
            Some(c) if c.is_ascii_alphabetic() || *c == '_' => {
                let len = rest
                    .iter()
                    .position(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
                    .unwrap_or(rest.len());
                let name: String = rest[..len].iter().collect();
                Ok(((self.lookup)(&name).unwrap_or_default(), len))
            }
            // A lone `$` stays.
            _ => Ok(("$".to_string(), 0)),
        }
    }

    /// `K=V K2="v 2"`, or the legacy `K rest of the line` (ENV and LABEL): the pairs.
    pub fn key_values(&self, s: &str) -> Result<Vec<(String, String)>, WordsError> {
        let first = s.trim_start();
        let key_end = first
            .find(|c: char| c.is_whitespace() || c == '=')
            .unwrap_or(first.len());
        if !first[key_end..].starts_with('=') {
            // `ENV KEY value with spaces`
            let value = first[key_end..].trim();
            return Ok(vec![(first[..key_end].to_string(), self.word(value)?)]);
        }
        let mut out = Vec::new();
        for w in self.words(s)? {
            match w.split_once('=') {
                Some((k, v)) if !k.is_empty() => out.push((k.to_string(), v.to_string())),
                _ => return Err(WordsError::BadSubstitution(s.to_string())),
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexer(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name: &str| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn substitution_and_quotes() {
        let lookup = lexer(&[("A", "one"), ("E", ""), ("SP", "x y")]);
        let l = Lexer {
            escape: '\\',
            lookup: &lookup,
        };
        assert_eq!(l.word("$A-${A}").unwrap(), "one-one");
        assert_eq!(
            l.word("${B:-def} ${E:-empty} ${E-set}").unwrap(),
            "def empty "
        );
        assert_eq!(l.word("${A:+alt}${B:+no}").unwrap(), "alt");
        assert_eq!(l.word("'$A' \"$A\" \\$A").unwrap(), "$A one $A");
        assert_eq!(
            l.words("a \"b c\" '' $SP").unwrap(),
            vec!["a", "b c", "", "x", "y"]
        );
        assert_eq!(l.words("\"$SP\"").unwrap(), vec!["x y"]);
        assert!(
            l.word("${B:?must be set}")
                .unwrap_err()
                .to_string()
                .contains("must be set")
        );
        assert!(l.word("'open").is_err() && l.word("${A").is_err());
        assert_eq!(l.word("cost $5").unwrap(), "cost $5");
        let l = Lexer {
            escape: '`',
            lookup: &lookup,
        };
        assert_eq!(l.word("c:\\dir `$A").unwrap(), "c:\\dir $A");
    }

    #[test]
    fn key_values_both_syntaxes() {
        let lookup = lexer(&[("V", "1.2")]);
        let l = Lexer {
            escape: '\\',
            lookup: &lookup,
        };
        assert_eq!(
            l.key_values("A=1 B=\"two words\" C=x\\ y D=$V").unwrap(),
            vec![
                ("A".into(), "1".into()),
                ("B".into(), "two words".into()),
                ("C".into(), "x y".into()),
                ("D".into(), "1.2".into())
            ]
        );
        assert_eq!(
            l.key_values("LEGACY value with  spaces").unwrap(),
            vec![("LEGACY".into(), "value with  spaces".into())]
        );
        assert!(l.key_values("=x").is_err());
    }
}
