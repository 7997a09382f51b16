//! How a batch of writes is run so that each request gets what it would have got alone.
//!
//! Two requests for the same row (two logins of one user, a push and its retry) cannot share
//! one multi-row statement: PostgreSQL refuses to upsert a row twice in one command, and only
//! one of them may be "the first". So a batch runs in rounds of distinct keys, in arrival
//! order. A round of several runs as one statement; if that statement fails, each request of
//! the round runs alone, so one bad request fails only itself. Reads need no rounds, only the
//! fallback ([`together_or_alone`]).

use std::collections::HashMap;
use std::hash::Hash;

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::Row;
use wxbase_core::StoreError;

use crate::errors::SqlxResultExt;

/// The positions of `requests` grouped into rounds: a request goes into the round after the
/// one holding the previous request with its key, so no round holds a key twice.
pub fn distinct_rounds<R, K: Eq + Hash>(requests: &[R], key: impl Fn(&R) -> K) -> Vec<Vec<usize>> {
    let mut seen: HashMap<K, usize> = HashMap::with_capacity(requests.len());
    let mut rounds: Vec<Vec<usize>> = Vec::new();
    for (position, request) in requests.iter().enumerate() {
        let count = seen.entry(key(request)).or_insert(0);
        if rounds.len() <= *count {
            rounds.push(Vec::new());
        }
        rounds[*count].push(position);
        *count += 1;
    }
    rounds
}

/// A statement that can run for one request or, as one statement, for many.
#[async_trait]
pub trait Statement: Send + Sync {
    type Request: Sync;
    type Answer: Send;

    /// Runs `members` as one statement; one answer per member, in order.
    async fn together(&self, members: &[&Self::Request]) -> Result<Vec<Self::Answer>, StoreError>;

    /// Runs one request.
    async fn alone(&self, request: &Self::Request) -> Result<Self::Answer, StoreError>;
}

/// Runs `requests` round by round (see [`distinct_rounds`]) with [`together_or_alone`].
/// Returns one result per request, in order.
pub async fn run_in_rounds<S: Statement, K: Eq + Hash>(
    statement: &S,
    requests: &[S::Request],
    key: fn(&S::Request) -> K,
) -> Vec<Result<S::Answer, StoreError>> {
    let mut results: Vec<Option<Result<S::Answer, StoreError>>> = std::iter::repeat_with(|| None)
        .take(requests.len())
        .collect();
    for round in distinct_rounds(requests, key) {
        let members: Vec<&S::Request> = round.iter().map(|&i| &requests[i]).collect();
        let answers = together_or_alone(statement, &members).await;
        for (&position, answer) in round.iter().zip(answers) {
            results[position] = Some(answer);
        }
    }
    results
        .into_iter()
        .map(|result| {
            result.unwrap_or_else(|| Err(StoreError::Backend("a write was not attempted".into())))
        })
        .collect()
}

/// Runs one request alone and several together; if the statement together is refused (or
/// answers the wrong number of requests), each runs alone. If the database is unavailable,
/// every request fails at once: running them one by one would make the last caller wait for
/// every connection timeout before it. One result per request, in order.
pub async fn together_or_alone<S: Statement>(
    statement: &S,
    members: &[&S::Request],
) -> Vec<Result<S::Answer, StoreError>> {
    if let [only] = members {
        return vec![statement.alone(only).await];
    }
    match statement.together(members).await {
        Ok(answers) if answers.len() == members.len() => {
            return answers.into_iter().map(Ok).collect();
        }
        Ok(answers) => tracing::warn!(
            asked = members.len(),
            answered = answers.len(),
            "a batched statement answered the wrong number of requests; running each alone"
        ),
        Err(StoreError::Unavailable(cause)) => {
            let cause = describe(cause.as_ref());
            return members
                .iter()
                .map(|_| Err(StoreError::Unavailable(cause.clone().into())))
                .collect();
        }
        Err(error) => tracing::debug!(
            size = members.len(),
            error = %describe(&error),
            "a batched statement failed; running each request alone"
        ),
    }
    let mut each = Vec::with_capacity(members.len());
    for member in members {
        each.push(statement.alone(member).await);
    }
    each
}

