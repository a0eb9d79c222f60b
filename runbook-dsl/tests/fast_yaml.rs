//! The fast YAML reader against the reference reader (yaml-rust2, then libyaml): for every
//! corpus document and for hand-written tricky cases, the fast reader either gives exactly the
//! reference's value and source map, or says "not mine". Coverage is asserted too, so that the
//! fast path cannot silently stop being taken.

use runbook_dsl::yaml::{self, SourceMap};
use serde_json::Value;

use crate::common;
use common::{corpus, Rng};

/// Whether the fast reader took `text` (in either mode); panics when it disagrees with the
/// reference.
fn agrees(text: &str) -> (bool, bool) {
    let mut taken = [false; 2];
    for (k, located) in [false, true].into_iter().enumerate() {
        if let Some((v, map)) = yaml::fast_reader(text, located) {
            taken[k] = true;
            match yaml::reference_reader(text, located) {
                Ok((want, want_map)) => {
                    if v != want {
                        let (path, a, b) = first_difference(&v, &want, String::new());
                        panic!("value differs (located: {located}) at {path:?}: fast {a} vs reference {b}\n{text:?}");
                    }
                    if located && yaml::reference_map_is_partial(text) {
                        assert_map_extends(&map, &want_map, text);
                    } else if located {
                        assert_same_map(&map, &want_map, text);
                    }
                }
                // The reference's depth guard counts brackets inside strings too (docs/fastyaml.md).
                Err(e) if e.message.contains("limit L002") => {}
                Err(e) => panic!("the fast reader accepts what the reference refuses ({e}): {text:?}"),
            }
        }
    }
    (taken[0], taken[1])
}

/// The first place where two values differ: its path and both sides.
fn first_difference(a: &Value, b: &Value, path: String) -> (String, String, String) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) if x.keys().eq(y.keys()) => {
            for (k, v) in x {
                if v != &y[k] {
                    return first_difference(v, &y[k], format!("{path}.{k}"));
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                if v != w {
                    return first_difference(v, w, format!("{path}[{i}]"));
                }
            }
        }
        (Value::Object(x), Value::Object(y)) => {
            return (
                path,
                format!("keys {:?}", x.keys().collect::<Vec<_>>()),
                format!("keys {:?}", y.keys().collect::<Vec<_>>()),
            )
        }
        _ => {}
    }
    (path, format!("{a:?}"), format!("{b:?}"))
}

/// Where the reference stopped early, the fast reader's map holds every position the reference
/// found, at the same place (and usually more).
fn assert_map_extends(got: &SourceMap, want: &SourceMap, text: &str) {
    for (path, pos) in want.iter() {
        assert_eq!(got.get(path), Some(pos), "position of {path:?} differs in {text:?}");
    }
    assert!(got.len() >= want.len(), "the fast reader's map holds less than the partial reference: {text:?}");
}

fn assert_same_map(got: &SourceMap, want: &SourceMap, text: &str) {
    if got != want {
        // Name the first differing path, for a readable failure.
        let v = yaml::from_str(text).unwrap_or(Value::Null);
        let mut paths = Vec::new();
        fn walk(v: &Value, p: String, out: &mut Vec<String>) {
            out.push(p.clone());
            match v {
                Value::Object(m) => {
                    for (k, x) in m {
                        walk(x, if p.is_empty() { k.clone() } else { format!("{p}.{k}") }, out)
                    }
                }
                Value::Array(a) => {
                    for (i, x) in a.iter().enumerate() {
                        walk(x, format!("{p}[{i}]"), out)
                    }
                }
                _ => {}
            }
        }
        walk(&v, String::new(), &mut paths);
        for p in paths {
            assert_eq!(got.get(&p), want.get(&p), "position of {p:?} differs in {text:?}");
        }
        panic!("source maps differ ({} vs {} entries) for {text:?}", got.len(), want.len());
    }
}

