//! The CLI as tests drive it: the real `dauria-cli` binary on a store in a temporary folder,
//! with failures described in full (command, exit code, output).
// Each test binary uses its own share of these.
#![allow(dead_code)]

use std::process::{Command, Output};

pub struct Cli {
    pub dir: tempfile::TempDir,
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

impl Cli {
    pub fn new() -> Cli {
        let cli = Cli {
            dir: tempfile::tempdir().unwrap(),
        };
        cli.ok(&["init"]);
        cli
    }

    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_dauria-cli"))
            .env("DAURIA_DATA_DIR", self.dir.path())
            .args(args)
            .output()
            .unwrap()
    }

    pub fn describe(args: &[&str], out: &Output) -> String {
        format!(
            "dauria-cli {}\nexit: {:?}\nstdout:\n{}\nstderr:\n{}",
            args.join(" "),
            out.status.code(),
            text(&out.stdout),
            text(&out.stderr)
        )
    }

    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "expected success\n{}",
            Self::describe(args, &out)
        );
        text(&out.stdout)
    }

    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            !out.status.success(),
            "expected a failure\n{}",
            Self::describe(args, &out)
        );
        let err = text(&out.stderr);
        assert!(
            err.starts_with("error") && !err.contains("panicked"),
            "the message should be a plain error for a person\n{}",
            Self::describe(args, &out)
        );
        err
    }

    pub fn id(&self, args: &[&str]) -> String {
        let id = self.ok(args).trim().to_string();
        assert_eq!(
            id.len(),
            36,
            "{} prints the new id, got {id:?}",
            args.join(" ")
        );
        id
    }
}
