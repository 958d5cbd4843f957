//! Fuzz target: arbitrary bytes through the Nuxt payload importer (devalue decoding,
//! minimark → Markdown/MDC, YAML). Any panic, hang or runaway allocation is a bug, and
//! so is YAML that does not parse back.
//!
//! Run: `cargo +nightly fuzz run import -- -max_total_time=300`
//! (seed corpus: `mkdir -p fuzz/corpus/import && cp ../shared/seed/_payload.json fuzz/corpus/import/`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(files) = sshfolio::content::import::convert(data) else {
        return;
    };
    for f in files {
        let yaml = match f.contents.strip_prefix("---\n") {
            Some(rest) => rest.split_once("\n---\n").map_or(rest, |(fm, _)| fm),
            None => f.contents.as_str(),
        };
        if let Err(e) = serde_yaml::from_str::<serde_yaml::Value>(yaml) {
            panic!("{}: written YAML does not parse: {e}\n{yaml}", f.path.display());
        }
    }
});