/// An error and its causes on one line (`StoreError`'s own message leaves the cause out).
fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    text
}

/// The answer slot a row's 1-based `position` column points at.
pub fn answer_slot<'a, T>(answers: &'a mut [T], row: &PgRow) -> Result<&'a mut T, StoreError> {
    let position: i64 = row.try_get("position").or_store_error()?;
    usize::try_from(position - 1)
        .ok()
        .and_then(|i| answers.get_mut(i))
        .ok_or_else(|| StoreError::Corrupt(format!("a batched row's position {position}")))
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    #[test]
    fn repeated_keys_go_to_later_rounds_in_arrival_order() {
        let rounds = distinct_rounds(&["a", "b", "a", "c", "a", "b"], |s| *s);
        assert_eq!(rounds, vec![vec![0, 1, 3], vec![2, 5], vec![4]]);
    }

    #[test]
    fn distinct_keys_make_one_round() {
        assert_eq!(distinct_rounds(&[1, 2, 3], |n| *n), vec![vec![0, 1, 2]]);
        assert!(distinct_rounds(&[] as &[u8], |n| *n).is_empty());
    }

    /// Multiplies by ten; 13 fails, alone or in company, and 99 finds the database down.
    /// Logs every statement it runs.
    #[derive(Default)]
    struct TimesTen {
        log: Mutex<Vec<String>>,
    }

    #[async_trait]
    impl Statement for TimesTen {
        type Request = i32;
        type Answer = i32;

        async fn together(&self, members: &[&i32]) -> Result<Vec<i32>, StoreError> {
            let list: Vec<String> = members.iter().map(|n| n.to_string()).collect();
            self.log
                .lock()
                .expect("log")
                .push(format!("together {}", list.join(",")));
            if members.iter().any(|n| **n == 13) {
                return Err(StoreError::Backend("unlucky".into()));
            }
            if members.iter().any(|n| **n == 99) {
                return Err(StoreError::Unavailable("connection refused".into()));
            }
            Ok(members.iter().map(|n| **n * 10).collect())
        }

        async fn alone(&self, n: &i32) -> Result<i32, StoreError> {
            self.log.lock().expect("log").push(format!("alone {n}"));
            if *n == 13 {
                return Err(StoreError::Backend("unlucky".into()));
            }
            Ok(*n * 10)
        }
    }

    #[tokio::test]
    async fn a_failed_round_is_run_request_by_request_and_only_the_bad_one_fails() {
        let statement = TimesTen::default();
        let results = run_in_rounds(&statement, &[1, 2, 13, 4], |n| *n).await;
        let answers: Vec<Option<i32>> = results.into_iter().map(Result::ok).collect();
        assert_eq!(answers, vec![Some(10), Some(20), None, Some(40)]);
        assert_eq!(
            *statement.log.lock().expect("log"),
            vec![
                "together 1,2,13,4",
                "alone 1",
                "alone 2",
                "alone 13",
                "alone 4"
            ]
        );
    }

    #[tokio::test]
    async fn when_the_database_is_unavailable_the_whole_round_fails_at_once() {
        let statement = TimesTen::default();
        let results = run_in_rounds(&statement, &[1, 99, 2], |n| *n).await;
        for result in &results {
            let error = result.as_ref().expect_err("nobody is answered");
            assert!(matches!(error, StoreError::Unavailable(_)));
            assert!(
                std::error::Error::source(error).is_some_and(|c| c.to_string().contains("refused")),
                "the cause is kept: {error:?}"
            );
        }
        assert_eq!(*statement.log.lock().expect("log"), vec!["together 1,99,2"]);
    }

    #[tokio::test]
    async fn a_repeated_key_runs_after_the_round_holding_its_first_occurrence() {
        let statement = TimesTen::default();
        let results = run_in_rounds(&statement, &[5, 6, 5, 7], |n| *n).await;
        let answers: Vec<i32> = results.into_iter().map(|r| r.expect("answer")).collect();
        assert_eq!(answers, vec![50, 60, 50, 70]);
        assert_eq!(
            *statement.log.lock().expect("log"),
            vec!["together 5,6,7", "alone 5"]
        );
    }
}
