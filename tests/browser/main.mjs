// main.mjs — run RouteCare's browser tests against a running server.
//   RC_BASE=http://127.0.0.1:PORT RC_OUT=build/browser node main.mjs [TEST...]
// Normally started by ./run, which makes the data directory and the server. Prints one
// line per step, a summary, and exits 1 when any test (or the audit of every page the
// tests visited: CSP, inline script, console errors, dialogs) failed.
import { Audit, FAILURES, OUT, SHOTS, Test, launch } from './lib.mjs';
import { readdirSync } from 'node:fs';

const TESTS = ['keyboard', 'journey', 'conflict', 'escaping', 'csp', 'form', 'workflow', 'referral',
    'tracing', 'screens', 'weight'];
const want = process.argv.slice(2);
for (const w of want)
	if (!TESTS.includes(w)) {
		console.error(`unknown test ${w}; tests: ${TESTS.join(' ')}`);
		process.exit(2);
	}
const run = want.length ? TESTS.filter((n) => want.includes(n)) : TESTS;
const PER_TEST_MS = 90000;

const t0 = Date.now();
const browser = await launch();
console.log(`browser: ${browser.version()}; server: ${process.env.RC_BASE}`);
const audit = new Audit();
const results = [];

for (const name of run) {
	const mod = await import(`./t_${name}.mjs`);
	console.log(`\n# ${name}: ${mod.title}`);
	const t = new Test(name, browser, audit);
	const started = Date.now();
	let timer;
	try {
		await Promise.race([
			mod.default(t),
			new Promise((_, rej) => {
				timer = setTimeout(() => rej(new Error(`took longer than ${PER_TEST_MS / 1000} s`)),
				    PER_TEST_MS);
			}),
		]);
		results.push({ name, ok: true, ms: Date.now() - started });
	} catch (e) {
		const saved = await t.captureFailure();
		console.log(`  error: ${e.message.split(/\n\s*Call log:/)[0].split('\n')
			.filter((l) => l.trim()).slice(0, 8).join('\n         ')}`);
		if (e.stack && !(e.code === 'ERR_ASSERTION'))
			console.log(e.stack.split('\n').slice(1, 4).join('\n'));
		if (saved.length) console.log(`  saved: ${saved.join(' ')}`);
		results.push({ name, ok: false, ms: Date.now() - started, why: e.message.split('\n')[0] });
	} finally {
		clearTimeout(timer);
		await t.close();
	}
}
await browser.close();

// The audit of every page every test visited.
console.log(`\n# audit: every page the tests visited (${audit.documents} HTML documents, ` +
    `${audit.pages.size} paths, ${audit.responses} responses, ${audit.domReports} pages inspected)`);
if (audit.documents > 0 && audit.domReports === 0)
	audit.problem('audit', null, 'no page reported its markup: the inspection script did not run');
const seen = new Set();
for (const p of audit.problems) {
	const line = `${p.what} — ${p.url} (${p.test})`;
	if (seen.has(line)) continue;
	seen.add(line);
	console.log(`  FAIL ${line}`);
}
if (!audit.problems.length) console.log('  ok   CSP header exact, no violation, no inline script, style or handler attribute, no console error, no dialog');
results.push({ name: 'audit', ok: audit.problems.length === 0, ms: 0,
    why: `${seen.size} distinct problem(s)` });

console.log('\n# summary');
for (const r of results)
	console.log(`  ${r.ok ? 'pass' : 'FAIL'} ${r.name}${r.ok ? '' : ': ' + r.why} (${(r.ms / 1000).toFixed(1)} s)`);
let shots = [];
try { shots = readdirSync(SHOTS).filter((f) => f.endsWith('.png')); } catch { /* none */ }
console.log(`screenshots: ${shots.length} in ${SHOTS}`);
if (results.some((r) => !r.ok)) console.log(`failures: ${FAILURES}`);
console.log(`output: ${OUT}; ${((Date.now() - t0) / 1000).toFixed(1)} s`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
