//! `nook build`: real Containerfiles built as the unprivileged test user, the images run and
//! inspected; the cache, stages, contexts, and what a hostile context cannot do.

use std::collections::HashMap;
use std::fs;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread;

use serde_json::Value;

use crate::harness::{Env, Output, Run, env_with};

/// A build context for the test user: `files` (path, contents) under a directory of its own.
pub(crate) fn context(env: &Env, name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = env.root.join(name);
    for (path, contents) in files {
        let p = dir.join(path);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, contents).unwrap();
    }
    fs::create_dir_all(&dir).unwrap();
    env.own(&dir);
    dir
}

/// `nook build ARGS DIR`.
pub(crate) fn build(env: &Env, dir: &Path, args: &[&str]) -> Run {
    let mut all = vec!["build"];
    all.extend_from_slice(args);
    all.push(dir.to_str().unwrap());
    env.nook(&all)
}

/// The config of image `name`, as `nook image inspect` shows it.
fn config(env: &Env, name: &str) -> Value {
    let out = env.nook(&["image", "inspect", name]).ok();
    let all: Value = serde_json::from_str(&out.stdout).unwrap();
    all[0].clone()
}

fn run(env: &Env, image: &str, script: &str) -> Output {
    env.nook(&[
        "run",
        "--rm",
        "--network",
        "none",
        image,
        "sh",
        "-c",
        script,
    ])
    .ok()
}

/// A gzipped tar holding `files`.
fn targz(files: &[(&str, &str)]) -> Vec<u8> {
    let mut b = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::default(),
    ));
    for (path, contents) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(contents.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(1_700_000_000);
        b.append_data(&mut h, path, contents.as_bytes()).unwrap();
    }
    b.into_inner().unwrap().finish().unwrap()
}

/// Every instruction, and the flags of each, checked in the image (its config) and by
/// running it.
#[test]
fn every_instruction_lands_in_the_image() {
    let env = env_with("overlay");
    let file = r#"# syntax=docker/dockerfile:1
# escape=\
ARG BASE=busybox
FROM ${BASE}
ARG VERSION=0.1
ARG FLAVOUR
ENV APP_HOME=/srv/app \
    MODE="two words"
# a comment between instructions
ENV LEGACY value with spaces
WORKDIR /srv
WORKDIR app
COPY data/ ./data/
COPY data /copied
COPY --chown=app:app --chmod=640 config.txt *.md ./
ADD bundle.tar.gz ./unpacked/
RUN echo "v=$VERSION f=$FLAVOUR m=$MODE" > built.txt \
 && id -u >> built.txt
RUN ["/bin/sh", "-c", "echo exec-form > exec.txt"]
RUN <<EOF
echo heredoc-one > heredoc.txt
echo heredoc-two >> heredoc.txt
EOF
RUN cat > stdin.txt <<EOF
from stdin
EOF
COPY <<EOF /srv/app/inline.txt
inline $APP_HOME
EOF
SHELL ["/bin/sh", "-ec"]
RUN echo shell > shell.txt
USER app
LABEL org.example.version=$VERSION other="a b"
EXPOSE 8080 53/udp
VOLUME /srv/app/state
STOPSIGNAL SIGQUIT
HEALTHCHECK --interval=30s CMD wget -q localhost:8080
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["cat built.txt"]
"#;
    let dir = context(
        &env,
        "ctx",
        &[
            ("Containerfile", file),
            ("data/a.txt", "a"),
            ("data/sub/b.txt", "b"),
            ("config.txt", "config"),
            ("README.md", "readme"),
            ("NOTES.md", "notes"),
        ],
    );
    fs::write(
        dir.join("bundle.tar.gz"),
        targz(&[("x/y.txt", "from the tar")]),
    )
    .unwrap();
    env.own(&dir);
    build(&env, &dir, &["-t", "every", "--build-arg", "FLAVOUR=mint"]).ok();
    let c = &config(&env, "every")["Config"];
    let env_list: Vec<&str> = c["Env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for e in [
        "APP_HOME=/srv/app",
        "MODE=two words",
        "LEGACY=value with spaces",
    ] {
        assert!(env_list.contains(&e), "{env_list:?}");
    }
    assert!(
        !env_list.iter().any(|e| e.starts_with("FLAVOUR")),
        "ARGs stay out"
    );
    assert_eq!(c["WorkingDir"], "/srv/app");
    assert_eq!(c["User"], "app");
    assert_eq!(c["Labels"]["org.example.version"], "0.1");
    assert_eq!(c["Labels"]["other"], "a b");
    assert!(c["ExposedPorts"]["8080/tcp"].is_object() && c["ExposedPorts"]["53/udp"].is_object());
    assert!(c["Volumes"]["/srv/app/state"].is_object());
    assert_eq!(c["StopSignal"], "SIGQUIT");
    assert_eq!(c["Entrypoint"], serde_json::json!(["/bin/sh", "-c"]));
    assert_eq!(c["Cmd"], serde_json::json!(["cat built.txt"]));
    // The default command, as the image's user.
    let out = env
        .nook(&["run", "--rm", "--network", "none", "every"])
        .ok();
    assert_eq!(out.stdout, "v=0.1 f=mint m=two words\n0\n");
    // (ENTRYPOINT is sh -c: the command is one script.)
    let out = env
        .nook(&[
            "run",
            "--rm",
            "--network",
            "none",
            "every",
            "cat data/a.txt data/sub/b.txt unpacked/x/y.txt exec.txt heredoc.txt stdin.txt \
             inline.txt shell.txt; stat -c '%U %a' config.txt; cat README.md NOTES.md \
             /copied/a.txt",
        ])
        .ok();
    assert_eq!(
        out.stdout,
        "abfrom the tarexec-form\nheredoc-one\nheredoc-two\nfrom stdin\ninline /srv/app\n\
         shell\napp 640\nreadmenotesa"
    );
    // Healthcheck, as docker stores it.
    let raw = env.nook(&["image", "inspect", "every"]).ok().stdout;
    assert!(raw.contains("wget -q localhost:8080"), "{raw}");
    assert!(
        !raw.contains("nook."),
        "no build state leaks into the config: {raw}"
    );

    // As docker: an ENTRYPOINT drops the CMD the base image had, but not one set before it
    // in the same stage.
    for (file, cmd) in [
        (
            "FROM every\nENTRYPOINT [\"/bin/true\"]\n",
            serde_json::Value::Null,
        ),
        (
            "FROM every\nCMD [\"x\"]\nENTRYPOINT [\"/bin/true\"]\n",
            serde_json::json!(["x"]),
        ),
    ] {
        let dir = context(&env, "ctx-entry", &[("Containerfile", file)]);
        env.own(&dir);
        build(&env, &dir, &["-t", "entry"]).ok();
        let c = &config(&env, "entry")["Config"];
        assert_eq!(c["Cmd"], cmd, "{file}");
        assert_eq!(c["Entrypoint"], serde_json::json!(["/bin/true"]));
    }
}

