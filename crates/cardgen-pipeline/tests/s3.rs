//! Object-store storage against a real S3 server (SeaweedFS on loopback):
//! the same promises as local storage — a file appears only on commit, a
//! dropped upload leaves nothing — and failures that come back in seconds
//! with a message saying what to fix.
//!
//! Each test that needs a server starts its own (a few seconds), so that
//! every server is killed when its test ends. Settings are passed as
//! options, not environment variables, which the tests' threads share.
#![cfg(feature = "s3")]

#[path = "common/s3_server.rs"]
mod s3_server;

use std::io::Write;
use std::net::TcpListener;
use std::time::{Duration, Instant};

use cardgen_pipeline::storage::{self, PART_BYTES, Storage, StorageError};
use cardgen_s3_test::s3_test;
use s3_server::S3Server;

/// Generous for a loaded CI machine; the limits in the code are ~15 s.
const QUICKLY: Duration = Duration::from_secs(30);

/// The storage at `s3://BUCKET/prefix` of `server`, with its settings.
fn open(server: &S3Server, bucket: &str, prefix: &str) -> Box<dyn Storage> {
    let env = server.env();
    let options: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    storage::open_with_options(&format!("s3://{bucket}/{prefix}"), &options).unwrap()
}

/// Deterministic bytes that differ part to part, so misordered or repeated
/// parts would not compare equal.
fn pattern(len: usize) -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

#[s3_test]
fn a_large_file_arrives_whole_as_a_multipart_upload_only_on_commit() {
    let server = S3Server::start();
    let storage = open(&server, server.bucket(), "run");
    let data = pattern(25 << 20);
    let mut upload = storage.create("t/part-0.parquet").unwrap();
    // Odd-sized writes, as a Parquet writer makes them.
    for chunk in data.chunks(1_000_003) {
        upload.write_all(chunk).unwrap();
    }
    assert_eq!(
        storage.size("t/part-0.parquet").unwrap(),
        None,
        "visible before commit"
    );
    assert_eq!(upload.commit().unwrap(), data.len() as u64);

    assert_eq!(storage.get("t/part-0.parquet").unwrap().unwrap(), data);
    // Read back in more than one range, too.
    let expected = (data.len() as u64, crc32fast::hash(&data));
    assert_eq!(
        storage.checksum("t/part-0.parquet").unwrap(),
        Some(expected)
    );
    // A completed multipart upload's ETag is `"MD5-OF-PART-MD5S-N"` with N
    // its number of parts; a single PUT's is a plain MD5.
    let parts = data.len().div_ceil(PART_BYTES);
    let etag = http_etag(&server, "run/t/part-0.parquet");
    assert!(
        etag.ends_with(&format!("-{parts}")),
        "ETag {etag}: not {parts} parts"
    );
}

#[s3_test]
fn a_dropped_upload_leaves_nothing() {
    let server = S3Server::start();
    let storage = open(&server, server.bucket(), "run");
    // Past two parts, so a multipart upload is open when it is dropped.
    let mut upload = storage.create("t/part-1.parquet").unwrap();
    upload.write_all(&pattern(2 * PART_BYTES + 100)).unwrap();
    drop(upload);
    // And one small enough to be a single PUT at commit.
    let mut small = storage.create("t/part-2.parquet").unwrap();
    small.write_all(b"half").unwrap();
    drop(small);

    assert_eq!(storage.size("t/part-1.parquet").unwrap(), None);
    assert_eq!(storage.list("").unwrap(), Vec::<String>::new());
    let pending = http_get(&server, &format!("/{}/?uploads", server.bucket()));
    assert!(
        !pending.contains("<UploadId>"),
        "upload not aborted: {pending}"
    );
}

