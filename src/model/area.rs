//! How a metric is measured (its unit) and where the committee's yearly account reports it
//! (its area, SPEC §9).

/// How a metric's value is measured, and so how it is shown and bounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A share between 0 and 1, shown as a percentage.
    Share,
    /// A ratio shown as a percentage that may exceed 100 % (completion).
    Ratio,
    /// Minutes, with one decimal.
    Minutes,
    /// A mean number of something (staff per client), with one decimal.
    Mean,
    /// A whole number of visits or clients.
    Count,
    /// Visits per 1,000 visits.
    PerThousand,
}

/// The area of the committee's yearly account a metric is reported under (SPEC §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Area {
    Kvittering,
    Besokslangd,
    Utforandegrad,
    Tillaggsrapportering,
    Kontinuitet,
    Registrering,
    Datakvalitet,
    Rimlighet,
    Ersattning,
    /// A metric outside SPEC §9's table that a municipality judges (`ovrigt`).
    Ovrigt,
}

impl Area {
    /// The areas of SPEC §9's table, in its order (`Ovrigt` is not among them).
    pub const ALL: [Area; 9] = [
        Area::Kvittering,
        Area::Besokslangd,
        Area::Utforandegrad,
        Area::Tillaggsrapportering,
        Area::Kontinuitet,
        Area::Registrering,
        Area::Datakvalitet,
        Area::Rimlighet,
        Area::Ersattning,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Area::Kvittering => "kvittering",
            Area::Besokslangd => "besokslangd",
            Area::Utforandegrad => "utforandegrad",
            Area::Tillaggsrapportering => "tillaggsrapportering",
            Area::Kontinuitet => "kontinuitet",
            Area::Registrering => "registrering",
            Area::Datakvalitet => "datakvalitet",
            Area::Rimlighet => "rimlighet",
            Area::Ersattning => "ersattning",
            Area::Ovrigt => "ovrigt",
        }
    }

    /// The area's name in a Swedish report.
    pub fn label(self) -> &'static str {
        match self {
            Area::Kvittering => "Kvittering",
            Area::Besokslangd => "Besökslängd",
            Area::Utforandegrad => "Utförandegrad",
            Area::Tillaggsrapportering => "Tilläggsrapportering",
            Area::Kontinuitet => "Kontinuitet",
            Area::Registrering => "Registrering",
            Area::Datakvalitet => "Datakvalitet",
            Area::Rimlighet => "Rimlighet",
            Area::Ersattning => "Ersättning",
            Area::Ovrigt => "Övrigt",
        }
    }
}
