//! The `xieshang` binary: parse the command line, set up logging, dispatch.

use clap::Parser;
use xieshang::cmd::{self, BenchCommand, Cli, Command};
use xieshang::config::Settings;

/// mimalloc instead of the C library's allocator: a request allocates and
/// frees many small buffers (headers, JSON, rows, search tokens), and glibc's
/// bookkeeping for them (malloc_consolidate, unlink_chunk, _int_free) was
/// nearly a fifth of the server's samples during intake (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<std::process::ExitCode> {
    let cli = Cli::parse();
    let settings = Settings::resolve(&cli.flags)?;
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(&settings.log)
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    match &cli.command {
        Command::Serve => cmd::serve::run(&settings).await?,
        Command::Demo => cmd::demo::run(&settings).await?,
        Command::Migrate => cmd::migrate::run(&settings).await?,
        Command::Audit { command } => {
            // The exit code is the verdict: 1 when the chain is broken.
            let code = cmd::audit::run(&settings, command).await?;
            return Ok(std::process::ExitCode::from(code));
        }
        Command::Admin { command } => cmd::admin::run(&settings, command).await?,
        Command::Bench { command } => match command {
            BenchCommand::Datagen(args) => cmd::datagen::run(&settings, args).await?,
            BenchCommand::Search(args) => cmd::bench::search(&settings, args).await?,
            BenchCommand::Dashboard(args) => cmd::bench::dashboard(&settings, args).await?,
            BenchCommand::RawInsert(args) => cmd::rawbench::insert(args).await?,
            BenchCommand::RawServe(args) => cmd::rawbench::serve(args).await?,
            BenchCommand::Sample(args) => cmd::rawbench::sample(&settings, args).await?,
            BenchCommand::Snapshot(args) => cmd::snapshot::run(&settings, args).await?,
        },
    }
    Ok(std::process::ExitCode::SUCCESS)
}
