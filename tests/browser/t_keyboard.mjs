// t_keyboard.mjs — signing in with the keyboard alone: Tab reaches the username field,
// the next Tab the password field, Enter submits.
import assert from 'node:assert/strict';
import { PASSWORD, path, peek } from './lib.mjs';

export const title = 'keyboard: Tab to username, Tab to password, Enter signs in';

export default async function keyboard(t) {
	const page = await t.page();
	const focused = () => page.evaluate(() => {
		const e = document.activeElement;
		return e ? `${e.tagName.toLowerCase()}${e.name ? '[name=' + e.name + ']' : ''}${e.id ? '#' + e.id : ''}` : '';
	});

	await t.step('/login: Tab reaches the username field (within 10 presses)', async () => {
		await page.goto('/login');
		const seen = [];
		for (let i = 0; i < 10; i++) {
			await page.keyboard.press('Tab');
			const f = await focused();
			seen.push(f);
			if (f.includes('[name=username]')) return;
		}
		assert.fail(`Tab never reached username; focus went: ${seen.join(' → ')}`);
	});

	await t.step('type the username, Tab goes to the password, type it', async () => {
		await page.keyboard.type('horizon.cw3');
		await page.keyboard.press('Tab');
		const f = await focused();
		assert.ok(f.includes('[name=password]'), `the Tab after username went to ${f}`);
		await page.keyboard.type(PASSWORD);
	});

	await t.step('Enter signs in', async () => {
		const nav = page.waitForNavigation({ waitUntil: 'load' });
		await page.keyboard.press('Enter');
		await nav;
		assert.notEqual(path(page), '/login',
		    `Enter left us on /login: ${await peek(page, '#login-error')}`);
		assert.equal(path(page), '/home');
	});
}
