//! The fuzz corpus replayed on stable: every committed input of `fuzz/corpus/<target>` (and any crash
//! input left in `fuzz/artifacts/<target>`) goes through the same target function the fuzzer runs
//! (`fuzz/targets.rs`), so the corpus is a regression check on machines without a nightly toolchain.

#[path = "../fuzz/targets.rs"]
mod targets;

use std::path::Path;

/// Every file under `dir` (none if it does not exist), skipping dotfiles.
fn inputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<_> = entries
        .map(|e| e.expect("read the corpus").path())
        .filter(|p| p.is_file() && !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .map(|p| (p.display().to_string(), std::fs::read(&p).expect("read an input")))
        .collect();
    files.sort();
    files
}

#[test]
fn every_corpus_input_passes_its_fuzz_target() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    for (name, target) in targets::TARGETS {
        let corpus = inputs(&root.join("corpus").join(name));
        assert!(!corpus.is_empty(), "fuzz/corpus/{name} has no inputs");
        let crashes = inputs(&root.join("artifacts").join(name));
        for (path, data) in corpus.iter().chain(&crashes) {
            if std::panic::catch_unwind(|| target(data)).is_err() {
                panic!("fuzz target {name} panicked on {path}");
            }
        }
        println!(
            "fuzz corpus replay: {name}: {} corpus inputs, {} crash inputs, all passed",
            corpus.len(),
            crashes.len()
        );
    }
}
