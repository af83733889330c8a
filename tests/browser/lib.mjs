// lib.mjs — shared helpers for RouteCare's browser tests: Debian's Chromium through
// playwright-core, an audit of every page every test visits (CSP header and violations,
// inline script, style attributes, event-handler attributes, console errors, dialogs),
// steps that print one line each, and screenshots and failure captures under RC_OUT.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const BASE = (process.env.RC_BASE || 'http://127.0.0.1:8080').replace(/\/$/, '');
export const OUT = process.env.RC_OUT || 'build/browser';
export const PASSWORD = process.env.RC_PASSWORD || 'routecare-demo';
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const SHOTS = join(OUT, 'screenshots');
export const FAILURES = join(OUT, 'failures');
export const CSP = "default-src 'self'; frame-ancestors 'none'";
export const KB = 1024;
export const PHONE = { width: 360, height: 800 };
export const DESKTOP = { width: 1280, height: 800 };

mkdirSync(SHOTS, { recursive: true });

export async function launch() {
	// Playwright gives the browser a fresh, empty --user-data-dir of its own and passes
	// --headless; the rest are the flags this machine needs (no sandbox as root, no
	// background connections to hosts a closed network refuses).
	return chromium.launch({
		executablePath: CHROMIUM,
		headless: true,
		args: [
			'--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
			'--disable-background-networking', '--disable-component-update',
			'--disable-sync',
		],
	});
}

// ---- the audit: every page of every test ---------------------------------------------

// Runs in every page before the page's own scripts, injected by the browser (not inline
// markup, so CSP does not apply to it): records CSP violations into
// window.__cspViolations and reports them, and at DOMContentLoaded reports what the
// server's markup carries.
const INIT_SCRIPT = `(() => {
	window.__cspViolations = [];
	const send = (r) => {
		try { if (typeof window.__rcReport === 'function') window.__rcReport(r); } catch (e) {}
	};
	window.addEventListener('securitypolicyviolation', (e) => {
		const v = { directive: e.violatedDirective, blocked: e.blockedURI,
		    sample: e.sample, source: e.sourceFile, line: e.lineNumber };
		window.__cspViolations.push(v);
		send({ kind: 'csp', url: location.href, v });
	}, true);
	document.addEventListener('DOMContentLoaded', () => {
		if (!document.contentType || document.contentType.indexOf('html') < 0) return;
		const d = document.documentElement;
		const tag = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '');
		const handlers = [];
		for (const el of document.querySelectorAll('*'))
			for (const a of el.attributes)
				if (/^on/i.test(a.name)) handlers.push(tag(el) + '[' + a.name + ']');
		send({ kind: 'dom', url: location.href,
		    lang: d.getAttribute('lang'), dir: d.getAttribute('dir'),
		    inlineScripts: [...document.querySelectorAll('script:not([src])')]
			.map((s) => s.textContent.slice(0, 80)),
		    styleAttrs: [...document.querySelectorAll('[style]')]
			.map((e) => tag(e) + '[style="' + e.getAttribute('style').slice(0, 60) + '"]'),
		    styleElements: document.querySelectorAll('style').length,
		    handlers,
		    jsUrls: document.querySelectorAll('[href^="javascript:" i], [src^="javascript:" i],'
			+ ' [action^="javascript:" i], [formaction^="javascript:" i]').length,
		    imgX: document.querySelectorAll('img[src="x"]').length,
		    pageTitle: !!document.querySelector('h1#page-title'),
		    h1s: document.querySelectorAll('h1').length });
	});
})();`;

const norm = (s) => (s || '').replace(/\s+/g, ' ').replace(/;\s*$/, '').trim();

export class Audit {
	constructor() {
		this.problems = [];	// { test, url, what }
		this.pages = new Set();	// HTML documents seen (URL without query)
		this.documents = 0;	// HTML documents served 200
		this.domReports = 0;
		this.responses = 0;
		this.ignore = new Set();	// pages whose reports are a deliberate control
		this.expected = new Set();	// URLs a test asked for knowing they are errors (404)
	}

	problem(test, url, what) {
		this.problems.push({ test, url: url ? url.replace(BASE, '') : '-', what });
	}

	onResponse(test, resp) {
		const url = resp.url();
		if (!url.startsWith(BASE + '/')) return;
		this.responses++;
		const h = resp.headers();
		const path = new URL(url).pathname;
		const type = h['content-type'] || '';
		if (norm(h['content-security-policy']) !== CSP)
			this.problem(test, url, `Content-Security-Policy is ${JSON.stringify(
			    h['content-security-policy'] ?? null)}, not "${CSP}"`);
		if ((h['x-content-type-options'] || '') !== 'nosniff')
			this.problem(test, url, 'no X-Content-Type-Options: nosniff');
		if (type.startsWith('text/html') && resp.status() === 200) {
			this.documents++;
			this.pages.add(path);
			if (/^\/cases(\/|$)/.test(path) && !/no-store/.test(h['cache-control'] || ''))
				this.problem(test, url, `record page without Cache-Control: no-store ` +
				    `(${h['cache-control'] ?? 'none'})`);
		}
	}

