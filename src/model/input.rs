//! The input kinds of SPEC §2 and their canonical columns, described once: header matching,
//! the `[columns.*]` keys the configuration accepts, the readers' field positions and the
//! generator's headers are all derived from these tables.

use std::fmt;

/// The kinds of input file a run reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InputKind {
    Visits,
    Granted,
    Addons,
    Absences,
    Invoices,
}

impl InputKind {
    /// Every kind, in the order of SPEC §2.
    pub const ALL: [InputKind; 5] = [InputKind::Visits, InputKind::Granted, InputKind::Addons, InputKind::Absences, InputKind::Invoices];

    /// The kind's name: the `--<name>` flag, the `[columns.<name>]` table and the manifest's
    /// `kind`.
    pub fn name(self) -> &'static str {
        match self {
            InputKind::Visits => "visits",
            InputKind::Granted => "granted",
            InputKind::Addons => "addons",
            InputKind::Absences => "absences",
            InputKind::Invoices => "invoices",
        }
    }

    /// The kind called `name` (as `name` gives it, e.g. in a stored manifest).
    pub fn parse(name: &str) -> Option<InputKind> {
        InputKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// A file of this kind as a Swedish placeholder names it ("besöksfil").
    pub fn a_file_sv(self) -> &'static str {
        match self {
            InputKind::Visits => "besöksfil",
            InputKind::Granted => "fil med beviljad tid",
            InputKind::Addons => "fil med tilläggsrapporter",
            InputKind::Absences => "frånvarofil",
            InputKind::Invoices => "fakturafil",
        }
    }

    /// The file of this kind as a Swedish message names it ("besöksfilen").
    pub fn file_sv(self) -> &'static str {
        match self {
            InputKind::Visits => "besöksfilen",
            InputKind::Granted => "filen med beviljad tid",
            InputKind::Addons => "filen med tilläggsrapporter",
            InputKind::Absences => "frånvarofilen",
            InputKind::Invoices => "fakturafilen",
        }
    }

    /// The kind's canonical columns, in the order of SPEC §2.
    pub fn columns(self) -> &'static [InputColumn] {
        match self {
            InputKind::Visits => VisitColumn::TABLE,
            InputKind::Granted => GrantedColumn::TABLE,
            InputKind::Addons => AddonColumn::TABLE,
            InputKind::Absences => AbsenceColumn::TABLE,
            InputKind::Invoices => InvoiceColumn::TABLE,
        }
    }

    /// The canonical column called `name`, if the kind has one.
    pub fn column(self, name: &str) -> Option<&'static InputColumn> {
        self.columns().iter().find(|c| c.name == name)
    }
}

impl fmt::Display for InputKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a column holds (SPEC §2's type column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Text,
    /// `YYYY-MM-DD HH:MM[:SS]` and the other forms of SPEC §2.
    Timestamp,
    /// A timestamp, or a date alone.
    TimestampOrDate,
    /// A date `YYYY-MM-DD`.
    Date,
    /// A month `YYYY-MM`.
    Month,
    /// A number, with a decimal comma or point.
    Number,
}

/// One canonical column of an input kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputColumn {
    /// The canonical name (SPEC §2), also its key under `[columns.<kind>]`.
    pub name: &'static str,
    /// A file without it is refused.
    pub required: bool,
    pub ty: ColumnType,
    /// Names a municipality's own systems commonly use, recognised without configuration
    /// (after a configured name and the canonical name).
    pub aliases: &'static [&'static str],
}

/// A canonical column of one input kind, naming its position in the kind's table.
pub trait Column: Copy {
    const KIND: InputKind;
    /// The position in `KIND.columns()`.
    fn index(self) -> usize;
    /// The column's description.
    fn describe(self) -> &'static InputColumn {
        &Self::KIND.columns()[self.index()]
    }
    /// The canonical name.
    fn name(self) -> &'static str {
        self.describe().name
    }
}

/// Declares a column enum and its table in one place, so that the position of a column is
/// its variant and cannot drift from the table.
macro_rules! input_columns {
    ($(#[$doc:meta])* $enum:ident for $kind:ident {
        $($variant:ident = $name:literal, $required:literal, $ty:ident $(, aliases [$($alias:literal),*])?;)*
    }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $enum {
            $($variant),*
        }

        impl $enum {
            /// Every column, in table order.
            pub const ALL: &'static [$enum] = &[$($enum::$variant),*];
            /// The kind's table of canonical columns.
            pub const TABLE: &'static [InputColumn] = &[$(InputColumn {
                name: $name,
                required: $required,
                ty: ColumnType::$ty,
                aliases: &[$($($alias),*)?],
            }),*];
        }

        impl Column for $enum {
            const KIND: InputKind = InputKind::$kind;
            fn index(self) -> usize {
                self as usize
            }
        }
    };
}

