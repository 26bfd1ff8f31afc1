//! How the month's visits are laid out and walked: blocked placement by supplier, the groups
//! by client and by staff member, and walks over them that bring each visit into the cache
//! ahead of use. Domain code hands it closures and never names a cache line.

pub mod by_supplier;
pub mod groups;

/// `all` cut into consecutive parts of `sizes` (which add up to at most its length), in order.
pub fn split_parts<T>(mut all: &mut [T], sizes: impl IntoIterator<Item = usize>) -> Vec<&mut [T]> {
    sizes
        .into_iter()
        .map(|size| {
            let (part, rest) = std::mem::take(&mut all).split_at_mut(size);
            all = rest;
            part
        })
        .collect()
}
