//! Managing the store: tags, removal and garbage collection, prune, inspect, history, disk
//! use, `system check [--repair]`, `save` read back by podman and by nook, and images and
//! tarballs made of containers (`commit`, `export`, `diff`).

use std::fs;

use serde_json::Value;

use crate::harness::{Env, Run, require};
use crate::images::busybox_rootfs;

fn images_json(env: &Env) -> Vec<Value> {
    serde_json::from_str(&env.nook(&["images", "--format", "json"]).ok().stdout).unwrap()
}

fn import(env: &Env, name: &str, changes: &[&str]) {
    let tar = env.file("rootfs.tar", &busybox_rootfs().finish());
    let mut args = vec!["import"];
    for c in changes {
        args.extend(["--change", c]);
    }
    args.extend([tar.to_str().unwrap(), name]);
    env.nook(&args).ok();
}

/// podman as the test user, with its own storage in this test's directory.
pub fn podman(env: &Env, args: &[&str]) -> Run {
    require("podman");
    let mut cmd = env.command("podman");
    cmd.arg("--root")
        .arg(env.root.join("podman-root"))
        .arg("--runroot")
        .arg(env.root.join("podman-run"))
        .args([
            "--storage-driver=vfs",
            "--cgroup-manager=cgroupfs",
            "--events-backend=file",
            "--runtime=runc",
        ])
        .args(args);
    Run::new(cmd, format!("podman {}", args.join(" ")))
}

#[test]
fn tags_removal_and_garbage_collection() {
    let env = Env::new();
    import(&env, "a", &[]);
    env.nook(&["tag", "a", "b:1", "registry.test:5000/team/c:2"])
        .ok();
    let listed = images_json(&env);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["Names"].as_array().unwrap().len(), 3);
    env.nook(&["rmi", "b:1"])
        .ok()
        .stdout_has("Untagged: localhost/b:1");
    env.nook(&["rmi", &listed[0]["Id"].as_str().unwrap()[..12]])
        .output()
        .code(1)
        .stderr_has("several names");
    env.nook(&["rmi", "registry.test:5000/team/c:2"]).ok();
    let out = env.nook(&["rmi", "a"]).ok();
    assert!(out.stdout.contains("Deleted: sha256:"), "{out}");
    assert!(images_json(&env).is_empty());
    for sub in ["blobs/sha256", "layers"] {
        assert!(
            env.store_entries(sub).is_empty(),
            "{sub}: {:?}",
            env.store_entries(sub)
        );
    }
    env.nook(&["rmi", "a"])
        .output()
        .code(1)
        .stderr_has("not in the local store");
}

#[test]
fn images_in_use_are_kept_and_shared_layers_survive() {
    let env = Env::new();
    import(&env, "one", &["CMD [\"true\"]"]);
    import(&env, "two", &["CMD [\"false\"]"]);
    assert_eq!(
        env.store_entries("layers").len(),
        1,
        "the two images share their layer"
    );
    env.nook(&["run", "--name", "user", "one"]).ok();
    env.nook(&["rmi", "one"])
        .output()
        .code(1)
        .stderr_has("used by container");
    env.nook(&["rmi", "two"]).ok();
    assert_eq!(
        env.store_entries("layers").len(),
        1,
        "one still needs the layer"
    );
    let out = env.nook(&["rmi", "-f", "one"]).ok();
    assert!(out.stdout.contains("Removed container: user"), "{out}");
    assert!(env.container_ids().is_empty());
    assert!(env.store_entries("layers").is_empty());
}

#[test]
fn prune_removes_untagged_then_unused_images() {
    let env = Env::new();
    import(&env, "app", &["ENV V=1"]);
    import(&env, "app", &["ENV V=2"]);
    import(&env, "kept", &["ENV V=3"]);
    import(&env, "idle", &["ENV V=4"]);
    env.nook(&["run", "--name", "k", "kept", "true"]).ok();
    assert_eq!(images_json(&env).len(), 4, "the first app is now untagged");
    env.nook(&["image", "prune"]).ok();
    assert_eq!(images_json(&env).len(), 3);
    env.nook(&["image", "prune", "-a"]).ok();
    let left: Vec<String> = images_json(&env)
        .iter()
        .map(|i| i["Names"][0].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        left,
        vec!["localhost/kept:latest"],
        "only the image a container uses stays"
    );
}

