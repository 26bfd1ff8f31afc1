//! One month's computation: the tallies of raw counts, the key figures folded from them, the
//! flags, the evidence behind each deviation, and the analysed month that holds them all.

pub mod analysis;
pub mod evidence;
pub mod figures;
pub mod flags;
pub mod payment;
pub mod sample;
