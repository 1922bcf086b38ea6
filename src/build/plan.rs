//! Which stages a build makes, and in what order: the stages of a Containerfile (`FROM ...
//! [AS name]`), the ARGs declared before the first FROM (their values, for FROM lines and
//! for stages that declare them again), and, for a target stage, only the stages it needs
//! (its base, `COPY --from`, `RUN --mount=...,from=`), each after those it needs.

use std::collections::BTreeMap;

use super::parse::{Instruction, Parsed};
use super::words::Lexer;

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("{file}:{line}: {message}")]
    At {
        file: String,
        line: usize,
        message: String,
    },
    #[error("--target {0}: no stage has that name (the stages: {1})")]
    NoTarget(String, String),
}

/// One stage.
#[derive(Debug)]
pub struct Stage {
    pub index: usize,
    pub name: Option<String>,
    /// The base after substitution: `scratch`, another stage, or an image.
    pub base: String,
    /// `FROM --platform=`.
    pub platform: Option<String>,
    pub line: usize,
    pub instructions: Vec<Instruction>,
}

/// What a build does.
#[derive(Debug)]
pub struct Plan {
    pub stages: Vec<Stage>,
    /// The stages to build, in order (each after the stages it needs); the last is the target.
    pub order: Vec<usize>,
    /// The stages each stage needs (by index).
    pub needs: Vec<Vec<usize>>,
    /// ARGs declared before the first FROM: name and value (a build arg, else the default).
    pub global_args: BTreeMap<String, Option<String>>,
    pub escape: char,
}

impl Plan {
    /// The stage `reference` names (a name, or an index), if any.
    pub fn stage(&self, reference: &str) -> Option<usize> {
        find(&self.stages, reference)
    }
}

fn find(stages: &[Stage], reference: &str) -> Option<usize> {
    stages
        .iter()
        .find(|s| s.name.as_deref() == Some(&reference.to_ascii_lowercase()))
        .map(|s| s.index)
        .or_else(|| {
            reference
                .parse::<usize>()
                .ok()
                .filter(|i| *i < stages.len())
        })
}

/// The build args docker predefines (passed to RUN when given, never kept in the image).
pub const PROXY_ARGS: &[&str] = &[
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "FTP_PROXY",
    "ftp_proxy",
    "NO_PROXY",
    "no_proxy",
    "ALL_PROXY",
    "all_proxy",
];

