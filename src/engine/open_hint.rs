//! The open hint: the blobs a sheet's first viewport needed when it was last open, so that a
//! reload reads them beside the log's query instead of after it (BENCHMARKS.md, stop 37).
//!
//! A reload otherwise reads one thing after another: the log's latest snapshot, then that
//! snapshot's index, then the tiles under the viewport, each an IndexedDB round trip through a
//! main thread busy with the page's start. With a hint, the index and the tiles are read at once,
//! beside the log's query. The hint only chooses what is read early: every blob is read from the
//! sheet's own store, and a blob's path names the same bytes for the life of the sheet (snapshot
//! and import paths are never written twice with other content). So a wrong, stale or damaged
//! hint costs reads and changes nothing shown: the index is used only when the log names its
//! path, tiles are cached by path as any read tile, and a failed read is dropped.

use std::rc::Rc;

use super::loaded_tile::LoadedTile;
use crate::blob::{validate_paths, BlobStore};
use crate::snapshot::decode_tile;

/// Most tile paths an [`OpenHint`] holds: a viewport of a few hundred cells needs a few tiles per
/// layer (tiles of 256 x 16 cells by default), and a snapshot keeps at most 8 layers before it is
/// compacted. Paths past it are dropped.
pub const MAX_HINT_TILES: usize = 64;

/// Blob paths a reload may read at once, beside the log's query ([`super::EngineOptions`]).
///
/// Made by [`super::Engine::open_hint`] from an open sheet; kept by the caller (the browser layer
/// keeps it in the sheet's registry record) and given back at the next open.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenHint {
    /// The index path of the snapshot the sheet was read from (`snapshots/<seq>/index` or its
    /// compacted twin), if it had one.
    pub index: Option<String>,
    /// The paths of the tiles under the viewport (snapshot and import layers), at most
    /// [`MAX_HINT_TILES`].
    pub tiles: Vec<String>,
}

impl OpenHint {
    /// Whether it names nothing to read.
    pub fn is_empty(&self) -> bool {
        self.index.is_none() && self.tiles.is_empty()
    }

    /// The hint without its invalid paths (not blob paths) and the tiles past
    /// [`MAX_HINT_TILES`]: what a reload reads of it.
    pub fn sanitized(self) -> Self {
        let valid = |path: &String| validate_paths([path.as_str()]).is_ok();
        Self {
            index: self.index.filter(valid),
            tiles: self.tiles.into_iter().filter(valid).take(MAX_HINT_TILES).collect(),
        }
    }
}

/// What a reload read of its hint: the index bytes, if read, and the tiles read and decoded.
#[derive(Default)]
pub(crate) struct HintRead {
    /// The hinted index's path and bytes.
    pub(crate) index: Option<(String, Vec<u8>)>,
    /// The hinted tiles found and decoded, by path; the others are left out.
    pub(crate) tiles: Vec<(Rc<str>, Rc<LoadedTile>)>,
}

/// Reads the blobs of `hint` (sanitized first) in one batch ([`BlobStore::read_many`]). Blobs
/// not found, failed or not decodable are left out: the reload reads what it needs again.
pub(crate) async fn read_hint<B: BlobStore>(blobs: &B, hint: OpenHint) -> HintRead {
    let hint = hint.sanitized();
    if hint.is_empty() {
        return HintRead::default();
    }
    let paths: Vec<&str> = hint.index.iter().chain(&hint.tiles).map(String::as_str).collect();
    let mut read = blobs.read_many(&paths).await.into_iter();
    let index = match &hint.index {
        Some(path) => read.next().and_then(Result::ok).map(|bytes| (path.clone(), bytes)),
        None => None,
    };
    let tiles = hint
        .tiles
        .iter()
        .zip(read)
        .filter_map(|(path, bytes)| {
            let tile = decode_tile(&bytes.ok()?).ok()?;
            Some((Rc::from(path.as_str()), Rc::new(LoadedTile::new(tile))))
        })
        .collect();
    HintRead { index, tiles }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitizing_drops_invalid_paths_and_tiles_past_the_limit() {
        let hint = OpenHint {
            index: Some("snapshots/4/index".into()),
            tiles: std::iter::once(String::new())
                .chain(std::iter::once("a//b".to_owned()))
                .chain((0..100).map(|i| format!("snapshots/4/{i}-0")))
                .collect(),
        };
        let sanitized = hint.sanitized();
        assert_eq!(sanitized.index.as_deref(), Some("snapshots/4/index"));
        assert_eq!(sanitized.tiles.len(), MAX_HINT_TILES);
        assert_eq!(sanitized.tiles[0], "snapshots/4/0-0");
        let bad = OpenHint { index: Some("/x".into()), tiles: vec![] }.sanitized();
        assert!(bad.is_empty());
    }
}
