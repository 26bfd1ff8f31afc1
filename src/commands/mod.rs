//! One module per subcommand, wiring the pieces together.

pub mod config;
pub mod generate;
pub mod investigate;
pub mod monthly;
pub mod quarter;
pub mod sample;
pub mod year;

use anyhow::Result;

use crate::cli::{Cli, Command};

/// Writes `text` to standard output. A pipe closed by the reader (`| head`) comes back as an
/// error, which `main` ends quietly with exit 0 (the results are already stored), instead of
/// the panic of `print!`.
pub fn say(text: &str) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Monthly(args) => monthly::run(&args),
        Command::Config(args) => config::run(&args),
        Command::Generate(args) => generate::run(&args),
        Command::Quarter(args) => quarter::run(&args),
        Command::Year(args) => year::run(&args),
        Command::Investigate(args) => investigate::run(&args),
        Command::Sample(args) => sample::run(&args),
    }
}
