//! Outputs read by people: Swedish labels and the terminal summary.

pub mod labels;
pub mod terminal;
