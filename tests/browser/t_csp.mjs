// t_csp.mjs — the Content-Security-Policy holds. First a control: the recorder the tests
// inject (window.__cspViolations) runs under the page's CSP, and an inline script and a
// style attribute slipped into a page are blocked and recorded, so "zero violations" on
// the other pages means something. Then the main pages, signed in: the exact header on
// the document, no violation, no inline script, no style attribute. (Every page of every
// other test is checked the same way by the audit in lib.mjs.)
import assert from 'node:assert/strict';
import { CSP, login, registerCase } from './lib.mjs';

export const title = 'CSP: header on every response, no violation, no inline script or style';

export default async function csp(t) {
	await t.step('control: the recorder runs and records a blocked inline script and style', async () => {
		const page = await t.page();
		t.audit.ignore.add(page);	// the violations on this page are deliberate
		await page.goto('/login');
		assert.equal(await page.evaluate(() => Array.isArray(window.__cspViolations)), true,
		    'the init script did not run: window.__cspViolations is missing');
		assert.equal(await page.evaluate(() => window.__cspViolations.length), 0);
		const ran = await page.evaluate(async () => {
			const s = document.createElement('script');
			s.textContent = 'window.__inlineRan = true;';
			document.body.appendChild(s);
			const d = document.createElement('div');
			d.innerHTML = '<span style="color: red">x</span>';
			document.body.appendChild(d);
			await new Promise((r) => setTimeout(r, 200));
			return { ran: window.__inlineRan === true, v: window.__cspViolations.map((v) => v.directive) };
		});
		assert.equal(ran.ran, false, 'an injected inline script ran: the CSP does not hold');
		assert.ok(ran.v.some((d) => d.startsWith('script-src')), `no script-src violation recorded: ${ran.v}`);
		assert.ok(ran.v.some((d) => d.startsWith('style-src')), `no style-src violation recorded: ${ran.v}`);
		await page.context().close();
	});

	const page = await t.page();
	const responses = [];
	page.on('response', (r) => responses.push(r));
	let id;
	await t.step('sign in and register a case to look at', async () => {
		await login(page, 'horizon.cw2');
		id = await registerCase(page, { name_first: 'Selam', name_last: 'Policy', sex: 'female', age: 9 });
	});

	const errors = [];
	for (const url of ['/home', '/cases', '/cases?query=selam&risk_level=high', '/cases/new',
	    () => `/cases/${id}`, () => `/cases/${id}/edit`, '/account']) {
		const u = typeof url === 'function' ? url() : url;
		await t.step(`${u}: CSP header exact, no violation, no inline script or style attribute`, async () => {
			const resp = await page.goto(u);
			assert.equal(resp.status(), 200);
			assert.equal((resp.headers()['content-security-policy'] || '').trim(), CSP);
			await page.waitForLoadState('load');
			const r = await page.evaluate(() => ({
				v: window.__cspViolations,
				inline: [...document.querySelectorAll('script')].filter((s) => !s.src).length,
				styled: document.querySelectorAll('[style]').length,
				styles: document.querySelectorAll('style').length,
			}));
			assert.deepEqual(r.v, [], 'CSP violations');
			assert.equal(r.inline, 0, 'inline <script> elements');
			assert.equal(r.styled, 0, 'style attributes');
			assert.equal(r.styles, 0, '<style> elements');
		}).catch((e) => errors.push(e.message));
	}
	if (errors.length) throw new Error(errors.join('\n'));

	await t.step('every response from the server (assets too) carried the CSP header', async () => {
		const ours = responses.filter((r) => r.url().startsWith(new URL(page.url()).origin));
		const bad = ours.filter((r) => (r.headers()['content-security-policy'] || '').trim() !== CSP)
			.map((r) => r.url());
		assert.deepEqual(bad, []);
		const assets = [...new Set(ours.filter((r) => ['script', 'stylesheet', 'image', 'font']
			.includes(r.request().resourceType())).map((r) => new URL(r.url()).pathname))];
		console.log(`       ${ours.length} responses; assets: ${assets.join(' ') || 'none'}`);
	});
}
