//! One month's analysis: key figures and flag counts per supplier and for `ALL`, the flagged
//! visits, and the per-staff and per-client drill-down.

use std::collections::BTreeMap;
use crate::hash::HashSet;

use rayon::prelude::*;

use crate::config::{Config, FIGURE_IDS};
use crate::evidence::{supplier_evidence, EvidenceRow};
use crate::figures::drilldown::{member_figures, Member, MemberFigures};
use crate::figures::continuity::staff_per_qualifying_client;
use crate::figures::{key_figures, status_of, FigureContext, Scope, Status};
use crate::hash::HashMap;
use crate::flags::{self, Flag, FlagHit};
use crate::ingest::{AddonRow, GrantedRow, MonthData, Visit};
use crate::month::YearMonth;

/// The supplier id of the municipality-wide rows.
pub const ALL: &str = "ALL";

/// One row of `figures.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct FigureRow {
    pub supplier_id: String,
    pub month: YearMonth,
    pub figure: String,
    pub value: Option<f64>,
    pub status: Status,
}

/// One row of `flags.csv`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FlagRow {
    pub supplier_id: String,
    pub flag: Flag,
    pub visit_id: String,
    pub related_visit_id: Option<String>,
}

/// Everything computed for one month.
pub struct MonthAnalysis {
    pub month: YearMonth,
    pub figures: Vec<FigureRow>,
    pub flags: Vec<FlagRow>,
    pub staff: Vec<MemberFigures>,
    pub clients: Vec<MemberFigures>,
    /// The staff, clients and example visits behind each figure and flag, per supplier.
    pub evidence: Vec<EvidenceRow>,
    /// Index of each visit's flags in `hits` order, for the visit table.
    pub hits: Vec<FlagHit>,
}

fn flag_figure_rows(
    config: &Config,
    supplier_id: &str,
    month: YearMonth,
    visit_count: usize,
    distinct: &BTreeMap<Flag, usize>,
) -> Vec<FigureRow> {
    let mut rows = Vec::new();
    for flag in Flag::ALL {
        let count = distinct.get(&flag).copied().unwrap_or(0);
        rows.push(FigureRow {
            supplier_id: supplier_id.to_string(),
            month,
            figure: format!("flag.{}", flag.name()),
            value: Some(count as f64),
            status: Status::Info,
        });
    }
    for flag in Flag::ALL {
        let count = distinct.get(&flag).copied().unwrap_or(0);
        let figure = format!("flag_rate.{}", flag.name());
        let value = (visit_count > 0).then(|| count as f64 * 1000.0 / visit_count as f64);
        let status = status_of(config, &figure, value);
        rows.push(FigureRow { supplier_id: supplier_id.to_string(), month, figure, value, status });
    }
    rows
}

/// Distinct flagged visits per flag, per supplier id and in all.
fn distinct_per_flag(hits: &[FlagHit], visits: &[Visit]) -> (BTreeMap<u32, BTreeMap<Flag, usize>>, BTreeMap<Flag, usize>) {
    let mut seen: HashSet<(Flag, u32)> = HashSet::default();
    let mut per_supplier: BTreeMap<u32, BTreeMap<Flag, usize>> = BTreeMap::new();
    let mut all = BTreeMap::new();
    for h in hits {
        if seen.insert((h.flag, h.visit)) {
            *per_supplier.entry(visits[h.visit as usize].supplier).or_default().entry(h.flag).or_default() += 1;
            *all.entry(h.flag).or_default() += 1;
        }
    }
    (per_supplier, all)
}

/// Rows grouped by supplier id in one pass.
fn by_supplier<T>(rows: &[T], supplier: impl Fn(&T) -> u32) -> BTreeMap<u32, Vec<&T>> {
    let mut groups: BTreeMap<u32, Vec<&T>> = BTreeMap::new();
    for r in rows {
        groups.entry(supplier(r)).or_default().push(r);
    }
    groups
}

