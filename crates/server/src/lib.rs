//! Dauria Field sync server: enrollment, push and pull over HTTP(S), SQLite by default and
//! PostgreSQL for scale. The wire protocol is specified in docs/SYNC.md.

pub mod advertise;
pub mod api;
pub mod blobs;
pub mod error;
pub mod relay;
pub mod serve;
pub mod store;
pub mod tls;
pub mod viewer;

pub use api::{router, AppState, Limits};
pub use error::ServerError;
pub use store::{postgres::PostgresStore, sqlite::SqliteStore, ServerStore};

use std::path::Path;
use std::sync::Arc;

/// Opens the store: PostgreSQL when `database` is given, else SQLite in `data_dir`.
/// Blocking; call before starting the async runtime or from a blocking task.
pub fn open_store(
    data_dir: &Path,
    database: Option<&str>,
) -> Result<Arc<dyn ServerStore>, ServerError> {
    Ok(match database {
        Some(url) => Arc::new(PostgresStore::connect(url)?),
        None => Arc::new(SqliteStore::open(data_dir)?),
    })
}
