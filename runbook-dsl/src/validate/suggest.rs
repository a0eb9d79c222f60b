//! Did-you-mean: the declared name closest to a name that resolves to nothing.

/// The candidate closest to `name`, when it is close enough to be a typo: the same name in
/// another case, or at most one edit per three characters (at least one).
///
/// ```ignore
/// assert_eq!(closest("GetVersoning", ["GetVersioning", "Enable"]), Some("GetVersioning"));
/// ```
pub(crate) fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    let mut best: Option<(usize, &'a str)> = None;
    for c in candidates {
        if c == name {
            continue;
        }
        let d = if c.eq_ignore_ascii_case(name) { 0 } else { distance(name, c) };
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// `did you mean `X`? ` when a candidate is close to `name`, else nothing: the start of a hint.
pub(crate) fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(name, candidates).map(|c| format!("did you mean `{c}`? ")).unwrap_or_default()
}

/// Edit distance over chars where swapping two neighbours counts as one edit (optimal string
/// alignment), the usual typo.
fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for (i, row) in d.chunks_mut(w).enumerate() {
        row[0] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(w) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1).min(d[i * w + j - 1] + 1).min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
        }
    }
    d[a.len() * w + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_are_found_and_strangers_are_not() {
        assert_eq!(closest("GetVersoning", ["Enable", "GetVersioning"]), Some("GetVersioning"));
        assert_eq!(closest("bucketname", ["BucketName"]), Some("BucketName"));
        assert_eq!(closest("Status", ["Plan", "Versioning"]), None);
        assert_eq!(closest("A", ["B"]), Some("B"));
        assert_eq!(closest("Trise", ["Tries"]), Some("Tries"));
        assert_eq!(closest("X", std::iter::empty()), None);
        assert_eq!(did_you_mean("Stauts", ["Status"]), "did you mean `Status`? ");
        assert_eq!(did_you_mean("Zzz", ["Status"]), "");
    }
}
