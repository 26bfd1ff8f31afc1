//! Command-line arguments: only what the user typed, checked later into a `Config`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "tidkoll",
    version,
    about = "Monthly follow-up of home-care (hemtjänst) time registrations",
    long_about = "Monthly follow-up of home-care (hemtjänst) time registrations: key figures per supplier, \
anomaly flags down to the visit, and the results stored per month.\n\n\
Exit codes: 0 done, 1 other error, 2 usage or configuration error, 3 input refused.",
    after_help = "Examples:\n  \
tidkoll monthly --visits fixtures/canonical/visits-2025-03.csv --granted fixtures/canonical/granted-2025-03.csv --addons fixtures/canonical/addons-2025-03.csv\n  \
tidkoll monthly --config kommun.toml --visits mars.csv --visits mars-rättelser.csv --month 2025-03 --out resultat\n  \
tidkoll quarter --quarter 2025-Q1\n  \
tidkoll year --year 2025\n  \
tidkoll investigate --supplier \"Trygg Vård AB\" --quarter 2025-Q1\n  \
tidkoll config --print-defaults > kommun.toml\n  \
tidkoll generate --out exempel --dialect swedish --months 2025-01,2025-02,2025-03"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compute one month's key figures and flags and store them in OUT/YYYY-MM/.
    #[command(
        after_help = "Example:\n  tidkoll monthly --visits visits.csv --granted granted.csv --addons addons.csv --config kommun.toml --out tidkoll-out"
    )]
    Monthly(MonthlyArgs),
    /// Make the quarterly matrix and draft action plans from the stored months in OUT/YYYY-Qn/.
    #[command(
        after_help = "Examples:\n  tidkoll quarter --quarter 2025-Q1\n  tidkoll quarter --quarter 2025-Q2 --out resultat --allow-partial"
    )]
    Quarter(QuarterArgs),
    /// Make the year's account for the committee (årsrapport) from the stored months in OUT/YYYY/.
    #[command(after_help = "Examples:\n  tidkoll year --year 2025\n  tidkoll year --year 2025 --config kommun.toml --out resultat")]
    Year(YearArgs),
    /// Investigate one supplier: figures, ranked staff and clients, flagged visits, charts.
    #[command(
        after_help = "Examples:\n  tidkoll investigate --supplier \"Trygg Vård AB\" --quarter 2025-Q1\n  tidkoll investigate --supplier \"Trygg Vård AB\" --month 2025-03 --out resultat"
    )]
    Investigate(InvestigateArgs),
    /// Show or check the configuration file.
    #[command(after_help = "Examples:\n  tidkoll config --print-defaults > kommun.toml\n  tidkoll config --check kommun.toml")]
    Config(ConfigArgs),
    /// Write example export files with known deviations (deterministic by seed).
    #[command(
        after_help = "Examples:\n  tidkoll generate --out exempel\n  tidkoll generate --out big --visits 10000000 --months 2025-03 --no-extras\n  tidkoll generate --out national --shape national --visits 12500000 --months 2025-03"
    )]
    Generate(GenerateArgs),
}

