// t_weight.mjs — fit for slow links: every main page's HTML is under 60 KB, and a repeat
// visit (static assets in the browser's cache) transfers under 60 KB in all, counted by
// Chromium itself (CDP Network.loadingFinished encodedDataLength: headers and body as
// received; the server does not compress, so this is the uncompressed size).
import assert from 'node:assert/strict';
import { KB, login, registerCase } from './lib.mjs';

export const title = 'page weight: HTML < 60 KB, repeat visit < 60 KB transferred';

const LIMIT = 60 * KB;

export default async function weight(t) {
	const ctx = await t.context();
	const page = await ctx.newPage();
	const cdp = await ctx.newCDPSession(page);
	await cdp.send('Network.enable');
	let seen = null;	// requests seen since measure() began: id → { url, bytes, cached }
	cdp.on('Network.requestWillBeSent', (e) => {
		if (seen) seen.set(e.requestId, { url: e.request.url, bytes: 0, cached: false });
	});
	cdp.on('Network.requestServedFromCache', (e) => {
		const r = seen?.get(e.requestId);
		if (r) r.cached = true;
	});
	cdp.on('Network.responseReceived', (e) => {
		const r = seen?.get(e.requestId);
		if (r && (e.response.fromDiskCache || e.response.fromPrefetchCache)) r.cached = true;
	});
	cdp.on('Network.loadingFinished', (e) => {
		const r = seen?.get(e.requestId);
		if (r) r.bytes = e.encodedDataLength;
	});

	// Visit `url` and return { doc: HTML bytes, total: bytes transferred, n, cached }.
	const measure = async (url) => {
		seen = new Map();
		const resp = await page.goto(url, { waitUntil: 'load' });
		await page.waitForLoadState('networkidle').catch(() => {});
		const body = await resp.body();
		const reqs = [...seen.values()];
		seen = null;
		return {
			status: resp.status(),
			doc: body.length,
			total: reqs.reduce((s, r) => s + r.bytes, 0),
			n: reqs.length,
			cached: reqs.filter((r) => r.cached).length,
			list: reqs.map((r) => `${new URL(r.url).pathname}=${r.bytes}${r.cached ? '(cache)' : ''}`),
		};
	};

	const rows = [];
	const check = (url, first, again) => {
		rows.push({ url, ...again, first: first.total });
		console.log(`       ${url}: HTML ${(again.doc / KB).toFixed(1)} KB; first visit ` +
		    `${(first.total / KB).toFixed(1)} KB in ${first.n}; repeat ${(again.total / KB).toFixed(1)} KB ` +
		    `in ${again.n} (${again.cached} from cache)`);
		assert.equal(again.status, 200, `${url} answered ${again.status}`);
		assert.ok(again.doc < LIMIT, `${url}: the HTML is ${again.doc} bytes`);
		assert.ok(again.total < LIMIT, `${url}: a repeat visit transferred ${again.total} bytes: ` +
		    again.list.join(' '));
	};

	await t.step('/login, signed out', async () => {
		const first = await measure('/login');
		check('/login', first, await measure('/login'));
	});

	let id;
	await t.step('sign in as horizon.supervisor (the agency\'s whole caseload)', async () => {
		await login(page, 'horizon.supervisor');
		id = await registerCase(page, { name_first: 'Weighty', sex: 'male', age: 16 });
	});

	// the case form shows one section at a time: the first, and the heaviest
	const urls = ['/home', '/cases', '/cases?query=a', '/cases/new', `/cases/${id}`,
	    `/cases/${id}/edit`, `/cases/${id}/edit?section=family_details`,
	    `/cases/${id}/edit?section=domv`, '/tasks', '/account'];
	const errors = [];
	for (const url of urls) {
		await t.step(url, async () => {
			const first = await measure(url);
			check(url, first, await measure(url));
		}).catch((e) => errors.push(e.message));
	}
	if (errors.length) throw new Error(errors.join('\n'));
}
