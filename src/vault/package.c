/* package.c — instance identity and signed, sealed transfer packages (libsodium). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/json.h"
#include "vault/package.h"
#include "vault/vault.h"

/* ---- format constants: part of the data format, never change them for v1 ------- */

#define KDF_CONTEXT		"RCtransf"	/* crypto_kdf: exactly 8 bytes */
#define KDF_BOX_ID		1
#define KDF_SIGN_ID		2

#define IDENTITY_PREFIX		"rcid1:"
#define IDENTITY_PREFIX_LEN	(sizeof(IDENTITY_PREFIX) - 1)
#define IDENTITY_KEYS_LEN	86	/* base64url of 64 bytes, no padding */
#define IDENTITY_CHECK_BYTES	6
#define IDENTITY_CHECK_LEN	8	/* base64url of 6 bytes */
#define IDENTITY_INPUT_MAX	512	/* longer input is not an identity */
#define CHECKSUM_CONTEXT	"RouteCare identity checksum"
#define FINGERPRINT_CONTEXT	"RouteCare identity fingerprint"
static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

#define TEXT_FIRST_LINE		"RouteCare transfer package v1"
#define TEXT_VERSION_PREFIX	"RouteCare transfer package v"
#define TEXT_LAST_LINE		"end of RouteCare transfer package"
#define TEXT_LINE_CHARS		76	/* base64 characters a line ... */
#define TEXT_LINE_BYTES		57	/* ... carrying this many bytes */
#define SIGN_CONTEXT		"RouteCare transfer package v1 signature"
#define SIGN_CONTEXT_SIZE	sizeof(SIGN_CONTEXT)	/* the NUL is signed too */
#define BIND_CONTEXT		"RouteCare transfer package v1 header"

#define B64			sodium_base64_VARIANT_URLSAFE_NO_PADDING

/* Body offsets, see package.h. */
enum {
	OFF_SENDER_BOX = 0,
	OFF_SENDER_SIGN = 32,
	OFF_RECIPIENT = 64,
	OFF_ID = 96,
	OFF_CREATED = 112,
	OFF_EXPIRES = 120,
	OFF_EPK = 128,
	OFF_NONCE = 160,
	HEADER_BYTES = 184,
	ID_BYTES = 16,
	BIND_BYTES = 32,
	SIG_BYTES = crypto_sign_BYTES,
	BOX_OVERHEAD = crypto_box_MACBYTES + BIND_BYTES,
	BODY_MIN = HEADER_BYTES + BOX_OVERHEAD + SIG_BYTES
};

/*
 * 1 when s[0, n) is all base64url characters. sodium_base642bin (1.0.18, as installed
 * here) decodes every byte from 0x80 to 0xff as '_': without this check a byte with
 * its high bit flipped would decode to the same bytes and the package would open.
 */
