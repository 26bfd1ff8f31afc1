//! `tidkoll config`: print the defaults or check a file.

use anyhow::Result;

use crate::cli::ConfigArgs;
use crate::config::{Config, DEFAULT_TOML};

pub fn run(args: &ConfigArgs) -> Result<()> {
    if args.print_defaults {
        use std::io::Write;
        std::io::stdout().write_all(DEFAULT_TOML.as_bytes())?;
        return Ok(());
    }
    if let Some(path) = &args.check {
        Config::load(path)?;
        super::say(&format!("{}: konfigurationen är giltig\n", path.display()))?;
    }
    Ok(())
}
