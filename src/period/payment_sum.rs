//! The payment basis of several stored months (SPEC §10) added up: the sums of the values
//! each month reported in `payment.csv`, for the investigation's period and the year.

use crate::model::Questioned;
use crate::month::payment::PaymentRow;

/// A scope's `payment.csv` rows of several months added up. Minutes stay in hundredths and
/// kronor whole, as each month wrote them, so the sum is what the months reported.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PaymentSum {
    /// Months with a payment row.
    pub months: u32,
    pub registered: i64,
    pub questioned: i64,
    /// Per reason, indexed by `Questioned as usize`.
    pub per_reason: [i64; Questioned::COUNT],
    /// The months with an invoices input, and their sums (`None` without any).
    pub invoice_months: u32,
    pub invoiced: Option<i64>,
    pub invoice_excess: Option<i64>,
    /// The months with an hourly rate, and their kronor (`None` without any).
    pub kronor_months: u32,
    pub questioned_kronor: Option<i64>,
    pub invoice_excess_kronor: Option<i64>,
}

/// `a + b` where a missing value adds nothing and two missing values stay missing.
fn add_opt(sum: Option<i64>, value: Option<i64>) -> Option<i64> {
    match (sum, value) {
        (None, None) => None,
        (s, v) => Some(s.unwrap_or(0) + v.unwrap_or(0)),
    }
}

impl PaymentSum {
    /// Adds one month's row.
    pub fn add(&mut self, row: &PaymentRow) {
        self.months += 1;
        self.registered += row.registered;
        self.questioned += row.questioned;
        for q in Questioned::ALL {
            self.per_reason[q as usize] += row.per_reason[q as usize];
        }
        self.invoice_months += u32::from(row.invoiced.is_some());
        self.invoiced = add_opt(self.invoiced, row.invoiced);
        self.invoice_excess = add_opt(self.invoice_excess, row.invoice_excess);
        self.kronor_months += u32::from(row.questioned_kronor.is_some());
        self.questioned_kronor = add_opt(self.questioned_kronor, row.questioned_kronor);
        self.invoice_excess_kronor = add_opt(self.invoice_excess_kronor, row.invoice_excess_kronor);
    }

    /// The sum of `rows`.
    pub fn of<'a>(rows: impl IntoIterator<Item = &'a PaymentRow>) -> PaymentSum {
        let mut sum = PaymentSum::default();
        for row in rows {
            sum.add(row);
        }
        sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(month: u32, questioned: i64, invoiced: Option<i64>, kronor: Option<i64>) -> PaymentRow {
        PaymentRow {
            supplier_id: "S1".into(),
            month: crate::model::YearMonth { year: 2025, month },
            registered: 10_000,
            questioned,
            per_reason: [questioned, 0, 0, 0],
            over_granted: None,
            invoiced,
            invoice_excess: invoiced.map(|i| i / 2),
            questioned_kronor: kronor,
            invoice_excess_kronor: kronor.map(|k| k + 1),
        }
    }

    #[test]
    fn months_add_up_and_a_month_without_invoices_or_a_rate_adds_nothing_to_them() {
        let sum = PaymentSum::of(&[row(1, 150, Some(400), Some(12)), row(2, 75, None, None), row(3, 1, Some(60), Some(3))]);
        assert_eq!((sum.months, sum.registered, sum.questioned, sum.per_reason), (3, 30_000, 226, [226, 0, 0, 0]));
        assert_eq!((sum.invoice_months, sum.invoiced, sum.invoice_excess), (2, Some(460), Some(230)));
        assert_eq!((sum.kronor_months, sum.questioned_kronor, sum.invoice_excess_kronor), (2, Some(15), Some(17)));
        let none = PaymentSum::of(&[row(1, 0, None, None)]);
        assert_eq!((none.invoiced, none.invoice_excess, none.questioned_kronor, none.invoice_excess_kronor), (None, None, None, None));
        assert_eq!(PaymentSum::of(&[]), PaymentSum::default());
    }
}
