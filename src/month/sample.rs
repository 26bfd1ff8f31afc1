//! The verification sample (SPEC §11): each visit's random number from SHA-256 of the seed,
//! the supplier and the visit, its risk weight from its flags and whether it is questioned,
//! and the draw per supplier — half by risk (weighted sampling without replacement), half at
//! random among the rest — and the summary of the answers the clients gave.

use std::cmp::Ordering;

use chrono::NaiveDateTime;
use sha2::{Digest, Sha256};

use crate::model::payment::{hundredths_text, seconds_in_hundredths};
use crate::model::Flag;

/// Between the seed, the supplier and the visit id in the hashed text.
pub const SEPARATOR: u8 = 0x1f;

/// The visit's random number `u` in (0, 1): the first 8 bytes of SHA-256 of
/// `seed \x1f supplier_id \x1f visit_id` as a big-endian integer `U`, and
/// `u = ((U >> 11) + 0.5) / 2^53`, exact in a 64-bit float and never 0 or 1.
pub fn random_number(seed: &str, supplier_id: &str, visit_id: &str) -> f64 {
    SupplierHash::new(seed, supplier_id).random_number(visit_id)
}

/// The hash of `seed \x1f supplier_id \x1f`, taken once per supplier and continued with each
/// of its visits' ids.
#[derive(Clone)]
pub struct SupplierHash(Sha256);

impl SupplierHash {
    pub fn new(seed: &str, supplier_id: &str) -> SupplierHash {
        let mut hash = Sha256::new();
        hash.update(seed.as_bytes());
        hash.update([SEPARATOR]);
        hash.update(supplier_id.as_bytes());
        hash.update([SEPARATOR]);
        SupplierHash(hash)
    }

    /// `u` of one of the supplier's visits (`random_number`).
    pub fn random_number(&self, visit_id: &str) -> f64 {
        let mut hash = self.0.clone();
        hash.update(visit_id.as_bytes());
        let digest = hash.finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        let big = u64::from_be_bytes(first);
        ((big >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
}

/// The risk weight `w = 1 + 2·f + 4·q`: `flags` distinct flags, `questioned` for a visit
/// questioned in the payment basis (SPEC §10).
pub fn risk_weight(flags: u32, questioned: bool) -> f64 {
    1.0 + 2.0 * f64::from(flags) + if questioned { 4.0 } else { 0.0 }
}

/// How a visit came into the sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Drawn {
    /// Among the `k` largest `ln(u) / w`.
    Risk,
    /// Among the rest, the smallest `u`.
    Random,
}

impl Drawn {
    pub const ALL: [Drawn; 2] = [Drawn::Risk, Drawn::Random];

    pub fn as_str(self) -> &'static str {
        match self {
            Drawn::Risk => "risk",
            Drawn::Random => "random",
        }
    }

    pub fn parse(text: &str) -> Option<Drawn> {
        Drawn::ALL.into_iter().find(|d| d.as_str() == text)
    }

    /// The Swedish name, as the terminal summary and the workbooks give it.
    pub fn label_sv(self) -> &'static str {
        match self {
            Drawn::Risk => "riskurval",
            Drawn::Random => "slumpurval",
        }
    }
}

/// One visit of the population with its random number and weight, carrying what the sample
/// writes about it (`T`).
#[derive(Debug, Clone)]
pub struct Entrant<T> {
    pub visit_id: String,
    pub u: f64,
    pub weight: f64,
    pub item: T,
}

impl<T> Entrant<T> {
    /// The key of the draw by risk, `ln(u) / w`: the largest are drawn.
    pub fn risk_key(&self) -> f64 {
        self.u.ln() / self.weight
    }
}

/// The order of the draw by risk: the largest `ln(u) / w` first, ties by visit id as text.
fn risk_order(a: (f64, &str), b: (f64, &str)) -> Ordering {
    b.0.total_cmp(&a.0).then_with(|| a.1.as_bytes().cmp(b.1.as_bytes()))
}

/// The order of the draw at random: the smallest `u` first, ties by visit id as text.
fn chance_order(a: (f64, &str), b: (f64, &str)) -> Ordering {
    a.0.total_cmp(&b.0).then_with(|| a.1.as_bytes().cmp(b.1.as_bytes()))
}

