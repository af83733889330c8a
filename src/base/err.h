/*
 * err.h — the error codes every layer returns.
 *
 * A function that can fail returns RC_OK (0) or one of these negative codes. The code
 * says what kind of failure it was so that adapters can map it to an exit status or an
 * HTTP status; the detail, when there is one, travels in the caller's message buffer.
 */
#ifndef BASE_ERR_H
#define BASE_ERR_H

enum rc {
	RC_OK = 0,
	RC_EINVALID = -1,	/* bad input from the caller: names the problem */
	RC_ENOTFOUND = -2,	/* no such record, or one the caller may not see */
	RC_ECONFLICT = -3,	/* stale revision: nothing written */
	RC_EDENIED = -4,	/* policy refused the action */
	RC_EEXIST = -5,		/* already exists (unique key) */
	RC_EINTEGRITY = -6,	/* sealed data failed authentication: tampered or wrong key */
	RC_EIO = -7,		/* file system or database failure */
	RC_ENOMEM = -8,		/* allocation failed or size overflow */
	RC_EAUTH = -9,		/* bad credentials */
	RC_ELOCKED = -10,	/* account locked for a while */
	RC_ETOOBIG = -11,	/* input over a size or depth limit */
	RC_EINTERNAL = -12	/* a bug or an unexpected state */
};

/* A short stable name for `rc` ("invalid", "not_found", ...); never NULL. */
const char *rc_name(int rc);

#endif
