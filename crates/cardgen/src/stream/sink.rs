//! Where a stream's messages go: standard output, a file (one message per
//! line) or a Kafka topic, and what each has acknowledged.
//!
//! A sink takes messages in the stream's order and says which it has
//! acknowledged: a file or stdout as soon as the bytes are handed to the
//! operating system (on [`Sink::flush`]), Kafka when the broker confirms
//! the write. The stream's checkpoint only ever moves past acknowledged
//! messages.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, Instant};

use crate::setting::Error;

/// A sink as the options name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SinkUrl {
    /// `-`: standard output.
    Stdout,
    /// A local file, one message per line (JSON) or length-prefixed (Avro).
    File(PathBuf),
    /// `kafka://HOST:PORT[,HOST:PORT…]/TOPIC`.
    Kafka { brokers: String, topic: String },
}

/// Accepted sinks, for messages.
pub const SINKS_ACCEPTED: &str = "accepted: - (stdout), a file path, kafka://HOST:PORT/TOPIC";

impl SinkUrl {
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text == "-" {
            return Ok(SinkUrl::Stdout);
        }
        if text.is_empty() {
            return Err(format!("empty; {SINKS_ACCEPTED}"));
        }
        let Some((scheme, rest)) = text.split_once("://") else {
            return Ok(SinkUrl::File(PathBuf::from(text)));
        };
        if !scheme.eq_ignore_ascii_case("kafka") {
            return Err(format!("`{scheme}://` is not a sink; {SINKS_ACCEPTED}"));
        }
        let Some((brokers, topic)) = rest.split_once('/') else {
            return Err(format!("names no topic; {SINKS_ACCEPTED}"));
        };
        for broker in brokers.split(',') {
            let port = broker
                .rsplit_once(':')
                .map(|(host, port)| (host, port.parse::<u16>()));
            if !matches!(port, Some((host, Ok(p))) if !host.is_empty() && p > 0) {
                return Err(format!("`{broker}` is not HOST:PORT; {SINKS_ACCEPTED}"));
            }
        }
        let valid_topic = !topic.is_empty()
            && topic.len() <= 249
            && topic
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
        if !valid_topic {
            return Err(format!(
                "topic `{topic}` is not 1 to 249 of a-z, A-Z, 0-9, '.', '_', '-'; {SINKS_ACCEPTED}"
            ));
        }
        Ok(SinkUrl::Kafka {
            brokers: brokers.to_string(),
            topic: topic.to_string(),
        })
    }

    /// Whether two sinks are one place (the same file, the same topic).
    pub(crate) fn same_place(&self, other: &SinkUrl) -> bool {
        match (self, other) {
            (SinkUrl::File(a), SinkUrl::File(b)) => normal(a) == normal(b),
            (SinkUrl::Stdout, SinkUrl::Stdout) => true,
            (
                SinkUrl::Kafka {
                    brokers: a,
                    topic: t,
                },
                SinkUrl::Kafka {
                    brokers: b,
                    topic: u,
                },
            ) => a == b && t == u,
            _ => false,
        }
    }

    /// Whether the sink keeps its own record timestamp (Kafka): if not,
    /// each message carries `emit_ts`.
    pub fn has_record_timestamps(&self) -> bool {
        matches!(self, SinkUrl::Kafka { .. })
    }
}

fn normal(path: &Path) -> PathBuf {
    path.components()
        .filter(|c| *c != Component::CurDir)
        .collect()
}

impl fmt::Display for SinkUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SinkUrl::Stdout => f.write_str("-"),
            SinkUrl::File(path) => write!(f, "{}", path.display()),
            SinkUrl::Kafka { brokers, topic } => write!(f, "kafka://{brokers}/{topic}"),
        }
    }
}

/// One message to send. A file takes its payload alone; a topic its key,
/// timestamp and place in the stream too.
#[derive(Debug, Clone, Copy)]
#[cfg_attr(
    not(feature = "kafka"),
    expect(
        dead_code,
        reason = "only the Kafka sink reads a message's key and place"
    )
)]
pub struct Message<'a> {
    /// Its place in the stream's order (this run's count).
    pub seq: u64,
    pub kind: u8,
    pub row: u64,
    /// When it is sent, UTC microseconds (Kafka's record timestamp).
    pub emit_ts: i64,
    /// The card id.
    pub key: i64,
    pub payload: &'a [u8],
}

