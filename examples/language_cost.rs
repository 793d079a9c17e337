//! What language detection costs: CPU per decision on short and long text, and the memory the
//! lingua detector adds once loaded. docs/benchmarks.md ("Language detection") has the numbers.
//!
//!     cargo run --release --example language_cost
//!
//! Single-threaded; each case is timed call by call and the median reported.

use std::hint::black_box;
use std::time::Instant;

use switchboard::routing::language::{decide_with_source, detect, warm_up};

const EVAL: &str = include_str!("../tests/data/language_eval.tsv");

const SHORT_DE: &str = "Mein Konto ist seit gestern gesperrt";
const SHORT_EN: &str = "My account is locked since yesterday";
const LONG_DE: &str = "Guten Tag, ich habe vor drei Wochen bei Ihnen einen Rucksack und zwei Paar Schuhe \
    bestellt und sofort mit Kreditkarte bezahlt. Laut Sendungsverfolgung wurde das Paket schon letzte Woche \
    zugestellt, aber bei mir ist nichts angekommen, auch nicht bei den Nachbarn. Jetzt wurde mir außerdem \
    der Betrag ein zweites Mal abgebucht. Können Sie bitte prüfen, was da passiert ist, und mir das Geld \
    für die doppelte Abbuchung zurückerstatten? Vielen Dank im Voraus und freundliche Grüße";
const LONG_EN: &str = "Hello, three weeks ago I ordered a backpack and two pairs of shoes from your shop and \
    paid right away by credit card. The tracking page says the parcel was delivered last week, but nothing \
    arrived here, and my neighbours have not seen it either. On top of that the amount has now been taken \
    from my card a second time. Could you please check what happened and refund the second charge? I would \
    also like to know whether you can send the order again. Thanks in advance for your help";

const CALLS: usize = 5_000;

/// Microseconds of each call, sorted.
fn timed(calls: usize, mut f: impl FnMut(usize)) -> Vec<f64> {
    let mut times: Vec<f64> = (0..calls)
        .map(|i| {
            let start = Instant::now();
            f(i);
            start.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times
}

fn median(times: &[f64]) -> f64 {
    times[times.len() / 2]
}

/// (VmRSS, RssAnon, RssFile) in KiB, from /proc/self/status.
fn rss() -> (u64, u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("RssAnon:"), field("RssFile:"))
}

fn main() {
    let lines: Vec<(&str, &str)> = EVAL
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('\t'))
        .collect();
    let words = |t: &str| t.split_whitespace().count();

    let before = rss();
    warm_up();
    let built = rss();
    for &(code, text) in &lines {
        for locale in [None, Some("en-US"), Some(code)] {
            black_box(decide_with_source(text, locale));
        }
    }
    let loaded = rss();
    println!(
        "RSS KiB (total, anon, file): before {before:?}, detector built {built:?}, after the evaluation set {loaded:?}"
    );
    println!(
        "RSS added: {} KiB ({} anon, {} file-backed)",
        loaded.0 as i64 - before.0 as i64,
        loaded.1 as i64 - before.1 as i64,
        loaded.2 as i64 - before.2 as i64
    );

    println!("\nmedian µs per decide_with_source call, {CALLS} calls each:");
    let cases: [(&str, &str, Option<&str>); 8] = [
        ("short de, no locale (whatlang reliable: no lingua)", SHORT_DE, None),
        ("short de, locale de-DE (agrees: no lingua)", SHORT_DE, Some("de-DE")),
        ("short de, locale en-US (lingua weighs de against en)", SHORT_DE, Some("en-US")),
        ("short en, locale de-DE (lingua)", SHORT_EN, Some("de-DE")),
        ("long de, no locale", LONG_DE, None),
        ("long de, locale en-US (long: whatlang stands)", LONG_DE, Some("en-US")),
        ("long en, locale de-DE", LONG_EN, Some("de-DE")),
        ("says little: \"ok\", locale de-DE", "ok", Some("de-DE")),
    ];
    for (name, text, locale) in cases {
        let times = timed(CALLS, |_| {
            black_box(decide_with_source(black_box(text), black_box(locale)));
        });
        println!("  {:>8.1} µs  {name} ({} words)", median(&times), words(text));
    }
    let times = timed(CALLS, |_| {
        black_box(detect(black_box(SHORT_DE)));
    });
    println!("  {:>8.1} µs  whatlang alone (detect), short de", median(&times));

    println!("\nover the {} evaluation lines, each 5 times (µs per call):", lines.len());
    for (name, locale) in [("no locale", Some(None)), ("en-US", Some(Some("en-US"))), ("own locale", None)] {
        let times = timed(5 * lines.len(), |i| {
            let (code, text) = lines[i % lines.len()];
            let locale = locale.unwrap_or(Some(code));
            black_box(decide_with_source(black_box(text), black_box(locale)));
        });
        let p90 = times[times.len() * 9 / 10];
        println!("  median {:>6.1}  p90 {p90:>6.1}  {name}", median(&times));
    }
}
