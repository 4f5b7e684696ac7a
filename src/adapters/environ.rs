//! The environment snapshot, read once at start.

use crate::domain::Vars;

/// The process's environment, read once. On Linux, `/proc/self/environ` in one read: the
/// block the kernel passed at `exec`, which nothing in rolecall changes before this runs (it
/// must run before `memory::protect`, after which the file is root's). Elsewhere, or when the
/// file cannot be read (no `/proc`), through the standard library.
pub fn snapshot() -> Vars {
    #[cfg(target_os = "linux")]
    {
        use std::io::Read;
        // The file says it is empty: room for a usual environment, so that one read does.
        let mut block = Vec::with_capacity(16 * 1024);
        let read =
            std::fs::File::open("/proc/self/environ").and_then(|mut f| f.read_to_end(&mut block));
        if read.is_ok() {
            return Vars::from_block(&block);
        }
    }
    Vars::from_process()
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    #[test]
    fn the_block_reads_as_the_standard_library_reads_the_environment() {
        let ours = super::snapshot();
        let std = crate::domain::Vars::from_process();
        let mut a: Vec<(&str, &str)> = ours.iter().collect();
        let mut b: Vec<(&str, &str)> = std.iter().collect();
        a.sort();
        b.sort();
        assert_eq!(a, b);
    }
}
