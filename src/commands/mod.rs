//! One module per subcommand, wiring the pieces together.

pub mod config;
pub mod generate;
pub mod investigate;
pub mod monthly;
pub mod quarter;
pub mod year;

use anyhow::Result;

use crate::cli::{Cli, Command};

pub fn run(cli: Cli) -> Result<()> {
    // Every chart's text is laid out with the embedded font.
    crate::report::area_chart::register_fonts();
    match cli.command {
        Command::Monthly(args) => monthly::run(&args),
        Command::Config(args) => config::run(&args),
        Command::Generate(args) => generate::run(&args),
        Command::Quarter(args) => quarter::run(&args),
        Command::Year(args) => year::run(&args),
        Command::Investigate(args) => investigate::run(&args),
    }
}