pub fn analyse(data: &MonthData, config: &Config) -> MonthAnalysis {
    let month = data.month;
    let ids = &data.ids;
    let ctx = FigureContext::new(config, month, ids);
    let hits = flags::compute(&data.visits, &ctx);

    // Every supplier of the month: with visits, or only with granted time or add-on reports
    // (a supplier that granted clients but registered no visit has completion 0).
    let mut supplier_ids: Vec<u32> = data.visits.iter().map(|v| v.supplier).collect();
    supplier_ids.extend(data.granted.iter().map(|g| g.supplier));
    supplier_ids.extend(data.addons.iter().map(|a| a.supplier));
    supplier_ids.sort_unstable();
    supplier_ids.dedup();
    supplier_ids.sort_by(|a, b| ids.suppliers.name(*a).cmp(ids.suppliers.name(*b)));

    let all_visits: Vec<&Visit> = data.visits.iter().collect();
    let all_granted: Vec<&GrantedRow> = data.granted.iter().collect();
    let all_addons: Vec<&AddonRow> = data.addons.iter().collect();

    let figure_rows = |supplier_id: &str, scope: &Scope, distinct: &BTreeMap<Flag, usize>, continuity: &HashMap<u64, usize>| {
        let mut rows: Vec<FigureRow> = key_figures(scope, &ctx, continuity)
            .into_iter()
            .map(|(figure, value)| FigureRow {
                supplier_id: supplier_id.to_string(),
                month,
                figure: figure.to_string(),
                value,
                status: status_of(config, figure, value),
            })
            .collect();
        rows.extend(flag_figure_rows(config, supplier_id, month, scope.visits.len(), distinct));
        rows
    };
    let visits_of = by_supplier(&data.visits, |v| v.supplier);
    let granted_of = by_supplier(&data.granted, |g| g.supplier);
    let addons_of = by_supplier(&data.addons, |a| a.supplier);
    let (distinct_of, distinct_all) = distinct_per_flag(&hits, &data.visits);
    let hits_of = by_supplier(&hits, |h| data.visits[h.visit as usize].supplier);
    let (no_visits, no_granted, no_addons, no_hits, no_flags) = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), BTreeMap::new());
    let all_scope = Scope { visits: &all_visits, granted: &all_granted, addons: &all_addons };
    // Continuity per supplier once, shared by the figures, the evidence and the drill-down;
    // the municipality's is their union (clients are identified per supplier).
    let continuity_of: Vec<HashMap<u64, usize>> = supplier_ids.par_iter().map(|s| staff_per_qualifying_client(visits_of.get(s).unwrap_or(&no_visits), &ctx)).collect();
    let all_continuity: HashMap<u64, usize> = continuity_of.iter().flat_map(|m| m.iter().map(|(k, v)| (*k, *v))).collect();
    let mut flagged = vec![false; data.visits.len()];
    for h in &hits {
        flagged[h.visit as usize] = true;
    }
    // Four pieces of work side by side: the suppliers (each in parallel, with their figures
    // and evidence), the municipality, and the staff and client breakdowns.
    let suppliers_work = || -> Vec<(Vec<FigureRow>, Vec<EvidenceRow>)> {
        supplier_ids
            .par_iter()
            .zip(&continuity_of)
            .map(|(s, continuity)| {
                let scope = Scope {
                    visits: visits_of.get(s).unwrap_or(&no_visits),
                    granted: granted_of.get(s).unwrap_or(&no_granted),
                    addons: addons_of.get(s).unwrap_or(&no_addons),
                };
                let name = ids.suppliers.name(*s);
                let rows = figure_rows(name, &scope, distinct_of.get(s).unwrap_or(&no_flags), continuity);
                let evidence = supplier_evidence(name, &scope, &ctx, ids, hits_of.get(s).unwrap_or(&no_hits), &data.visits, continuity);
                (rows, evidence)
            })
            .collect()
    };
    let ((per_supplier, all_rows), (staff, clients)) = rayon::join(
        || rayon::join(suppliers_work, || figure_rows(ALL, &all_scope, &distinct_all, &all_continuity)),
        || {
            rayon::join(
                || member_figures(&all_scope, &ctx, ids, &flagged, Member::Staff, &HashMap::default()),
                || member_figures(&all_scope, &ctx, ids, &flagged, Member::Client, &all_continuity),
            )
        },
    );
    let mut figures = Vec::new();
    let mut evidence = Vec::new();
    for (rows, ev) in per_supplier {
        figures.extend(rows);
        evidence.extend(ev);
    }
    figures.extend(all_rows);
    debug_assert_eq!(figures.len(), (supplier_ids.len() + 1) * (FIGURE_IDS.len() + 2 * Flag::ALL.len()));

    let visit_id = |i: u32| data.visits[i as usize].visit_id.to_string();
    let mut flag_rows: Vec<FlagRow> = hits
        .par_iter()
        .map(|h| FlagRow {
            supplier_id: ids.suppliers.name(data.visits[h.visit as usize].supplier).to_string(),
            flag: h.flag,
            visit_id: visit_id(h.visit),
            related_visit_id: h.related.map(visit_id),
        })
        .collect();
    flag_rows.par_sort();

    MonthAnalysis { month, figures, flags: flag_rows, staff, clients, evidence, hits }
}