/// A rebuild with nothing changed runs nothing and gives the same image; a change to one
/// copied file runs from that COPY on; --no-cache runs everything; a fresh copy of the same
/// context (new times) hits the cache.
#[test]
fn the_cache_reruns_only_what_changed() {
    let env = env_with("overlay");
    let file = "FROM busybox\nCOPY a.txt /a.txt\nRUN cat /proc/sys/kernel/random/uuid > /stamp-a\nCOPY b.txt /b.txt\n\
                RUN cat /proc/sys/kernel/random/uuid > /stamp-b\n";
    let dir = context(
        &env,
        "ctx",
        &[("Containerfile", file), ("a.txt", "a"), ("b.txt", "b")],
    );
    let id = |out: &Output| out.stdout.trim().to_string();
    let first = build(&env, &dir, &["-t", "c"]).ok();
    let stamps = |env: &Env| run(env, "c", "cat /stamp-a /stamp-b").stdout;
    let before = stamps(&env);
    let again = build(&env, &dir, &["-t", "c"]).ok();
    assert_eq!(id(&again), id(&first), "same image");
    assert_eq!(again.stderr.matches("Using cache").count(), 4, "{again}");
    assert_eq!(stamps(&env), before);
    fs::write(dir.join("b.txt"), "B").unwrap();
    let changed = build(&env, &dir, &["-t", "c"]).ok();
    assert_eq!(
        changed.stderr.matches("Using cache").count(),
        2,
        "{changed}"
    );
    let after = stamps(&env);
    assert_eq!(after.lines().next(), before.lines().next(), "stamp-a kept");
    assert_ne!(after.lines().nth(1), before.lines().nth(1), "stamp-b new");
    // A fresh clone: the same contents, other times.
    let clone = env.root.join("clone");
    let status = std::process::Command::new("cp")
        .args(["-r"])
        .arg(&dir)
        .arg(&clone)
        .status()
        .unwrap();
    assert!(status.success());
    env.own(&clone);
    let cloned = build(&env, &clone, &["-t", "c"]).ok();
    assert_eq!(cloned.stderr.matches("Using cache").count(), 4, "{cloned}");
    let none = build(&env, &dir, &["-t", "c", "--no-cache"]).ok();
    assert_eq!(none.stderr.matches("Using cache").count(), 0, "{none}");
    assert_ne!(stamps(&env).lines().next(), before.lines().next());

    // The cache outlives `image prune` (of untagged images, as docker's does) and is
    // cleared by `builder prune` and by `system prune`, which keep tagged images.
    let hits = |env: &Env| {
        build(env, &dir, &["-t", "c"])
            .ok()
            .stderr
            .matches("Using cache")
            .count()
    };
    env.nook(&["image", "prune"]).ok();
    assert_eq!(hits(&env), 4);
    env.nook(&["builder", "prune", "-f"]).ok();
    assert_eq!(hits(&env), 0);
    let pruned = env.nook(&["system", "prune", "-f"]).ok();
    assert!(
        pruned.stdout.contains("Deleted build cache entries"),
        "{pruned}"
    );
    assert!(pruned.stdout.contains("Total reclaimed space"), "{pruned}");
    assert_eq!(hits(&env), 0);
    env.nook(&["image", "inspect", "c"]).ok();
}

