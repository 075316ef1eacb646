//! [`ImportLayer`]: what an `Import` entry references (DESIGN.md section 5b, "Import is a
//! layer"): a blob dir of tiles written by an import, the rectangle the import replaces, and
//! the tile grid they follow.

use crate::blob::validate_paths;
use crate::model::{CellRange, CellRef, ValidationError};
use crate::snapshot::{TileKey, TileSize, MAX_TILE_SIDE};

/// Longest blob dir of an [`ImportLayer`], in UTF-8 bytes.
pub const MAX_IMPORT_DIR_BYTES: usize = 1024;

/// The tiles an import wrote and where they land.
///
/// The tiles follow the sheet's tile grid of `tile_rows` × `tile_cols` (tile `(r, c)` covers
/// rows `r * tile_rows ..` and columns `c * tile_cols ..`, in the coordinates of the entry's
/// position) and **every** tile meeting `rect` exists, at `{dir}/{r}-{c}`. Inside `rect` each
/// cell of those tiles holds either a value or a tombstone (an empty CSV field), so the layer
/// replaces the whole rectangle; cells outside `rect` are absent. A reader therefore needs no
/// index blob: the tiles are known from the rectangle and the grid.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImportLayer {
    /// The blob dir holding the tiles (a valid blob path, at most [`MAX_IMPORT_DIR_BYTES`]).
    pub dir: String,
    /// The cells the import replaces, corners included.
    pub rect: CellRange,
    /// Rows per tile, 1 to [`MAX_TILE_SIDE`].
    pub tile_rows: u32,
    /// Columns per tile, 1 to [`MAX_TILE_SIDE`].
    pub tile_cols: u32,
}

impl ImportLayer {
    /// Checks the dir, the tile size and the rectangle's corners.
    ///
    /// # Errors
    /// [`ValidationError::BadImportLayer`]; [`ValidationError::IndexTooLarge`] for a corner
    /// past the last index.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.dir.len() > MAX_IMPORT_DIR_BYTES || validate_paths([self.dir.as_str()]).is_err() {
            return Err(ValidationError::BadImportLayer { reason: "its blob dir is not a valid path" });
        }
        let side = 1..=MAX_TILE_SIDE;
        if !side.contains(&self.tile_rows) || !side.contains(&self.tile_cols) {
            return Err(ValidationError::BadImportLayer { reason: "its tile size is outside 1 to 4096" });
        }
        CellRef::new(self.rect.end().row, self.rect.end().col)?;
        Ok(())
    }

    /// The tile grid (valid once [`Self::validate`] passed; the default grid otherwise).
    pub fn tile_size(&self) -> TileSize {
        TileSize::new(self.tile_rows, self.tile_cols).unwrap_or(TileSize::DEFAULT)
    }

    /// The keys, in order, of its tiles that meet rows `rows.0 ..= rows.1` and columns
    /// `cols.0 ..= cols.1` (its rectangle clipped to them; none when they miss it). Every one
    /// exists: the one enumeration of an import's tiles, for reads and for snapshots.
    pub fn tiles_meeting(&self, rows: (u64, u64), cols: (u64, u64)) -> impl Iterator<Item = TileKey> {
        let (start, end) = (self.rect.start(), self.rect.end());
        let rows = (rows.0.max(start.row), rows.1.min(end.row));
        let cols = (cols.0.max(start.col), cols.1.min(end.col));
        let size = self.tile_size();
        let (first, last) = (size.tile_of(rows.0, cols.0), size.tile_of(rows.1, cols.1));
        let empty = rows.0 > rows.1 || cols.0 > cols.1;
        (first.tile_row..=last.tile_row).filter(move |_| !empty).flat_map(move |tile_row| {
            (first.tile_col..=last.tile_col).map(move |tile_col| TileKey { tile_row, tile_col })
        })
    }

    /// The blob path of tile `key`.
    pub fn tile_path(&self, key: TileKey) -> String {
        format!("{}/{}-{}", self.dir, key.tile_row, key.tile_col)
    }

    /// Number of cells the import replaces.
    pub fn cells(&self) -> u64 {
        self.rect.row_count().saturating_mul(self.rect.column_count())
    }
}