fn by_risk<T>(a: &Entrant<T>, b: &Entrant<T>) -> Ordering {
    risk_order((a.risk_key(), &a.visit_id), (b.risk_key(), &b.visit_id))
}

fn by_chance<T>(a: &Entrant<T>, b: &Entrant<T>) -> Ordering {
    chance_order((a.u, &a.visit_id), (b.u, &b.visit_id))
}

/// One supplier's population as it is read: its size, and the visits that can still be drawn.
/// Whatever the population's size turns out to be, the `k ≤ size / 2` drawn by risk are among
/// the `size / 2` first in the risk order, and the `n − k` drawn at random among the rest are
/// among the `size` first in the random order (at most `k` of those are taken by risk); the
/// pool keeps those two sets and nothing else, so the draw does not depend on the order the
/// visits come in, and a national month is drawn without holding its visits.
#[derive(Debug, Clone)]
pub struct Pool<T> {
    size: usize,
    population: u64,
    kept: Vec<Entrant<T>>,
    /// After a pruning: the last kept in the risk order and in the random order. A visit after
    /// both cannot be drawn (later visits only raise the bars).
    bars: Option<((f64, String), (f64, String))>,
}

impl<T> Pool<T> {
    pub fn new(size: usize) -> Pool<T> {
        Pool { size, population: 0, kept: Vec::new(), bars: None }
    }

    /// The visits of the population seen so far.
    pub fn population(&self) -> u64 {
        self.population
    }

    /// Whether a visit with this random number and weight can still be drawn. Lets a reader
    /// skip gathering what it would write about a visit that cannot be; such a visit is still
    /// counted (`count`).
    pub fn admits(&self, visit_id: &str, u: f64, weight: f64) -> bool {
        let Some(((risk, risk_id), (chance, chance_id))) = &self.bars else { return true };
        risk_order((u.ln() / weight, visit_id), (*risk, risk_id)).is_lt() || chance_order((u, visit_id), (*chance, chance_id)).is_lt()
    }

    /// Counts a visit of the population that `admits` turned away.
    pub fn count(&mut self) {
        self.population += 1;
    }

    /// Counts a visit of the population and keeps it while it can be drawn.
    pub fn add(&mut self, entrant: Entrant<T>) {
        self.population += 1;
        self.kept.push(entrant);
        if self.kept.len() > 4 * self.size.max(1) {
            self.prune();
        }
    }

    /// Adds another part of the same supplier's population (read apart).
    pub fn merge(&mut self, other: Pool<T>) {
        self.population += other.population;
        self.kept.extend(other.kept);
        self.prune();
    }

    /// Keeps the first `size / 2` in the risk order and the first `size` in the random order.
    fn prune(&mut self) {
        let n = self.kept.len();
        let mut keep = vec![false; n];
        let mut order: Vec<usize> = (0..n).collect();
        let (risk_count, chance_count) = (self.size / 2, self.size);
        order.sort_by(|&a, &b| by_risk(&self.kept[a], &self.kept[b]));
        for &i in order.iter().take(risk_count) {
            keep[i] = true;
        }
        let risk_bar = order.get(risk_count.max(1) - 1).map(|&i| (self.kept[i].risk_key(), self.kept[i].visit_id.clone()));
        order.sort_by(|&a, &b| by_chance(&self.kept[a], &self.kept[b]));
        for &i in order.iter().take(chance_count) {
            keep[i] = true;
        }
        let chance_bar = order.get(chance_count.max(1) - 1).map(|&i| (self.kept[i].u, self.kept[i].visit_id.clone()));
        // With nothing to draw by risk (a size of 1), no visit passes the risk bar.
        let risk_bar = if risk_count == 0 { Some((f64::INFINITY, String::new())) } else { risk_bar };
        if n >= chance_count && n >= risk_count {
            self.bars = risk_bar.zip(chance_bar);
        }
        let mut k = 0;
        self.kept.retain(|_| {
            k += 1;
            keep[k - 1]
        });
    }