/// Multi-stage: COPY --from a stage (by name and by index), FROM a stage, and --target,
/// which builds only the stages it needs (a broken one it does not need never runs).
#[test]
fn stages_build_what_the_target_needs() {
    let env = env_with("overlay");
    let file = "FROM busybox AS tools\nRUN echo tool > /tool\n\
                FROM busybox AS broken\nRUN exit 3\n\
                FROM tools AS build\nRUN cat /tool > /built && echo more >> /built\n\
                FROM scratch\nCOPY --from=build /built /out\nCOPY --from=0 /tool /tool\n\
                COPY --from=build /bin/busybox /bin/sh\nCMD [\"/bin/sh\"]\n";
    let dir = context(&env, "ctx", &[("Containerfile", file)]);
    build(&env, &dir, &["-t", "final"]).ok();
    let out = env
        .nook(&[
            "run",
            "--rm",
            "--network",
            "none",
            "final",
            "/bin/sh",
            "-c",
            "cat /out /tool",
        ])
        .ok();
    assert_eq!(out.stdout, "tool\nmore\ntool\n");
    build(&env, &dir, &["-t", "mid", "--target", "build"]).ok();
    assert_eq!(run(&env, "mid", "cat /built").stdout, "tool\nmore\n");
    let out = build(&env, &dir, &["--target", "broken"])
        .output()
        .code(125);
    assert!(out.stderr.contains("exit status 3"), "{out}");
    build(&env, &dir, &["--target", "nope"])
        .output()
        .code(125)
        .stderr_has("no stage has that name");
}

/// `.dockerignore` (and `.containerignore` before it): `**`, `!` taking back, and a
/// Containerfile that is itself left out still builds.
#[test]
fn ignore_files_leave_things_out() {
    let env = env_with("overlay");
    let dir = context(
        &env,
        "ctx",
        &[
            (
                "Containerfile",
                "FROM busybox\nCOPY . /ctx/\nRUN cd /ctx && find . -type f | sort\n",
            ),
            (
                ".dockerignore",
                "Containerfile\n**/*.log\ntarget\n!keep.log\n",
            ),
            ("src/main.c", "int main;"),
            ("src/deep/x.log", "log"),
            ("keep.log", "kept"),
            ("debug.log", "log"),
            ("target/out", "built"),
        ],
    );
    build(&env, &dir, &["-t", "ign"]).ok();
    let out = run(&env, "ign", "cd /ctx && find . -type f | sort").stdout;
    assert_eq!(out, "./.dockerignore\n./keep.log\n./src/main.c\n");
}

/// A context cannot reach outside itself: `COPY ../x`, or through a symlink in it (a source's
/// links are followed inside the context, as docker does: an absolute one pointing out leads
/// nowhere); a symlink inside a copied directory is copied as a symlink.
#[test]
fn copies_stay_inside_the_context() {
    let env = env_with("overlay");
    crate::sandbox::project(&env);
    let dir = context(&env, "ctx", &[("inside", "in")]);
    std::os::unix::fs::symlink(env.home.join(".ssh"), dir.join("out")).unwrap();
    std::os::unix::fs::symlink("../../../../../../../..", dir.join("up")).unwrap();
    std::os::unix::fs::symlink("inside", dir.join("in-link")).unwrap();
    let attempt = |file: &str| {
        fs::write(dir.join("Containerfile"), file).unwrap();
        env.own(&dir);
        build(&env, &dir, &["-t", "esc"]).output()
    };
    let home = env.home.display().to_string();
    for bad in [
        "FROM busybox\nCOPY ../../home /x/\n".to_string(),
        "FROM busybox\nCOPY out/id_rsa /x\n".to_string(),
        "FROM busybox\nCOPY out /x\n".to_string(),
        "FROM busybox\nCOPY /../../.. /x/\n".to_string(),
        format!("FROM busybox\nCOPY up{home}/.ssh/id_rsa /x\n"),
    ] {
        let out = attempt(&bad);
        assert_eq!(out.code, 125, "{bad}: {out}");
        assert!(!out.stdout.contains("nook-test-secret"), "{out}");
    }
    attempt("FROM busybox\nCOPY in-link /followed\nCOPY . /all/\n");
    let out = run(
        &env,
        "esc",
        "cat /followed; echo; readlink /all/out; ls /all; cat /all/out/id_rsa 2>&1 || true",
    )
    .stdout;
    assert!(
        out.starts_with(&format!("in\n{}\n", env.home.join(".ssh").display())),
        "{out}"
    );
    assert!(!out.contains("nook-test-secret"), "{out}");
    // The key of a COPY through a link is what the link leads to.
    fs::write(dir.join("inside"), "changed").unwrap();
    attempt("FROM busybox\nCOPY in-link /followed\nCOPY . /all/\n");
    assert_eq!(run(&env, "esc", "cat /followed").stdout, "changed");
}

/// Mistakes are clear, exit 125, name the file's line, and tag nothing.
#[test]
fn bad_containerfiles_are_refused_clearly() {
    let env = env_with("overlay");
    let cases = [
        (
            "FROM busybox\nRUNN make\n",
            "Containerfile:2",
            "did you mean RUN?",
        ),
        (
            "FROM busybox\nCOPY --form=x a b\n",
            "Containerfile:2",
            "unknown flag --form",
        ),
        (
            "FROM busybox\nCOPY nothing-here /x\n",
            "Containerfile:2",
            "no file in the build context",
        ),
        (
            "FROM busybox\nRUN echo out; exit 7\n",
            "Containerfile:2",
            "exit status 7",
        ),
        (
            "FROM busybox\nCOPY --from=nostage /x /x\n",
            "Containerfile:2",
            "nostage",
        ),
        (
            "RUN x\nFROM busybox\n",
            "Containerfile:1",
            "before the first FROM",
        ),
        (
            "FROM busybox\nEXPOSE eighty\n",
            "Containerfile:2",
            "not a port",
        ),
    ];
    for (file, line, why) in cases {
        let dir = context(&env, "bad", &[("Containerfile", file)]);
        let out = build(&env, &dir, &["-t", "never"]).output();
        assert_eq!(out.code, 125, "{file}: {out}");
        assert!(
            out.stderr.contains(line) && out.stderr.contains(why),
            "{file}: {out}"
        );
        env.nook(&["image", "inspect", "never"]).output().code(1);
    }
    // A failing step's output shows even with -q.
    let dir = context(
        &env,
        "quiet",
        &[(
            "Containerfile",
            "FROM busybox\nRUN echo why-it-failed; false\n",
        )],
    );
    build(&env, &dir, &["-q"])
        .output()
        .code(125)
        .stderr_has("why-it-failed");
}

