//! Natural batching: requests that arrive while the database is busy go to it together.
//!
//! A [`Batcher`] keeps at most `in_flight` batches running. A request that finds a free slot
//! runs at once, as a batch of one, so a quiet server adds no latency. Requests that arrive
//! while every slot is busy wait in the queue, and the next free slot takes all of them (up to
//! `max_batch`) as one batch: under load, one round trip, one statement and one commit serve
//! many requests. The batch function answers each request on its own, so callers see exactly
//! what they would have seen alone.

use std::future::Future;
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot, Semaphore};
use wxbase_core::StoreError;

/// Most requests that may wait in one batcher's queue; callers beyond it wait to enqueue.
const QUEUE_CAPACITY: usize = 4096;

/// How much a batcher may run at once.
#[derive(Debug, Clone, Copy)]
pub struct BatchLimits {
    /// Batches running at the same time (each holds one pooled connection).
    pub in_flight: usize,
    /// Most requests in one batch.
    pub max_batch: usize,
}

/// A queue of requests of type `R`, each answered with an `A`, run in batches.
#[derive(Debug)]
pub struct Batcher<R, A> {
    queue: mpsc::Sender<Pending<R, A>>,
}

impl<R, A> Clone for Batcher<R, A> {
    fn clone(&self) -> Self {
        Self {
            queue: self.queue.clone(),
        }
    }
}

/// One request and where its answer goes.
#[derive(Debug)]
struct Pending<R, A> {
    request: R,
    answer: oneshot::Sender<Result<A, StoreError>>,
}

