//! `--out s3://…` against a real S3 server (SeaweedFS on loopback): the
//! same bytes as a local run, nothing under a final name from a run that
//! did not finish, and one clear line within seconds when the store cannot
//! be used.
#![cfg(feature = "s3")]

mod common;
#[path = "../../cardgen-pipeline/tests/common/s3_server.rs"]
mod s3_server;

use std::collections::BTreeMap;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use cardgen_s3_test::s3_test;
use common::assert_one_line_error;
use s3_server::S3Server;

/// Generous for a loaded CI machine; the store's own limits are ~15 s.
const QUICKLY: Duration = Duration::from_secs(30);

/// The `cardgen` binary, as a plain command (signals and pipes).
fn cardgen() -> Command {
    Command::new(assert_cmd::cargo::cargo_bin!("cardgen"))
}

/// `cardgen` with the server's endpoint and credentials, and nothing else
/// of the AWS kind from this process's environment.
fn cardgen_for(server: &S3Server) -> Command {
    let mut command = cardgen();
    clear_aws(&mut command);
    command.envs(server.env());
    command
}

fn clear_aws(command: &mut Command) {
    for (key, _) in std::env::vars() {
        if key.starts_with("AWS_") {
            command.env_remove(key);
        }
    }
}

/// Every object under `prefix`, through the storage the CLI uses.
fn remote_files(server: &S3Server, prefix: &str) -> BTreeMap<String, Vec<u8>> {
    let env = server.env();
    let options: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let url = format!("s3://{}/{prefix}", server.bucket());
    let storage = cardgen_pipeline::storage::open_with_options(&url, &options).unwrap();
    storage
        .list("")
        .unwrap()
        .into_iter()
        .map(|name| {
            let bytes = storage.get(&name).unwrap().unwrap();
            (name, bytes)
        })
        .collect()
}

fn succeeded(output: &Output) {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

const DATASET: [&str; 8] = [
    "--rows", "300k", "--seed", "5", "--days", "20", "--parts", "2",
];

/// Runs `cardgen generate ARGS --out OUT` as `command` is set up.
fn generate(mut command: Command, args: &[&str], out: impl AsRef<std::ffi::OsStr>) -> Output {
    command
        .arg("generate")
        .args(args)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

#[s3_test]
fn a_dataset_in_parts_on_s3_is_byte_for_byte_the_local_one() {
    let server = S3Server::start();
    let local = tempfile::tempdir().unwrap();
    let layout = ["--partition-by", "day", "--target-file-size", "1MiB", "-q"];
    let args = [&DATASET[..], &layout].concat();
    succeeded(&generate(cardgen(), &args, local.path()));
    let url = format!("s3://{}/lake/", server.bucket());
    for part in ["1", "0"] {
        let one_part = [&args[..], &["--part", part]].concat();
        succeeded(&generate(cardgen_for(&server), &one_part, &url));
    }
    succeeded(
        &cardgen_for(&server)
            .args(["finish", &url])
            .output()
            .unwrap(),
    );
    let expected = common::files_under(local.path());
    let found = remote_files(&server, "lake");
    assert_eq!(
        found.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>()
    );
    for (name, bytes) in &expected {
        if name != "_SUCCESS" {
            assert!(found[name] == *bytes, "{name} differs");
        }
    }
    let verified = cardgen_for(&server)
        .args(["verify", &url])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&verified.stdout);
    assert!(
        verified.status.success() && stdout.contains("PASS"),
        "{stdout}"
    );
    // A second run does not overwrite what is there.
    let part_zero = [&args[..], &["--part", "0"]].concat();
    let again = generate(cardgen_for(&server), &part_zero, &url);
    assert_one_line_error(&again, 2, &["--part 0", "--overwrite"], "part again");
}

#[s3_test]
fn a_single_file_and_a_flat_dataset_go_to_s3_as_they_go_to_disk() {
    let server = S3Server::start();
    let local = tempfile::tempdir().unwrap();
    let small = ["--rows", "50k", "--seed", "9", "-q"];
    succeeded(&generate(cardgen(), &small, local.path().join("flat/")));
    let url = format!("s3://{}/flat/", server.bucket());
    succeeded(&generate(cardgen_for(&server), &small, &url));
    let file_url = format!("s3://{}/one/tx.parquet", server.bucket());
    succeeded(&generate(cardgen_for(&server), &small, &file_url));
    let flat = common::files_under(&local.path().join("flat"));
    assert_eq!(remote_files(&server, "flat"), flat);
    assert_eq!(
        remote_files(&server, "one")["tx.parquet"],
        flat["transactions.parquet"]
    );
    let refused = generate(cardgen_for(&server), &small, &file_url);
    assert_one_line_error(
        &refused,
        2,
        &["--out", "already exists", "--overwrite"],
        "exists",
    );
}

#[s3_test]
fn an_interrupted_or_killed_upload_leaves_no_object_under_a_final_name() {
    let server = S3Server::start();
    for signal in ["-INT", "-KILL"] {
        let url = format!("s3://{}/cut{signal}/tx.parquet", server.bucket());
        let child = cardgen_for(&server)
            .args([
                "generate",
                "--rows",
                "3M",
                "--batch-rows",
                "100k",
                "--threads",
                "2",
            ])
            .args(["--out", &url])
            .env("CARDGEN_FAULT", "slow-batches:400")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Long enough for several multipart parts to be uploaded.
        std::thread::sleep(Duration::from_secs(3));
        let status = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let output = child.wait_with_output().unwrap();
        assert!(
            !output.status.success(),
            "{signal}: the run finished before the signal"
        );
        if signal == "-INT" {
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(130), "{stderr}");
            assert!(stderr.contains("aborted the upload"), "{stderr}");
        }
        let found = remote_files(&server, &format!("cut{signal}"));
        assert!(found.is_empty(), "{signal} left {:?}", found.keys());
    }
}

#[s3_test]
fn a_store_that_cannot_be_used_gives_one_line_within_seconds() {
    let server = S3Server::start();
    let out = format!("s3://{}/x/", server.bucket());
    let started = Instant::now();
    // No credentials at all.
    let mut command = cardgen();
    clear_aws(&mut command);
    command
        .env("AWS_ENDPOINT_URL", server.endpoint())
        .env("AWS_ALLOW_HTTP", "true");
    let output = command
        .args(["generate", "--rows", "1000", "--out", &out])
        .output()
        .unwrap();
    assert_one_line_error(&output, 2, &["--out", "credentials"], "no credentials");
    // A bucket that does not exist.
    let output = cardgen_for(&server)
        .args([
            "generate",
            "--rows",
            "1000",
            "--parts",
            "2",
            "--out",
            "s3://no-such-bucket/x/",
        ])
        .output()
        .unwrap();
    assert_one_line_error(&output, 2, &["--out", "no-such-bucket"], "missing bucket");
    assert!(started.elapsed() < QUICKLY, "took {:?}", started.elapsed());
    // An endpoint nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let started = Instant::now();
    let output = cardgen_for(&server)
        .env("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{port}"))
        .args(["generate", "--rows", "1000", "--out", &out])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_ne!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains(&port.to_string()), "{stderr}");
    assert!(started.elapsed() < QUICKLY, "took {:?}", started.elapsed());
}
