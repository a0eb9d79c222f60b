#!/usr/bin/env node
// Renders every Mermaid diagram in the given files or folders with the `mermaid` package inside
// headless Chromium (Debian's /usr/bin/chromium, driven by puppeteer-core) and fails on any
// syntax or render error.
//
//   node tools/mermaid-check/check.js [--png DIR] FILE|DIR ...
//
// - `.mmd` files are one diagram each; `.md` files contribute every ```mermaid block.
//   Folders are searched recursively.
// - `--png DIR` also saves each rendered diagram as a PNG for a person to look at. DIR must be
//   outside the repository (nothing here writes into the work tree).
// - Output: one line per diagram (`ok` or `FAIL: <error>`), then `N passed, M failed`.
//   Exit status: 0 all rendered, 1 a diagram failed, 2 usage or setup error.
// - CHROMIUM=/path overrides the browser.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');

const REPO = path.resolve(__dirname, '..', '..');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

function usage(msg) {
  console.error(`mermaid-check: ${msg}\nusage: node tools/mermaid-check/check.js [--png DIR] FILE|DIR ...`);
  process.exit(2);
}

function parseArgs(argv) {
  const out = { png: null, inputs: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--png') {
      if (i + 1 >= argv.length) usage('--png needs a folder');
      out.png = path.resolve(argv[++i]);
    } else if (argv[i] === '-h' || argv[i] === '--help') {
      usage('help');
    } else {
      out.inputs.push(argv[i]);
    }
  }
  if (out.inputs.length === 0) usage('give at least one file or folder');
  if (out.png) {
    const rel = path.relative(REPO, out.png);
    if (!rel.startsWith('..') && !path.isAbsolute(rel)) {
      usage(`--png ${out.png} is inside the repository; give a folder outside it (e.g. /tmp/diagrams)`);
    }
  }
  return out;
}

function walk(p, out) {
  const st = fs.statSync(p, { throwIfNoEntry: false });
  if (!st) usage(`${p}: no such file or folder`);
  if (st.isDirectory()) {
    for (const name of fs.readdirSync(p).sort()) {
      if (name === 'node_modules' || name.startsWith('.')) continue;
      const child = path.join(p, name);
      const cst = fs.statSync(child);
      if (cst.isDirectory() || /\.(mmd|md)$/.test(name)) walk(child, out);
    }
  } else {
    out.push(p);
  }
}

// Every diagram of a file: {name, source}.
function diagramsOf(file) {
  const text = fs.readFileSync(file, 'utf8');
  if (file.endsWith('.md')) {
    const found = [];
    const re = /^```mermaid[ \t]*\n([\s\S]*?)^```[ \t]*$/gm;
    let m;
    let n = 0;
    while ((m = re.exec(text)) !== null) {
      n += 1;
      found.push({ name: `${file}#${n}`, source: m[1] });
    }
    return found;
  }
  return [{ name: file, source: text }];
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const files = [];
  for (const input of args.inputs) walk(input, files);
  const diagrams = files.flatMap(diagramsOf);
  if (diagrams.length === 0) usage(`no diagrams found in ${args.inputs.join(' ')}`);
  if (!fs.existsSync(CHROMIUM)) {
    usage(`${CHROMIUM} is missing; install Debian's chromium (apt-get install -y chromium)`);
  }
  let puppeteer;
  try {
    puppeteer = require('puppeteer-core');
  } catch (e) {
    usage(`puppeteer-core is not installed; run \`npm ci\` in ${__dirname}`);
  }
  const mermaidJs = path.join(__dirname, 'node_modules', 'mermaid', 'dist', 'mermaid.min.js');
  if (!fs.existsSync(mermaidJs)) usage(`mermaid is not installed; run \`npm ci\` in ${__dirname}`);
  if (args.png) fs.mkdirSync(args.png, { recursive: true });

  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'mermaid-check-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: profile,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  let failed = 0;
  try {
    const page = await browser.newPage();
    await page.setContent('<!doctype html><html><body></body></html>');
    await page.addScriptTag({ path: mermaidJs });
    await page.evaluate(() => {
      // eslint-disable-next-line no-undef
      mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });
    });
    const shots = args.png ? await browser.newPage() : null;
    for (let i = 0; i < diagrams.length; i++) {
      const d = diagrams[i];
      const result = await page.evaluate(async (source, id) => {
        try {
          // eslint-disable-next-line no-undef
          await mermaid.parse(source);
          // eslint-disable-next-line no-undef
          const { svg } = await mermaid.render(id, source);
          if (/Syntax error in text/.test(svg)) return { ok: false, error: 'mermaid drew its syntax-error picture' };
          return { ok: true, svg };
        } catch (e) {
          return { ok: false, error: String((e && e.message) || e) };
        }
      }, d.source, `diagram${i}`);
      if (!result.ok) {
        failed += 1;
        console.log(`FAIL: ${d.name}: ${result.error.split('\n').join('\n    ')}`);
        continue;
      }
      console.log(`ok: ${d.name}`);
      if (shots) {
        await shots.setContent(
          `<!doctype html><html><body style="margin:0;padding:16px;background:#fff">${result.svg}</body></html>`,
        );
        const el = await shots.$('svg');
        const base = path.basename(d.name).replace(/[^A-Za-z0-9._-]/g, '_').replace(/\.(mmd|md)/, '');
        if (el) await el.screenshot({ path: path.join(args.png, `${base}.png`) });
      }
    }
  } finally {
    await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  console.log(`${diagrams.length - failed} passed, ${failed} failed`);
  if (args.png) console.error(`mermaid-check: PNGs in ${args.png}`);
  process.exit(failed === 0 ? 0 : 1);
}

main().catch((e) => {
  console.error(`mermaid-check: ${(e && e.stack) || e}`);
  process.exit(2);
});