    /// The draw: `n = min(size, population)`, the `k = floor(n / 2)` first by risk, then the
    /// `n − k` first at random among the rest; in that order.
    pub fn draw(mut self) -> Vec<(Drawn, Entrant<T>)> {
        let n = self.size.min(usize::try_from(self.population).unwrap_or(usize::MAX));
        let k = n / 2;
        self.kept.sort_by(by_risk);
        let mut rest = self.kept.split_off(k.min(self.kept.len()));
        let mut drawn: Vec<(Drawn, Entrant<T>)> = self.kept.into_iter().map(|e| (Drawn::Risk, e)).collect();
        rest.sort_by(by_chance);
        drawn.extend(rest.into_iter().take(n - k).map(|e| (Drawn::Random, e)));
        drawn
    }
}

/// One sampled visit as `stickprov.csv` writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct SampledVisit {
    pub supplier_id: String,
    pub visit_id: String,
    pub drawn: Drawn,
    /// Local (Europe/Stockholm) wall-clock times.
    pub check_in: NaiveDateTime,
    pub check_out: NaiveDateTime,
    /// The valid duration in whole seconds.
    pub seconds: i64,
    pub staff_id: String,
    /// The client's pseudonym, as `visits.parquet` keeps it.
    pub client_id: String,
    /// Service codes joined by `|`.
    pub services: String,
    /// The visit's distinct flags, in name order.
    pub flags: Vec<Flag>,
    /// The reason the payment basis questions the visit (SPEC §10), if it does.
    pub questioned: Option<String>,
    pub u: f64,
    pub weight: f64,
}

impl SampledVisit {
    /// The duration in minutes with two decimals, rounded half away from zero from the exact
    /// seconds, as `payment.csv` and `questioned.csv` write minutes.
    pub fn minutes_text(&self) -> String {
        hundredths_text(seconds_in_hundredths(self.seconds))
    }

    /// The flags' names joined by `|`.
    pub fn flags_text(&self) -> String {
        self.flags.iter().map(|f| f.name()).collect::<Vec<_>>().join("|")
    }
}

/// A client's answer about a sampled visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// `ja`: the visit took place.
    Confirmed,
    /// `delvis`: it took place, but not as registered (shorter, other help).
    Partly,
    /// `nej`: the client says it did not take place.
    NotConfirmed,
}

impl Answer {
    /// The words of the list, in the order the call list offers them.
    pub const WORDS: [&'static str; 3] = ["ja", "nej", "delvis"];

    /// An answer as typed, in any case and with spaces around it; `None` for any other word.
    pub fn parse(text: &str) -> Option<Answer> {
        match text.trim().to_lowercase().as_str() {
            "ja" => Some(Answer::Confirmed),
            "nej" => Some(Answer::NotConfirmed),
            "delvis" => Some(Answer::Partly),
            _ => None,
        }
    }
}

/// The answers of one supplier and one part of its sample (`drawn`; `None` is the whole
/// sample, written `all`): a row of `svar.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerSummary {
    pub supplier_id: String,
    pub drawn: Option<Drawn>,
    pub sampled: u32,
    pub answered: u32,
    pub confirmed: u32,
    pub partly: u32,
    pub not_confirmed: u32,
}

impl AnswerSummary {
    /// `drawn` as `svar.csv` writes it.
    pub fn drawn_text(&self) -> &'static str {
        self.drawn.map_or("all", Drawn::as_str)
    }

    /// `not_confirmed / answered`; none when nothing is answered.
    pub fn not_confirmed_share(&self) -> Option<f64> {
        (self.answered > 0).then(|| f64::from(self.not_confirmed) / f64::from(self.answered))
    }

    fn count(&mut self, answer: Option<Answer>) {
        self.sampled += 1;
        let Some(answer) = answer else { return };
        self.answered += 1;
        match answer {
            Answer::Confirmed => self.confirmed += 1,
            Answer::Partly => self.partly += 1,
            Answer::NotConfirmed => self.not_confirmed += 1,
        }
    }
}

