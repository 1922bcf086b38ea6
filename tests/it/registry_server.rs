//! A real registry for the tests: Debian's `docker-registry` (the CNCF distribution registry)
//! on a free port of 127.0.0.1, optionally with htpasswd authentication; and a small proxy
//! that stands between nook and it to inject faults (errors, cut or stalled bodies, corrupted
//! bytes) and to count requests. Nothing here talks to anything but loopback.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::harness::require;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running `docker-registry`, stopped when dropped.
pub struct RegistryServer {
    pub addr: String,
    pub auth: Option<(String, String)>,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl RegistryServer {
    pub fn start() -> Self {
        Self::launch(None)
    }

    /// With htpasswd authentication for `user`/`password`.
    pub fn start_with_auth(user: &str, password: &str) -> Self {
        Self::launch(Some((user.to_string(), password.to_string())))
    }

    fn launch(auth: Option<(String, String)>) -> Self {
        require("docker-registry");
        let dir = tempfile::tempdir().unwrap();
        let mut config = format!(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{}\n",
            dir.path().join("data").display(),
            free_port()
        );
        if let Some((user, password)) = &auth {
            require("htpasswd");
            let out = Command::new("htpasswd")
                .args(["-Bbn", user, password])
                .output()
                .unwrap();
            assert!(out.status.success());
            std::fs::write(dir.path().join("htpasswd"), out.stdout).unwrap();
            config.push_str(&format!(
                "auth:\n  htpasswd:\n    realm: nook-tests\n    path: {}\n",
                dir.path().join("htpasswd").display()
            ));
        }
        std::fs::write(dir.path().join("config.yml"), &config).unwrap();
        let addr = config
            .lines()
            .find_map(|l| l.trim().strip_prefix("addr: "))
            .unwrap()
            .to_string();
        let mut server = Self {
            addr,
            auth,
            dir,
            child: None,
        };
        server.run();
        server
    }

    fn run(&mut self) {
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(self.dir.path().join("config.yml"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(&self.addr).is_err() {
            assert!(
                Instant::now() < deadline,
                "docker-registry did not start on {}",
                self.addr
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kill the registry (the process this harness started).
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Start it again, with the same port and content.
    pub fn restart(&mut self) {
        self.stop();
        self.run();
    }

    /// Copy an image into the registry with skopeo (e.g. from `oci:DIR:TAG`), as `repo:tag`.
    pub fn push_with_skopeo(&self, source: &str, dest: &str, all: bool) {
        require("skopeo");
        let mut cmd = Command::new("skopeo");
        cmd.args(["--insecure-policy", "copy", "--dest-tls-verify=false"]);
        if all {
            cmd.arg("--all");
        }
        if let Some((u, p)) = &self.auth {
            cmd.arg(format!("--dest-creds={u}:{p}"));
        }
        let out = cmd
            .arg(source)
            .arg(format!("docker://{}/{dest}", self.addr))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "skopeo copy {source}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for RegistryServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// What the proxy does to a request whose path contains a given text.
#[derive(Clone, Debug)]
pub enum Fault {
    /// Answer with this status instead of forwarding.
    Status(u16),
    /// Forward, but close the connection after this many body bytes.
    Cut(usize),
    /// Forward this many body bytes, then send nothing for this long, then close.
    Stall(usize, Duration),
    /// Flip one byte in the middle of the body.
    Corrupt,
}

struct Rule {
    path_contains: String,
    fault: Fault,
    /// How many more requests it applies to.
    times: usize,
}

/// An HTTP proxy in front of a registry, one request per connection.
pub struct FaultProxy {
    pub addr: String,
    rules: Arc<Mutex<Vec<Rule>>>,
    /// Requests seen, by "METHOD path".
    seen: Arc<Mutex<HashMap<String, usize>>>,
    stop: Arc<AtomicBool>,
}

impl FaultProxy {
    pub fn start(upstream: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let proxy = Self {
            addr,
            rules: Arc::default(),
            seen: Arc::default(),
            stop: Arc::default(),
        };
        let (rules, seen, stop) = (proxy.rules.clone(), proxy.seen.clone(), proxy.stop.clone());
        let upstream = upstream.to_string();
        thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((client, _)) => {
                        let (rules, seen, upstream) =
                            (rules.clone(), seen.clone(), upstream.clone());
                        thread::spawn(move || {
                            let _ = serve(client, &upstream, &rules, &seen);
                        });
                    }
                    Err(_) => thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        proxy
    }

    /// Apply `fault` to the next `times` requests whose path contains `path_contains`.
    pub fn inject(&self, path_contains: &str, fault: Fault, times: usize) {
        self.rules.lock().unwrap().push(Rule {
            path_contains: path_contains.to_string(),
            fault,
            times,
        });
    }

    /// GET requests seen so far for paths containing `text`.
    pub fn gets(&self, text: &str) -> usize {
        self.requests("GET", text)
    }

    /// Requests with `method` seen so far for paths containing `text`.
    pub fn requests(&self, method: &str, text: &str) -> usize {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|(k, _)| {
                k.split_once(' ')
                    .is_some_and(|(m, p)| m == method && p.contains(text))
            })
            .map(|(_, n)| n)
            .sum()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn read_head(s: &mut TcpStream) -> std::io::Result<(Vec<u8>, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let rest = buf.split_off(end + 4);
            return Ok((buf, rest));
        }
        let n = s.read(&mut chunk)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn content_length(head: &str) -> Option<usize> {
    head.lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().to_string())
        })
        .and_then(|v| v.parse().ok())
}

fn serve(
    mut client: TcpStream,
    upstream: &str,
    rules: &Mutex<Vec<Rule>>,
    seen: &Mutex<HashMap<String, usize>>,
) -> std::io::Result<()> {
    client.set_nonblocking(false)?;
    let (head, mut body) = read_head(&mut client)?;
    let head = String::from_utf8_lossy(&head).into_owned();
    let mut parts = head.split_whitespace();
    let (method, path) = (
        parts.next().unwrap_or("").to_string(),
        parts.next().unwrap_or("").to_string(),
    );
    *seen
        .lock()
        .unwrap()
        .entry(format!("{method} {path}"))
        .or_default() += 1;
    if let Some(len) = content_length(&head) {
        while body.len() < len {
            let mut chunk = vec![0u8; 65536];
            let n = client.read(&mut chunk)?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    }
    let fault = {
        let mut rules = rules.lock().unwrap();
        let found = rules
            .iter_mut()
            .find(|r| r.times > 0 && path.contains(&r.path_contains));
        found.map(|r| {
            r.times -= 1;
            r.fault.clone()
        })
    };
    if let Some(Fault::Status(code)) = fault {
        let reply =
            format!("HTTP/1.1 {code} Injected\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        client.write_all(reply.as_bytes())?;
        return Ok(());
    }
    // Forward with one request per connection.
    let mut out_head: Vec<String> = head
        .trim_end()
        .lines()
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
        .map(str::to_string)
        .collect();
    out_head.push("Connection: close".to_string());
    let mut server = TcpStream::connect(upstream)?;
    server.write_all(format!("{}\r\n\r\n", out_head.join("\r\n")).as_bytes())?;
    server.write_all(&body)?;
    let mut response = Vec::new();
    server.read_to_end(&mut response)?;
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(response.len(), |p| p + 4);
    let (resp_head, resp_body) = response.split_at(split);
    match fault {
        Some(Fault::Cut(n)) => {
            client.write_all(resp_head)?;
            client.write_all(&resp_body[..n.min(resp_body.len())])?;
        }
        Some(Fault::Stall(n, pause)) => {
            client.write_all(resp_head)?;
            client.write_all(&resp_body[..n.min(resp_body.len())])?;
            client.flush()?;
            thread::sleep(pause);
        }
        Some(Fault::Corrupt) if !resp_body.is_empty() => {
            let mut body = resp_body.to_vec();
            let mid = body.len() / 2;
            body[mid] ^= 0xff;
            client.write_all(resp_head)?;
            client.write_all(&body)?;
        }
        _ => client.write_all(&response)?,
    }
    let _ = client.shutdown(Shutdown::Both);
    Ok(())
}
