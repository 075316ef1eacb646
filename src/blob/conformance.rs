//! The conformance suite every [`BlobStore`] implementation must pass (DESIGN.md section 4).
//!
//! Each case is an `async fn` taking a fresh, empty store and panicking when the implementation
//! breaks the contract. Test files instantiate every case per backend and runtime with
//! [`for_each_blob_store_case!`](crate::for_each_blob_store_case). Only test code calls this.

use std::collections::BTreeSet;

use super::{
    read_blob, read_path, write_path, BlobDir, BlobError, BlobStore, DirEntry, EntryKind, NameProblem, MAX_NAME_BYTES,
};

/// Calls `$case!(name)` for the name of every case in this module.
#[macro_export]
macro_rules! for_each_blob_store_case {
    ($case:ident) => {
        $case!(read_write_overwrite_remove);
        $case!(write_stores_a_copy);
        $case!(wrong_kind_errors);
        $case!(bad_names_store_nothing);
        $case!(dirs_appear_and_vanish);
        $case!(recursive_remove_spares_neighbours);
        $case!(listing_pages_with_continuations);
        $case!(continuation_on_another_dir);
        $case!(megabyte_blob_round_trip);
        $case!(read_many_matches_read_path);
        $case!(write_many_and_remove_many);
        $case!(write_many_kind_errors);
    };
}

/// Reads every page of `dir`'s listing, checking that no child appears twice.
pub async fn list_all<D: BlobDir>(dir: &D) -> Vec<DirEntry> {
    let mut all = Vec::new();
    let mut continuation = None;
    loop {
        let page = dir.list(continuation.as_ref()).await.expect("list");
        all.extend(page.entries);
        match page.continuation {
            Some(c) => continuation = Some(c),
            None => break,
        }
    }
    let unique: BTreeSet<_> = all.iter().collect();
    assert_eq!(unique.len(), all.len(), "a child was listed twice: {all:?}");
    all
}

fn entry(name: &str, kind: EntryKind) -> DirEntry {
    DirEntry { name: name.to_owned(), kind }
}

fn sorted(mut entries: Vec<DirEntry>) -> Vec<DirEntry> {
    entries.sort();
    entries
}

fn assert_wrong_kind<T: std::fmt::Debug>(result: Result<T, BlobError>, path: &str, found: EntryKind) {
    match result {
        Err(BlobError::WrongKind { path: p, found: f }) => assert_eq!((p.as_str(), f), (path, found)),
        other => panic!("expected WrongKind {found:?} at '{path}', got {other:?}"),
    }
}

/// Write, read back, overwrite, remove; a missing blob is NotFound with status 404; removing a
/// missing blob is fine.
pub async fn read_write_overwrite_remove<S: BlobStore>(store: S) {
    let root = store.root();
    assert_eq!(root.path(), "");
    match root.read("a").await {
        Err(e @ BlobError::NotFound { .. }) => assert_eq!(e.status_code(), 404),
        other => panic!("read of a missing blob: {other:?}"),
    }
    root.write("a", b"first").await.unwrap();
    assert_eq!(root.read("a").await.unwrap(), b"first");
    root.write("a", b"second, longer").await.unwrap();
    assert_eq!(root.read("a").await.unwrap(), b"second, longer");
    root.write("empty", b"").await.unwrap();
    assert_eq!(root.read("empty").await.unwrap(), b"");
    let names = ["ünïcødé 😀", "with space", "a.b", "..."];
    for name in names {
        root.write(name, name.as_bytes()).await.unwrap();
        assert_eq!(root.read(name).await.unwrap(), name.as_bytes());
    }
    root.remove("a").await.unwrap();
    assert!(matches!(root.read("a").await, Err(BlobError::NotFound { .. })));
    root.remove("a").await.unwrap();
    root.remove("never-there").await.unwrap();
    assert_eq!(root.read("empty").await.unwrap(), b"", "other blobs untouched");
}

/// The store keeps its own copy: changing the written or the read buffer changes nothing stored.
pub async fn write_stores_a_copy<S: BlobStore>(store: S) {
    let root = store.root();
    let mut source = vec![1u8, 2, 3, 4];
    root.write("b", &source).await.unwrap();
    source[0] = 99;
    let mut read = root.read("b").await.unwrap();
    assert_eq!(read, [1, 2, 3, 4]);
    read[1] = 77;
    assert_eq!(root.read("b").await.unwrap(), [1, 2, 3, 4]);
}

