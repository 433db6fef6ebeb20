//! Giving freed heap memory back to the OS after large transient work.
//!
//! glibc's malloc keeps one arena per thread that allocated; memory freed inside an arena is
//! kept for reuse, not returned, so a blocking thread that parsed a 50 000-entry transcript
//! leaves its high-water mark in the process's RSS long after. `malloc_trim` returns the free
//! pages of every arena (issue 11: RSS < 100 MB after 20 agents × 50 000 lines).

/// Return free heap pages to the OS (glibc); nothing elsewhere.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks malloc's own arenas under their locks.
    unsafe {
        libc::malloc_trim(0);
    }
}
