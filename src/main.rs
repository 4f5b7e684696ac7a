/// dlmalloc on Linux, for the static musl build above all (see Cargo.toml); the test suite
/// runs the same allocator as the release. macOS and Windows keep their system allocators.
#[cfg(target_os = "linux")]
#[global_allocator]
static ALLOCATOR: dlmalloc::GlobalDlmalloc = dlmalloc::GlobalDlmalloc;

fn main() -> std::process::ExitCode {
    rolecall::main()
}