static int
b64url_only(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

/* ---- identity ------------------------------------------------------------------ */

int
package_identity(const struct vault *v, struct package_identity *id)
{
	uint8_t k[VAULT_KEY_BYTES], seed[32];
	int rc = RC_EINTERNAL;

	memset(id, 0, sizeof(*id));
	if (vault_subkey(v, VAULT_TRANSFER, k) != RC_OK)
		goto out;
	if (crypto_kdf_derive_from_key(seed, sizeof(seed), KDF_BOX_ID, KDF_CONTEXT, k) != 0 ||
	    crypto_box_seed_keypair(id->pub.box, id->box_sk, seed) != 0)
		goto out;
	if (crypto_kdf_derive_from_key(seed, sizeof(seed), KDF_SIGN_ID, KDF_CONTEXT, k) != 0 ||
	    crypto_sign_seed_keypair(id->pub.sign, id->sign_sk, seed) != 0)
		goto out;
	rc = RC_OK;
out:
	sodium_memzero(k, sizeof(k));
	sodium_memzero(seed, sizeof(seed));
	if (rc != RC_OK)
		package_identity_wipe(id);
	return rc;
}

void
package_identity_wipe(struct package_identity *id)
{
	sodium_memzero(id, sizeof(*id));
}

/* The 8 checksum characters of "rcid1:" + the key characters. */
static void
identity_checksum(const char *keys, char out[IDENTITY_CHECK_LEN + 1])
{
	crypto_generichash_state st;
	uint8_t h[crypto_generichash_BYTES_MIN];

	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	crypto_generichash_update(&st, (const uint8_t *)CHECKSUM_CONTEXT,
	    sizeof(CHECKSUM_CONTEXT));
	crypto_generichash_update(&st, (const uint8_t *)IDENTITY_PREFIX, IDENTITY_PREFIX_LEN);
	crypto_generichash_update(&st, (const uint8_t *)keys, IDENTITY_KEYS_LEN);
	crypto_generichash_final(&st, h, sizeof(h));
	sodium_bin2base64(out, IDENTITY_CHECK_LEN + 1, h, IDENTITY_CHECK_BYTES, B64);
}

int
package_identity_string(const struct package_pub *pub, char *out, size_t outsz)
{
	uint8_t keys[2 * PACKAGE_KEY_BYTES];
	char *p;

	if (outsz < PACKAGE_IDENTITY_SIZE) {
		if (outsz > 0)
			out[0] = '\0';
		return RC_ETOOBIG;
	}
	memcpy(keys, pub->box, PACKAGE_KEY_BYTES);
	memcpy(keys + PACKAGE_KEY_BYTES, pub->sign, PACKAGE_KEY_BYTES);
	memcpy(out, IDENTITY_PREFIX, IDENTITY_PREFIX_LEN);
	p = out + IDENTITY_PREFIX_LEN;
	sodium_bin2base64(p, IDENTITY_KEYS_LEN + 1, keys, sizeof(keys), B64);
	p[IDENTITY_KEYS_LEN] = ':';
	identity_checksum(p, p + IDENTITY_KEYS_LEN + 1);
	return RC_OK;
}

static const char *const identity_why_text[PACKAGE_IDENTITY__MAX] = {
	[PACKAGE_IDENTITY_OK] = "a valid RouteCare identity",
	[PACKAGE_IDENTITY_EPREFIX] = "not a RouteCare identity: it must start with \"rcid1:\"",
	[PACKAGE_IDENTITY_ESHAPE] = "not a RouteCare identity: expected rcid1:KEYS:CHECKSUM "
	    "on one line",
	[PACKAGE_IDENTITY_ELENGTH] = "the key part of the identity has the wrong length "
	    "(86 characters expected): characters are missing or extra",
	[PACKAGE_IDENTITY_EBASE64] = "the key part of the identity holds characters that "
	    "cannot be there: it was mistyped or damaged",
	[PACKAGE_IDENTITY_ECHECKSUM] = "the identity's checksum does not match: it was "
	    "mistyped or damaged; copy it again",
	[PACKAGE_IDENTITY_EKEY] = "the identity is well formed but does not hold usable "
	    "public keys",
};

const char *
package_identity_why_text(enum package_identity_why why)
{
	if ((int)why < 0 || why >= PACKAGE_IDENTITY__MAX)
		return "unknown problem with the identity";
	return identity_why_text[why];
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* 1 when both keys can be used: Ed25519 in the main subgroup, X25519 not of low order. */
static int
pub_usable(const struct package_pub *pub)
{
	static const uint8_t scalar[crypto_scalarmult_SCALARBYTES] = { 9, 1, 2, 3, 4, 5 };
	uint8_t q[crypto_scalarmult_BYTES];
	int ok;

	if (crypto_core_ed25519_is_valid_point(pub->sign) != 1)
		return 0;
	ok = crypto_scalarmult(q, scalar, pub->box) == 0;	/* -1 for low order */
	sodium_memzero(q, sizeof(q));
	return ok;
}

int
package_identity_parse(const char *s, struct package_pub *pub,
    enum package_identity_why *why)
{
	enum package_identity_why w = PACKAGE_IDENTITY_EPREFIX;
	uint8_t keys[2 * PACKAGE_KEY_BYTES];
	char check[IDENTITY_CHECK_LEN + 1];
	const char *end, *keys_at, *colon;
	size_t n, binlen;

	memset(pub, 0, sizeof(*pub));
	if (s == NULL)
		goto out;
	while (is_space(*s))
		s++;
	n = strnlen(s, IDENTITY_INPUT_MAX + 1);
	if (n < IDENTITY_PREFIX_LEN || memcmp(s, IDENTITY_PREFIX, IDENTITY_PREFIX_LEN) != 0)
		goto out;
	w = PACKAGE_IDENTITY_ESHAPE;
	if (n > IDENTITY_INPUT_MAX)	/* before trimming: the end must be the real end */
		goto out;
	while (n > 0 && is_space(s[n - 1]))
		n--;
	end = s + n;
	keys_at = s + IDENTITY_PREFIX_LEN;
	if ((colon = memchr(keys_at, ':', (size_t)(end - keys_at))) == NULL)
		goto out;
	if ((size_t)(end - colon - 1) != IDENTITY_CHECK_LEN ||
	    memchr(colon + 1, ':', IDENTITY_CHECK_LEN) != NULL)
		goto out;
	w = PACKAGE_IDENTITY_ELENGTH;
	if ((size_t)(colon - keys_at) != IDENTITY_KEYS_LEN)
		goto out;
	w = PACKAGE_IDENTITY_EBASE64;
	if (!b64url_only(keys_at, IDENTITY_KEYS_LEN) || sodium_base642bin(keys,
	    sizeof(keys), keys_at, IDENTITY_KEYS_LEN, NULL, &binlen, NULL, B64) != 0 ||
	    binlen != sizeof(keys))
		goto out;
	w = PACKAGE_IDENTITY_ECHECKSUM;
	identity_checksum(keys_at, check);
	if (memcmp(check, colon + 1, IDENTITY_CHECK_LEN) != 0)
		goto out;
	memcpy(pub->box, keys, PACKAGE_KEY_BYTES);
	memcpy(pub->sign, keys + PACKAGE_KEY_BYTES, PACKAGE_KEY_BYTES);
	w = PACKAGE_IDENTITY_EKEY;
	if (!pub_usable(pub))
		goto out;
	w = PACKAGE_IDENTITY_OK;
out:
	if (w != PACKAGE_IDENTITY_OK)
		memset(pub, 0, sizeof(*pub));
	if (why != NULL)
		*why = w;
	return w == PACKAGE_IDENTITY_OK ? RC_OK : RC_EINVALID;
}

void
package_fingerprint(const struct package_pub *pub, char out[PACKAGE_FINGERPRINT_SIZE])
{
	crypto_generichash_state st;
	uint8_t h[32];
	size_t i, o = 0;

	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	crypto_generichash_update(&st, (const uint8_t *)FINGERPRINT_CONTEXT,
	    sizeof(FINGERPRINT_CONTEXT));
	crypto_generichash_update(&st, pub->box, PACKAGE_KEY_BYTES);
	crypto_generichash_update(&st, pub->sign, PACKAGE_KEY_BYTES);
	crypto_generichash_final(&st, h, sizeof(h));
	/* 20 characters of 5 bits each, most significant bit first */
	for (i = 0; i < 20; i++) {
		size_t bit = 5 * i, byte = bit / 8, shift = bit % 8;
		unsigned v = ((unsigned)h[byte] << 8 | h[byte + 1]) >> (11 - shift);

		if (i > 0 && i % 4 == 0)
			out[o++] = '-';
		out[o++] = crockford[v & 31];
	}
	out[o] = '\0';
}

int
package_pub_equal(const struct package_pub *a, const struct package_pub *b)
{
	return sodium_memcmp(a->box, b->box, PACKAGE_KEY_BYTES) == 0 &&
	    sodium_memcmp(a->sign, b->sign, PACKAGE_KEY_BYTES) == 0;
}

/* ---- payload ------------------------------------------------------------------- */

static const char *const kind_names[PACKAGE_KIND__MAX] = {
	[PACKAGE_KIND_CASE] = "case",
	[PACKAGE_KIND_REFERRAL] = "referral",
	[PACKAGE_KIND_ACK] = "ack",
};

const char *
package_kind_name(enum package_kind k)
{
	if ((int)k < 0 || k >= PACKAGE_KIND__MAX)
		return NULL;
	return kind_names[k];
}

/* The kind of a payload that is a JSON object with a known "kind"; -1 otherwise. */
static int
payload_kind(const char *s, size_t n)
{
	const char *kind;
	char msg[128];
	json_t *j;
	int k, found = -1;

	if (json_parse_bounded(s, n, PACKAGE_PAYLOAD_MAX, JSON_DEPTH_MAX, 1, &j, msg,
	    sizeof(msg)) != RC_OK)
		return -1;
	if ((kind = json_get_str(j, "kind")) != NULL)
		for (k = 0; k < PACKAGE_KIND__MAX; k++)
			if (strcmp(kind, kind_names[k]) == 0)
				found = k;
	json_decref(j);
	return found;
}

/* ---- packages ------------------------------------------------------------------ */

static void
be64_put(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

static uint64_t
be64_get(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* BLAKE2b-256 of the header: what the sealed contents say they belong to. */
static void
header_bind(const uint8_t *header, uint8_t out[BIND_BYTES])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, BIND_BYTES);
	crypto_generichash_update(&st, (const uint8_t *)BIND_CONTEXT, sizeof(BIND_CONTEXT));
	crypto_generichash_update(&st, header, HEADER_BYTES);
	crypto_generichash_final(&st, out, BIND_BYTES);
}

static void
id_hex(const uint8_t *p, char out[PACKAGE_ID_SIZE])
{
	sodium_bin2hex(out, PACKAGE_ID_SIZE, p, ID_BYTES);
}

/* Append `n` body bytes as base64url lines, then the last line. */
static int
text_append_body(struct buf *out, const uint8_t *body, size_t n)
{
	char line[TEXT_LINE_CHARS + 2];
	size_t off, k, len;

	for (off = 0; off < n; off += k) {
		k = n - off < TEXT_LINE_BYTES ? n - off : TEXT_LINE_BYTES;
		sodium_bin2base64(line, sizeof(line), body + off, k, B64);
		len = strlen(line);
		line[len++] = '\n';
		if (buf_append(out, line, len) != 0)
			return RC_ENOMEM;
	}
	if (buf_puts(out, TEXT_LAST_LINE "\n") != 0)
		return RC_ENOMEM;
	return RC_OK;
}

int
package_seal(const struct package_identity *me, const struct package_pub *to,
    const char *payload, size_t n, int64_t now, int64_t ttl, struct buf *out,
    char id[PACKAGE_ID_SIZE])
{
	uint8_t esk[crypto_box_SECRETKEYBYTES], *msg = NULL, *inner = NULL, *body, *box;
	size_t out_len = out->len, inner_len, box_len, body_len, text_max;
	int rc;

	id[0] = '\0';
	if (n > PACKAGE_PAYLOAD_MAX)
		return RC_ETOOBIG;
	if (now < 0 || ttl < 1 || ttl > PACKAGE_TTL_MAX || now > INT64_MAX - ttl)
		return RC_EINVALID;
	if (payload_kind(payload, n) < 0)
		return RC_EINVALID;
	/* sizes: n <= PACKAGE_PAYLOAD_MAX, so none of these sums can overflow */
	inner_len = BIND_BYTES + n;
	box_len = crypto_box_MACBYTES + inner_len;
	body_len = HEADER_BYTES + box_len + SIG_BYTES;
	rc = RC_ENOMEM;
	if ((msg = malloc(SIGN_CONTEXT_SIZE + body_len)) == NULL ||
	    (inner = malloc(inner_len)) == NULL)
		goto fail;
	memcpy(msg, SIGN_CONTEXT, SIGN_CONTEXT_SIZE);
	body = msg + SIGN_CONTEXT_SIZE;
	box = body + HEADER_BYTES;

	memcpy(body + OFF_SENDER_BOX, me->pub.box, PACKAGE_KEY_BYTES);
	memcpy(body + OFF_SENDER_SIGN, me->pub.sign, PACKAGE_KEY_BYTES);
	memcpy(body + OFF_RECIPIENT, to->box, PACKAGE_KEY_BYTES);
	randombytes_buf(body + OFF_ID, ID_BYTES);
	be64_put(body + OFF_CREATED, (uint64_t)now);
	be64_put(body + OFF_EXPIRES, (uint64_t)(now + ttl));
	crypto_box_keypair(body + OFF_EPK, esk);
	randombytes_buf(body + OFF_NONCE, crypto_box_NONCEBYTES);

	header_bind(body, inner);
	if (n > 0)
		memcpy(inner + BIND_BYTES, payload, n);
	rc = RC_EINVALID;	/* a low-order recipient key */
	if (crypto_box_easy(box, inner, inner_len, body + OFF_NONCE, to->box, esk) != 0)
		goto fail;
	rc = RC_EINTERNAL;
	if (crypto_sign_detached(box + box_len, NULL, msg, SIGN_CONTEXT_SIZE + HEADER_BYTES +
	    box_len, me->sign_sk) != 0)
		goto fail;

	rc = RC_ENOMEM;
	text_max = sizeof(TEXT_FIRST_LINE) + sizeof(TEXT_LAST_LINE) +
	    (body_len / TEXT_LINE_BYTES + 1) * (TEXT_LINE_CHARS + 1);
	if (buf_reserve(out, text_max) != 0 || buf_puts(out, TEXT_FIRST_LINE "\n") != 0)
		goto fail;
	if ((rc = text_append_body(out, body, body_len)) != RC_OK)
		goto fail;
	id_hex(body + OFF_ID, id);
	rc = RC_OK;
fail:
	sodium_memzero(esk, sizeof(esk));
	if (inner != NULL)
		sodium_memzero(inner, inner_len);
	free(inner);
	free(msg);
	if (rc != RC_OK) {
		out->len = out_len;
		if (out->p != NULL)
			out->p[out_len] = '\0';
		id[0] = '\0';
	}
	return rc;
}

static const struct {
	int		 rc;
	const char	*name;
	const char	*text;
} whys[PACKAGE__MAX] = {
	[PACKAGE_OK] = { RC_OK, "ok", "the package was opened" },
	[PACKAGE_ETOOBIG] = { RC_ETOOBIG, "too_big",
	    "the package is larger than a RouteCare transfer package can be" },
	[PACKAGE_EVERSION] = { RC_EINVALID, "version",
	    "the package is in a format version this instance does not read" },
	[PACKAGE_EMALFORMED] = { RC_EINVALID, "malformed",
	    "not an intact RouteCare transfer package (damaged, truncated or altered), "
	    "so its signature cannot be checked" },
	[PACKAGE_ESIGNATURE] = { RC_EINTEGRITY, "signature",
	    "the signature does not verify: the package was changed after it was signed" },
	[PACKAGE_ENOTFORUS] = { RC_EDENIED, "not_for_us",
	    "the package is sealed to another instance, not to this one" },
	[PACKAGE_EUNKNOWN] = { RC_EDENIED, "unknown_sender",
	    "the package is signed by an instance that is not a trusted partner" },
	[PACKAGE_ELOOKUP] = { RC_EIO, "trust_lookup",
	    "the list of trusted partners could not be read" },
	[PACKAGE_EEXPIRED] = { RC_EDENIED, "expired",
	    "the package has expired: ask the sender for a new one" },
	[PACKAGE_EDECRYPT] = { RC_EINTEGRITY, "decryption",
	    "decryption failed: the signed contents do not open with this instance's key" },
	[PACKAGE_ERESIGNED] = { RC_EINTEGRITY, "resigned",
	    "the sealed contents were made for another sender or header: the package was "
	    "re-signed by an instance that did not write it" },
	[PACKAGE_EPAYLOAD] = { RC_EINVALID, "payload",
	    "the contents are not a case, referral or acknowledgement in JSON" },
	[PACKAGE_ENOMEM] = { RC_ENOMEM, "no_memory",
	    "out of memory while opening the package" },
};

const char *
package_why_name(enum package_why why)
{
	if ((int)why < 0 || why >= PACKAGE__MAX)
		return "internal";
	return whys[why].name;
}

const char *
package_why_text(enum package_why why)
{
	if ((int)why < 0 || why >= PACKAGE__MAX)
		return "internal error";
	return whys[why].text;
}

/* The next line of [*p, end): its start and length without "\n" or "\r\n". 0, or -1
 * when no line terminator is left (a package ends with one). */
static int
text_line(const char **p, const char *end, const char **line, size_t *len)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));

	if (nl == NULL)
		return -1;
	*line = *p;
	*len = (size_t)(nl - *p);
	if (*len > 0 && nl[-1] == '\r')
		(*len)--;
	*p = nl + 1;
	return 0;
}