#[s3_test]
fn an_upload_fails_in_seconds_when_the_server_dies_midway() {
    let mut server = S3Server::start();
    let storage = open(&server, server.bucket(), "run");
    let mut upload = storage.create("t/part-3.parquet").unwrap();
    upload.write_all(&pattern(PART_BYTES + 1)).unwrap();
    server.kill();
    let start = Instant::now();
    // Parts go in the background: a failure shows in a later write, or at
    // the latest in the commit, which must not complete the upload.
    let part = pattern(PART_BYTES);
    let wrote = (0..4).try_for_each(|_| upload.write_all(&part));
    let outcome = match wrote {
        Ok(()) => upload.commit().map(drop).map_err(|e| e.to_string()),
        Err(e) => {
            let again = upload.write_all(b"more").unwrap_err().to_string();
            assert!(again.contains("an earlier part failed"), "{again}");
            let commit = upload.commit().unwrap_err().to_string();
            assert!(commit.contains("not committed"), "{commit}");
            Err(e.to_string())
        }
    };
    let err = outcome.unwrap_err();
    assert!(start.elapsed() < QUICKLY, "took {:?}", start.elapsed());
    assert!(
        err.contains("s3://cardgen-test/run/t/part-3.parquet"),
        "{err}"
    );
}

#[s3_test]
fn put_if_absent_refuses_an_existing_name() {
    let server = S3Server::start();
    let storage = open(&server, server.bucket(), "run");
    storage.put("_cardgen/d.json", b"one", true).unwrap();
    let err = storage.put("_cardgen/d.json", b"two", true).unwrap_err();
    assert!(matches!(err, StorageError::AlreadyExists { .. }), "{err}");
    let bucket = server.bucket();
    assert_eq!(
        err.to_string(),
        format!("s3://{bucket}/run/_cardgen/d.json already exists")
    );
    assert_eq!(storage.get("_cardgen/d.json").unwrap().unwrap(), b"one");
    storage.put("_cardgen/d.json", b"three", false).unwrap();
    assert_eq!(storage.get("_cardgen/d.json").unwrap().unwrap(), b"three");
}

#[s3_test]
fn list_size_checksum_and_delete_behave_like_local_storage() {
    let server = S3Server::start();
    let storage = open(&server, server.bucket(), "out/run-1/");
    // Outside the root: never listed.
    open(&server, server.bucket(), "out/run-10")
        .put("x", b"no", false)
        .unwrap();
    for name in ["b/2.parquet", "a.json", "b/1.parquet", "b/c/3.parquet"] {
        storage.put(name, name.as_bytes(), false).unwrap();
    }
    let all = ["a.json", "b/1.parquet", "b/2.parquet", "b/c/3.parquet"];
    assert_eq!(storage.list("").unwrap(), all);
    assert_eq!(storage.list("b/").unwrap(), &all[1..]);
    assert_eq!(storage.list("b").unwrap(), &all[1..]);
    assert_eq!(storage.list("a.json").unwrap(), ["a.json"]);
    assert_eq!(storage.list("nothing/").unwrap(), Vec::<String>::new());

    assert_eq!(storage.size("a.json").unwrap(), Some(6));
    assert_eq!(storage.size("missing").unwrap(), None);
    assert_eq!(storage.get("missing").unwrap(), None);
    let expected = (6, crc32fast::hash(b"a.json"));
    assert_eq!(storage.checksum("a.json").unwrap(), Some(expected));
    assert_eq!(storage.checksum("missing").unwrap(), None);

    storage.put("empty", b"", false).unwrap();
    assert_eq!(
        storage.checksum("empty").unwrap(),
        Some((0, crc32fast::hash(b"")))
    );

    storage.delete("a.json").unwrap();
    storage.delete("a.json").unwrap();
    assert_eq!(storage.size("a.json").unwrap(), None);
    let bucket = server.bucket();
    assert_eq!(
        storage.location("b/1.parquet"),
        format!("s3://{bucket}/out/run-1/b/1.parquet")
    );
    storage.check().unwrap();
}