/// A blob call on a dir, a dir call on a blob, and a write through a path crossing a blob are
/// wrong-kind errors and store nothing.
pub async fn wrong_kind_errors<S: BlobStore>(store: S) {
    let root = store.root();
    let d = root.dir("d").await.unwrap();
    d.write("x", b"1").await.unwrap();
    assert_eq!(d.path(), "d");
    assert_wrong_kind(root.read("d").await, "d", EntryKind::Dir);
    assert_wrong_kind(root.write("d", b"2").await, "d", EntryKind::Dir);
    assert_wrong_kind(root.remove("d").await, "d", EntryKind::Dir);
    root.write("b", b"blob").await.unwrap();
    assert_wrong_kind(root.dir("b").await, "b", EntryKind::Blob);
    // A handle made while "c" was free, used after "c" became a blob.
    let c = root.dir("c").await.unwrap();
    let c_deep = c.dir("deeper").await.unwrap();
    root.write("c", b"now a blob").await.unwrap();
    assert_wrong_kind(c.write("x", b"3").await, "c", EntryKind::Blob);
    assert_wrong_kind(c_deep.write("x", b"3").await, "c", EntryKind::Blob);
    assert_eq!(d.read("x").await.unwrap(), b"1");
    assert_eq!(root.read("b").await.unwrap(), b"blob");
    let children = sorted(list_all(&root).await);
    assert_eq!(children, vec![entry("b", EntryKind::Blob), entry("c", EntryKind::Blob), entry("d", EntryKind::Dir)]);
}

/// Names that are empty, too long, `.`/`..`, or hold `/` or control characters are rejected by
/// every call, with the rule named, and nothing is stored.
pub async fn bad_names_store_nothing<S: BlobStore>(store: S) {
    let root = store.root();
    let long = "x".repeat(MAX_NAME_BYTES + 1);
    let cases = [
        ("", NameProblem::Empty),
        (long.as_str(), NameProblem::TooLong),
        (".", NameProblem::Dots),
        ("..", NameProblem::Dots),
        ("a/b", NameProblem::Slash),
        ("/", NameProblem::Slash),
        ("line\nbreak", NameProblem::ControlCharacter),
        ("nul\0", NameProblem::ControlCharacter),
        ("del\u{7f}", NameProblem::ControlCharacter),
    ];
    for (name, problem) in cases {
        let check = |r: Result<(), BlobError>, call: &str| match r {
            Err(BlobError::InvalidName { name: n, problem: p }) => {
                assert_eq!((n.as_str(), p), (name, problem), "{call}")
            }
            other => panic!("{call}({name:?}): expected InvalidName, got {other:?}"),
        };
        check(root.write(name, b"x").await, "write");
        check(root.read(name).await.map(drop), "read");
        check(root.remove(name).await, "remove");
        check(root.dir(name).await.map(drop), "dir");
    }
    let longest = "y".repeat(MAX_NAME_BYTES);
    root.write(&longest, b"ok").await.unwrap();
    assert_eq!(list_all(&root).await, vec![entry(&longest, EntryKind::Blob)], "only the valid name stored");
}

/// Dirs exist exactly while they hold blobs, at any depth.
pub async fn dirs_appear_and_vanish<S: BlobStore>(store: S) {
    let root = store.root();
    let e = root.dir("d").await.unwrap().dir("e").await.unwrap();
    assert_eq!(e.path(), "d/e");
    assert!(list_all(&root).await.is_empty(), "handles create nothing");
    e.write("f", b"deep").await.unwrap();
    assert_eq!(list_all(&root).await, vec![entry("d", EntryKind::Dir)]);
    let d = root.dir("d").await.unwrap();
    assert_eq!(list_all(&d).await, vec![entry("e", EntryKind::Dir)]);
    assert_eq!(list_all(&e).await, vec![entry("f", EntryKind::Blob)]);
    d.write("g", b"shallow").await.unwrap();
    assert_eq!(sorted(list_all(&d).await), vec![entry("e", EntryKind::Dir), entry("g", EntryKind::Blob)]);
    e.remove("f").await.unwrap();
    assert_eq!(list_all(&d).await, vec![entry("g", EntryKind::Blob)], "empty dir vanished");
    d.remove("g").await.unwrap();
    assert!(list_all(&root).await.is_empty(), "all dirs vanished");
    root.write("d", b"a blob may now take the name").await.unwrap();
    assert_eq!(list_all(&root).await, vec![entry("d", EntryKind::Blob)]);
}

