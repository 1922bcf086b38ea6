//! Networking as a user meets it: pasta by default, published ports, `none`, `host`,
//! `container:NAME`, user networks with names, and the host's loopback by name. All traffic
//! stays on the host's loopback or inside namespaces the test made (an internal network has
//! no way out, so probing across networks sends nothing anywhere).

use std::fs;
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::{Value, json};

use crate::harness::{
    Env, env_with, free_port, http_get, serve_on, serve_on_host_loopback, wait_until,
};
use crate::images::{Image, busybox_with_host_programs, docker_archive};

/// Run a detached busybox httpd serving `/www` (holding `index.html` = `body`) on `port`.
fn httpd(env: &Env, name: &str, flags: &[&str], port: u16, body: &str) -> String {
    let mut args = vec!["--name", name];
    args.extend_from_slice(flags);
    let script = format!(
        "mkdir -p /www && echo {body} > /www/index.html && exec httpd -f -p {port} -h /www"
    );
    args.extend_from_slice(&["busybox", "sh", "-c", &script]);
    env.run_detached(&args)
}

/// Poll until the host reaches `port` and gets `body`.
#[track_caller]
fn fetch(port: u16, body: &str) {
    let mut last = Err(String::new());
    wait_until(Duration::from_secs(10), &format!("port {port}"), || {
        last = http_get(port, "/");
        last.as_ref().is_ok_and(|b| b.trim() == body)
    });
}

#[test]
fn published_ports_reach_the_container() {
    let env = env_with("overlay");
    let (p1, p2) = (free_port(), free_port());
    let loopback_only = format!("127.0.0.1:{p2}:80");
    httpd(
        &env,
        "web",
        &["-p", &format!("{p1}:80"), "-p", &loopback_only],
        80,
        "hello",
    );
    fetch(p1, "hello");
    fetch(p2, "hello");
    let port = env.nook(&["port", "web"]).ok().stdout;
    assert!(port.contains(&format!("80/tcp -> 0.0.0.0:{p1}")), "{port}");
    assert!(
        port.contains(&format!("80/tcp -> 127.0.0.1:{p2}")),
        "{port}"
    );
    // docker's PORTS, in ps.
    let ps = env.nook(&["ps", "--format", "{{.Ports}}"]).ok().stdout;
    assert!(
        ps.contains(&format!("0.0.0.0:{p1}->80/tcp"))
            && ps.contains(&format!("127.0.0.1:{p2}->80/tcp")),
        "{ps}"
    );
    let record = env.inspect("web");
    let bound = &record["NetworkSettings"]["Ports"]["80/tcp"];
    assert_eq!(bound.as_array().unwrap().len(), 2, "{record}");
    assert_eq!(record["HostConfig"]["NetworkMode"], "pasta");
    // the container's own view: eth0 with the host's address, a default route
    let inside = env
        .nook(&["exec", "web", "sh", "-c", "ls /sys/class/net; ip route"])
        .ok()
        .stdout;
    assert!(
        inside.contains("eth0") && inside.contains("default via"),
        "{inside}"
    );
    // a second container on the same host port fails cleanly, and leaves nothing
    let before = env.container_ids().len();
    env.nook(&["run", "--rm", "-p", &format!("{p1}:80"), "busybox", "true"])
        .output()
        .code(125)
        .stderr_has("already in use");
    env.nook(&["run", "-d", "-p", &format!("{p1}:8080"), "busybox", "true"])
        .output()
        .code(125)
        .stderr_has("already in use");
    assert_eq!(env.container_ids().len(), before);
    // a container created with it fails to start, and its pasta does not stay
    env.nook(&[
        "create",
        "--name",
        "late",
        "-p",
        &format!("{p1}:80"),
        "busybox",
        "sleep",
        "9",
    ])
    .ok();
    env.nook(&["start", "late"])
        .output()
        .code(125)
        .stderr_has("already in use");
    let left: Vec<String> = env
        .store_processes()
        .into_iter()
        .filter(|p| p.contains("pasta"))
        .collect();
    assert_eq!(left.len(), 1, "only web's pasta runs: {left:?}");
    // privileged ports need the sysctl, and the message says which
    env.nook(&["run", "--rm", "-p", "80:80", "busybox", "true"])
        .output()
        .code(125)
        .stderr_has("net.ipv4.ip_unprivileged_port_start");
    env.nook(&["rm", "-f", "web", "late"]).ok();
    assert!(
        env.store_processes().is_empty(),
        "{:?}",
        env.store_processes()
    );
}

