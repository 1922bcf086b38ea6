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
    // A billion laughs (anchors of anchors), and brackets nested 100 000 deep: refused at
    // once, not after minutes or gigabytes.
    let mut laughs = String::from("x-0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        laughs.push_str(&format!(
            "x-{i}: &a{i} [{}]\n",
            vec![format!("*a{}", i - 1); 10].join(", ")
        ));
    }
    laughs.push_str("services:\n  web:\n    image: busybox\n    command: *a9\n");
    let deep = format!(
        "services:\n  web:\n    image: busybox\n    labels: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
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
        (
            "services:\n  web:\n    image: busybox\n    secrets: [pw]\n",
            "uses secret \"pw\", which is not defined under secrets:",
        ),
        (
            "services:\n  web:\n    image: busybox\nsecrets:\n  ../../pw:\n    file: x\n",
            "invalid secret name \"../../pw\"",
        ),
        (
            "services:\n  web:\n    image: busybox\nconfigs:\n  c:\n    external: true\n",
            "external configs live in a docker swarm",
        ),
        (
            "services:\n  ../x:\n    image: busybox\n",
            "invalid service name \"../x\"",
        ),
        (&laughs, "repetition limit exceeded"),
        (&deep, "nested more than 100 deep"),
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

/// Configs and secrets from a file, a variable and inline text (at docker compose's places,
/// with a mode); a service on another's network (`network_mode: service:X`); `config` in
/// the canonical form; `logs --tail -t --no-log-prefix`; `push` of the services' images to a
/// real registry; and an `up` that fails half way takes away what it made.
#[test]
fn configs_secrets_a_shared_network_logs_push_and_a_failed_up_undone() {
    let server = crate::registry_server::RegistryServer::start();
    let env = env_with("overlay");
    let image = format!("{}/demo/app:1", server.addr);
    env.nook(&["tag", "busybox", &image]).ok();
    let text = format!(
        r#"
services:
  web:
    image: {image}
    command: sh -c 'cat /run/secrets/pw /run/secrets/tok; echo; cat /motd /etc/app.conf; stat -c %a /run/secrets/tok; exec httpd -f -p 8080 -h /'
    env_file: [app.env]
    environment: {{ B: from-the-file }}
    ports: ["8080"]
    volumes: ["./site:/srv:ro"]
    secrets:
      - pw
      - source: tok
        mode: 0400
    configs:
      - motd
      - source: app
        target: /etc/app.conf
  side:
    image: busybox
    network_mode: service:web
    command: sleep 1000
  echoer:
    image: busybox
    stdin_open: true
    command: sh -c 'while read l; do echo "got $$l"; [ "$$l" = bye ] && exit 7; done'
secrets:
  pw: {{ file: ./pw.txt }}
  tok: {{ environment: TOKEN }}
configs:
  motd: {{ content: "hello config\n" }}
  app: {{ file: ./app.conf }}
"#
    );
    let dir = project(
        &env,
        &[
            ("compose.yaml", &text),
            ("app.env", "A=from-env-file\nB=overridden\n"),
            ("pw.txt", "secret-pw\n"),
            ("app.conf", "app-conf\n"),
            ("site/index.html", "site\n"),
        ],
    );
    let config = compose(&env, &dir, &["config"]).ok();
    for says in [
        "    - target: 8080\n      protocol: tcp\n      mode: ingress\n",
        "      A: from-env-file\n      B: from-the-file\n",
        &format!("    - type: bind\n      source: {}/site\n", dir.display()),
        "      target: /srv\n      read_only: true\n",
        "    networks:\n      default: null\n",
        &format!("    file: {}/pw.txt\n", dir.display()),
        "    network_mode: service:web\n",
    ] {
        assert!(config.stdout.contains(says), "{says:?} in {config}");
    }
    // TOKEN is not set: nothing is left of the attempt.
    compose(&env, &dir, &["up", "-d"])
        .output()
        .code(125)
        .stderr_has("comes from variable TOKEN, which is not set")
        .stderr_has("Network app_default  Removed");
    let left = env.nook(&["network", "ls"]).ok().stdout;
    assert!(!left.contains("app_default"), "{left}");
    assert!(env.container_ids().is_empty());
    fs::write(dir.join(".env"), "TOKEN=tok-value\n").unwrap();
    env.own(&dir);
    compose(&env, &dir, &["up", "-d", "--wait"]).ok();
    let mut logs = String::new();
    crate::harness::wait_until(Duration::from_secs(20), "web's output", || {
        logs = compose(&env, &dir, &["logs", "--no-log-prefix", "web"])
            .ok()
            .stdout;
        logs.ends_with("400\n")
    });
    assert_eq!(logs, "secret-pw\ntok-value\nhello config\napp-conf\n400\n");
    let last = compose(&env, &dir, &["logs", "-n", "1", "-t"]).ok();
    let lines: Vec<&str> = last.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{last}");
    assert!(
        lines[0].starts_with("app-web-1 ")
            && lines[0].contains("  | 20")
            && lines[0].ends_with("Z 400"),
        "{last}"
    );
    // ps as scripts read it.
    let ps = compose(&env, &dir, &["ps", "--format", "json"]).ok();
    let mut seen: Vec<(String, String)> = ps
        .stdout
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["Service"].as_str().unwrap().into(),
                v["State"].as_str().unwrap().into(),
            )
        })
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            ("echoer", "running"),
            ("side", "running"),
            ("web", "running")
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    let mut services: Vec<String> = compose(&env, &dir, &["ps", "--services"])
        .ok()
        .stdout
        .lines()
        .map(String::from)
        .collect();
    services.sort();
    assert_eq!(services, ["echoer", "side", "web"]);
    compose(
        &env,
        &dir,
        &["ps", "--format", "{{.Name}} {{.Publishers}}", "web"],
    )
    .ok()
    .stdout_has("app-web-1 [map[");
    // attach: the service's input and output, its exit status ours.
    let out = compose(&env, &dir, &["attach", "echoer"])
        .stdin(b"hello\nbye\n")
        .output()
        .code(7);
    assert_eq!(out.stdout, "got hello\ngot bye\n", "{out}");
    // The side car shares web's network: web's server is on its localhost.
    compose(
        &env,
        &dir,
        &[
            "exec",
            "-T",
            "side",
            "wget",
            "-qO-",
            "http://127.0.0.1:8080/motd",
        ],
    )
    .ok()
    .stdout_has("hello config");
    // busybox (side's) names no registry here: only web's image can go.
    compose(&env, &dir, &["push", "side"])
        .output()
        .code(1)
        .stderr_has("service side");
    compose(&env, &dir, &["push", "--ignore-push-failures"])
        .ok()
        .stderr_has(&format!("Image {image}  Pushed"))
        .stderr_has("warning: service side");
    crate::harness::Env::new()
        .nook(&["run", "--rm", &image, "echo", "pulled back"])
        .ok()
        .stdout_has("pulled back");
    compose(&env, &dir, &["down", "-v"]).ok();
    assert!(env.container_ids().is_empty());
    assert!(!env.data.join("nook/compose/app").exists());
}

