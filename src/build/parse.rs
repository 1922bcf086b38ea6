//! Containerfiles (Dockerfiles), read as docker reads them: parser directives (`# escape=`,
//! `# syntax=`, the latter ignored), comments, line continuations, JSON (exec) and shell
//! forms, instruction flags, and BuildKit's here-documents (`RUN <<EOF`, `COPY <<EOF /x`).
//! Variables are not substituted here: that needs the build's ARG and ENV scope (see
//! [`super::words`]).
//!
//! A Containerfile comes from whoever wrote the project: every error names the file's line.

use std::collections::BTreeMap;

#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct ParseError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// A command: exec form (`["a", "b"]`) or shell form (run by the stage's SHELL).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    Exec(Vec<String>),
    Shell(String),
}

/// A here-document: `<<EOF` ... `EOF`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Heredoc {
    /// The word that ends it.
    pub name: String,
    pub body: String,
    /// `<<"EOF"` or `<<'EOF'`: no variable is expanded in the body.
    pub quoted: bool,
}

/// One instruction, as written (flags apart, arguments not yet substituted).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instruction {
    /// Line of the file where it starts.
    pub line: usize,
    /// The keyword, upper case.
    pub keyword: String,
    /// `--name=value` flags, in order (a flag without `=` has an empty value).
    pub flags: Vec<(String, String)>,
    /// The rest of the instruction (continuations joined), with here-document markers.
    pub args: String,
    /// Here-documents that follow it, in order.
    pub heredocs: Vec<Heredoc>,
}

impl Instruction {
    /// The value of flag `name` given last, if any.
    pub fn flag(&self, name: &str) -> Option<&str> {
        self.flags
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value given for flag `name`.
    pub fn flag_all(&self, name: &str) -> Vec<&str> {
        self.flags
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The instruction as `docker history` shows it (flags and arguments).
    pub fn text(&self) -> String {
        let mut out = self.keyword.clone();
        for (k, v) in &self.flags {
            out.push_str(&format!(" --{k}"));
            if !v.is_empty() {
                out.push_str(&format!("={v}"));
            }
        }
        if !self.args.is_empty() {
            out.push(' ');
            out.push_str(&self.args);
        }
        out
    }
}

/// The instructions docker knows; anything else is an error.
pub const KEYWORDS: &[&str] = &[
    "FROM",
    "RUN",
    "CMD",
    "LABEL",
    "MAINTAINER",
    "EXPOSE",
    "ENV",
    "ADD",
    "COPY",
    "ENTRYPOINT",
    "VOLUME",
    "USER",
    "WORKDIR",
    "ARG",
    "ONBUILD",
    "STOPSIGNAL",
    "HEALTHCHECK",
    "SHELL",
];

/// Flags each instruction takes.
fn known_flags(keyword: &str) -> &'static [&'static str] {
    match keyword {
        "FROM" => &["platform"],
        "RUN" => &["mount", "network", "security"],
        "COPY" => &["from", "chown", "chmod", "link", "parents", "exclude"],
        "ADD" => &[
            "chown",
            "chmod",
            "link",
            "checksum",
            "keep-git-dir",
            "exclude",
        ],
        "HEALTHCHECK" => &[
            "interval",
            "timeout",
            "start-period",
            "start-interval",
            "retries",
        ],
        _ => &[],
    }
}

/// What a Containerfile says, instruction by instruction, and its parser directives.
#[derive(Debug)]
pub struct Parsed {
    pub directives: BTreeMap<String, String>,
    pub instructions: Vec<Instruction>,
}

/// Parse `text`, named `file` in errors.
pub fn parse(file: &str, text: &str) -> Result<Parsed, ParseError> {
    let err = |line: usize, message: String| ParseError {
        file: file.to_string(),
        line,
        message,
    };
    let lines: Vec<&str> = text.split('\n').collect();
    let mut directives = BTreeMap::new();
    let mut i = 0;
    // Parser directives: `# key=value` lines at the very top.
    while i < lines.len() {
        let l = lines[i].trim();
        let Some(rest) = l.strip_prefix('#') else {
            break;
        };
        match rest.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() && !k.trim().contains(char::is_whitespace) => {
                let key = k.trim().to_ascii_lowercase();
                if directives.contains_key(&key) {
                    return Err(err(i + 1, format!("the {key} directive is given twice")));
                }
                directives.insert(key, v.trim().to_string());
                i += 1;
            }
            _ => break,
        }
    }
    let escape = match directives.get("escape").map(String::as_str) {
        None | Some("\\") => '\\',
        Some("`") => '`',
        Some(other) => {
            return Err(err(
                1,
                format!("invalid escape directive {other:?}: use \\ or `"),
            ));
        }
    };
    let mut instructions = Vec::new();
    while i < lines.len() {
        let start = i;
        let first = lines[i].trim_start();
        i += 1;
        if first.trim().is_empty() || first.starts_with('#') {
            continue;
        }
        // Join continuations: a line ending in the escape character goes on; comment lines
        // and empty lines inside an instruction are dropped, as docker does.
        let mut joined = String::new();
        let mut current = first.trim_end_matches('\r').to_string();
        loop {
            let trimmed = current.trim_end();
            match trimmed.strip_suffix(escape) {
                Some(body) if !ends_escaped(body, escape) => {
                    joined.push_str(body);
                    // The next line that is not a comment (or empty) continues it.
                    loop {
                        if i >= lines.len() {
                            current = String::new();
                            break;
                        }
                        let next = lines[i].trim_end_matches('\r');
                        i += 1;
                        let t = next.trim_start();
                        if t.starts_with('#') || t.is_empty() {
                            continue;
                        }
                        current = next.to_string();
                        break;
                    }
                    if current.is_empty() {
                        break;
                    }
                }
                _ => {
                    joined.push_str(&current);
                    break;
                }
            }
        }
        let (word, rest) = match joined.trim().split_once(char::is_whitespace) {
            Some((w, r)) => (w.to_string(), r.trim().to_string()),
            None => (joined.trim().to_string(), String::new()),
        };
        let keyword = word.to_ascii_uppercase();
        if !KEYWORDS.contains(&keyword.as_str()) {
            return Err(err(
                start + 1,
                format!("unknown instruction {word:?}{}", suggest(&keyword)),
            ));
        }
        let (flags, args) =
            split_flags(&keyword, &rest).map_err(|message| err(start + 1, message))?;
        // Here-documents: their bodies are the lines that follow, up to their names.
        let mut heredocs = Vec::new();
        if matches!(keyword.as_str(), "RUN" | "COPY" | "ADD") {
            for (name, quoted, strip_tabs) in heredoc_markers(&args) {
                let mut body = String::new();
                let mut closed = false;
                while i < lines.len() {
                    let l = lines[i].trim_end_matches('\r');
                    i += 1;
                    let candidate = if strip_tabs {
                        l.trim_start_matches('\t')
                    } else {
                        l
                    };
                    if candidate == name {
                        closed = true;
                        break;
                    }
                    body.push_str(candidate);
                    body.push('\n');
                }
                if !closed {
                    return Err(err(
                        start + 1,
                        format!("the here-document <<{name} is not closed by a line {name}"),
                    ));
                }
                heredocs.push(Heredoc { name, body, quoted });
            }
        }
        if args.is_empty() && heredocs.is_empty() && keyword != "HEALTHCHECK" {
            return Err(err(start + 1, format!("{keyword} needs arguments")));
        }
        instructions.push(Instruction {
            line: start + 1,
            keyword,
            flags,
            args,
            heredocs,
        });
    }
    if !instructions.iter().any(|i| i.keyword == "FROM") {
        return Err(err(
            instructions.first().map_or(1, |i| i.line),
            "no FROM: a Containerfile starts its first stage with FROM IMAGE (or FROM scratch)"
                .to_string(),
        ));
    }
    if let Some(first) = instructions
        .iter()
        .find(|i| i.keyword != "ARG")
        .filter(|i| i.keyword != "FROM")
    {
        return Err(err(
            first.line,
            format!(
                "{} before the first FROM: only ARG may come before it",
                first.keyword
            ),
        ));
    }
    Ok(Parsed {
        directives,
        instructions,
    })
}

