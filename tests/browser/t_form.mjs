// t_form.mjs — the case form has the controls the page contract names (id = name =
// field id, the types, the options), and a case registered with a family member,
// protection concerns and a location shows them on its page.
import assert from 'node:assert/strict';
import { fillCase, login, peek, saveCase, text } from './lib.mjs';

export const title = 'case form: the controls of the page contract; family rows, concerns, location saved';

export default async function form(t) {
	const page = await t.page();
	const control = (sel) => page.locator(sel).evaluateAll((els) => els.map((e) =>
		`${e.tagName.toLowerCase()}:${e.type || ''}:${e.id}:${e.name}`));

	await t.step('sign in as horizon.cw3 and open /cases/new', async () => {
		await login(page, 'horizon.cw3');
		await page.goto('/cases/new');
	});

	await t.step('names, age, date of birth, estimated, #save: id = name = field id, right types', async () => {
		for (const f of ['name_first', 'name_middle', 'name_last', 'name_nickname', 'name_other',
		    'name_original_script'])
			assert.deepEqual(await control(`#${f}`), [`input:text:${f}:${f}`]);
		assert.deepEqual(await control('#age'), ['input:number:age:age']);
		assert.deepEqual(await control('#date_of_birth'), ['input:date:date_of_birth:date_of_birth']);
		assert.deepEqual(await control('#estimated'), ['input:checkbox:estimated:estimated']);
		assert.equal(await page.locator('#save').count(), 1);
	});

	const options = (sel) => page.locator(`${sel} option`).evaluateAll((os) =>
		os.map((o) => o.value).filter((v) => v !== ''));
	await t.step('sex, risk_level, location_current are selects with the contract\'s options', async () => {
		assert.deepEqual(await control('#sex'), ['select:select-one:sex:sex']);
		assert.deepEqual((await options('#sex')).sort(), ['female', 'male', 'other', 'unknown']);
		assert.deepEqual(await control('#risk_level'), ['select:select-one:risk_level:risk_level']);
		assert.deepEqual((await options('#risk_level')).sort(), ['high', 'low', 'medium']);
		assert.deepEqual(await control('#location_current'),
		    ['select:select-one:location_current:location_current']);
		assert.ok((await options('#location_current')).length > 0, 'no location to choose');
	});

	await t.step('protection_concerns: checkboxes by value; family rows named [N][field]', async () => {
		const pc = await page.locator('input[name=protection_concerns]').evaluateAll((els) =>
			els.map((e) => `${e.type}:${e.value}`));
		assert.ok(pc.length > 5 && pc.every((s) => s.startsWith('checkbox:')), JSON.stringify(pc));
		assert.ok(pc.includes('checkbox:unaccompanied'), JSON.stringify(pc));
		assert.deepEqual(await control('#family_details_section-0-relation_name'),
		    ['input:text:family_details_section-0-relation_name:family_details_section[0][relation_name]']);
	});

	await t.step('nationality: checkboxes name=nationality with ISO codes as values', async () => {
		const nat = await control('[name=nationality]');
		assert.ok(nat.length > 0, 'no control named nationality');
		const sd = await page.locator('input[type=checkbox][name=nationality][value=SD]').count();
		assert.equal(sd, 1, `nationality is not a checkbox group with value=SD (Sudan); found ${nat.length} ` +
		    `control(s): ${nat.slice(0, 3).join(' ')}`);
	}).catch((e) => { t.later = e; });	// the rest does not depend on it

	await t.step('register with a family member, two concerns and a location; the case page shows them', async () => {
		await page.goto('/cases/new');
		const loc = (await options('#location_current'))[0];
		const locLabel = (await page.locator(`#location_current option[value="${loc}"]`).textContent()).trim();
		await fillCase(page, {
			name_first: 'Hiwot', name_last: 'Formcheck', sex: 'female', age: 13, estimated: true,
			location_current: loc, protection_concerns: ['unaccompanied', 'trafficked'],
			'family_details_section-0-relation_name': 'Tesfaye Formcheck',
		});
		const id = await saveCase(page);
		assert.ok(id, `saving led to ${page.url()}: ${await peek(page, '#error-summary')}`);
		const body = await text(page);
		for (const s of ['Tesfaye Formcheck', 'Unaccompanied', 'Victim of trafficking'])
			assert.ok(body.includes(s), `the case page does not show ${JSON.stringify(s)}`);
		assert.ok(body.includes(locLabel.replace(/\s+/g, ' ')) || body.includes(loc),
		    `the case page does not show the location ${loc} (${locLabel})`);
	});

	if (t.later) throw t.later;
}
