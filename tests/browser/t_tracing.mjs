// t_tracing.mjs — family tracing in the browser: a caseworker registers a child with
// consent for tracing; the FTR officer registers a family's tracing request for that
// child under another spelling, sees the match with its explanation on the request
// page, rejects it and sees it go; the pages hold at 360 px and in Arabic.
import assert from 'node:assert/strict';
import { PHONE, fillCase, htmlAttrs, login, navigating, noHorizontalScroll, path, peek,
    registerCase, switchLanguageInHeader, text } from './lib.mjs';

export const title = 'register a tracing request, see the match explained, reject it';

export default async function tracing(t) {
	const today = new Date().toISOString().slice(0, 10);
	let caseId, sid;

	await t.step('a caseworker registers Tesfalem Gebrehiwet, 11, with consent for tracing', async () => {
		const page = await t.page();
		await login(page, 'horizon.cw1');
		caseId = await registerCase(page, {
			name_first: 'Tesfalem', name_last: 'Gebrehiwet', sex: 'male', age: 11,
			'consent_per_purpose-0-consent_purpose': 'tracing',
			'consent_per_purpose-0-consent_given_by': 'caregiver',
			'consent_per_purpose-0-consent_granted': true,
			'consent_per_purpose-0-consent_date': today,
			'consent_per_purpose-1-consent_purpose': 'tracing',
			'consent_per_purpose-1-consent_given_by': 'child',
			'consent_per_purpose-1-consent_granted': true,
			'consent_per_purpose-1-consent_date': today,
		});
		await page.context().close();
	});

	const page = await t.page({ viewport: PHONE });
	await t.step('the FTR officer opens Tracing from the menu and registers a request', async () => {
		await login(page, 'horizon.ftr');
		await navigating(page, () => page.click('nav a[href="/tracing"]'));
		assert.equal(path(page), '/tracing');
		await navigating(page, () => page.click('#new-tracing'));
		assert.equal(path(page), '/tracing/new');
		await fillCase(page, {
			relation_name: 'Letebrhan Gebrehiwet', relation: 'mother', consent_for_tracing: true,
			'tracing_request_subform_section-0-name': 'Tesfaalem Gebrehiwot',
			'tracing_request_subform_section-0-sex': 'male',
			'tracing_request_subform_section-0-age': 12,
		});
		await navigating(page, () => page.click('#save'));
		const m = /^\/tracing\/([a-z0-9]{7})$/.exec(path(page));
		assert.ok(m, `saving led to ${page.url()}; errors: ${await peek(page, '#error-summary')}`);
		sid = m[1];
	});

	const card = () => page.locator(`li.card:has(a[href="/cases/${caseId}"])`);
	await t.step('the request page shows the case as a match, explained in words', async () => {
		assert.equal(await card().count(), 1, `no match card for /cases/${caseId}: ` +
		    `${(await text(page, '#trace-1')).slice(0, 300)}`);
		const c = await card().textContent();
		assert.match(c, /The names (sound|are) the same/);
		assert.match(c, /Ages agree within a year/);
		assert.match(c, /score \d+%/);
		await noHorizontalScroll(page, 'tracing request page at 360 px');
		await t.shot(page, 'tracing-request-360');
	});

	await t.step('the page in Arabic is right-to-left', async () => {
		await switchLanguageInHeader(page, 'ar');
		assert.deepEqual(await htmlAttrs(page), { lang: 'ar', dir: 'rtl' });
		await noHorizontalScroll(page, 'tracing request page in Arabic');
		await t.shot(page, 'tracing-request-ar');
		await switchLanguageInHeader(page, 'en');
	});

	await t.step('"Not a match": saved, and the case is no longer offered', async () => {
		await navigating(page, () => card().locator('button[value="not_a_match"]').click());
		assert.equal(path(page), `/tracing/${sid}`);
		assert.match(await text(page), /The decision has been saved/);
		assert.equal(await card().count(), 0, 'the rejected case is still offered');
	});
}
