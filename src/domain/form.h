/*
 * form.h — forms as data: field definitions loaded from config/forms/ (JSON) and
 * config/lookups/, and the one generic validator every record passes through.
 *
 * Pure: no I/O. The caller hands in the JSON texts (embedded in the binary or read from
 * a configuration directory) and, for validation, the context (today's date, a way to
 * ask whether a location code exists).
 */
#ifndef DOMAIN_FORM_H
#define DOMAIN_FORM_H

#include <stddef.h>
#include <jansson.h>

enum form_type {
	FT_TEXT,		/* one line, max_length (default 200) */
	FT_TEXTAREA,		/* free text, max_length (default 10000) */
	FT_SELECT,		/* one option id (string) from options or lookup */
	FT_MULTI_SELECT,	/* array of distinct option ids */
	FT_DATE,		/* "YYYY-MM-DD"; optional no_future */
	FT_INTEGER,		/* JSON integer within min..max */
	FT_BOOLEAN,		/* JSON true/false (Primero tick_box) */
	FT_LOCATION,		/* location code (P-code) */
	FT_SUBFORM,		/* array of objects, each validated against `subform` */
	FT__MAX
};

/* Sensitivity classes, ordered from least to most sensitive; roles see up to a class. */
enum form_sensitivity {
	FS_BASIC,		/* coarse: sex, age, nationality, location, status */
	FS_IDENTIFYING,		/* names, date of birth, contacts, documents */
	FS_SENSITIVE,		/* protection concerns, family details, narratives */
	FS_RESTRICTED,		/* consent details, trafficking, health */
	FS__MAX
};

struct form;

struct form_field {
	const char		*id;
	enum form_type		 type;
	enum form_sensitivity	 sensitivity;
	const char		*section;	/* section id for display */
	const json_t		*labels;	/* {"en": ..., "fr": ..., "ar": ..., "es": ...} */
	const json_t		*help;		/* same shape, or NULL */
	const json_t		*options;	/* array of {"id", "display_text": {...}}, or NULL */
	const char		*lookup;	/* lookup id the options came from, or NULL */
	int			 required;
	int			 matchable;	/* used for search and matching */
	int			 no_future;	/* dates: not after today */
	int			 system;	/* set by the server, never by clients
						 * (top-level fields only) */
	long long		 min, max;	/* integers */
	size_t			 max_length;	/* text, bytes */
	size_t			 max_items;	/* multi_select and subform */
	const struct form	*subform;	/* FT_SUBFORM */
};

/* The set of forms and lookups of one instance. */
struct forms;

struct forms	*forms_new(void);			/* NULL when out of memory */
void		 forms_free(struct forms *fs);		/* NULL is fine */
/* Add one lookup file ({"id": "lookup-x", "values": [{"id", "display_text"}]}). */
int		 forms_add_lookup(struct forms *fs, const char *json, size_t n,
		    char *msg, size_t msgsz);
/* Add one form file; every lookup it names must already be added. RC_OK or
 * RC_EINVALID with `msg` naming the form, the field and the problem. */
int		 forms_add_form(struct forms *fs, const char *json, size_t n,
		    char *msg, size_t msgsz);
/* The form for a record type ("case"), or NULL. */
const struct form *forms_get(const struct forms *fs, const char *record_type);
/* The values of a lookup as a JSON array (borrowed), or NULL. */
const json_t	*forms_lookup(const struct forms *fs, const char *lookup_id);

const char	*form_id(const struct form *f);		/* record type */
const json_t	*form_labels(const struct form *f);	/* form name per language */
const json_t	*form_sections(const struct form *f);	/* [{"id","labels"}] in order */
size_t		 form_field_count(const struct form *f);
const struct form_field *form_field_at(const struct form *f, size_t i);
const struct form_field *form_field_find(const struct form *f, const char *id);
/* The form as JSON for clients (GET /api/v1/forms/{type}); caller decrefs. */
json_t		*form_to_json(const struct form *f);

#define FORM_ERRORS_MAX	32

struct form_error {
	char	field[128];	/* "sex", "family_details_section[1].relation", "" for the record */
	char	problem[192];	/* "is required", "is not one of the options", ... */
};

struct form_errors {
	size_t			n;
	size_t			dropped;	/* errors beyond FORM_ERRORS_MAX */
	struct form_error	e[FORM_ERRORS_MAX];
};

struct form_context {
	const char	*today;		/* "YYYY-MM-DD", for no_future dates */
	/* 1 when `code` is a known location; NULL accepts any well-formed code */
	int		(*location_exists)(void *arg, const char *code);
	void		*location_arg;
};

/*
 * Validate the whole record `data` against `f`: unknown fields, types, required fields
 * and the form's "required_one_of" groups, options, dates, integer ranges, string
 * lengths (bytes and valid UTF-8), subforms. Returns RC_OK, or RC_EINVALID with every
 * problem found in `errs` (each names its field; values are never quoted).
 */
int	form_validate(const struct form *f, const json_t *data,
	    const struct form_context *ctx, struct form_errors *errs);

/*
 * Refuse a client's change to a field the server sets ("system": true in the form
 * file): every system field whose value in `after` (the record as the client would
 * leave it) differs from `before` (the stored record; NULL on create, when system
 * fields must be absent) is named in `errs` with "is set by the system". null counts
 * as absent; an unchanged value passes, so a client may send back what it read.
 * Returns RC_OK or RC_EINVALID. Run it on client input only: the server's own
 * changes (workflow_approval_apply, domv_apply, ...) come after it.
 */
int	form_check_system(const struct form *f, const json_t *before, const json_t *after,
	    struct form_errors *errs);

/* "sex: is required; age: must be between 0 and 120" into `out`. */
void	form_errors_format(const struct form_errors *errs, char *out, size_t outsz);

#endif