static int
line_is(const char *line, size_t len, const char *lit)
{
	return len == strlen(lit) && memcmp(line, lit, len) == 0;
}

/* PACKAGE_OK when the first line is ours; PACKAGE_EVERSION for "...package vN". */
static enum package_why
text_first_line(const char *line, size_t len)
{
	size_t plen = sizeof(TEXT_VERSION_PREFIX) - 1, i;

	if (line_is(line, len, TEXT_FIRST_LINE))
		return PACKAGE_OK;
	if (len <= plen || len > plen + 9 || memcmp(line, TEXT_VERSION_PREFIX, plen) != 0)
		return PACKAGE_EMALFORMED;
	for (i = plen; i < len; i++)
		if (line[i] < '0' || line[i] > '9')
			return PACKAGE_EMALFORMED;
	return PACKAGE_EVERSION;
}

/* Decode the base64 lines of the text into body (room for `cap` bytes). */
static enum package_why
text_body(const char *p, const char *end, uint8_t *body, size_t cap, size_t *body_len)
{
	const char *line;
	size_t len, k, n = 0;
	int short_seen = 0;

	for (;;) {
		if (text_line(&p, end, &line, &len) != 0)
			return PACKAGE_EMALFORMED;	/* truncated: no end line */
		if (line_is(line, len, TEXT_LAST_LINE))
			break;
		/* only the last data line may be shorter than a full line */
		if (short_seen || len == 0 || len > TEXT_LINE_CHARS)
			return PACKAGE_EMALFORMED;
		if (len < TEXT_LINE_CHARS)
			short_seen = 1;
		if (!b64url_only(line, len) ||
		    sodium_base642bin(body + n, cap - n, line, len, NULL, &k, NULL, B64) != 0)
			return PACKAGE_EMALFORMED;
		n += k;
	}
	if (p != end)
		return PACKAGE_EMALFORMED;	/* anything after the end line */
	*body_len = n;
	return PACKAGE_OK;
}