/// A place messages go; see the module docs.
pub trait Sink {
    /// Queues `message`; may block while the sink's own buffer is full.
    fn send(&mut self, message: &Message<'_>) -> Result<(), Error>;

    /// Calls `acked` with every message acknowledged since the last call,
    /// waiting up to `wait` for one.
    fn poll(&mut self, wait: std::time::Duration, acked: &mut dyn FnMut(u64)) -> Result<(), Error>;

    /// Hands everything queued over and waits for its acknowledgement.
    fn flush(&mut self, acked: &mut dyn FnMut(u64)) -> Result<(), Error>;

    /// Whether the sink confirms on its own (a topic) rather than at flush.
    fn is_topic(&self) -> bool {
        false
    }

    /// The sink as a [`ByteStream`], if it takes runs of payloads as bytes.
    fn as_byte_stream(&mut self) -> Option<&mut dyn ByteStream> {
        None
    }

    /// Bytes acknowledged so far, for a file (where a resumed stream
    /// cuts the file back to), else 0.
    fn acknowledged_bytes(&self) -> u64 {
        0
    }
}

/// Standard output or a file: the payloads as they come, framed by the
/// workers (JSON one message per line; Avro each datum after its length).
pub struct WriteSink<W: Write> {
    name: String,
    out: BufWriter<W>,
    /// Sent but not yet flushed: each run's first message and count.
    pending: Vec<(u64, u64)>,
    /// How many messages `pending` holds.
    unflushed: u64,
    written: u64,
    flushed: u64,
    last_flush: Instant,
}

/// How long a file or stdout holds messages before handing them over.
pub const FLUSH_EVERY: Duration = Duration::from_millis(100);

/// A sink that takes bytes as they are, many messages at a time: a run of
/// a batch's payloads, side by side, is written with no copy of its own.
pub trait ByteStream {
    /// Queues `count` messages numbered from `first_seq`, whose framed
    /// payloads are `bytes` end to end.
    fn send_run(&mut self, first_seq: u64, count: u64, bytes: &[u8]) -> Result<(), Error>;
}

impl WriteSink<std::io::Stdout> {
    pub fn stdout() -> Self {
        WriteSink::new("stdout".into(), std::io::stdout(), 0)
    }
}

impl WriteSink<File> {
    /// Creates `path`, refusing one that is there with data unless
    /// `keep` bytes of it are to be kept (a resumed stream): then the rest
    /// is cut off and the stream goes on after them.
    pub fn file(path: &Path, keep: Option<u64>) -> Result<Self, Error> {
        let fail = |reason: String| Error::Sink {
            sink: path.display().to_string(),
            reason,
        };
        let io = |e: std::io::Error| fail(e.to_string());
        let file = match keep {
            None => {
                if path.metadata().is_ok_and(|m| m.len() > 0) {
                    return Err(fail(
                        "already holds events; remove it, or go on with `resume` CHECKPOINT".into(),
                    ));
                }
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(io)?;
                }
                File::create(path).map_err(io)?
            }
            Some(bytes) => {
                let mut file = OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create(true)
                    .truncate(false)
                    .open(path)
                    .map_err(io)?;
                let len = file.metadata().map_err(io)?.len();
                if len < bytes {
                    return Err(fail(format!(
                        "holds {len} bytes, but the checkpoint says {bytes} were written; it is not the file the checkpoint belongs to"
                    )));
                }
                file.set_len(bytes).map_err(io)?;
                file.seek(SeekFrom::End(0)).map_err(io)?;
                file
            }
        };
        Ok(WriteSink::new(
            path.display().to_string(),
            file,
            keep.unwrap_or(0),
        ))
    }
}

impl<W: Write> WriteSink<W> {
    fn new(name: String, out: W, written: u64) -> Self {
        Self {
            name,
            // A run longer than this goes to `out` straight from the batch.
            out: BufWriter::with_capacity(1 << 20, out),
            pending: Vec::new(),
            unflushed: 0,
            written,
            flushed: written,
            last_flush: Instant::now(),
        }
    }