/// `remove_all` removes a dir's whole subtree and nothing else, even neighbours whose names
/// share its prefix (`d.x`, `d0`, `dd`).
pub async fn recursive_remove_spares_neighbours<S: BlobStore>(store: S) {
    let root = store.root();
    let d = root.dir("d").await.unwrap();
    for name in ["1", "2", "3"] {
        d.write(name, b"x").await.unwrap();
        d.dir("sub").await.unwrap().write(name, b"y").await.unwrap();
    }
    root.write("d.x", b"n1").await.unwrap();
    root.write("d0", b"n2").await.unwrap();
    root.dir("dd").await.unwrap().write("z", b"n3").await.unwrap();
    root.write("c", b"n4").await.unwrap();
    d.remove_all().await.unwrap();
    assert!(list_all(&d).await.is_empty());
    let expected = vec![
        entry("c", EntryKind::Blob),
        entry("d.x", EntryKind::Blob),
        entry("d0", EntryKind::Blob),
        entry("dd", EntryKind::Dir),
    ];
    assert_eq!(sorted(list_all(&root).await), expected);
    assert!(matches!(d.read("1").await, Err(BlobError::NotFound { .. })));
    d.remove_all().await.unwrap();
    root.dir("dd").await.unwrap().remove_all().await.unwrap();
    root.remove_all().await.unwrap();
    assert!(list_all(&root).await.is_empty(), "root remove_all empties the store");
}

/// A listing of many blobs and dirs, read page by page, returns every child exactly once.
pub async fn listing_pages_with_continuations<S: BlobStore>(store: S) {
    let root = store.root();
    let d = root.dir("list").await.unwrap();
    let mut expected = Vec::new();
    for i in 0..12 {
        let name = format!("blob{i:02}");
        d.write(&name, &[i]).await.unwrap();
        expected.push(entry(&name, EntryKind::Blob));
    }
    for i in 0..4 {
        let name = format!("blob{i:02}.dir");
        let sub = d.dir(&name).await.unwrap();
        for j in 0..3 {
            sub.write(&format!("inner{j}"), b"z").await.unwrap();
        }
        expected.push(entry(&name, EntryKind::Dir));
    }
    root.write("after", b"outside the dir").await.unwrap();
    root.write("lisu", b"sorts just after list/").await.unwrap();
    let listed = list_all(&d).await;
    assert_eq!(sorted(listed.clone()), sorted(expected));
    let mut page_continuation = None;
    let mut pages = 0;
    loop {
        let page = d.list(page_continuation.as_ref()).await.unwrap();
        pages += 1;
        assert!(!page.entries.is_empty() || page.continuation.is_none(), "only the last page may be empty");
        match page.continuation {
            Some(c) => page_continuation = Some(c),
            None => break,
        }
    }
    assert!(pages >= 1 && pages <= listed.len() + 1);
}

/// A continuation made by one dir is refused by another.
pub async fn continuation_on_another_dir<S: BlobStore>(store: S) {
    let root = store.root();
    let a = root.dir("a").await.unwrap();
    let b = root.dir("b").await.unwrap();
    for i in 0..5 {
        a.write(&format!("{i}"), b"a").await.unwrap();
        b.write(&format!("{i}"), b"b").await.unwrap();
    }
    let mut continuation = None;
    loop {
        let page = a.list(continuation.as_ref()).await.unwrap();
        if let Some(c) = &page.continuation {
            match b.list(Some(c)).await {
                Err(e @ BlobError::ForeignContinuation { .. }) => assert_eq!(e.status_code(), 400),
                other => panic!("continuation of 'a' used on 'b': {other:?}"),
            }
            assert!(matches!(root.list(Some(c)).await, Err(BlobError::ForeignContinuation { .. })));
        }
        match page.continuation {
            Some(c) => continuation = Some(c),
            None => break,
        }
    }
}

/// A 1 MiB blob of varied bytes round-trips exactly (the browser suite adds 16 MiB).
pub async fn megabyte_blob_round_trip<S: BlobStore>(store: S) {
    large_blob_round_trip(store, 1 << 20).await;
}

/// A blob of `len` varied bytes round-trips exactly.
pub async fn large_blob_round_trip<S: BlobStore>(store: S, len: usize) {
    let root = store.root();
    let bytes: Vec<u8> = (0..len).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    root.write("big", &bytes).await.unwrap();
    let back = root.read("big").await.unwrap();
    assert_eq!(back.len(), len);
    assert!(back == bytes, "{len} bytes differ after a round trip");
}