int
package_open(const struct package_identity *me, package_trust_fn trusted, void *arg,
    const char *text, size_t n, int64_t now, struct package_opened *out,
    enum package_why *why)
{
	enum package_why w = PACKAGE_EMALFORMED;
	uint8_t *msg = NULL, *body, *box, *inner = NULL, bind[BIND_BYTES];
	const char *p = text, *end = text + n, *line;
	size_t len, cap, body_len, box_len, inner_len = 0, payload_len;
	uint64_t created, expires;
	int k, verified = 0;

	memset(out, 0, sizeof(*out));
	if (n > PACKAGE_TEXT_MAX) {
		w = PACKAGE_ETOOBIG;
		goto fail;
	}
	if (text == NULL || text_line(&p, end, &line, &len) != 0)
		goto fail;
	if ((w = text_first_line(line, len)) != PACKAGE_OK)
		goto fail;
	/* every 4 characters carry at most 3 bytes; n <= PACKAGE_TEXT_MAX bounds this */
	cap = (size_t)(end - p) / 4 * 3 + 3;
	w = PACKAGE_ENOMEM;
	if ((msg = malloc(SIGN_CONTEXT_SIZE + cap)) == NULL)
		goto fail;
	memcpy(msg, SIGN_CONTEXT, SIGN_CONTEXT_SIZE);
	body = msg + SIGN_CONTEXT_SIZE;
	if ((w = text_body(p, end, body, cap, &body_len)) != PACKAGE_OK)
		goto fail;
	w = PACKAGE_EMALFORMED;
	if (body_len < BODY_MIN)
		goto fail;
	box = body + HEADER_BYTES;
	box_len = body_len - HEADER_BYTES - SIG_BYTES;

