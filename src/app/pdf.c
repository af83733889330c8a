/*
 * pdf.c — a case summary as PDF, for a referral meeting or the paper file (libhpdf).
 *
 * The summary holds what app_record_get gives the user (the fields their role may
 * see), laid out by the case form's sections, in the user's language: labels from the
 * form file, option names, countries, languages and dates through the caller's words
 * (struct app_words), the rest through its catalog.
 *
 * Fonts are TrueType files loaded at run time and embedded in the document: DejaVu
 * Sans (Debian fonts-dejavu-core) for Latin, Arabic and most scripts, Noto Sans
 * Ethiopic (fonts-noto-core) for names in Ge'ez script when it is installed;
 * $ROUTECARE_FONT_DIR is searched first. libhpdf draws glyphs as given, in order, with
 * no shaping: Arabic is shaped here with ICU (u_shapeArabic, to presentation forms)
 * and each line is put in visual order with ICU's bidi algorithm (ubidi), so that
 * Arabic reads right to left, joined, and numbers and Latin names inside it stay
 * left to right. Pages for Arabic readers are laid out right to left.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hpdf.h>
#include <sodium.h>
#include <unicode/ubidi.h>
#include <unicode/ushape.h>
#include <unicode/ustring.h>

#include "app/impl.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/json.h"

#define PDF_W		595.0f		/* A4 in points */
#define PDF_H		842.0f
#define PDF_MARGIN	50.0f
#define PDF_LINE_MAX	2048		/* UTF-16 units of one paragraph handled */
#define PDF_BYTES_MAX	(16u * 1024 * 1024)

static const char *const pdf_font_dirs[] = {
	"/usr/share/fonts/truetype/dejavu",
	"/usr/share/fonts/truetype/noto",
	"/usr/share/fonts/truetype",
	NULL
};

struct pdf {
	HPDF_Doc		 doc;
	HPDF_Page		 page;
	HPDF_Font		 regular, bold, ethiopic;
	int			 failed;	/* libhpdf reported an error */
	int			 rtl;		/* the reader's language is Arabic */
	float			 y;		/* baseline of the next line */
	int			 pageno;
	const char		*footer;	/* "Case abc1234" */
	const struct app_words	*w;
};

static void
pdf_error(HPDF_STATUS error_no, HPDF_STATUS detail_no, void *user)
{
	(void)error_no;
	(void)detail_no;
	((struct pdf *)user)->failed = 1;
}

/* A font file `name` from $ROUTECARE_FONT_DIR or the Debian font directories. */
static int
pdf_font_path(const char *name, char *out, size_t outsz)
{
	const char *env = getenv("ROUTECARE_FONT_DIR");
	size_t i;

	if (env != NULL && *env != '\0' &&
	    snprintf(out, outsz, "%s/%s", env, name) < (int)outsz && access(out, R_OK) == 0)
		return 0;
	for (i = 0; pdf_font_dirs[i] != NULL; i++)
		if (snprintf(out, outsz, "%s/%s", pdf_font_dirs[i], name) < (int)outsz &&
		    access(out, R_OK) == 0)
			return 0;
	return -1;
}

static HPDF_Font
pdf_font(struct pdf *p, const char *file)
{
	char path[1024];
	const char *name;

	if (pdf_font_path(file, path, sizeof(path)) != 0)
		return NULL;
	if ((name = HPDF_LoadTTFontFromFile(p->doc, path, HPDF_TRUE)) == NULL)
		return NULL;
	return HPDF_GetFont(p->doc, name, "UTF-8");
}

static const char *
pdf_tr(const struct pdf *p, const char *msgid)
{
	return p->w != NULL && p->w->tr != NULL ? p->w->tr(p->w->lang, msgid) : msgid;
}

static const char *
pdf_lang(const struct pdf *p)
{
	return p->w != NULL && p->w->lang != NULL ? p->w->lang : "en";
}