#[test]
fn inspect_history_and_disk_usage() {
    let env = Env::new();
    import(&env, "tool:3", &["CMD [\"sh\"]", "LABEL team=infra"]);
    let out = env.nook(&["image", "inspect", "tool:3"]).ok();
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v[0]["RepoTags"][0], "localhost/tool:3");
    assert_eq!(v[0]["Config"]["Cmd"][0], "sh");
    assert_eq!(v[0]["Config"]["Labels"]["team"], "infra");
    assert_eq!(v[0]["RootFS"]["Layers"].as_array().unwrap().len(), 1);
    assert!(v[0]["Size"].as_u64().unwrap() > 1_000_000);
    assert!(
        v[0]["RepoDigests"][0]
            .as_str()
            .unwrap()
            .starts_with("localhost/tool@sha256:")
    );
    let history = env.nook(&["history", "tool:3"]).ok();
    assert!(history.stdout.contains("nook import"), "{history}");
    assert!(history.stdout.contains("MB"), "{history}");
    let df = env.nook(&["system", "df"]).ok();
    let images_line = df.stdout.lines().find(|l| l.starts_with("Images")).unwrap();
    assert!(images_line.split_whitespace().nth(1) == Some("1"), "{df}");
    env.nook(&["image", "inspect", "nothere"]).output().code(1);
}

#[test]
fn check_finds_and_repairs_damage() {
    let env = Env::new();
    import(&env, "victim", &[]);
    import(&env, "other", &["ENV X=1"]);
    env.nook(&["system", "check"]).ok().stdout_has("consistent");
    // A layer directory lost (its blob is sound): repair unpacks it again.
    let layer = env.store_entries("layers")[0].clone();
    fs::remove_dir_all(env.store().join("layers").join(&layer)).unwrap();
    env.nook(&["system", "check"])
        .output()
        .code(1)
        .stdout_has("not unpacked");
    env.nook(&["system", "check", "--repair"])
        .ok()
        .stdout_has("unpacked again");
    env.nook(&["run", "--rm", "victim", "true"]).ok();
    // A blob whose bytes changed: removed, and the images needing it go.
    let blob = env.store().join("blobs/sha256").join(&layer);
    let mut bytes = fs::read(&blob).unwrap();
    bytes[1000] ^= 0xff;
    fs::write(&blob, bytes).unwrap();
    env.nook(&["system", "check"])
        .output()
        .code(1)
        .stdout_has("does not match its digest");
    env.nook(&["system", "check", "--repair"]).ok();
    env.nook(&["system", "check"]).ok().stdout_has("consistent");
    assert!(
        images_json(&env).is_empty(),
        "both images used the corrupt layer blob"
    );
}

