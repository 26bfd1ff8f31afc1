//! The process allocator: the system one, with large blocks marked for transparent huge pages.
//!
//! A national month touches a few gigabytes of fresh memory (the visits, the flag pass's sorted
//! indexes, the Parquet columns). In 4 KiB pages that is close to a million page faults, and on
//! a virtual machine each costs microseconds of kernel time. Blocks of 4 MiB and more are
//! advised `MADV_HUGEPAGE`, so the kernel can back them with 2 MiB pages where it offers them
//! (`/sys/kernel/mm/transparent_hugepage/enabled` set to `madvise` or `always`). Elsewhere the
//! advice is ignored and nothing changes.

use std::alloc::{GlobalAlloc, Layout, System};

pub struct HugePageAlloc;

/// Blocks at least this large are advised.
const LARGE: usize = 4 << 20;

#[cfg(target_os = "linux")]
fn advise(ptr: *mut u8, len: usize) {
    const PAGE: usize = 4096;
    let start = (ptr as usize).next_multiple_of(PAGE);
    let end = (ptr as usize + len) & !(PAGE - 1);
    if end > start {
        // SAFETY: the range lies inside a block the system allocator just handed out; the
        // advice changes only how the kernel backs it, never its contents.
        unsafe { libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE) };
    }
}

#[cfg(not(target_os = "linux"))]
fn advise(_ptr: *mut u8, _len: usize) {}

// SAFETY: every call is passed to `System` unchanged; only large blocks get advice afterwards.
unsafe impl GlobalAlloc for HugePageAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() && layout.size() >= LARGE {
            advise(ptr, layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() && layout.size() >= LARGE {
            advise(ptr, layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() && new_size >= LARGE {
            advise(new, new_size);
        }
        new
    }
}
