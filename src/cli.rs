//! Command-line arguments: only what the user typed, checked later into a `Config`.

use std::path::PathBuf;

use clap::{Arg, ArgAction, Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "tidkoll",
    version,
    about = "Månadsuppföljning av hemtjänstens tidsregistrering",
    long_about = "Månadsuppföljning av hemtjänstens tidsregistrering: nyckeltal per utförare, \
flaggade registreringar ner till besöket, och resultaten sparade per månad.\n\n\
Slutkoder: 0 klart, 1 annat fel, 2 fel i kommandot eller inställningsfilen, 3 indata vägrades.",
    after_help = "Exempel:\n  \
tidkoll monthly --visits fixtures/canonical/visits-2025-03.csv --granted fixtures/canonical/granted-2025-03.csv --addons fixtures/canonical/addons-2025-03.csv\n  \
tidkoll monthly --config kommun.toml --visits mars.csv --visits mars-rättelser.csv --month 2025-03 --out resultat\n  \
tidkoll quarter --quarter 2025-Q1\n  \
tidkoll year --year 2025\n  \
tidkoll investigate --supplier \"Trygg Vård AB\" --quarter 2025-Q1\n  \
tidkoll sample --month 2025-03\n  \
tidkoll config --print-defaults > kommun.toml\n  \
tidkoll generate --out exempel --dialect swedish --months 2025-01,2025-02,2025-03"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// `tidkoll monthly`.
    #[command(
        about = "Räkna fram en månads nyckeltal och flaggor och spara dem i OUT/ÅÅÅÅ-MM/",
        after_help = "Exempel:\n  tidkoll monthly --visits visits.csv --granted granted.csv --addons addons.csv --config kommun.toml --out tidkoll-out"
    )]
    Monthly(MonthlyArgs),
    /// `tidkoll quarter`.
    #[command(
        about = "Gör kvartalets matris och utkast till åtgärdsplaner av de sparade månaderna, i OUT/ÅÅÅÅ-Qn/",
        after_help = "Exempel:\n  tidkoll quarter --quarter 2025-Q1\n  tidkoll quarter --quarter 2025-Q2 --out resultat --allow-partial"
    )]
    Quarter(QuarterArgs),
    /// `tidkoll year`.
    #[command(
        about = "Gör årsrapporten till nämnden av årets sparade månader, i OUT/ÅÅÅÅ/",
        after_help = "Exempel:\n  tidkoll year --year 2025\n  tidkoll year --year 2025 --config kommun.toml --out resultat"
    )]
    Year(YearArgs),
    /// `tidkoll investigate`.
    #[command(
        about = "Utred en utförare: nyckeltal, personal och kunder rangordnade, flaggade besök, diagram",
        after_help = "Exempel:\n  tidkoll investigate --supplier \"Trygg Vård AB\" --quarter 2025-Q1\n  tidkoll investigate --supplier \"Trygg Vård AB\" --month 2025-03 --out resultat"
    )]
    Investigate(InvestigateArgs),
    /// `tidkoll sample`.
    #[command(
        about = "Dra ett stickprov av en sparad månads besök för kontrollsamtal med kunderna, eller läs in svaren, i OUT/ÅÅÅÅ-MM/stickprov/",
        after_help = "Exempel:\n  tidkoll sample --month 2025-03\n  tidkoll sample --month 2025-03 --size 20 --seed 2025-03-omtag --out resultat\n  tidkoll sample --month 2025-03 --answers tidkoll-out/2025-03/stickprov/stickprov.xlsx"
    )]
    Sample(SampleArgs),
    /// `tidkoll config`.
    #[command(
        about = "Visa standardinställningarna eller kontrollera en inställningsfil",
        after_help = "Exempel:\n  tidkoll config --print-defaults > kommun.toml\n  tidkoll config --check kommun.toml"
    )]
    Config(ConfigArgs),
    /// `tidkoll generate`.
    #[command(
        about = "Skriv exempelexporter med kända avvikelser (samma frö ger samma filer)",
        after_help = "Exempel:\n  tidkoll generate --out exempel\n  tidkoll generate --out big --visits 10000000 --months 2025-03 --no-extras\n  tidkoll generate --out national --shape national --visits 12500000 --months 2025-03"
    )]
    Generate(GenerateArgs),
}

