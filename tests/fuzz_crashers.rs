//! Replays every kept fuzz input on stable (STYLE.md habit 14, automerge's `fuzz_crashers`):
//! each file under `tests/fuzz_crashers/<target>/` goes through the same check as the fuzz
//! target `<target>` (`fuzz/src/checks.rs`, included here by path), which panics when a
//! property breaks. Every input must end in a typed error or a success, never a panic.
#![cfg(not(target_arch = "wasm32"))]

#[path = "../fuzz/src/checks.rs"]
mod checks;

use std::path::PathBuf;

use checks::Outcome;

/// What a fuzz target does with one input.
type Check = fn(&[u8]) -> Outcome;

/// The fuzz targets and their checks.
const TARGETS: [(&str, Check); 5] = [
    ("decode_entry", checks::decode_entry),
    ("decode_tile", checks::decode_tile),
    ("decode_index", checks::decode_index),
    ("decode_history", checks::decode_history),
    ("csv_import", checks::csv_import),
];

fn replay(target: &str, check: Check) -> usize {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_crashers").join(target);
    let Ok(files) = std::fs::read_dir(&dir) else { return 0 };
    let mut paths: Vec<PathBuf> = files.map(|f| f.expect("a directory entry").path()).collect();
    paths.sort();
    for path in &paths {
        let bytes = std::fs::read(path).expect("a kept input");
        let outcome = std::panic::catch_unwind(|| check(&bytes));
        match outcome {
            Ok(outcome) => println!("{target}/{}: {outcome:?}", path.display()),
            Err(_) => panic!("{}: the {target} check panicked (see the message above)", path.display()),
        }
    }
    paths.len()
}

#[test]
fn kept_fuzz_inputs_give_typed_errors_or_succeed() {
    let total: usize = TARGETS.iter().map(|&(target, check)| replay(target, check)).sum();
    println!("replayed {total} kept fuzz inputs");
}

/// The checks themselves accept the seeds the fuzz script starts from (the golden fixtures,
/// whole and as framed bodies), so a fuzz run starts from inputs that decode.
#[test]
fn golden_fixtures_pass_the_fuzz_checks() {
    let golden = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    // (format, header bytes, mode for the whole blob, mode for the framed body, check)
    let cases: [(&str, usize, u8, u8, Check); 8] = [
        ("entry_v1", 1, 0, 2, checks::decode_entry),
        ("entry_v2", 5, 0, 1, checks::decode_entry),
        ("tile_v1", 9, 0, 1, checks::decode_tile),
        ("index_v1", 9, 0, 1, checks::decode_index),
        ("history_v1", 9, 0, 1, checks::decode_history),
        ("catalog_v1", 9, 5, 2, checks::decode_history),
        ("lease_v1", 9, 6, 3, checks::decode_history),
        ("undo_v1", 9, 9, 8, checks::decode_history),
    ];
    for (format, header, whole_mode, framed_mode, check) in cases {
        for file in std::fs::read_dir(golden.join(format)).expect("the golden fixtures") {
            let bytes = std::fs::read(file.expect("a fixture").path()).expect("a fixture");
            assert_eq!(check(&[&[whole_mode], &bytes[..]].concat()), Outcome::Decoded, "{format} whole");
            assert_eq!(check(&[&[framed_mode], &bytes[header..]].concat()), Outcome::Decoded, "{format} framed");
        }
    }
    let csv = [&[0u8, 0, 2, 5][..], b"a,1\n\"", &[5], b"x\"\"y\"", &[3], b",2\n"].concat();
    assert_eq!(checks::csv_import(&csv), Outcome::Decoded);
}

/// Replays the local fuzz corpus (`fuzz/corpus/<target>/`, left by `scripts/fuzz.sh`, not
/// committed) on stable and prints how many inputs decoded and which errors the rest gave: how
/// deep the fuzzer got. Run by hand: `cargo test --test fuzz_crashers -- --ignored --nocapture`.
#[test]
#[ignore = "reads the local, uncommitted fuzz corpus"]
fn local_fuzz_corpus_summary() {
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    for (target, check) in TARGETS {
        let Ok(files) = std::fs::read_dir(corpus.join(target)) else { continue };
        let mut kinds = std::collections::BTreeMap::<String, usize>::new();
        for file in files {
            let bytes = std::fs::read(file.expect("a corpus entry").path()).expect("a corpus input");
            let kind = match check(&bytes) {
                Outcome::Refused(error) => error.split([' ', '(']).next().unwrap_or_default().to_owned(),
                outcome => format!("{outcome:?}"),
            };
            *kinds.entry(kind).or_default() += 1;
        }
        println!("{target}: {kinds:?}");
    }
}
