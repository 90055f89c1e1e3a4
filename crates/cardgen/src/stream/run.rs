//! The sending thread: messages from the workers, put in the stream's
//! order, paced, sent, confirmed and checkpointed.

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use arrow_array::RecordBatch;
use arrow_array::cast::AsArray;
use arrow_array::types::{Int64Type, UInt8Type, UInt64Type};
use cardgen_core::BatchPlan;
use cardgen_core::timeline::MICROS_PER_DAY;
use cardgen_pipeline::stream::BatchStream;

use super::checkpoint::Checkpoint;
use super::messages::{EVENT, LABEL};
use super::order::{Acknowledged, Held, Holdback, Key};
use super::sink::{Message, Sink};
use super::{StreamOptions, StreamSummary, open_sink};
use crate::dataset::Dataset;
use crate::progress::Progress;
use crate::setting::Error;

/// Sent messages not yet confirmed beyond which files are flushed (a
/// topic's are bounded by the producer's queue).
const MAX_UNCONFIRMED: usize = 1 << 17;

/// Messages between two rounds of upkeep (confirmations, checkpoint).
const UPKEEP_EVERY: u64 = 1024;

/// How often the checkpoint is brought up to date.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

/// The stream of `options`; see [`stream`](super::stream).
pub(super) fn run(
    options: &StreamOptions,
    progress: &dyn Progress,
) -> Result<StreamSummary, Error> {
    options.validate()?;
    let dataset = options.spec().build()?;
    let fingerprint = super::fingerprint(options, &dataset);
    let resume = options.resume();
    let previous = match resume {
        Some(path) => Checkpoint::read(path)?,
        None => None,
    };
    if let (Some(previous), Some(path)) = (&previous, resume) {
        previous.check_options(path, &fingerprint)?;
    }
    let shift = match &previous {
        Some(previous) => previous.shift_micros,
        None if options.start_now() => shift_to_now(&dataset),
        None => 0,
    };
    let mut checkpoint = previous
        .clone()
        .unwrap_or_else(|| Checkpoint::new(fingerprint, shift));
    if previous.is_none() {
        checkpoint.from_row = options.from_row();
    }
    let position = checkpoint.position();
    let kept = previous.as_ref().map(|c| (c.events_bytes, c.labels_bytes));

    let threads = options.dataset().threads();
    let window = options.dataset().max_in_flight().unwrap_or(2 * threads);
    // In flight, plus one being built on each worker and one being sent.
    let table =
        super::message_table(options, &dataset, shift)?.reusing_buffers(window + threads + 1);
    let events = open_sink(options.to(), options, kept.map(|k| k.0), &table, EVENT)?;
    let labels = match options.labels_to() {
        Some(url) => Some(open_sink(url, options, kept.map(|k| k.1), &table, LABEL)?),
        None => None,
    };

    let spec = options.spec();
    let rows = spec.rows();
    let plan = BatchPlan::range(position.from_row, rows, options.stream_batch_rows())?;
    let batches = BatchStream::new(Arc::new(table), plan, threads, window)?;
    progress.planned(rows - position.from_row);

    let mut sender = Sender {
        events,
        labels,
        mixed: mixes_files_and_topics(options),
        holdback: Holdback::default(),
        acks: Acknowledged::new(position),
        pacer: super::pace::Pacer::new(options.speed(), options.rate()),
        skip_through: position.after,
        checkpoint,
        checkpoint_path: resume,
        last_checkpoint: Instant::now(),
        cancel: Arc::clone(options.dataset().cancel()),
        summary: StreamSummary::default(),
    };
    let started = Instant::now();
    let outcome = sender.send_all(batches, progress);
    let finished = outcome.and_then(|()| sender.finish());
    sender.summary.elapsed = started.elapsed();
    match finished {
        Ok(()) => Ok(sender.summary),
        Err(e) => {
            // Whatever was confirmed stays confirmed: a resume goes on after it.
            let _ = sender.save_checkpoint(false);
            Err(sender.explain(e))
        }
    }
}

