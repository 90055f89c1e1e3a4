//! A Kafka topic as a stream's sink, through librdkafka (the `rdkafka`
//! crate): the most complete Kafka client, with the idempotent producer
//! that keeps each partition free of duplicates and gaps while it retries.
//!
//! Each message goes to the partition Kafka's own default partitioner
//! would pick for its key (murmur2 of the card id's digits), so every
//! consumer and a resumed stream agree on where a card's events are. Its
//! record timestamp is its emit time. A message carries nothing else: a
//! resumed stream reads, per partition, the last message that arrived
//! before a crash, takes its row from the payload's first field (`txn_id`,
//! the row) and works out its place in the stream from that row, so that it
//! sends none of them twice. (A header with the place cost a quarter of the
//! throughput to the broker: librdkafka allocates headers per message.)
//!
//! The producer's queue is capped (messages and bytes), so a broker that
//! goes away holds the stream in bounded memory while librdkafka retries
//! with backoff; a message not confirmed within [`DELIVERY_TIMEOUT`] fails
//! the stream.

use std::sync::Mutex;
use std::time::Duration;

use rdkafka::ClientContext;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::Message as _;
use rdkafka::producer::{BaseProducer, BaseRecord, DeliveryResult, Producer, ProducerContext};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};

use super::format::{self, EventFormat};
use super::order::Key;
use super::sink::{Message, Sink};
use crate::setting::Error;

/// How long a broker has to answer before the stream gives up on it.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a message may wait for the broker's confirmation. With a
/// request's own timeout of 10 s, a broker gone for good fails the stream
/// within 30 s (measured: 28 s after a kill with 20 s and the default 30 s
/// request timeout, so both are shorter).
pub const DELIVERY_TIMEOUT: Duration = Duration::from_secs(15);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Partitions of a topic the stream creates.
pub const NEW_TOPIC_PARTITIONS: i32 = 3;

/// Collects confirmations and failures from librdkafka's callbacks.
#[derive(Default)]
struct Confirmations {
    confirmed: Mutex<Vec<u64>>,
    failed: Mutex<Option<String>>,
}

impl ClientContext for Confirmations {}

impl ProducerContext for Confirmations {
    type DeliveryOpaque = usize;

    fn delivery(&self, result: &DeliveryResult<'_>, seq: usize) {
        match result {
            Ok(_) => self
                .confirmed
                .lock()
                .expect("not poisoned")
                .push(seq as u64),
            Err((error, _)) => {
                let mut failed = self.failed.lock().expect("not poisoned");
                failed.get_or_insert_with(|| error.to_string());
            }
        }
    }
}

pub struct KafkaSink {
    url: String,
    topic: String,
    producer: BaseProducer<Confirmations>,
    partitions: u32,
    /// Per partition, the last message already there (a resumed stream).
    already_sent: Vec<Option<Key>>,
    /// Confirmed without being sent again (already in the topic).
    confirmed_here: Vec<u64>,
    key: String,
    /// How payloads are encoded (and framed, which a message leaves out).
    format: EventFormat,
}

/// A message's place in the stream from its row (the message of this sink's
/// kind): how a resumed stream reads the last message of a partition.
pub type PlaceOfRow<'a> = &'a dyn Fn(u64) -> Result<Key, Error>;

