//! Reads one CSV file with polars (header, every column, timestamps with offsets parsed) and
//! prints the rows and the seconds it took: the "bare polars read" reference.

use std::time::Instant;

use polars::prelude::*;

fn main() -> PolarsResult<()> {
    let path = std::env::args().nth(1).expect("usage: polars-read FILE [SEPARATOR]");
    let separator = std::env::args().nth(2).map_or(b',', |s| s.as_bytes()[0]);
    let started = Instant::now();
    let df = CsvReadOptions::default()
        .with_has_header(true)
        .with_parse_options(CsvParseOptions::default().with_separator(separator).with_try_parse_dates(true))
        .try_into_reader_with_file_path(Some(path.into()))?
        .finish()?;
    let seconds = started.elapsed().as_secs_f64();
    let types: Vec<String> = df.dtypes().iter().map(|d| d.to_string()).collect();
    println!("{} rows {seconds:.2} s [{}]", df.height(), types.join(", "));
    Ok(())
}