#[test]
fn missing_credentials_are_refused_before_any_request() {
    let start = Instant::now();
    let options = [
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
        ("AWS_REGION", "us-east-1"),
    ];
    let err = storage::open_with_options("s3://bucket/prefix", &options).unwrap_err();
    assert!(matches!(err, StorageError::Config { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.starts_with("s3://bucket/prefix: no credentials: set AWS_ACCESS_KEY_ID"),
        "{text}"
    );
    assert!(!text.contains('\n'), "{text}");
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );

    // A public bucket needs none, if the user says so.
    let public = [
        ("AWS_SKIP_SIGNATURE", "true"),
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
    ];
    storage::open_with_options("s3://bucket/prefix", &public).unwrap();
}

#[test]
fn an_unreachable_endpoint_fails_check_quickly_naming_it() {
    let port = closed_port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let options = [
        ("AWS_ENDPOINT_URL", endpoint.as_str()),
        ("AWS_ACCESS_KEY_ID", "k"),
        ("AWS_SECRET_ACCESS_KEY", "s"),
    ];
    let storage = storage::open_with_options("s3://bucket/prefix", &options).unwrap();
    let start = Instant::now();
    let text = storage.check().unwrap_err().to_string();
    assert!(start.elapsed() < QUICKLY, "took {:?}", start.elapsed());
    assert!(
        text.starts_with(&format!("s3://bucket/prefix: cannot reach {endpoint}: ")),
        "{text}"
    );
    assert!(!text.contains('\n'), "{text}");
}

#[test]
fn a_server_that_never_answers_fails_check_quickly() {
    // Accepts connections (the kernel completes them) but never replies.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", silent.local_addr().unwrap());
    let options = [
        ("AWS_ENDPOINT_URL", endpoint.as_str()),
        ("AWS_ACCESS_KEY_ID", "k"),
        ("AWS_SECRET_ACCESS_KEY", "s"),
    ];
    let storage = storage::open_with_options("s3://bucket/prefix", &options).unwrap();
    let start = Instant::now();
    let text = storage.check().unwrap_err().to_string();
    assert!(start.elapsed() < QUICKLY, "took {:?}", start.elapsed());
    assert!(text.contains(&format!("cannot reach {endpoint}")), "{text}");
}

#[s3_test]
fn a_missing_bucket_or_wrong_credentials_fail_check_saying_so() {
    let server = S3Server::start();
    let storage = open(&server, "no-such-bucket", "prefix");
    let start = Instant::now();
    let text = storage.check().unwrap_err().to_string();
    assert!(start.elapsed() < QUICKLY, "took {:?}", start.elapsed());
    assert_eq!(
        text,
        "s3://no-such-bucket/prefix: bucket `no-such-bucket` does not exist"
    );

    let endpoint = server.endpoint();
    let options = [
        ("AWS_ENDPOINT_URL", endpoint.as_str()),
        ("AWS_ACCESS_KEY_ID", s3_server::ACCESS_KEY),
        ("AWS_SECRET_ACCESS_KEY", "not-the-secret"),
    ];
    let location = format!("s3://{}/prefix", server.bucket());
    let storage = storage::open_with_options(&location, &options).unwrap();
    let text = storage.check().unwrap_err().to_string();
    assert!(
        text.starts_with(&format!("{location}: access denied: ")),
        "{text}"
    );
    assert!(!text.contains('\n'), "{text}");

    open(&server, server.bucket(), "prefix").check().unwrap();
}

/// A port on 127.0.0.1 that nothing listens on.
fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// The ETag of `key`, from a listing of the bucket (the `Storage`
/// interface does not show ETags).
fn http_etag(server: &S3Server, key: &str) -> String {
    let listing = http_get(
        server,
        &format!("/{}/?list-type=2&prefix={key}", server.bucket()),
    );
    let start = listing.find("<ETag>").expect("an ETag in the listing") + "<ETag>".len();
    let end = start + listing[start..].find("</ETag>").unwrap();
    listing[start..end]
        .replace("&#34;", "")
        .replace("&quot;", "")
        .replace('"', "")
}

/// An anonymous GET of `path` on the server, returning the body.
fn http_get(server: &S3Server, path: &str) -> String {
    let (status, body) = server.get(path);
    assert_eq!(status, 200, "GET {path}: {body}");
    body
}