	onReport(test, page, r) {
		if (this.ignore.has(page)) return;
		const where = r.url;
		if (r.kind === 'csp') {
			this.problem(test, where, `CSP violation: ${r.v.directive} blocked ` +
			    `${r.v.blocked || '(inline)'} ${r.v.sample ? JSON.stringify(r.v.sample) : ''}` +
			    `${r.v.source ? ' at ' + r.v.source + ':' + r.v.line : ''}`);
			return;
		}
		if (r.kind !== 'dom' || !where.startsWith(BASE + '/')) return;
		this.domReports++;
		for (const s of r.inlineScripts)
			this.problem(test, where, `inline <script>: ${JSON.stringify(s)}`);
		for (const s of r.styleAttrs) this.problem(test, where, `style attribute: ${s}`);
		if (r.styleElements)
			this.problem(test, where, `${r.styleElements} inline <style> element(s)`);
		for (const s of r.handlers) this.problem(test, where, `event-handler attribute: ${s}`);
		if (r.jsUrls) this.problem(test, where, `${r.jsUrls} javascript: URL(s)`);
		if (r.imgX) this.problem(test, where, `${r.imgX} <img src="x"> element(s): markup injected`);
		if (!r.pageTitle) this.problem(test, where, 'no h1#page-title');
		if (r.h1s > 1) this.problem(test, where, `${r.h1s} h1 elements`);
		if (!r.lang) this.problem(test, where, '<html> has no lang');
		if (r.lang === 'ar' && r.dir !== 'rtl') this.problem(test, where, 'lang=ar without dir=rtl');
		if (r.dir === 'rtl' && r.lang !== 'ar') this.problem(test, where, `dir=rtl with lang=${r.lang}`);
	}
}

// ---- a test: its contexts, steps, screenshots and failure captures -------------------

export class Test {
	constructor(name, browser, audit) {
		this.name = name;
		this.browser = browser;
		this.audit = audit;
		this.contexts = [];
		this.dialogs = [];	// every alert/confirm/prompt any page of this test opened
		this.steps = 0;
	}

	// A fresh browser context (own cookies and cache) with the audit installed.
	async context({ viewport = DESKTOP } = {}) {
		const ctx = await this.browser.newContext({
			baseURL: BASE, viewport, locale: 'en-GB', timezoneId: 'UTC',
		});
		ctx.setDefaultTimeout(10000);
		ctx.setDefaultNavigationTimeout(15000);
		await ctx.exposeBinding('__rcReport', (src, r) => this.audit.onReport(this.name, src.page, r));
		await ctx.addInitScript(INIT_SCRIPT);
		ctx.on('page', (p) => this.instrument(p));
		this.contexts.push(ctx);
		return ctx;
	}

	async page(opts) {
		const ctx = await this.context(opts);
		return ctx.newPage();
	}

	instrument(page) {
		const a = this.audit;
		page.on('response', (r) => a.onResponse(this.name, r));
		page.on('console', (m) => {
			if (m.type() === 'error' && !a.ignore.has(page) && !(a.expected.has(m.location().url)
			    && /^Failed to load resource: the server responded with a status of 4/.test(m.text())))
				a.problem(this.name, page.url(), `console error: ${m.text()}`);
		});
		page.on('pageerror', (e) => a.problem(this.name, page.url(), `page error: ${e.message}`));
		page.on('requestfailed', (req) => {
			const f = req.failure()?.errorText || '';
			if (req.url().startsWith(BASE) && !/ERR_ABORTED/.test(f))
				a.problem(this.name, req.url(), `request failed: ${f}`);
		});
		page.on('dialog', async (d) => {
			this.dialogs.push(`${d.type()}(${JSON.stringify(d.message())}) on ${page.url()}`);
			a.problem(this.name, page.url(), `a dialog opened: ${d.type()} ${JSON.stringify(d.message())}`);
			await d.dismiss().catch(() => {});
		});
	}

	// step('what', async () => ...): one line per step; a failure names its step.
	async step(what, fn) {
		this.steps++;
		const t0 = Date.now();
		try {
			const r = await fn();
			console.log(`  ok   ${what} (${Date.now() - t0} ms)`);
			return r;
		} catch (e) {
			console.log(`  FAIL ${what}`);
			e.message = `${what}: ${e.message}`;
			throw e;
		}
	}

	// A screenshot under screenshots/ (full page unless told); returns its path.
	async shot(page, name, { fullPage = true } = {}) {
		const file = join(SHOTS, `${name}.png`);
		await page.screenshot({ path: file, fullPage });
		return file;
	}

	// After a failure: a screenshot and the HTML of every page still open.
	async captureFailure() {
		mkdirSync(FAILURES, { recursive: true });
		const saved = [];
		let n = 0;
		for (const ctx of this.contexts) {
			for (const p of ctx.pages()) {
				n++;
				const base = join(FAILURES, `${this.name}-${n}`);
				try {
					await p.screenshot({ path: `${base}.png`, fullPage: true, timeout: 5000 });
					saved.push(`${base}.png`);
				} catch { /* page gone */ }
				try {
					writeFileSync(`${base}.html`, `<!-- ${p.url()} -->\n` + await p.content());
					saved.push(`${base}.html`);
				} catch { /* page gone */ }
			}
		}
		return saved;
	}