#[test]
fn ranges_udp_and_publish_all() {
    let env = Env::new();
    let image = Image::new(
        vec![busybox_with_host_programs(&["socat"]).finish()],
        json!({"ExposedPorts": {"80/tcp": {}}, "Cmd": ["sh"]}),
    );
    let archive = env.file("tools.tar", &docker_archive(&[(&["tools:1"], &image)]));
    env.nook(&["load", "-i", archive.to_str().unwrap()]).ok();
    // a range: three servers, three host ports
    let base = crate::harness::free_ports(3);
    let range = format!("{base}-{}:8100-8102", base + 2);
    env.run_detached(&[
        "--name",
        "three",
        "-p",
        &range,
        "tools:1",
        "sh",
        "-c",
        "mkdir /www; echo ranged > /www/index.html; httpd -p 8100 -h /www; \
         httpd -p 8101 -h /www; exec httpd -f -p 8102 -h /www",
    ]);
    for p in base..=base + 2 {
        fetch(p, "ranged");
    }
    // -P: the image's EXPOSE port on a free host port
    env.run_detached(&[
        "--name",
        "all",
        "-P",
        "tools:1",
        "sh",
        "-c",
        "mkdir /www; echo exposed > /www/index.html; exec httpd -f -p 80 -h /www",
    ]);
    let mapped = env.nook(&["port", "all", "80"]).ok().stdout;
    let host_port: u16 = mapped.trim().rsplit(':').next().unwrap().parse().unwrap();
    fetch(host_port, "exposed");
    // UDP: datagrams sent to the host's port arrive in the container. (Replies to a sender
    // on the host's loopback are lost in Debian 12's pasta, a 2023 snapshot: its spliced UDP
    // path; newer pasta returns them.)
    let p = crate::harness::free_port();
    env.run_detached(&[
        "--name",
        "udp",
        "-p",
        &format!("{p}:5353/udp"),
        "tools:1",
        "socat",
        "-u",
        "UDP-RECV:5353",
        "STDOUT",
    ]);
    let sender = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    wait_until(Duration::from_secs(10), "a datagram to arrive", || {
        sender.send_to(b"datagram\n", ("127.0.0.1", p)).unwrap();
        env.nook(&["logs", "udp"]).ok().stdout.contains("datagram")
    });
    let port = env.nook(&["port", "udp"]).ok().stdout;
    assert_eq!(port, format!("5353/udp -> 0.0.0.0:{p}\n"));
}