/* 1 when the UTF-16 text holds Ethiopic letters. */
static int
pdf_is_ethiopic(const UChar *u, int32_t n)
{
	int32_t i;

	for (i = 0; i < n; i++)
		if ((u[i] >= 0x1200 && u[i] <= 0x139f) || (u[i] >= 0x2d80 && u[i] <= 0x2ddf) ||
		    (u[i] >= 0xab00 && u[i] <= 0xab2f))
			return 1;
	return 0;
}

/* ---- pages ---------------------------------------------------------------------------- */

static void
pdf_footer(struct pdf *p)
{
	char text[160];
	float w;

	snprintf(text, sizeof(text), "%s \xe2\x80\x94 %d", p->footer, p->pageno);
	HPDF_Page_BeginText(p->page);
	HPDF_Page_SetFontAndSize(p->page, p->regular, 8);
	w = HPDF_Page_TextWidth(p->page, text);
	HPDF_Page_TextOut(p->page, p->rtl ? PDF_MARGIN : PDF_W - PDF_MARGIN - w, 30, text);
	HPDF_Page_EndText(p->page);
}

static int
pdf_new_page(struct pdf *p)
{
	if ((p->page = HPDF_AddPage(p->doc)) == NULL)
		return -1;
	HPDF_Page_SetSize(p->page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
	p->pageno++;
	p->y = PDF_H - PDF_MARGIN;
	pdf_footer(p);
	return p->failed ? -1 : 0;
}

/* Room for `h` points more on this page, else a new page. */
static int
pdf_room(struct pdf *p, float h)
{
	if (p->y - h >= PDF_MARGIN + 20)
		return 0;
	return pdf_new_page(p);
}

/* ---- text -------------------------------------------------------------------------------- */

/* Draw one line already in logical order: put it in visual order and align it. */
static int
pdf_draw_line(struct pdf *p, HPDF_Font font, float size, const UChar *u, int32_t n,
    float indent)
{
	UErrorCode e = U_ZERO_ERROR;
	UChar vis[PDF_LINE_MAX];
	char text[PDF_LINE_MAX * 3 + 1];
	UBiDi *bidi;
	int32_t vn;
	float w, x;

	if ((bidi = ubidi_open()) == NULL)
		return -1;
	ubidi_setPara(bidi, u, n, p->rtl ? UBIDI_DEFAULT_RTL : UBIDI_DEFAULT_LTR, NULL, &e);
	vn = ubidi_writeReordered(bidi, vis, PDF_LINE_MAX, UBIDI_DO_MIRRORING |
	    UBIDI_REMOVE_BIDI_CONTROLS, &e);
	ubidi_close(bidi);
	if (U_FAILURE(e))
		return -1;
	u_strToUTF8(text, (int32_t)sizeof(text), NULL, vis, vn, &e);
	if (U_FAILURE(e))
		return -1;
	if (pdf_room(p, size * 1.35f) != 0)
		return -1;
	p->y -= size * 1.35f;
	HPDF_Page_BeginText(p->page);
	HPDF_Page_SetFontAndSize(p->page, font, size);
	w = HPDF_Page_TextWidth(p->page, text);
	x = p->rtl ? PDF_W - PDF_MARGIN - indent - w : PDF_MARGIN + indent;
	HPDF_Page_TextOut(p->page, x, p->y, text);
	HPDF_Page_EndText(p->page);
	sodium_memzero(text, sizeof(text));
	sodium_memzero(vis, sizeof(vis));
	return p->failed ? -1 : 0;
}

/* The width of UTF-16 text in `font` at `size`. */
static float
pdf_width(HPDF_Font font, float size, const UChar *u, int32_t n)
{
	char text[PDF_LINE_MAX * 3 + 1];
	UErrorCode e = U_ZERO_ERROR;
	HPDF_TextWidth tw;

	u_strToUTF8(text, (int32_t)sizeof(text), NULL, u, n, &e);
	if (U_FAILURE(e))
		return 0;
	tw = HPDF_Font_TextWidth(font, (const HPDF_BYTE *)text, (HPDF_UINT)strlen(text));
	sodium_memzero(text, sizeof(text));
	return (float)tw.width * size / 1000.0f;
}

static int pdf_chunk(struct pdf *p, const char *s, int bold, float size, float indent);

/*
 * A text of any length: paragraphs (at line ends) of at most PDF_CHUNK bytes each, cut
 * at a space, or else between two characters, when longer.
 */
#define PDF_CHUNK	1500	/* bytes: fewer UTF-16 units than PDF_LINE_MAX */

static int
pdf_text(struct pdf *p, const char *s, int bold, float size, float indent)
{
	char chunk[PDF_CHUNK + 1];
	size_t n, cut;
	int rc = 0;

	while (s != NULL && *s != '\0' && rc == 0) {
		n = strcspn(s, "\n");
		cut = n;
		if (cut > PDF_CHUNK) {
			cut = PDF_CHUNK;
			while (cut > PDF_CHUNK / 2 && s[cut] != ' ')
				cut--;
			if (s[cut] != ' ')
				for (cut = PDF_CHUNK; cut > 0 &&
				    ((unsigned char)s[cut] & 0xc0) == 0x80; cut--)
					;
		}
		memcpy(chunk, s, cut);
		chunk[cut] = '\0';
		rc = pdf_chunk(p, chunk, bold, size, indent);
		sodium_memzero(chunk, sizeof(chunk));
		s += cut;
		if (*s == '\n' || *s == ' ')
			s++;
	}
	return rc;
}

/*
 * A paragraph of UTF-8 text (at most PDF_CHUNK bytes): Arabic shaped, wrapped at
 * spaces to the page width (a word longer than a line is cut), each line drawn in
 * visual order.
 */
static int
pdf_chunk(struct pdf *p, const char *s, int bold, float size, float indent)
{
	UErrorCode e = U_ZERO_ERROR;
	UChar u[PDF_LINE_MAX], sh[PDF_LINE_MAX];
	HPDF_Font font = bold ? p->bold : p->regular;
	float maxw = PDF_W - 2 * PDF_MARGIN - indent;
	int32_t n, m, start, end, last_space, i;
	int rc = 0;

	if (s == NULL || *s == '\0')
		return 0;
	u_strFromUTF8WithSub(u, PDF_LINE_MAX, &n, s, -1, 0xfffd, NULL, &e);
	if (U_FAILURE(e) || n > PDF_LINE_MAX)
		return -1;
	m = u_shapeArabic(u, n, sh, PDF_LINE_MAX, U_SHAPE_LETTERS_SHAPE |
	    U_SHAPE_TEXT_DIRECTION_LOGICAL, &e);
	if (U_FAILURE(e))
		return -1;
	if (p->ethiopic != NULL && pdf_is_ethiopic(sh, m))
		font = p->ethiopic;
	for (start = 0; start < m && rc == 0; start = end) {
		while (start < m && sh[start] == ' ')
			start++;
		if (start >= m)
			break;
		last_space = -1;
		for (i = start; i < m && sh[i] != '\n'; i++) {
			if (sh[i] == ' ')
				last_space = i;
			if (pdf_width(font, size, sh + start, i + 1 - start) > maxw)
				break;
		}
		if (i < m && sh[i] != '\n' && last_space > start)
			end = last_space;
		else
			end = i > start ? i : start + 1;
		rc = pdf_draw_line(p, font, size, sh + start, end - start, indent);
		if (end < m && sh[end] == '\n')
			end++;
	}
	sodium_memzero(u, sizeof(u));
	sodium_memzero(sh, sizeof(sh));
	return rc;
}

/* A rule under a heading. */
static void
pdf_rule(struct pdf *p)
{
	p->y -= 4;
	HPDF_Page_SetLineWidth(p->page, 0.5f);
	HPDF_Page_MoveTo(p->page, PDF_MARGIN, p->y);
	HPDF_Page_LineTo(p->page, PDF_W - PDF_MARGIN, p->y);
	HPDF_Page_Stroke(p->page);
}

/* ---- values ------------------------------------------------------------------------------- */

static const char *
label_in(const json_t *labels, const char *lang)
{
	const char *s = json_get_str(labels, lang);

	return s != NULL && *s != '\0' ? s : json_get_str(labels, "en");
}

/* One value as text in the reader's language into `b`. */
static void
pdf_value_text(struct pdf *p, const struct form_field *f, const json_t *v,
    const json_t *locations, struct buf *b)
{
	const char *lang = pdf_lang(p), *s;
	const json_t *e, *o;
	char name[256];
	size_t i;

	if (json_is_boolean(v)) {
		buf_puts(b, pdf_tr(p, json_is_true(v) ? "Yes" : "No"));
		return;
	}
	if (json_is_integer(v)) {
		buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return;
	}
	if (json_is_array(v)) {
		json_array_foreach(v, i, e) {
			if (i > 0)
				buf_puts(b, pdf_tr(p, ", "));
			pdf_value_text(p, f, e, locations, b);
		}
		return;
	}
	if ((s = json_string_value(v)) == NULL)
		return;
	name[0] = '\0';
	if (f->lookup != NULL && strcmp(f->lookup, "lookup-country") == 0 && p->w != NULL &&
	    p->w->region != NULL)
		p->w->region(lang, s, name, sizeof(name));
	else if (f->lookup != NULL && strcmp(f->lookup, "lookup-language") == 0 &&
	    p->w != NULL && p->w->language != NULL)
		p->w->language(lang, s, name, sizeof(name));
	else if (f->type == FT_DATE && p->w != NULL && p->w->date != NULL)
		p->w->date(lang, s, name, sizeof(name));
	else if (f->type == FT_LOCATION) {
		json_array_foreach(locations, i, o)
			if (strcmp(json_get_str(o, "code") ? json_get_str(o, "code") : "", s) ==
			    0 && label_in(json_object_get(o, "names"), lang) != NULL)
				snprintf(name, sizeof(name), "%s (%s)", label_in(
				    json_object_get(o, "names"), lang), s);
	} else if (f->options != NULL) {
		json_array_foreach(f->options, i, o)
			if (strcmp(json_get_str(o, "id") ? json_get_str(o, "id") : "", s) == 0 &&
			    label_in(json_object_get(o, "display_text"), lang) != NULL)
				str_copy(name, sizeof(name), label_in(json_object_get(o,
				    "display_text"), lang));
	}
	buf_puts(b, name[0] != '\0' ? name : s);
}

/* A field: its label, then its value (subforms: entry by entry). */
static int
pdf_field(struct pdf *p, const struct form_field *f, const json_t *v,
    const json_t *locations, float indent)
{
	struct buf b = BUF_INIT;
	const json_t *row, *sv;
	char head[256];
	size_t i, k;
	int rc;

	if ((rc = pdf_text(p, label_in(f->labels, pdf_lang(p)), 1, 9, indent)) != 0)
		return rc;
	if (f->type == FT_SUBFORM && f->subform != NULL && json_is_array(v)) {
		json_array_foreach(v, i, row) {
			snprintf(head, sizeof(head), "%s %zu", pdf_tr(p, "Entry"), i + 1);
			if ((rc = pdf_text(p, head, 1, 9, indent + 12)) != 0)
				return rc;
			for (k = 0; k < form_field_count(f->subform); k++) {
				const struct form_field *sf = form_field_at(f->subform, k);

				if ((sv = json_object_get(row, sf->id)) == NULL ||
				    json_is_null(sv))
					continue;
				if ((rc = pdf_field(p, sf, sv, locations, indent + 24)) != 0)
					return rc;
			}
		}
		return 0;
	}
	pdf_value_text(p, f, v, locations, &b);
	rc = pdf_text(p, b.p, 0, 10, indent + 8);
	buf_wipe(&b);
	return rc;
}

/* The words of the index values a summary shows. */
static const char *const pdf_values[][2] = {
	{ "open", "Open" }, { "closed", "Closed" }, { "high", "High" },
	{ "medium", "Medium" }, { "low", "Low" }, { "new", "New" },
	{ "assessment", "Assessment" }, { "case_plan", "Case plan" },
	{ "implementation", "Implementation" }, { "follow_up", "Follow-up" },
	{ "closure_requested", "Closure requested" }, { "reopened", "Reopened" },
};

/* The facts every summary starts with, from the record's metadata. */
static int
pdf_meta(struct pdf *p, const json_t *c)
{
	static const struct { const char *key, *msgid; } facts[] = {
		{ "status", "Status" }, { "workflow", "Stage" },
		{ "risk_level", "Risk level" }, { "created_at", "Registered" },
		{ "updated_at", "Last updated" }, { "owned_by", "Caseworker" },
	};
	char line[512], when[32];
	size_t i, k;
	int rc = 0;

	for (i = 0; i < sizeof(facts) / sizeof(facts[0]) && rc == 0; i++) {
		const char *v = json_get_str(c, facts[i].key);

		if (v == NULL || *v == '\0')
			continue;
		for (k = 0; k < sizeof(pdf_values) / sizeof(pdf_values[0]); k++)
			if (strcmp(pdf_values[k][0], v) == 0)
				v = pdf_tr(p, pdf_values[k][1]);
		/* "2026-11-23T12:00:00Z" as "2026-11-23 12:00 UTC" */
		if (strlen(v) == CLOCK_ISO_SIZE - 1 && v[10] == 'T') {
			snprintf(when, sizeof(when), "%.10s %.5s UTC", v, v + 11);
			v = when;
		}
		snprintf(line, sizeof(line), "%s: %s", pdf_tr(p, facts[i].msgid), v);
		rc = pdf_text(p, line, 0, 10, 0);
	}
	return rc;
}

static int
pdf_sections(struct pdf *p, const struct form *form, const json_t *c,
    const json_t *locations)
{
	const json_t *sec, *v;
	size_t s, i;
	int rc = 0, any;

	json_array_foreach(form_sections(form), s, sec) {
		const char *sid = json_get_str(sec, "id");

		any = 0;
		for (i = 0; i < form_field_count(form) && rc == 0; i++) {
			const struct form_field *f = form_field_at(form, i);

			if (sid == NULL || f->section == NULL || strcmp(f->section, sid) != 0 ||
			    (v = json_object_get(c, f->id)) == NULL || json_is_null(v))
				continue;
			if (!any) {
				if ((rc = pdf_room(p, 60)) != 0)
					return rc;
				p->y -= 8;
				rc = pdf_text(p, label_in(json_object_get(sec, "labels"),
				    pdf_lang(p)), 1, 12, 0);
				pdf_rule(p);
				any = 1;
			}
			if (rc == 0)
				rc = pdf_field(p, f, v, locations, 0);
		}
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* ---- the use case ---------------------------------------------------------------------- */

int
app_case_summary_pdf(struct app *a, const struct app_actor *u, const char *id,
    const struct app_words *w, struct buf *out, char short_id[SHORT_ID_SIZE],
    struct app_error *err)
{
	struct pdf p;
	const struct form *form = forms_get(a->forms, "case");
	json_t *c = NULL, *locs = NULL, *fields = NULL, *v;
	const char *key;
	char title[128], footer[96], when[CLOCK_ISO_SIZE], line[256];
	HPDF_UINT32 size;
	size_t start = out->len;
	int rc;

	memset(&p, 0, sizeof(p));
	short_id[0] = '\0';
	p.w = w;
	p.rtl = w != NULL && w->lang != NULL && strcmp(w->lang, "ar") == 0;
	if (form == NULL)
		return app_fail(err, RC_EINTERNAL, "no case form is configured");
	/* the case as the user may see it: the read use case, its policy and audit */
	if ((rc = app_record_get(a, u, "case", id, &c, err)) != RC_OK)
		return rc;
	if ((rc = app_location_list(a, u, &locs, err)) != RC_OK)
		goto out;
	str_copy(short_id, SHORT_ID_SIZE, json_get_str(c, "short_id") ?
	    json_get_str(c, "short_id") : "");
	if ((p.doc = HPDF_New(pdf_error, &p)) == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	HPDF_UseUTFEncodings(p.doc);
	HPDF_SetCompressionMode(p.doc, HPDF_COMP_ALL);
	p.regular = pdf_font(&p, "DejaVuSans.ttf");
	p.bold = pdf_font(&p, "DejaVuSans-Bold.ttf");
	p.ethiopic = pdf_font(&p, "NotoSansEthiopic-Regular.ttf");
	p.failed = 0;		/* a missing optional font is no failure */
	if (p.regular == NULL) {
		rc = app_fail(err, RC_EIO, "the PDF font DejaVu Sans is not installed "
		    "(Debian package fonts-dejavu-core)");
		goto out;
	}
	if (p.bold == NULL)
		p.bold = p.regular;
	snprintf(footer, sizeof(footer), "%s %s", pdf_tr(&p, "Case"), short_id);
	p.footer = footer;
	HPDF_SetInfoAttr(p.doc, HPDF_INFO_CREATOR, "RouteCare");
	HPDF_SetInfoAttr(p.doc, HPDF_INFO_TITLE, footer);
	if (pdf_new_page(&p) != 0)
		goto fail;
	snprintf(title, sizeof(title), "%s %s", pdf_tr(&p, "Case summary"), short_id);
	if (pdf_text(&p, title, 1, 16, 0) != 0)
		goto fail;
	clock_iso(clock_now(), when);
	snprintf(line, sizeof(line), "%s: %.10s %.5s UTC, %s", pdf_tr(&p, "Printed"), when,
	    when + 11, u->username);
	if (pdf_text(&p, line, 0, 8, 0) != 0 ||
	    pdf_text(&p, pdf_tr(&p, "Confidential: child protection information. Share "
	    "only with those who need it for the child's care, as the consent allows."),
	    1, 8, 0) != 0)
		goto fail;
	pdf_rule(&p);
	p.y -= 4;
	if (pdf_meta(&p, c) != 0 ||
	    pdf_sections(&p, form, c, json_object_get(locs, "data")) != 0)
		goto fail;
	if (p.failed || HPDF_SaveToStream(p.doc) != HPDF_OK)
		goto fail;
	if ((size = HPDF_GetStreamSize(p.doc)) == 0 || size > PDF_BYTES_MAX ||
	    buf_reserve(out, size + 1) != 0)
		goto fail;
	if (HPDF_ReadFromStream(p.doc, (HPDF_BYTE *)out->p + out->len, &size) !=
	    HPDF_OK && size == 0)
		goto fail;
	out->len += size;
	out->p[out->len] = '\0';
	/* audited with the ids of the fields it holds, never their values */
	if ((fields = json_array()) != NULL)
		json_object_foreach(c, key, v)
			if (form_field_find(form, key) != NULL)
				json_array_append_new(fields, json_string(key));
	audit_note(a, u, "export.case_summary", json_get_str(c, "id"), fields, "ok: pdf");
	rc = RC_OK;
	goto out;
fail:
	rc = app_fail(err, RC_EINTERNAL, "cannot make the PDF of case %s", short_id);
	out->len = start;
	if (out->p != NULL)
		out->p[start] = '\0';
out:
	if (p.doc != NULL)
		HPDF_Free(p.doc);
	json_decref(fields);
	json_decref(locs);
	json_decref(c);
	return rc;
}