/// The same compose file brought up by podman-compose (Debian's, driving podman) and by
/// nook: the same page from the host's published port, the same answer to the client that
/// finds the server by its service name (`.env` and `$$` read alike), and `down -v`
/// leaves nothing of either. (podman-compose has no `config` to compare.)
#[test]
fn podman_compose_and_nook_give_the_same_answers() {
    crate::harness::require("podman-compose");
    let mut env = env_with("overlay");
    // podman's own store and settings in the test's directory (vfs, runc and cgroupfs: see
    // scripts/setup-host), and its copy of the same busybox.
    let (storage, containers) = (
        env.root.join("storage.conf"),
        env.root.join("containers.conf"),
    );
    fs::write(
        &storage,
        format!(
            "[storage]\ndriver = \"vfs\"\ngraphroot = \"{0}/podman-root\"\nrunroot = \"{0}/podman-run\"\n",
            env.root.display()
        ),
    )
    .unwrap();
    fs::write(
        &containers,
        "[engine]\nruntime = \"runc\"\ncgroup_manager = \"cgroupfs\"\nevents_logger = \"file\"\n",
    )
    .unwrap();
    env.extra_env.extend([
        (
            "CONTAINERS_STORAGE_CONF".into(),
            storage.display().to_string(),
        ),
        ("CONTAINERS_CONF".into(), containers.display().to_string()),
    ]);
    let tar = env.root.join("busybox.tar");
    let podman = |args: &[&str]| {
        let mut cmd = env.command("podman");
        cmd.args(args);
        Run::new(cmd, format!("podman {}", args.join(" ")))
    };
    podman(&["import", tar.to_str().unwrap(), "localhost/busybox"]).ok();
    let dir = project(
        &env,
        &[
            (
                "compose.yaml",
                r#"
services:
  web:
    image: ${IMAGE}
    command: sh -c 'echo "hello from $$GREETING" > /www/index.html; exec httpd -f -p 80 -h /www'
    environment:
      GREETING: ${GREETING:-nobody}
    volumes: [site:/www]
    ports: ["127.0.0.1:${PORT}:80"]
  client:
    image: ${IMAGE}
    depends_on: [web]
    command: sh -c 'until wget -qO- http://web/; do sleep 0.2; done'
volumes:
  site:
"#,
            ),
            (".env", "GREETING=dotenv\n"),
        ],
    );
    let port = crate::harness::free_port();
    let tool = |program: &str, image: &str, args: &[&str]| {
        let mut cmd = env.command(program);
        cmd.args(args)
            .current_dir(&dir)
            .env("IMAGE", image)
            .env("PORT", port.to_string());
        Run::new(cmd, format!("{program} {}", args.join(" ")))
    };
    let mut answers = Vec::new();
    for (program, image, client_logs) in [
        (
            crate::harness::nook_bin().to_str().unwrap().to_string(),
            "busybox",
            vec!["compose", "logs", "--no-log-prefix", "client"],
        ),
        (
            "podman-compose".to_string(),
            "localhost/busybox",
            vec!["logs", "client"],
        ),
    ] {
        let compose_args = |args: &[&str]| -> Vec<String> {
            let mut all: Vec<String> = match program.ends_with("nook") {
                true => vec!["compose".into()],
                false => Vec::new(),
            };
            all.extend(args.iter().map(|a| a.to_string()));
            all
        };
        let run = |args: &[&str]| {
            let all = compose_args(args);
            tool(
                &program,
                image,
                &all.iter().map(String::as_str).collect::<Vec<_>>(),
            )
        };
        run(&["up", "-d"]).ok();
        let mut page = String::new();
        crate::harness::wait_until(Duration::from_secs(30), "the published page", || {
            page = crate::harness::http_get(port, "/").unwrap_or_default();
            !page.is_empty()
        });
        let mut client = String::new();
        crate::harness::wait_until(Duration::from_secs(30), "the client's answer", || {
            // podman-compose prints the podman command line it runs, too.
            let out = tool(&program, image, &client_logs).ok().stdout;
            client = out
                .lines()
                .filter(|l| l.starts_with("hello"))
                .collect::<Vec<_>>()
                .join("\n");
            !client.is_empty()
        });
        answers.push((page, client));
        run(&["down", "-v"]).ok();
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0].0, "hello from dotenv\n");
    assert!(env.container_ids().is_empty());
    for (what, list) in [
        ("containers", podman(&["ps", "-aq"]).ok().stdout),
        ("volumes", podman(&["volume", "ls", "-q"]).ok().stdout),
        ("volumes", env.nook(&["volume", "ls", "-q"]).ok().stdout),
    ] {
        assert_eq!(list.trim(), "", "{what} left");
    }
    let networks = env.nook(&["network", "ls"]).ok().stdout;
    assert!(!networks.contains("app_default"), "{networks}");
}

