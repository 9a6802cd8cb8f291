//! Shell completions and the manual page, generated from the same definitions as `--help`.

use std::process::Command;

fn cli(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_dauria-cli"))
        // No store is opened: a data folder that cannot exist proves it.
        .env("DAURIA_DATA_DIR", "/nonexistent/dauria")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "dauria-cli {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn bash_completions_are_valid_bash_and_complete_every_command() {
    let script = cli(&["completions", "bash"]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dauria-cli.bash");
    std::fs::write(&file, &script).unwrap();
    let syntax = Command::new("bash").arg("-n").arg(&file).output().unwrap();
    assert!(
        syntax.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&syntax.stderr)
    );
    // Sourced and asked, bash offers the subcommands for a partial word.
    let ask = format!(
        "source {}; f=$(complete -p dauria-cli | sed 's/.*-F \\([^ ]*\\).*/\\1/'); COMP_WORDS=(dauria-cli sy); COMP_CWORD=1; COMP_LINE='dauria-cli sy'; COMP_POINT=13; $f dauria-cli sy dauria-cli; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        file.display()
    );
    let out = Command::new("bash").arg("-c").arg(ask).output().unwrap();
    let offered = String::from_utf8_lossy(&out.stdout);
    assert!(
        offered.lines().any(|l| l == "sync"),
        "bash offered {offered:?} for 'sy'"
    );
}

#[test]
fn zsh_and_fish_completions_name_the_commands() {
    let zsh = cli(&["completions", "zsh"]);
    assert!(
        zsh.starts_with("#compdef dauria-cli"),
        "{}",
        &zsh[..80.min(zsh.len())]
    );
    let fish = cli(&["completions", "fish"]);
    for command in ["obs", "import", "export", "sync", "report", "backup"] {
        assert!(
            fish.contains(&format!("-a \"{command}\"")),
            "fish completions lack {command}"
        );
    }
}

#[test]
fn man_page_renders_with_every_command() {
    let roff = cli(&["man"]);
    assert!(
        roff.contains(".TH dauria-cli 1"),
        "{}",
        &roff[..200.min(roff.len())]
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dauria-cli.1");
    std::fs::write(&file, &roff).unwrap();
    // Rendered as a reader would see it, through groff.
    let out = Command::new("groff")
        .args(["-man", "-Tutf8"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    for command in ["obs", "import", "export", "sync", "report", "completions"] {
        assert!(
            text.contains(command),
            "the manual does not mention {command}"
        );
    }
}