impl<R: Send + 'static, A: Send + 'static> Batcher<R, A> {
    /// Starts the dispatcher on the current tokio runtime. `run` gets a batch of requests and
    /// returns one result per request, in the same order. The dispatcher stops when the last
    /// clone of the batcher is dropped.
    pub fn start<F, Fut>(limits: BatchLimits, run: F) -> Self
    where
        F: Fn(Vec<R>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Vec<Result<A, StoreError>>> + Send + 'static,
    {
        let (queue, receiver) = mpsc::channel(QUEUE_CAPACITY);
        tokio::spawn(dispatch(receiver, limits, Arc::new(run)));
        Self { queue }
    }

    /// Queues `request` and waits for its answer.
    pub async fn submit(&self, request: R) -> Result<A, StoreError> {
        let (answer, answered) = oneshot::channel();
        self.queue
            .send(Pending { request, answer })
            .await
            .map_err(|_| stopped())?;
        answered.await.map_err(|_| stopped())?
    }
}

/// Takes a free slot, then everything queued (at least one request), and runs it as a batch.
async fn dispatch<R, A, F, Fut>(
    mut receiver: mpsc::Receiver<Pending<R, A>>,
    limits: BatchLimits,
    run: Arc<F>,
) where
    R: Send + 'static,
    A: Send + 'static,
    F: Fn(Vec<R>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Vec<Result<A, StoreError>>> + Send + 'static,
{
    let slots = Arc::new(Semaphore::new(limits.in_flight.max(1)));
    let max_batch = limits.max_batch.max(1);
    loop {
        let Ok(slot) = Arc::clone(&slots).acquire_owned().await else {
            return;
        };
        let mut batch = Vec::new();
        if receiver.recv_many(&mut batch, max_batch).await == 0 {
            return; // every sender is gone: the store was dropped
        }
        let run = Arc::clone(&run);
        tokio::spawn(async move {
            let (requests, answers): (Vec<R>, Vec<_>) = batch
                .into_iter()
                .map(|pending| (pending.request, pending.answer))
                .unzip();
            let asked = answers.len();
            let results = run(requests).await;
            let answered = results.len();
            let mut results = results.into_iter();
            for answer in answers {
                let result = results.next().unwrap_or_else(|| {
                    Err(StoreError::Backend(
                        format!("a batch of {asked} requests got {answered} answers").into(),
                    ))
                });
                // The caller may have given up waiting; the work is done either way.
                let _ = answer.send(result);
            }
            drop(slot);
        });
    }
}

fn stopped() -> StoreError {
    StoreError::Unavailable(
        "the request's batch ended without an answer (the store is closing, or the batch panicked)"
            .into(),
    )
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    fn doubling(
        sizes: Arc<std::sync::Mutex<Vec<usize>>>,
        limits: BatchLimits,
    ) -> Batcher<u32, u32> {
        Batcher::start(limits, move |requests: Vec<u32>| {
            let sizes = Arc::clone(&sizes);
            async move {
                sizes.lock().expect("sizes").push(requests.len());
                tokio::time::sleep(Duration::from_millis(20)).await;
                requests.into_iter().map(|n| Ok(n * 2)).collect()
            }
        })
    }

    #[tokio::test]
    async fn a_lone_request_runs_at_once_as_a_batch_of_one() {
        let sizes = Arc::default();
        let limits = BatchLimits {
            in_flight: 2,
            max_batch: 100,
        };
        let batcher = doubling(Arc::clone(&sizes), limits);
        assert_eq!(batcher.submit(21).await.expect("answer"), 42);
        assert_eq!(*sizes.lock().expect("sizes"), vec![1]);
    }

    /// Submits every request at once, each from its own task, and returns the answers in order.
    async fn submit_all(batcher: &Batcher<u32, u32>, requests: std::ops::Range<u32>) -> Vec<u32> {
        let tasks: Vec<_> = requests
            .map(|n| {
                let batcher = batcher.clone();
                tokio::spawn(async move { batcher.submit(n).await })
            })
            .collect();
        let mut answers = Vec::new();
        for task in tasks {
            answers.push(task.await.expect("task").expect("answer"));
        }
        answers
    }

    #[tokio::test]
    async fn requests_that_wait_for_a_slot_share_one_batch_and_each_gets_its_own_answer() {
        let sizes = Arc::default();
        let limits = BatchLimits {
            in_flight: 1,
            max_batch: 100,
        };
        let batcher = doubling(Arc::clone(&sizes), limits);
        let answers = submit_all(&batcher, 0..50).await;
        assert_eq!(answers, (0..50).map(|n| n * 2).collect::<Vec<_>>());
        let sizes = sizes.lock().expect("sizes");
        assert_eq!(sizes.iter().sum::<usize>(), 50);
        assert!(sizes.len() < 50, "no batching happened: {sizes:?}");
    }

    #[tokio::test]
    async fn no_batch_is_larger_than_the_limit_and_no_more_run_at_once_than_allowed() {
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let limits = BatchLimits {
            in_flight: 2,
            max_batch: 3,
        };
        let (r, m) = (Arc::clone(&running), Arc::clone(&most));
        let batcher = Batcher::start(limits, move |requests: Vec<u32>| {
            let (running, most) = (Arc::clone(&r), Arc::clone(&m));
            async move {
                assert!(requests.len() <= 3, "a batch of {}", requests.len());
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(5)).await;
                running.fetch_sub(1, Ordering::SeqCst);
                requests.into_iter().map(Ok).collect()
            }
        });
        let answers = submit_all(&batcher, 0..20).await;
        assert_eq!(answers, (0..20).collect::<Vec<_>>());
        assert!(most.load(Ordering::SeqCst) <= 2);
    }

    #[tokio::test]
    async fn a_batch_that_answers_too_few_fails_the_unanswered_requests() {
        let limits = BatchLimits {
            in_flight: 1,
            max_batch: 10,
        };
        let batcher = Batcher::start(limits, |_requests: Vec<u32>| async {
            Vec::<Result<u32, _>>::new()
        });
        let error = batcher.submit(1).await.expect_err("no answer");
        assert!(error.to_string().contains("database"), "{error}");
    }
}