/// ONBUILD triggers run in a child build, and are not passed on further.
#[test]
fn onbuild_triggers_run_in_child_builds() {
    let env = env_with("overlay");
    let parent = context(
        &env,
        "parent",
        &[(
            "Containerfile",
            "FROM busybox\nONBUILD RUN echo triggered > /trigger\n",
        )],
    );
    build(&env, &parent, &["-t", "parent"]).ok();
    let child = context(
        &env,
        "child",
        &[("Containerfile", "FROM parent\nRUN cat /trigger\n")],
    );
    build(&env, &child, &["-t", "child"]).ok();
    assert_eq!(run(&env, "child", "cat /trigger").stdout, "triggered\n");
    assert!(config(&env, "child")["Config"]["OnBuild"].is_null());
}

/// RUN --mount: a cache directory that persists between builds but is not in the image; a
/// secret readable by the step, absent from the image and its history; --network=none.
#[test]
fn run_mounts_caches_and_secrets() {
    let env = env_with("overlay");
    let secret = env.file("token", b"s3cret-value");
    let file = "FROM busybox\n\
                RUN --mount=type=cache,target=/cache cat /proc/sys/kernel/random/uuid >> /cache/runs && wc -l < /cache/runs > /count\n\
                RUN --mount=type=secret,id=token cat /run/secrets/token > /dev/null && echo read > /secret-read\n\
                RUN --network=none sh -c 'ls /sys/class/net' > /nets\n";
    let dir = context(&env, "ctx", &[("Containerfile", file)]);
    let src = format!("id=token,src={}", secret.display());
    build(&env, &dir, &["-t", "m", "--secret", &src]).ok();
    build(&env, &dir, &["-t", "m", "--secret", &src, "--no-cache"]).ok();
    let out = run(
        &env,
        "m",
        "cat /count /secret-read /nets; ls /cache /run/secrets 2>&1 | wc -l",
    )
    .stdout;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "2", "the cache kept the first run: {out}");
    assert_eq!(lines[1], "read");
    assert_eq!(lines[2], "lo", "{out}");
    assert_eq!(
        lines[3], "2",
        "neither the cache nor the secret is in the image: {out}"
    );
    let history = env.nook(&["history", "--no-trunc", "m"]).ok().stdout;
    assert!(!history.contains("s3cret"), "{history}");
    let store = env.store();
    assert!(
        !crate::escapes::files_hold(&store, b"s3cret-value"),
        "the secret is in the store"
    );
    // Without the secret, a required one fails.
    let dir = context(
        &env,
        "req",
        &[(
            "Containerfile",
            "FROM busybox\nRUN --mount=type=secret,id=token,required cat /run/secrets/token\n",
        )],
    );
    build(&env, &dir, &[])
        .output()
        .code(125)
        .stderr_has("--secret id=token");
}

/// RUN --mount=type=bind: from the context (read-only unless rw, and then its writes are
/// thrown away: the context is untouched; ignored files are not there), from a stage and
/// from a subdirectory of one; none of it lands in the image.
#[test]
fn bind_mounts_from_the_context_and_stages() {
    let env = env_with("overlay");
    let file = "FROM busybox AS tools\n\
                RUN mkdir -p /opt/kit/bin && echo kit > /opt/kit/bin/tool && echo top > /top\n\
                FROM busybox\n\
                RUN --mount=type=bind,target=/src cat /src/input.txt > /from-context; \
                    ls -a /src > /listing; touch /src/new 2> /dev/null || echo ro > /ro\n\
                RUN --mount=type=bind,target=/src,rw echo changed > /src/input.txt && echo w > /src/new\n\
                RUN --mount=type=bind,from=tools,target=/t cat /t/top /t/opt/kit/bin/tool > /from-stage\n\
                RUN --mount=type=bind,from=tools,source=/opt/kit,target=/kit cat /kit/bin/tool > /from-sub\n";
    let dir = context(
        &env,
        "ctx",
        &[
            ("Containerfile", file),
            ("input.txt", "original\n"),
            ("secret.env", "hidden"),
            (".dockerignore", "secret.env\n"),
        ],
    );
    build(&env, &dir, &["-t", "binds"]).ok();
    let out = run(
        &env,
        "binds",
        "cat /from-context /ro /from-stage /from-sub; cat /listing | tr '\\n' ' '; echo; ls /src /t /kit 2>/dev/null | wc -l",
    )
    .stdout;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[..5], ["original", "ro", "top", "kit", "kit"], "{out}");
    assert!(
        !lines[5].contains("secret.env"),
        "ignored files stay out: {out}"
    );
    assert!(lines[5].contains("input.txt"), "{out}");
    assert_eq!(
        lines[6], "0",
        "the mount points are not in the image: {out}"
    );
    assert_eq!(
        fs::read_to_string(dir.join("input.txt")).unwrap(),
        "original\n"
    );
    assert!(
        !dir.join("new").exists(),
        "an rw bind wrote into the context"
    );
}

