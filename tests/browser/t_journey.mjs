// t_journey.mjs — a caseworker's day: sign in, register a case with an Arabic-script name
// (a validation error first), find it by its Latin spelling, edit it, see the edit in its
// history, switch to Arabic (right-to-left), switch back, sign out.
import assert from 'node:assert/strict';
import {
	DESKTOP, PHONE, fillCase, historyEntries, htmlAttrs, login, navigating,
	noHorizontalScroll, path, peek, saveCase, switchLanguageInHeader, text,
} from './lib.mjs';

export const title = 'main journey: register (Arabic name), find by Latin spelling, edit, history, Arabic, sign out';

export default async function journey(t) {
	const page = await t.page({ viewport: PHONE });
	let id;

	await t.step('sign in as horizon.cw1 at 360 px and land on /home', async () => {
		await login(page, 'horizon.cw1');
		assert.equal(path(page), '/home');
		await page.locator('#page-title').waitFor();
		assert.equal(await page.locator('#sign-out').count(), 1, 'no #sign-out');
		assert.equal(await page.locator('form[action="/account/language"] select[name=language]')
		    .count(), 1, 'no language switcher in the header');
		await t.shot(page, 'journey-home-360');
	});

	await t.step('open the case form through /cases and #new-case', async () => {
		await page.goto('/cases');
		await navigating(page, () => page.click('#new-case'));
		assert.equal(path(page), '/cases/new');
	});

	await t.step('submit without sex: #error-summary and #error-sex, typed values kept', async () => {
		await fillCase(page, {
			name_original_script: 'محمد عبد الرحمن', name_first: 'محمد',
			age: 15, risk_level: 'high',
		});
		assert.equal(await page.locator('#sex').inputValue(), '', 'sex is preset; the test needs it empty');
		const id0 = await saveCase(page);
		assert.equal(id0, null, `a case without sex was saved (${page.url()})`);
		await page.locator('#error-summary').waitFor({ state: 'visible' });
		await page.locator('#error-sex').waitFor({ state: 'visible' });
		assert.match(await text(page, '#error-summary'), /\S/, '#error-summary is empty');
		assert.equal(await page.locator('#name_first').inputValue(), 'محمد');
		assert.equal(await page.locator('#name_original_script').inputValue(), 'محمد عبد الرحمن');
		assert.equal(await page.locator('#age').inputValue(), '15');
		assert.equal(await page.locator('#risk_level').inputValue(), 'high');
		await noHorizontalScroll(page, 'case form with an error at 360 px');
		await t.shot(page, 'journey-form-error-360');
	});

	await t.step('choose sex and save: the case page shows the name', async () => {
		await fillCase(page, { sex: 'male' });
		id = await saveCase(page);
		assert.ok(id, `saving led to ${page.url()}; errors: ${await peek(page, '#error-summary')}`);
		const body = await text(page);
		assert.ok(body.includes('محمد عبد الرحمن'), 'the Arabic-script name is not on the case page');
		assert.equal(await page.locator('#edit-case').count(), 1, 'no #edit-case');
		await t.shot(page, 'journey-view-360');
		console.log(`       case ${id}`);
	});

	const search = async (q) => {
		await page.goto('/cases');
		await page.fill('#case-search [name=query]', q);
		await navigating(page, () => page.click('#search'));
		assert.equal(new URL(page.url()).searchParams.get('query'), q,
		    `the search form did not GET ?query=${q} (${page.url()})`);
		return page.locator(`#case-list a.case-link[href="/cases/${id}"]`).count();
	};

	await t.step('search /cases for "Mohamed" at 1280 px: the case is in #case-list', async () => {
		await page.setViewportSize(DESKTOP);
		assert.equal(await search('Mohamed'), 1,
		    `#case-list has no a.case-link to /cases/${id}; it lists: ` +
		    `${(await page.locator('#case-list a.case-link').allTextContents()).join(' | ')}`);
		await t.shot(page, 'journey-search-mohamed');
	});

	await t.step('control: "Muhammad" finds it too, "Qasimov" does not', async () => {
		assert.equal(await search('Muhammad'), 1, `searching "Muhammad" does not list ${id}`);
		assert.equal(await search('Qasimov'), 0, `searching "Qasimov" lists ${id}: the query is not applied`);
		await search('Mohamed');
	});

	await t.step('open it from the list, edit age 15 → 16 and save', async () => {
		await navigating(page, () => page.click(`#case-list a.case-link[href="/cases/${id}"]`));
		assert.equal(path(page), `/cases/${id}`);
		await navigating(page, () => page.click('#edit-case'));
		assert.equal(path(page), `/cases/${id}/edit`);
		assert.match(await page.locator('input[type=hidden][name=rev]').inputValue(), /^\d+$/,
		    'edit form without a hidden rev');
		assert.equal(await page.locator('#age').inputValue(), '15');
		assert.equal(await page.locator('#name_first').inputValue(), 'محمد');
		await fillCase(page, { age: 16 });
		assert.equal(await saveCase(page), id, `saving the edit led to ${page.url()}`);
	});

	await t.step('#history lists the edit by the field label "Age"', async () => {
		const entries = await historyEntries(page);
		assert.ok(entries, 'no #history on the case page');
		assert.ok(entries.length >= 2, `#history has ${entries.length} entries, expected 2: ` +
		    JSON.stringify(entries));
		const edit = entries.find((e) => /\bAge\b/.test(e) && !/First name|\bSex\b/.test(e));
		assert.ok(edit, `no history entry for the edit naming "Age" (and only it): ${JSON.stringify(entries)}`);
		assert.ok(/16/.test(await text(page)), 'the case page does not show age 16');
		await t.shot(page, 'journey-view-history');
	});

	await t.step('switch to Arabic in the header: <html lang="ar" dir="rtl">', async () => {
		await switchLanguageInHeader(page, 'ar');
		assert.deepEqual(await htmlAttrs(page), { lang: 'ar', dir: 'rtl' });
		assert.equal(await page.locator('html[dir=rtl]').count(), 1);
		if (path(page) !== `/cases/${id}`) await page.goto(`/cases/${id}`);
		assert.deepEqual(await htmlAttrs(page), { lang: 'ar', dir: 'rtl' });
		const body = await text(page);
		assert.ok(body.includes('العمر'), 'the case page in Arabic lacks the Arabic label of Age (العمر)');
		await t.shot(page, 'journey-view-ar');
		await page.goto('/cases');
		assert.deepEqual(await htmlAttrs(page), { lang: 'ar', dir: 'rtl' });
		await t.shot(page, 'journey-list-ar');
	});

	await t.step('switch back to English', async () => {
		await switchLanguageInHeader(page, 'en');
		const a = await htmlAttrs(page);
		assert.equal(a.lang, 'en');
		assert.notEqual(a.dir, 'rtl');
	});

	await t.step('sign out with #sign-out: back on /login, /home asks to sign in again', async () => {
		await navigating(page, () => page.click('#sign-out'));
		assert.equal(path(page), '/login');
		await page.goto('/home');
		assert.equal(path(page), '/login', `after signing out /home led to ${page.url()}`);
	});
}
