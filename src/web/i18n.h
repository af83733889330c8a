/*
 * i18n.h — the interface languages: gettext catalogs (po/LANG.po, compiled to .mo by
 * msgfmt and embedded in the binary), right-to-left, and dates, countries and
 * languages named in the user's language by ICU.
 *
 * Lookups do not depend on the process locale: every request says its language.
 * i18n_init() runs once before the server starts threads; afterwards all functions are
 * thread-safe.
 */
#ifndef WEB_I18N_H
#define WEB_I18N_H

#include <stddef.h>
#include <stdint.h>

#define I18N_LANGS	4

/* The interface languages, English first (the msgids are English). */
extern const char *const i18n_langs[I18N_LANGS];

/* Parse the embedded catalogs. 0, or -1 when one is malformed (logged). */
int	i18n_init(void);
/* `lang` when it is one of i18n_langs, else "en". */
const char *i18n_lang(const char *lang);
/* The translation of `msgid` into `lang`, or `msgid` itself. Never NULL. */
const char *i18n_tr(const char *lang, const char *msgid);
/* 1 for languages written right to left (ar). */
int	i18n_rtl(const char *lang);
/* The language's own name ("Français", "العربية"). */
const char *i18n_lang_name(const char *lang);

/* A moment (Unix seconds) as a medium date and short time in `lang`. */
void	i18n_datetime(const char *lang, int64_t t, char *out, size_t outsz);
/* A calendar date "YYYY-MM-DD" as a long date ("5 mars 2026") in `lang`; copied as
 * is when it is not a date. */
void	i18n_date(const char *lang, const char *ymd, char *out, size_t outsz);
/* The name of an ISO 3166 region ("ER") or ISO 639 language ("ti") in `lang`. */
void	i18n_region(const char *lang, const char *code, char *out, size_t outsz);
void	i18n_language(const char *lang, const char *code, char *out, size_t outsz);

#endif
