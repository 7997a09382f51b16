//! Command-line arguments, and how they layer over the configuration file and environment.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use wxbase_core::{Config, RawSettings};

/// A self-hosted backend for WeChat mini-programs.
#[derive(Debug, Parser)]
#[command(name = "wxbase", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the backend.
    Serve(ServeArgs),
    /// Run the WeChat emulator on its own.
    Emulator(EmulatorArgs),
    /// Create or upgrade the database schema, then exit.
    Migrate(ConfigArgs),
    /// The central access_token.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// The linked official account's followers.
    Oa {
        #[command(subcommand)]
        command: OaCommand,
    },
    /// Admin console accounts.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Import `mongoexport` output (JSON lines or a JSON array, Extended JSON v2) into a
    /// collection, or users into the mini-program; all or nothing.
    Import(Box<ImportArgs>),
    /// Write a collection's documents as JSON lines to standard output.
    Export(ExportArgs),
    /// Back up a running SQLite deployment (database and local files) into one archive.
    Backup(BackupArgs),
    /// Restore a backup archive into an empty data directory.
    Restore(RestoreArgs),
    /// Configuration helpers.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the documented example configuration file.
    Example,
    /// Load the configuration, check it and print it (secrets redacted).
    Check(ConfigArgs),
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an admin; the password is read from stdin when it is not a terminal, else
    /// prompted for twice.
    Create(AdminNameArgs),
    /// Set an admin's password (their console sessions end).
    Passwd(AdminNameArgs),
    /// List the admins.
    List(ConfigArgs),
    /// Delete an admin (their console sessions end).
    Delete(AdminNameArgs),
}

#[derive(Debug, Args)]
pub struct AdminNameArgs {
    /// The admin's username.
    pub username: String,
    #[command(flatten)]
    pub config: ConfigArgs,
}

#[derive(Debug, Subcommand)]
pub enum OaCommand {
    /// Run a full follower sync now (one instance at a time; progress is logged).
    Sync(ConfigArgs),
    /// Print the follower counts and the sync's state.
    Status(ConfigArgs),
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Print the stored token's expiry and source.
    Show(TokenShowArgs),
}

#[derive(Debug, Args)]
pub struct TokenShowArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Print the token itself too.
    #[arg(long)]
    pub reveal: bool,
}

/// Where the configuration comes from; flags override the file and `WXBASE_*` variables.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// A TOML configuration file (see `wxbase config example`).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address to listen on (server.listen).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Database URL: sqlite://FILE or postgres://... (database.url).
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// Directory for the SQLite file and local data (server.data_dir).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

impl ConfigArgs {
    /// Defaults, file, environment, flags; then validation.
    pub fn load(&self) -> anyhow::Result<Config> {
        let mut raw = RawSettings::load(self.config.as_deref(), std::env::vars())?;
        if let Some(listen) = &self.listen {
            raw.set_flag("server.listen", listen.clone());
        }
        if let Some(url) = &self.database_url {
            raw.set_flag("database.url", url.clone());
        }
        if let Some(dir) = &self.data_dir {
            raw.set_flag("server.data_dir", dir.display().to_string());
        }
        raw.parse().context("invalid configuration")
    }
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Development mode: start the WeChat emulator beside the server and point the WeChat
    /// client at it, so everything works with no WeChat account.
    #[arg(long)]
    pub dev: bool,
    /// Where the emulator listens in development mode.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8081")]
    pub emulator_listen: SocketAddr,
}

#[derive(Debug, Args)]
pub struct EmulatorArgs {
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8081")]
    pub listen: SocketAddr,
    /// The AppID the emulator serves (default: the development app).
    #[arg(long, env = "WXBASE_APP_ID", value_name = "APPID")]
    pub app_id: Option<String>,
    /// The AppSecret it accepts for that app.
    #[arg(
        long,
        env = "WXBASE_APP_SECRET",
        value_name = "SECRET",
        hide_env_values = true
    )]
    pub app_secret: Option<String>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// The `mongoexport` file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The collection to import into (created if missing).
    #[arg(
        long,
        value_name = "NAME",
        required_unless_present = "users",
        conflicts_with = "users"
    )]
    pub collection: Option<String>,
    /// The permission mode of a collection created by the import (default read_all_write_own).
    #[arg(long, value_name = "MODE")]
    pub permission: Option<String>,
    /// A field holding the openid of each document's owner (default: owned by the admin).
    #[arg(long, value_name = "FIELD")]
    pub owner_field: Option<String>,
    /// Import the old backend's users instead, so their logins find them (`isNew: false`).
    #[arg(long)]
    pub users: bool,
    /// The users' openid field.
    #[arg(long, value_name = "FIELD", default_value = "openid")]
    pub openid_field: String,
    /// The users' unionid field, if any.
    #[arg(long, value_name = "FIELD")]
    pub unionid_field: Option<String>,
    /// The users' phone number field, if any.
    #[arg(long, value_name = "FIELD")]
    pub phone_field: Option<String>,
    /// The users' nickname field.
    #[arg(long, value_name = "FIELD", default_value = "nickName")]
    pub nickname_field: String,
    /// The users' avatar URL field.
    #[arg(long, value_name = "FIELD", default_value = "avatarUrl")]
    pub avatar_field: String,
    /// The users' creation date field.
    #[arg(long, value_name = "FIELD", default_value = "createdAt")]
    pub created_field: String,
    /// Check every document and write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// The collection to export.
    #[arg(long, value_name = "NAME")]
    pub collection: String,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// The archive to write (a tar file).
    #[arg(long, value_name = "FILE")]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// The archive `wxbase backup` wrote.
    #[arg(value_name = "FILE")]
    pub archive: PathBuf,
}