	/* 1. the signature, against the key the package names */
	w = PACKAGE_ESIGNATURE;
	if (crypto_sign_verify_detached(box + box_len, msg, SIGN_CONTEXT_SIZE +
	    HEADER_BYTES + box_len, body + OFF_SENDER_SIGN) != 0)
		goto fail;
	verified = 1;
	id_hex(body + OFF_ID, out->id);
	memcpy(out->sender.box, body + OFF_SENDER_BOX, PACKAGE_KEY_BYTES);
	memcpy(out->sender.sign, body + OFF_SENDER_SIGN, PACKAGE_KEY_BYTES);
	created = be64_get(body + OFF_CREATED);
	expires = be64_get(body + OFF_EXPIRES);
	w = PACKAGE_EMALFORMED;
	if (created > INT64_MAX || expires > INT64_MAX || expires <= created ||
	    expires - created > PACKAGE_TTL_MAX)
		goto fail;
	out->created_at = (int64_t)created;
	out->expires_at = (int64_t)expires;

	/* 2. for us, from a partner, still valid */
	w = PACKAGE_ENOTFORUS;
	if (sodium_memcmp(body + OFF_RECIPIENT, me->pub.box, PACKAGE_KEY_BYTES) != 0)
		goto fail;
	k = trusted != NULL ? trusted(arg, &out->sender) : 0;
	w = k < 0 ? PACKAGE_ELOOKUP : PACKAGE_EUNKNOWN;
	if (k != 1)
		goto fail;
	w = PACKAGE_EEXPIRED;
	if (now >= out->expires_at)
		goto fail;