/// A URL path with its %XX escapes decoded.
fn percent_decoded(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], bytes.get(i + 1..i + 3)) {
            (b'%', Some(hex))
                if let Ok(b) = u8::from_str_radix(std::str::from_utf8(hex).unwrap_or("x"), 16) =>
            {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A web server on the host's loopback: files by path (changeable), each request counted.
pub(crate) struct WebFiles {
    pub(crate) port: u16,
    files: Arc<Mutex<HashMap<String, Vec<u8>>>>,
    hits: Arc<Mutex<HashMap<String, usize>>>,
}

impl WebFiles {
    fn serve(files: &[(&str, &[u8])]) -> WebFiles {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let files: HashMap<String, Vec<u8>> = files
            .iter()
            .map(|(p, b)| (p.to_string(), b.to_vec()))
            .collect();
        let web = WebFiles {
            port,
            files: Arc::new(Mutex::new(files)),
            hits: Arc::default(),
        };
        let (files, hits) = (web.files.clone(), web.hits.clone());
        thread::spawn(move || {
            for mut conn in listener.incoming().flatten() {
                let mut buf = [0u8; 4096];
                let n = conn.read(&mut buf).unwrap_or(0);
                let request = String::from_utf8_lossy(&buf[..n]).to_string();
                let path =
                    percent_decoded(request.split(' ').nth(1).unwrap_or("")).replace("/./", "/");
                *hits.lock().unwrap().entry(path.clone()).or_default() += 1;
                let head = match files.lock().unwrap().get(&path) {
                    Some(body) => {
                        let head = format!(
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nLast-Modified: \
                             Tue, 14 Nov 2023 22:13:20 GMT\r\nConnection: close\r\n\r\n",
                            body.len()
                        );
                        [head.into_bytes(), body.clone()].concat()
                    }
                    None => {
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                            .to_vec()
                    }
                };
                let _ = conn.write_all(&head);
            }
        });
        web
    }

    /// Every file under `dir`, by its path there.
    pub(crate) fn serve_dir(dir: &Path) -> WebFiles {
        let files: Vec<(String, Vec<u8>)> = fs::read_dir(dir)
            .unwrap()
            .flatten()
            .filter(|e| e.path().is_file())
            .map(|e| {
                let name = format!("/{}", e.file_name().to_string_lossy());
                (name, fs::read(e.path()).unwrap())
            })
            .collect();
        let refs: Vec<(&str, &[u8])> = files
            .iter()
            .map(|(n, b)| (n.as_str(), b.as_slice()))
            .collect();
        WebFiles::serve(&refs)
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub(crate) fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }
}

/// ADD of a URL: fetched (mode 0600, the server's time, not unpacked), checked against
/// --checksum, the content in the key (a changed file rebuilds; with a checksum a cached
/// build fetches nothing); this machine's own addresses, for ADD and RUN, only with
/// --host-loopback.
#[test]
fn add_fetches_urls_and_host_loopback_is_opt_in() {
    let env = env_with("overlay");
    let tarball = targz(&[("inside.txt", "x")]);
    let web = WebFiles::serve(&[("/file.txt", b"fetched\n"), ("/a.tar.gz", &tarball)]);
    let sum = format!("sha256:{}", crate::images::sha256(b"fetched\n"));
    let file = format!(
        "FROM busybox\n\
         ADD {file} /dl/\n\
         ADD {tar} /dl/\n\
         ADD --checksum={sum} {file} /checked.txt\n\
         RUN wget -q -O /via-run http://host.containers.internal:{port}/file.txt || echo no > /via-run\n",
        file = web.url("/file.txt"),
        tar = web.url("/a.tar.gz"),
        port = web.port,
    );
    let dir = context(&env, "ctx", &[("Containerfile", &file)]);
    build(&env, &dir, &["-t", "web"])
        .output()
        .code(125)
        .stderr_has("--host-loopback");
    build(&env, &dir, &["-t", "web", "--host-loopback"]).ok();
    let out = run(
        &env,
        "web",
        "cat /dl/file.txt /checked.txt /via-run; stat -c '%a %u %Y' /dl/file.txt; ls /dl",
    )
    .stdout;
    assert_eq!(
        out, "fetched\nfetched\nfetched\n600 0 1700000000\na.tar.gz\nfile.txt\n",
        "a remote archive stays an archive"
    );
    // Cached: the URL without a checksum is fetched again (its content is the key), the one
    // with a checksum is not.
    let before = web.hits("/file.txt");
    build(&env, &dir, &["-t", "web", "--host-loopback"]).ok();
    assert_eq!(web.hits("/file.txt"), before + 1);
    // A changed file rebuilds from its ADD; a wrong checksum fails.
    web.files
        .lock()
        .unwrap()
        .insert("/file.txt".into(), b"changed\n".to_vec());
    build(&env, &dir, &["-t", "web", "--host-loopback"])
        .output()
        .code(125)
        .stderr_has("checksum");
    // Without --host-loopback a RUN step cannot reach the host's loopback.
    let file = format!(
        "FROM busybox\nRUN wget -q -T 5 -O /via-run http://host.containers.internal:{}/file.txt \
         || echo unreachable > /via-run\n",
        web.port
    );
    let dir = context(&env, "ctx-run", &[("Containerfile", &file)]);
    build(&env, &dir, &["-t", "closed"]).ok();
    assert_eq!(run(&env, "closed", "cat /via-run").stdout, "unreachable\n");
    // Bad uses: COPY of a URL, a checksum of the wrong form, a URL with no file name,
    // --network none.
    for (file, msg, args) in [
        (
            format!("FROM busybox\nCOPY {} /x\n", web.url("/file.txt")),
            "use ADD",
            vec![],
        ),
        (
            format!(
                "FROM busybox\nADD --checksum=md5:x {} /x\n",
                web.url("/file.txt")
            ),
            "sha256:",
            vec![],
        ),
        (
            format!("FROM busybox\nADD {} /x/\n", web.url("/")),
            "file name",
            vec!["--host-loopback"],
        ),
        (
            format!("FROM busybox\nADD {} /x\n", web.url("/file.txt")),
            "--network none",
            vec!["--network", "none"],
        ),
        (
            format!("FROM busybox\nADD {} /x\n", web.url("/missing")),
            "404",
            vec!["--host-loopback"],
        ),
    ] {
        let dir = context(&env, "ctx-bad", &[("Containerfile", &file)]);
        build(&env, &dir, &args).output().code(125).stderr_has(msg);
    }
}

/// Stages that need nothing of each other build side by side: two stages that each wait for
/// the other's mark in a shared cache mount meet only if they run at once (built one after
/// the other, the first gives up after 60 s and the build fails). Output of steps running
/// side by side shows a step at a time.
#[test]
fn independent_stages_build_in_parallel() {
    let env = env_with("overlay");
    let wait = |me: &str, other: &str| {
        format!(
            "RUN --mount=type=cache,id=meet,target=/r echo {me} is here; touch /r/{me}; i=0; \
             while [ ! -e /r/{other} ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; \
             test -e /r/{other} && echo {me} > /met\n"
        )
    };
    let file = format!(
        "FROM busybox AS a\n{}FROM busybox AS b\n{}FROM busybox\nCOPY --from=a /met /a\nCOPY --from=b /met /b\n",
        wait("a", "b"),
        wait("b", "a")
    );
    let dir = context(&env, "ctx", &[("Containerfile", &file)]);
    let out = build(&env, &dir, &["-t", "both"]).ok();
    assert_eq!(run(&env, "both", "cat /a /b").stdout, "a\nb\n");
    assert!(
        out.stderr.contains("--> output of Containerfile:2:\n")
            && out.stderr.contains("--> output of Containerfile:4:\n"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.contains("a is here\n") && out.stdout.contains("b is here\n"));

    // A failing stage ends the others' running steps: the build fails with its error, and
    // the other stage's step never gets to finish.
    let file = "FROM busybox AS slow\n\
                RUN --mount=type=cache,id=stop,target=/r touch /r/slow-started; sleep 30; touch /r/slow-finished\n\
                FROM busybox AS failing\n\
                RUN --mount=type=cache,id=stop,target=/r while [ ! -e /r/slow-started ]; do sleep 0.1; done; exit 3\n\
                FROM busybox\nCOPY --from=slow /etc/hostname /a\nCOPY --from=failing /etc/hostname /b\n";
    let dir = context(&env, "ctx-fail", &[("Containerfile", file)]);
    build(&env, &dir, &["-t", "never"])
        .output()
        .code(125)
        .stderr_has("Containerfile:4: RUN");
    let cache = env.store().join("build-cache-mounts");
    let holds = |name: &str| {
        fs::read_dir(&cache)
            .unwrap()
            .flatten()
            .any(|d| d.path().join(name).exists())
    };
    assert!(holds("slow-started"));
    assert!(!holds("slow-finished"), "the slow stage ran on");
    env.nook(&["image", "inspect", "never"])
        .output()
        .stderr_has("not in the local store");
}

/// The Debian root filesystem and local apt repository of tests/fixtures/debian-bookworm
/// (made once per machine, then cached).
pub(crate) fn debian_fixture() -> PathBuf {
    static MADE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    MADE.get_or_init(|| {
        let dir = PathBuf::from("/var/tmp/nook-debian");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/debian-bookworm");
        let status = std::process::Command::new(script)
            .arg(&dir)
            .status()
            .unwrap();
        assert!(status.success(), "tests/fixtures/debian-bookworm failed");
        dir
    })
    .clone()
}

/// A multi-stage C build: a toolchain stage on a Debian image (debootstrap), gcc installed by
/// `apt-get` through pasta from a repository on the host's loopback (--host-loopback: no
/// outside network), a static program compiled, and only it copied into a busybox stage. The
/// image is small and runs; a rebuild runs nothing.
#[test]
fn a_multi_stage_c_build_on_debian() {
    let fixture = debian_fixture();
    let env = env_with("overlay");
    env.nook(&[
        "import",
        fixture.join("rootfs.tar").to_str().unwrap(),
        "debian:bookworm",
    ])
    .ok();
    let repo = WebFiles::serve_dir(&fixture.join("repo"));
    let file = format!(
        "FROM debian:bookworm AS toolchain\n\
         RUN rm -f /etc/apt/sources.list.d/* \\\n \
             && echo 'deb [trusted=yes] http://host.containers.internal:{}/ ./' > /etc/apt/sources.list \\\n \
             && apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev\n\
         WORKDIR /src\n\
         COPY hello.c .\n\
         RUN gcc -static -O2 -o hello hello.c && ./hello\n\
         FROM busybox\n\
         COPY --from=toolchain /src/hello /usr/local/bin/hello\n\
         CMD [\"hello\"]\n",
        repo.port
    );
    let dir = context(
        &env,
        "ctx",
        &[
            ("Containerfile", &file),
            (
                "hello.c",
                "#include <stdio.h>\nint main(void) { puts(\"hello from C, built by nook\"); return 0; }\n",
            ),
        ],
    );
    let out = build(&env, &dir, &["-t", "c-hello", "--host-loopback"]).ok();
    assert!(out.stdout.contains("Setting up gcc"), "{out}");
    assert!(repo.hits("/Packages") > 0);
    let ran = env
        .nook(&["run", "--rm", "--network", "none", "c-hello"])
        .ok();
    assert_eq!(ran.stdout, "hello from C, built by nook\n");
    let size = |image: &str| config(&env, image)["Size"].as_u64().unwrap();
    let (small, debian) = (size("c-hello"), size("debian:bookworm"));
    assert!(small < 10_000_000, "the image has {small} bytes");
    assert!(debian > 10 * small, "{debian} vs {small}");
    let again = build(&env, &dir, &["-t", "c-hello", "--host-loopback"]).ok();
    assert_eq!(again.stderr.matches("Using cache").count(), 5, "{again}");
}

/// WORKDIR makes its directory (for a RUN, and for the image's command), and `.` as a COPY
/// destination is the directory, not a file named after it.
#[test]
fn workdirs_are_made_and_dot_is_a_directory() {
    let env = env_with("overlay");
    let file = "FROM busybox\nWORKDIR /newdir\nRUN pwd > /pwd\nWORKDIR /other\nCOPY f .\n\
                WORKDIR /empty/deep\nWORKDIR /tmp\nWORKDIR /empty/deep\nCMD pwd; cat /pwd /other/f\n";
    let dir = context(&env, "ctx", &[("Containerfile", file), ("f", "f\n")]);
    build(&env, &dir, &["-t", "wd"]).ok();
    let out = env.nook(&["run", "--rm", "--network", "none", "wd"]).ok();
    assert_eq!(out.stdout, "/empty/deep\n/newdir\nf\n");
    // The directories are in the image (a layer each where one was made, none where it
    // was there already).
    let c = config(&env, "wd");
    let empty: Vec<bool> = c["History"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| {
            h["created_by"]
                .as_str()
                .unwrap_or("")
                .starts_with("WORKDIR")
        })
        .map(|h| h["empty_layer"].as_bool().unwrap_or(false))
        .collect();
    assert_eq!(empty, [false, false, false, true, true], "{c}");
    let out = run(&env, "wd", "ls -d /newdir /other /empty/deep").stdout;
    assert_eq!(out, "/empty/deep\n/newdir\n/other\n");
}

/// The context as a tar on standard input, or a Containerfile alone; --iidfile.
#[test]
fn contexts_from_standard_input() {
    let env = env_with("overlay");
    let mut b = tar::Builder::new(Vec::new());
    for (path, contents) in [
        ("Containerfile", "FROM busybox\nCOPY msg /msg\n"),
        ("msg", "from tar"),
    ] {
        let mut h = tar::Header::new_gnu();
        h.set_size(contents.len() as u64);
        h.set_mode(0o644);
        b.append_data(&mut h, path, contents.as_bytes()).unwrap();
    }
    let tar = b.into_inner().unwrap();
    env.nook(&["build", "-t", "fromtar", "-"]).stdin(&tar).ok();
    assert_eq!(run(&env, "fromtar", "cat /msg").stdout, "from tar");
    let iid = env.root.join("iid");
    env.nook(&[
        "build",
        "-t",
        "alone",
        "--iidfile",
        iid.to_str().unwrap(),
        "-",
    ])
    .stdin(b"FROM busybox\nRUN echo alone > /alone\n")
    .ok();
    let id = fs::read_to_string(&iid).unwrap();
    assert!(id.starts_with("sha256:"), "{id}");
    assert_eq!(config(&env, "alone")["Id"], id.as_str());
    // A Containerfile alone has no context to copy from.
    env.nook(&["build", "-"])
        .stdin(b"FROM busybox\nCOPY x /x\n")
        .output()
        .code(125)
        .stderr_has("needs a build context");
}

/// --timestamp (or SOURCE_DATE_EPOCH): two builds of the same context give the same image.
#[test]
fn builds_are_reproducible_with_a_timestamp() {
    let env = env_with("overlay");
    let dir = context(
        &env,
        "ctx",
        &[
            (
                "Containerfile",
                "FROM busybox\nCOPY f /f\nRUN echo fixed > /g\nENV A=1\n",
            ),
            ("f", "content"),
        ],
    );
    let one = build(
        &env,
        &dir,
        &["--no-cache", "--timestamp", "1700000000", "-q"],
    )
    .ok();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let two = build(&env, &dir, &["--no-cache", "-q"])
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .ok();
    assert_eq!(one.stdout, two.stdout);
    let three = build(&env, &dir, &["--no-cache", "-q"]).ok();
    assert_ne!(
        one.stdout, three.stdout,
        "without a timestamp, times differ"
    );
}

/// The result is an ordinary OCI image: pushed to a registry, podman pulls and runs it the
/// same way, and its history shows every instruction.
#[test]
fn a_built_image_is_read_by_podman() {
    crate::harness::require("podman");
    let server = crate::registry_server::RegistryServer::start();
    let env = env_with("overlay");
    let dir = context(
        &env,
        "ctx",
        &[
            (
                "Containerfile",
                "FROM busybox\nCOPY hello /hello\nRUN echo ran > /ran\nCMD [\"cat\", \"/hello\", \"/ran\"]\n",
            ),
            ("hello", "hello\n"),
        ],
    );
    build(&env, &dir, &["-t", "interop"]).ok();
    let history = env.nook(&["history", "--no-trunc", "interop"]).ok().stdout;
    assert!(
        history.contains("COPY hello /hello") && history.contains("RUN /bin/sh -c echo ran"),
        "{history}"
    );
    let dest = format!("{}/built/interop:1", server.addr);
    env.nook(&["push", "interop", &dest]).ok();
    let podman = |args: &[&str]| crate::manage::podman(&env, args);
    podman(&["pull", "--tls-verify=false", &dest]).ok();
    let out = podman(&["run", "--rm", "--network", "none", &dest]).ok();
    assert_eq!(out.stdout, "hello\nran\n");

    // `podman build` of the same Containerfile and context gives the same files: names,
    // modes, owners, types, link targets and contents, listed by the same command in both
    // images (run by nook, so the runtime is the same).
    let base = format!("{}/base/busybox:1", server.addr);
    env.nook(&["push", "busybox", &base]).ok();
    let file = "ARG BASE\n\
                FROM ${BASE} AS tools\n\
                RUN mkdir -p /opt/tool && echo tool > /opt/tool/bin && chmod 750 /opt/tool/bin\n\
                FROM ${BASE}\n\
                RUN rm /home/app/.profile && rm -r /root && mkdir -p /var/empty-dir\n\
                WORKDIR /srv/app\n\
                COPY data/ ./data/\n\
                COPY data /copied\n\
                COPY --chown=app:app config.txt ./\n\
                COPY --chmod=600 secret.txt /etc/\n\
                COPY link ./\n\
                ADD bundle.tar.gz /unpacked/\n\
                COPY --from=tools /opt/tool /opt/tool\n\
                USER app\n\
                RUN touch /tmp/as-app && mkdir -p /tmp/dir/sub\n";
    let dir = context(
        &env,
        "same",
        &[
            ("Containerfile", file),
            ("data/a.txt", "a"),
            ("data/sub/b.txt", "bb"),
            ("config.txt", "config"),
            ("secret.txt", "s"),
        ],
    );
    std::os::unix::fs::symlink("data/a.txt", dir.join("link")).unwrap();
    fs::write(
        dir.join("bundle.tar.gz"),
        targz(&[("x/y.txt", "from the tar"), ("z.txt", "z")]),
    )
    .unwrap();
    env.own(&dir);
    let arg = format!("BASE={base}");
    build(&env, &dir, &["-t", "by-nook", "--build-arg", &arg]).ok();
    podman(&[
        "build",
        "--tls-verify=false",
        "--build-arg",
        &arg,
        "-t",
        "localhost/by-podman",
        dir.to_str().unwrap(),
    ])
    .ok();
    let archive = env.root.join("by-podman.tar");
    podman(&[
        "save",
        "--format",
        "docker-archive",
        "-o",
        archive.to_str().unwrap(),
        "localhost/by-podman",
    ])
    .ok();
    env.nook(&["load", "-i", archive.to_str().unwrap()]).ok();
    // (What the runtime puts in place is left out, and /run, where buildah leaves the
    // mount point of its /run/.containerenv in the first RUN's layer.)
    let list = "find / -xdev \\( -path /proc -o -path /sys -o -path /dev -o -path /etc/hosts \
                -o -path /etc/resolv.conf -o -path /etc/hostname -o -path /run \\) -prune -o -print | sort | \
                while read -r f; do \
                  if [ -L \"$f\" ]; then t=\"-> $(readlink \"$f\")\"; \
                  elif [ -f \"$f\" ]; then t=$(md5sum < \"$f\" | cut -c1-12); else t=; fi; \
                  echo \"$(stat -c '%n %a %u:%g %F' \"$f\") $t\"; done";
    let listing = |image: &str| {
        env.nook(&[
            "run",
            "--rm",
            "--network",
            "none",
            "-u",
            "0",
            image,
            "sh",
            "-c",
            list,
        ])
        .ok()
        .stdout
    };
    let (ours, theirs) = (listing("by-nook"), listing("localhost/by-podman"));
    assert!(ours.lines().count() > 100, "{ours}");
    let diff: Vec<String> = ours
        .lines()
        .filter(|l| !theirs.lines().any(|t| t == *l))
        .map(|l| format!("nook:   {l}"))
        .chain(
            theirs
                .lines()
                .filter(|l| !ours.lines().any(|o| o == *l))
                .map(|l| format!("podman: {l}")),
        )
        .collect();
    assert!(diff.is_empty(), "the images differ:\n{}", diff.join("\n"));
}
