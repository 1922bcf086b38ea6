//! docker's `--format`: `table` (the default listing), `json`, or a Go template (`{{.ID}}`,
//! `table {{.ID}}\t{{.Names}}` for one with a header row), executed by the gotmpl crate (a
//! port of Go's text/template: the same syntax, builtins and output) with docker's own
//! functions added: json, split, join, title, lower, upper, pad, truncate, println.

use gotmpl::{Template, Value};

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("template parsing error: {0}")]
    Parse(String),
    #[error("template: {0}")]
    Execute(String),
}

/// What `--format` asks for.
pub enum Shape {
    /// nook's (docker's) own table.
    Table,
    /// JSON, as the command prints it.
    Json,
    /// A template, run once per object; `table` adds a header row and aligns the columns
    /// its tabs separate.
    Template { template: Template, table: bool },
}

impl Shape {
    pub fn parse(format: Option<&str>) -> Result<Shape, TemplateError> {
        let Some(format) = format else {
            return Ok(Shape::Table);
        };
        match format.trim() {
            "" | "table" => return Ok(Shape::Table),
            "json" => return Ok(Shape::Json),
            _ => {}
        }
        let (table, text) = match format.trim_start().strip_prefix("table") {
            Some(rest) if rest.starts_with(char::is_whitespace) => (true, rest.trim_start()),
            _ => (false, format),
        };
        // As docker's `--format`: `\t` and `\n` written literally on a command line are a
        // tab and a newline.
        let text = text.replace("\\t", "\t").replace("\\n", "\n");
        Ok(Shape::Template {
            template: parse(&text)?,
            table,
        })
    }
}

/// `text` as a template with docker's functions.
fn parse(text: &str) -> Result<Template, TemplateError> {
    Template::new("")
        .func("json", |a| Ok(Value::String(to_json(arg(a, 0)).into())))
        .func("split", |a| {
            let parts: Vec<Value> = text_of(arg(a, 0))
                .split(text_of(arg(a, 1)).as_str())
                .map(|p| Value::String(p.into()))
                .collect();
            Ok(Value::List(parts.into()))
        })
        .func("join", |a| {
            let items: Vec<String> = match arg(a, 0) {
                Value::List(l) => l.iter().map(text_of).collect(),
                other => vec![text_of(other)],
            };
            Ok(Value::String(items.join(&text_of(arg(a, 1))).into()))
        })
        .func("title", |a| {
            Ok(Value::String(title(&text_of(arg(a, 0))).into()))
        })
        .func("lower", |a| {
            Ok(Value::String(text_of(arg(a, 0)).to_lowercase().into()))
        })
        .func("upper", |a| {
            Ok(Value::String(text_of(arg(a, 0)).to_uppercase().into()))
        })
        .func("pad", |a| {
            let n = |i| arg(a, i).as_int().unwrap_or(0).max(0) as usize;
            let s = format!(
                "{}{}{}",
                " ".repeat(n(1)),
                text_of(arg(a, 0)),
                " ".repeat(n(2))
            );
            Ok(Value::String(s.into()))
        })
        .func("truncate", |a| {
            let n = arg(a, 1).as_int().unwrap_or(0).max(0) as usize;
            let s: String = text_of(arg(a, 0)).chars().take(n).collect();
            Ok(Value::String(s.into()))
        })
        .func("println", |a| {
            let words: Vec<String> = a.iter().map(text_of).collect();
            Ok(Value::String(format!("{}\n", words.join(" ")).into()))
        })
        .parse(text)
        .map_err(|e| TemplateError::Parse(e.to_string()))
}

const NIL: Value = Value::Nil;

fn arg(args: &[Value], i: usize) -> &Value {
    args.get(i).unwrap_or(&NIL)
}

/// A value as `{{.}}` prints it.
fn text_of(v: &Value) -> String {
    v.to_string()
}

/// Go's strings.Title: each word's first letter upper case.
fn title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for c in s.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        start = !c.is_alphanumeric() && c != '_' && c != '\'';
    }
    out
}

