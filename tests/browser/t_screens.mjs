// t_screens.mjs — screenshots of the main pages in English and Arabic, at 1280 px
// (screenshots/{en,ar}-{login,home,list,form-error,view}.png) and at 360 px
// ({lang}-{page}-360.png, the first 800 px a phone shows); at 360 px no page may scroll
// sideways. Arabic pages are
// <html lang="ar" dir="rtl">. The language is changed on /account (#set-language).
import assert from 'node:assert/strict';
import {
	DESKTOP, PHONE, htmlAttrs, login, navigating, noHorizontalScroll, path,
} from './lib.mjs';

export const title = 'screenshots in English and Arabic; 360 px without sideways scrolling';

export default async function screens(t) {
	const errors = [];	// sideways scrolling: reported at the end, after every screenshot
	const both = async (page, lang, name) => {
		const want = lang === 'ar' ? { lang: 'ar', dir: 'rtl' } : null;
		const got = await htmlAttrs(page);
		if (want) assert.deepEqual(got, want, `${lang}-${name}: <html> attributes`);
		else {
			assert.equal(got.lang, lang, `${lang}-${name}: <html lang>`);
			assert.notEqual(got.dir, 'rtl', `${lang}-${name}: dir=rtl in English`);
		}
		await page.setViewportSize(DESKTOP);
		await t.shot(page, `${lang}-${name}`);
		await page.setViewportSize(PHONE);
		await t.shot(page, `${lang}-${name}-360`, { fullPage: false });
		await noHorizontalScroll(page, `${lang}-${name} at 360 px`).catch((e) => errors.push(e.message));
		await page.setViewportSize(DESKTOP);
	};

	for (const lang of ['en', 'ar']) {
		await t.step(`${lang}: login`, async () => {
			const page = await t.page();
			await page.goto(lang === 'en' ? '/login' : '/login?lang=ar');
			if (lang === 'en')
				for (const l of ['fr', 'ar', 'es'])
					assert.ok(await page.locator(`a[href*="lang=${l}"]`).count() > 0,
					    `/login has no link to ?lang=${l}`);
			await both(page, lang, 'login');
			await page.context().close();
		});

		const page = await t.page();
		await t.step(`${lang}: sign in as horizon.cw2${lang === 'ar' ? ', choose العربية on /account' : ''}`, async () => {
			await login(page, 'horizon.cw2');
			if (lang === 'ar') {
				await page.goto('/account');
				await page.locator('form:has(#set-language) select[name=language]').selectOption('ar');
				await navigating(page, () => page.click('#set-language'));
				assert.deepEqual(await htmlAttrs(page), { lang: 'ar', dir: 'rtl' });
			}
		});

		await t.step(`${lang}: home`, async () => {
			await page.goto('/home');
			await both(page, lang, 'home');
		});

		let first;
		await t.step(`${lang}: case list`, async () => {
			await page.goto('/cases');
			const links = page.locator('#case-list a.case-link');
			assert.ok(await links.count() > 0, 'horizon.cw2 sees no case in #case-list');
			first = await links.first().getAttribute('href');
			await both(page, lang, 'list');
		});

		await t.step(`${lang}: case form with a validation error (empty form)`, async () => {
			await page.goto('/cases/new');
			await navigating(page, () => page.click('#save'));
			for (const s of ['#error-summary', '#error-sex', '#error-name_first'])
				await page.locator(s).waitFor({ state: 'visible' });
			await both(page, lang, 'form-error');
		});

		await t.step(`${lang}: case view`, async () => {
			await page.goto(first);
			assert.match(path(page), /^\/cases\/[A-Za-z0-9]+$/);
			await page.locator('#history').waitFor({ state: 'attached' });
			await both(page, lang, 'view');
		});

		if (lang === 'ar')
			await t.step('ar: back to English on /account', async () => {
				await page.goto('/account');
				await page.locator('form:has(#set-language) select[name=language]').selectOption('en');
				await navigating(page, () => page.click('#set-language'));
				assert.equal((await htmlAttrs(page)).lang, 'en');
			});
		await page.context().close();
	}

	await t.step('no page scrolls sideways at 360 px', async () => {
		if (errors.length) throw new Error(errors.join('\n'));
	});
}
