//! What the tests of the `wxbase` binary share: starting it as a child process and reading
//! the URLs its start-up banner prints.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// The binary under test.
pub const BINARY: &str = env!("CARGO_BIN_EXE_wxbase");

/// A `wxbase` process, killed (SIGKILL) when dropped.
pub struct Process {
    pub child: Child,
}

impl Process {
    /// Starts `command` (a `wxbase` command) with `RUST_LOG=warn` and its standard output
    /// piped, and reads one banner line for each prefix of `banner`, in order: the URL that
    /// follows each prefix.
    pub fn start(command: &mut Command, banner: &[&str]) -> (Self, Vec<String>) {
        let mut child = command
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()
            .expect("wxbase starts");
        let stdout = child.stdout.take().expect("stdout");
        // Killed on a panic below, too.
        let process = Self { child };
        let mut lines = BufReader::new(stdout).lines();
        let urls = banner
            .iter()
            .map(|prefix| {
                let line = lines
                    .next()
                    .expect("wxbase printed its banner")
                    .expect("utf-8");
                line.strip_prefix(prefix)
                    .and_then(|rest| rest.split_whitespace().next())
                    .unwrap_or_else(|| panic!("expected `{prefix}…`, got `{line}`"))
                    .to_owned()
            })
            .collect();
        (process, urls)
    }

    /// SIGKILL, as a crash or the OOM killer would; returns once the process is gone.
    pub fn kill(&mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
