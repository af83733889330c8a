/* i18n.c — embedded gettext catalogs and ICU display names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/udat.h>
#include <unicode/uloc.h>
#include <unicode/ustring.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/embed.h"
#include "base/log.h"
#include "web/i18n.h"

const char *const i18n_langs[I18N_LANGS] = { "en", "fr", "ar", "es" };

static const char *const lang_names[I18N_LANGS] = {
	"English", "Français", "العربية", "Español"
};

/* One parsed .mo catalog: pointers into the embedded bytes. */
struct catalog {
	const char	*data;
	size_t		 len;
	uint32_t	 n;
	uint32_t	 orig;		/* offset of the originals table */
	uint32_t	 trans;		/* offset of the translations table */
	int		 swap;		/* the file's byte order is not ours */
};

static struct catalog catalogs[I18N_LANGS];

static uint32_t
mo_u32(const struct catalog *c, size_t off)
{
	uint32_t v;

	memcpy(&v, c->data + off, 4);
	if (c->swap)
		v = ((v & 0xffu) << 24) | ((v & 0xff00u) << 8) | ((v >> 8) & 0xff00u) |
		    (v >> 24);
	return v;
}

/* The string of table entry i at table offset `table`; NULL when out of bounds. */
static const char *
mo_string(const struct catalog *c, uint32_t table, uint32_t i)
{
	size_t at = (size_t)table + (size_t)i * 8;
	uint32_t len, off;

	if (at + 8 > c->len)
		return NULL;
	len = mo_u32(c, at);
	off = mo_u32(c, at + 4);
	if ((size_t)off + len >= c->len || c->data[off + len] != '\0')
		return NULL;
	return c->data + off;
}

static int
catalog_load(struct catalog *c, const char *path)
{
	const struct embed_file *e = embed_find(path);
	uint32_t magic, i;

	memset(c, 0, sizeof(*c));
	if (e == NULL)
		return 0;	/* no catalog: English msgids are shown */
	c->data = e->data;
	c->len = e->len;
	if (c->len < 28)
		goto bad;
	memcpy(&magic, c->data, 4);
	if (magic == 0x950412deu)
		c->swap = 0;
	else if (magic == 0xde120495u)
		c->swap = 1;
	else
		goto bad;
	c->n = mo_u32(c, 8);
	c->orig = mo_u32(c, 12);
	c->trans = mo_u32(c, 16);
	for (i = 0; i < c->n; i++)
		if (mo_string(c, c->orig, i) == NULL || mo_string(c, c->trans, i) == NULL)
			goto bad;
	for (i = 1; i < c->n; i++)	/* msgfmt sorts; lookups depend on it */
		if (strcmp(mo_string(c, c->orig, i - 1), mo_string(c, c->orig, i)) >= 0)
			goto bad;
	return 0;
bad:
	log_error("i18n: %s is not a valid sorted .mo catalog", path);
	memset(c, 0, sizeof(*c));
	return -1;
}

int
i18n_init(void)
{
	char path[32];
	size_t i;
	int rc = 0;

	for (i = 1; i < I18N_LANGS; i++) {
		snprintf(path, sizeof(path), "po/%s.mo", i18n_langs[i]);
		if (catalog_load(&catalogs[i], path) != 0)
			rc = -1;
	}
	return rc;
}

static size_t
lang_index(const char *lang)
{
	size_t i;

	for (i = 0; lang != NULL && i < I18N_LANGS; i++)
		if (strcmp(lang, i18n_langs[i]) == 0)
			return i;
	return 0;
}

const char *
i18n_lang(const char *lang)
{
	return i18n_langs[lang_index(lang)];
}

const char *
i18n_lang_name(const char *lang)
{
	return lang_names[lang_index(lang)];
}

int
i18n_rtl(const char *lang)
{
	return strcmp(i18n_lang(lang), "ar") == 0;
}

const char *
i18n_tr(const char *lang, const char *msgid)
{
	const struct catalog *c = &catalogs[lang_index(lang)];
	uint32_t lo = 0, hi = c->n;

	if (c->data == NULL || msgid == NULL || *msgid == '\0')
		return msgid;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(msgid, mo_string(c, c->orig, mid));

		if (cmp == 0) {
			const char *t = mo_string(c, c->trans, mid);

			return t != NULL && *t != '\0' ? t : msgid;
		}
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return msgid;
}

/* ---- ICU ------------------------------------------------------------------------ */

static void
utf16_to_out(const UChar *u, int32_t n, char *out, size_t outsz)
{
	UErrorCode err = U_ZERO_ERROR;

	u_strToUTF8(out, (int32_t)outsz, NULL, u, n, &err);
	if (U_FAILURE(err) || err == U_STRING_NOT_TERMINATED_WARNING)
		out[0] = '\0';
}

static void
format_udate(const char *lang, UDate when, UDateFormatStyle timestyle,
    UDateFormatStyle datestyle, char *out, size_t outsz)
{
	UErrorCode err = U_ZERO_ERROR;
	UDateFormat *f;
	UChar tz[4], buf[128];
	int32_t n;

	u_uastrcpy(tz, "UTC");
	f = udat_open(timestyle, datestyle, i18n_lang(lang), tz, -1, NULL, 0, &err);
	if (U_FAILURE(err)) {
		out[0] = '\0';
		return;
	}
	n = udat_format(f, when, buf, (int32_t)(sizeof(buf) / sizeof(buf[0])), NULL, &err);
	udat_close(f);
	if (U_FAILURE(err)) {
		out[0] = '\0';
		return;
	}
	utf16_to_out(buf, n, out, outsz);
}

void
i18n_datetime(const char *lang, int64_t t, char *out, size_t outsz)
{
	format_udate(lang, (UDate)t * 1000.0, UDAT_SHORT, UDAT_MEDIUM, out, outsz);
}

void
i18n_date(const char *lang, const char *ymd, char *out, size_t outsz)
{
	int y, m, d;

	if (ymd == NULL || date_parse(ymd, &y, &m, &d) != 0) {
		str_copy(out, outsz, ymd ? ymd : "");
		return;
	}
	/* long: the month by name, which reads well in every language */
	format_udate(lang, (UDate)date_days(y, m, d) * 86400000.0, UDAT_NONE, UDAT_LONG,
	    out, outsz);
	if (out[0] == '\0')
		str_copy(out, outsz, ymd);
}

static void
display_name(const char *lang, const char *code, int region, char *out, size_t outsz)
{
	UErrorCode err = U_ZERO_ERROR;
	UChar buf[128];
	char loc[16];
	int32_t n;

	if (code == NULL || strlen(code) > 3) {
		str_copy(out, outsz, code ? code : "");
		return;
	}
	snprintf(loc, sizeof(loc), region ? "und_%s" : "%s", code);
	n = region ?
	    uloc_getDisplayCountry(loc, i18n_lang(lang), buf, 128, &err) :
	    uloc_getDisplayLanguage(loc, i18n_lang(lang), buf, 128, &err);
	if (U_FAILURE(err) || n == 0) {
		str_copy(out, outsz, code);
		return;
	}
	utf16_to_out(buf, n, out, outsz);
	if (out[0] == '\0')
		str_copy(out, outsz, code);
}

void
i18n_region(const char *lang, const char *code, char *out, size_t outsz)
{
	display_name(lang, code, 1, out, outsz);
}

void
i18n_language(const char *lang, const char *code, char *out, size_t outsz)
{
	display_name(lang, code, 0, out, outsz);
}
