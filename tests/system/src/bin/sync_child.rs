//! Test child: opens a laptop store and syncs it in a loop, printing after each sync, until
//! killed. Used to kill a client mid-push and mid-pull-apply.

use dauria_sync::{HttpTransport, SyncClient, SyncOptions};
use std::time::Duration;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().expect("data dir");
    let url = args.next().expect("server url");
    let mut store = dauria_core::Store::open(std::path::Path::new(&dir))?;
    let t = HttpTransport::new(&url, Duration::from_secs(5))?;
    let opts = SyncOptions {
        max_attempts: 2,
        base_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
        pull_limit: 7,
        ..SyncOptions::default()
    };
    loop {
        let r = SyncClient::new(&t, opts.clone()).sync(&mut store, &mut |_| {});
        println!("synced {:?}", r.map(|s| s.pushed));
    }
}