	/* 3. decrypt, and the contents must have been sealed for this very header */
	inner_len = box_len - crypto_box_MACBYTES;
	w = PACKAGE_ENOMEM;
	if ((inner = malloc(inner_len + 1)) == NULL)
		goto fail;
	w = PACKAGE_EDECRYPT;
	if (crypto_box_open_easy(inner, box, box_len, body + OFF_NONCE, body + OFF_EPK,
	    me->box_sk) != 0)
		goto fail;
	header_bind(body, bind);
	w = PACKAGE_ERESIGNED;
	if (sodium_memcmp(inner, bind, BIND_BYTES) != 0)
		goto fail;

	/* 4. the payload */
	payload_len = inner_len - BIND_BYTES;
	w = PACKAGE_ETOOBIG;
	if (payload_len > PACKAGE_PAYLOAD_MAX)
		goto fail;
	memmove(inner, inner + BIND_BYTES, payload_len);
	sodium_memzero(inner + payload_len, inner_len - payload_len);
	inner[payload_len] = '\0';
	w = PACKAGE_EPAYLOAD;
	if ((k = payload_kind((const char *)inner, payload_len)) < 0)
		goto fail;
	out->kind = (enum package_kind)k;
	out->payload = (char *)inner;
	out->payload_len = payload_len;
	inner = NULL;
	w = PACKAGE_OK;
fail:
	if (inner != NULL) {
		sodium_memzero(inner, inner_len + 1);
		free(inner);
	}
	free(msg);
	if (!verified)
		memset(out, 0, sizeof(*out));
	if (why != NULL)
		*why = w;
	return whys[w].rc;
}