impl KafkaSink {
    /// Reaches the broker, creates the topic if there is none, and, when
    /// resuming (`place_of` given), reads the last message of each partition.
    pub fn open(
        brokers: &str,
        topic: &str,
        format: EventFormat,
        place_of: Option<PlaceOfRow<'_>>,
    ) -> Result<Self, Error> {
        let url = format!("kafka://{brokers}/{topic}");
        let fail = |reason: String| Error::Sink {
            sink: url.clone(),
            reason,
        };
        let mut config = ClientConfig::new();
        config
            .set("bootstrap.servers", brokers)
            .set("client.id", "cardgen")
            .set("enable.idempotence", "true")
            .set("linger.ms", "5")
            .set("queue.buffering.max.messages", "200000")
            .set("queue.buffering.max.kbytes", "65536")
            .set(
                "message.timeout.ms",
                DELIVERY_TIMEOUT.as_millis().to_string(),
            )
            .set(
                "request.timeout.ms",
                REQUEST_TIMEOUT.as_millis().to_string(),
            )
            .set("log_level", "3");
        let producer: BaseProducer<Confirmations> = config
            .create_with_context(Confirmations::default())
            .map_err(|e| fail(e.to_string()))?;
        let partitions =
            match partition_count(&producer, topic).map_err(|e| fail(unreachable(&e)))? {
                Some(n) => n,
                None => {
                    create_topic(&config, topic)
                        .map_err(|e| fail(format!("creating the topic failed: {e}")))?;
                    partition_count(&producer, topic)
                        .map_err(|e| fail(unreachable(&e)))?
                        .ok_or_else(|| fail("the topic was created but has no partitions".into()))?
                }
            };
        let mut already_sent = vec![None; partitions as usize];
        if let Some(place_of) = place_of {
            let rows = last_rows(brokers, topic, partitions, format).map_err(|e| {
                fail(format!(
                    "reading the last message of each partition failed: {e}"
                ))
            })?;
            for (place, row) in already_sent.iter_mut().zip(rows) {
                *place = row.map(place_of).transpose()?;
            }
        }
        Ok(Self {
            url,
            topic: topic.to_string(),
            producer,
            partitions,
            already_sent,
            confirmed_here: Vec::new(),
            key: String::new(),
            format,
        })
    }

    /// Fails once the broker has not confirmed a message in time.
    fn check_deliveries(&self) -> Result<(), Error> {
        let failed = self
            .producer
            .context()
            .failed
            .lock()
            .expect("not poisoned")
            .take();
        match failed {
            Some(reason) => Err(Error::Sink {
                sink: self.url.clone(),
                reason: format!(
                    "a message was not confirmed within {} s: {reason}",
                    DELIVERY_TIMEOUT.as_secs()
                ),
            }),
            None => Ok(()),
        }
    }

    fn collect(&mut self, acked: &mut dyn FnMut(u64)) -> Result<(), Error> {
        self.check_deliveries()?;
        let context = self.producer.context();
        for seq in self.confirmed_here.drain(..) {
            acked(seq);
        }
        for seq in context.confirmed.lock().expect("not poisoned").drain(..) {
            acked(seq);
        }
        Ok(())
    }
}

/// The partition Kafka's default partitioner picks for `key`.
pub fn partition_of(key: &[u8], partitions: u32) -> u32 {
    (murmur2::murmur2(key, murmur2::KAFKA_SEED) & 0x7fff_ffff) % partitions
}

impl Sink for KafkaSink {
    fn send(&mut self, message: &Message<'_>) -> Result<(), Error> {
        use std::fmt::Write as _;
        self.key.clear();
        write!(self.key, "{}", message.key).expect("a string takes digits");
        let partition = partition_of(self.key.as_bytes(), self.partitions);
        let place = (message.emit_ts, message.kind, message.row);
        if self.already_sent[partition as usize].is_some_and(|last| place <= last) {
            self.confirmed_here.push(message.seq);
            return Ok(());
        }
        let mut record = BaseRecord::with_opaque_to(&self.topic, message.seq as usize)
            .key(self.key.as_str())
            .payload(self.format.unframed(message.payload))
            .partition(partition as i32)
            .timestamp(message.emit_ts.div_euclid(1000));
        loop {
            match self.producer.send(record) {
                Ok(()) => return Ok(()),
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    // The queue is full: wait for the broker, in bounded memory.
                    record = back;
                    self.producer.poll(Duration::from_millis(50));
                    self.check_deliveries()?;
                }
                Err((error, _)) => {
                    return Err(Error::Sink {
                        sink: self.url.clone(),
                        reason: error.to_string(),
                    });
                }
            }
        }
    }

    fn poll(&mut self, wait: Duration, acked: &mut dyn FnMut(u64)) -> Result<(), Error> {
        self.producer.poll(wait);
        self.collect(acked)
    }

    fn flush(&mut self, acked: &mut dyn FnMut(u64)) -> Result<(), Error> {
        let flushed = self
            .producer
            .flush(DELIVERY_TIMEOUT + Duration::from_secs(5));
        self.collect(acked)?;
        flushed.map_err(|e| Error::Sink {
            sink: self.url.clone(),
            reason: format!(
                "messages were not confirmed within {} s: {e}",
                DELIVERY_TIMEOUT.as_secs()
            ),
        })
    }

    fn is_topic(&self) -> bool {
        true
    }
}

