//! The work over stored months: the follow-up over time (streaks, recommendations), the
//! quarter's matrix and plans, the year's account and the investigation of one supplier.

pub mod followup;
pub mod investigate;
pub mod payment_sum;
pub mod quarter;
pub mod sample;
pub mod year;
