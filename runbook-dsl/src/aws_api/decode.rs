//! Decoder of the API-model snapshot (`runbook-dsl/data/aws-models/models.txt`, written by
//! `tools/aws-models/generate.py` from botocore). Plain std: the macro crate includes this same
//! file with `#[path]`, so the compile-time checks of `api!` and the validator read one snapshot
//! through one decoder.

use std::sync::OnceLock;

/// The snapshot, embedded at build time (no network, no file at run time).
pub const DATA: &str = include_str!("../../data/aws-models/models.txt");

/// A primitive type of botocore's models.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prim {
    /// `string` (not an enum).
    String,
    /// `integer` or `long`.
    Integer,
    /// `boolean`.
    Boolean,
    /// `float` or `double`.
    Float,
    /// `timestamp` (ISO-8601 text, or epoch seconds).
    Timestamp,
    /// `blob` (bytes, given as text).
    Blob,
    /// `document`: any JSON value.
    Document,
}

impl Prim {
    /// The word a message uses: `a string`, `an integer`, ...
    pub fn word(self) -> &'static str {
        match self {
            Prim::String => "a string",
            Prim::Integer => "an integer",
            Prim::Boolean => "a boolean",
            Prim::Float => "a number",
            Prim::Timestamp => "a timestamp",
            Prim::Blob => "a blob (text)",
            Prim::Document => "any JSON value",
        }
    }
}

/// What a member, list item or map value holds: a primitive or a named shape of the service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A primitive value.
    Prim(Prim),
    /// A structure, list, map or enum of the same service.
    Shape(String),
}

/// A member of a structure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// The name boto3 takes and returns.
    pub name: String,
    /// Its type.
    pub target: Target,
    /// Whether a request must give it.
    pub required: bool,
}

/// A named shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Named members.
    Structure(Vec<Member>),
    /// A list of one type.
    List(Target),
    /// A map from keys to values.
    Map(Target, Target),
    /// A string with a closed set of values.
    Enum(Vec<String>),
}

/// An API operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation {
    /// The model's name (`GetBucketVersioning`).
    pub name: String,
    /// boto3's method name (`get_bucket_versioning`).
    pub method: String,
    /// The request structure, if the operation takes one.
    pub input: Option<String>,
    /// The response structure, if the operation returns one.
    pub output: Option<String>,
}

/// One service's operations and shapes, each decoded when first asked for (one `ec2` call
/// reaches one of its hundreds of operations and a few of its thousands of shapes).
#[derive(Clone, Debug, Default)]
pub struct Service {
    /// Operation lines, sorted by operation name.
    ops: Vec<&'static str>,
    /// Operations decoded so far, as `ops`.
    decoded_ops: Vec<OnceLock<Operation>>,
    /// Shape names, in the block's order (a reference `n` names `names[n - 8]`).
    names: Vec<&'static str>,
    /// Member names, in the block's order.
    members: Vec<&'static str>,
    /// Each shape's definition line, as `names`.
    lines: Vec<&'static str>,
    /// Shapes decoded so far, as `names`.
    decoded: Vec<OnceLock<Shape>>,
}

impl Service {
    /// The operation written `api`: the model's name or boto3's method name, exactly.
    pub fn operation(&self, api: &str) -> Option<&Operation> {
        // Operation lines start with the name and are sorted by it (checked by `parse_service`).
        let by_name = self.ops.binary_search_by(|line| first_field(line).cmp(api));
        let i = by_name.ok().or_else(|| (0..self.ops.len()).find(|&i| self.method_is(i, api)))?;
        self.operation_at(i)
    }