#[test]
fn every_corpus_document_reads_the_same_and_nearly_all_yaml_take_the_fast_path() {
    let Some(docs) = corpus() else { return };
    let (mut yaml_docs, mut fast, mut fast_located) = (0, 0, 0);
    let (mut missed, mut differ) = (Vec::new(), Vec::new());
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    for (path, text) in &docs {
        let (a, b) = match std::panic::catch_unwind(|| agrees(text)) {
            Ok(taken) => taken,
            Err(e) => {
                let msg = e.downcast_ref::<String>().cloned().unwrap_or_default();
                differ.push(format!("{}: {}", path.display(), &msg[..msg.len().min(600)]));
                (false, false)
            }
        };
        if path.extension().is_some_and(|e| e != "json") {
            yaml_docs += 1;
            fast += a as usize;
            fast_located += b as usize;
            if !a || !b {
                missed.push(format!("{}{}", if a { "(located only) " } else { "" }, path.display()));
            }
        }
    }
    std::panic::set_hook(hook);
    assert!(differ.is_empty(), "{} documents read differently; first:\n{}", differ.len(), differ.join("\n"));
    eprintln!(
        "fast path: {fast} of {yaml_docs} YAML corpus documents ({fast_located} when located); not taken: {missed:#?}"
    );
    assert!(yaml_docs >= 243, "{yaml_docs} YAML documents");
    // Every YAML document, located or not (for the 12 with a flow collection closed at its
    // parent's indentation, which yaml-rust2 refuses, the reference's source map is partial and
    // the fast reader's is whole).
    assert!(fast >= 243, "only {fast} of {yaml_docs} YAML documents take the fast path: {missed:?}");
    assert!(fast_located >= 243, "only {fast_located} of {yaml_docs} YAML documents take the located fast path");
}

