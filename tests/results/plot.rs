//! The SVG plot, parsed as XML: one dot per row with a ratio, every path named, each group's
//! title, the c line and the floor; a size sweep drawn as lines with a legend.

use serde_json::Value;

use crate::{document, rounds, row, serial, socklab, write_doc};

/// The SVG that `socklab report NAME.json --plot NAME.svg` draws of a saved run holding `rows`.
fn plot_of(name: &str, rows: Vec<Value>) -> String {
    let dir = tempfile::tempdir().unwrap();
    let json = write_doc(
        dir.path(),
        &format!("{name}.json"),
        &document("6.1", "2026-01-01T00:00:00Z", rows),
    );
    let svg = dir.path().join(format!("{name}.svg"));
    let out = socklab(&["report", &json, "--plot", svg.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(&svg).unwrap()
}

/// The text of every `<text>` element.
fn texts(doc: &roxmltree::Document<'_>) -> Vec<String> {
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or("").trim().to_string())
        .collect()
}

#[test]
fn a_group_plot_has_a_dot_per_row_and_names_every_path() {
    let _g = serial();
    let mut rows = vec![
        row("rtt", "udp", "c", 10_000.0, &rounds(1.0, 20)),
        row("rtt", "udp", "c-send-recv", 9_800.0, &rounds(0.98, 20)),
        row("rtt", "udp", "c-inline", 9_500.0, &rounds(0.95, 20)),
        row("rtt", "udp", "libc-send-recv", 9_900.0, &rounds(0.99, 20)),
        row("rtt", "udp", "rustix", 9_000.0, &rounds(0.90, 20)),
    ];
    rows.extend([
        row("same-thread", "udp", "c", 3_000.0, &rounds(1.0, 20)),
        row("same-thread", "udp", "rustix", 2_800.0, &rounds(0.93, 20)),
    ]);
    let text = plot_of("a", rows);
    let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
    assert!(doc.root_element().has_tag_name("svg"));
    // plotters draws a filled dot as two circles at one place: count the places.
    let mut dots: Vec<(String, String)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("circle"))
        .map(|n| {
            (
                n.attribute("cx").unwrap().into(),
                n.attribute("cy").unwrap().into(),
            )
        })
        .collect();
    dots.sort();
    dots.dedup();
    assert_eq!(dots.len(), 7, "one dot per row");
    let t = texts(&doc);
    for name in ["c", "c-send-recv", "c-inline", "libc-send-recv", "rustix"] {
        assert!(t.iter().any(|x| x == name), "{name} not labelled: {t:?}");
    }
    for title in [
        "rtt udp 64 B: ratio to c, ci95",
        "same-thread udp 64 B: ratio to c, ci95",
    ] {
        assert!(t.iter().any(|x| x == title), "{title}: {t:?}");
    }
    assert!(
        t.iter().any(|x| x.contains("dashed red: the floor")),
        "the key: {t:?}"
    );
    // The floor is red (c-inline's ratio): plotters draws its dashes as red lines.
    assert!(text.contains("#D62728"), "no floor line");
}

#[test]
fn a_size_sweep_is_drawn_as_lines() {
    let _g = serial();
    let mut rows = Vec::new();
    for (size, r) in [(64, 0.9), (1024, 0.95), (16384, 0.99)] {
        for (path, ratio) in [("c", 1.0), ("rustix", r)] {
            let mut x = row("rtt", "udp", path, 10_000.0 * ratio, &rounds(ratio, 10));
            x["size"] = size.into();
            rows.push(x);
        }
    }
    let text = plot_of("s", rows);
    let doc = roxmltree::Document::parse(&text).unwrap();
    let t = texts(&doc);
    assert!(
        t.iter()
            .any(|x| x == "rtt udp: ratio to c over the message size"),
        "{t:?}"
    );
    assert!(
        t.iter().any(|x| x == "rustix") && t.iter().any(|x| x == "c"),
        "legend: {t:?}"
    );
    let polylines = doc
        .descendants()
        .filter(|n| n.has_tag_name("polyline"))
        .count();
    assert!(polylines >= 2, "a line per path: {polylines}");
}
