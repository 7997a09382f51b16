//! The `wxbase` binary: serve the backend, run the WeChat emulator, migrate, sync the official
//! account's followers, manage console admins, import from MongoDB and export, back up and
//! restore, print config.

mod admin_cmd;
mod args;
mod backup_cmd;
mod database;
mod dev;
mod emulator_cmd;
mod import_cmd;
mod logging;
mod oa_cmd;
mod serve;
mod token_cmd;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{AdminCommand, Cli, Command, ConfigCommand, OaCommand, TokenCommand};

/// The documented example configuration, also at config/wxbase.example.toml.
const EXAMPLE_CONFIG: &str = include_str!("../../../config/wxbase.example.toml");

fn main() -> ExitCode {
    let cli = Cli::parse();
    logging::init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => serve::run(args).await,
            Command::Emulator(args) => emulator_cmd::run(args).await,
            Command::Migrate(args) => database::migrate(args).await,
            Command::Token {
                command: TokenCommand::Show(args),
            } => token_cmd::show(args).await,
            Command::Oa {
                command: OaCommand::Sync(args),
            } => oa_cmd::sync(args).await,
            Command::Oa {
                command: OaCommand::Status(args),
            } => oa_cmd::status(args).await,
            Command::Admin { command } => match command {
                AdminCommand::Create(args) => admin_cmd::create(args).await,
                AdminCommand::Passwd(args) => admin_cmd::passwd(args).await,
                AdminCommand::List(args) => admin_cmd::list(args).await,
                AdminCommand::Delete(args) => admin_cmd::delete(args).await,
            },
            Command::Import(args) => import_cmd::import(*args).await,
            Command::Export(args) => import_cmd::export(args).await,
            Command::Backup(args) => backup_cmd::backup(args).await,
            Command::Restore(args) => backup_cmd::restore(args).await,
            Command::Config {
                command: ConfigCommand::Example,
            } => {
                print!("{EXAMPLE_CONFIG}");
                Ok(())
            }
            Command::Config {
                command: ConfigCommand::Check(args),
            } => args.load().map(|config| println!("{config:#?}")),
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
