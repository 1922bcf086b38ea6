//! The TOML profile as written: every section and key a profile may have (anything else is
//! refused, with where it is and the key that was probably meant).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::sandbox::SandboxFile;

/// The newest profile schema this nook reads.
pub const SCHEMA: u32 = 1;

/// A profile file (`nook.toml`, `profiles/NAME.toml`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProfileFile {
    /// The schema version (1; a newer one is refused).
    pub schema: Option<u32>,
    pub description: Option<String>,
    /// Profiles this one builds on (shipped or yours, by name), in order; its own keys win.
    pub extends: Vec<String>,
    pub base: Option<Base>,
    pub packages: Option<Packages>,
    /// Ordered set-up steps, each a cached layer.
    pub setup: Vec<Step>,
    /// Variables set when you enter (`$VAR` and `${VAR}` expanded from your environment and
    /// the profile's own variables; nothing is run).
    pub env: BTreeMap<String, String>,
    pub user: Option<UserSection>,
    pub workspace: Option<WorkspaceSection>,
    pub network: Option<NetworkSection>,
    /// Extra mounts (`[[mount]]`).
    pub mount: Vec<MountEntry>,
    /// Named cache volumes, shared by your profiles: name = path inside (`~/` is your home).
    pub cache: BTreeMap<String, String>,
    pub hooks: Option<Hooks>,
    /// Commands run by `nook shell -t NAME`, after the tasks they depend on.
    pub tasks: BTreeMap<String, Task>,
    pub limits: Option<LimitsSection>,
    /// What of your session the shell may use; each off unless asked for.
    pub host: Option<HostSection>,
    /// `nook sandbox`'s policy for this project.
    pub sandbox: SandboxFile,
}

/// How walled a dev shell is (`[sandbox] level`).
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// No seccomp filter (a debugger's ptrace, perf, odd syscalls).
    None,
    /// nook run's walls (the default).
    #[default]
    Standard,
    /// nook sandbox's: no network at all, a read-only system (only the project, the home and
    /// /tmp writable), no privilege to gain.
    Strict,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum MountType {
    Bind,
    Volume,
    Tmpfs,
}