/// [`BlobStore::read_many`] (and [`read_blob`], one path at a time) gives, per path and in order,
/// exactly what [`read_path`] gives:
/// bytes of blobs at any depth (more paths than one batch holds, some repeated), and for a
/// missing blob, a dir, a path crossing a blob or a bad name the same typed error.
pub async fn read_many_matches_read_path<S: BlobStore>(store: S) {
    let root = store.root();
    let deep = root.dir("s").await.unwrap().dir("12").await.unwrap();
    let mut paths = Vec::new();
    for i in 0..150u32 {
        deep.write(&format!("{i}-0"), &i.to_le_bytes()).await.unwrap();
        paths.push(format!("s/12/{i}-0"));
    }
    root.write("top", b"top").await.unwrap();
    for odd in ["top", "s/12/7-0", "s/12/missing", "s/12", "top/under", "s//x", "", "s/12/..", "s/12/149-0"] {
        paths.insert(paths.len() / 2, odd.to_owned());
    }
    let refs: Vec<&str> = paths.iter().map(String::as_str).collect();
    let many = store.read_many(&refs).await;
    assert_eq!(many.len(), paths.len());
    for (path, got) in paths.iter().zip(many) {
        let want = read_path(&store, path).await;
        match (&got, &want) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "bytes of {path:?}"),
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "error for {path:?}"),
            _ => panic!("{path:?}: read_many gave {got:?}, read_path {want:?}"),
        }
        // `read_blob` (one path through `read_many`) gives the same.
        match (read_blob(&store, path).await, &want) {
            (Ok(a), Ok(b)) => assert_eq!(&a, b, "read_blob's bytes of {path:?}"),
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "read_blob's error for {path:?}"),
            (got, _) => panic!("{path:?}: read_blob gave {got:?}, read_path {want:?}"),
        }
    }
    assert_eq!(store.read_many(&["s/12/3-0"]).await.pop().unwrap().unwrap(), 3u32.to_le_bytes());
    assert!(matches!(&store.read_many(&["nope"]).await[..], [Err(BlobError::NotFound { .. })]));
    assert!(store.read_many(&[]).await.is_empty());
}

/// [`BlobStore::write_many`] writes blobs at any depth, more bytes than one IndexedDB batch
/// holds (3 MiB in blobs of 64 KiB, plus small ones), a repeated path keeping its last bytes;
/// [`BlobStore::remove_many`] removes them, a missing path being fine. A bad name anywhere in
/// either batch is [`BlobError::InvalidName`] and changes nothing.
pub async fn write_many_and_remove_many<S: BlobStore>(store: S) {
    let big: Vec<Vec<u8>> = (0..48u8).map(|i| vec![i; 64 * 1024]).collect();
    let mut paths: Vec<String> = (0..48).map(|i| format!("snapshots/7/t{i}")).collect();
    paths.push("top".to_owned());
    paths.push("snapshots/7/deeper/x".to_owned());
    paths.push("snapshots/7/t3".to_owned());
    let mut batch: Vec<(&str, &[u8])> = paths.iter().zip(&big).map(|(p, b)| (p.as_str(), b.as_slice())).collect();
    batch.push(("top", b"top"));
    batch.push(("snapshots/7/deeper/x", b"x"));
    batch.push(("snapshots/7/t3", b"last"));
    store.write_many(&batch).await.unwrap();
    for (i, bytes) in big.iter().enumerate() {
        let got = read_path(&store, &format!("snapshots/7/t{i}")).await.unwrap();
        assert!(i == 3 || &got == bytes, "bytes of t{i}");
    }
    assert_eq!(read_path(&store, "snapshots/7/t3").await.unwrap(), b"last", "a repeated path keeps its last bytes");
    assert_eq!(read_path(&store, "top").await.unwrap(), b"top");
    assert_eq!(read_path(&store, "snapshots/7/deeper/x").await.unwrap(), b"x");
    store.write_many(&[]).await.unwrap();

    // A bad name anywhere: nothing written, nothing removed.
    for bad in ["snapshots//y", "", "snapshots/7/.."] {
        let result = store.write_many(&[("fresh", b"f"), (bad, b"b")]).await;
        assert!(matches!(result, Err(BlobError::InvalidName { .. })), "write_many with {bad:?}: {result:?}");
        assert!(matches!(root_read(&store, "fresh").await, Err(BlobError::NotFound { .. })), "nothing written");
        let result = store.remove_many(&["top", bad]).await;
        assert!(matches!(result, Err(BlobError::InvalidName { .. })), "remove_many with {bad:?}: {result:?}");
        assert_eq!(read_path(&store, "top").await.unwrap(), b"top", "nothing removed");
    }

    let removed: Vec<&str> =
        paths.iter().map(String::as_str).filter(|p| *p != "top").chain(["missing/x", "nope"]).collect();
    store.remove_many(&removed).await.unwrap();
    for path in &removed {
        assert!(matches!(read_path(&store, path).await, Err(BlobError::NotFound { .. })), "{path} removed");
    }
    let listed = list_all(&store.root()).await;
    assert_eq!(listed, vec![entry("top", EntryKind::Blob)], "only `top` is left; removed dirs vanish");
    store.remove_many(&[]).await.unwrap();
}

