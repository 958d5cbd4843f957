//! The analytics database: `DIR/stats.sqlite` (WAL), its schema and migrations, a
//! corrupt file moved aside, and the secret that keys visitor ids (`DIR/secret`).
//! Every statement takes its values as bound parameters, never spliced into SQL.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, params};

use super::recorder::{Event, Resume, Visit};

pub const DB_FILE: &str = "stats.sqlite";
pub const SECRET_FILE: &str = "secret";

/// The schema, one migration per entry; `PRAGMA user_version` is how many have run.
const MIGRATIONS: &[&str] = &[
    // 1: visits, page views, searches, links.
    "CREATE TABLE visits (
        id INTEGER PRIMARY KEY,
        started INTEGER NOT NULL,
        visitor TEXT NOT NULL,
        keyed INTEGER NOT NULL,
        kind TEXT NOT NULL,
        client TEXT NOT NULL,
        term TEXT NOT NULL,
        cols INTEGER NOT NULL,
        rows INTEGER NOT NULL,
        depth TEXT NOT NULL,
        theme TEXT NOT NULL,
        images TEXT NOT NULL,
        exec TEXT,
        secs REAL,
        ended TEXT
    );
    CREATE INDEX visits_started ON visits(started);
    CREATE INDEX visits_visitor ON visits(visitor, started);
    CREATE TABLE page_views (
        visit INTEGER NOT NULL,
        at INTEGER NOT NULL,
        kind TEXT NOT NULL,
        slug TEXT NOT NULL,
        secs REAL NOT NULL,
        read_pct INTEGER NOT NULL
    );
    CREATE INDEX page_views_at ON page_views(at);
    CREATE INDEX page_views_visit ON page_views(visit);
    CREATE TABLE searches (
        visit INTEGER NOT NULL,
        at INTEGER NOT NULL,
        query TEXT NOT NULL,
        results INTEGER NOT NULL
    );
    CREATE INDEX searches_at ON searches(at);
    CREATE TABLE links (
        visit INTEGER NOT NULL,
        at INTEGER NOT NULL,
        url TEXT NOT NULL,
        copied INTEGER NOT NULL
    );
    CREATE INDEX links_at ON links(at);",
];

/// The schema version this build writes.
pub fn schema_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// Open (creating) `dir/stats.sqlite` for writing: WAL, migrated. A file that is not a
/// database, or fails its check, is renamed `stats.sqlite.corrupt-<unix time>` (with a
/// log line) and a new one started.
pub fn open_for_writing(dir: &Path) -> rusqlite::Result<Connection> {
    let path = dir.join(DB_FILE);
    match open_checked(&path) {
        Ok(conn) => Ok(conn),
        Err(e) if is_corrupt(&e) => {
            let aside = move_aside(&path);
            tracing::warn!(
                "stats: {} is corrupt ({e}); moved to {} and started a new one",
                path.display(),
                aside.display()
            );
            open_checked(&path)
        }
        Err(e) => Err(e),
    }
}

fn open_checked(path: &Path) -> rusqlite::Result<Connection> {
    let mut conn = Connection::open(path)?;
    // A reader (`sshfolio stats`) may hold a lock for a moment.
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!("stats: journal mode is {mode}, not WAL");
    }
    // Committed batches survive a crash of the process (WAL + NORMAL); a power cut may
    // lose the last ones, never the file.
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    let check: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
    if check != "ok" {
        return Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CORRUPT),
            Some(check),
        ));
    }
    migrate(&mut conn)?;
    Ok(conn)
}

fn is_corrupt(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
    )
}

/// Rename the database and its WAL/SHM files out of the way; returns the new name.
fn move_aside(path: &Path) -> PathBuf {
    let stamp = super::recorder::now_secs();
    let aside = PathBuf::from(format!("{}.corrupt-{stamp}", path.display()));
    let _ = std::fs::rename(path, &aside);
    for ext in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{ext}", path.display()));
        let _ = std::fs::rename(&side, format!("{}{ext}", aside.display()));
    }
    aside
}

/// Run the migrations this file has not seen, each in its own transaction.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let have: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(have.max(0) as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

/// Open a replica's database to read (`sshfolio stats`). `path` is a data directory
/// or the database file itself.
pub fn open_for_reading(path: &Path) -> rusqlite::Result<Connection> {
    let file = if path.is_dir() {
        path.join(DB_FILE)
    } else {
        path.to_path_buf()
    };
    if !file.exists() {
        return Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
            Some(format!("{}: no such file", file.display())),
        ));
    }
    let conn = Connection::open_with_flags(
        &file,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(conn)
}