/// A value as Go's json.Marshal writes it (HTML characters escaped as Go does).
fn to_json(v: &Value) -> String {
    fn convert(v: &Value) -> serde_json::Value {
        match v {
            Value::Bool(b) => (*b).into(),
            Value::Int(n) => (*n).into(),
            Value::Uint(n) => (*n).into(),
            Value::Float(f) => {
                serde_json::Number::from_f64(*f).map_or(serde_json::Value::Null, Into::into)
            }
            Value::String(s) => serde_json::Value::String(s.to_string()),
            Value::List(l) => l.iter().map(convert).collect(),
            Value::Map(m) => m
                .iter()
                .map(|(k, v)| (k.to_string(), convert(v)))
                .collect::<serde_json::Map<_, _>>()
                .into(),
            _ => serde_json::Value::Null,
        }
    }
    serde_json::to_string(&convert(v))
        .unwrap_or_default()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

fn value(json: &serde_json::Value) -> Result<Value, TemplateError> {
    gotmpl::to_value(json).map_err(|e| TemplateError::Execute(e.to_string()))
}

fn run(template: &Template, data: &Value) -> Result<String, TemplateError> {
    template
        .execute_to_string(data)
        .map_err(|e| TemplateError::Execute(e.to_string()))
}

/// docker's `inspect`: each of `names` as `describe` tells it, printed as a JSON array, or
/// through the `--format` template (a line each). A name that is no such object is said on
/// stderr and makes the status 1; the others are printed all the same.
pub fn inspect(
    names: &[String],
    format: Option<&str>,
    mut describe: impl FnMut(&str) -> anyhow::Result<serde_json::Value>,
) -> anyhow::Result<i32> {
    let shape = Shape::parse(format)?;
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for name in names {
        match describe(name) {
            Ok(v) => found.push(v),
            Err(e) => missing.push(format!("{e:#}")),
        }
    }
    match shape {
        Shape::Template { template, .. } => print!("{}", each(&template, &found)?),
        Shape::Table | Shape::Json => println!("{}", serde_json::to_string_pretty(&found)?),
    }
    for m in &missing {
        eprintln!("Error: {m}");
    }
    Ok(if missing.is_empty() { 0 } else { 1 })
}

/// `template` over each of `objects` (as `inspect -f` does): one line each.
pub fn each(template: &Template, objects: &[serde_json::Value]) -> Result<String, TemplateError> {
    let mut out = String::new();
    for o in objects {
        out.push_str(&run(template, &value(o)?)?);
        out.push('\n');
    }
    Ok(out)
}

/// `template` over listing rows (their fields by docker's names): a line per row, and with
/// `table`, first a header (each field's column title from `headers`, docker's for every
/// field of the rows), the columns that tabs separate aligned as docker's tabwriter aligns them.
pub fn rows(
    template: &Template,
    table: bool,
    rows: &[serde_json::Value],
    headers: &[(&str, &str)],
) -> Result<String, TemplateError> {
    if !table {
        return each(template, rows);
    }
    let titles: serde_json::Map<String, serde_json::Value> = headers
        .iter()
        .map(|(field, title)| (field.to_string(), (*title).into()))
        .collect();
    let header = each(template, &[titles.into()])?;
    Ok(align(&(header + &each(template, rows)?)))
}

/// Go's tabwriter as docker sets it up (cells at least 10 wide, 3 spaces of padding): each
/// tab-ended cell padded to its column's width; a line's last cell as it is.
fn align(text: &str) -> String {
    const MIN_WIDTH: usize = 10;
    const PADDING: usize = 3;
    let lines: Vec<Vec<&str>> = text.lines().map(|l| l.split('\t').collect()).collect();
    let mut widths: Vec<usize> = Vec::new();
    for cells in &lines {
        for (i, cell) in cells.iter().take(cells.len().saturating_sub(1)).enumerate() {
            let w = (cell.chars().count() + PADDING).max(MIN_WIDTH);
            match widths.get_mut(i) {
                Some(have) => *have = (*have).max(w),
                None => widths.push(w),
            }
        }
    }
    let mut out = String::new();
    for cells in &lines {
        let last = cells.len().saturating_sub(1);
        for (i, cell) in cells.iter().enumerate() {
            out.push_str(cell);
            if i < last {
                out.push_str(&" ".repeat(widths[i] - cell.chars().count()));
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn render(format: &str, rows_: &[serde_json::Value]) -> String {
        match Shape::parse(Some(format)).unwrap() {
            Shape::Template { template, table } => {
                let headers = [
                    ("ID", "CONTAINER ID"),
                    ("Names", "NAMES"),
                    ("Ports", "PORTS"),
                ];
                rows(&template, table, rows_, &headers).unwrap()
            }
            _ => panic!("not a template: {format}"),
        }
    }

    #[test]
    fn templates_print_as_docker_does() {
        let a = json!({"ID": "abc", "Names": "web", "Labels": {"a": "1"}, "Ports": ""});
        let b = json!({"ID": "defghijklmnop", "Names": "db", "Labels": {}, "Ports": ""});
        assert_eq!(
            render("{{.ID}}:{{.Names}}", &[a.clone(), b.clone()]),
            "abc:web\ndefghijklmnop:db\n"
        );
        assert_eq!(
            render("table {{.ID}}\\t{{.Names}}", &[a.clone(), b]),
            "CONTAINER ID    NAMES\nabc             web\ndefghijklmnop   db\n"
        );
        assert_eq!(
            render("table {{.Names}}\t{{.Ports}}", &[]),
            "NAMES     PORTS\n"
        );
        assert_eq!(
            render("{{json .Labels}}", std::slice::from_ref(&a)),
            "{\"a\":\"1\"}\n"
        );
        assert_eq!(
            render(
                r#"{{upper .Names}} {{title "hello world"}} {{truncate .ID 2}} {{pad .Names 1 2}}|{{join (split "a,b" ",") "+"}}"#,
                std::slice::from_ref(&a)
            ),
            "WEB Hello World ab  web  |a+b\n"
        );
        assert_eq!(
            render(r#"{{println "a" 1}}"#, std::slice::from_ref(&a)),
            "a 1\n\n"
        );
        assert_eq!(
            render(r#"{{json "<&>"}}"#, &[a]),
            "\"\\u003c\\u0026\\u003e\"\n"
        );
        assert!(matches!(Shape::parse(Some("json")), Ok(Shape::Json)));
        assert!(matches!(Shape::parse(None), Ok(Shape::Table)));
        assert!(matches!(
            Shape::parse(Some("{{.ID")),
            Err(TemplateError::Parse(_))
        ));
    }

    #[test]
    fn inspect_templates_reach_nested_fields() {
        let t = match Shape::parse(Some(
            "{{.State.Pid}} {{index .Config.Labels \"k\"}} {{.Missing}}",
        ))
        .unwrap()
        {
            Shape::Template { template, .. } => template,
            _ => unreachable!(),
        };
        let o = json!({"State": {"Pid": 42}, "Config": {"Labels": {"k": "v"}}});
        assert_eq!(each(&t, &[o]).unwrap(), "42 v <no value>\n");
    }
}