#[test]
fn saved_archives_load_in_podman_and_nook() {
    let env = Env::new();
    import(&env, "saved:1", &["CMD [\"echo\", \"from-nook\"]"]);
    let id = images_json(&env)[0]["Id"].as_str().unwrap().to_string();
    for (format, file) in [("docker-archive", "d.tar"), ("oci-archive", "o.tar")] {
        let path = env.root.join(file);
        env.nook(&[
            "save",
            "--format",
            format,
            "-o",
            path.to_str().unwrap(),
            "saved:1",
        ])
        .ok();
        // nook reads it back as the same image.
        let other = Env::new();
        let copy = other.file(file, &fs::read(&path).unwrap());
        other
            .nook(&["load", "-i", copy.to_str().unwrap()])
            .ok()
            .stdout_has("localhost/saved:1");
        assert_eq!(
            images_json(&other)[0]["Id"],
            id.as_str(),
            "{format}: same image id"
        );
        other
            .nook(&["run", "--rm", "saved:1"])
            .ok()
            .stdout_has("from-nook");
        // podman reads it, with the same id, and runs it.
        podman(&env, &["load", "-i", path.to_str().unwrap()]).ok();
        let ids = podman(&env, &["images", "--no-trunc", "--format", "{{.ID}}"]).ok();
        assert!(ids.stdout.contains(&id), "{format}: {ids}");
        podman(
            &env,
            &["run", "--rm", "--network", "none", "localhost/saved:1"],
        )
        .ok()
        .stdout_has("from-nook");
        podman(&env, &["rmi", "-f", "localhost/saved:1"]).ok();
    }
    // A failed save leaves no half archive.
    let ro = env.root.join("ro");
    fs::create_dir(&ro).unwrap();
    env.nook(&["save", "-o", ro.join("x.tar").to_str().unwrap(), "saved:1"])
        .output()
        .code(125);
    assert!(fs::read_dir(&ro).unwrap().next().is_none());
}

/// docker's `--format`: Go templates over ps, images, volume ls, network ls and every
/// inspect, with docker's field names, functions and `table` headers; `json` kept; a missing
/// object is exit 1 (the others printed), a broken template exit 125.
#[test]
fn go_templates_format_as_docker_does() {
    let env = crate::harness::env_with("overlay");
    env.nook(&["volume", "create", "-l", "k=v", "data"]).ok();
    env.nook(&["network", "create", "backend"]).ok();
    let id = env.run_detached(&[
        "--name",
        "web",
        "-l",
        "tier=front",
        "-v",
        "data:/data",
        "busybox",
        "sleep",
        "100",
    ]);
    let out = |args: &[&str]| env.nook(args).ok().stdout;
    assert_eq!(out(&["ps", "--format", "{{.Names}}"]), "web\n");
    assert_eq!(
        out(&[
            "ps",
            "--format",
            "{{.Names}} {{.State}} {{.Labels}} {{.Mounts}} {{.Command}}"
        ]),
        "web running tier=front data \"sleep 100\"\n"
    );
    let table = out(&["ps", "--format", "table {{.Names}}\\t{{.Image}}"]);
    assert_eq!(table, "NAMES     IMAGE\nweb       busybox\n");
    let ps = out(&["ps"]);
    assert!(ps.starts_with("CONTAINER ID   IMAGE"), "{ps}");
    assert!(ps.contains("PORTS"), "{ps}");

    let pid = out(&["inspect", "-f", "{{.State.Pid}}", "web"]);
    let pid: u32 = pid.trim().parse().unwrap();
    assert!(std::path::Path::new(&format!("/proc/{pid}")).exists());
    assert_eq!(
        out(&[
            "inspect",
            "--format",
            "{{.Name}} {{.State.Status}} {{json .Config.Labels}} {{index .Config.Labels \"tier\"}}",
            &id
        ]),
        "/web running {\"tier\":\"front\"} front\n"
    );
    assert_eq!(
        out(&[
            "container",
            "inspect",
            "-f",
            "{{upper .State.Status}}",
            "web"
        ]),
        "RUNNING\n"
    );
    assert_eq!(
        out(&[
            "image",
            "inspect",
            "-f",
            "{{.Os}}/{{.Architecture}}",
            "busybox"
        ]),
        format!(
            "linux/{}\n",
            if cfg!(target_arch = "x86_64") {
                "amd64"
            } else {
                "arm64"
            }
        )
    );
    assert_eq!(
        out(&[
            "volume",
            "inspect",
            "-f",
            "{{.Name}} {{.Driver}} {{.Labels.k}}",
            "data"
        ]),
        "data local v\n"
    );
    assert_eq!(
        out(&[
            "network",
            "inspect",
            "-f",
            "{{.Name}} {{.Driver}}",
            "backend"
        ]),
        "backend bridge\n"
    );

    let images = out(&["images", "--format", "{{.Repository}}:{{.Tag}}"]);
    assert!(
        images.lines().any(|l| l == "localhost/busybox:latest"),
        "{images}"
    );
    assert_eq!(
        out(&["images", "busybox", "--format", "{{.Repository}}"]),
        "localhost/busybox\n"
    );
    assert_eq!(out(&["images", "nothing-like-it", "-q"]).lines().count(), 0);
    assert_eq!(
        out(&["volume", "ls", "--format", "{{.Name}}={{.Labels}}"]),
        "data=k=v\n"
    );
    assert_eq!(
        out(&[
            "network",
            "ls",
            "--format",
            "{{.Name}} {{.Driver}} {{.Scope}}"
        ]),
        "pasta pasta local\nhost host local\nnone null local\nbackend bridge local\n"
    );
    assert_eq!(
        out(&[
            "network",
            "ls",
            "-f",
            "type=custom",
            "-f",
            "name=back",
            "-q"
        ]),
        "backend\n"
    );
    env.nook(&["network", "rm", "host"])
        .output()
        .code(1)
        .stderr_has("built-in network");
    let nets = out(&["network", "ls"]);
    assert!(
        nets.starts_with("NETWORK ID") && nets.contains("DRIVER"),
        "{nets}"
    );

    // Missing objects: the found ones printed, exit 1.
    let missing = env
        .nook(&["inspect", "-f", "{{.Name}}", "web", "no-such-thing"])
        .output()
        .code(1);
    assert_eq!(missing.stdout, "/web\n");
    assert!(
        missing.stderr.contains("No such object: no-such-thing"),
        "{missing}"
    );
    env.nook(&["inspect", "-f", "{{.Name", "web"])
        .output()
        .code(125)
        .stderr_has("template parsing error");
    // -l and -n: the containers created last, in any state.
    env.nook(&["create", "--name", "newest", "busybox", "true"])
        .ok();
    assert_eq!(out(&["ps", "-l", "--format", "{{.Names}}"]), "newest\n");
    assert_eq!(
        out(&["ps", "-n", "2", "--format", "{{.Names}}"]),
        "newest\nweb\n"
    );
    env.nook(&["rm", "newest"]).ok();
    let json: Value = serde_json::from_str(&out(&["ps", "--format", "json"])).unwrap();
    assert_eq!(json[0]["Names"][0], "web");
    env.nook(&["rm", "-f", "web"]).ok();
}