/// The rows of `svar.csv`: per supplier (in id order) a row per part of the sample with at
/// least one sampled visit (risk, then random), then the supplier's whole sample (`all`).
/// `sample` gives each sampled visit's supplier, part and answer (`None`: unanswered).
pub fn summarize<'a>(sample: impl IntoIterator<Item = (&'a str, Drawn, Option<Answer>)>) -> Vec<AnswerSummary> {
    let mut by_supplier: std::collections::BTreeMap<&str, [Option<AnswerSummary>; 2]> = Default::default();
    for (supplier, drawn, answer) in sample {
        let part = &mut by_supplier.entry(supplier).or_default()[drawn as usize];
        part.get_or_insert_with(|| AnswerSummary {
            supplier_id: supplier.to_string(),
            drawn: Some(drawn),
            sampled: 0,
            answered: 0,
            confirmed: 0,
            partly: 0,
            not_confirmed: 0,
        })
        .count(answer);
    }
    let mut rows = Vec::new();
    for (supplier, parts) in by_supplier {
        let mut all = AnswerSummary {
            supplier_id: supplier.to_string(),
            drawn: None,
            sampled: 0,
            answered: 0,
            confirmed: 0,
            partly: 0,
            not_confirmed: 0,
        };
        for part in parts.into_iter().flatten() {
            all.sampled += part.sampled;
            all.answered += part.answered;
            all.confirmed += part.confirmed;
            all.partly += part.partly;
            all.not_confirmed += part.not_confirmed;
            rows.push(part);
        }
        rows.push(all);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entrant(id: &str, u: f64, weight: f64) -> Entrant<()> {
        Entrant { visit_id: id.to_string(), u, weight, item: () }
    }

    fn ids(drawn: &[(Drawn, Entrant<()>)]) -> Vec<(Drawn, &str)> {
        drawn.iter().map(|(d, e)| (*d, e.visit_id.as_str())).collect()
    }

    #[test]
    fn the_random_number_is_the_first_eight_bytes_shifted() {
        let digest = Sha256::digest(b"2025-03\x1fA\x1fv1");
        let big = u64::from_be_bytes(digest[..8].try_into().unwrap());
        let expected = ((big >> 11) as f64 + 0.5) / 9_007_199_254_740_992.0;
        assert_eq!(random_number("2025-03", "A", "v1"), expected);
        assert!(expected > 0.0 && expected < 1.0);
        assert_ne!(random_number("2025-04", "A", "v1"), expected);
        assert_ne!(random_number("2025-03", "B", "v1"), expected);
    }

    #[test]
    fn the_weight_counts_flags_twice_and_questioned_four_times() {
        assert_eq!(risk_weight(0, false), 1.0);
        assert_eq!(risk_weight(2, false), 5.0);
        assert_eq!(risk_weight(1, true), 7.0);
    }

    #[test]
    fn half_by_risk_then_the_smallest_u_of_the_rest() {
        // Keys ln(u)/w: a −0.105, b −1.609/9 = −0.179, c −0.693, d −0.051, e −0.223.
        let mut pool = Pool::new(4);
        for e in [entrant("a", 0.9, 1.0), entrant("b", 0.2, 9.0), entrant("c", 0.5, 1.0), entrant("d", 0.95, 1.0), entrant("e", 0.8, 1.0)] {
            pool.add(e);
        }
        assert_eq!(pool.population(), 5);
        // By risk: d, a. Of the rest (b, c, e) the smallest u: b 0.2, c 0.5.
        assert_eq!(ids(&pool.draw()), [(Drawn::Risk, "d"), (Drawn::Risk, "a"), (Drawn::Random, "b"), (Drawn::Random, "c")]);
    }

    #[test]
    fn an_odd_size_gives_the_extra_visit_to_chance_and_a_small_population_is_drawn_whole() {
        let mut pool = Pool::new(10);
        for e in [entrant("a", 0.9, 1.0), entrant("b", 0.2, 1.0), entrant("c", 0.5, 1.0)] {
            pool.add(e);
        }
        // n = 3, k = 1.
        assert_eq!(ids(&pool.draw()), [(Drawn::Risk, "a"), (Drawn::Random, "b"), (Drawn::Random, "c")]);
        let mut one = Pool::new(10);
        one.add(entrant("x", 0.5, 1.0));
        assert_eq!(ids(&one.draw()), [(Drawn::Random, "x")]);
    }

    #[test]
    fn ties_go_to_the_smaller_visit_id() {
        let mut pool = Pool::new(2);
        for e in [entrant("b", 0.5, 1.0), entrant("a", 0.5, 1.0), entrant("c", 0.5, 1.0)] {
            pool.add(e);
        }
        assert_eq!(ids(&pool.draw()), [(Drawn::Risk, "a"), (Drawn::Random, "b")]);
    }

    #[test]
    fn pruning_and_merging_keep_the_draw_of_the_whole() {
        let visits: Vec<Entrant<()>> = (0..500)
            .map(|i| {
                let id = format!("v{i}");
                let u = random_number("s", "A", &id);
                entrant(&id, u, risk_weight(i % 3, i % 7 == 0))
            })
            .collect();
        let mut whole = Pool::new(7);
        for v in visits.iter().cloned() {
            whole.add(v);
        }
        let mut parts = Pool::new(7);
        for chunk in visits.chunks(37).rev() {
            let mut part = Pool::new(7);
            for v in chunk.iter().cloned() {
                part.add(v);
            }
            parts.merge(part);
        }
        // The plain reading: sort everything.
        let mut all = visits.clone();
        all.sort_by(by_risk);
        let risk: Vec<String> = all[..3].iter().map(|e| e.visit_id.clone()).collect();
        let mut rest: Vec<Entrant<()>> = all[3..].to_vec();
        rest.sort_by(by_chance);
        let chance: Vec<String> = rest[..4].iter().map(|e| e.visit_id.clone()).collect();
        let expected: Vec<(Drawn, &str)> =
            risk.iter().map(|id| (Drawn::Risk, id.as_str())).chain(chance.iter().map(|id| (Drawn::Random, id.as_str()))).collect();
        assert_eq!(whole.population(), 500);
        assert_eq!(ids(&whole.draw()), expected);
        assert_eq!(parts.population(), 500);
        assert_eq!(ids(&parts.draw()), expected);
    }

    #[test]
    fn admits_only_what_can_still_be_drawn() {
        let mut pool = Pool::new(2);
        for i in 0..20 {
            pool.add(entrant(&format!("v{i:02}"), 0.5 + f64::from(i) / 100.0, 1.0));
        }
        pool.prune();
        // Kept: v19 by risk (largest u, weight 1), v00 and v01 at random.
        assert!(pool.admits("w", 0.001, 1.0), "a smaller u than any kept");
        assert!(pool.admits("w", 0.99, 1.0), "a larger key than any kept");
        assert!(!pool.admits("w", 0.6, 1.0));
    }

    #[test]
    fn answers_are_counted_per_part_and_in_all() {
        let rows = summarize([
            ("B", Drawn::Random, Some(Answer::NotConfirmed)),
            ("A", Drawn::Risk, Some(Answer::Confirmed)),
            ("A", Drawn::Random, None),
            ("A", Drawn::Random, Some(Answer::Partly)),
            ("A", Drawn::Random, Some(Answer::NotConfirmed)),
            ("A", Drawn::Risk, Some(Answer::NotConfirmed)),
        ]);
        let text: Vec<String> = rows
            .iter()
            .map(|r| {
                format!(
                    "{} {} {} {} {} {} {} {:?}",
                    r.supplier_id,
                    r.drawn_text(),
                    r.sampled,
                    r.answered,
                    r.confirmed,
                    r.partly,
                    r.not_confirmed,
                    r.not_confirmed_share()
                )
            })
            .collect();
        assert_eq!(
            text,
            [
                "A risk 2 2 1 0 1 Some(0.5)",
                "A random 3 2 0 1 1 Some(0.5)",
                "A all 5 4 1 1 2 Some(0.5)",
                "B random 1 1 0 0 1 Some(1.0)",
                "B all 1 1 0 0 1 Some(1.0)",
            ]
        );
        assert_eq!(summarize([("C", Drawn::Risk, None)])[0].not_confirmed_share(), None);
    }

    #[test]
    fn answers_are_read_in_any_case() {
        assert_eq!(Answer::parse(" JA "), Some(Answer::Confirmed));
        assert_eq!(Answer::parse("Delvis"), Some(Answer::Partly));
        assert_eq!(Answer::parse("nej"), Some(Answer::NotConfirmed));
        assert_eq!(Answer::parse("kanske"), None);
    }
}
