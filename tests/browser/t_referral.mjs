// t_referral.mjs — a referral from sending to feedback: a supervisor refers a case to
// another agency from the case page, ticking two fields; the receiving agency's
// referral partner finds it in the inbox, sees those two fields and nothing else of
// the case, accepts, starts and completes the service with feedback; the supervisor
// reads the feedback on the case page.
import assert from 'node:assert/strict';
import { BASE, PHONE, login, navigating, noHorizontalScroll, path, peek, text } from './lib.mjs';

export const title = 'referral: refer from the case page, answer in the inbox, feedback back on the case';

export default async function referral(t) {
	const sender = await t.page();
	const receiver = await t.page({ viewport: PHONE });
	let caseId, refId, chosen;

	await t.step('horizon.supervisor opens a case and its referral form', async () => {
		await login(sender, 'horizon.supervisor');
		await sender.goto('/cases?status=open');	// t_workflow closes a case first
		await navigating(sender, () => sender.locator('#case-list a.case-link').first().click());
		caseId = path(sender).split('/')[2];
		await navigating(sender, () => sender.click('#refer-case'));
		assert.equal(path(sender), `/cases/${caseId}/refer`);
		assert.ok(await sender.locator('#share-fields input[name=field]').count() >= 2,
		    'fewer than two fields offered to share');
	});

	await t.step('tick two fields and send it to the Sahel agency', async () => {
		await sender.selectOption('#to_agency', 'sahel');
		await sender.selectOption('#service_type', 'health');
		await sender.fill('#reason', 'Needs a medical check-up');
		const boxes = sender.locator('#share-fields input[name=field]');
		chosen = [];
		for (const i of [0, 1]) {
			await boxes.nth(i).check();
			chosen.push((await boxes.nth(i).locator('xpath=..').textContent()).trim());
		}
		if (await sender.locator('#override_reason').count() > 0)
			await sender.fill('#override_reason', 'Consent is being recorded; urgent care');
		await navigating(sender, () => sender.click('#send-referral'));
		const m = /^\/referrals\/([A-Za-z0-9]+)$/.exec(path(sender));
		assert.ok(m, `sending led to ${sender.url()}: ${await peek(sender, '#form-error')}`);
		refId = m[1];
		assert.match(await text(sender, '#referral-facts'), /Pending/);
		await t.shot(sender, 'referral-sent');
	});

	await t.step('sahel.partner finds it in the inbox and sees only the two fields', async () => {
		await login(receiver, 'sahel.partner');
		await receiver.goto('/referrals');
		await navigating(receiver, () => receiver.click(`a[href="/referrals/${refId}"]`));
		const labels = (await receiver.locator('#shared dt').allTextContents()).map((s) => s.trim());
		assert.deepEqual(labels.sort(), [...chosen].sort(),
		    `the receiver sees ${labels.join(', ')}; the sender chose ${chosen.join(', ')}`);
		assert.equal(await receiver.locator('#referral-case').count(), 0,
		    'the receiver is offered a link to the case');
		t.audit.expected.add(`${BASE}/cases/${caseId}`);	// a 404 page, on purpose
		const resp = await receiver.goto(`/cases/${caseId}`);
		assert.equal(resp.status(), 404, 'the receiver may open the case');
		await receiver.goBack();
		await noHorizontalScroll(receiver, 'the referral at 360 px');
		await t.shot(receiver, 'referral-received-360');
	});

	await t.step('accept, start and complete with feedback', async () => {
		await receiver.goto(`/referrals/${refId}`);
		await navigating(receiver, () => receiver.click('#do-accepted'));
		await navigating(receiver, () => receiver.click('#do-in_progress'));
		await receiver.fill('#completed-feedback', 'Seen by a nurse; no follow-up needed');
		await navigating(receiver, () => receiver.click('#do-completed'));
		assert.match(await text(receiver, '#referral-facts'), /Completed/);
		await receiver.locator('#shared-gone').waitFor({ state: 'visible' });
		assert.equal(await receiver.locator('#shared').count(), 0,
		    'the shared fields are still shown after completion');
	});

	await t.step('the supervisor reads the feedback on the case page', async () => {
		await sender.goto(`/cases/${caseId}`);
		const block = await text(sender, '#referrals');
		assert.ok(block.includes('Seen by a nurse; no follow-up needed'),
		    `the case page's referrals do not show the feedback: ${block.slice(0, 300)}`);
		assert.ok(block.includes('Completed'), 'the case page does not show the status');
		await t.shot(sender, 'referral-feedback-on-case');
	});
}
