//! The PostgreSQL store over TLS: `sslmode=require` encrypts, `verify-full` with `sslrootcert`
//! authenticates the database server, and a certificate from an unknown root is refused.
//! Runs when `DAURIA_TEST_PG_URL` names a PostgreSQL with `ssl=on` and `DAURIA_TEST_PG_CA` its
//! root (`scripts/pg-test.sh` starts one).

use dauria_server::{PostgresStore, ServerStore};

fn pg() -> Option<(String, String)> {
    match (
        std::env::var("DAURIA_TEST_PG_URL"),
        std::env::var("DAURIA_TEST_PG_CA"),
    ) {
        (Ok(url), Ok(ca)) => Some((url, ca)),
        _ => {
            assert!(
                std::env::var("DAURIA_REQUIRE_PG").is_err(),
                "DAURIA_REQUIRE_PG is set but DAURIA_TEST_PG_URL/DAURIA_TEST_PG_CA are not: start PostgreSQL with scripts/pg-test.sh"
            );
            eprintln!("DAURIA_TEST_PG_URL not set: the PostgreSQL run is in `make pg-test`");
            None
        }
    }
}

/// Whether the session made from `url` runs over TLS, as the database server sees it.
fn session_uses_tls(url: &str) -> bool {
    let (config, tls) = dauria_server::tls::postgres_config(url).unwrap();
    let mut c = config.connect(tls).unwrap();
    c.query_one(
        "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
        &[],
    )
    .unwrap()
    .get(0)
}

#[test]
fn postgres_store_connects_over_tls() {
    let Some((url, ca)) = pg() else {
        return;
    };
    let sep = if url.contains('?') { '&' } else { '?' };
    assert!(!session_uses_tls(&url), "plain unless asked for");

    let require = format!("{url}{sep}sslmode=require");
    assert!(session_uses_tls(&require));
    let store = PostgresStore::connect(&require).unwrap();
    assert!(!store.epoch().unwrap().is_empty());

    let verified = format!("{url}{sep}sslmode=verify-full&sslrootcert={ca}");
    assert!(session_uses_tls(&verified));
    let store = PostgresStore::connect(&verified).unwrap();
    assert!(!store.epoch().unwrap().is_empty());

    // The test CA is not a public root: without sslrootcert the certificate is refused.
    let (config, tls) =
        dauria_server::tls::postgres_config(&format!("{url}{sep}sslmode=verify-full")).unwrap();
    let refused = config
        .connect(tls)
        .err()
        .expect("an unknown root is refused");
    assert!(refused.to_string().contains("TLS"), "{refused}");
}