/// A service on two networks (`networks: [front, back]`) reaches the services of both by
/// name; the others reach only their own network's.
#[test]
fn a_service_on_two_networks_joins_both() {
    let env = env_with("overlay");
    let httpd = |body: &str| {
        format!("sh -c 'mkdir -p /w && echo {body} > /w/index.html && exec httpd -f -p 80 -h /w'")
    };
    let text = format!(
        r#"
services:
  proxy:
    image: busybox
    command: {proxy}
    networks: [front]
  api:
    image: busybox
    command: {api}
    networks:
      front:
      back:
        aliases: [service-api]
  db:
    image: busybox
    command: {db}
    networks: [back]
networks:
  front: {{}}
  back: {{ internal: true }}
"#,
        proxy = httpd("from-proxy"),
        api = httpd("from-api"),
        db = httpd("from-db"),
    );
    let dir = project(&env, &[("compose.yaml", &text)]);
    compose(&env, &dir, &["up", "-d"]).ok();
    let get = |from: &str, script: &str| {
        let mut out = String::new();
        crate::harness::wait_until(Duration::from_secs(10), "the servers", || {
            out = compose(&env, &dir, &["exec", "-T", from, "sh", "-c", script])
                .output()
                .stdout;
            !out.is_empty() && !out.contains("refused")
        });
        out
    };
    assert_eq!(
        get("api", "wget -q -O- http://proxy/; wget -q -O- http://db/"),
        "from-proxy\nfrom-db\n"
    );
    assert_eq!(
        get("proxy", "wget -q -O- http://api/; grep -cw db /etc/hosts"),
        "from-api\n0\n"
    );
    assert_eq!(
        get(
            "db",
            "wget -q -O- http://service-api/; grep -c proxy /etc/hosts"
        ),
        "from-api\n0\n"
    );
    compose(&env, &dir, &["down"]).ok();
    let left = env.nook(&["network", "ls"]).ok().stdout;
    assert!(
        !left.contains("app_front") && !left.contains("app_back"),
        "{left}"
    );
    assert!(env.container_ids().is_empty());
}
