//! Judging a value: requirement bounds, the status of a figure, and the municipality-wide row.

use serde::{Deserialize, Serialize};

/// The supplier id of the municipality-wide rows.
pub const ALL: &str = "ALL";

/// A requirement: `min ≤ value ≤ max`, both inclusive, either may be absent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bound {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

impl Bound {
    pub fn is_set(&self) -> bool {
        self.min.is_some() || self.max.is_some()
    }

    pub fn contains(&self, value: f64) -> bool {
        self.min.is_none_or(|m| value >= m) && self.max.is_none_or(|m| value <= m)
    }

    /// How far `value` lies outside the bounds (0 within them).
    pub fn distance(&self, value: f64) -> f64 {
        self.min.map_or(0.0, |m| m - value).max(self.max.map_or(0.0, |m| value - m)).max(0.0)
    }
}

/// The status of a figure in the outputs (SPEC §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Deviation,
    Missing,
    Info,
}

impl Status {
    /// Whether the row was judged against a requirement or limit (`ok` or `deviation`): a
    /// metric of SPEC §9.
    pub fn is_judged(self) -> bool {
        match self {
            Status::Ok | Status::Deviation => true,
            Status::Missing | Status::Info => false,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Deviation => "deviation",
            Status::Missing => "missing",
            Status::Info => "info",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        match s {
            "ok" => Some(Status::Ok),
            "deviation" => Some(Status::Deviation),
            "missing" => Some(Status::Missing),
            "info" => Some(Status::Info),
            _ => None,
        }
    }

    /// A missing value is never a deviation; without a requirement a value is for information.
    pub fn judge(value: Option<f64>, requirement: Option<Bound>) -> Status {
        match (value, requirement) {
            (None, _) => Status::Missing,
            (Some(_), None) => Status::Info,
            (Some(v), Some(bound)) if bound.contains(v) => Status::Ok,
            (Some(_), Some(_)) => Status::Deviation,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_inclusive() {
        let b = Bound { min: Some(0.75), max: Some(1.0) };
        assert!(b.contains(0.75) && b.contains(1.0));
        assert!(!b.contains(0.7499) && !b.contains(1.0001));
        assert_eq!(b.distance(0.5), 0.25);
        assert_eq!(b.distance(1.5), 0.5);
        assert_eq!(b.distance(0.8), 0.0);
    }

    #[test]
    fn missing_is_never_a_deviation() {
        let b = Some(Bound { min: Some(0.9), max: None });
        assert_eq!(Status::judge(None, b), Status::Missing);
        assert_eq!(Status::judge(Some(0.5), None), Status::Info);
        assert_eq!(Status::judge(Some(0.9), b), Status::Ok);
        assert_eq!(Status::judge(Some(0.89), b), Status::Deviation);
    }
}