    fn io_error(&self, e: std::io::Error) -> Error {
        Error::Sink {
            sink: self.name.clone(),
            reason: e.to_string(),
        }
    }
}

impl<W: Write> ByteStream for WriteSink<W> {
    fn send_run(&mut self, first_seq: u64, count: u64, bytes: &[u8]) -> Result<(), Error> {
        self.out.write_all(bytes).map_err(|e| self.io_error(e))?;
        self.written += bytes.len() as u64;
        match self.pending.last_mut() {
            Some((first, n)) if *first + *n == first_seq => *n += count,
            _ => self.pending.push((first_seq, count)),
        }
        self.unflushed += count;
        Ok(())
    }
}

impl<W: Write> Sink for WriteSink<W> {
    fn send(&mut self, message: &Message<'_>) -> Result<(), Error> {
        self.send_run(message.seq, 1, message.payload)
    }

    fn as_byte_stream(&mut self) -> Option<&mut dyn ByteStream> {
        Some(self)
    }

    fn poll(
        &mut self,
        _wait: std::time::Duration,
        acked: &mut dyn FnMut(u64),
    ) -> Result<(), Error> {
        // What the buffer has handed to the system is not known piecewise;
        // messages are acknowledged at flush. A flush at least every
        // FLUSH_EVERY shows a live stream's events as they are sent, and
        // confirms them: the stream's record of messages sent but not yet
        // confirmed must not grow behind a sink that gets few messages.
        if !self.pending.is_empty()
            && (self.unflushed >= 1 << 16 || self.last_flush.elapsed() >= FLUSH_EVERY)
        {
            self.flush(acked)?;
        }
        Ok(())
    }

    fn flush(&mut self, acked: &mut dyn FnMut(u64)) -> Result<(), Error> {
        self.out.flush().map_err(|e| self.io_error(e))?;
        self.last_flush = Instant::now();
        self.flushed = self.written;
        for (first, count) in self.pending.drain(..) {
            (first..first + count).for_each(&mut *acked);
        }
        self.unflushed = 0;
        Ok(())
    }

    fn acknowledged_bytes(&self) -> u64 {
        self.flushed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_as_people_write_them() {
        assert_eq!(SinkUrl::parse("-").unwrap(), SinkUrl::Stdout);
        assert_eq!(
            SinkUrl::parse("out/events.jsonl").unwrap(),
            SinkUrl::File("out/events.jsonl".into())
        );
        assert_eq!(
            SinkUrl::parse("kafka://127.0.0.1:9092/card-events").unwrap(),
            SinkUrl::Kafka {
                brokers: "127.0.0.1:9092".into(),
                topic: "card-events".into()
            }
        );
        for bad in [
            "kafka://host/topic",
            "kafka://host:99999/t",
            "kafka://h:1/",
            "kafka://h:1/a b",
            "s3://b/k",
            "kafka://h:1",
        ] {
            let err = SinkUrl::parse(bad).unwrap_err();
            assert!(err.contains("accepted: -"), "{bad}: {err}");
        }
    }

    #[test]
    fn a_resumed_file_is_cut_back_to_what_was_acknowledged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.jsonl");
        let mut acked = Vec::new();
        let mut sink = WriteSink::file(&path, None).unwrap();
        for seq in 0..3 {
            let message = Message {
                seq,
                kind: 0,
                row: seq,
                emit_ts: 0,
                key: 1,
                payload: b"{}\n",
            };
            sink.send(&message).unwrap();
        }
        // Two more at once, as a batch's run of on-time events.
        let run = sink.as_byte_stream().expect("a file takes runs");
        run.send_run(3, 2, b"{}\n{}\n").unwrap();
        sink.flush(&mut |s| acked.push(s)).unwrap();
        assert_eq!(acked, [0, 1, 2, 3, 4]);
        assert_eq!(sink.acknowledged_bytes(), 15);
        drop(sink);
        assert!(WriteSink::file(&path, None).is_err(), "not overwritten");
        let sink = WriteSink::file(&path, Some(6)).unwrap();
        drop(sink);
        assert_eq!(std::fs::read(&path).unwrap(), b"{}\n{}\n");
    }
}
