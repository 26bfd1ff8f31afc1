//! The registry of metrics: every key figure (SPEC §3) and flag (SPEC §4) with its id, Swedish
//! label, unit, default requirement or limit, the evidence it quotes and its area in the year's
//! account (SPEC §9). Metric ids are spelled in this file and nowhere else; everything else
//! asks the registry.

pub use super::area::{Area, Unit};
use super::status::Bound;

/// A key figure of SPEC §3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Figure {
    CheckinRate,
    CheckinStaffShare,
    CheckinClientShare,
    VisitMinutesMean,
    VisitMinutesMedian,
    ShortVisitShare,
    CompletionRate,
    CompletionClientShare,
    AddonReportingRate,
    AddonLateShare,
    UnservedClients,
    ManualReasonShare,
    ContinuityMean,
    DeclinedShare,
    QuestionedShare,
    InvoiceExcessShare,
}

/// One row of the key-figure table.
pub struct FigureDef {
    pub figure: Figure,
    pub id: &'static str,
    pub label: &'static str,
    pub unit: Unit,
    pub default: Option<Bound>,
    /// The metric whose evidence explains this figure (the check-in shares quote the check-in
    /// rate's), if any.
    pub evidence_of: Option<Figure>,
    pub area: Area,
    /// What the figure measures and how, in plain Swedish (the user guide is generated from it).
    pub description: &'static str,
}

const fn at_least(min: f64) -> Option<Bound> {
    Some(Bound { min: Some(min), max: None })
}

const fn at_most(max: f64) -> Option<Bound> {
    Some(Bound { min: None, max: Some(max) })
}