#[derive(Debug, Args)]
pub struct MonthlyArgs {
    /// Visits export (may be given several times; earlier files win on a repeated visit_id).
    #[arg(long, value_name = "FILE", required = true)]
    pub visits: Vec<PathBuf>,
    /// Granted time per client and month (needed for completion_rate).
    #[arg(long, value_name = "FILE")]
    pub granted: Option<PathBuf>,
    /// Add-on reports (needed for addon_reporting_rate and addon_late_share).
    #[arg(long, value_name = "FILE")]
    pub addons: Option<PathBuf>,
    /// Client absences from the municipality's case system: hospital, short-term care,
    /// deceased (needed for during_absence; columns client_id, absent_from, absent_to, reason).
    #[arg(long, value_name = "FILE")]
    pub absences: Option<PathBuf>,
    /// Month to analyse, YYYY-MM [default: the month most visits belong to].
    #[arg(long, value_name = "YYYY-MM")]
    pub month: Option<String>,
    /// Configuration file (TOML); see `tidkoll config --print-defaults`.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Results directory; the month goes to OUT/YYYY-MM/.
    #[arg(long, value_name = "DIR", default_value = "tidkoll-out")]
    pub out: PathBuf,
    /// No progress display and no summary table; errors are still printed.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct QuarterArgs {
    /// The quarter, YYYY-Qn; its three months must have been run with `tidkoll monthly`.
    #[arg(long, value_name = "YYYY-Qn")]
    pub quarter: String,
    /// Configuration file; only compared with the one each month was judged with (a warning
    /// names the figures whose requirements differ). Values and statuses are the months' own.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Results directory holding the months (OUT/YYYY-MM/); the quarter goes to OUT/YYYY-Qn/.
    #[arg(long, value_name = "DIR", default_value = "tidkoll-out")]
    pub out: PathBuf,
    /// Make the matrix even when a month has not been run; the month is marked missing.
    #[arg(long)]
    pub allow_partial: bool,
    /// Print only the result directory.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct YearArgs {
    /// The year, YYYY; the months of it that have been run with `tidkoll monthly` are used and
    /// the others named as missing.
    #[arg(long, value_name = "YYYY")]
    pub year: String,
    /// Configuration file whose [escalation] rules decide the proposals for a deeper follow-up
    /// [default: the rules stored with the year's last month]. Values and statuses are the
    /// months' own.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Results directory holding the months (OUT/YYYY-MM/); the year goes to OUT/YYYY/.
    #[arg(long, value_name = "DIR", default_value = "tidkoll-out")]
    pub out: PathBuf,
    /// Print only the result directory.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("period").required(true)))]
pub struct InvestigateArgs {
    /// The supplier id as in the exports (and in figures.csv).
    #[arg(long, value_name = "ID")]
    pub supplier: String,
    /// One month, YYYY-MM.
    #[arg(long, value_name = "YYYY-MM", group = "period")]
    pub month: Option<String>,
    /// A quarter, YYYY-Qn (the months that have been run).
    #[arg(long, value_name = "YYYY-Qn", group = "period")]
    pub quarter: Option<String>,
    /// A year, YYYY (the months that have been run), with how long each deviation has lasted.
    #[arg(long, value_name = "YYYY", group = "period")]
    pub year: Option<String>,
    /// Results directory holding the months; the investigation goes to OUT/utredningar/.
    #[arg(long, value_name = "DIR", default_value = "tidkoll-out")]
    pub out: PathBuf,
    /// Print only the result directory.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("action").required(true)))]
pub struct ConfigArgs {
    /// Print the complete default configuration (valid TOML to edit and pass to --config).
    #[arg(long, group = "action")]
    pub print_defaults: bool,
    /// Check a configuration file and report the first error.
    #[arg(long, value_name = "FILE", group = "action")]
    pub check: Option<PathBuf>,
}

/// `--dialect`, as typed; the library's `generate::Dialect` knows no clap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DialectArg {
    /// UTF-8, `,`, canonical column names, timestamps with offset, decimal point.
    Canonical,
    /// Windows-1252, `;`, Swedish column names, local times, decimal comma, personnummer.
    Swedish,
}

/// `--shape`, as typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShapeArg {
    /// Five suppliers with known deviations (repeated per 500,000 visits).
    Example,
    /// A national month: many suppliers, personnummer client ids.
    National,
}