    /// Every operation, sorted by name.
    pub fn operations(&self) -> impl Iterator<Item = &Operation> + '_ {
        (0..self.ops.len()).filter_map(|i| self.operation_at(i))
    }

    /// Operation `i`, decoded on first use.
    fn operation_at(&self, i: usize) -> Option<&Operation> {
        on_first_use(&self.decoded_ops[i], || decode_operation(self.ops[i], &self.names))
    }

    /// Whether boto3's method name of operation `i` is `api`, without decoding it.
    fn method_is(&self, i: usize, api: &str) -> bool {
        let mut f = self.ops[i].split('\t');
        let name = f.next().unwrap_or_default();
        match f.nth(2) {
            Some(method) => method == api,
            None => snake_chars(name).eq(api.chars()),
        }
    }

    /// The shape named `name`, decoded on first use.
    pub fn shape(&self, name: &str) -> Option<&Shape> {
        // The generator writes a block's names sorted (checked by `parse_service`).
        let i = self.names.binary_search(&name).ok()?;
        on_first_use(&self.decoded[i], || self.decode_shape(i))
    }

    /// Every shape name of the service (for tests that decode them all).
    #[cfg(test)]
    pub(crate) fn shape_names(&self) -> &[&'static str] {
        &self.names
    }

    /// Decodes the definition line of shape `i`.
    fn decode_shape(&self, i: usize) -> Result<Shape, String> {
        let (name, line, names) = (self.names[i], self.lines[i], &self.names);
        let bad = || format!("bad definition of shape `{name}`: `{line}`");
        let t = |r: &str| target(r, names).ok_or_else(bad);
        let (kind, body) = line.split_at_checked(1).ok_or_else(bad)?;
        Ok(match kind {
            "S" => {
                let mut ms = Vec::new();
                for m in body.split(' ').filter(|m| !m.is_empty()) {
                    let at = m.find(['=', '!']).ok_or_else(bad)?;
                    let member = base62(&m[..at]).and_then(|i| self.members.get(i)).ok_or_else(bad)?;
                    ms.push(Member {
                        name: member.to_string(),
                        target: t(&m[at + 1..])?,
                        required: &m[at..=at] == "!",
                    });
                }
                Shape::Structure(ms)
            }
            "L" => Shape::List(t(body)?),
            "M" => {
                let (k, v) = body.split_once(' ').ok_or_else(bad)?;
                Shape::Map(t(k)?, t(v)?)
            }
            "E" => Shape::Enum(fields(body).into_iter().map(str::to_string).collect()),
            _ => return Err(bad()),
        })
    }
}

/// What `cell` holds, decoded by `decode` the first time it is asked for. Every line was
/// checked when the service was read (`parse_service`), or by the test that decodes them all
/// (`parse_service_unchecked`), so this decodes; a line that did not would be `None`.
fn on_first_use<T>(cell: &OnceLock<T>, decode: impl FnOnce() -> Result<T, String>) -> Option<&T> {
    if let Some(v) = cell.get() {
        return Some(v);
    }
    let v = decode().ok()?;
    Some(cell.get_or_init(|| v))
}

/// A service of the index: its names and where its block is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// boto3's client name (`s3`, `elbv2`): what `Service:` takes.
    pub name: String,
    /// botocore's serviceId (`S3`, `Elastic Load Balancing v2`).
    pub id: String,
    /// The endpoint prefix (`s3`, `elasticloadbalancing`).
    pub prefix: String,
    /// The name requests are signed for (botocore's `signingName`, else the endpoint prefix):
    /// usually the IAM prefix of its actions (`monitoring` is one exception: `cloudwatch`).
    pub signing: String,
    /// Other client names botocore accepts for it (`runtime.sagemaker`).
    pub aliases: Vec<String>,
    /// Byte range of the block in the body.
    pub range: (usize, usize),
}

/// The index: model version and the services.
#[derive(Clone, Debug)]
pub struct Index {
    /// `botocore 1.43.11`.
    pub version: String,
    /// Services, sorted by name.
    pub entries: Vec<Entry>,
    /// Where the blocks start in the data.
    pub body: usize,
}

impl Index {
    /// The service whose client name or alias is `name`, exactly.
    pub fn find(&self, name: &str) -> Option<usize> {
        // Entries are sorted by name (the generator sorts them); aliases are few.
        self.entries
            .binary_search_by(|e| e.name.as_str().cmp(name))
            .ok()
            .or_else(|| self.entries.iter().position(|e| e.aliases.iter().any(|a| a == name)))
    }

    /// The client name a wrong `name` most likely means: another case of it, the service whose
    /// serviceId or endpoint prefix it is, or the closest client name.
    pub fn suggest(&self, name: &str) -> Option<&str> {
        let es = &self.entries;
        let norm = |s: &str| s.to_ascii_lowercase().replace([' ', '-', '_'], "");
        let n = norm(name);
        es.iter()
            .find(|e| e.name.eq_ignore_ascii_case(name))
            .or_else(|| es.iter().find(|e| norm(&e.id) == n || e.prefix == name))
            .map(|e| e.name.as_str())
            .or_else(|| did_you_mean(name, es.iter().map(|e| e.name.as_str())))
    }
}

