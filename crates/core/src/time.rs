//! Instants as Unix milliseconds: what the database stores and what APIs print as RFC 3339.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// A point in time, in milliseconds since the Unix epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The current time.
    pub fn now() -> Self {
        let since_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Self(i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX))
    }

    /// From milliseconds since the epoch, as stored.
    pub fn from_millis(millis: i64) -> Self {
        Self(millis)
    }

    /// Milliseconds since the epoch, for storage.
    pub fn as_millis(self) -> i64 {
        self.0
    }

    /// This instant plus `duration` (saturating).
    pub fn plus(self, duration: Duration) -> Self {
        let millis = i64::try_from(duration.as_millis()).unwrap_or(i64::MAX);
        Self(self.0.saturating_add(millis))
    }

    /// This instant minus `duration` (saturating).
    pub fn minus(self, duration: Duration) -> Self {
        let millis = i64::try_from(duration.as_millis()).unwrap_or(i64::MAX);
        Self(self.0.saturating_sub(millis))
    }

    /// RFC 3339 in UTC with milliseconds, e.g. `2026-11-24T10:00:00.123Z`.
    pub fn to_rfc3339(self) -> String {
        let nanos = i128::from(self.0) * 1_000_000;
        OffsetDateTime::from_unix_timestamp_nanos(nanos)
            .ok()
            .and_then(|instant| instant.format(&Rfc3339).ok())
            .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_owned())
    }
}

/// In the OpenAPI document: an RFC 3339 date-time string, as it is serialized.
impl utoipa::PartialSchema for Timestamp {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .into()
    }
}

impl utoipa::ToSchema for Timestamp {}

impl Timestamp {
    /// Reads an RFC 3339 time (`2026-11-24T10:00:00Z`, any offset).
    pub fn parse_rfc3339(text: &str) -> Option<Self> {
        let instant = OffsetDateTime::parse(text, &Rfc3339).ok()?;
        i64::try_from(instant.unix_timestamp_nanos() / 1_000_000)
            .ok()
            .map(Self)
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_rfc3339())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_added_and_taken_away_saturating() {
        let at = Timestamp::from_millis(10_000);
        assert_eq!(
            at.plus(Duration::from_secs(2)),
            Timestamp::from_millis(12_000)
        );
        assert_eq!(
            at.minus(Duration::from_secs(2)),
            Timestamp::from_millis(8_000)
        );
        assert_eq!(
            Timestamp::from_millis(i64::MIN + 1).minus(Duration::from_secs(1)),
            Timestamp::from_millis(i64::MIN)
        );
    }

    #[test]
    fn timestamps_print_as_rfc3339_utc() {
        assert_eq!(
            Timestamp::from_millis(1_714_036_504_123).to_rfc3339(),
            "2024-04-25T09:15:04.123Z"
        );
        assert_eq!(
            Timestamp::from_millis(0).to_rfc3339(),
            "1970-01-01T00:00:00Z"
        );
    }

    #[test]
    fn adding_a_duration_moves_forward() {
        let start = Timestamp::from_millis(1_000);
        assert_eq!(start.plus(Duration::from_secs(2)).as_millis(), 3_000);
    }
}