/// The key figures in report order (the order of `figures.csv` and the matrix).
pub const FIGURES: [FigureDef; 16] = [
    FigureDef {
        figure: Figure::CheckinRate,
        id: "checkin_rate",
        label: "Andel kvitterade besök",
        unit: Unit::Share,
        default: at_least(0.90),
        evidence_of: Some(Figure::CheckinRate),
        area: Area::Kvittering,
        description: "Besök där både in- och utkvitteringen gjorts med en godkänd metod (tagg eller lås som standard), delat med alla besök. Ett besök utan utkvittering räknas som inte kvitterat.",
    },
    FigureDef {
        figure: Figure::CheckinStaffShare,
        id: "checkin_staff_share",
        label: "Andel personal med godkänd kvittensgrad",
        unit: Unit::Share,
        default: at_least(0.90),
        evidence_of: Some(Figure::CheckinRate),
        area: Area::Kvittering,
        description: "Bland personal med minst 10 besök (min_visits) i månaden: andelen vars egen andel kvitterade besök uppfyller kravet för Andel kvitterade besök.",
    },
    FigureDef {
        figure: Figure::CheckinClientShare,
        id: "checkin_client_share",
        label: "Andel kunder med godkänd kvittensgrad",
        unit: Unit::Share,
        default: at_least(0.90),
        evidence_of: Some(Figure::CheckinRate),
        area: Area::Kvittering,
        description: "Samma sak per kund: bland kunder med minst 10 besök, andelen vars besök till minst kravets andel är kvitterade.",
    },
    FigureDef {
        figure: Figure::VisitMinutesMean,
        id: "visit_minutes_mean",
        label: "Besökslängd, medel (min)",
        unit: Unit::Minutes,
        default: None,
        evidence_of: None,
        area: Area::Ovrigt,
        description: "Medelvärdet av besökens längd i minuter (utkvittering minus inkvittering), bara besök med giltig tid: utkvittering finns och längden är 0–720 minuter.",
    },
    FigureDef {
        figure: Figure::VisitMinutesMedian,
        id: "visit_minutes_median",
        label: "Besökslängd, median (min)",
        unit: Unit::Minutes,
        default: None,
        evidence_of: None,
        area: Area::Ovrigt,
        description: "Medianen av besökens längd i minuter, bara besök med giltig tid (vid jämnt antal medelvärdet av de två mittersta).",
    },
    FigureDef {
        figure: Figure::ShortVisitShare,
        id: "short_visit_share",
        label: "Andel korta besök",
        unit: Unit::Share,
        default: at_most(0.10),
        evidence_of: Some(Figure::ShortVisitShare),
        area: Area::Besokslangd,
        description: "Besök med giltig tid som är kortare än 5 minuter (short_visit_minutes), delat med alla besök med giltig tid.",
    },
    FigureDef {
        figure: Figure::CompletionRate,
        id: "completion_rate",
        label: "Utförandegrad",
        unit: Unit::Ratio,
        default: Some(Bound { min: Some(0.75), max: Some(1.00) }),
        evidence_of: Some(Figure::CompletionRate),
        area: Area::Utforandegrad,
        description: "Summan av den giltiga besökstiden hos kunder med beviljad tid hos utföraren, delat med summan av den beviljade tiden samma månad. Saknas när utföraren inte har någon beviljad tid.",
    },
    FigureDef {
        figure: Figure::CompletionClientShare,
        id: "completion_client_share",
        label: "Andel kunder inom intervall",
        unit: Unit::Share,
        default: None,
        evidence_of: Some(Figure::CompletionRate),
        area: Area::Ovrigt,
        description: "Bland kunder med beviljad tid över 0: andelen vars egen utförandegrad ligger inom kravets intervall.",
    },
    FigureDef {
        figure: Figure::AddonReportingRate,
        id: "addon_reporting_rate",
        label: "Tilläggsrapportering",
        unit: Unit::Share,
        default: at_least(0.95),
        evidence_of: Some(Figure::AddonReportingRate),
        area: Area::Tillaggsrapportering,
        description: "Par av kund och tilläggstjänst där minst ett besök under månaden hade en insats som hör till tilläggstjänsten, och som utföraren också rapporterat (antal över 0), delat med alla sådana utförda par. Saknas när inga tillägg utförts.",
    },
    FigureDef {
        figure: Figure::AddonLateShare,
        id: "addon_late_share",
        label: "Sena tilläggsrapporter",
        unit: Unit::Share,
        default: at_most(0.05),
        evidence_of: Some(Figure::AddonLateShare),
        area: Area::Tillaggsrapportering,
        description: "Rapporter för månaden som kom in efter den 5:e i följande månad (addon_deadline_day), delat med alla rapporter för månaden.",
    },
    FigureDef {
        figure: Figure::UnservedClients,
        id: "unserved_clients",
        label: "Kunder utan besök",
        unit: Unit::Count,
        default: at_most(0.0),
        evidence_of: Some(Figure::UnservedClients),
        area: Area::Utforandegrad,
        description: "Antal kunder med beviljad tid över 0 hos utföraren som inte fick något besök av utföraren under månaden.",
    },
    FigureDef {
        figure: Figure::ManualReasonShare,
        id: "manual_reason_share",
        label: "Manuella registreringar med orsak",
        unit: Unit::Share,
        default: at_least(0.95),
        evidence_of: Some(Figure::ManualReasonShare),
        area: Area::Kvittering,
        description: "Bland besök där in- eller utkvitteringen registrerats manuellt: andelen där en orsak är angiven. Saknas när exporten inte har någon orsakskolumn eller när inget besök registrerats manuellt.",
    },
    FigureDef {
        figure: Figure::ContinuityMean,
        id: "continuity_mean",
        label: "Personalkontinuitet",
        unit: Unit::Mean,
        default: at_most(15.0),
        evidence_of: Some(Figure::ContinuityMean),
        area: Area::Kontinuitet,
        description: "Socialstyrelsens mått: under dag 1–14 (continuity_window) tas de kunder som haft minst två räknade besök varje dag; för varje sådan kund räknas hur många olika personer som gjort besöken, och måttet är medelvärdet. Räknade besök börjar 07–22 och har någon insats utöver matleverans och larm.",
    },
    FigureDef {
        figure: Figure::DeclinedShare,
        id: "declined_share",
        label: "Andel avböjda besök",
        unit: Unit::Share,
        default: at_most(0.05),
        evidence_of: Some(Figure::DeclinedShare),
        area: Area::Rimlighet,
        description: "Registreringar där kunden avböjt besöket eller inte var hemma, delat med alla registreringar i månaden oavsett status (utförda, avböjda, ej hemma och inställda). Saknas när exporten inte har någon statuskolumn.",
    },
    FigureDef {
        figure: Figure::QuestionedShare,
        id: "questioned_share",
        label: "Andel ifrågasatt tid",
        unit: Unit::Share,
        default: at_most(0.01),
        evidence_of: None,
        area: Area::Ersattning,
        description: "Ifrågasatt tid delat med all registrerad tid (giltig besökstid för utförda besök). Ett besök ifrågasätts, med hela sin tid och bara en gång, för den första av dessa orsaker: det gjordes under kundens frånvaro, det är den senare kopian av en dubbelregistrering, samma personal var samtidigt hos en annan kund (det senare besöket), eller det registrerades manuellt utan orsak (bara när exporten har en orsakskolumn). Saknas när ingen tid registrerats.",
    },
    FigureDef {
        figure: Figure::InvoiceExcessShare,
        id: "invoice_excess_share",
        label: "Fakturerad tid utan stöd",
        unit: Unit::Share,
        default: at_most(0.01),
        evidence_of: None,
        area: Area::Ersattning,
        description: "Per kund den fakturerade tid som överstiger kundens utförda, inte ifrågasatta besökstid hos utföraren, summerat över kunderna och delat med all fakturerad tid. Saknas utan fakturafil eller när utföraren inte fakturerat någon tid.",
    },
];