/// Make the plan of `parsed` (named `file` in errors) for `target` (None: the last stage),
/// with the build args given.
pub fn plan(
    file: &str,
    parsed: Parsed,
    build_args: &BTreeMap<String, String>,
    target: Option<&str>,
) -> Result<Plan, PlanError> {
    let escape = match parsed.directives.get("escape").map(String::as_str) {
        Some("`") => '`',
        _ => '\\',
    };
    let at = |line: usize, message: String| PlanError::At {
        file: file.to_string(),
        line,
        message,
    };
    let mut global_args: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut stages: Vec<Stage> = Vec::new();
    for ins in parsed.instructions {
        if ins.keyword == "FROM" {
            let lookup =
                |name: &str| -> Option<String> { global_args.get(name).cloned().flatten() };
            let lexer = Lexer {
                escape,
                lookup: &lookup,
            };
            let words = lexer
                .words(&ins.args)
                .map_err(|e| at(ins.line, e.to_string()))?;
            let (base, name) = match words.as_slice() {
                [base] => (base.clone(), None),
                [base, as_word, name] if as_word.eq_ignore_ascii_case("as") => {
                    (base.clone(), Some(name.to_ascii_lowercase()))
                }
                _ => {
                    return Err(at(
                        ins.line,
                        format!("FROM takes IMAGE [AS NAME], not {:?}", ins.args),
                    ));
                }
            };
            if base.is_empty() {
                return Err(at(ins.line, "FROM names no image".to_string()));
            }
            if let Some(n) = &name {
                if stages.iter().any(|s| s.name.as_ref() == Some(n)) {
                    return Err(at(ins.line, format!("two stages are named {n}")));
                }
                if n.parse::<usize>().is_ok() {
                    return Err(at(
                        ins.line,
                        format!("a stage name cannot be a number: {n}"),
                    ));
                }
            }
            let platform = ins
                .flag("platform")
                .map(|p| lexer.word(p))
                .transpose()
                .map_err(|e| at(ins.line, e.to_string()))?;
            stages.push(Stage {
                index: stages.len(),
                name,
                base,
                platform,
                line: ins.line,
                instructions: Vec::new(),
            });
            continue;
        }
        match stages.last_mut() {
            Some(stage) => stage.instructions.push(ins),
            // ARG before the first FROM.
            None => {
                let lookup = |name: &str| global_args.get(name).cloned().flatten();
                let lexer = Lexer {
                    escape,
                    lookup: &lookup,
                };
                let decls = args_of(&lexer, &ins.args).map_err(|e| at(ins.line, e))?;
                for (k, default) in decls {
                    let value = build_args.get(&k).cloned().or(default);
                    global_args.insert(k, value);
                }
            }
        }
    }
    let target = match target {
        None => stages.len() - 1,
        Some(t) => find(&stages, t).ok_or_else(|| {
            PlanError::NoTarget(
                t.to_string(),
                stages
                    .iter()
                    .map(|s| s.name.clone().unwrap_or_else(|| s.index.to_string()))
                    .collect::<Vec<_>>()
                    .join(", "),
            )
        })?,
    };
    // What each stage needs, checked: a stage can only use one defined before it.
    let mut needs: Vec<Vec<usize>> = Vec::new();
    for s in &stages {
        let mut n = Vec::new();
        if let Some(i) = find(&stages[..s.index], &s.base) {
            n.push(i);
        }
        for ins in &s.instructions {
            let mut refs: Vec<&str> = Vec::new();
            if ins.keyword == "COPY"
                && let Some(f) = ins.flag("from")
            {
                refs.push(f);
            }
            if ins.keyword == "RUN" {
                for m in ins.flag_all("mount") {
                    if let Some(f) = m.split(',').find_map(|kv| kv.strip_prefix("from=")) {
                        refs.push(f);
                    }
                }
            }
            for r in refs {
                match find(&stages[..s.index], r) {
                    Some(i) => n.push(i),
                    None if find(&stages, r).is_some() => {
                        return Err(at(
                            ins.line,
                            format!(
                                "{r} is a later stage (or this one): a stage uses only those before it"
                            ),
                        ));
                    }
                    // Otherwise an image, pulled if needed.
                    None => {}
                }
            }
        }
        needs.push(n);
    }
    let mut order = Vec::new();
    visit(target, &needs, &mut order);
    Ok(Plan {
        stages,
        order,
        needs,
        global_args,
        escape,
    })
}

fn visit(stage: usize, needs: &[Vec<usize>], order: &mut Vec<usize>) {
    if order.contains(&stage) {
        return;
    }
    for &n in &needs[stage] {
        visit(n, needs, order);
    }
    order.push(stage);
}

/// An ARG instruction's declarations: `NAME[=default] ...`.
pub fn args_of(lexer: &Lexer<'_>, text: &str) -> Result<Vec<(String, Option<String>)>, String> {
    let mut out = Vec::new();
    for word in lexer.words(text).map_err(|e| e.to_string())? {
        match word.split_once('=') {
            Some((k, v)) => out.push((k.to_string(), Some(v.to_string()))),
            None => out.push((word, None)),
        }
    }
    for (k, _) in &out {
        if k.is_empty() || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!("invalid ARG name {k:?}"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::parse::parse;

    #[test]
    fn stages_args_and_order() {
        let text = "ARG V=1\nARG BASE\nFROM busybox:${V} AS tools\nRUN x\n\
                    FROM scratch AS unused\nRUN y\n\
                    FROM $BASE AS build\nCOPY --from=tools /a /a\n\
                    FROM build\nCOPY --from=0 /b /b\nRUN --mount=type=cache,target=/c,from=build z\n";
        let args = BTreeMap::from([("BASE".to_string(), "alpine".to_string())]);
        let p = plan("C", parse("C", text).unwrap(), &args, None).unwrap();
        assert_eq!(p.stages[0].base, "busybox:1");
        assert_eq!(p.stages[2].base, "alpine");
        assert_eq!(p.order, vec![0, 2, 3]);
        let p = plan("C", parse("C", text).unwrap(), &args, Some("unused")).unwrap();
        assert_eq!(p.order, vec![1]);
        assert!(matches!(
            plan("C", parse("C", text).unwrap(), &args, Some("nope")),
            Err(PlanError::NoTarget(..))
        ));
        let bad = "FROM x AS a\nCOPY --from=b /x /x\nFROM y AS b\n";
        assert!(plan("C", parse("C", bad).unwrap(), &args, None).is_err());
        assert!(plan("C", parse("C", "FROM a b c d\n").unwrap(), &args, None).is_err());
    }
}