#[derive(Debug, Args)]
pub struct MonthlyArgs {
    #[arg(
        help = "Besöksexporten (kan anges flera gånger; vid samma visit_id gäller den tidigare filen)",
        long,
        value_name = "FIL",
        required = true
    )]
    pub visits: Vec<PathBuf>,
    #[arg(help = "Beviljad tid per kund och månad (behövs för utförandegraden)", long, value_name = "FIL")]
    pub granted: Option<PathBuf>,
    #[arg(help = "Tilläggsrapporterna (behövs för tilläggsrapporteringen och sena rapporter)", long, value_name = "FIL")]
    pub addons: Option<PathBuf>,
    #[arg(
        help = "Kundernas frånvaro ur kommunens verksamhetssystem: sjukhus, korttidsboende, avliden (behövs för besök under frånvaro)",
        long,
        value_name = "FIL"
    )]
    pub absences: Option<PathBuf>,
    #[arg(
        help = "Fakturerad tid per kund och månad ur kommunens fakturasystem eller utförarens fakturaunderlag (behövs för fakturakontrollen)",
        long,
        value_name = "FIL"
    )]
    pub invoices: Option<PathBuf>,
    #[arg(help = "Månaden, ÅÅÅÅ-MM [standard: den månad de flesta besöken hör till]", long, value_name = "ÅÅÅÅ-MM")]
    pub month: Option<String>,
    #[arg(help = "Inställningsfilen (TOML); se `tidkoll config --print-defaults`. Ange samma varje månad", long, value_name = "FIL")]
    pub config: Option<PathBuf>,
    #[arg(
        help = "Resultatmappen; månaden hamnar i OUT/ÅÅÅÅ-MM/. Ange samma varje månad",
        long,
        value_name = "MAPP",
        default_value = "tidkoll-out"
    )]
    pub out: PathBuf,
    #[arg(help = "Ingen förloppsvisning och ingen sammanfattning; fel skrivs ändå ut", long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct QuarterArgs {
    #[arg(help = "Kvartalet, ÅÅÅÅ-Qn; dess tre månader ska vara körda med `tidkoll monthly`", long, value_name = "ÅÅÅÅ-Qn")]
    pub quarter: String,
    #[arg(
        help = "Inställningsfilen: avsändaren av åtgärdsplanerna ([municipality]) och reglerna för fördjupad uppföljning; kraven jämförs med dem varje månad bedömdes med (en varning nämner skillnader)",
        long,
        value_name = "FIL"
    )]
    pub config: Option<PathBuf>,
    #[arg(
        help = "Resultatmappen med månaderna (OUT/ÅÅÅÅ-MM/); kvartalet hamnar i OUT/ÅÅÅÅ-Qn/",
        long,
        value_name = "MAPP",
        default_value = "tidkoll-out"
    )]
    pub out: PathBuf,
    #[arg(help = "Gör matrisen även när en månad inte är körd; månaden markeras som saknad", long)]
    pub allow_partial: bool,
    #[arg(help = "Skriv bara ut resultatmappen", long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct YearArgs {
    #[arg(
        help = "Året, ÅÅÅÅ; de månader som körts med `tidkoll monthly` används och de andra nämns som saknade",
        long,
        value_name = "ÅÅÅÅ"
    )]
    pub year: String,
    #[arg(
        help = "Inställningsfil vars regler under [escalation] avgör förslagen om fördjupad uppföljning [standard: reglerna från årets sista körda månad]",
        long,
        value_name = "FIL"
    )]
    pub config: Option<PathBuf>,
    #[arg(
        help = "Resultatmappen med månaderna (OUT/ÅÅÅÅ-MM/); året hamnar i OUT/ÅÅÅÅ/",
        long,
        value_name = "MAPP",
        default_value = "tidkoll-out"
    )]
    pub out: PathBuf,
    #[arg(help = "Skriv bara ut resultatmappen", long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("period").required(true)))]