#[test]
fn none_host_and_another_containers_network() {
    let env = env_with("overlay");
    let none = env
        .nook(&[
            "run",
            "--rm",
            "--network",
            "none",
            "busybox",
            "ls",
            "/sys/class/net",
        ])
        .ok()
        .stdout;
    assert_eq!(none, "lo\n");
    let mut host_ifaces: Vec<String> = fs::read_dir("/sys/class/net")
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    host_ifaces.sort();
    let host = env
        .nook(&[
            "run",
            "--rm",
            "--network",
            "host",
            "busybox",
            "sh",
            "-c",
            "ls /sys/class/net; hostname",
        ])
        .ok()
        .stdout;
    let mut lines: Vec<String> = host.lines().map(str::to_string).collect();
    let hostname = lines.pop().unwrap();
    assert_eq!(lines, host_ifaces, "the host's interfaces");
    assert_eq!(
        hostname,
        nix::unistd::gethostname().unwrap().to_string_lossy(),
        "and its name"
    );
    // container:NAME shares the other's network: its loopback included
    env.run_detached(&[
        "--name",
        "base",
        "--network",
        "none",
        "busybox",
        "sh",
        "-c",
        "mkdir /www; echo shared > /www/index.html; exec httpd -f -p 127.0.0.1:8000 -h /www",
    ]);
    let out = env
        .nook(&[
            "run",
            "--rm",
            "--network",
            "container:base",
            "busybox",
            "sh",
            "-c",
            "sleep 0.3; wget -q -O- http://127.0.0.1:8000/",
        ])
        .ok()
        .stdout;
    assert_eq!(out, "shared\n");
    env.nook(&[
        "run",
        "--rm",
        "--network",
        "container:nosuch",
        "busybox",
        "true",
    ])
    .output()
    .code(125)
    .stderr_has("no such container");
    env.nook(&[
        "run",
        "--rm",
        "--network",
        "container:base",
        "-p",
        "8000:80",
        "busybox",
        "true",
    ])
    .output()
    .code(125)
    .stderr_has("--publish");
    env.nook(&["stop", "-t", "0", "base"]).ok();
    env.nook(&[
        "run",
        "--rm",
        "--network",
        "container:base",
        "busybox",
        "true",
    ])
    .output()
    .code(125)
    .stderr_has("not running");
}

/// A user network answers DNS at its gateway (as docker's embedded DNS and aardvark-dns
/// do), so resolvers that never read /etc/hosts (nslookup here) find members by name,
/// alias, hostname and short id, and a member started after the asker at once; a name that
/// is none of them does not exist on an internal network (which forwards nothing).
#[test]
fn user_networks_answer_dns_for_their_members() {
    let env = env_with("overlay");
    env.nook(&["network", "create", "--internal", "dnsnet"])
        .ok();
    let db = env.run_detached(&[
        "--name",
        "db",
        "--network",
        "dnsnet",
        "--network-alias",
        "database",
        "-h",
        "dbhost",
        "busybox",
        "sleep",
        "300",
    ]);
    let asker = env.run_detached(&["--network", "dnsnet", "busybox", "sleep", "300"]);
    let address = |name: &str| {
        let out = env.nook(&["exec", &asker, "nslookup", name]).output();
        out.stdout
            .lines()
            .filter_map(|l| l.strip_prefix("Address: "))
            .map(str::to_string)
            .next()
            .unwrap_or_else(|| format!("none: {}{}", out.stdout, out.stderr))
    };
    let db_ip = address("db");
    assert!(db_ip.starts_with("10."), "{db_ip}");
    for name in ["database", "dbhost", "DB", &db[..12]] {
        assert_eq!(address(name), db_ip, "{name}");
    }
    let resolv = env.nook(&["exec", &asker, "cat", "/etc/resolv.conf"]).ok();
    assert!(resolv.stdout.starts_with("nameserver 10."), "{resolv}");
    env.run_detached(&[
        "--name",
        "late",
        "--network",
        "dnsnet",
        "busybox",
        "sleep",
        "300",
    ]);
    let late = address("late");
    assert!(late.starts_with("10.") && late != db_ip, "{late}");
    // The gateway keeps its hardware address as members come and go (a bridge's own would
    // follow its ports', and members' queries to it would be lost until their entry expired).
    let arp = env
        .nook(&["exec", &asker, "cat", "/proc/net/arp"])
        .ok()
        .stdout;
    let gateway = resolv.stdout.split_whitespace().nth(1).unwrap().to_string();
    let entry = arp
        .lines()
        .find(|l| l.starts_with(&format!("{gateway} ")))
        .unwrap_or_else(|| panic!("no entry for {gateway}: {arp}"));
    assert!(entry.contains(" 02:6e:6b:"), "{entry}");
    let missing = env
        .nook(&["exec", &asker, "nslookup", "no-such-member"])
        .output();
    assert!(missing.stdout.contains("NXDOMAIN"), "{missing}");
    env.nook(&["rm", "-f", "db", "late", &asker]).ok();
}