/// Hand-written cases: each must read as the reference reads it, or be refused. `F`: must take
/// the fast path in both modes; `P`: must take it when not recording positions; `?`: either.
const CASES: &[(char, &str)] = &[
    // Structure.
    ('F', "mainSteps:\n- name: a\n  outputs:\n  - Name: x\n    Type: y\n  isEnd: true\n"),
    ('F', "a:\n  b:\n    c: 1\n  d: 2\ne: 3\n"),
    ('F', "---\na: 1\n"),
    ('F', "# c\n---   # c\n# c\na: 1 # c\n  # odd comment\nb:    # c\n  - x   # c\n# c\n  - y\n"),
    ('F', "a:\nb: ~\nc: null\nd:\n\n"),
    ('F', "- a\n- - b\n  - c\n- - - d\n"),
    ('F', "- a: 1\n  b: 2\n- c:\n  - x\n  d: 3\n"),
    ('F', "-\n  a: 1\n-\n  - x\n"),
    ('P', "- \n- a\n-\n"),
    ('F', "a: 1"),
    ('F', "a:"),
    ('F', "a: |\n  x"),
    ('F', "  a: 1\n  b: 2\n"),
    ('F', "a: 1\n...\n"),
    ('?', "a: 1\n...\nb: 2\n"),
    ('?', "a: 1\n---\nb: 2\n"),
    ('?', ""),
    ('?', "---\n"),
    ('?', "# only a comment\n"),
    ('P', "\n\n"),
    ('F', "x\n"),
    ('F', "'x'\n"),
    ('F', "[a, b]\n"),
    ('F', "{a: 1}\n"),
    ('?', "a: 1\nb: 2\na: 3\n"),
    ('?', "a: 1\n  b: 2\n"),
    ('?', "a:\n  - x\n  b: 1\n"),
    ('?', "a: b: c\n"),
    ('?', "a: - b\n"),
    ('?', "a: 1\r\nb: 2\r\n"),
    ('?', "\u{feff}a: 1\n"),
    ('?', "a:\ttab\n"),
    ('?', "\ta: 1\n"),
    ('F', "a: 1   \nb:   x y   \n"),
    ('F', "k\u{e9}y: v\u{e9}l\nb: [\u{e9}, {c: \u{e9}}]\n"),
    ('?', "&a x: 1\n"),
    ('?', "a: &x 1\nb: *x\n"),
    ('?', "a: !!str 1\n"),
    ('?', "? a\n: b\n"),
    ('?', "%YAML 1.2\n---\na: 1\n"),
    ('?', "<<: {a: 1}\n"),
    // Plain scalars.
    (
        'F',
        "a: yes\nb: no\nc: 0755\nd: 1:30\ne: 2024-01-01\nf: .inf\ng: -.inf\nh: .nan\ni: 0x1F\nj: 1e3\nk: -0\nl: +12\n",
    ),
    ('F', "a: true\nb: False\nc: NULL\nd: ~\ne: 1.5\nf: 18446744073709551615\ng: -9223372036854775809\n"),
    ('F', "1: one\ntrue: t\nnull: n\n~: x\n0x1F: y\n"),
    ('F', "a: b#c\nd: e #f\ng: h:i\nj: 'k: l'\nm: http://x.y/z?q=1#f\n"),
    ('F', "a: x\n  y\n\n  z\n\n\n  w\nb: 1\n"),
    ('F', "- x\n  y # c\n- z\n"),
    ('?', "a: x\n  y: z\n"),
    ('?', "a: x\n  - y\n"),
    ('?', "a: x\n  # c\n  y\n"),
    ('F', "a: -1\nb: -x\nc: :x\nd: ?x\ne: x-\n"),
    ('?', "a: {{x}}y\n"),
    ('?', "a: [{{x}}]\n"),
    ('F', "a: x{{y}}\n"),
    ('?', "b: [x{{y}}]\n"),
    ('F', "a: x,y]z}\n"),
    // Quoted scalars.
    ('F', "a: 'it''s'\nb: \"q\\\"d\"\nc: ''\nd: \"\"\n"),
    ('F', "a: \"\\0\\a\\b\\t\\n\\v\\f\\r\\e\\ \\\"\\/\\\\\\N\\_\\L\\P\\x41\\u00e9\\U0001F600\"\n"),
    ('?', "a: \"\\q\"\n"),
    ('?', "a: \"\\'\"\n"),
    ('?', "a: \"\\ud800\"\n"),
    ('F', "a: 'one\n  two   \n\n  three'\nb: \"x  \n   y\\\n   z\\\n\n  w\\  \n  v\"\n"),
    ('F', "a: \"x\\ \n  y\"\n"),
    ('?', "a: 'x\ny'\n"),
    ('F', "'a b': 1\n\"c\\td\": 2\n"),
    ('F', "- 'a': 1\n  \"b\": 2\n- 'c'\n- \"d\"\n"),
    ('?', "a: 'x' y\n"),
    ('?', "a: 'x'#c\n"),
    ('F', "a: 'x' #c\n"),
    ('?', "'a\nb': 1\n"),
    // Block scalars.
    ('F', "a: |\n  x\n  y\n\nb: |-\n  x\n\n\nc: |+\n  x\n\n\nd: 1\n"),
    ('F', "a: >\n  x\n  y\n\n  z\n    more\n    indented\n  back\n\n\n  end\nb: >-\n  x\n  y\n"),
    ('F', "a: >\n\n  x\n\n   y\n  z\nb: >+\n  x\n\n"),
    ('F', "a: |\n    x\n  \n   \n     \n    y\n\n"),
    ('F', "a: |\n  # not a comment\n  x: y\n  - z\n# a comment\nb: 1\n"),
    ('F', "- |\n  x\n- >-\n  y\n- a: |\n    z\n  b: 2\n"),
    ('F', "a: |   # c\n  x\n"),
    ('?', "a: |2\n   x\n"),
    ('?', "a: |\nb: 1\n"),
    ('?', "a: |\n    \n  x\n"),
    ('?', "a: |\n  x\n   "),
    ('F', "a:\n  |\n   x\n"),
    ('F', "a: |\n  x\n...\n"),
    ('?', "a: |-\n  x\n  "),
    ('F', "a: |+\n  x"),
    ('F', "a: >\n  x\n  y"),
    ('F', "- |\n\n\n  x\n- >\n \n  y\n"),
    ('?', "- >\n   \n  y\n"),
    // Flow collections.
    ('F', "a: [1, 'b', \"c\", [d, e], {f: g}, ]\nb: {}\nc: []\nd: {h: , i: j}\n"),
    ('F', "a: [\n    x,\n    # c\n    y\n  ]\nb: {\n    \"k\": \"v\",\n    \"l\":[1,2]\n  }\n"),
    ('P', "a:\n  k: {\n    \"x\": \"1\",\n  }\n  l: 2\n"),
    ('P', "a:\n  k: [\n    x,\n  y]\n"),
    ('?', "a: [x\n  y]\n"),
    ('?', "a: [a: b]\n"),
    ('?', "a: {a, b}\n"),
    ('?', "a: [x,,y]\n"),
    ('?', "a: {x: 1, x: 2}\n"),
    ('?', "a: [x\n"),
    ('?', "a: {x: [1, {y: [2]}]}}\n"),
    ('F', "- [a]\n- {b: 1}\n- {}\n"),
    ('F', "a: ['x\n    y', \"z\n\n    w\"]\n"),
    ('?', "a: [x]: y\n"),
    ('F', "a: [http://x, a:b, 'c: d']\n"),
    ('?', "a: [- x]\n"),
    ('?', "- x y: {\n}  \n\n  a: |\n   a.b:"),
    ('P', "- x y: {\n}  \n\n  a: |-\n   a.b:"),
    ('?', "a: [\n    x,\n    :y:*\",\n  ]\n"),
    ('?', "a: [:y, ?z]\n"),
    ('?', "a: {:y: 1}\n"),
    ('F', "a: [-1, -x]\n"),
    ('F', "a: [1.5, 0x1F, .nan, yes]\n"),
];