/// docker's exit statuses for removal: a missing container, image or volume is exit 1 (the
/// others removed all the same); `rm -f` and `volume rm -f` say nothing of missing ones and
/// exit 0; `--name /web` is web; `image prune -af` and `volume prune -f` are accepted.
#[test]
fn removal_verbs_exit_as_docker_does() {
    let env = crate::harness::env_with("overlay");
    env.nook(&["create", "--name", "/slashed", "busybox", "true"])
        .ok();
    env.nook(&["create", "--name", "other", "busybox", "true"])
        .ok();
    let missing = env.nook(&["rm", "bogus", "slashed"]).output().code(1);
    assert_eq!(missing.stdout, "slashed\n", "{missing}");
    assert!(
        missing.stderr.contains("no such container: bogus"),
        "{missing}"
    );
    let forced = env.nook(&["rm", "-f", "bogus", "other"]).output().code(0);
    assert_eq!(forced.stdout, "other\n");
    assert_eq!(forced.stderr, "");
    env.nook(&["rmi", "bogus"]).output().code(1);
    env.nook(&["volume", "create", "v1"]).ok();
    env.nook(&["volume", "rm", "bogus", "v1"]).output().code(1);
    assert_eq!(env.nook(&["volume", "ls", "-q"]).ok().stdout, "");
    env.nook(&["volume", "rm", "-f", "bogus"]).output().code(0);
    env.nook(&["network", "rm", "bogus"]).output().code(1);
    env.nook(&["volume", "prune", "-f"]).ok();
    env.nook(&["image", "prune", "-af"]).ok();
    assert!(env.container_ids().is_empty());
}

