//! Visit length: `visit_minutes_mean`, `visit_minutes_median`, `short_visit_share`.

use rayon::prelude::*;

use super::FigureContext;
use crate::ingest::Visit;

/// The valid durations of a set of visits, sorted.
pub struct DurationStats {
    pub minutes: Vec<f64>,
}

impl DurationStats {
    pub fn of<'a>(visits: impl Iterator<Item = &'a Visit>, ctx: &FigureContext) -> DurationStats {
        let mut minutes: Vec<f64> = visits.filter_map(|v| ctx.valid_minutes(v)).collect();
        // A total order, so the sorted values (and their sum) do not depend on the sort used.
        minutes.par_sort_unstable_by(f64::total_cmp);
        DurationStats { minutes }
    }

    pub fn count(&self) -> usize {
        self.minutes.len()
    }

    pub fn sum(&self) -> f64 {
        self.minutes.iter().sum()
    }

    pub fn mean(&self) -> Option<f64> {
        (!self.minutes.is_empty()).then(|| self.sum() / self.minutes.len() as f64)
    }

    /// The middle value; of an even count, the mean of the two middle values.
    pub fn median(&self) -> Option<f64> {
        let n = self.minutes.len();
        match n {
            0 => None,
            _ if n % 2 == 1 => Some(self.minutes[n / 2]),
            _ => Some((self.minutes[n / 2 - 1] + self.minutes[n / 2]) / 2.0),
        }
    }

    /// Valid durations under `short` minutes over all valid durations.
    pub fn short_share(&self, short: f64) -> Option<f64> {
        let n = self.minutes.len();
        (n > 0).then(|| self.minutes.partition_point(|m| *m < short) as f64 / n as f64)
    }
}