	async close() {
		for (const ctx of this.contexts) await ctx.close().catch(() => {});
		this.contexts = [];
	}
}

// ---- page helpers --------------------------------------------------------------------

export const path = (page) => new URL(page.url()).pathname;

// Click (or press) something that submits or follows a link, and wait for the page it
// leads to to load.
export async function navigating(page, action) {
	const nav = page.waitForNavigation({ waitUntil: 'load' });
	await action();
	return nav;
}

export async function login(page, username, { password = PASSWORD } = {}) {
	const resp = await page.goto('/login');
	assert.equal(resp.status(), 200, `GET /login answered ${resp.status()}`);
	await page.fill('input[name=username]', username);
	await page.fill('input[name=password]', password);
	await navigating(page, () => page.click('#sign-in'));
	assert.notEqual(path(page), '/login',
	    `still on /login after signing in as ${username}: ` +
	    `${await peek(page, '#login-error')}`);
}

export async function htmlAttrs(page) {
	return page.evaluate(() => ({
		lang: document.documentElement.getAttribute('lang'),
		dir: document.documentElement.getAttribute('dir'),
	}));
}

export async function noHorizontalScroll(page, what) {
	const m = await page.evaluate(() => ({
		scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth,
	}));
	assert.ok(m.scroll <= m.inner,
	    `${what}: the page scrolls sideways at ${m.inner} px (scrollWidth ${m.scroll})`);
}

// Switch the signed-in user's language with the switcher in the page header
// (POST /account/language). Returns when the page it leads to has loaded.
export async function switchLanguageInHeader(page, lang) {
	const form = page.locator('form[action="/account/language"]').first();
	await form.waitFor({ state: 'attached' });
	const button = form.locator('button, input[type=submit]');
	const nav = page.waitForNavigation({ waitUntil: 'load' });
	await form.locator('select[name=language]').selectOption(lang);
	// Script may submit the form on change; without it, the form's own button does.
	const how = await Promise.race([nav.then(() => 'script'),
	    new Promise((r) => setTimeout(() => r('button'), 700))]);
	if (how === 'button') {
		assert.ok(await button.count() > 0, 'the language form has no submit button');
		await button.first().click();
	}
	await nav;
}

// Fill the case form (/cases/new or edit) from { field: value }: text, number and date
// inputs are filled, selects chosen, checkboxes set (value true/false), checkbox groups
// (arrays) ticked by value.
export async function fillCase(page, values) {
	for (const [id, v] of Object.entries(values)) {
		if (Array.isArray(v)) {
			for (const code of v) await page.check(`input[name="${id}"][value="${code}"]`);
			continue;
		}
		const el = page.locator(`#${id}`);
		const tag = await el.evaluate((e) => e.tagName.toLowerCase() + ':' + (e.type || ''));
		if (tag.startsWith('select')) await el.selectOption(String(v));
		else if (tag === 'input:checkbox') await el.setChecked(!!v);
		else await el.fill(String(v));
	}
}

// Save the case form; returns the short id when the save led to a case's page.
export async function saveCase(page) {
	await navigating(page, () => page.click('#save'));
	// registering a child who may be registered already shows the possible duplicates
	// first (#possible-duplicates, the button becomes "Save anyway"): the tests'
	// children are new ones, so save anyway
	if (path(page) === '/cases/new' && await page.locator('#possible-duplicates').count() > 0)
		await navigating(page, () => page.click('#save'));
	const m = /^\/cases\/([A-Za-z0-9]+)$/.exec(path(page));
	return m && m[1] !== 'new' ? m[1] : null;
}

// Register a case through /cases/new; returns its short id.
export async function registerCase(page, values) {
	await page.goto('/cases/new');
	await fillCase(page, values);
	const id = await saveCase(page);
	assert.ok(id, `saving a new case led to ${page.url()}, not to /cases/{id}; errors: ` +
	    `${await peek(page, '#error-summary')}`);
	return id;
}

// The top-level entries of #history (li or table rows not nested in another), as text.
export async function historyEntries(page) {
	return page.evaluate(() => {
		const h = document.querySelector('#history');
		if (!h) return null;
		const items = [...h.querySelectorAll('li, tbody tr, article, dl > div')];
		const top = items.filter((e) => {
			for (let p = e.parentElement; p && p !== h; p = p.parentElement)
				if (items.includes(p)) return false;
			return true;
		});
		return top.map((e) => e.textContent.replace(/\s+/g, ' ').trim());
	});
}

// The text of the first element matching `selector` now, without waiting: for messages.
export async function peek(page, selector) {
	return page.evaluate((sel) => {
		const e = document.querySelector(sel);
		return e ? e.textContent.replace(/\s+/g, ' ').trim().slice(0, 300) : `(no ${sel})`;
	}, selector).catch(() => '(page gone)');
}

export async function text(page, selector = 'body') {
	return (await page.locator(selector).first().textContent() || '').replace(/\s+/g, ' ');
}