/// Reads the index lines of `data`.
pub fn parse_index(data: &str) -> Result<Index, String> {
    let mut lines = data.split_inclusive('\n');
    let head = lines.next().ok_or("empty snapshot")?;
    let mut f = head.trim_end().split('\t');
    if f.next() != Some("#aws-models") {
        return Err("not an aws-models snapshot".into());
    }
    let version = f.next().ok_or("no version")?.to_string();
    let mut pos = head.len();
    let mut entries = Vec::new();
    for line in lines {
        pos += line.len();
        let line = line.trim_end_matches('\n');
        if line == "#end-index" {
            return Ok(Index { version, entries, body: pos });
        }
        let f: Vec<&str> = line.split('\t').collect();
        let [name, id, prefix, signing, aliases, off, len] = f[..] else {
            return Err(format!("bad index line `{line}`"));
        };
        let num = |s: &str| s.parse::<usize>().map_err(|_| format!("bad number in `{line}`"));
        entries.push(Entry {
            name: name.into(),
            id: id.into(),
            prefix: prefix.into(),
            signing: signing.into(),
            aliases: aliases.split(',').filter(|a| !a.is_empty()).map(str::to_string).collect(),
            range: (num(off)?, num(len)?),
        });
    }
    Err("index not terminated".into())
}

/// A number in base 62 (`0-9a-zA-Z`), as the snapshot writes references.
fn base62(s: &str) -> Option<usize> {
    if s.is_empty() {
        return None;
    }
    s.bytes().try_fold(0usize, |n, c| {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'z' => c - b'a' + 10,
            b'A'..=b'Z' => c - b'A' + 36,
            _ => return None,
        };
        n.checked_mul(62)?.checked_add(usize::from(d))
    })
}

/// A target reference: 0-7 a primitive, 8 and up the shape `names[n - 8]`.
fn target(r: &str, names: &[&str]) -> Option<Target> {
    const PRIMS: [Prim; 8] = [
        Prim::String,
        Prim::Integer,
        Prim::Integer,
        Prim::Boolean,
        Prim::Float,
        Prim::Timestamp,
        Prim::Blob,
        Prim::Document,
    ];
    let n = base62(r)?;
    match n.checked_sub(PRIMS.len()) {
        None => Some(Target::Prim(PRIMS[n])),
        Some(i) => names.get(i).map(|s| Target::Shape(s.to_string())),
    }
}

/// boto3's method name for an operation, as the snapshot assumes it unless it says otherwise:
/// `_` before a capital that follows a lower-case letter or digit, and before the last capital
/// of a run that a lower-case letter follows; then lower case (`DescribeDBInstances` ->
/// `describe_db_instances`). The generator writes the method where botocore's differs.
pub fn snake(name: &str) -> String {
    snake_chars(name).collect()
}

/// The characters of [`snake`]`(name)`, one by one (compared without building the string).
fn snake_chars(name: &str) -> impl Iterator<Item = char> + '_ {
    let b = name.as_bytes();
    name.char_indices().flat_map(move |(i, ch)| {
        let prev = i.checked_sub(1).map(|p| b[p]);
        let next = b.get(i + 1);
        let cut = ch.is_ascii_uppercase()
            && prev.is_some_and(|p| {
                p.is_ascii_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_ascii_uppercase() && next.is_some_and(u8::is_ascii_lowercase))
            });
        [cut.then_some('_'), Some(ch.to_ascii_lowercase())].into_iter().flatten()
    })
}

/// Splits a tab-separated line; an empty line has no fields.
fn fields(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    if !line.is_empty() {
        let mut start = 0;
        for end in memchr::memchr_iter(b'\t', line.as_bytes()) {
            out.push(&line[start..end]);
            start = end + 1;
        }
        out.push(&line[start..]);
    }
    out
}

/// Decodes one service's block (format: `tools/aws-models/generate.py`): the lines now, each
/// operation and shape when first asked for. Every line is checked here, so a
/// corrupt block is an error at once, not a missing shape later.
pub fn parse_service(block: &'static str) -> Result<Service, String> {
    read_service(block, true)
}

/// [`parse_service`] for the embedded snapshot at run time: the operation and shape lines are
/// left to [`Service::operation`] and [`Service::shape`] (the snapshot is ours;
/// `every_operation_and_shape_of_every_service_decodes_on_demand` decodes them all in the
/// tests), so a service costs splitting its block into lines.
pub fn parse_service_unchecked(block: &'static str) -> Result<Service, String> {
    read_service(block, false)
}

