//! Photo uploads resume exactly without a sync per chunk: across a server restart (the
//! running SHA-256 is read back from the partial file), after a crash that lost the tail of
//! a partial file (the client is sent back to what is there), and after one that damaged it
//! (the finished photo fails its check and is discarded, never kept wrong).

use dauria_server::blobs::{BlobStore, ChunkOutcome};
use dauria_server::ServerError;
use sha2::{Digest, Sha256};

const DEVICE: &str = "0194f2a0-0000-7000-8000-000000000001";

fn sha(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

fn photo(size: usize) -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..size)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn put(store: &BlobStore, p: &[u8], from: usize, to: usize) -> Result<ChunkOutcome, ServerError> {
    let chunk = &p[from..to];
    store.put_chunk(
        DEVICE,
        &sha(p),
        from as u64,
        p.len() as u64,
        &sha(chunk),
        chunk,
    )
}

#[test]
fn an_upload_resumes_across_a_server_restart() {
    let dir = tempfile::tempdir().unwrap();
    let p = photo(1_000_000);
    {
        let store = BlobStore::new(dir.path()).unwrap();
        assert_eq!(
            put(&store, &p, 0, 300_000).unwrap(),
            ChunkOutcome::Partial(300_000)
        );
        assert_eq!(
            put(&store, &p, 300_000, 600_000).unwrap(),
            ChunkOutcome::Partial(600_000)
        );
    }
    // A new process knows nothing of the upload but the file and the ledger.
    let store = BlobStore::new(dir.path()).unwrap();
    assert_eq!(store.offset(&sha(&p)), Some(600_000));
    assert_eq!(
        put(&store, &p, 600_000, 1_000_000).unwrap(),
        ChunkOutcome::Complete
    );
    assert_eq!(std::fs::read(store.path(&sha(&p))).unwrap(), p);
    assert_eq!(store.offset(&sha(&p)), None);
}

#[test]
fn a_partial_file_that_lost_its_tail_sends_the_client_back_to_what_is_there() {
    let dir = tempfile::tempdir().unwrap();
    let p = photo(900_000);
    let store = BlobStore::new(dir.path()).unwrap();
    put(&store, &p, 0, 400_000).unwrap();
    put(&store, &p, 400_000, 800_000).unwrap();
    // The machine went down before the last chunk reached the disk.
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(store.partial(&sha(&p)))
        .unwrap();
    f.set_len(400_000).unwrap();
    drop(f);
    assert_eq!(store.offset(&sha(&p)), Some(400_000));
    assert_eq!(
        put(&store, &p, 800_000, 900_000).unwrap(),
        ChunkOutcome::WrongOffset(400_000),
        "the client is told where the file really ends"
    );
    assert_eq!(
        put(&store, &p, 400_000, 900_000).unwrap(),
        ChunkOutcome::Complete
    );
    assert_eq!(std::fs::read(store.path(&sha(&p))).unwrap(), p);
}

#[test]
fn a_partial_file_damaged_by_a_crash_is_never_kept() {
    let dir = tempfile::tempdir().unwrap();
    let p = photo(700_000);
    {
        let store = BlobStore::new(dir.path()).unwrap();
        put(&store, &p, 0, 500_000).unwrap();
    }
    // Zeros where data should be, as a crash between size and data updates can leave.
    let partial = BlobStore::new(dir.path()).unwrap().partial(&sha(&p));
    let mut bytes = std::fs::read(&partial).unwrap();
    bytes[100_000..110_000].fill(0);
    std::fs::write(&partial, &bytes).unwrap();
    let store = BlobStore::new(dir.path()).unwrap();
    match put(&store, &p, 500_000, 700_000) {
        Err(ServerError::BadRequest(m)) => assert!(m.contains("does not match"), "{m}"),
        other => panic!("a damaged photo was not refused: {other:?}"),
    }
    assert!(!store.path(&sha(&p)).exists(), "nothing kept");
    assert_eq!(store.offset(&sha(&p)), Some(0), "the upload starts again");
    assert_eq!(put(&store, &p, 0, 700_000).unwrap(), ChunkOutcome::Complete);
    assert_eq!(std::fs::read(store.path(&sha(&p))).unwrap(), p);
}
