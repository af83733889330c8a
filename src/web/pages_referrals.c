/* pages_referrals.c — temporary during development */
#include "web/pages.h"

static void
page_tmp(struct http_request *req, struct http_response *resp)
{
	(void)req;
	http_empty(resp, 204);
}

static const struct http_route t[] = {
	{ HTTP_GET, "/referrals-tmp", HTTP_PAGE, page_tmp, NULL },
};
static const struct http_routes tr = { t, 1 };

const struct http_routes *
pages_referrals_routes(void)
{
	return &tr;
}