/// A shell script written against docker's CLI, run with nook answering to the name
/// `docker` (a link, as scripts, Makefiles and tools call it): versions, detached runs,
/// templates, exec, removal with -f of a missing name, and docker's exit statuses.
#[test]
fn a_docker_script_runs_through_a_docker_link() {
    let env = crate::harness::env_with("overlay");
    let bin = env.root.join("bin");
    fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(crate::harness::nook_bin(), bin.join("docker")).unwrap();
    let script = r#"set -e
docker version --format '{{.Client.Version}}'
docker run -d --name web -l app=demo busybox sleep 100 >/dev/null
docker ps --filter label=app=demo --format '{{.Names}} {{.State}}'
test "$(docker inspect -f '{{.State.Running}}' web)" = true
docker exec web sh -c 'echo from-exec > /note; cat /note'
docker diff web
docker commit -c 'CMD ["cat", "/note"]' web web-snapshot >/dev/null
docker run --rm web-snapshot
docker run --rm -t=false busybox sh -c 'exit 3' || echo "status $?"
docker events --since 1m --until 0s -f event=commit --format '{{.Actor.Attributes.name}}'
docker rm -f web no-such-container
docker ps -aq | wc -l
docker inspect web >/dev/null 2>&1 || echo "inspect status $?"
docker completion bash | grep -q 'complete -F _docker .* docker$' && echo completes-docker
"#;
    let out = Run::new(
        {
            let mut c = env.command("/bin/sh");
            c.arg("-c").arg(script);
            c
        },
        "a docker script".to_string(),
    )
    .env(
        "PATH",
        format!("{}:/usr/sbin:/usr/bin:/sbin:/bin", bin.display()),
    )
    .ok();
    assert_eq!(
        out.stdout,
        format!(
            "{}\nweb running\nfrom-exec\nA /note\nfrom-exec\nstatus 3\nweb\nweb\n0\ninspect status 1\ncompletes-docker\n",
            env!("CARGO_PKG_VERSION")
        ),
        "{out}"
    );
}