#[test]
fn tricky_cases_read_the_same_or_are_refused() {
    let mut failures = Vec::new();
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    for (i, &(must, text)) in CASES.iter().enumerate() {
        match std::panic::catch_unwind(|| agrees(text)) {
            Ok((a, b)) => {
                if (must == 'F' && !(a && b)) || (must == 'P' && !a) {
                    failures.push(format!("case {i} must take the fast path (plain: {a}, located: {b}): {text:?}"));
                }
            }
            Err(e) => failures.push(format!("case {i}: {}", e.downcast_ref::<String>().cloned().unwrap_or_default())),
        }
    }
    std::panic::set_hook(hook);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

const KEYS: &[&str] = &["a", "b", "k1", "x y", "\"q\"", "'s'", "1", "null", "a.b", "\"\\t\""];
const PIECES: &[&str] = &[
    "a",
    "b c",
    "1",
    "1.5",
    "0755",
    "yes",
    "~",
    "'q'",
    "'it''s'",
    "\"d\\n\"",
    "\"e\\\\\"",
    "\"f\\ \"",
    "x #c",
    "x#y",
    "[1, b]",
    "{k: v}",
    "[",
    "]",
    "{",
    "}",
    ",",
    "|",
    "|-",
    "|+",
    ">",
    ">-",
    ">+",
    "",
    ":x",
    "-1",
    "http://x",
    "\"a",
    "b\"",
    "'a",
    "b'",
    "\\",
    "# c",
    "...",
    "---",
    "-",
    "? x",
    "&a x",
    "*a",
    "!t x",
    "x: y",
    "[a,\n",
    "{a: 1,\n",
    "\"x\\",
    "é",
    "{{ P }}",
    "'{{ P }}'",
    ".inf",
    "0x1F",
    "[]",
    "{}",
    "'a\n  b'",
    "\"a\n\n   b \\\n  c\"",
    ">\n  x\n\n   y\n  z",
    "|+\n  x\n\n",
    ">-\n   x\n  y",
    "[a,\n  b]",
    "{a: [1,\n 2]}",
    "x\n  y",
    "x\n\n y",
];

/// A random text of YAML-looking lines: keys, items, block scalar headers and text at random
/// indentations, blank lines, trailing spaces, no final line break.
fn random_doc(rng: &mut Rng) -> String {
    let mut out = String::new();
    for _ in 0..1 + rng.next() % 10 {
        out.push_str(&" ".repeat(*rng.pick(&[0, 0, 0, 1, 2, 2, 2, 3, 4, 4, 5, 6])));
        let piece = *rng.pick(PIECES);
        match rng.next() % 7 {
            0 | 1 => out.push_str(&format!("{}: {piece}", rng.pick(KEYS))),
            2 => out.push_str(&format!("{}:", rng.pick(KEYS))),
            3 => out.push_str(&format!("- {piece}")),
            4 => out.push_str(&format!("- {}: {piece}", rng.pick(KEYS))),
            5 => out.push_str(piece),
            _ => {}
        }
        if rng.next().is_multiple_of(8) {
            out.push_str("  ");
        }
        out.push('\n');
    }
    if rng.next().is_multiple_of(8) {
        out.pop();
    }
    out
}

/// Random YAML-looking texts: whenever the fast reader accepts one, the reference agrees.
/// `RUNBOOK_FUZZ_SECS` sets the budget (2 s by default).
#[test]
fn random_yaml_looking_texts_read_the_same_or_are_refused() {
    let secs = std::env::var("RUNBOOK_FUZZ_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(2);
    let budget = std::time::Duration::from_secs(secs);
    let mut rng = Rng(0x0fa5_7ea1 | std::env::var("RUNBOOK_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(1));
    let start = std::time::Instant::now();
    let (mut cases, mut taken) = (0u64, 0u64);
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut failure = None;
    while start.elapsed() < budget && failure.is_none() {
        let text = random_doc(&mut rng);
        match std::panic::catch_unwind(|| agrees(&text)) {
            Ok((a, b)) => taken += a as u64 + b as u64,
            Err(e) => failure = Some(e.downcast_ref::<String>().cloned().unwrap_or_default()),
        }
        cases += 1;
    }
    std::panic::set_hook(hook);
    eprintln!(
        "random YAML-looking texts: {cases} in {budget:?}; the fast reader accepted {taken} of {} tries",
        2 * cases
    );
    if let Some(f) = failure {
        panic!("{f}");
    }
    assert!(taken > cases / 10, "the fast reader accepted only {taken} of {} tries", 2 * cases);
}