input_columns! {
    /// SPEC §2.1, visit registrations.
    VisitColumn for Visits {
        VisitId = "visit_id", false, Text;
        SupplierId = "supplier_id", true, Text;
        ClientId = "client_id", true, Text;
        StaffId = "staff_id", true, Text;
        CheckIn = "check_in", true, Timestamp;
        CheckOut = "check_out", false, Timestamp;
        CheckInMethod = "check_in_method", true, Text;
        CheckOutMethod = "check_out_method", false, Text;
        Services = "services", false, Text;
        PlannedMinutes = "planned_minutes", false, Number;
        Area = "area", false, Text;
        ManualReason = "manual_reason", false, Text;
        Status = "status", false, Text;
    }
}

input_columns! {
    /// SPEC §2.2, granted time.
    GrantedColumn for Granted {
        SupplierId = "supplier_id", true, Text;
        ClientId = "client_id", true, Text;
        Month = "month", true, Month;
        GrantedMinutes = "granted_minutes", true, Number;
    }
}

input_columns! {
    /// SPEC §2.3, add-on reports.
    AddonColumn for Addons {
        SupplierId = "supplier_id", true, Text;
        ClientId = "client_id", true, Text;
        Month = "month", true, Month;
        Addon = "addon", true, Text;
        Quantity = "quantity", true, Number;
        ReportedOn = "reported_on", true, Date;
    }
}

input_columns! {
    /// SPEC §2.5, client absences from the municipality's own case system.
    AbsenceColumn for Absences {
        ClientId = "client_id", true, Text, aliases ["Personnummer", "Kund", "Brukare", "Kund-id"];
        AbsentFrom = "absent_from", true, TimestampOrDate, aliases ["Från", "Från och med", "Fr.o.m.", "Fr o m", "Startdatum", "Start"];
        AbsentTo = "absent_to", false, TimestampOrDate, aliases ["Till", "Till och med", "T.o.m.", "T o m", "Slutdatum", "Slut"];
        Reason = "reason", false, Text, aliases ["Orsak", "Frånvaroorsak", "Anledning"];
    }
}

input_columns! {
    /// SPEC §2.6, invoiced time per client and month.
    InvoiceColumn for Invoices {
        SupplierId = "supplier_id", true, Text;
        ClientId = "client_id", true, Text;
        Month = "month", true, Month;
        InvoicedMinutes = "invoiced_minutes", true, Number;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_column_is_found_at_its_own_position_in_its_table() {
        fn check<C: Column + std::fmt::Debug>(all: &[C]) {
            assert_eq!(all.len(), C::KIND.columns().len(), "{:?}", C::KIND);
            for (i, c) in all.iter().enumerate() {
                assert_eq!(c.index(), i);
                assert_eq!(C::KIND.column(c.name()), Some(c.describe()), "{c:?}");
            }
        }
        check(VisitColumn::ALL);
        check(GrantedColumn::ALL);
        check(AddonColumn::ALL);
        check(AbsenceColumn::ALL);
        check(InvoiceColumn::ALL);
        assert_eq!(VisitColumn::CheckOut.name(), "check_out");
        assert_eq!(AbsenceColumn::AbsentTo.describe().aliases[0], "Till");
    }

    #[test]
    fn the_required_columns_are_those_of_the_spec() {
        let required = |k: InputKind| k.columns().iter().filter(|c| c.required).map(|c| c.name).collect::<Vec<_>>();
        assert_eq!(required(InputKind::Visits), ["supplier_id", "client_id", "staff_id", "check_in", "check_in_method"]);
        assert_eq!(required(InputKind::Absences), ["client_id", "absent_from"]);
        assert_eq!(required(InputKind::Granted).len(), 4);
        assert_eq!(required(InputKind::Addons).len(), 6);
        assert_eq!(required(InputKind::Invoices), ["supplier_id", "client_id", "month", "invoiced_minutes"]);
    }
}