/// The shift that makes the range's first instant now (whole seconds).
fn shift_to_now(dataset: &Dataset) -> i64 {
    let spec = dataset.spec();
    let offset = spec.scenario().profile().utc_offset_seconds * 1_000_000;
    let start_epoch_day = spec
        .start()
        .signed_duration_since(chrono::NaiveDate::default())
        .num_days();
    let range_start = start_epoch_day * MICROS_PER_DAY - offset
        + chrono::NaiveDate::default()
            .and_hms_opt(0, 0, 0)
            .expect("midnight")
            .and_utc()
            .timestamp_micros();
    let now = chrono::Utc::now().timestamp() * 1_000_000;
    now - range_start
}

fn mixes_files_and_topics(options: &StreamOptions) -> bool {
    let urls = [Some(options.to()), options.labels_to()];
    let topics = urls
        .iter()
        .flatten()
        .filter(|u| u.has_record_timestamps())
        .count();
    let others = urls.iter().flatten().count() - topics;
    topics > 0 && others > 0
}

struct Sender<'a> {
    events: Box<dyn Sink>,
    labels: Option<Box<dyn Sink>>,
    /// Files and topics at once: a checkpoint waits for both to confirm all.
    mixed: bool,
    holdback: Holdback,
    acks: Acknowledged,
    pacer: super::pace::Pacer,
    /// Sent before (a resumed stream): up to and with this key.
    skip_through: Option<Key>,
    checkpoint: Checkpoint,
    checkpoint_path: Option<&'a Path>,
    last_checkpoint: Instant,
    cancel: Arc<std::sync::atomic::AtomicBool>,
    summary: StreamSummary,
}