void
package_opened_free(struct package_opened *o)
{
	if (o == NULL)
		return;
	if (o->payload != NULL) {
		sodium_memzero(o->payload, o->payload_len);
		free(o->payload);
	}
	memset(o, 0, sizeof(*o));
}

/* ---- acknowledgements ---------------------------------------------------------- */

static const char *const decision_names[] = {
	[PACKAGE_ACCEPTED] = "accepted",
	[PACKAGE_DECLINED] = "declined",
};

static int
id_is_package_id(const char *s)
{
	size_t i;

	if (s == NULL || strlen(s) != PACKAGE_ID_LEN)
		return 0;
	for (i = 0; i < PACKAGE_ID_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

int
package_ack_payload(const char *orig_id, enum package_decision d, const char *reason,
    struct buf *out)
{
	json_t *j = NULL, *r;
	char *text = NULL;
	int rc = RC_EINVALID;

	if (!id_is_package_id(orig_id) || (d != PACKAGE_ACCEPTED && d != PACKAGE_DECLINED))
		goto out;
	if (reason != NULL && reason[0] == '\0')
		reason = NULL;
	if ((d == PACKAGE_DECLINED && reason == NULL) ||
	    (reason != NULL && strnlen(reason, PACKAGE_REASON_MAX + 1) > PACKAGE_REASON_MAX))
		goto out;
	rc = RC_ENOMEM;
	if ((j = json_object()) == NULL ||
	    json_object_set_new(j, "kind", json_string(kind_names[PACKAGE_KIND_ACK])) != 0 ||
	    json_object_set_new(j, "package_id", json_string(orig_id)) != 0 ||
	    json_object_set_new(j, "decision", json_string(decision_names[d])) != 0)
		goto out;
	if (reason != NULL) {
		if ((r = json_string(reason)) == NULL) {	/* not UTF-8 */
			rc = RC_EINVALID;
			goto out;
		}
		if (json_object_set_new(j, "reason", r) != 0)
			goto out;
	}
	if ((text = json_dump_compact(j)) == NULL || buf_puts(out, text) != 0)
		goto out;
	rc = RC_OK;
out:
	free(text);
	json_decref(j);
	return rc;
}

int
package_ack_read(const char *payload, size_t n, char orig_id[PACKAGE_ID_SIZE],
    enum package_decision *d, char *reason, size_t reasonsz)
{
	const char *kind, *id, *dec, *r;
	char msg[128];
	json_t *j = NULL;
	int rc = RC_EINVALID;

	orig_id[0] = '\0';
	if (reasonsz > 0)
		reason[0] = '\0';
	if (json_parse_bounded(payload, n, PACKAGE_PAYLOAD_MAX, JSON_DEPTH_MAX, 1, &j, msg,
	    sizeof(msg)) != RC_OK)
		goto out;
	kind = json_get_str(j, "kind");
	id = json_get_str(j, "package_id");
	dec = json_get_str(j, "decision");
	r = json_get_str(j, "reason");
	if (kind == NULL || strcmp(kind, kind_names[PACKAGE_KIND_ACK]) != 0 ||
	    !id_is_package_id(id) || dec == NULL)
		goto out;
	if (json_object_get(j, "reason") != NULL && r == NULL)
		goto out;	/* a reason that is not a string */
	if (strcmp(dec, decision_names[PACKAGE_ACCEPTED]) == 0)
		*d = PACKAGE_ACCEPTED;
	else if (strcmp(dec, decision_names[PACKAGE_DECLINED]) == 0 && r != NULL &&
	    r[0] != '\0')
		*d = PACKAGE_DECLINED;
	else
		goto out;
	if (r != NULL && strlen(r) > PACKAGE_REASON_MAX)
		goto out;
	rc = RC_ETOOBIG;
	if (r != NULL && (reasonsz == 0 || str_copy(reason, reasonsz, r) != 0))
		goto out;
	memcpy(orig_id, id, PACKAGE_ID_SIZE);
	rc = RC_OK;
out:
	if (rc != RC_OK && reasonsz > 0)
		reason[0] = '\0';
	json_decref(j);
	return rc;
}