impl From<ShapeArg> for crate::generate::Shape {
    fn from(arg: ShapeArg) -> Self {
        match arg {
            ShapeArg::Example => crate::generate::Shape::Example,
            ShapeArg::National => crate::generate::Shape::National,
        }
    }
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Directory to write into (created if needed).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Months to generate, comma-separated.
    #[arg(long, value_name = "YYYY-MM,...", default_value = "2025-01,2025-02,2025-03", value_delimiter = ',')]
    pub months: Vec<String>,
    /// Export dialect.
    #[arg(long, value_enum, default_value = "canonical")]
    pub dialect: DialectArg,
    /// Shape of the month: `example` (five suppliers with known deviations, more in groups of
    /// five per 500,000 visits) or `national` (about 60 suppliers per million visits, ~200
    /// clients and ~125 staff each, every client id a personnummer, as in a national month).
    #[arg(long, value_enum, default_value = "example")]
    pub shape: ShapeArg,
    /// Approximate number of visits per month.
    #[arg(long, default_value_t = 3000)]
    pub visits: u64,
    /// Seed of the random generator: the same seed gives the same files.
    #[arg(long, default_value_t = 2025)]
    pub seed: u64,
    /// Write only the visits files (no granted, add-on or config files).
    #[arg(long)]
    pub no_extras: bool,
}

impl From<DialectArg> for crate::generate::Dialect {
    fn from(arg: DialectArg) -> Self {
        match arg {
            DialectArg::Canonical => crate::generate::Dialect::Canonical,
            DialectArg::Swedish => crate::generate::Dialect::Swedish,
        }
    }
}

/// A command-line error in Swedish (clap's own messages are English): what is wrong, the
/// argument it concerns, and where the help is. `None` for help and version, which are printed
/// as clap gives them.
pub fn error_sv(err: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let context = |kind| {
        err.get(kind).map(|v| match v {
            ContextValue::String(s) => s.clone(),
            ContextValue::Strings(list) => list.join(", "),
            other => other.to_string(),
        })
    };
    let arg = context(ContextKind::InvalidArg).unwrap_or_default();
    let value = context(ContextKind::InvalidValue).unwrap_or_default();
    let what = match err.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => return None,
        ErrorKind::InvalidSubcommand => format!(
            "okänt kommando '{}'; kommandona är monthly, quarter, year, investigate, config och generate",
            context(ContextKind::InvalidSubcommand).unwrap_or_default()
        ),
        ErrorKind::MissingSubcommand => "ange ett kommando: monthly, quarter, year, investigate, config eller generate".to_string(),
        ErrorKind::UnknownArgument => format!("okänt argument '{arg}'"),
        ErrorKind::MissingRequiredArgument => format!("argument saknas: {arg}"),
        ErrorKind::ArgumentConflict => match context(ContextKind::PriorArg) {
            Some(prior) => format!("{arg} kan inte användas tillsammans med {prior}"),
            None => format!("{arg} kan inte användas här"),
        },
        ErrorKind::InvalidValue => match context(ContextKind::ValidValue) {
            Some(valid) => format!("'{value}' är inget giltigt värde för {arg}; möjliga värden: {valid}"),
            None => format!("värde saknas för {arg}"),
        },
        ErrorKind::ValueValidation => format!("'{value}' är inget giltigt värde för {arg}"),
        ErrorKind::NoEquals | ErrorKind::TooManyValues | ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            format!("fel antal värden för {arg}")
        }
        _ => return Some(err.to_string()),
    };
    let tip = match (context(ContextKind::SuggestedArg), context(ContextKind::SuggestedSubcommand)) {
        (Some(s), _) | (None, Some(s)) => format!(" (menade du '{s}'?)"),
        (None, None) => String::new(),
    };
    let usage = err.get(ContextKind::Usage).map(|u| u.to_string()).unwrap_or_default();
    let usage = usage.trim().trim_start_matches("Usage:").trim();
    let usage = if usage.is_empty() { String::new() } else { format!("\n\nAnvändning: {usage}") };
    Some(format!("fel: {what}{tip}{usage}\n\nSe `tidkoll --help` eller `tidkoll <kommando> --help` för alla argument och exempel."))
}