fn unreachable(error: &KafkaError) -> String {
    format!(
        "no broker answered within {} s ({error}); is it running, and is the address right?",
        CONNECT_TIMEOUT.as_secs()
    )
}

/// The topic's partitions, or `None` when there is no such topic.
fn partition_count(
    producer: &BaseProducer<Confirmations>,
    topic: &str,
) -> Result<Option<u32>, KafkaError> {
    let metadata = producer
        .client()
        .fetch_metadata(Some(topic), CONNECT_TIMEOUT)?;
    Ok(metadata
        .topics()
        .iter()
        .find(|t| t.name() == topic && t.error().is_none())
        .map(|t| t.partitions().len() as u32)
        .filter(|&n| n > 0))
}

fn create_topic(config: &ClientConfig, topic: &str) -> Result<(), KafkaError> {
    let admin: AdminClient<_> = config.create()?;
    let new = NewTopic::new(topic, NEW_TOPIC_PARTITIONS, TopicReplication::Fixed(1));
    let options = AdminOptions::new().operation_timeout(Some(CONNECT_TIMEOUT));
    let results = futures_executor::block_on(admin.create_topics([&new], &options))?;
    for result in results {
        if let Err((_, code)) = result
            && code != RDKafkaErrorCode::TopicAlreadyExists
        {
            return Err(KafkaError::AdminOp(code));
        }
    }
    Ok(())
}

/// Per partition, the row of its last message. Each partition is read from
/// its reported end to the end it actually has: a broker may report a high
/// watermark a batch behind (Tansu 0.6 does).
fn last_rows(
    brokers: &str,
    topic: &str,
    partitions: u32,
    format: EventFormat,
) -> Result<Vec<Option<u64>>, String> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", "cardgen-resume")
        .set("enable.auto.commit", "false")
        .set("enable.partition.eof", "true")
        .set("log_level", "3")
        .create()
        .map_err(|e| e.to_string())?;
    let mut last = Vec::with_capacity(partitions as usize);
    for partition in 0..partitions as i32 {
        let (low, high) = consumer
            .fetch_watermarks(topic, partition, CONNECT_TIMEOUT)
            .map_err(|e| e.to_string())?;
        let from = if high > low {
            Offset::Offset(high - 1)
        } else {
            Offset::Beginning
        };
        let mut list = TopicPartitionList::new();
        list.add_partition_offset(topic, partition, from)
            .map_err(|e| e.to_string())?;
        consumer.assign(&list).map_err(|e| e.to_string())?;
        let mut row = None;
        loop {
            match consumer.poll(CONNECT_TIMEOUT) {
                Some(Ok(message)) => {
                    let payload = message.payload().unwrap_or_default();
                    let found = format::first_row(payload, format).ok_or_else(|| {
                        format!(
                            "partition {partition} holds a message that is not a cardgen {} event; resume into the topic the checkpoint belongs to",
                            format.name()
                        )
                    })?;
                    row = Some(found);
                }
                Some(Err(KafkaError::PartitionEOF(_))) => break,
                Some(Err(e)) => return Err(e.to_string()),
                None => {
                    return Err(format!(
                        "partition {partition}: its end not reached within {} s",
                        CONNECT_TIMEOUT.as_secs()
                    ));
                }
            }
        }
        last.push(row);
    }
    Ok(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_one_partition_in_range() {
        for key in ["0", "21", "123456789"] {
            let p = partition_of(key.as_bytes(), 3);
            assert!(p < 3);
            assert_eq!(p, partition_of(key.as_bytes(), 3));
        }
    }
}
