//! The `shequ` binary: parse the command line, hand over to the library.

fn main() -> std::process::ExitCode {
    shequ::cli::main()
}

// Imports and the request path allocate many small strings across threads; glibc's
// allocator spent half of the national import in malloc (perf, BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