/// Write one event (inside the writer's open transaction).
pub fn apply(conn: &Connection, event: &Event) -> rusqlite::Result<()> {
    match event {
        Event::Visit(v) => insert_visit(conn, v),
        Event::VisitEnd {
            visit,
            secs,
            end,
            theme,
        } => {
            conn.prepare_cached(
                "UPDATE visits SET secs = ?2, ended = ?3, theme = COALESCE(?4, theme) WHERE id = ?1",
            )?
            .execute(params![visit, secs, end, theme])?;
            Ok(())
        }
        Event::Theme { visit, theme } => {
            conn.prepare_cached("UPDATE visits SET theme = ?2 WHERE id = ?1")?
                .execute(params![visit, theme])?;
            Ok(())
        }
        Event::PageView {
            visit,
            at,
            kind,
            slug,
            secs,
            read_pct,
        } => {
            conn.prepare_cached(
                "INSERT INTO page_views (visit, at, kind, slug, secs, read_pct) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![visit, at, kind, slug, secs, read_pct])?;
            Ok(())
        }
        Event::Search {
            visit,
            at,
            query,
            results,
        } => {
            conn.prepare_cached(
                "INSERT INTO searches (visit, at, query, results) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![visit, at, query, results])?;
            Ok(())
        }
        Event::Link {
            visit,
            at,
            url,
            copied,
        } => {
            conn.prepare_cached(
                "INSERT INTO links (visit, at, url, copied) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![visit, at, url, copied])?;
            Ok(())
        }
        Event::Resume { .. } | Event::Flush(_) => Ok(()),
    }
}

fn insert_visit(conn: &Connection, v: &Visit) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO visits (id, started, visitor, keyed, kind, client, term, cols, rows, depth, theme, images, exec)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        v.id,
        v.at,
        v.visitor.id,
        v.visitor.keyed,
        v.kind,
        v.client,
        v.term,
        v.cols,
        v.rows,
        v.depth,
        v.theme,
        v.images,
        v.exec,
    ])?;
    Ok(())
}

/// A post read below this share counts as unfinished.
pub const FINISHED_PCT: u8 = 95;

/// The post `visitor` last looked at, if they left it unfinished.
pub fn resume(conn: &Connection, visitor: &str) -> rusqlite::Result<Option<Resume>> {
    let last = conn
        .prepare_cached(
            "SELECT p.slug, MAX(p.read_pct) FROM page_views p JOIN visits v ON v.id = p.visit
             WHERE v.visitor = ?1 AND p.kind = 'post'
             GROUP BY p.slug ORDER BY MAX(p.at) DESC LIMIT 1",
        )?
        .query_row(params![visitor], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        });
    match last {
        Ok((slug, pct)) if pct < i64::from(FINISHED_PCT) => Ok(Some(Resume {
            slug,
            read_pct: pct.clamp(0, 100) as u8,
        })),
        Ok(_) | Err(rusqlite::Error::QueryReturnedNoRows) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Delete rows older than `cutoff` (unix seconds); returns how many went.
pub fn purge(conn: &Connection, cutoff: i64) -> rusqlite::Result<usize> {
    let mut n = 0;
    n += conn.execute("DELETE FROM page_views WHERE at < ?1", params![cutoff])?;
    n += conn.execute("DELETE FROM searches WHERE at < ?1", params![cutoff])?;
    n += conn.execute("DELETE FROM links WHERE at < ?1", params![cutoff])?;
    n += conn.execute("DELETE FROM visits WHERE started < ?1", params![cutoff])?;
    Ok(n)
}

/// The secret that keys visitor ids: `dir/secret`, 32 random bytes made on first start
/// (mode 0600). Replicas that should count a key once share this file.
pub fn load_or_make_secret(dir: &Path) -> std::io::Result<Vec<u8>> {
    let path = dir.join(SECRET_FILE);
    match std::fs::read(&path) {
        Ok(bytes) if bytes.len() >= 16 => return Ok(bytes),
        Ok(_) => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{}: shorter than 16 bytes", path.display()),
            ));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let mut secret = vec![0u8; 32];
    rand::Rng::fill(&mut rand::rng(), &mut secret[..]);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(&path)?;
    std::io::Write::write_all(&mut f, &secret)?;
    f.sync_all()?;
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_garbage_file_is_moved_aside_and_a_new_database_started() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(DB_FILE), vec![0x5au8; 8192]).unwrap();
        let conn = open_for_writing(dir.path()).unwrap();
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, schema_version());
        let aside: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains(".corrupt-"))
            .collect();
        assert_eq!(aside.len(), 1);
        assert_eq!(std::fs::read(aside[0].path()).unwrap(), vec![0x5au8; 8192]);
    }

    #[test]
    fn migrations_run_once() {
        let dir = tempfile::tempdir().unwrap();
        drop(open_for_writing(dir.path()).unwrap());
        let mut conn = open_for_writing(dir.path()).unwrap();
        migrate(&mut conn).unwrap();
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn the_secret_is_made_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let a = load_or_make_secret(dir.path()).unwrap();
        let b = load_or_make_secret(dir.path()).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.len(), 32);
    }
}