pub struct InvestigateArgs {
    #[arg(help = "Utförarens id som i exporterna (och i figures.csv)", long, value_name = "ID")]
    pub supplier: String,
    #[arg(help = "En månad, ÅÅÅÅ-MM", long, value_name = "ÅÅÅÅ-MM", group = "period")]
    pub month: Option<String>,
    #[arg(help = "Ett kvartal, ÅÅÅÅ-Qn (de månader som körts)", long, value_name = "ÅÅÅÅ-Qn", group = "period")]
    pub quarter: Option<String>,
    #[arg(help = "Ett år, ÅÅÅÅ (de månader som körts), med hur länge varje avvikelse pågått", long, value_name = "ÅÅÅÅ", group = "period")]
    pub year: Option<String>,
    #[arg(
        help = "Resultatmappen med månaderna; utredningen hamnar i OUT/utredningar/",
        long,
        value_name = "MAPP",
        default_value = "tidkoll-out"
    )]
    pub out: PathBuf,
    #[arg(help = "Skriv bara ut resultatmappen", long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct SampleArgs {
    #[arg(help = "Månaden, ÅÅÅÅ-MM; den ska vara körd med `tidkoll monthly`", long, value_name = "ÅÅÅÅ-MM")]
    pub month: String,
    #[arg(
        help = "Besök per utförare, hälften efter risk och hälften slumpmässigt [standard: [sample] size i inställningsfilen, annars den månaden kördes med]",
        long,
        value_name = "N",
        conflicts_with = "answers"
    )]
    pub size: Option<u32>,
    #[arg(
        help = "Fröet som slumptalen räknas fram av; samma frö ger samma urval [standard: månaden, ÅÅÅÅ-MM]",
        long,
        value_name = "TEXT",
        conflicts_with = "answers"
    )]
    pub seed: Option<String>,
    #[arg(
        help = "Den ifyllda samtalslistan (stickprov.xlsx) eller en CSV-fil med kolumnerna visit_id och bekraftad: svaren läses in i stickprov/svar.csv",
        long,
        value_name = "FIL"
    )]
    pub answers: Option<PathBuf>,
    #[arg(help = "Inställningsfilen (TOML); [sample] size ger stickprovets storlek", long, value_name = "FIL")]
    pub config: Option<PathBuf>,
    #[arg(help = "Resultatmappen med månaderna (OUT/ÅÅÅÅ-MM/)", long, value_name = "MAPP", default_value = "tidkoll-out")]
    pub out: PathBuf,
    #[arg(help = "Skriv bara ut var resultatet hamnade", long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("action").required(true)))]
pub struct ConfigArgs {
    #[arg(help = "Skriv ut hela standardinställningen (giltig TOML att redigera och ange med --config)", long, group = "action")]
    pub print_defaults: bool,
    #[arg(help = "Kontrollera en inställningsfil och visa det första felet", long, value_name = "FIL", group = "action")]
    pub check: Option<PathBuf>,
}

/// `--dialect`, as typed; the library's `generate::Dialect` knows no clap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DialectArg {
    /// UTF-8, `,`, canonical column names, timestamps with offset, decimal point.
    #[value(help = "UTF-8, `,`, kolumnnamnen i SPEC, tider med tidszon, decimalpunkt")]
    Canonical,
    /// Windows-1252, `;`, Swedish column names, local times, decimal comma, personnummer.
    #[value(help = "Windows-1252, `;`, svenska kolumnnamn, lokal tid, decimalkomma, personnummer")]
    Swedish,
}

/// `--shape`, as typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShapeArg {
    /// Five suppliers with known deviations (repeated per 500,000 visits).
    #[value(help = "Fem utförare med kända avvikelser")]
    Example,
    /// A national month: many suppliers, personnummer client ids.
    #[value(help = "En nationell månad: många utförare, personnummer som kund-id")]
    National,
    /// A national month shaped as a municipality exports it.
    #[value(
        help = "En nationell månad som en kommuns export ser ut: tider på sekunden, kund-id av två slag, 12-siffriga besöks-id, utförarnamn med kommatecken"
    )]
    Municipality,
}