impl Sender<'_> {
    fn send_all(&mut self, batches: BatchStream, progress: &dyn Progress) -> Result<(), Error> {
        for batch in batches {
            let batch = batch?;
            let bytes = self.send_batch(&batch)?;
            let rows = batch
                .column(0)
                .as_primitive::<UInt8Type>()
                .values()
                .iter()
                .filter(|&&k| k == EVENT)
                .count();
            progress.advanced("transactions", rows as u64, bytes);
        }
        while let Some(held) = self.holdback.pop_before(None) {
            let from_row = self.holdback.lowest_row().unwrap_or(u64::MAX);
            self.send(held.key, held.card, &held.payload, from_row)?;
        }
        Ok(())
    }

    /// Sends a batch's messages in the stream's order; returns payload bytes.
    fn send_batch(&mut self, batch: &RecordBatch) -> Result<u64, Error> {
        let kind = batch.column(0).as_primitive::<UInt8Type>().values();
        let row = batch.column(1).as_primitive::<UInt64Type>().values();
        let emit = batch.column(2).as_primitive::<Int64Type>().values();
        let event_ts = batch.column(3).as_primitive::<Int64Type>().values();
        let card = batch.column(4).as_primitive::<Int64Type>().values();
        let payloads = batch.column(5).as_binary::<i32>();
        // A label is never sent before its own event's time, so holding them
        // all back first keeps the order.
        for i in (0..batch.num_rows()).filter(|&i| kind[i] == LABEL) {
            self.holdback.push(Held {
                key: (emit[i], LABEL, row[i]),
                card: card[i],
                payload: payloads.value(i).to_vec(),
            });
        }
        // On-time events next to each other in the batch, not yet sent: a
        // file takes them as one run of bytes (see `send_run`).
        let runs = self.takes_runs();
        let mut run = 0..0;
        for i in (0..batch.num_rows()).filter(|&i| kind[i] == EVENT) {
            let key = (emit[i], EVENT, row[i]);
            if emit[i] != event_ts[i] {
                self.send_run(batch, std::mem::take(&mut run))?;
                self.holdback.push(Held {
                    key,
                    card: card[i],
                    payload: payloads.value(i).to_vec(),
                });
                continue;
            }
            if self.holdback.has_before(key) {
                self.send_run(batch, std::mem::take(&mut run))?;
            }
            while let Some(held) = self.holdback.pop_before(Some(key)) {
                let from_row = self.holdback.lowest_row().map_or(row[i], |r| r.min(row[i]));
                self.send(held.key, held.card, &held.payload, from_row)?;
            }
            if runs {
                if run.end != i {
                    self.send_run(batch, std::mem::take(&mut run))?;
                    run = i..i;
                }
                run.end = i + 1;
                continue;
            }
            let from_row = self.resume_row_after(row[i]);
            self.send(key, card[i], payloads.value(i), from_row)?;
        }
        self.send_run(batch, run)?;
        self.summary.held_most = self.summary.held_most.max(self.holdback.bytes());
        Ok(payloads.values().len() as u64)
    }

    /// Where a stream would go on from once row `row`'s event is sent.
    fn resume_row_after(&self, row: u64) -> u64 {
        self.holdback
            .lowest_row()
            .map_or(row + 1, |held| held.min(row + 1))
    }

    /// Whether on-time events can go to their sink as runs of bytes: a
    /// file, in replay, with nothing to skip. (Paced or skipped messages
    /// go one at a time.)
    fn takes_runs(&mut self) -> bool {
        !self.pacer.is_live()
            && self.skip_through.is_none()
            && self.events.as_byte_stream().is_some()
    }

    /// Sends the on-time events `run` of `batch`, in order, as one run of
    /// bytes: their payloads lie end to end in the batch, so a file gets
    /// them with no copy and one write.
    fn send_run(&mut self, batch: &RecordBatch, run: Range<usize>) -> Result<(), Error> {
        if run.is_empty() {
            return Ok(());
        }
        self.check_cancel()?;
        let row = batch.column(1).as_primitive::<UInt64Type>().values();
        let emit = batch.column(2).as_primitive::<Int64Type>().values();
        let payloads = batch.column(5).as_binary::<i32>();
        let offsets = payloads.value_offsets();
        let bytes = &payloads.value_data()[offsets[run.start] as usize..offsets[run.end] as usize];
        let count = run.len() as u64;
        let mut first_seq = None;
        for i in run {
            let from_row = self.resume_row_after(row[i]);
            let seq = self.acks.sent((emit[i], EVENT, row[i]), from_row);
            first_seq.get_or_insert(seq);
        }
        let first_seq = first_seq.expect("a run is not empty");
        let last_seq = first_seq + count - 1;
        self.events
            .as_byte_stream()
            .expect("runs go only to byte streams")
            .send_run(first_seq, count, bytes)?;
        self.summary.events += count;
        self.summary.bytes += bytes.len() as u64;
        // Upkeep as often as one message at a time would do it: when the
        // run holds a multiple of UPKEEP_EVERY.
        if first_seq.next_multiple_of(UPKEEP_EVERY) <= last_seq {
            self.upkeep()?;
        }
        Ok(())
    }

    fn check_cancel(&self) -> Result<(), Error> {
        if self.cancel.load(Ordering::Relaxed) {
            return Err(Error::Interrupted {
                cleaned: String::new(),
            });
        }
        Ok(())
    }

    fn send(&mut self, key: Key, card: i64, payload: &[u8], from_row: u64) -> Result<(), Error> {
        self.check_cancel()?;
        if self.skip_through.is_some_and(|through| key <= through) {
            return Ok(());
        }
        loop {
            let wait = self.pacer.wait(key.0);
            if wait.is_zero() {
                break;
            }
            self.poll(wait.min(Duration::from_millis(20)))?;
            if self.cancel.load(Ordering::Relaxed) {
                return Err(Error::Interrupted {
                    cleaned: String::new(),
                });
            }
        }
        let seq = self.acks.sent(key, from_row);
        let message = Message {
            seq,
            kind: key.1,
            row: key.2,
            emit_ts: key.0,
            key: card,
            payload,
        };
        match key.1 {
            EVENT => {
                self.events.send(&message)?;
                self.summary.events += 1;
            }
            _ => {
                let labels = self
                    .labels
                    .as_deref_mut()
                    .expect("labels are made only with a sink");
                labels.send(&message)?;
                self.summary.labels += 1;
            }
        }
        self.summary.bytes += payload.len() as u64;
        self.pacer.sent();
        if seq.is_multiple_of(UPKEEP_EVERY) {
            self.upkeep()?;
        }
        Ok(())
    }

    /// Collects confirmations, bounds the unconfirmed record and keeps the
    /// checkpoint up to date: every [`UPKEEP_EVERY`] messages.
    fn upkeep(&mut self) -> Result<(), Error> {
        self.poll(Duration::ZERO)?;
        let unconfirmed = self.acks.unconfirmed();
        self.summary.unconfirmed_most = self.summary.unconfirmed_most.max(unconfirmed);
        if unconfirmed > MAX_UNCONFIRMED {
            // A file that gets few messages (labels) is flushed here, so
            // that the record of unconfirmed messages stays bounded.
            self.flush_files()?;
        }
        if self.last_checkpoint.elapsed() >= CHECKPOINT_EVERY {
            self.save_checkpoint(self.mixed)?;
        }
        Ok(())
    }

    fn poll(&mut self, wait: Duration) -> Result<(), Error> {
        let acks = &mut self.acks;
        self.events.poll(wait, &mut |seq| acks.confirm(seq))?;
        if let Some(labels) = self.labels.as_deref_mut() {
            labels.poll(Duration::ZERO, &mut |seq| acks.confirm(seq))?;
        }
        Ok(())
    }

    fn flush_files(&mut self) -> Result<(), Error> {
        let acks = &mut self.acks;
        for sink in [Some(self.events.as_mut()), self.labels.as_deref_mut()]
            .into_iter()
            .flatten()
        {
            if !sink.is_topic() {
                sink.flush(&mut |seq| acks.confirm(seq))?;
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), Error> {
        let acks = &mut self.acks;
        self.events.flush(&mut |seq| acks.confirm(seq))?;
        if let Some(labels) = self.labels.as_deref_mut() {
            labels.flush(&mut |seq| acks.confirm(seq))?;
        }
        Ok(())
    }

    /// Writes the checkpoint (if asked for) at the confirmed prefix. Files
    /// are flushed first; so are topics when `everything` (files and topics
    /// at once: each file's bytes must match the prefix exactly).
    fn save_checkpoint(&mut self, everything: bool) -> Result<(), Error> {
        self.last_checkpoint = Instant::now();
        let Some(path) = self.checkpoint_path else {
            return Ok(());
        };
        if everything {
            self.flush()?;
        } else {
            self.flush_files()?;
        }
        self.checkpoint.set_position(self.acks.position());
        self.checkpoint.events_bytes = self.events.acknowledged_bytes();
        self.checkpoint.labels_bytes = self.labels.as_deref().map_or(0, |s| s.acknowledged_bytes());
        self.checkpoint.write(path)
    }

    fn finish(&mut self) -> Result<(), Error> {
        self.flush()?;
        self.save_checkpoint(true)?;
        self.summary.position = self.acks.position();
        Ok(())
    }

    /// An interruption says where to go on.
    fn explain(&self, error: Error) -> Error {
        match error {
            Error::Interrupted { .. } => {
                let position = self.acks.position();
                let cleaned = match self.checkpoint_path {
                    Some(path) => format!(
                        "{} messages confirmed; go on with `resume` {}",
                        position.confirmed,
                        path.display()
                    ),
                    None => {
                        let next = position
                            .after
                            .map_or(position.from_row, |(_, _, row)| row + 1);
                        format!(
                            "{} messages confirmed; go on with `from_row` {next} (late events and labels still held back are not sent then), or keep a checkpoint with `resume` FILE to go on exactly",
                            position.confirmed
                        )
                    }
                };
                Error::Interrupted { cleaned }
            }
            other => other,
        }
    }
}
