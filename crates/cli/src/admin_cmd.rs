//! `wxbase admin create|passwd|list|delete`: the console's admin accounts. A password comes
//! from stdin when it is not a terminal (scripts: `echo "$PW" | wxbase admin create ops`),
//! else it is prompted for twice without echo.

use std::io::{BufRead, IsTerminal};
use std::sync::Arc;

use anyhow::{bail, Context};
use wxbase_core::console::{ConsoleSettings, Password};
use wxbase_core::{Config, ConsoleService, Store};

use crate::args::{AdminNameArgs, ConfigArgs};
use crate::database;

/// The console service over the configured database.
async fn open(args: &ConfigArgs) -> anyhow::Result<(ConsoleService, Arc<dyn Store>)> {
    let config: Config = args.load()?;
    let store = database::open(&config).await?;
    // Accounts are not per app; the app only scopes the pages' reads, unused here.
    let app_id = match &config.app {
        Some(app) => app.app_id.clone(),
        None => wxbase_wechat::AppId::parse("wxd000000000000001".to_owned())?,
    };
    let service = ConsoleService::new(store.clone(), app_id, ConsoleSettings::default());
    Ok((service, store))
}

/// The new password: one line of stdin, or typed twice at the terminal.
fn read_password(username: &str) -> anyhow::Result<Password> {
    let text = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(format!("password for {username}: "))
            .context("cannot read the password")?;
        let second = rpassword::prompt_password("again: ").context("cannot read the password")?;
        if first != second {
            bail!("the two passwords differ");
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from stdin")?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    Ok(Password::new(text)?)
}

/// `wxbase admin create <username>`.
pub async fn create(args: AdminNameArgs) -> anyhow::Result<()> {
    let password = read_password(&args.username)?;
    let (service, store) = open(&args.config).await?;
    let created = service.create_admin(&args.username, &password).await;
    store.close().await;
    let username = created?;
    println!("created admin {username}; sign in at /admin");
    Ok(())
}

/// `wxbase admin passwd <username>`.
pub async fn passwd(args: AdminNameArgs) -> anyhow::Result<()> {
    let password = read_password(&args.username)?;
    let (service, store) = open(&args.config).await?;
    let changed = service.set_password(&args.username, &password).await;
    store.close().await;
    changed?;
    println!(
        "password of {} changed; their console sessions ended",
        args.username
    );
    Ok(())
}

/// `wxbase admin list`.
pub async fn list(args: ConfigArgs) -> anyhow::Result<()> {
    let (service, store) = open(&args).await?;
    let admins = service.admins().await;
    store.close().await;
    let admins = admins?;
    if admins.is_empty() {
        println!("no admin: create one with `wxbase admin create <username>`");
    }
    for admin in admins {
        println!(
            "{}\tcreated {}\tpassword changed {}",
            admin.username,
            admin.created_at.to_rfc3339(),
            admin.updated_at.to_rfc3339()
        );
    }
    Ok(())
}

/// `wxbase admin delete <username>`.
pub async fn delete(args: AdminNameArgs) -> anyhow::Result<()> {
    let (service, store) = open(&args.config).await?;
    let deleted = service.delete_admin(&args.username).await;
    store.close().await;
    deleted?;
    println!("deleted admin {}", args.username);
    Ok(())
}
