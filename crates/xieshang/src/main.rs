//! The `xieshang` binary: parse the command line, set up logging, dispatch.

use clap::Parser;
use xieshang::cmd::{self, Cli, Command};
use xieshang::config::Settings;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
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
        Command::Serve => cmd::serve::run(&settings).await,
        Command::Demo => cmd::demo::run(&settings).await,
        Command::Migrate => cmd::migrate::run(&settings).await,
        Command::Audit { command } => {
            let code = cmd::audit::run(&settings, command).await?;
            if code != 0 {
                #[expect(clippy::exit, reason = "the exit code is the verdict")]
                std::process::exit(code);
            }
            Ok(())
        }
        Command::Admin { command } => cmd::admin::run(&settings, command).await,
    }
}