/// A container on two user networks (`--network a --network b`) reaches the members of both
/// by name, through eth1 and eth2, while each network's other members reach only their own.
#[test]
fn a_container_on_two_networks_reaches_both() {
    let env = env_with("overlay");
    env.nook(&["network", "create", "--subnet", "10.99.21.0/24", "front"])
        .ok();
    env.nook(&[
        "network",
        "create",
        "--subnet",
        "10.99.22.0/24",
        "--internal",
        "back",
    ])
    .ok();
    httpd(&env, "db", &["--network", "back"], 80, "from-db");
    httpd(
        &env,
        "web",
        &["--network", "front", "--network", "back"],
        80,
        "from-web",
    );
    httpd(&env, "edge", &["--network", "front"], 80, "from-edge");
    let record = env.inspect("web");
    let nets = &record["NetworkSettings"]["Networks"];
    let on = |net: &str| {
        nets[net]["IPAddress"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    assert!(on("front").starts_with("10.99.21."), "{record}");
    assert!(on("back").starts_with("10.99.22."), "{record}");
    // From web: both networks by name, each on its own interface.
    let out = env
        .nook(&[
            "exec",
            "web",
            "sh",
            "-c",
            "wget -q -O- http://db/; wget -q -O- http://edge/; ls /sys/class/net | tr '\\n' ' '",
        ])
        .ok()
        .stdout;
    assert_eq!(out, "from-db\nfrom-edge\neth0 eth1 eth2 lo ", "{out}");
    // From either side, web by name; but the sides do not reach each other.
    // (`grep -w`: a container's hex id in /etc/hosts may contain "db".)
    for (from, other) in [("db", "edge"), ("edge", "db")] {
        let out = env
            .nook(&[
                "exec",
                from,
                "sh",
                "-c",
                &format!("wget -q -O- http://web/; grep -cw {other} /etc/hosts"),
            ])
            .output();
        assert_eq!(out.stdout, "from-web\n0\n", "{from}: {out}");
    }
    // Both networks are in use while web runs; a mixed --network is refused.
    env.nook(&["network", "rm", "back"])
        .output()
        .code(1)
        .stderr_has("in use");
    env.nook(&[
        "run",
        "--rm",
        "--network",
        "front",
        "--network",
        "host",
        "busybox",
        "true",
    ])
    .output()
    .code(125)
    .stderr_has("only user networks can be combined");
    env.nook(&["run", "--rm", "--network", "front,front", "busybox", "true"])
        .output()
        .code(125)
        .stderr_has("given twice");
    env.nook(&["rm", "-f", "web", "db", "edge"]).ok();
    wait_until(Duration::from_secs(10), "the hubs to end", || {
        env.store_processes().is_empty()
    });
    env.nook(&["network", "rm", "front", "back"]).ok();
}

/// Without published ports, the program starts at once: nook has made and addressed the
/// container's interface, and pasta serves its queue (`--fd`) once it runs. A connection made
/// by the program's first instruction waits there and works, every time, over IPv4 and
/// (where the host has it) IPv6; so does one through a user network's pasta.
#[test]
fn the_first_instruction_reaches_the_network() {
    let env = env_with("overlay");
    let host = nook::network::host::TapConfig::from_host().expect("the host has a network");
    let mut urls = vec![format!(
        "http://host.containers.internal:{}/",
        serve_on_host_loopback("first")
    )];
    match host.v6.as_ref().map(|v6| v6.gateway) {
        // A link-local gateway (a router's, as the test VM has) takes a zone in a URL.
        Some(std::net::IpAddr::V6(gateway)) if !gateway.is_unicast_link_local() => urls.push(
            format!("http://[{gateway}]:{}/", serve_on("[::1]:0", "first")),
        ),
        Some(gateway) => {
            eprintln!("IPv6 not tried: the host's IPv6 gateway {gateway} is link-local")
        }
        None => eprintln!("IPv6 not tried: this host has no IPv6 default route"),
    }
    env.nook(&["network", "create", "early"]).ok();
    for (network, runs, url) in [("default", 10, &urls[0]), ("early", 3, &urls[0])]
        .into_iter()
        .chain(urls.get(1).map(|u| ("default", 10, u)))
    {
        for _ in 0..runs {
            env.nook(&[
                "run",
                "--rm",
                "--host-loopback",
                "--network",
                network,
                "busybox",
                "wget",
                "-q",
                "-O-",
                url,
            ])
            .ok()
            .stdout_has("first");
        }
    }
    // The interface is nook's (its hardware address), with the host's address and gateway.
    let out = env
        .nook(&[
            "run",
            "--rm",
            "busybox",
            "sh",
            "-c",
            "cat /sys/class/net/eth0/address; ip -4 addr show eth0; ip route",
        ])
        .ok()
        .stdout;
    assert!(out.starts_with("02:6e:6b:00:00:02\n"), "{out}");
    let v4 = host.v4.expect("the host has IPv4");
    assert!(
        out.contains(&format!("{}/{}", v4.address, v4.prefix))
            && out.contains(&format!("default via {}", v4.gateway)),
        "{out}"
    );
}

#[test]
fn user_networks_resolve_members_by_name() {
    let env = env_with("overlay");
    env.nook(&["network", "create", "backend"]).ok();
    env.nook(&[
        "network",
        "create",
        "--internal",
        "--subnet",
        "10.99.7.0/24",
        "island",
    ])
    .ok();
    let ls = env.nook(&["network", "ls"]).ok().stdout;
    assert!(
        ls.contains("backend") && ls.contains("10.99.7.0/24") && ls.contains("internal"),
        "{ls}"
    );
    httpd(
        &env,
        "api",
        &["--network", "backend", "--network-alias", "db"],
        80,
        "from-api",
    );
    let out = env
        .nook(&[
            "run",
            "--rm",
            "--network",
            "backend",
            "busybox",
            "sh",
            "-c",
            "wget -q -O- http://api/; wget -q -O- http://db/; ls /sys/class/net | tr '\\n' ' '",
        ])
        .ok()
        .stdout;
    assert_eq!(
        out, "from-api\nfrom-api\neth0 eth1 lo ",
        "by name and by alias; pasta and the bridge"
    );
    let record = env.inspect("api");
    let address = record["NetworkSettings"]["Networks"]["backend"]["IPAddress"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(address.starts_with("10.89."), "{record}");
    let members: Vec<Value> =
        serde_json::from_str(&env.nook(&["network", "inspect", "backend"]).ok().stdout).unwrap();
    assert_eq!(
        members[0]["Containers"]["api"]["IPv4Address"],
        address.as_str()
    );
    // another network neither knows the name nor reaches the address
    let out = env
        .nook(&["run", "--rm", "--network", "island", "busybox", "sh", "-c",
                &format!("grep -c api /etc/hosts; wget -T 2 -q -O- http://{address}/ 2>&1; echo rc=$?; ls /sys/class/net | tr '\\n' ' '")])
        .output();
    assert!(out.stdout.starts_with("0\n"), "{out}");
    assert!(
        out.stdout.contains("rc=1") && !out.stdout.contains("from-api"),
        "{out}"
    );
    assert!(
        out.stdout.ends_with("eth1 lo "),
        "an internal network has no pasta: {out}"
    );
    // the network stays while a container is on it; its hub goes with the last member
    env.nook(&["network", "rm", "backend"])
        .output()
        .code(1)
        .stderr_has("in use");
    env.nook(&["rm", "-f", "api"]).ok();
    wait_until(Duration::from_secs(10), "the hub to end", || {
        env.store_processes().is_empty()
    });
    env.nook(&["network", "rm", "backend", "island"]).ok();
    assert_eq!(
        env.nook(&["network", "ls", "-q", "-f", "type=custom"])
            .ok()
            .stdout,
        ""
    );
    env.nook(&["run", "--rm", "--network", "backend", "busybox", "true"])
        .output()
        .code(125)
        .stderr_has("no such network");
    env.nook(&["network", "create", "host"])
        .output()
        .code(125)
        .stderr_has("invalid network name");
    env.nook(&["network", "create", "--subnet", "10.1.2.3/24", "x"])
        .output()
        .code(125)
        .stderr_has("network address");
}

#[test]
fn members_starting_together_all_know_each_other() {
    let env = env_with("overlay");
    env.nook(&["network", "create", "crowd"]).ok();
    let runs: Vec<_> = (0..5)
        .map(|i| {
            env.nook(&[
                "run",
                "-d",
                "--name",
                &format!("m{i}"),
                "--network",
                "crowd",
                "busybox",
                "httpd",
                "-f",
                "-p",
                "80",
                "-h",
                "/etc",
            ])
            .spawn()
        })
        .collect();
    for mut r in runs {
        let (status, out, err) =
            crate::harness::wait_with_timeout(&mut r, Duration::from_secs(60), "run -d");
        assert!(status.success(), "{out}{err}");
    }
    let named = |hosts: &str, name: &str| {
        hosts
            .lines()
            .any(|l| l.split_whitespace().skip(1).any(|n| n == name))
    };
    let hosts = env.nook(&["exec", "m0", "cat", "/etc/hosts"]).ok().stdout;
    for i in 0..5 {
        assert!(named(&hosts, &format!("m{i}")), "m{i} in {hosts}");
    }
    // The hub alone holds its lock: a process that kept a copy (its namespace holder, dying
    // a moment after it) would let a joiner find the hub alive but its socket gone.
    let lock = env.runtime.join("nook/networks/crowd/hub.lock");
    let holding = crate::harness::processes_holding(&lock);
    assert_eq!(holding.len(), 1, "{} held by {holding:?}", lock.display());
    let out = env
        .nook(&["exec", "m4", "wget", "-q", "-O-", "http://m0/group"])
        .ok()
        .stdout;
    assert!(out.starts_with("root:x:0:"), "{out}");
    // a member that leaves is gone from the others' hosts
    env.nook(&["rm", "-f", "m1"]).ok();
    wait_until(Duration::from_secs(10), "m1 to leave /etc/hosts", || {
        !env.nook(&["exec", "m0", "cat", "/etc/hosts"])
            .ok()
            .stdout
            .contains(" m1 ")
    });
    let names: Vec<String> = (0..5)
        .filter(|i| *i != 1)
        .map(|i| format!("m{i}"))
        .collect();
    let mut args = vec!["rm", "-f"];
    args.extend(names.iter().map(String::as_str));
    env.nook(&args).ok();
    wait_until(Duration::from_secs(10), "the hub to end", || {
        env.store_processes().is_empty()
    });
}

/// Services bound only to the host's loopback (databases, agents, development servers) are
/// out of reach by default, as with rootless docker; `--host-loopback` (or `host_loopback`
/// in config.toml) lets a container reach them through its gateway, by the host's names.
#[test]
fn the_hosts_loopback_is_reached_only_when_asked() {
    let env = env_with("overlay");
    let port = serve_on_host_loopback("on-the-host");
    let probe = format!(
        "gw=$(ip route | awk '/default/ {{print $3}}'); grep -c host.containers.internal /etc/hosts; \
         timeout 5 wget -q -O- http://$gw:{port}/ 2>/dev/null || echo unreachable"
    );
    let out = env
        .nook(&["run", "--rm", "busybox", "sh", "-c", &probe])
        .output();
    assert_eq!(out.stdout, "0\nunreachable\n", "{out}");
    env.write_config("[network]\nhost_loopback = true\n");
    let out = env
        .nook(&["run", "--rm", "busybox", "sh", "-c", &probe])
        .ok();
    assert_eq!(out.stdout, "1\non-the-host", "{out}");
    env.write_config("");
    let out = env
        .nook(&[
            "run",
            "--rm",
            "--host-loopback",
            "busybox",
            "sh",
            "-c",
            &format!(
                "wget -q -O- http://host.containers.internal:{port}/; echo; \
                          wget -q -O- http://host.docker.internal:{port}/"
            ),
        ])
        .ok()
        .stdout;
    assert_eq!(out, "on-the-host\non-the-host");
}

#[test]
fn etc_files_follow_the_flags() {
    let env = env_with("overlay");
    let out = env
        .nook(&[
            "run",
            "--rm",
            "-h",
            "myhost",
            "--name",
            "named",
            "--dns",
            "10.1.2.3",
            "--dns-search",
            "corp.example",
            "--dns-option",
            "ndots:3",
            "--add-host",
            "db:10.9.9.9",
            "--add-host",
            "me:host-gateway",
            "--host-loopback=true",
            "busybox",
            "sh",
            "-c",
            "cat /etc/resolv.conf; echo --; cat /etc/hosts; echo --; cat /etc/hostname; hostname",
        ])
        .ok()
        .stdout;
    let parts: Vec<&str> = out.split("--\n").collect();
    assert_eq!(
        parts[0],
        "search corp.example\nnameserver 10.1.2.3\noptions ndots:3\n"
    );
    assert!(parts[1].contains("10.9.9.9\tdb\n"), "{out}");
    assert!(parts[1].contains("\tmyhost named\n"), "{out}");
    let gateway = parts[1]
        .lines()
        .find(|l| l.ends_with("host.containers.internal host.docker.internal"))
        .and_then(|l| l.split('\t').next())
        .unwrap();
    assert!(
        parts[1].contains(&format!("{gateway}\tme\n")),
        "host-gateway is the host: {out}"
    );
    assert_eq!(parts[2], "myhost\nmyhost\n");
    // the default: pasta's DNS forwarder
    let resolv = env
        .nook(&["run", "--rm", "busybox", "cat", "/etc/resolv.conf"])
        .ok()
        .stdout;
    assert!(resolv.contains("nameserver 169.254.1.1"), "{resolv}");
    // mistakes: exit 125, and no container is left
    for bad in [
        vec!["--dns", "not-an-ip"],
        vec!["--add-host", "nocolon"],
        vec!["--add-host", "x:999.1.1.1"],
        vec!["--network", "none", "-p", "8080:80"],
        vec!["--network", "host", "-P"],
        vec!["--network-alias", "a"],
        vec!["--network", "no-such-net"],
        vec!["--network", "bad name"],
        vec!["-p", "70000:80"],
        vec!["-p", "8000-8001:80"],
        vec!["-p", "1:2:3:4"],
    ] {
        let mut args = vec!["run", "--rm"];
        args.extend(bad.iter().copied());
        args.extend(["busybox", "true"]);
        env.nook(&args).output().code(125);
    }
    assert!(env.container_ids().is_empty());
}

#[test]
fn no_pasta_outlives_its_container() {
    let env = env_with("overlay");
    let pastas = |env: &Env| {
        env.store_processes()
            .into_iter()
            .filter(|p| p.contains("pasta"))
            .count()
    };
    let p = free_port();
    let id = httpd(&env, "k", &["-p", &format!("{p}:80")], 80, "alive");
    fetch(p, "alive");
    assert_eq!(pastas(&env), 1);
    let monitor = env.state(&id)["monitor"]["pid"].as_i64().unwrap() as i32;
    kill(Pid::from_raw(monitor), Signal::SIGKILL).unwrap();
    wait_until(
        Duration::from_secs(10),
        "pasta to end with its monitor",
        || pastas(&env) == 0,
    );
    assert!(http_get(p, "/").is_err(), "the port is closed");
    // started again, it is reachable again; stopped, its pasta ends
    env.nook(&["start", "k"]).ok();
    fetch(p, "alive");
    env.nook(&["stop", "-t", "1", "k"]).ok();
    assert_eq!(pastas(&env), 0);
    // a program that cannot start leaves no pasta either
    env.nook(&[
        "run",
        "--rm",
        "-p",
        &format!("{p}:80"),
        "busybox",
        "no-such-program",
    ])
    .output()
    .code(127);
    assert_eq!(pastas(&env), 0);
    env.nook(&["rm", "k"]).ok();
}

/// A machine with no network (only `lo`): containers on the default network and on a user
/// network start all the same, saying once that they have no outside network; published TCP
/// and UDP ports are forwarded from the host's loopback; a build's RUN step runs; `doctor`
/// names the condition.
#[test]
fn an_offline_machine_still_runs_containers() {
    let env = env_with("overlay");
    let dir = env.root.join("ctx");
    fs::create_dir_all(&dir).unwrap();
    fs::write(
        dir.join("Containerfile"),
        "FROM busybox\nRUN echo built > /b\n",
    )
    .unwrap();
    env.own(&dir);
    let script = format!(
        r#"set -e
$NOOK run --rm busybox sh -c 'echo inside; ls /sys/class/net' 2>run.err
grep -c 'has no outside network' run.err
$NOOK network create offnet >/dev/null
$NOOK run --rm --network offnet busybox echo on-a-network 2>/dev/null
$NOOK run -d --name web -p 127.0.0.1:18080:80 busybox sh -c \
  'mkdir /www; echo hello-offline > /www/index.html; httpd -f -p 80 -h /www' >/dev/null 2>&1
# A UDP echo server: the host's python, its files bound in (busybox's nc has no UDP here).
$NOOK run -d --name udp -p 18081:81/udp -v /usr:/usr:ro -v /usr/lib:/lib:ro \
  -v /usr/lib64:/lib64:ro busybox /usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 81))
while True:
    d, a = s.recvfrom(100)
    s.sendto(b"got-" + d, a)' >/dev/null 2>&1
for i in $(seq 50); do
  $NOOK run --rm --network host busybox wget -qO- http://127.0.0.1:18080/ 2>/dev/null && break
  sleep 0.1
done
/usr/bin/python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.5)
for _ in range(20):
    s.sendto(b"ping", ("127.0.0.1", 18081))
    try:
        print(s.recv(100).decode())
        break
    except OSError:
        time.sleep(0.1)'
$NOOK port web; $NOOK port udp
$NOOK build -q -t offline-built {dir} >/dev/null 2>&1
$NOOK run --rm offline-built cat /b 2>/dev/null
$NOOK doctor | grep -o 'no interface has a default route (offline)'
$NOOK rm -f web udp >/dev/null
$NOOK network rm offnet >/dev/null
"#,
        dir = dir.display()
    );
    let out = env.offline(&script).ok();
    assert_eq!(
        out.stdout,
        "inside\nlo\n1\non-a-network\nhello-offline\ngot-ping\n80/tcp -> 127.0.0.1:18080\n\
         81/udp -> 0.0.0.0:18081\nbuilt\nno interface has a default route (offline)\n",
        "{out}"
    );
    wait_until(Duration::from_secs(10), "no forwarder left", || {
        !crate::harness::processes()
            .iter()
            .any(|p| p.contains("__forward"))
    });
}
