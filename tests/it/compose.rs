//! `nook compose`: a two-tier application from a compose file (a web server with a health
//! check serving a page from a named volume, and a client that waits for it to be healthy and
//! fetches the page by service name), brought up, looked at, changed and taken down; and the
//! mistakes a compose file can hold.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::harness::{Env, Run, env_with};

const COMPOSE: &str = r#"
name: demo
x-common: &common
  image: busybox
services:
  web:
    <<: *common
    command: sh -c 'echo "hello from ${GREETING:-nobody}" > /www/index.html; exec httpd -f -p 80 -h /www'
    volumes:
      - site:/www
    ports:
      - "127.0.0.1:28731:80"
    healthcheck:
      test: ["CMD-SHELL", "wget -qO- http://localhost/ >/dev/null"]
      interval: 200ms
      retries: 50
  client:
    <<: *common
    depends_on:
      web:
        condition: service_healthy
    command: ["wget", "-qO-", "http://web/"]
volumes:
  site:
"#;

/// A project directory with `files` in it, owned by the test user.
fn project(env: &Env, files: &[(&str, &str)]) -> PathBuf {
    let dir = env.root.join("app");
    fs::create_dir_all(&dir).unwrap();
    for (name, text) in files {
        let path = dir.join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    env.own(&dir);
    dir
}

/// `nook compose ARGS` in `dir`.
fn compose(env: &Env, dir: &Path, args: &[&str]) -> Run {
    let mut all = vec!["compose"];
    all.extend(args);
    let mut cmd = env.command(crate::harness::nook_bin());
    cmd.args(&all).current_dir(dir);
    Run::new(cmd, format!("nook {}", all.join(" ")))
}

#[test]
fn a_two_tier_application_comes_up_changes_and_goes() {
    let env = env_with("overlay");
    let dir = project(
        &env,
        &[("compose.yaml", COMPOSE), (".env", "GREETING=dotenv\n")],
    );
    let up = compose(&env, &dir, &["up", "-d", "--wait"]).ok();
    for line in [
        "Network demo_default  Created",
        "Volume demo_site  Created",
        "Container demo-web-1  Started",
        "Container demo-client-1  Started",
    ] {
        assert!(up.stderr.contains(line), "{up}");
    }
    // The client waited for the web server's health, then found it by its service name.
    let logs = compose(&env, &dir, &["logs", "client"]).ok();
    assert_eq!(
        logs.stdout, "demo-client-1  | hello from dotenv\n",
        "{logs}"
    );
    let ps = compose(&env, &dir, &["ps", "-a"]).ok().stdout;
    assert!(
        ps.contains("demo-web-1") && ps.contains("(healthy)"),
        "{ps}"
    );
    assert!(ps.contains("127.0.0.1:28731->80/tcp"), "{ps}");
    assert!(
        ps.contains("demo-client-1") && ps.contains("Exited (0)"),
        "{ps}"
    );
    // The published port, from the host.
    let page = env
        .nook(&[
            "run",
            "--rm",
            "--network",
            "host",
            "busybox",
            "wget",
            "-qO-",
            "http://127.0.0.1:28731/",
        ])
        .ok();
    assert_eq!(page.stdout, "hello from dotenv\n");
    let port = compose(&env, &dir, &["port", "web", "80"]).ok();
    assert_eq!(port.stdout, "127.0.0.1:28731\n");
    let top = compose(&env, &dir, &["top", "web"]).ok().stdout;
    assert!(
        top.starts_with("demo-web-1\n") && top.contains("httpd"),
        "{top}"
    );
    let images = compose(&env, &dir, &["images"]).ok().stdout;
    assert!(
        images.contains("demo-web-1") && images.contains("localhost/busybox"),
        "{images}"
    );
    // Labelled as docker compose labels them.
    let label = env
        .nook(&[
            "inspect",
            "-f",
            "{{index .Config.Labels \"com.docker.compose.service\"}}",
            "demo-web-1",
        ])
        .ok();
    assert_eq!(label.stdout, "web\n");

    // Again, unchanged: the server is left running.
    let web_id = env
        .nook(&["inspect", "-f", "{{.Id}}", "demo-web-1"])
        .ok()
        .stdout;
    let again = compose(&env, &dir, &["up", "-d"]).ok();
    assert!(
        again.stderr.contains("Container demo-web-1  Running"),
        "{again}"
    );
    assert_eq!(
        env.nook(&["inspect", "-f", "{{.Id}}", "demo-web-1"])
            .ok()
            .stdout,
        web_id
    );
    // A changed service, and only it, is made anew.
    let changed = COMPOSE.replace("http://web/", "http://demo-web-1/");
    fs::write(dir.join("compose.yaml"), &changed).unwrap();
    let third = compose(&env, &dir, &["up", "-d"]).ok();
    assert!(
        third.stderr.contains("Container demo-web-1  Running"),
        "{third}"
    );
    assert!(
        third.stderr.contains("Container demo-client-1  Recreated"),
        "{third}"
    );
    let services = compose(&env, &dir, &["config", "--services"]).ok();
    assert_eq!(services.stdout, "client\nweb\n");
    let config = compose(&env, &dir, &["config"]).ok().stdout;
    assert!(
        config.contains("hello from dotenv") && config.contains("name: demo_site"),
        "{config}"
    );

    let down = compose(&env, &dir, &["down", "-v", "-t", "1"]).ok();
    assert!(down.stderr.contains("Volume demo_site  Removed"), "{down}");
    assert_eq!(env.nook(&["ps", "-aq"]).ok().stdout, "");
    assert_eq!(env.nook(&["volume", "ls", "-q"]).ok().stdout, "");
    assert_eq!(
        env.nook(&["network", "ls", "-q", "-f", "type=custom"])
            .ok()
            .stdout,
        ""
    );
}

#[test]
fn compose_file_mistakes_are_clear() {
    let env = env_with("overlay");
    let cases: &[(&str, &str)] = &[
        (
            "services:\n  web:\n    image: busybox\n    colour: red\n",
            "compose.yaml:4: unknown key \"colour\"",
        ),
        (
            "services:\n  a:\n    image: busybox\n    depends_on: [b]\n  b:\n    image: busybox\n    depends_on: [a]\n",
            "in a circle",
        ),
        (
            "services:\n  web:\n    image: ${IMAGE:?set IMAGE to the image to run}\n",
            "variable IMAGE is required: set IMAGE to the image to run",
        ),
        (
            "services:\n  web:\n    command: echo\n",
            "has neither an image nor a build",
        ),
        (
            "services:\n  web:\n    image: busybox\n    volumes: [data:/d]\n",
            "uses volume \"data\", which is not defined",
        ),
        ("services: [", "compose.yaml"),
    ];
    for (text, says) in cases {
        let dir = project(&env, &[("compose.yaml", text)]);
        compose(&env, &dir, &["config"])
            .output()
            .code(125)
            .stderr_has(says);
    }
    let empty = env.root.join("empty");
    fs::create_dir_all(&empty).unwrap();
    compose(&env, &empty, &["ps"])
        .output()
        .code(125)
        .stderr_has("no compose file");
}

/// Several files merged, `extends`, profiles, `--scale` (every replica answers to the
/// service's name), `exec`, `run`, `stop`/`start`, `ls`.
#[test]
fn files_merge_services_extend_scale_and_take_commands() {
    let env = env_with("overlay");
    let base = r#"
services:
  base:
    image: busybox
    environment:
      ROLE: base
    command: ["sleep", "300"]
  worker:
    extends: base
    environment:
      ROLE: worker
  debug:
    extends:
      service: base
    profiles: [debug]
"#;
    let over = r#"
services:
  worker:
    labels:
      tier: back
"#;
    let dir = project(
        &env,
        &[("compose.yaml", base), ("compose.override.yaml", over)],
    );
    let f = |args: &[&str]| {
        let mut all = vec![
            "-f",
            "compose.yaml",
            "-f",
            "compose.override.yaml",
            "-p",
            "multi",
        ];
        all.extend(args);
        compose(&env, &dir, &all)
    };
    let up = f(&["up", "-d", "--scale", "worker=3"]).ok();
    assert!(
        up.stderr.contains("Container multi-worker-3  Started"),
        "{up}"
    );
    assert!(
        !up.stderr.contains("debug"),
        "a profile's service stays down: {up}"
    );
    let ps = f(&["ps", "-q"]).ok().stdout;
    assert_eq!(ps.lines().count(), 4, "base and three workers: {ps}");
    // Merged and extended: the override's label, the base's command, its own environment.
    let role = f(&[
        "exec",
        "-T",
        "--index",
        "2",
        "worker",
        "sh",
        "-c",
        "echo $ROLE",
    ])
    .ok()
    .stdout;
    assert_eq!(role, "worker\n");
    let label = env
        .nook(&[
            "inspect",
            "-f",
            "{{index .Config.Labels \"tier\"}}",
            "multi-worker-2",
        ])
        .ok();
    assert_eq!(label.stdout, "back\n");
    // Every replica answers to the service's name.
    let answers = f(&["exec", "-T", "base", "nslookup", "worker"]).ok().stdout;
    assert_eq!(
        answers
            .lines()
            .filter(|l| l.starts_with("Address: 10."))
            .count(),
        3,
        "{answers}"
    );
    // A one-off container, its status passed on.
    f(&[
        "run",
        "--rm",
        "-T",
        "worker",
        "sh",
        "-c",
        "test $ROLE = worker && exit 5",
    ])
    .output()
    .code(5);
    let up = f(&["--profile", "debug", "up", "-d", "debug"]).ok();
    assert!(
        up.stderr.contains("Container multi-debug-1  Started"),
        "{up}"
    );
    f(&["stop", "-t", "1", "worker"]).ok();
    let ls = f(&["ls"]).ok().stdout;
    assert!(
        ls.contains("multi") && ls.contains("running(2), exited(3)"),
        "{ls}"
    );
    f(&["start", "worker"]).ok();
    assert_eq!(f(&["ps", "-q"]).ok().stdout.lines().count(), 5);
    f(&["--profile", "debug", "down", "-t", "1"]).ok();
    assert_eq!(env.nook(&["ps", "-aq"]).ok().stdout, "");
}

/// A service built from a Containerfile (`build:` with its arguments), and `up` in the
/// foreground: the services' output, prefixed, until a SIGTERM stops them (status 130).
#[test]
fn built_services_and_a_foreground_up() {
    let env = env_with("overlay");
    let file = r#"
services:
  app:
    build:
      context: ./app
      args:
        WORD: built-here
    command: ["sh", "-c", "cat /word; exec sleep 300"]
    stop_grace_period: 1s
"#;
    let dir = project(
        &env,
        &[
            ("compose.yaml", file),
            (
                "app/Containerfile",
                "FROM busybox\nARG WORD\nRUN echo $WORD > /word\n",
            ),
        ],
    );
    let mut up = compose(&env, &dir, &["-p", "fg", "up"]).spawn();
    crate::harness::wait_until(Duration::from_secs(60), "the app's first line", || {
        env.nook(&["logs", "fg-app-1"]).output().stdout == "built-here\n"
    });
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(up.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let (status, out, err) =
        crate::harness::wait_with_timeout(&mut up, Duration::from_secs(30), "compose up");
    assert_eq!(status.code(), Some(130), "{err}");
    assert!(out.contains("fg-app-1  | built-here"), "{out}");
    assert!(
        err.contains("Image fg-app  Built") && err.contains("Gracefully stopping"),
        "{err}"
    );
    let state = env
        .nook(&["inspect", "-f", "{{.State.Status}}", "fg-app-1"])
        .ok();
    assert_eq!(state.stdout, "exited\n");
    // Up again: the image is there, not built again.
    let again = compose(&env, &dir, &["-p", "fg", "up", "-d"]).ok();
    assert!(!again.stderr.contains("Built"), "{again}");
    compose(&env, &dir, &["-p", "fg", "down", "-t", "1"]).ok();
}