/// Does `s` end in an escape character that is itself escaped (`\\` at the end)?
fn ends_escaped(s: &str, escape: char) -> bool {
    s.chars().rev().take_while(|c| *c == escape).count() % 2 == 1
}

/// ", did you mean X?" for a near miss of a keyword.
fn suggest(word: &str) -> String {
    KEYWORDS
        .iter()
        .find(|k| edit_distance(k, word) <= 2)
        .map(|k| format!(", did you mean {k}?"))
        .unwrap_or_default()
}

/// Levenshtein distance, for suggestions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut row = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            row.push((prev[j] + cost).min(prev[j + 1] + 1).min(row[j] + 1));
        }
        prev = row;
    }
    prev[b.len()]
}

/// Leading `--flag[=value]` words of an instruction's arguments.
fn split_flags(keyword: &str, rest: &str) -> Result<(Vec<(String, String)>, String), String> {
    let mut flags = Vec::new();
    let mut rest = rest.trim_start();
    while let Some(after) = rest.strip_prefix("--") {
        let end = after.find(char::is_whitespace).unwrap_or(after.len());
        let word = &after[..end];
        let (name, value) = match word.split_once('=') {
            Some((n, v)) => (n, v),
            None => (word, ""),
        };
        if !known_flags(keyword).contains(&name) {
            return Err(format!(
                "unknown flag --{name} for {keyword}{}",
                match known_flags(keyword) {
                    [] => String::new(),
                    known => format!(
                        " (it takes {})",
                        known
                            .iter()
                            .map(|k| format!("--{k}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                }
            ));
        }
        flags.push((name.to_string(), value.to_string()));
        rest = after[end..].trim_start();
    }
    Ok((flags, rest.to_string()))
}

/// The here-document markers in an instruction's arguments: (name, quoted, strip tabs).
pub fn heredoc_markers(args: &str) -> Vec<(String, bool, bool)> {
    let mut out = Vec::new();
    let mut rest = args;
    while let Some(at) = rest.find("<<") {
        let mut after = &rest[at + 2..];
        let strip = after.starts_with('-');
        if strip {
            after = &after[1..];
        }
        let (name, quoted, len) = match after.chars().next() {
            Some(q @ ('"' | '\'')) => match after[1..].find(q) {
                Some(end) => (after[1..1 + end].to_string(), true, end + 2),
                None => break,
            },
            _ => {
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (after[..end].to_string(), false, end)
            }
        };
        if name.is_empty() {
            rest = &after[len..];
            continue;
        }
        out.push((name, quoted, strip));
        rest = &after[len..];
    }
    out
}

/// The arguments with their here-document markers taken out (what is left of the command).
pub fn without_heredoc_markers(args: &str) -> String {
    let mut out = String::new();
    let mut rest = args;
    while let Some(at) = rest.find("<<") {
        let after = &rest[at + 2..];
        let after = after.strip_prefix('-').unwrap_or(after);
        let len = match after.chars().next() {
            Some(q @ ('"' | '\'')) => after[1..].find(q).map_or(after.len(), |e| e + 2),
            _ => after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len()),
        };
        out.push_str(&rest[..at]);
        rest = &after[len..];
    }
    out.push_str(rest);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `["a", "b"]` is the exec form; anything else the shell form.
pub fn command(args: &str) -> Command {
    match exec_form(args) {
        Some(v) => Command::Exec(v),
        None => Command::Shell(args.to_string()),
    }
}

/// A JSON array of strings, if `args` is one.
pub fn exec_form(args: &str) -> Option<Vec<String>> {
    let t = args.trim();
    if !t.starts_with('[') {
        return None;
    }
    serde_json::from_str::<Vec<String>>(t).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instructions_continuations_and_comments() {
        let text = "# syntax=docker/dockerfile:1\n# escape=\\\nARG BASE=busybox\nFROM $BASE AS build\n\
                    RUN echo a \\\n  # a comment inside\n  && echo b\n\n# top comment\n\
                    COPY --from=x --chown=1:2 a b /dst/\nCMD [\"sh\", \"-c\", \"true\"]\nhealthcheck NONE\n";
        let p = parse("Containerfile", text).unwrap();
        assert_eq!(p.directives["syntax"], "docker/dockerfile:1");
        let i = &p.instructions;
        assert_eq!(i.len(), 6);
        assert_eq!((i[1].keyword.as_str(), i[1].line), ("FROM", 4));
        assert_eq!(i[2].args, "echo a   && echo b");
        assert_eq!(i[3].flag("from"), Some("x"));
        assert_eq!(i[3].flag("chown"), Some("1:2"));
        assert_eq!(i[3].args, "a b /dst/");
        assert_eq!(
            command(&i[4].args),
            Command::Exec(vec!["sh".into(), "-c".into(), "true".into()])
        );
        assert_eq!(i[5].keyword, "HEALTHCHECK");
    }

    #[test]
    fn the_escape_directive_and_heredocs() {
        let text = "# escape=`\nFROM scratch\nRUN dir c:\\ `\n  && echo\nRUN <<EOF\necho one\necho two\nEOF\n\
                    COPY <<-\"A\" /a <<B /b\n\tliteral $X\n\tA\nexpanded $X\nB\nRUN python3 <<PY\nprint(1)\nPY\n";
        let p = parse("Dockerfile", text).unwrap();
        let i = &p.instructions;
        assert_eq!(i[1].args, "dir c:\\   && echo");
        assert_eq!(i[2].heredocs[0].body, "echo one\necho two\n");
        assert_eq!(without_heredoc_markers(&i[2].args), "");
        assert_eq!(i[3].heredocs.len(), 2);
        assert_eq!(i[3].heredocs[0].body, "literal $X\n");
        assert!(i[3].heredocs[0].quoted && !i[3].heredocs[1].quoted);
        assert_eq!(i[3].heredocs[1].body, "expanded $X\n");
        assert_eq!(without_heredoc_markers(&i[3].args), "/a /b");
        assert_eq!(without_heredoc_markers(&i[4].args), "python3");
    }

    #[test]
    fn mistakes_name_their_line() {
        let e = parse("Containerfile", "FROM x\nRUNN make\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.to_string().contains("did you mean RUN?"), "{e}");
        let e = parse("C", "FROM x\nCOPY --form=a b c\n").unwrap_err();
        assert!(e.to_string().contains("unknown flag --form"), "{e}");
        let e = parse("C", "RUN make\nFROM x\n").unwrap_err();
        assert!(e.to_string().contains("before the first FROM"), "{e}");
        assert!(parse("C", "# only a comment\n").is_err());
        let e = parse("C", "FROM x\nRUN <<EOF\nnever closed\n").unwrap_err();
        assert!(e.to_string().contains("not closed"), "{e}");
        assert!(parse("C", "FROM x\nWORKDIR\n").is_err());
    }
}