/// One `[[mount]]`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct MountEntry {
    #[serde(rename = "type")]
    pub kind: MountType,
    /// A host path (bind: `~/` is your home, a relative path the profile's directory's) or a
    /// volume's name; none for tmpfs.
    pub source: Option<String>,
    /// Where inside (absolute; `~/` is your home).
    pub target: String,
    #[serde(default)]
    pub readonly: bool,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct Hooks {
    /// Run once for each new home volume, as you, in the project (never in a layer).
    pub on_home_create: Option<String>,
    /// Run at each entry, before the shell or command (keep it quick).
    pub on_enter: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct Task {
    pub run: String,
    pub description: Option<String>,
    pub depends: Vec<String>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum Cpus {
    Whole(u32),
    Part(f64),
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsSection {
    /// As `--memory` takes it (512m, 8g).
    pub memory: Option<String>,
    pub cpus: Option<Cpus>,
    pub pids: Option<u64>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct HostSection {
    /// Your ssh agent's socket ($SSH_AUTH_SOCK), inside as $SSH_AUTH_SOCK.
    pub ssh_agent: Option<bool>,
    /// Your time zone (/etc/localtime, $TZ).
    pub timezone: Option<bool>,
    /// Your locale ($LANG, $LC_*).
    pub locale: Option<bool>,
    /// Your display: the Wayland socket ($WAYLAND_DISPLAY) and X11's (/tmp/.X11-unix,
    /// $DISPLAY, $XAUTHORITY), where you have them.
    pub display: Option<bool>,
    /// Your GPUs: /dev/dri (render and display nodes), where the machine has it.
    pub gpu: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Base {
    /// The image the environment starts from (a name the lock pins by digest).
    pub image: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Packages {
    /// Packages for the base's own manager (apt, apk or dnf, found in the image).
    pub install: Vec<String>,
}

/// One `[[setup]]` step.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct Step {
    /// Unique among the profile's steps: used in messages and in the lock.
    pub name: String,
    /// A shell script (`/bin/sh -c`), run as root inside the environment's user namespace.
    pub run: String,
    /// Project files the step reads (relative to the profile's directory): shown to it under
    /// /nook/inputs, where it runs, and their contents in its cache key.
    pub inputs: Vec<String>,
    /// Variables for this step only.
    pub env: BTreeMap<String, String>,
    /// Let the step reach the network (default: true).
    pub network: Option<bool>,
    /// Directories kept between builds in cache volumes, never in the layer.
    pub cache: Vec<String>,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Home {
    /// A volume of this profile's, kept between entries (the default).
    #[default]
    Volume,
    /// Your real home directory.
    Host,
    /// An empty home, gone when you leave.
    Tmpfs,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UserSection {
    pub home: Option<Home>,
    /// The shell to enter (default: your login shell where the image has it, else bash, else sh).
    pub shell: Option<String>,
    /// Files of yours shown read-only at the same place in the profile's home (`~/.gitconfig`).
    pub dotfiles: Vec<String>,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum WorkspaceMount {
    /// The top of the git work tree you are in (else the profile's directory).
    #[default]
    GitRoot,
    /// The profile's directory (for a named profile: the current directory).
    Dir,
    /// No project directory.
    None,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkspaceSection {
    pub mount: Option<WorkspaceMount>,
    pub readonly: Option<bool>,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum NetworkMode {
    #[default]
    Pasta,
    None,
    Host,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NetworkSection {
    pub mode: Option<NetworkMode>,
    /// Ports to publish from the host's loopback, as `-p` takes them.
    pub ports: Option<Vec<String>>,
    /// Let set-up steps and the shell reach services on the host's own loopback.
    pub host_loopback: Option<bool>,
}

/// Why a profile's text was refused: where, and what to do.
#[derive(Debug)]
pub struct Refusal {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

/// Parse a profile's text.
pub fn parse(text: &str) -> Result<ProfileFile, Refusal> {
    let file: ProfileFile = toml::from_str(text).map_err(|e| refusal(text, &e))?;
    match file.schema {
        Some(n) if n > SCHEMA => Err(Refusal {
            line: line_of(text, "schema").unwrap_or(1),
            column: 1,
            message: format!("schema = {n} is newer than this nook reads ({SCHEMA}): update nook"),
        }),
        Some(0) => Err(Refusal {
            line: line_of(text, "schema").unwrap_or(1),
            column: 1,
            message: "schema = 0 does not exist: write schema = 1".to_string(),
        }),
        _ => Ok(file),
    }
}

fn line_of(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| l.trim_start().starts_with(key))
        .map(|i| i + 1)
}

/// The toml error as line:column and a message, with a did-you-mean for an unknown key.
fn refusal(text: &str, e: &toml::de::Error) -> Refusal {
    let (line, column) = match e.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            (line, column)
        }
        None => (1, 1),
    };
    let message = e.message().trim().to_string();
    Refusal {
        line,
        column,
        message: match suggestion(&message) {
            Some(s) => format!("{message}; did you mean `{s}`?"),
            None => message,
        },
    }
}

/// For serde's "unknown field `X`, expected one of `a`, `b`" (or "expected `a`"), the known
/// name nearest to X, when it is near.
fn suggestion(message: &str) -> Option<String> {
    let rest = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("unknown variant `"))?;
    let (word, rest) = rest.split_once('`')?;
    let known: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
    known
        .iter()
        .map(|k| (crate::build::parse::edit_distance(word, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 3))
        .min()
        .map(|(_, k)| k.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_refused_where_they_are_with_a_suggestion() {
        let e =
            parse("schema = 1\n[base]\nimage = \"x\"\n\n[pakages]\ninstall = []\n").unwrap_err();
        assert_eq!((e.line, e.column), (5, 2), "{e}");
        assert!(e.message.contains("did you mean `packages`"), "{e}");
        let e = parse("[[setup]]\nname = \"a\"\nrun = \"b\"\ninptus = [\"x\"]\n").unwrap_err();
        assert_eq!(e.line, 4, "{e}");
        assert!(e.message.contains("did you mean `inputs`"), "{e}");
        let e = parse("[user]\nhome = \"vollume\"\n").unwrap_err();
        assert!(e.message.contains("did you mean `volume`"), "{e}");
        let e = parse("[base]\nimage = 3\n").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        let e = parse("schema = 2\n").unwrap_err();
        assert!(e.message.contains("update nook"), "{e}");
        let e = parse("description = \"a\nb\"\n").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        // No suggestion for a word that is nothing like a key.
        let e = parse("zzzzzzzzzz = 1\n").unwrap_err();
        assert!(!e.message.contains("did you mean"), "{e}");
    }

    #[test]
    fn a_whole_profile_reads() {
        let p = parse(
            "schema = 1\ndescription = \"d\"\nextends = [\"debian\"]\n\
             [base]\nimage = \"debian:bookworm\"\n[packages]\ninstall = [\"gcc\"]\n\
             [[setup]]\nname = \"a\"\nrun = \"make\"\ninputs = [\"Makefile\"]\nnetwork = false\n\
             cache = [\"/root/.cache\"]\nenv = { A = \"1\" }\n\
             [env]\nPATH = \"/opt/bin:$PATH\"\n[user]\nhome = \"tmpfs\"\nshell = \"/bin/bash\"\n\
             [workspace]\nmount = \"dir\"\nreadonly = true\n\
             [network]\nmode = \"none\"\nports = [\"8080\"]\nhost_loopback = false\n\
             [[mount]]\ntype = \"bind\"\nsource = \"~/data\"\ntarget = \"/data\"\nreadonly = true\n\
             [cache]\npip = \"~/.cache/pip\"\n[hooks]\non_enter = \"echo hi\"\n\
             [tasks.test]\nrun = \"make test\"\ndepends = [\"build\"]\n[tasks.build]\nrun = \"make\"\n\
             [limits]\nmemory = \"1g\"\ncpus = 1.5\npids = 100\n\
             [host]\nssh_agent = true\ntimezone = true\n\
             [sandbox]\nnet = false\n",
        )
        .unwrap();
        assert_eq!(p.setup[0].inputs, ["Makefile"]);
        assert_eq!(p.user.unwrap().home, Some(Home::Tmpfs));
        assert_eq!(p.workspace.unwrap().mount, Some(WorkspaceMount::Dir));
        assert_eq!(p.network.unwrap().mode, Some(NetworkMode::None));
        assert_eq!(p.mount[0].kind, MountType::Bind);
        assert_eq!(p.tasks["test"].depends, ["build"]);
        assert_eq!(p.limits.unwrap().cpus, Some(Cpus::Part(1.5)));
        let l = parse("[limits]\ncpus = 2\n").unwrap().limits.unwrap();
        assert_eq!(l.cpus, Some(Cpus::Whole(2)));
    }
}