/// `commit`, `diff` and `export` of a container as docker gives them: what the container
/// added, changed and deleted (nook's own mount points left out), an image made of it with
/// the settings it ran with and `-c` changes, and its whole filesystem as a tar.
#[test]
fn commit_diff_and_export_a_container() {
    let env = crate::harness::env_with("overlay");
    env.nook(&[
        "run",
        "--name",
        "c",
        "-e",
        "FOO=bar",
        "-l",
        "team=db",
        "-v",
        "data:/mnt/vol",
        "busybox",
        "sh",
        "-c",
        "echo new > /tmp/new; chown 7:7 /tmp/new; rm /bin/ls; echo x >> /etc/passwd; \
         mkdir -p /srv/site; echo in-volume > /mnt/vol/f",
    ])
    .ok();
    let diff = env.nook(&["diff", "c"]).ok();
    assert_eq!(
        diff.stdout,
        "C /bin\nD /bin/ls\nC /etc\nC /etc/passwd\nA /srv\nA /srv/site\nC /tmp\nA /tmp/new\n",
        "{diff}"
    );

    let id = env
        .nook(&[
            "commit",
            "-m",
            "made by hand",
            "-a",
            "A. Person",
            "-c",
            r#"CMD ["cat", "/tmp/new"]"#,
            "-c",
            "ENV A=1",
            "c",
            "snap:1",
        ])
        .ok()
        .stdout;
    assert!(id.starts_with("sha256:"), "{id}");
    assert_eq!(env.nook(&["run", "--rm", "snap:1"]).ok().stdout, "new\n");
    let inside = env
        .nook(&[
            "run",
            "--rm",
            "snap:1",
            "sh",
            "-c",
            "test ! -e /bin/ls && echo $FOO $A && stat -c %u /tmp/new && ls /mnt/vol | wc -l",
        ])
        .ok();
    assert_eq!(inside.stdout, "bar 1\n7\n0\n", "{inside}");
    let seen = env
        .nook(&[
            "inspect",
            "-f",
            "{{.Author}}|{{index .Config.Labels \"team\"}}|{{len .RootFS.Layers}}",
            "snap:1",
        ])
        .ok();
    assert_eq!(seen.stdout, "A. Person|db|2\n", "{seen}");
    env.nook(&["history", "snap:1"])
        .ok()
        .stdout_has("made by hand");

    let tar_path = env.root.join("c.tar");
    env.nook(&["export", "-o", tar_path.to_str().unwrap(), "c"])
        .ok();
    let mut entries = std::collections::BTreeMap::new();
    for e in tar::Archive::new(fs::File::open(&tar_path).unwrap())
        .entries()
        .unwrap()
    {
        let e = e.unwrap();
        let path = e.path().unwrap().to_string_lossy().into_owned();
        entries.insert(path, e.header().uid().unwrap());
    }
    assert_eq!(entries.get("tmp/new"), Some(&7));
    assert_eq!(entries.get("bin/busybox"), Some(&0));
    assert!(!entries.contains_key("bin/ls"), "{entries:?}");
    assert!(!entries.contains_key("mnt/vol/f"), "{entries:?}");

    // A running container is committed as it is, and left running.
    env.nook(&[
        "run",
        "-d",
        "--name",
        "live",
        "busybox",
        "sh",
        "-c",
        "echo up > /up; sleep 60",
    ])
    .ok();
    crate::harness::wait_until(std::time::Duration::from_secs(10), "/up to be made", || {
        env.nook(&["exec", "live", "test", "-e", "/up"])
            .output()
            .code
            == 0
    });
    env.nook(&["commit", "live", "live:1"]).ok();
    let state = env
        .nook(&[
            "inspect",
            "-f",
            "{{.State.Status}} {{.State.Paused}}",
            "live",
        ])
        .ok();
    assert_eq!(state.stdout, "running false\n");
    assert_eq!(
        env.nook(&["run", "--rm", "live:1", "cat", "/up"])
            .ok()
            .stdout,
        "up\n"
    );

    // Mistakes: nothing made, docker's statuses.
    env.nook(&["commit", "-c", "RUN make", "c", "bad:1"])
        .output()
        .code(125)
        .stderr_has("invalid --change");
    env.nook(&["commit", "nosuch", "x:1"]).output().code(1);
    env.nook(&["diff", "nosuch"]).output().code(1);
    env.nook(&["export", "-o", tar_path.to_str().unwrap(), "nosuch"])
        .output()
        .code(1);
    env.nook(&["image", "inspect", "bad:1"]).output().code(1);
    env.nook(&["rm", "-f", "live", "c"]).ok();
}

