//! Outputs read by people: one module per output, each a function from results to a file or
//! text, with no computation inside.

pub mod charts;
pub mod docx;
pub mod html;
pub mod investigation;
pub mod labels;
pub mod matrix_csv;
pub mod plan;
pub mod terminal;
pub mod xlsx;
