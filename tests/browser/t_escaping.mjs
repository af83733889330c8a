// t_escaping.mjs — text a user typed is shown as text everywhere it appears: names like
// <script>alert(1)</script> and "><img src=x onerror=alert(1)> in the case list, the case
// page, the edit form, a form sent back with errors, search results and the search box,
// filters in the URL, the login form. Any dialog fails the test; no <img src=x> may exist.
// The user test.escape (created by `run`) has a full name that is markup too.
import assert from 'node:assert/strict';
import { BASE, fillCase, login, navigating, path, registerCase, saveCase, text } from './lib.mjs';

export const title = 'escaping: markup typed by users is shown as text everywhere';

const P1 = '<script>alert(1)</script>';
const P2 = '"><img src=x onerror=alert(1)>';

export default async function escaping(t) {
	const page = await t.page();
	let a, b;

	// Nothing ran and nothing was injected on the page now open.
	const clean = async (what) => {
		const r = await page.evaluate(() => ({
			imgX: document.querySelectorAll('img[src="x"]').length,
			inline: [...document.querySelectorAll('script')].filter((s) => !s.src).length,
			handlers: [...document.querySelectorAll('*')]
				.filter((e) => [...e.attributes].some((x) => /^on/i.test(x.name))).length,
		}));
		assert.deepEqual(t.dialogs, [], `${what}: a dialog opened`);
		assert.equal(r.imgX, 0, `${what}: an <img src=x> element exists`);
		assert.equal(r.inline, 0, `${what}: a <script> without src exists`);
		assert.equal(r.handlers, 0, `${what}: an element carries an on* attribute`);
	};
	const shows = async (what, s, selector = 'body') => {
		const got = await text(page, selector);
		assert.ok(got.includes(s), `${what}: ${selector} does not show ${JSON.stringify(s)} as text`);
	};

	await t.step('the login form sends back a markup username as text', async () => {
		await page.goto(`/login?lang=${encodeURIComponent(P2)}`);
		await clean('/login?lang=<markup>');
		await page.fill('input[name=username]', P2);
		await page.fill('input[name=password]', 'not the password');
		await navigating(page, () => page.click('#sign-in'));
		await page.locator('#login-error').waitFor({ state: 'visible' });
		await clean('/login after a failed sign-in');
		const kept = await page.locator('input[name=username]').inputValue();
		assert.ok(kept === P2 || kept === '', `the username field holds ${JSON.stringify(kept)}`);
	});

	await t.step('register a case named <script>alert(1)</script>', async () => {
		await login(page, 'test.escape');
		await clean('/home of a user whose full name is markup');
		a = await registerCase(page, { name_first: P1, name_last: 'Escape-A', sex: 'female', age: 11 });
		await clean(`case ${a}`);
		await shows(`case ${a}`, P1);
	});

	await t.step('a form with errors sends the markup back as values', async () => {
		await page.goto('/cases/new');
		await fillCase(page, { name_first: P2, name_last: 'Escape-B', name_nickname: P1, age: 12 });
		const hasAddress = await page.locator('#address_current').count();
		if (hasAddress) await page.fill('#address_current', `${P2}\n${P1}`);
		assert.equal(await saveCase(page), null, 'saved without sex');
		await page.locator('#error-summary').waitFor({ state: 'visible' });
		await clean('case form with errors');
		assert.equal(await page.locator('#name_first').inputValue(), P2);
		assert.equal(await page.locator('#name_nickname').inputValue(), P1);
		if (hasAddress)
			assert.equal(await page.locator('#address_current').inputValue(), `${P2}\n${P1}`);
	});

	await t.step('save it: the case named "><img src=x onerror=alert(1)> shows as text', async () => {
		await fillCase(page, { sex: 'male' });
		b = await saveCase(page);
		assert.ok(b, `saving led to ${page.url()}`);
		await clean(`case ${b}`);
		await shows(`case ${b}`, P2);
		await shows(`case ${b}`, P1);
		await t.shot(page, 'escaping-view');
	});

	await t.step('the case list shows both names as text', async () => {
		await page.goto('/cases');
		await clean('/cases');
		await shows('/cases', P1, '#case-list');
		await shows('/cases', P2, '#case-list');
		await t.shot(page, 'escaping-list');
	});

	await t.step('the edit forms hold the markup as values', async () => {
		await page.goto(`/cases/${a}/edit`);
		await clean(`/cases/${a}/edit`);
		assert.equal(await page.locator('#name_first').inputValue(), P1);
		await page.goto(`/cases/${b}/edit`);
		await clean(`/cases/${b}/edit`);
		assert.equal(await page.locator('#name_first').inputValue(), P2);
		assert.equal(await page.locator('#name_nickname').inputValue(), P1);
	});

	await t.step('searching for the markup keeps it as text in the search box', async () => {
		for (const q of [P1, P2]) {
			await page.goto('/cases');
			await page.fill('#case-search [name=query]', q);
			await navigating(page, () => page.click('#search'));
			await clean(`search ${q}`);
			assert.equal(await page.locator('#case-search [name=query]').inputValue(), q);
		}
	});

	await t.step('search by short id: the results show the names as text', async () => {
		for (const [id, name] of [[a, P1], [b, P2]]) {
			await page.goto(`/cases?query=${id}`);
			await clean(`search ${id}`);
			assert.equal(await page.locator(`#case-list a.case-link[href="/cases/${id}"]`).count(), 1,
			    `searching ${id} did not list it`);
			await shows(`search ${id}`, name, '#case-list');
		}
	});

	await t.step('markup in every filter of the URL is not markup on the page', async () => {
		const q = ['query', 'status', 'risk_level', 'sex', 'age_band', 'location', 'concern', 'page']
			.map((k) => `${k}=${encodeURIComponent(k === 'query' ? P2 : P1 + P2)}`).join('&');
		const resp = await page.goto(`/cases?${q}`);
		assert.ok(resp.status() < 500, `/cases with markup filters answered ${resp.status()}`);
		await clean('/cases with markup filters');
		const missing = `${BASE}/cases/${encodeURIComponent(P2)}`;
		t.audit.expected.add(missing);	// a 404 page, on purpose
		const r404 = await page.goto(missing);
		assert.equal(r404.status(), 404, `/cases/<markup> answered ${r404.status()}`);
		await clean('/cases/<markup>');
	});

	await t.step('no dialog opened on any page of this test', async () => {
		assert.deepEqual(t.dialogs, []);
		assert.ok(path(page));
	});
}