/// docker's listing filters: `images --filter` dangling, reference, label, before, since; `ps
/// --filter` network, volume, publish; and `ps --size`.
#[test]
fn listings_filter_as_docker_does() {
    let env = crate::harness::env_with("overlay");
    import(&env, "base", &["LABEL tier=base"]);
    let tar = env.file("rootfs.tar", &busybox_rootfs().finish());
    env.nook(&["import", tar.to_str().unwrap()]).ok();
    env.nook(&["tag", "base", "team/app:1.0"]).ok();
    let names = |filters: &[&str]| {
        let mut args = vec!["images", "--format", "{{.Repository}}:{{.Tag}}"];
        for f in filters {
            args.extend(["-f", f]);
        }
        env.nook(&args).ok().stdout
    };
    assert_eq!(
        names(&["label=tier=base", "reference=base"]),
        "localhost/base:latest\n"
    );
    assert_eq!(names(&["reference=team/*"]), "localhost/team/app:1.0\n");
    assert_eq!(names(&["dangling=true"]), "<none>:<none>\n");
    assert_eq!(names(&["label=tier=other"]), "");
    assert_eq!(names(&["since=busybox", "label=tier"]).lines().count(), 2);
    assert_eq!(
        names(&["before=base", "dangling=false"]),
        "localhost/busybox:latest\n"
    );
    env.nook(&["images", "-f", "colour=red"])
        .output()
        .code(125)
        .stderr_has("unknown filter");

    env.nook(&["network", "create", "netA"]).ok();
    env.nook(&[
        "create",
        "--name",
        "on-net",
        "--network",
        "netA",
        "busybox",
        "true",
    ])
    .ok();
    env.nook(&[
        "create",
        "--name",
        "with-vol",
        "-v",
        "data:/data",
        "busybox",
        "true",
    ])
    .ok();
    env.run_detached(&[
        "--name",
        "pub",
        "-p",
        "127.0.0.1::80",
        "busybox",
        "sleep",
        "100",
    ]);
    let ps = |filter: &str| {
        env.nook(&["ps", "-a", "-f", filter, "--format", "{{.Names}}"])
            .ok()
            .stdout
    };
    assert_eq!(ps("network=netA"), "on-net\n");
    assert_eq!(ps("volume=data"), "with-vol\n");
    assert_eq!(ps("volume=/data"), "with-vol\n");
    assert_eq!(ps("publish=80"), "pub\n");
    assert_eq!(ps("publish=80/udp"), "");

    // --size: what each container wrote, and that with its image.
    env.nook(&[
        "run",
        "--name",
        "writer",
        "busybox",
        "sh",
        "-c",
        "head -c 100000 /dev/zero > /z",
    ])
    .ok();
    let sizes = env
        .nook(&[
            "ps",
            "-a",
            "-s",
            "-f",
            "name=writer",
            "--format",
            "{{.Size}}",
        ])
        .ok()
        .stdout;
    assert!(sizes.starts_with("100kB (virtual "), "{sizes}");
    let json = env
        .nook(&[
            "ps",
            "-a",
            "--size",
            "-f",
            "name=writer",
            "--format",
            "json",
        ])
        .ok()
        .stdout;
    let rows: Vec<Value> = serde_json::from_str(&json).unwrap();
    assert_eq!(rows[0]["SizeRw"], 100_000);
    assert!(rows[0]["SizeRootFs"].as_u64().unwrap() > 100_000);
    env.nook(&["rm", "-f", "pub", "on-net", "with-vol", "writer"])
        .ok();
}

/// `history` and `info` take docker's `--format` (and history its -q and -H=false).
#[test]
fn history_and_info_take_formats() {
    let env = Env::new();
    import(&env, "base", &[]);
    env.nook(&["run", "--name", "c", "base", "sh", "-c", "echo x > /x"])
        .ok();
    env.nook(&["commit", "-m", "added x", "c", "next"]).ok();
    let out = env
        .nook(&["history", "--format", "{{.Comment}}|{{.CreatedBy}}", "next"])
        .ok()
        .stdout;
    assert_eq!(out, "added x|sh -c echo x > /x\n|nook import\n", "{out}");
    let quiet = env.nook(&["history", "-q", "next"]).ok().stdout;
    let lines: Vec<&str> = quiet.lines().collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1], "<missing>");
    assert_eq!(lines[0].len(), 12);
    let bytes = env
        .nook(&["history", "-H=false", "--format", "{{.Size}}", "next"])
        .ok()
        .stdout;
    assert!(
        bytes.lines().all(|l| l.parse::<u64>().is_ok()),
        "sizes in bytes: {bytes}"
    );
    let json = env
        .nook(&["history", "--format", "json", "next"])
        .ok()
        .stdout;
    let first: Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    assert_eq!(first["Comment"], "added x");
    let info = env
        .nook(&[
            "info",
            "--format",
            "{{.Images}} {{.Containers}} {{.ContainersStopped}} {{.OSType}} {{.Rootless}}",
        ])
        .ok()
        .stdout;
    assert_eq!(info, "2 1 1 linux true\n");
    env.nook(&["info", "--format", "{{.Driver}}"])
        .ok()
        .stdout_has("overlay");
}
