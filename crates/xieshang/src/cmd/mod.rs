//! The command line: one clap enum, one file per subcommand.

pub mod admin;
pub mod audit;
pub mod bench;
pub mod datagen;
pub mod demo;
pub mod migrate;
pub mod rawbench;
pub mod serve;
pub mod snapshot;

use crate::config::Flags;
use clap::{Parser, Subcommand};

/// Xieshang (协商): the platform for local consultative bodies.
#[derive(Debug, Parser)]
#[command(name = "xieshang", version, about)]
pub struct Cli {
    /// Settings shared by every command.
    #[command(flatten)]
    pub flags: Flags,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web application.
    Serve,
    /// Serve with the sample city (Xi'an) loaded once, and print the demo accounts.
    Demo,
    /// Apply database migrations and exit.
    Migrate,
    /// Administration: first administrator, password resets, API keys.
    Admin {
        /// What to do.
        #[command(subcommand)]
        command: admin::AdminCommand,
    },
    /// Audit log tools.
    Audit {
        /// What to do with the audit log.
        #[command(subcommand)]
        command: audit::AuditCommand,
    },
    /// Load tools for benchmarks: a generated city, latencies, the machine's limits.
    Bench {
        /// Which tool.
        #[command(subcommand)]
        command: BenchCommand,
    },
}

/// `xieshang bench …`: tools for load tests, not for running a service.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Fill an empty database with a realistic city for load tests.
    Datagen(datagen::DatagenArgs),
    /// Measure search and duplicate-suggestion latency on a (generated) database.
    Search(bench::BenchSearchArgs),
    /// Time the dashboard's figures computed afresh for each district and the city.
    Dashboard(bench::BenchDashboardArgs),
    /// The machine's limit: durable single-row inserts, one transaction each.
    RawInsert(rawbench::RawInsertArgs),
    /// The machine's limit: a minimal handler reading one row by key and rendering a page.
    RawServe(rawbench::RawServeArgs),
    /// Print an area code and random tracking codes of a generated database.
    Sample(rawbench::SampleArgs),
    /// Print what a migration must carry across (rows and checksums per table,
    /// a checksum of sampled status pages), without migrating.
    Snapshot(snapshot::SnapshotArgs),
}

#[cfg(test)]
mod tests {
    #[test]
    fn verify_cli() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