impl From<ShapeArg> for crate::generate::Shape {
    fn from(arg: ShapeArg) -> Self {
        match arg {
            ShapeArg::Example => crate::generate::Shape::Example,
            ShapeArg::National => crate::generate::Shape::National,
            ShapeArg::Municipality => crate::generate::Shape::Municipality,
        }
    }
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    #[arg(help = "Mappen att skriva i (skapas vid behov)", long, value_name = "MAPP")]
    pub out: PathBuf,
    #[arg(
        help = "Månaderna att skapa, kommaseparerade",
        long,
        value_name = "ÅÅÅÅ-MM,...",
        default_value = "2025-01,2025-02,2025-03",
        value_delimiter = ','
    )]
    pub months: Vec<String>,
    #[arg(help = "Exportens dialekt", long, value_enum, default_value = "canonical")]
    pub dialect: DialectArg,
    #[arg(
        help = "Månadens form: `example` (fem utförare med kända avvikelser, fler i grupper om fem per 500 000 besök) `national` (omkring 60 utförare per miljon besök, varje kund-id ett personnummer) eller `municipality` (som national, men som en kommuns export: tider på sekunden utan tidszon, kund-id av två slag, 12-siffriga besöks-id, utförarnamn med kommatecken)",
        long,
        value_enum,
        default_value = "example"
    )]
    pub shape: ShapeArg,
    #[arg(help = "Ungefärligt antal besök per månad", long, default_value_t = 3000)]
    pub visits: u64,
    #[arg(help = "Slumpgeneratorns frö: samma frö ger samma filer", long, default_value_t = 2025)]
    pub seed: u64,
    #[arg(help = "Skriv bara besöksfilerna (inga filer med beviljad tid, tillägg eller inställningar)", long)]
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
            "okänt kommando '{}'; kommandona är monthly, quarter, year, investigate, sample, config och generate",
            context(ContextKind::InvalidSubcommand).unwrap_or_default()
        ),
        ErrorKind::MissingSubcommand => "ange ett kommando: monthly, quarter, year, investigate, sample, config eller generate".to_string(),
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

/// The command line with clap's own words in Swedish too: the headings, the help and version
/// flags, and each default and list of values written into the argument's help text.
pub fn command_sv() -> clap::Command {
    fn swedish(cmd: clap::Command, top: bool) -> clap::Command {
        let cmd = cmd
            .help_template("{about-with-newline}\nAnvändning: {usage}\n\n{all-args}{after-help}")
            .subcommand_help_heading("Kommandon")
            .subcommand_value_name("KOMMANDO")
            .disable_help_flag(true)
            .arg(Arg::new("help").short('h').long("help").action(ArgAction::Help).help("Visa hjälpen"));
        let cmd = if top {
            cmd.disable_help_subcommand(true)
                .disable_version_flag(true)
                .arg(Arg::new("version").short('V').long("version").action(ArgAction::Version).help("Visa versionen"))
        } else {
            cmd
        };
        cmd.mut_args(|arg| {
            let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
            let arg = arg.help_heading("Alternativ");
            if !arg.get_action().takes_values() {
                return arg;
            }
            let values: Vec<String> = arg.get_possible_values().iter().map(|v| v.get_name().to_string()).collect();
            let default: Vec<String> = arg.get_default_values().iter().map(|v| v.to_string_lossy().into_owned()).collect();
            let mut help = help;
            if !values.is_empty() {
                help.push_str(&format!(" [möjliga värden: {}]", values.join(", ")));
            }
            if !default.is_empty() {
                help.push_str(&format!(" [standard: {}]", default.join(",")));
            }
            arg.hide_possible_values(true).hide_default_value(true).help(help)
        })
        .mut_subcommands(|sub| swedish(sub, false))
    }
    swedish(Cli::command(), true)
}

/// Parses the command line as `command_sv` describes it.
pub fn parse_sv() -> Result<Cli, clap::Error> {
    Cli::from_arg_matches(&command_sv().try_get_matches()?)
}
