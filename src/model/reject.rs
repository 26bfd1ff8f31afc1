//! Why an input row is rejected: a fixed list of problems, each with a stable English id
//! (what `rejects.csv` starts its reason with and other tools count by; SPEC §2.4 names
//! `duplicate visit_id`) and the Swedish words a follow-up officer reads in the terminal.

/// What was wrong with a rejected row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Problem {
    NotValidText,
    ControlCharacter,
    Noncharacter,
    MissingValue,
    ReservedId,
    Personnummer,
    NotANumber,
    Negative,
    TooLarge,
    NotAMonth,
    NotADate,
    NotATimestamp,
    NotADateOrTimestamp,
    NonexistentLocalTime,
    ImplausibleYear,
    BeforeAbsentFrom,
    UnknownMethod,
    UnknownStatus,
    QuoteNotClosed,
    WrongNumberOfFields,
    DuplicateVisitId,
}

impl Problem {
    /// Every problem.
    pub const ALL: [Problem; 21] = [
        Problem::NotValidText,
        Problem::ControlCharacter,
        Problem::Noncharacter,
        Problem::MissingValue,
        Problem::ReservedId,
        Problem::Personnummer,
        Problem::NotANumber,
        Problem::Negative,
        Problem::TooLarge,
        Problem::NotAMonth,
        Problem::NotADate,
        Problem::NotATimestamp,
        Problem::NotADateOrTimestamp,
        Problem::NonexistentLocalTime,
        Problem::ImplausibleYear,
        Problem::BeforeAbsentFrom,
        Problem::UnknownMethod,
        Problem::UnknownStatus,
        Problem::QuoteNotClosed,
        Problem::WrongNumberOfFields,
        Problem::DuplicateVisitId,
    ];

    /// The machine-readable id, English like the figure and flag ids.
    pub fn id(self) -> &'static str {
        match self {
            Problem::NotValidText => "not valid text",
            Problem::ControlCharacter => "control character",
            Problem::Noncharacter => "noncharacter",
            Problem::MissingValue => "missing value",
            Problem::ReservedId => "reserved id ALL",
            Problem::Personnummer => "personnummer",
            Problem::NotANumber => "not a number",
            Problem::Negative => "negative",
            Problem::TooLarge => "too large",
            Problem::NotAMonth => "not a month",
            Problem::NotADate => "not a date",
            Problem::NotATimestamp => "not a timestamp",
            Problem::NotADateOrTimestamp => "not a date or timestamp",
            Problem::NonexistentLocalTime => "non-existent local time",
            Problem::ImplausibleYear => "implausible year",
            Problem::BeforeAbsentFrom => "before absent_from",
            Problem::UnknownMethod => "unknown method",
            Problem::UnknownStatus => "unknown status",
            Problem::QuoteNotClosed => "quote not closed",
            Problem::WrongNumberOfFields => "wrong number of fields",
            Problem::DuplicateVisitId => "duplicate visit_id",
        }
    }

    /// What a follow-up officer reads.
    pub fn sv(self) -> &'static str {
        match self {
            Problem::NotValidText => "ogiltig text",
            Problem::ControlCharacter => "styrtecken",
            Problem::Noncharacter => "otillåtet tecken",
            Problem::MissingValue => "värde saknas",
            Problem::ReservedId => "reserverat id (ALL, Hela kommunen)",
            Problem::Personnummer => "personnummer i fel kolumn",
            Problem::NotANumber => "inget tal",
            Problem::Negative => "negativt värde",
            Problem::TooLarge => "för stort värde",
            Problem::NotAMonth => "ingen månad",
            Problem::NotADate => "inget datum",
            Problem::NotATimestamp => "ingen tidpunkt",
            Problem::NotADateOrTimestamp => "varken datum eller tidpunkt",
            Problem::NonexistentLocalTime => "tiden finns inte (klockan ställs fram)",
            Problem::ImplausibleYear => "orimligt år",
            Problem::BeforeAbsentFrom => "slutar före start",
            Problem::UnknownMethod => "okänt kvitteringssätt",
            Problem::UnknownStatus => "okänd status",
            Problem::QuoteNotClosed => "citattecken som inte stängs",
            Problem::WrongNumberOfFields => "fel antal fält",
            Problem::DuplicateVisitId => "besöks-id finns redan",
        }
    }
}

/// What rejected a row: a problem in one column, or in the row as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RejectKind {
    pub column: Option<&'static str>,
    pub problem: Problem,
}

impl RejectKind {
    pub fn in_column(column: &'static str, problem: Problem) -> RejectKind {
        RejectKind { column: Some(column), problem }
    }

    pub fn of_row(problem: Problem) -> RejectKind {
        RejectKind { column: None, problem }
    }

    /// The machine-readable form: `check_in: not a timestamp`, `duplicate visit_id`.
    pub fn id(self) -> String {
        match self.column {
            Some(column) => format!("{column}: {}", self.problem.id()),
            None => self.problem.id().to_string(),
        }
    }

    /// What a follow-up officer reads: `check_in: ingen tidpunkt`, `besöks-id finns redan`.
    pub fn sv(self) -> String {
        match self.column {
            Some(column) => format!("{column}: {}", self.problem.sv()),
            None => self.problem.sv().to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_has_its_own_id_and_swedish_words() {
        let ids: std::collections::BTreeSet<&str> = Problem::ALL.iter().map(|p| p.id()).collect();
        let words: std::collections::BTreeSet<&str> = Problem::ALL.iter().map(|p| p.sv()).collect();
        assert_eq!((ids.len(), words.len()), (Problem::ALL.len(), Problem::ALL.len()));
        assert!(Problem::ALL.windows(2).all(|w| w[0] < w[1]), "ALL lists each problem once, in order");
        assert_eq!(RejectKind::of_row(Problem::DuplicateVisitId).id(), "duplicate visit_id", "SPEC §2.4");
        assert_eq!(RejectKind::in_column("check_in", Problem::NotATimestamp).id(), "check_in: not a timestamp");
        assert_eq!(RejectKind::in_column("check_in", Problem::NotATimestamp).sv(), "check_in: ingen tidpunkt");
    }
}