impl Figure {
    /// Every key figure in report order.
    pub const ALL: [Figure; 16] = {
        let mut all = [Figure::CheckinRate; 16];
        let mut i = 0;
        while i < FIGURES.len() {
            all[i] = FIGURES[i].figure;
            i += 1;
        }
        all
    };

    pub const fn def(self) -> &'static FigureDef {
        &FIGURES[self as usize]
    }

    pub const fn id(self) -> &'static str {
        self.def().id
    }

    pub fn parse(id: &str) -> Option<Figure> {
        FIGURES.iter().find(|d| d.id == id).map(|d| d.figure)
    }
}

/// An anomaly flag of SPEC §4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Flag {
    Duplicate,
    RepeatedService,
    Adjacent,
    StaffOverlap,
    SingleStaff,
    MissingCheckout,
    NegativeDuration,
    Overlong,
    DuringAbsence,
    LongDay,
    NoDayOff,
    ShortTravel,
    DeclinedRemainder,
}

/// One row of the flag table: the flag's name and the ids of its two metrics.
pub struct FlagDef {
    pub flag: Flag,
    pub name: &'static str,
    /// `flag.<name>`: distinct visits carrying the flag.
    pub count_id: &'static str,
    /// `flag_rate.<name>`: per 1,000 visits.
    pub rate_id: &'static str,
    pub label: &'static str,
    /// Default limit of the rate per 1,000 visits; `None` is reported for information.
    pub default_limit: Option<f64>,
    pub area: Area,
    /// What the flag marks, in plain Swedish (the user guide is generated from it).
    pub description: &'static str,
}

