/* err.c — names for error codes. */
#include "base/err.h"

const char *
rc_name(int rc)
{
	switch (rc) {
	case RC_OK:		return "ok";
	case RC_EINVALID:	return "invalid";
	case RC_ENOTFOUND:	return "not_found";
	case RC_ECONFLICT:	return "conflict";
	case RC_EDENIED:	return "forbidden";
	case RC_EEXIST:		return "exists";
	case RC_EINTEGRITY:	return "integrity";
	case RC_EIO:		return "io";
	case RC_ENOMEM:		return "no_memory";
	case RC_EAUTH:		return "unauthorized";
	case RC_ELOCKED:	return "locked";
	case RC_ETOOBIG:	return "too_large";
	default:		return "internal";
	}
}
