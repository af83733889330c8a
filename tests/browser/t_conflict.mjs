// t_conflict.mjs — two people edit the same case at once: the owner (horizon.cw1) and
// the supervisor (horizon.supervisor), both on the case's first section (the edit page
// shows one section at a time). The owner saves first; the supervisor's save is
// refused with both versions shown, their input kept, and their second save goes
// through. Nothing is lost: the owner's value was shown, the supervisor's is saved,
// and the history holds both revisions.
import assert from 'node:assert/strict';
import { fillCase, historyEntries, login, peek, registerCase, saveCase, text } from './lib.mjs';

export const title = 'concurrent edit: the second saver sees #conflict and #conflict-diff, loses nothing';

export default async function conflict(t) {
	const owner = await t.page();
	const sup = await t.page();
	let id, rev0;

	await t.step('horizon.cw1 registers a case (age 12, risk low)', async () => {
		await login(owner, 'horizon.cw1');
		id = await registerCase(owner, {
			name_first: 'Yonas', name_last: 'Conflictt', sex: 'male', age: 12, risk_level: 'low',
		});
		console.log(`       case ${id}`);
	});

	await t.step('both open /cases/{id}/edit (same rev)', async () => {
		await login(sup, 'horizon.supervisor');
		await owner.goto(`/cases/${id}/edit`);
		await sup.goto(`/cases/${id}/edit`);
		rev0 = await owner.locator('input[type=hidden][name=rev]').inputValue();
		assert.equal(await sup.locator('input[type=hidden][name=rev]').inputValue(), rev0);
		assert.equal(await sup.locator('#age').inputValue(), '12');
	});

	await t.step('the owner saves age 13', async () => {
		await fillCase(owner, { age: 13 });
		assert.equal(await saveCase(owner), id, `the owner's save led to ${owner.url()}`);
	});

	await t.step('the supervisor saves displacement status "refugee": #conflict (role=alert) and #conflict-diff', async () => {
		await fillCase(sup, { displacement_status: 'refugee' });
		const saved = await saveCase(sup);
		assert.equal(saved, null, `the stale save went through silently (${sup.url()})`);
		const notice = sup.locator('#conflict');
		await notice.waitFor({ state: 'visible' });
		assert.equal(await notice.getAttribute('role'), 'alert', '#conflict is not role=alert');
		const diff = sup.locator('#conflict-diff');
		await diff.waitFor({ state: 'visible' });
		const rows = await diff.locator('tr').evaluateAll((trs) => trs.map((tr) =>
			[...tr.cells].map((c) => c.textContent.replace(/\s+/g, ' ').trim())));
		const age = rows.find((r) => r[0] === 'Age');
		assert.ok(age, `#conflict-diff has no row for Age: ${JSON.stringify(rows)}`);
		assert.match(age[1] || '', /\b13\b/,
		    `the Age row's "saved by the other" cell does not show the owner's 13: ${JSON.stringify(age)}`);
		assert.match(age[2] || '', /\b12\b/,
		    `the Age row's "yours" cell does not show the 12 the supervisor had: ${JSON.stringify(age)}`);
		console.log(`       diff: ${rows.map((r) => r.join(' | ')).join(' / ')}`);
		await t.shot(sup, 'conflict-diff');
	});

	await t.step('the form keeps the supervisor\'s input and carries the new rev', async () => {
		assert.equal(await sup.locator('#displacement_status').inputValue(), 'refugee');
		assert.equal(await sup.locator('#name_first').inputValue(), 'Yonas');
		const rev1 = await sup.locator('input[type=hidden][name=rev]').inputValue();
		assert.ok(Number(rev1) > Number(rev0), `rev in the refilled form is ${rev1}, was ${rev0}`);
	});

	await t.step('the supervisor saves again: it goes through', async () => {
		assert.equal(await saveCase(sup), id, `the second save led to ${sup.url()}: ` +
		    `${await peek(sup, 'main')}`);
	});

	await t.step('nothing lost: age 13 and "refugee" saved, history has both edits; #access-log for the supervisor only', async () => {
		await owner.goto(`/cases/${id}`);
		const entries = await historyEntries(owner);
		assert.ok(entries && entries.length >= 3,
		    `#history should list create + 2 edits: ${JSON.stringify(entries)}`);
		assert.ok(entries.some((e) => /\bAge\b/.test(e) && !/Risk level/.test(e)),
		    `no history entry for the owner's edit of Age: ${JSON.stringify(entries)}`);
		assert.ok(entries.some((e) => /Displacement status/.test(e) && !/First name/.test(e)),
		    `no history entry for the supervisor's edit of Displacement status: ${JSON.stringify(entries)}`);
		assert.equal(await owner.locator('#access-log').count(), 0,
		    'the caseworker sees #access-log (who saw this case is for the supervisor)');
		await sup.goto(`/cases/${id}`);
		assert.equal(await sup.locator('#access-log').count(), 1, 'the supervisor has no #access-log');
		assert.ok(await sup.locator('#access-log tbody tr, #access-log li').count() > 0,
		    '#access-log lists nobody, though horizon.cw1 opened the case');
		await owner.goto(`/cases/${id}/edit`);
		assert.equal(await owner.locator('#displacement_status').inputValue(), 'refugee',
		    "the supervisor's displacement status was not saved");
		assert.equal(await owner.locator('#age').inputValue(), '13',
		    "the owner's age 13 was lost: the supervisor's second save put back the 12 they had loaded");
		await t.shot(owner, 'conflict-final-edit');
	});

	await t.step('same field: owner saves nickname "Yoni", supervisor "Jo" on the old rev', async () => {
		await owner.goto(`/cases/${id}/edit`);
		await sup.goto(`/cases/${id}/edit`);
		await fillCase(owner, { name_nickname: 'Yoni' });
		assert.equal(await saveCase(owner), id, `the owner's save led to ${owner.url()}`);
		await fillCase(sup, { name_nickname: 'Jo' });
		assert.equal(await saveCase(sup), null, 'the stale save went through silently');
		await sup.locator('#conflict').waitFor({ state: 'visible' });
		const rows = await sup.locator('#conflict-diff tr').evaluateAll((trs) => trs.map((tr) =>
			[...tr.cells].map((c) => c.textContent.replace(/\s+/g, ' ').trim())));
		const nick = rows.find((r) => r[0] === 'Nickname');
		assert.ok(nick, `#conflict-diff has no row for Nickname: ${JSON.stringify(rows)}`);
		assert.ok(nick[1]?.includes('Yoni') && nick[2]?.includes('Jo'),
		    `the Nickname row should show Yoni (saved) and Jo (yours): ${JSON.stringify(nick)}`);
		assert.equal(await sup.locator('#name_nickname').inputValue(), 'Jo', 'the supervisor\'s input was not kept');
		console.log(`       diff: ${rows.map((r) => r.join(' | ')).join(' / ')}`);
	});

	await t.step('the supervisor saves again: Jo is saved, Yoni stays in the history', async () => {
		assert.equal(await saveCase(sup), id, `the second save led to ${sup.url()}`);
		await owner.goto(`/cases/${id}/edit`);
		assert.equal(await owner.locator('#name_nickname').inputValue(), 'Jo');
		await owner.goto(`/cases/${id}`);
		const entries = await historyEntries(owner);
		assert.ok(entries.filter((e) => /Nickname/.test(e)).length >= 2,
		    `#history should list both nickname edits: ${JSON.stringify(entries)}`);
	});
}