fn read_service(block: &'static str, check: bool) -> Result<Service, String> {
    let mut lines = lines(block);
    let names = fields(lines.next().ok_or("empty model block")?);
    let members = fields(lines.next().ok_or("no member names in a model block")?);
    let mut defs = Vec::with_capacity(names.len());
    for name in &names {
        defs.push(lines.next().ok_or_else(|| format!("no definition of shape `{name}`"))?);
    }
    let ops: Vec<&'static str> = lines.collect();
    let s = Service {
        decoded_ops: ops.iter().map(|_| OnceLock::new()).collect(),
        ops,
        decoded: names.iter().map(|_| OnceLock::new()).collect(),
        names,
        members,
        lines: defs,
    };
    if check {
        if let Some(w) = s.names.windows(2).find(|w| w[0] >= w[1]) {
            return Err(format!("shape names not sorted: `{}` before `{}`", w[0], w[1]));
        }
        for i in 0..s.names.len() {
            check_shape_line(&s, i)?;
        }
        if let Some(w) = s.ops.windows(2).find(|w| first_field(w[0]) >= first_field(w[1])) {
            return Err(format!("operations not sorted: `{}` before `{}`", w[0], w[1]));
        }
        for (i, line) in s.ops.iter().enumerate() {
            let op = decode_operation(line, &s.names)?;
            let _ = s.decoded_ops[i].set(op);
        }
    }
    Ok(s)
}

/// Decodes an operation line: `<Operation>\t<input>\t<output>[\t<boto3 method>]`.
fn decode_operation(line: &str, names: &[&str]) -> Result<Operation, String> {
    let bad = || format!("bad operation line `{line}`");
    let name_of = |r: &str| -> Result<Option<String>, String> {
        match r {
            "" => Ok(None),
            r => match target(r, names) {
                Some(Target::Shape(n)) => Ok(Some(n)),
                _ => Err(bad()),
            },
        }
    };
    let (name, input, output, method) = match fields(line)[..] {
        [name, input, output] => (name, input, output, snake(name)),
        [name, input, output, method] => (name, input, output, method.to_string()),
        _ => return Err(bad()),
    };
    Ok(Operation { name: name.into(), method, input: name_of(input)?, output: name_of(output)? })
}

/// The lines of a block, as [`str::lines`] gives them, found with a vectorised search (a block
/// is up to a quarter of a megabyte; `ec2`'s is read on the first `ec2` call).
fn lines(block: &str) -> impl Iterator<Item = &str> {
    let body = block.strip_suffix('\n').unwrap_or(block);
    let mut start = 0;
    let ends = memchr::memchr_iter(b'\n', body.as_bytes()).chain((!block.is_empty()).then_some(body.len()));
    ends.map(move |end| {
        let line = &body[start..end];
        start = end + 1;
        line.strip_suffix('\r').unwrap_or(line)
    })
}

/// The first tab-separated field of a line.
fn first_field(line: &str) -> &str {
    memchr::memchr(b'\t', line.as_bytes()).map_or(line, |end| &line[..end])
}

/// Checks shape `i`'s definition line without building it: its kind, and that every reference
/// names a primitive, a shape or a member of the block.
fn check_shape_line(s: &Service, i: usize) -> Result<(), String> {
    let (name, line) = (s.names[i], s.lines[i]);
    let bad = || format!("bad definition of shape `{name}`: `{line}`");
    let target_ok = |r: &str| base62(r).is_some_and(|n| n < 8 + s.names.len());
    let (kind, body) = line.split_at_checked(1).ok_or_else(bad)?;
    let ok = match kind {
        "S" => body.split(' ').filter(|m| !m.is_empty()).all(|m| {
            m.find(['=', '!'])
                .is_some_and(|at| base62(&m[..at]).is_some_and(|k| k < s.members.len()) && target_ok(&m[at + 1..]))
        }),
        "L" => target_ok(body),
        "M" => body.split_once(' ').is_some_and(|(k, v)| target_ok(k) && target_ok(v)),
        "E" => true,
        _ => false,
    };
    ok.then_some(()).ok_or_else(bad)
}

/// The block of `entry` in `data`.
pub fn block<'d>(data: &'d str, index: &Index, entry: &Entry) -> &'d str {
    let start = index.body + entry.range.0;
    &data[start..start + entry.range.1]
}

/// Edit distance between two names, case-insensitive, where swapping two neighbours counts as
/// one edit (optimal string alignment: the usual typo). The one distance of the project: the
/// validator's did-you-mean and the macros use it.
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
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

/// The candidate closest to `name`, if close enough to be a likely typo: at most a third of
/// the name's length in edits (at least 1, at most 4), or one name holding the other
/// (`BucketName` for `Bucket`); a case-only difference always qualifies.
pub fn did_you_mean<'c>(name: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let limit = (name.chars().count() / 3).clamp(1, 4);
    let lower = name.to_lowercase();
    let holds = |c: &str| {
        let c = c.to_lowercase();
        c.len().min(lower.len()) >= 3 && (c.contains(&lower) || lower.contains(&c))
    };
    candidates
        .into_iter()
        .map(|c| (distance(name, c), c))
        .filter(|(d, c)| *d <= limit || holds(c))
        .min_by_key(|(d, c)| (*d, c.len()))
        .map(|(_, c)| c)
}