/// The flags in report order.
pub const FLAGS: [FlagDef; 13] = [
    FlagDef {
        flag: Flag::Duplicate,
        name: "duplicate",
        count_id: "flag.duplicate",
        rate_id: "flag_rate.duplicate",
        label: "Dubbelregistrering",
        default_limit: Some(1.0),
        area: Area::Registrering,
        description: "Två besök av samma personal hos samma kund, med minst en gemensam insats, vars tider överlappar: samma insats registrerad två gånger.",
    },
    FlagDef {
        flag: Flag::RepeatedService,
        name: "repeated_service",
        count_id: "flag.repeated_service",
        rate_id: "flag_rate.repeated_service",
        label: "Upprepad insats",
        default_limit: Some(2.0),
        area: Area::Registrering,
        description: "Två besök i rad hos samma kund med högst en minuts mellanrum och minst en gemensam insats: samma insats registrerad flera gånger i följd.",
    },
    FlagDef {
        flag: Flag::Adjacent,
        name: "adjacent",
        count_id: "flag.adjacent",
        rate_id: "flag_rate.adjacent",
        label: "Besök med högst en minuts mellanrum",
        default_limit: Some(5.0),
        area: Area::Registrering,
        description: "Två besök i rad hos samma kund med högst en minuts mellanrum och ingen gemensam insats.",
    },
    FlagDef {
        flag: Flag::StaffOverlap,
        name: "staff_overlap",
        count_id: "flag.staff_overlap",
        rate_id: "flag_rate.staff_overlap",
        label: "Överlappande besök för samma personal",
        default_limit: Some(1.0),
        area: Area::Registrering,
        description: "Samma personal har två besök hos olika kunder vars tider överlappar med mer än en minut.",
    },
    FlagDef {
        flag: Flag::SingleStaff,
        name: "single_staff",
        count_id: "flag.single_staff",
        rate_id: "flag_rate.single_staff",
        label: "Samma personal under lång tid",
        default_limit: Some(5.0),
        area: Area::Kontinuitet,
        description: "En kund med minst 20 besök (giltig tid) i månaden där en och samma person gjort minst 90 % av dem; alla den personens besök hos kunden flaggas.",
    },
    FlagDef {
        flag: Flag::MissingCheckout,
        name: "missing_checkout",
        count_id: "flag.missing_checkout",
        rate_id: "flag_rate.missing_checkout",
        label: "Saknar utkvittering",
        default_limit: Some(10.0),
        area: Area::Datakvalitet,
        description: "Besöket saknar utkvittering.",
    },
    FlagDef {
        flag: Flag::NegativeDuration,
        name: "negative_duration",
        count_id: "flag.negative_duration",
        rate_id: "flag_rate.negative_duration",
        label: "Utkvittering före inkvittering",
        default_limit: None,
        area: Area::Datakvalitet,
        description: "Utkvitteringen ligger före inkvitteringen.",
    },
    FlagDef {
        flag: Flag::Overlong,
        name: "overlong",
        count_id: "flag.overlong",
        rate_id: "flag_rate.overlong",
        label: "Orimligt långt besök",
        default_limit: None,
        area: Area::Datakvalitet,
        description: "Besöket är längre än 720 minuter (max_valid_minutes).",
    },
    FlagDef {
        flag: Flag::DuringAbsence,
        name: "during_absence",
        count_id: "flag.during_absence",
        rate_id: "flag_rate.during_absence",
        label: "Besök under kundens frånvaro",
        default_limit: Some(0.0),
        area: Area::Rimlighet,
        description: "Besöket börjar medan kunden enligt frånvarofilen är borta (sjukhus, korttidsboende, avliden). Saknas när ingen frånvarofil getts.",
    },
    FlagDef {
        flag: Flag::LongDay,
        name: "long_day",
        count_id: "flag.long_day",
        rate_id: "flag_rate.long_day",
        label: "Orimligt lång arbetsdag",
        default_limit: Some(1.0),
        area: Area::Rimlighet,
        description: "Alla besök med giltig tid som en person gjort under en kalenderdag då personens besökstid sammanlagt är över 600 minuter (long_day_minutes).",
    },
    FlagDef {
        flag: Flag::NoDayOff,
        name: "no_day_off",
        count_id: "flag.no_day_off",
        rate_id: "flag_rate.no_day_off",
        label: "Arbete utan ledig dag",
        default_limit: Some(1.0),
        area: Area::Rimlighet,
        description: "Alla besök en person gjort på den elfte dagen eller senare (max_days_in_row + 1) i en obruten följd av dagar med besök.",
    },
    FlagDef {
        flag: Flag::ShortTravel,
        name: "short_travel",
        count_id: "flag.short_travel",
        rate_id: "flag_rate.short_travel",
        label: "För kort restid mellan kunder",
        default_limit: Some(2.0),
        area: Area::Registrering,
        description: "Två besök i följd av samma person hos olika kunder där nästa besök börjar mindre än 1 minut efter att det förra slutat, eller mindre än 5 minuter när besöken ligger i olika områden: ingen hinner dit så fort.",
    },
    FlagDef {
        flag: Flag::DeclinedRemainder,
        name: "declined_remainder",
        count_id: "flag.declined_remainder",
        rate_id: "flag_rate.declined_remainder",
        label: "Avböjd resttid efter besök",
        default_limit: Some(1.0),
        area: Area::Rimlighet,
        description: "En registrering som avböjd eller ej hemma som börjar högst en minut (adjacent_max_gap_minutes) efter att samma personal avslutat ett utfört besök hos samma kund: resten av den beställda tiden registrerad som avböjd efter ett kort besök. Bara den avböjda registreringen flaggas. Saknas när exporten inte har någon statuskolumn.",
    },
];

impl Flag {
    pub const COUNT: usize = FLAGS.len();

    /// Every flag in report order.
    pub const ALL: [Flag; 13] = {
        let mut all = [Flag::Duplicate; 13];
        let mut i = 0;
        while i < FLAGS.len() {
            all[i] = FLAGS[i].flag;
            i += 1;
        }
        all
    };

    pub fn def(self) -> &'static FlagDef {
        &FLAGS[self as usize]
    }

    /// The flag's name in `flags.csv` and the configuration (`duplicate`).
    pub fn name(self) -> &'static str {
        self.def().name
    }

    pub fn label(self) -> &'static str {
        self.def().label
    }

    /// The flag's bit in a visit's set of flags.
    pub const fn bit(self) -> u32 {
        1 << self as u32
    }

    pub fn parse(name: &str) -> Option<Flag> {
        FLAGS.iter().find(|d| d.name == name).map(|d| d.flag)
    }
}

/// A row of `figures.csv`: a key figure, a flag count or a flag rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Metric {
    Figure(Figure),
    FlagCount(Flag),
    FlagRate(Flag),
}

impl Metric {
    /// The flag a `flag.<name>` count is of.
    pub fn counted_flag(self) -> Option<Flag> {
        match self {
            Metric::FlagCount(flag) => Some(flag),
            Metric::Figure(_) | Metric::FlagRate(_) => None,
        }
    }

