//! The lifecycle records of a sheet's blob store (DESIGN.md section 5b, "Lifecycle"):
//! [`Catalog`], what the storage workflows keep track of (the newest history blob, the retained
//! snapshots, when garbage was last collected), and [`Lease`], what an open client publishes
//! about itself (how far it has read, which snapshot it reads from, until when it counts as
//! open). Both formats follow the other blobs: magic, version, CRC-32, body.
//!
//! ```text
//! catalog  = "SLCT" version:u8(=1) crc32:u32-LE body
//! body     = history_end history_path gc_at count (seq path)*count   snapshots by seq, increasing
//!   history_end, history_path: the newest history blob covers the entries before history_end;
//!   0 and "" when there is none
//! lease    = "SLLS" version:u8(=1) crc32:u32-LE client position base expires
//!   base   = path of the snapshot index the client reads from, "" for none
//!   expires = milliseconds since the Unix epoch
//! ```

use super::error::SnapshotError;
use super::wire::{self, put_len, put_str, put_varint};

/// The format version of both records.
pub const CATALOG_FORMAT_VERSION: u8 = 1;

const CATALOG_MAGIC: [u8; 4] = *b"SLCT";
const LEASE_MAGIC: [u8; 4] = *b"SLLS";

/// What the storage workflows keep track of.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Catalog {
    /// The newest history blob: it (with the chain before it) holds the entries before this
    /// sequence id; `None` before the first history.
    pub history: Option<(u64, String)>,
    /// The sequence id at which garbage was last collected (0: never).
    pub gc_at: u64,
    /// The retained snapshots by entry: (sequence id, index path), increasing.
    pub snapshots: Vec<(u64, String)>,
}

/// An open client's lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The client's id.
    pub client: u64,
    /// The client has applied every entry before this sequence id.
    pub position: u64,
    /// The snapshot index it reads from, if any.
    pub base: Option<String>,
    /// Until when (ms since the Unix epoch) the client counts as open without renewing.
    pub expires_ms: u64,
}

/// Encodes a catalog (layout in the module docs).
pub fn encode_catalog(catalog: &Catalog) -> Vec<u8> {
    let mut out = wire::start(CATALOG_MAGIC, CATALOG_FORMAT_VERSION);
    let (end, path) = catalog.history.as_ref().map_or((0, ""), |(e, p)| (*e, p.as_str()));
    put_varint(&mut out, end);
    put_str(&mut out, path);
    put_varint(&mut out, catalog.gc_at);
    put_len(&mut out, catalog.snapshots.len());
    for (seq, path) in &catalog.snapshots {
        put_varint(&mut out, *seq);
        put_str(&mut out, path);
    }
    wire::finish(out)
}

/// Decodes a catalog.
///
/// # Errors
/// A [`SnapshotError`] for any damage (magic, version, checksum, truncation, lengths beyond the
/// blob, invalid UTF-8, snapshots out of order, trailing bytes). Never panics.
pub fn decode_catalog(bytes: &[u8]) -> Result<Catalog, SnapshotError> {
    let mut r = wire::open(bytes, CATALOG_MAGIC, CATALOG_FORMAT_VERSION, "catalog")?;
    let end_at = r.pos();
    let end = r.varint()?;
    let path = r.string()?;
    if path.is_empty() && end != 0 {
        // No history is written as 0 and "": one encoding per catalog.
        return Err(SnapshotError::NotCanonical { what: "catalog history end without a path", offset: end_at });
    }
    let gc_at = r.varint()?;
    let count = r.count(2)?;
    let mut snapshots: Vec<(u64, String)> = Vec::with_capacity(count);
    for _ in 0..count {
        let offset = r.pos();
        let seq = r.varint()?;
        if snapshots.last().is_some_and(|(last, _)| *last >= seq) {
            return Err(SnapshotError::NotCanonical { what: "catalog snapshot order", offset });
        }
        snapshots.push((seq, r.string()?));
    }
    r.end()?;
    let history = (!path.is_empty()).then_some((end, path));
    Ok(Catalog { history, gc_at, snapshots })
}

/// Encodes a lease (layout in the module docs).
pub fn encode_lease(lease: &Lease) -> Vec<u8> {
    let mut out = wire::start(LEASE_MAGIC, CATALOG_FORMAT_VERSION);
    put_varint(&mut out, lease.client);
    put_varint(&mut out, lease.position);
    put_str(&mut out, lease.base.as_deref().unwrap_or(""));
    put_varint(&mut out, lease.expires_ms);
    wire::finish(out)
}

/// Decodes a lease.
///
/// # Errors
/// A [`SnapshotError`] for any damage. Never panics.
pub fn decode_lease(bytes: &[u8]) -> Result<Lease, SnapshotError> {
    let mut r = wire::open(bytes, LEASE_MAGIC, CATALOG_FORMAT_VERSION, "lease")?;
    let client = r.varint()?;
    let position = r.varint()?;
    let base = r.string()?;
    let expires_ms = r.varint()?;
    r.end()?;
    Ok(Lease { client, position, base: (!base.is_empty()).then_some(base), expires_ms })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_reject_damage() {
        let catalog = Catalog {
            history: Some((2000, "history/1000-2000".into())),
            gc_at: 1000,
            snapshots: vec![(999, "snapshots/999/index".into()), (1999, "snapshots/1999/compact/index".into())],
        };
        let lease = Lease { client: 42, position: 1234, base: Some("snapshots/999/index".into()), expires_ms: 1 << 41 };
        let (c, l) = (encode_catalog(&catalog), encode_lease(&lease));
        assert_eq!(decode_catalog(&c), Ok(catalog));
        assert_eq!(decode_lease(&l), Ok(lease));
        assert_eq!(decode_catalog(&encode_catalog(&Catalog::default())), Ok(Catalog::default()));
        for bytes in [&c, &l] {
            for i in 0..bytes.len() {
                let mut damaged = bytes.clone();
                damaged[i] ^= 1;
                assert!(decode_catalog(&damaged).is_err() && decode_lease(&damaged).is_err(), "byte {i}");
            }
        }
        assert!(decode_lease(&c).is_err(), "a catalog is not a lease");
    }
}
