//! Trains the dictionary the evidence store compresses vendor answers with
//! (`src/store/evidence.dict`), from the simulator's answers, which follow the vendor's document,
//! written compact, spaced and indented. The dataset seed differs from every seed the tests and
//! benchmarks screen, so the dictionary holds the answers' structure, not their values.
//!
//! `cargo run --release --example train_dictionary -- src/store/evidence.dict`

use qcc_credit::simulator::{JsonStyle, sample_answers};

/// The dataset the samples come from: not 42 (the default), nor any seed a test uses.
const SEED: u64 = 0x00D1_C710_4A27;
const COMPANIES: usize = 3000;
const DICT_BYTES: usize = 16 * 1024;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args()
        .nth(1)
        .ok_or("usage: train_dictionary OUT.dict")?;
    let mut samples = Vec::new();
    for style in [JsonStyle::Compact, JsonStyle::Spaced, JsonStyle::Indented] {
        samples.extend(sample_answers(SEED, COMPANIES, style));
    }
    let dict = zstd::dict::from_samples(&samples, DICT_BYTES)?;
    std::fs::write(&out, &dict)?;
    let bytes: usize = samples.iter().map(String::len).sum();
    println!(
        "{out}: {} bytes, trained on {} answers ({bytes} bytes)",
        dict.len(),
        samples.len()
    );
    Ok(())
}