    /// Every metric in the order of `figures.csv`: key figures, flag counts, flag rates.
    pub fn all() -> impl Iterator<Item = Metric> {
        Figure::ALL
            .into_iter()
            .map(Metric::Figure)
            .chain(Flag::ALL.into_iter().map(Metric::FlagCount))
            .chain(Flag::ALL.into_iter().map(Metric::FlagRate))
    }

    /// The metrics of the matrix, the plans and the follow-up: the key figures, then the flag
    /// rates.
    pub fn matrix() -> impl Iterator<Item = Metric> {
        Figure::ALL.into_iter().map(Metric::Figure).chain(Flag::ALL.into_iter().map(Metric::FlagRate))
    }

    pub fn id(self) -> &'static str {
        match self {
            Metric::Figure(f) => f.id(),
            Metric::FlagCount(f) => f.def().count_id,
            Metric::FlagRate(f) => f.def().rate_id,
        }
    }

    pub fn parse(id: &str) -> Option<Metric> {
        Metric::all().find(|m| m.id() == id)
    }

    /// The Swedish label a follow-up officer knows.
    pub fn label(self) -> String {
        match self {
            Metric::Figure(f) => f.def().label.to_string(),
            Metric::FlagCount(f) => format!("{} (antal besök)", f.label()),
            Metric::FlagRate(f) => format!("{} per 1 000 besök", f.label()),
        }
    }

    pub fn unit(self) -> Unit {
        match self {
            Metric::Figure(f) => f.def().unit,
            Metric::FlagCount(_) => Unit::Count,
            Metric::FlagRate(_) => Unit::PerThousand,
        }
    }

    pub fn area(self) -> Area {
        match self {
            Metric::Figure(f) => f.def().area,
            Metric::FlagCount(f) | Metric::FlagRate(f) => f.def().area,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_id_parses_back_to_its_metric() {
        for metric in Metric::all() {
            assert_eq!(Metric::parse(metric.id()), Some(metric), "{}", metric.id());
        }
        assert_eq!(Metric::all().count(), 16 + 2 * 13);
        assert_eq!(Metric::parse("flag_rate.adjacent"), Some(Metric::FlagRate(Flag::Adjacent)));
        assert_eq!(Metric::parse("flag_rate.nonsense"), None);
    }

    #[test]
    fn the_tables_are_in_enum_order() {
        for (i, def) in FIGURES.iter().enumerate() {
            assert_eq!(def.figure as usize, i, "{}", def.id);
        }
        for (i, def) in FLAGS.iter().enumerate() {
            assert_eq!(def.flag as usize, i, "{}", def.name);
            assert_eq!(def.count_id, format!("flag.{}", def.name));
            assert_eq!(def.rate_id, format!("flag_rate.{}", def.name));
        }
    }

    #[test]
    fn areas_follow_the_spec_table() {
        assert_eq!(Metric::Figure(Figure::CheckinClientShare).area(), Area::Kvittering);
        assert_eq!(Metric::FlagRate(Flag::SingleStaff).area(), Area::Kontinuitet);
        assert_eq!(Metric::FlagRate(Flag::Overlong).area(), Area::Datakvalitet);
        assert_eq!(Metric::Figure(Figure::AddonLateShare).area(), Area::Tillaggsrapportering);
        assert_eq!(Metric::Figure(Figure::ManualReasonShare).area(), Area::Kvittering);
        assert_eq!(Metric::Figure(Figure::UnservedClients).area(), Area::Utforandegrad);
        assert_eq!(Metric::FlagRate(Flag::ShortTravel).area(), Area::Registrering);
        for flag in [Flag::DuringAbsence, Flag::LongDay, Flag::NoDayOff, Flag::DeclinedRemainder] {
            assert_eq!(Metric::FlagRate(flag).area(), Area::Rimlighet);
        }
        assert_eq!(Metric::Figure(Figure::DeclinedShare).area(), Area::Rimlighet);
        assert_eq!(Metric::Figure(Figure::QuestionedShare).area(), Area::Ersattning);
        assert_eq!(Metric::Figure(Figure::InvoiceExcessShare).area(), Area::Ersattning);
        // Figures outside SPEC §9's table count under `ovrigt` when a municipality judges them.
        for figure in [Figure::VisitMinutesMean, Figure::VisitMinutesMedian, Figure::CompletionClientShare] {
            assert_eq!(Metric::Figure(figure).area(), Area::Ovrigt);
        }
        let in_table = Metric::matrix().filter(|m| m.area() != Area::Ovrigt).count();
        assert_eq!(in_table, 4 + 1 + 2 + 2 + 2 + 5 + 3 + 5 + 2);
    }
}
