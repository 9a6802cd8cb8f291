//! Kill -9 of a process that is saving observations never loses a save it reported as committed
//! and never damages the store.
//!
//! The writer is `dauria-cli save-loop`, which prints `committed ID REV_ID DEVICE_SEQ` after each
//! commit returns. The test kills it with SIGKILL at a random moment (after a random number of
//! reported saves, plus a random pause so the kill lands anywhere inside a save), then opens the
//! store and checks it. Set DAURIA_CRASH_SEED to replay a run; the seed is in every failure.

use dauria_core::Store;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

const KILLS: usize = 60;

/// A small seeded generator (SplitMix64), so a failing run can be replayed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % n
    }
}

/// One save the writer reported as committed.
#[derive(Debug, Clone)]
struct Reported {
    id: String,
    rev_id: String,
    device_seq: u64,
}

fn parse(line: &str) -> Option<Reported> {
    let mut parts = line.strip_prefix("committed ")?.split(' ');
    Some(Reported {
        id: parts.next()?.to_string(),
        rev_id: parts.next()?.to_string(),
        device_seq: parts.next()?.trim().parse().ok()?,
    })
}

fn spawn_writer(dir: &std::path::Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_dauria-cli"))
        .args(["--data-dir", dir.to_str().unwrap(), "save-loop"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start dauria-cli save-loop")
}

/// Reads whole lines the writer printed; a line cut by the kill is not a report.
fn read_report(out: &mut BufReader<ChildStdout>) -> Option<Result<Reported, String>> {
    let mut line = String::new();
    match out.read_line(&mut line) {
        Ok(0) => None,
        Ok(_) if !line.ends_with('\n') => None,
        Ok(_) => Some(parse(&line).ok_or(line)),
        Err(e) => Some(Err(e.to_string())),
    }
}

#[test]
fn sigkill_while_saving_loses_no_reported_save_and_keeps_the_store_intact() {
    let seed: u64 = std::env::var("DAURIA_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    let ctx = format!("(replay with DAURIA_CRASH_SEED={seed})");
    eprintln!("crash-safety seed {seed}");
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    let mut reported: Vec<Reported> = Vec::new();

    for round in 0..KILLS {
        let mut child = spawn_writer(dir.path());
        let mut out = BufReader::new(child.stdout.take().unwrap());
        // Wait for a random number of reported saves (0: kill during start-up, migration or
        // seeding), then pause a random few hundred microseconds so the kill lands at any
        // point of the next save, including inside its commit.
        let wait_for = rng.below(6);
        for _ in 0..wait_for {
            match read_report(&mut out) {
                Some(Ok(r)) => reported.push(r),
                Some(Err(line)) => panic!("round {round}: unexpected output {line:?} {ctx}"),
                None => {
                    let mut err = String::new();
                    child
                        .stderr
                        .take()
                        .unwrap()
                        .read_to_string(&mut err)
                        .unwrap();
                    panic!("round {round}: the writer stopped by itself: {err} {ctx}");
                }
            }
        }
        std::thread::sleep(Duration::from_micros(rng.below(3000)));
        child.kill().expect("SIGKILL the writer");
        child.wait().unwrap();
        // Lines already in the pipe were printed after their commit too.
        while let Some(r) = read_report(&mut out) {
            reported.push(
                r.unwrap_or_else(|line| panic!("round {round}: unexpected output {line:?} {ctx}")),
            );
        }

        let store = Store::open(dir.path()).unwrap_or_else(|e| {
            panic!("round {round}: the store does not open after kill -9: {e} {ctx}")
        });
        let check = store.integrity_check().unwrap();
        assert_eq!(
            check, "ok",
            "round {round}: integrity_check after kill -9 {ctx}"
        );
        let outbox = store.outbox_after(0, usize::MAX >> 1, usize::MAX).unwrap();
        for (i, op) in outbox.iter().enumerate() {
            assert_eq!(
                op.device_seq,
                i as u64 + 1,
                "round {round}: the outbox has a gap {ctx}"
            );
        }
        for r in &reported {
            let op = outbox.get((r.device_seq - 1) as usize).unwrap_or_else(|| {
                panic!(
                    "round {round}: reported save {r:?} has no outbox op (outbox holds {}) {ctx}",
                    outbox.len()
                )
            });
            assert_eq!(
                (&op.record_id, &op.rev_id),
                (&r.id, &r.rev_id),
                "round {round}: outbox op {} is not the reported save {ctx}",
                r.device_seq
            );
            let history = store.history(&r.id).unwrap();
            assert!(
                history.iter().any(|h| h.rev_id == r.rev_id),
                "round {round}: reported revision {} of {} is missing {ctx}",
                r.rev_id,
                r.id
            );
            assert!(
                store.get(&r.id).unwrap().is_some(),
                "round {round}: record {} is gone {ctx}",
                r.id
            );
        }
    }
    assert!(
        reported.len() >= KILLS,
        "too few saves were reported to prove much: {} {ctx}",
        reported.len()
    );
}
