// t_workflow.mjs — a case from registration to approved closure through the pages, by a
// caseworker (horizon.cw1) and their supervisor (horizon.supervisor): a high-risk case
// registered now is due within 24 hours on the caseworker's home page; one registered
// days ago is overdue on the supervisor's; each section edited on its own page; the
// stages as buttons with the reason why a stage is not possible yet; the DoMV profile
// per level with the suggested risk and its reasons (screenshot); approvals requested,
// a rejection refused without a comment, then rejected, approved; closure requested and
// approved; closed.
import assert from 'node:assert/strict';
import { fillCase, login, navigating, path, peek, registerCase, saveCase, text } from './lib.mjs';

export const title = 'workflow: registration to approved closure, DoMV profile, deadlines on the home pages';

const today = new Date().toISOString().slice(0, 10);
const daysAgo = (n) => new Date(Date.now() - n * 86400000).toISOString().slice(0, 10);

export default async function workflow(t) {
	const cw = await t.page();
	const sv = await t.page();
	let id, late;

	// Press a button on the case page that posts and comes back to it.
	const press = async (page, sel) => {
		assert.equal(await page.locator(sel).count(), 1,
		    `no ${sel} on ${page.url()}: ${await peek(page, '#workflow')}`);
		await navigating(page, () => page.click(sel));
		assert.equal(path(page), `/cases/${id}`, `${sel} led to ${page.url()}`);
	};
	const stage = async (page) => (await text(page, '#stage')).replace(/^.*:\s*/, '').trim();
	// Edit one section of the case and save it.
	const editSection = async (section, values) => {
		await cw.goto(`/cases/${id}/edit?section=${section}`);
		assert.equal(await cw.locator(`#sections a[aria-current=page][href$="section=${section}"]`)
		    .count(), 1, `the section list does not mark ${section} as the one edited`);
		await fillCase(cw, values);
		assert.equal(await saveCase(cw), id, `saving ${section} led to ${cw.url()}: ` +
		    `${await peek(cw, '#error-summary')}`);
	};

	await t.step('horizon.cw1 registers a high-risk case now: due within 24 hours', async () => {
		await login(cw, 'horizon.cw1');
		await cw.goto('/cases/new');
		for (const f of ['#comprehensive_assessment_date', '#domv_summary_individual',
		    '#closure_reason', '#approval_status_assessment'])
			assert.equal(await cw.locator(f).count(), 0, `registration shows ${f}`);
		id = await registerCase(cw, { name_first: 'Lemlem', name_last: 'Workflowa', sex: 'female',
		    age: 14, risk_level: 'high' });
		assert.equal(await stage(cw), 'New');
		const due = await text(cw, '#deadlines li:first-child');
		assert.match(due, /Initial assessment/, `first deadline: ${due}`);
		assert.doesNotMatch(due, /Overdue/, `a case registered now is overdue: ${due}`);
		assert.match(await text(cw, '#not-assessment'), /initial assessment/,
		    'the page does not say why the assessment stage is not possible yet');
		console.log(`       case ${id}`);
	});

	await t.step('the caseworker\'s home lists it as due, not overdue', async () => {
		await cw.goto('/home');
		const row = cw.locator(`#home-task-list tr:has(a[href="/cases/${id}"])`).first();
		await row.waitFor();
		const r = (await row.textContent()).replace(/\s+/g, ' ');
		assert.match(r, /Initial assessment \(response time\)/, r);
		assert.match(r, /Due /, r);
		assert.doesNotMatch(r, /Overdue/, r);
		const when = Date.parse((await row.locator('.due').textContent()).replace(/^.*Due\s*/, ''));
		if (!Number.isNaN(when))
			assert.ok(when - Date.now() < 24.5 * 3600000, `due later than 24 hours: ${r}`);
		await t.shot(cw, 'workflow-home-due');
	});

	await t.step('a high-risk case registered three days ago is overdue on the supervisor\'s home', async () => {
		late = await registerCase(cw, { name_first: 'Kidist', name_last: 'Workflowb', sex: 'female',
		    age: 11, risk_level: 'high', registration_date: daysAgo(3) });
		await login(sv, 'horizon.supervisor');
		await sv.goto('/home');
		const row = sv.locator(`#home-overdue-list tr:has(a[href="/cases/${late}"])`).first();
		await row.waitFor();
		assert.match((await row.textContent()).replace(/\s+/g, ' '), /Overdue/);
		assert.match(await text(sv, '#tasks-overdue'), /[1-9]\d* tasks overdue/);
		await t.shot(sv, 'workflow-home-supervisor-overdue');
	});

	await t.step('assessment section, then the stage Assessment', async () => {
		await editSection('assessment', { initial_assessment_date: today,
		    comprehensive_assessment_date: today });
		await press(cw, '#stage-assessment');
		assert.equal(await stage(cw), 'Assessment');
	});

	await t.step('DoMV factors: the profile per level and the suggested risk with its reasons', async () => {
		await editSection('domv', {
			'domv_factors-0-domv_level': 'individual',
			'domv_factors-0-domv_factor': 'individual_history_exploitation',
			'domv_factors-0-domv_factor_type': 'risk',
			'domv_factors-1-domv_level': 'household',
			'domv_factors-1-domv_factor': 'household_caregiver',
			'domv_factors-1-domv_factor_type': 'protective',
			domv_summary_individual: 'Exploited on the journey north',
		});
		await cw.locator('#domv-profile').scrollIntoViewIfNeeded();
		assert.match(await text(cw, '#domv-individual'), /Individual\s*1\s*0\s*Exploited/);
		assert.match(await text(cw, '#domv-household'), /0\s*1/);
		assert.match(await text(cw, '#risk-suggested'), /High/);
		assert.match(await text(cw, '#risk-level'), /High/);
		assert.match(await text(cw, '#risk-reasons'), /critical risk factor/i);
		await t.shot(cw, 'workflow-domv-profile');
	});

	await t.step('the caseworker requests the assessment approval; cannot decide it', async () => {
		await press(cw, '#request-assessment');
		assert.match(await text(cw, '#approval-assessment'), /Requested/);
		assert.equal(await cw.locator('#approve-assessment').count(), 0,
		    'the caseworker is offered to approve their own request');
	});

	await t.step('the supervisor: a rejection without a comment is refused, with one it is recorded', async () => {
		await sv.goto(`/cases/${id}`);
		await press(sv, '#reject-assessment');
		assert.match(await text(sv, '#workflow-refused'), /comment/);
		await fillCase(sv, { 'comment-assessment': 'The family assessment is missing' });
		await press(sv, '#reject-assessment');
		assert.match(await text(sv, '#approval-assessment'), /Rejected/);
		assert.match(await text(sv, '#approval-log'), /The family assessment is missing/);
		assert.match(await text(sv, '#not-case_plan'), /approved by a supervisor/);
	});

	await t.step('requested again and approved; the stage Case plan', async () => {
		await cw.goto(`/cases/${id}`);
		await press(cw, '#request-assessment');
		await sv.goto(`/cases/${id}`);
		await press(sv, '#approve-assessment');
		assert.match(await text(sv, '#approval-assessment'), /Approved/);
		await cw.goto(`/cases/${id}`);
		await press(cw, '#stage-case_plan');
		assert.equal(await stage(cw), 'Case plan');
	});

	await t.step('the plan, its approval, implementation and follow-up', async () => {
		await editSection('case_plan', { date_case_plan: today,
		    'cp_case_plan_subform_case_plan_interventions-0-intervention_service_to_be_provided':
		    'Family tracing' });
		await press(cw, '#request-case_plan');
		await sv.goto(`/cases/${id}`);
		await press(sv, '#approve-case_plan');
		await cw.goto(`/cases/${id}`);
		await press(cw, '#stage-implementation');
		await press(cw, '#stage-follow_up');
		assert.equal(await stage(cw), 'Follow-up');
		assert.match(await text(cw, '#deadlines'), /Review of the case plan/);
	});

	await t.step('closure: the reason, the request, the supervisor\'s approval, closed', async () => {
		assert.match(await text(cw, '#not-closure_requested'), /reason for closing/);
		await editSection('closure', { closure_reason: 'reunified' });
		await press(cw, '#stage-closure_requested');
		assert.match(await text(cw, '#not-closed'), /approved by a supervisor/);
		await press(cw, '#request-closure');
		await sv.goto(`/cases/${id}`);
		await press(sv, '#approve-closure');
		await cw.goto(`/cases/${id}`);
		await press(cw, '#stage-closed');
		assert.equal(await stage(cw), 'Closed');
		assert.match(await text(cw, 'dl.meta'), /Closed/);
		assert.match(await text(cw, '#deadlines, #workflow'), /Nothing is due/);
		await t.shot(cw, 'workflow-closed');
	});

	await t.step('the history names every stage change', async () => {
		const body = await text(cw, '#history');
		assert.ok((body.match(/Stage/g) || []).length >= 6, `the history: ${body.slice(0, 400)}`);
	});
}