async fn root_read<S: BlobStore>(store: &S, name: &str) -> Result<Vec<u8>, BlobError> {
    store.root().read(name).await
}

/// [`BlobStore::write_many`] keeps the store's shape: a path crossing a blob, or naming a dir, is
/// [`BlobError::WrongKind`] and that blob is not written; one path under another in the same
/// batch is [`BlobError::WrongKind`] and nothing is written; [`BlobStore::remove_many`] of a dir is
/// [`BlobError::WrongKind`] and removes nothing under it.
pub async fn write_many_kind_errors<S: BlobStore>(store: S) {
    write_path(&store, "a", b"blob").await.unwrap();
    write_path(&store, "d/inner", b"inner").await.unwrap();
    assert_wrong_kind(store.write_many(&[("a/under", b"x")]).await, "a", EntryKind::Blob);
    assert_wrong_kind(store.write_many(&[("d", b"x")]).await, "d", EntryKind::Dir);
    assert_wrong_kind(store.remove_many(&["d"]).await, "d", EntryKind::Dir);
    // A dir holding more blobs than a backend may scan at once: its names are still checked.
    let names: Vec<String> = (0..1_100).map(|i| format!("big/{i:04}")).collect();
    store.write_many(&names.iter().map(|n| (n.as_str(), &b"."[..])).collect::<Vec<_>>()).await.unwrap();
    write_path(&store, "big/0500/inner", b"x").await.unwrap_err();
    write_path(&store, "big/zz/inner", b"x").await.unwrap();
    assert_wrong_kind(store.write_many(&[("big/new", b"n"), ("big/zz", b"x")]).await, "big/zz", EntryKind::Dir);
    store.write_many(&[("big/new", b"n"), ("big/0001", b"1")]).await.unwrap();
    assert_eq!(read_path(&store, "big/0001").await.unwrap(), b"1");
    // A batch spanning few names of the big dir: a dir among them, including one whose name
    // extends another's by a character that sorts before `/`, is still found.
    write_path(&store, "big/0700x/inner", b"x").await.unwrap();
    write_path(&store, "big/0800./inner", b"x").await.unwrap();
    assert_wrong_kind(store.write_many(&[("big/0700", b"7"), ("big/0700x", b"x")]).await, "big/0700x", EntryKind::Dir);
    assert_wrong_kind(store.write_many(&[("big/0800", b"8"), ("big/0800.", b"x")]).await, "big/0800.", EntryKind::Dir);
    assert_wrong_kind(store.write_many(&[("big/0800.", b"x"), ("big/0801", b"8")]).await, "big/0800.", EntryKind::Dir);
    store.write_many(&[("big/0700", b"7"), ("big/0701", b"7")]).await.unwrap();
    assert_eq!(read_path(&store, "big/0701").await.unwrap(), b"7");
    // One path under another in the same batch: nothing written.
    assert_wrong_kind(store.write_many(&[("n", b"1"), ("n/m", b"2")]).await, "n", EntryKind::Blob);
    assert!(matches!(read_path(&store, "n").await, Err(BlobError::NotFound { .. })), "nothing written");
    assert_eq!(read_path(&store, "a").await.unwrap(), b"blob");
    assert_eq!(read_path(&store, "d/inner").await.unwrap(), b"inner");
    assert_wrong_kind(read_path(&store, "a/under").await, "a", EntryKind::Blob);
    assert_wrong_kind(read_path(&store, "d").await, "d", EntryKind::Dir);
}
