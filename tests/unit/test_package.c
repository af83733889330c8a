/*
 * test_package.c — instance identities and transfer packages between three instances
 * (A, B, C), each with its own data directory and master key.
 *
 * The helpers at the top (body_decode, body_encode, body_sign, box_forge) are a second
 * implementation of the format documented in package.h: they let the tests build the
 * packages an attacker or a broken partner could make (re-signed, forwarded, signed
 * but undecryptable, signed nonsense) and check that the documented layout is the real
 * one.
 */
#define _GNU_SOURCE	/* memmem */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <sodium.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/io.h"
#include "vault/package.h"
#include "vault/vault.h"

#define NOW		INT64_C(1767225600)	/* 2026-01-01T00:00:00Z */
#define B64		sodium_base64_VARIANT_URLSAFE_NO_PADDING
#define FIRST_LINE	"RouteCare transfer package v1\n"
#define LAST_LINE	"end of RouteCare transfer package\n"
#define HEADER_BYTES	184
#define SIG_CONTEXT	"RouteCare transfer package v1 signature"
#define BIND_CONTEXT	"RouteCare transfer package v1 header"

static const char case_payload[] =
    "{\"kind\":\"case\",\"fields\":{\"name_first\":\"Amina\",\"sex\":\"female\",\"age\":12},"
    "\"provenance\":{\"agency\":\"Fictional Aid\",\"role\":\"caseworker\","
    "\"reason\":\"family tracing across the border\"}}";

enum { A, B, C, NINST };

struct fixture {
	char			 dir[NINST][64];
	char			 key[NINST][96];
	struct vault		*v[NINST];
	struct package_identity	 id[NINST];
};

/* The partners an instance trusts; fail = the lookup breaks. */
struct trust {
	const struct package_pub	*pubs[NINST];
	size_t				 n;
	int				 fail;
};

static int
trust_cb(void *arg, const struct package_pub *sender)
{
	struct trust *t = arg;
	size_t i;

	if (t->fail)
		return -1;
	for (i = 0; i < t->n; i++)
		if (package_pub_equal(t->pubs[i], sender))
			return 1;
	return 0;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char key[sizeof(f->key[0])];
	int i;

	if (f == NULL)
		return -1;
	for (i = 0; i < NINST; i++) {
		snprintf(f->dir[i], sizeof(f->dir[i]), "/tmp/rc-package-XXXXXX");
		if (mkdtemp(f->dir[i]) == NULL)
			return -1;
		snprintf(key, sizeof(key), "%s/master.key", f->dir[i]);
		memcpy(f->key[i], key, sizeof(key));
		if (vault_key_create(f->key[i]) != RC_OK || vault_open(f->key[i], &f->v[i]) !=
		    RC_OK || package_identity(f->v[i], &f->id[i]) != RC_OK)
			return -1;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	int i;

	for (i = 0; i < NINST; i++) {
		package_identity_wipe(&f->id[i]);
		vault_close(f->v[i]);
		unlink(f->key[i]);
		rmdir(f->dir[i]);
	}
	free(f);
	return 0;
}

/* Seal `payload` from instance `from` to `to`; the text goes to `out`. */
static void
seal(struct fixture *f, int from, int to, const char *payload, int64_t now,
    struct buf *out, char id[PACKAGE_ID_SIZE])
{
	assert_int_equal(package_seal(&f->id[from], &f->id[to].pub, payload,
	    strlen(payload), now, PACKAGE_TTL_DEFAULT, out, id), RC_OK);
}

/* Open `text` as instance `me` trusting `t`; returns the rc, fills `o` and `why`. */
static int
open_as(struct fixture *f, int me, struct trust *t, const char *text, size_t n,
    int64_t now, struct package_opened *o, enum package_why *why)
{
	return package_open(&f->id[me], trust_cb, t, text, n, now, o, why);
}

/* Refused with `want`: no payload, and the rc that goes with it. */
static void
assert_refused(int rc, const struct package_opened *o, enum package_why why,
    enum package_why want, int want_rc)
{
	assert_string_equal(package_why_name(why), package_why_name(want));
	assert_int_equal(rc, want_rc);
	assert_null(o->payload);
	assert_int_equal(o->payload_len, 0);
}

/* ---- a second implementation of the format ----------------------------------- */

/* The body bytes of a well-formed package text (LF line ends). */
static size_t
body_decode(const char *text, uint8_t *body, size_t cap)
{
	const char *p = text + strlen(FIRST_LINE), *nl;
	size_t n = 0, k;

	assert_memory_equal(text, FIRST_LINE, strlen(FIRST_LINE));
	while (strcmp(p, LAST_LINE) != 0) {
		nl = strchr(p, '\n');
		assert_non_null(nl);
		assert_true(nl - p <= 76);
		assert_int_equal(sodium_base642bin(body + n, cap - n, p, (size_t)(nl - p), NULL,
		    &k, NULL, B64), 0);
		n += k;
		p = nl + 1;
	}
	return n;
}

static void
body_encode(const uint8_t *body, size_t n, struct buf *out)
{
	char line[80];
	size_t off, k;

	buf_reset(out);
	assert_int_equal(buf_puts(out, FIRST_LINE), 0);
	for (off = 0; off < n; off += k) {
		k = n - off < 57 ? n - off : 57;
		sodium_bin2base64(line, sizeof(line), body + off, k, B64);
		assert_int_equal(buf_puts(out, line), 0);
		assert_int_equal(buf_putc(out, '\n'), 0);
	}
	assert_int_equal(buf_puts(out, LAST_LINE), 0);
}

/* Sign body[0, n - 64) with `signer` into the last 64 bytes. */
static void
body_sign(uint8_t *body, size_t n, const struct package_identity *signer)
{
	uint8_t *msg = malloc(sizeof(SIG_CONTEXT) + n);

	assert_non_null(msg);
	memcpy(msg, SIG_CONTEXT, sizeof(SIG_CONTEXT));
	memcpy(msg + sizeof(SIG_CONTEXT), body, n - 64);
	assert_int_equal(crypto_sign_detached(body + n - 64, NULL, msg,
	    sizeof(SIG_CONTEXT) + n - 64, signer->sign_sk), 0);
	free(msg);
}

/*
 * A complete package from `signer` (its keys in the header) to `to`, with validity
 * [created, expires) and `payload` as the inner payload (anything: the tests use it
 * for payloads package_seal would refuse). `bind_ok` 0 puts a wrong header hash inside.
 */
static void
box_forge(const struct package_identity *signer, const struct package_pub *to,
    uint64_t created, uint64_t expires, const char *payload, int bind_ok, struct buf *out)
{
	size_t plen = strlen(payload), inner_len = 32 + plen;
	size_t body_len = HEADER_BYTES + 16 + inner_len + 64;
	uint8_t *body = calloc(1, body_len), *inner = malloc(inner_len), esk[32];
	int i;

	assert_non_null(body);
	assert_non_null(inner);
	memcpy(body, signer->pub.box, 32);
	memcpy(body + 32, signer->pub.sign, 32);
	memcpy(body + 64, to->box, 32);
	randombytes_buf(body + 96, 16);
	for (i = 0; i < 8; i++) {
		body[112 + i] = (uint8_t)(created >> (56 - 8 * i));
		body[120 + i] = (uint8_t)(expires >> (56 - 8 * i));
	}
	crypto_box_keypair(body + 128, esk);
	randombytes_buf(body + 160, 24);
	{
		crypto_generichash_state st;

		crypto_generichash_init(&st, NULL, 0, 32);
		crypto_generichash_update(&st, (const uint8_t *)BIND_CONTEXT,
		    sizeof(BIND_CONTEXT));
		crypto_generichash_update(&st, body, HEADER_BYTES);
		crypto_generichash_final(&st, inner, 32);
	}
	if (!bind_ok)
		inner[0] ^= 1;
	memcpy(inner + 32, payload, plen);
	assert_int_equal(crypto_box_easy(body + HEADER_BYTES, inner, inner_len, body + 160,
	    to->box, esk), 0);
	body_sign(body, body_len, signer);
	body_encode(body, body_len, out);
	free(inner);
	free(body);
}

/* ---- identity ------------------------------------------------------------------ */

static void
test_identity_is_derived_from_the_master_key_alone(void **state)
{
	struct fixture *f = *state;
	struct package_identity again;
	struct vault *v = NULL;
	uint8_t pk[32], sig[64], sub[VAULT_KEY_BYTES];
	static const uint8_t msg[] = "check";

	/* the same key file opened again gives the same keys, secret halves included */
	assert_int_equal(vault_open(f->key[A], &v), RC_OK);
	assert_int_equal(package_identity(v, &again), RC_OK);
	assert_memory_equal(&again, &f->id[A], sizeof(again));
	package_identity_wipe(&again);
	vault_close(v);
	/* another master key, another identity */
	assert_false(package_pub_equal(&f->id[A].pub, &f->id[B].pub));
	assert_memory_not_equal(f->id[A].pub.box, f->id[B].pub.box, 32);
	assert_memory_not_equal(f->id[A].pub.sign, f->id[B].pub.sign, 32);
	/* the pairs are real pairs, and no key is the TRANSFER subkey itself */
	assert_int_equal(crypto_scalarmult_base(pk, f->id[A].box_sk), 0);
	assert_memory_equal(pk, f->id[A].pub.box, 32);
	crypto_sign_detached(sig, NULL, msg, sizeof(msg), f->id[A].sign_sk);
	assert_int_equal(crypto_sign_verify_detached(sig, msg, sizeof(msg),
	    f->id[A].pub.sign), 0);
	assert_int_equal(vault_subkey(f->v[A], VAULT_TRANSFER, sub), RC_OK);
	assert_memory_not_equal(sub, f->id[A].box_sk, 32);
	assert_memory_not_equal(sub, f->id[A].sign_sk, 32);
	sodium_memzero(sub, sizeof(sub));
}

/* Known answer, computed independently (Python hashlib + cryptography) from the
 * derivation in package.h: pins the format so a change cannot pass unnoticed. */
static void
test_identity_of_a_known_master_key(void **state)
{
	struct fixture *f = *state;
	char path[128], s[PACKAGE_IDENTITY_SIZE], fp[PACKAGE_FINGERPRINT_SIZE];
	struct package_identity id;
	struct vault *v = NULL;
	uint8_t master[32];
	int i;

	for (i = 0; i < 32; i++)
		master[i] = (uint8_t)i;
	snprintf(path, sizeof(path), "%s/known.key", f->dir[A]);
	assert_int_equal(io_write_new(path, 0600, master, sizeof(master)), RC_OK);
	assert_int_equal(vault_open(path, &v), RC_OK);
	assert_int_equal(package_identity(v, &id), RC_OK);
	assert_int_equal(package_identity_string(&id.pub, s, sizeof(s)), RC_OK);
	assert_string_equal(s, "rcid1:EFvVKPczLNpELUik7tLhnU-mGVNgm3QoF-5rsAV3UkFknp_vux8"
	    "GqVyr5NHFmZ8UuROJZHZETAuxCb55gTV9Ew:BcMZfLoI");
	package_fingerprint(&id.pub, fp);
	assert_string_equal(fp, "7B3W-5CDV-360T-MVVN-8NRC");
	package_identity_wipe(&id);
	vault_close(v);
	unlink(path);
}

static void
test_identity_string_round_trips_and_fingerprints_differ(void **state)
{
	struct fixture *f = *state;
	char s[PACKAGE_IDENTITY_SIZE], padded[PACKAGE_IDENTITY_SIZE + 16], small[100];
	char fa[PACKAGE_FINGERPRINT_SIZE], fb[PACKAGE_FINGERPRINT_SIZE];
	enum package_identity_why why = PACKAGE_IDENTITY__MAX;
	struct package_pub pub;
	size_t i;

	assert_int_equal(package_identity_string(&f->id[A].pub, s, sizeof(s)), RC_OK);
	assert_int_equal(strlen(s), PACKAGE_IDENTITY_LEN);
	assert_memory_equal(s, "rcid1:", 6);
	assert_int_equal(s[6 + 86], ':');
	for (i = 0; i < PACKAGE_IDENTITY_LEN; i++)	/* one token: safe in mail and shells */
		assert_non_null(strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789-_:", s[i]));
	assert_int_equal(package_identity_parse(s, &pub, &why), RC_OK);
	assert_int_equal(why, PACKAGE_IDENTITY_OK);
	assert_true(package_pub_equal(&pub, &f->id[A].pub));
	/* pasted from a terminal: surrounding blanks and a line end are fine */
	snprintf(padded, sizeof(padded), "  \t%s\r\n", s);
	assert_int_equal(package_identity_parse(padded, &pub, NULL), RC_OK);
	assert_true(package_pub_equal(&pub, &f->id[A].pub));
	assert_int_equal(package_identity_string(&f->id[A].pub, small, sizeof(small)),
	    RC_ETOOBIG);
	assert_string_equal(small, "");

	package_fingerprint(&f->id[A].pub, fa);
	package_fingerprint(&f->id[B].pub, fb);
	assert_int_equal(strlen(fa), PACKAGE_FINGERPRINT_LEN);
	for (i = 0; i < PACKAGE_FINGERPRINT_LEN; i++) {
		if (i % 5 == 4)
			assert_int_equal(fa[i], '-');
		else	/* Crockford base32: no I, L, O, U to misread */
			assert_non_null(strchr("0123456789ABCDEFGHJKMNPQRSTVWXYZ", fa[i]));
	}
	assert_string_not_equal(fa, fb);
	package_fingerprint(&f->id[A].pub, fb);
	assert_string_equal(fa, fb);
}

static void
expect_parse(const char *s, enum package_identity_why want)
{
	enum package_identity_why why = PACKAGE_IDENTITY_OK;
	struct package_pub pub;

	memset(&pub, 0xaa, sizeof(pub));
	assert_int_equal(package_identity_parse(s, &pub, &why), RC_EINVALID);
	assert_string_equal(package_identity_why_text(why), package_identity_why_text(want));
	assert_int_equal(why, want);
	assert_true(sodium_is_zero((const uint8_t *)&pub, sizeof(pub)));
}

static void
test_identity_parse_names_each_problem(void **state)
{
	struct fixture *f = *state;
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	enum package_identity_why why;
	struct package_pub pub, bad;
	char s[PACKAGE_IDENTITY_SIZE], t[700], c;
	size_t i, k;
	int checksum = 0, base64 = 0;

	assert_int_equal(package_identity_string(&f->id[A].pub, s, sizeof(s)), RC_OK);

	expect_parse(NULL, PACKAGE_IDENTITY_EPREFIX);
	expect_parse("", PACKAGE_IDENTITY_EPREFIX);
	expect_parse("hello", PACKAGE_IDENTITY_EPREFIX);
	snprintf(t, sizeof(t), "%s", s);
	t[4] = '2';		/* rcid2: */
	expect_parse(t, PACKAGE_IDENTITY_EPREFIX);
	snprintf(t, sizeof(t), "RCID1%s", s + 5);
	expect_parse(t, PACKAGE_IDENTITY_EPREFIX);

	expect_parse("rcid1:", PACKAGE_IDENTITY_ESHAPE);
	snprintf(t, sizeof(t), "%.92s", s);		/* no checksum part */
	expect_parse(t, PACKAGE_IDENTITY_ESHAPE);
	snprintf(t, sizeof(t), "%.100s", s);		/* checksum cut short */
	expect_parse(t, PACKAGE_IDENTITY_ESHAPE);
	snprintf(t, sizeof(t), "%sA", s);		/* checksum too long */
	expect_parse(t, PACKAGE_IDENTITY_ESHAPE);
	snprintf(t, sizeof(t), "%s %s", s, s);		/* two identities on a line */
	expect_parse(t, PACKAGE_IDENTITY_ESHAPE);
	memset(t, 'A', sizeof(t) - 1);			/* far too long */
	t[sizeof(t) - 1] = '\0';
	memcpy(t, "rcid1:", 6);
	expect_parse(t, PACKAGE_IDENTITY_ESHAPE);
	/* blanks far out must not make a long line look like a short one */
	memset(t, ' ', sizeof(t) - 1);
	memcpy(t, s, strlen(s));
	t[sizeof(t) - 2] = 'x';
	expect_parse(t, PACKAGE_IDENTITY_ESHAPE);

	snprintf(t, sizeof(t), "rcid1:%.40s%s", s + 6, s + 47);	/* a key character lost */
	expect_parse(t, PACKAGE_IDENTITY_ELENGTH);
	snprintf(t, sizeof(t), "rcid1:%.40sQ%s", s + 6, s + 46);	/* one too many */
	expect_parse(t, PACKAGE_IDENTITY_ELENGTH);

	snprintf(t, sizeof(t), "%s", s);
	t[20] = '+';	/* standard base64, not base64url */
	expect_parse(t, PACKAGE_IDENTITY_EBASE64);
	t[20] = '=';
	expect_parse(t, PACKAGE_IDENTITY_EBASE64);
	snprintf(t, sizeof(t), "%s", s);
	t[20] = (char)(t[20] | 0x80);	/* libsodium alone would read it as '_' */
	expect_parse(t, PACKAGE_IDENTITY_EBASE64);

	/* any one key character mistyped as another base64url character is caught: by the
	 * checksum, or (in the last character) by its unused bits */
	for (i = 6; i < 6 + 86; i++)
		for (k = 0; k < sizeof(alphabet) - 1; k += 7) {
			snprintf(t, sizeof(t), "%s", s);
			if ((c = alphabet[k]) == t[i])
				continue;
			t[i] = c;
			assert_int_equal(package_identity_parse(t, &pub, &why), RC_EINVALID);
			if (i < 6 + 85)
				assert_int_equal(why, PACKAGE_IDENTITY_ECHECKSUM);
			checksum += why == PACKAGE_IDENTITY_ECHECKSUM;
			base64 += why == PACKAGE_IDENTITY_EBASE64;
		}
	assert_true(checksum > 700);
	assert_true(base64 > 0);
	/* two neighbours swapped, and the checksum itself mistyped */
	snprintf(t, sizeof(t), "%s", s);
	for (i = 10; t[i] == t[i + 1]; i++)
		;
	c = t[i], t[i] = t[i + 1], t[i + 1] = c;
	expect_parse(t, PACKAGE_IDENTITY_ECHECKSUM);
	snprintf(t, sizeof(t), "%s", s);
	t[PACKAGE_IDENTITY_LEN - 1] = t[PACKAGE_IDENTITY_LEN - 1] == 'x' ? 'y' : 'x';
	expect_parse(t, PACKAGE_IDENTITY_ECHECKSUM);

	/* a correct checksum over keys nobody can use */
	bad = f->id[A].pub;
	memset(bad.sign, 0, sizeof(bad.sign));
	assert_int_equal(package_identity_string(&bad, t, sizeof(t)), RC_OK);
	expect_parse(t, PACKAGE_IDENTITY_EKEY);
	bad = f->id[A].pub;
	memset(bad.box, 0, sizeof(bad.box));
	assert_int_equal(package_identity_string(&bad, t, sizeof(t)), RC_OK);
	expect_parse(t, PACKAGE_IDENTITY_EKEY);

	for (i = 0; i < PACKAGE_IDENTITY__MAX; i++)
		for (k = i + 1; k < PACKAGE_IDENTITY__MAX; k++)
			assert_string_not_equal(package_identity_why_text(i),
			    package_identity_why_text(k));
}

/* ---- packages ------------------------------------------------------------------ */

static void
test_package_round_trip_between_two_instances(void **state)
{
	struct fixture *f = *state;
	struct trust tb = { { &f->id[A].pub }, 1, 0 };
	struct package_opened o;
	enum package_why why;
	struct buf text = BUF_INIT, again = BUF_INIT;
	char id[PACKAGE_ID_SIZE], id2[PACKAGE_ID_SIZE];
	uint8_t body[4096];
	size_t body_len, i;

	seal(f, A, B, case_payload, NOW, &text, id);
	assert_int_equal(strlen(id), PACKAGE_ID_LEN);
	for (i = 0; i < PACKAGE_ID_LEN; i++)
		assert_non_null(strchr("0123456789abcdef", id[i]));
	/* text that survives mail: the framing lines, short lines, printable ASCII */
	assert_memory_equal(text.p, FIRST_LINE, strlen(FIRST_LINE));
	assert_string_equal(text.p + text.len - strlen(LAST_LINE), LAST_LINE);
	for (i = 0; i < text.len; i++)
		assert_true(text.p[i] == '\n' || (text.p[i] >= 0x20 && text.p[i] < 0x7f));
	/* the documented layout, and nothing of the child in clear */
	body_len = body_decode(text.p, body, sizeof(body));
	assert_int_equal(body_len, HEADER_BYTES + 16 + 32 + strlen(case_payload) + 64);
	assert_memory_equal(body, f->id[A].pub.box, 32);
	assert_memory_equal(body + 32, f->id[A].pub.sign, 32);
	assert_memory_equal(body + 64, f->id[B].pub.box, 32);
	assert_null(memmem(body, body_len, "Amina", 5));
	assert_null(memmem(text.p, text.len, "Amina", 5));

	assert_int_equal(open_as(f, B, &tb, text.p, text.len, NOW + 60, &o, &why), RC_OK);
	assert_int_equal(why, PACKAGE_OK);
	assert_string_equal(o.id, id);
	assert_true(package_pub_equal(&o.sender, &f->id[A].pub));
	assert_int_equal(o.created_at, NOW);
	assert_int_equal(o.expires_at, NOW + PACKAGE_TTL_DEFAULT);
	assert_int_equal(o.kind, PACKAGE_KIND_CASE);
	assert_int_equal(o.payload_len, strlen(case_payload));
	assert_string_equal(o.payload, case_payload);
	package_opened_free(&o);
	assert_null(o.payload);

	/* every package is new: another id, other bytes */
	seal(f, A, B, case_payload, NOW, &again, id2);
	assert_string_not_equal(id, id2);
	assert_true(again.len != text.len || memcmp(again.p, text.p, text.len) != 0);

	/* a mail client that turned every line end into CR LF changes nothing */
	buf_reset(&again);
	for (i = 0; i < text.len; i++) {
		if (text.p[i] == '\n')
			assert_int_equal(buf_putc(&again, '\r'), 0);
		assert_int_equal(buf_putc(&again, text.p[i]), 0);
	}
	assert_int_equal(open_as(f, B, &tb, again.p, again.len, NOW, &o, &why), RC_OK);
	assert_string_equal(o.payload, case_payload);
	package_opened_free(&o);
	buf_free(&again);
	buf_free(&text);
}

static void
test_arabic_payload_round_trips_byte_for_byte(void **state)
{
	struct fixture *f = *state;
	/* Arabic with diacritics, an RLM, an escaped alef, a Latin name and an emoji;
	 * the escape must arrive as written, not re-encoded */
	static const char payload[] =
	    "{\"kind\":\"referral\",\"fields\":{\"name_first\":\"\xd8\xa3\xd9\x85\xd9\x90"
	    "\xd9\x8a\xd9\x86\xd8\xa9\",\"notes\":\"\xe2\x80\x8f\xd8\xb7\xd9\x81\xd9\x84"
	    " \\u0627 Amina \xf0\x9f\x8c\x8d\"},\"reason\":\"\xd9\x84\xd9\x85 \xd8\xb4\xd9"
	    "\x85\xd9\x84 \xd8\xa7\xd9\x84\xd8\xa3\xd8\xb3\xd8\xb1\xd8\xa9\"}";
	struct trust tb = { { &f->id[A].pub }, 1, 0 };
	struct package_opened o;
	struct buf text = BUF_INIT;
	char id[PACKAGE_ID_SIZE];

	seal(f, A, B, payload, NOW, &text, id);
	assert_int_equal(open_as(f, B, &tb, text.p, text.len, NOW, &o, NULL), RC_OK);
	assert_int_equal(o.kind, PACKAGE_KIND_REFERRAL);
	assert_int_equal(o.payload_len, sizeof(payload) - 1);
	assert_memory_equal(o.payload, payload, sizeof(payload));	/* with the NUL */
	package_opened_free(&o);
	buf_free(&text);
}

static void
test_seal_refuses_what_it_cannot_send(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[] = { "", "not json", "[]", "{\"kind\":\"case\"",
	    "{\"fields\":{}}", "{\"kind\":\"invoice\"}", "{\"kind\":7}" };
	struct package_pub low = f->id[B].pub;
	struct buf out = BUF_INIT;
	char id[PACKAGE_ID_SIZE];
	size_t i;

	assert_int_equal(buf_puts(&out, "kept"), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(package_seal(&f->id[A], &f->id[B].pub, bad[i], strlen(bad[i]),
		    NOW, PACKAGE_TTL_DEFAULT, &out, id), RC_EINVALID);
		assert_string_equal(id, "");
	}
	assert_int_equal(package_seal(&f->id[A], &f->id[B].pub, case_payload,
	    strlen(case_payload), NOW, 0, &out, id), RC_EINVALID);
	assert_int_equal(package_seal(&f->id[A], &f->id[B].pub, case_payload,
	    strlen(case_payload), NOW, PACKAGE_TTL_MAX + 1, &out, id), RC_EINVALID);
	assert_int_equal(package_seal(&f->id[A], &f->id[B].pub, case_payload,
	    strlen(case_payload), -1, PACKAGE_TTL_DEFAULT, &out, id), RC_EINVALID);
	assert_int_equal(package_seal(&f->id[A], &f->id[B].pub, case_payload,
	    strlen(case_payload), INT64_MAX - 10, PACKAGE_TTL_DEFAULT, &out, id),
	    RC_EINVALID);
	memset(low.box, 0, sizeof(low.box));	/* a key of low order */
	assert_int_equal(package_seal(&f->id[A], &low, case_payload, strlen(case_payload),
	    NOW, PACKAGE_TTL_DEFAULT, &out, id), RC_EINVALID);
	assert_string_equal(out.p, "kept");
	assert_int_equal(out.len, 4);
	buf_free(&out);
}

/* Flip every bit of every byte, and every byte as a whole: never opened. */
static void
test_any_changed_byte_is_refused_without_plaintext(void **state)
{
	struct fixture *f = *state;
	static const uint8_t masks[] = { 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xff };
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	struct trust tb = { { &f->id[A].pub }, 1, 0 };
	struct package_opened o;
	enum package_why why;
	struct buf text = BUF_INIT;
	char id[PACKAGE_ID_SIZE], *t, orig;
	size_t i, m, body_start, body_end, last_char, signature = 0;
	int rc;

	seal(f, A, B, case_payload, NOW, &text, id);
	t = text.p;
	body_start = strlen(FIRST_LINE);
	body_end = text.len - strlen(LAST_LINE);	/* the last data line's '\n' + 1 */
	last_char = body_end - 2;			/* its unused low bits */
	for (i = 0; i < text.len; i++)
		for (m = 0; m < sizeof(masks); m++) {
			orig = t[i];
			t[i] = (char)(orig ^ masks[m]);
			rc = open_as(f, B, &tb, t, text.len, NOW, &o, &why);
			assert_int_not_equal(rc, RC_OK);
			assert_null(o.payload);
			assert_true(why == PACKAGE_EMALFORMED || why == PACKAGE_EVERSION ||
			    why == PACKAGE_ESIGNATURE);
			assert_string_equal(o.id, "");	/* nothing from an unverified header */
			/* a base64 character changed into another: the signature says so */
			if (i >= body_start && i < body_end && i != last_char &&
			    orig != '\n' && t[i] != '\0' && strchr(b64, t[i]) != NULL)
				assert_int_equal(why, PACKAGE_ESIGNATURE);
			signature += why == PACKAGE_ESIGNATURE;
			t[i] = orig;
		}
	assert_true(signature > text.len);	/* most changes reach the signature */
	assert_int_equal(open_as(f, B, &tb, t, text.len, NOW, &o, &why), RC_OK);
	package_opened_free(&o);
	buf_free(&text);
}

static void
test_truncated_padded_and_oversized_text_is_refused(void **state)
{
	struct fixture *f = *state;
	struct trust tb = { { &f->id[A].pub }, 1, 0 };
	struct package_opened o;
	enum package_why why;
	struct buf text = BUF_INIT, t2 = BUF_INIT;
	char id[PACKAGE_ID_SIZE], *big;
	size_t n;
	int rc;

	seal(f, A, B, case_payload, NOW, &text, id);
	for (n = 0; n < text.len; n++) {
		rc = open_as(f, B, &tb, text.p, n, NOW, &o, &why);
		assert_refused(rc, &o, why, PACKAGE_EMALFORMED, RC_EINVALID);
	}
	rc = open_as(f, B, &tb, NULL, 0, NOW, &o, &why);
	assert_refused(rc, &o, why, PACKAGE_EMALFORMED, RC_EINVALID);
	/* anything after the end line, a blank line, a line too long */
	assert_int_equal(buf_append(&t2, text.p, text.len), 0);
	assert_int_equal(buf_puts(&t2, "\n"), 0);
	rc = open_as(f, B, &tb, t2.p, t2.len, NOW, &o, &why);
	assert_refused(rc, &o, why, PACKAGE_EMALFORMED, RC_EINVALID);
	buf_reset(&t2);
	assert_int_equal(buf_puts(&t2, FIRST_LINE "\n"), 0);
	assert_int_equal(buf_puts(&t2, text.p + strlen(FIRST_LINE)), 0);
	rc = open_as(f, B, &tb, t2.p, t2.len, NOW, &o, &why);
	assert_refused(rc, &o, why, PACKAGE_EMALFORMED, RC_EINVALID);
	rc = open_as(f, B, &tb, "RouteCare transfer package v1\nAAAA\n" LAST_LINE,
	    strlen("RouteCare transfer package v1\nAAAA\n" LAST_LINE), NOW, &o, &why);
	assert_refused(rc, &o, why, PACKAGE_EMALFORMED, RC_EINVALID);
	/* a later version is named as such */
	buf_reset(&t2);
	assert_int_equal(buf_append(&t2, text.p, text.len), 0);
	t2.p[strlen(FIRST_LINE) - 2] = '2';
	rc = open_as(f, B, &tb, t2.p, t2.len, NOW, &o, &why);
	assert_refused(rc, &o, why, PACKAGE_EVERSION, RC_EINVALID);
	/* refused on its size before anything is read */
	assert_non_null(big = malloc(PACKAGE_TEXT_MAX + 1));
	memcpy(big, text.p, text.len);
	memset(big + text.len, 'A', PACKAGE_TEXT_MAX + 1 - text.len);
	rc = open_as(f, B, &tb, big, PACKAGE_TEXT_MAX + 1, NOW, &o, &why);
	assert_refused(rc, &o, why, PACKAGE_ETOOBIG, RC_ETOOBIG);
	free(big);
	buf_free(&t2);
	buf_free(&text);
}

/* The largest payload fits the largest text; one byte more is refused at sealing. */
static void
test_largest_payload_fits_and_one_more_byte_does_not(void **state)
{
	struct fixture *f = *state;
	static const char head[] = "{\"kind\":\"case\",\"notes\":\"";
	struct trust tb = { { &f->id[A].pub }, 1, 0 };
	struct package_opened o;
	struct buf text = BUF_INIT;
	char id[PACKAGE_ID_SIZE], *p;
	size_t n = PACKAGE_PAYLOAD_MAX;

	assert_non_null(p = malloc(n + 2));
	memset(p, 'x', n + 1);
	memcpy(p, head, sizeof(head) - 1);
	memcpy(p + n - 2, "\"}", 2);
	assert_int_equal(package_seal(&f->id[A], &f->id[B].pub, p, n, NOW,
	    PACKAGE_TTL_DEFAULT, &text, id), RC_OK);
	assert_true(text.len <= PACKAGE_TEXT_MAX);
	assert_int_equal(open_as(f, B, &tb, text.p, text.len, NOW, &o, NULL), RC_OK);
	assert_int_equal(o.payload_len, n);
	assert_memory_equal(o.payload, p, n);
	package_opened_free(&o);
	p[n - 2] = 'x';
	memcpy(p + n - 1, "\"}", 2);
	buf_reset(&text);
	assert_int_equal(package_seal(&f->id[A], &f->id[B].pub, p, n + 1, NOW,
	    PACKAGE_TTL_DEFAULT, &text, id), RC_ETOOBIG);
	assert_int_equal(text.len, 0);
	free(p);
	buf_free(&text);
}

static void
test_wrong_recipient_unknown_sender_and_expiry_are_refused(void **state)
{
	struct fixture *f = *state;
	struct trust ta = { { &f->id[B].pub }, 1, 0 };
	struct trust tc = { { &f->id[A].pub }, 1, 0 };
	struct trust nobody = { { NULL }, 0, 0 };
	struct trust broken = { { &f->id[A].pub }, 1, 1 };
	struct trust tb = { { &f->id[A].pub }, 1, 0 };
	char id[PACKAGE_ID_SIZE], fp[PACKAGE_FINGERPRINT_SIZE], fa[PACKAGE_FINGERPRINT_SIZE];
	struct package_opened o;
	enum package_why why;
	struct buf text = BUF_INIT;
	int rc;

	seal(f, A, B, case_payload, NOW, &text, id);
	/* C trusts A but the package is sealed to B; A itself cannot open it either */
	rc = open_as(f, C, &tc, text.p, text.len, NOW, &o, &why);
	assert_refused(rc, &o, why, PACKAGE_ENOTFORUS, RC_EDENIED);
	assert_string_equal(o.id, id);
	package_opened_free(&o);
	rc = open_as(f, A, &ta, text.p, text.len, NOW, &o, &why);
	assert_refused(rc, &o, why, PACKAGE_ENOTFORUS, RC_EDENIED);
	package_opened_free(&o);

	/* B trusts nobody: refused, and the operator is told who signed */
	rc = open_as(f, B, &nobody, text.p, text.len, NOW, &o, &why);
	assert_refused(rc, &o, why, PACKAGE_EUNKNOWN, RC_EDENIED);
	package_fingerprint(&o.sender, fp);
	package_fingerprint(&f->id[A].pub, fa);
	assert_string_equal(fp, fa);
	package_opened_free(&o);
	rc = package_open(&f->id[B], NULL, NULL, text.p, text.len, NOW, &o, &why);
	assert_refused(rc, &o, why, PACKAGE_EUNKNOWN, RC_EDENIED);
	rc = open_as(f, B, &broken, text.p, text.len, NOW, &o, &why);
	assert_refused(rc, &o, why, PACKAGE_ELOOKUP, RC_EIO);
	package_opened_free(&o);

	/* valid until the last second of its 30 days, not at expires_at */
	rc = open_as(f, B, &tb, text.p, text.len, NOW + PACKAGE_TTL_DEFAULT, &o, &why);
	assert_refused(rc, &o, why, PACKAGE_EEXPIRED, RC_EDENIED);
	package_opened_free(&o);
	rc = open_as(f, B, &tb, text.p, text.len, NOW + PACKAGE_TTL_DEFAULT - 1, &o, &why);
	assert_int_equal(rc, RC_OK);
	package_opened_free(&o);
	buf_free(&text);
}

/* B forwards A's package to C; C re-signs A's package as its own to B. */
static void
test_forwarded_or_resigned_packages_are_refused(void **state)
{
	struct fixture *f = *state;
	struct trust tc = { { &f->id[A].pub, &f->id[B].pub }, 2, 0 };
	struct trust tb = { { &f->id[A].pub, &f->id[C].pub }, 2, 0 };
	struct package_opened o;
	enum package_why why;
	struct buf text = BUF_INIT, fwd = BUF_INIT;
	char id[PACKAGE_ID_SIZE];
	uint8_t body[4096];
	size_t n;
	int rc;

	seal(f, A, B, case_payload, NOW, &text, id);
	n = body_decode(text.p, body, sizeof(body));

	/* B readdresses it to C keeping A's signature: the recipient is signed */
	memcpy(body + 64, f->id[C].pub.box, 32);
	body_encode(body, n, &fwd);
	rc = open_as(f, C, &tc, fwd.p, fwd.len, NOW, &o, &why);
	assert_refused(rc, &o, why, PACKAGE_ESIGNATURE, RC_EINTEGRITY);

	/* C, trusted by B, signs A's ciphertext with its own key but keeps A as sender */
	n = body_decode(text.p, body, sizeof(body));
	body_sign(body, n, &f->id[C]);
	body_encode(body, n, &fwd);
	rc = open_as(f, B, &tb, fwd.p, fwd.len, NOW, &o, &why);
	assert_refused(rc, &o, why, PACKAGE_ESIGNATURE, RC_EINTEGRITY);

	/* ... or names itself as sender: the signature holds, the sealed contents do not */
	memcpy(body, f->id[C].pub.box, 32);
	memcpy(body + 32, f->id[C].pub.sign, 32);
	body_sign(body, n, &f->id[C]);
	body_encode(body, n, &fwd);
	rc = open_as(f, B, &tb, fwd.p, fwd.len, NOW, &o, &why);
	assert_refused(rc, &o, why, PACKAGE_ERESIGNED, RC_EINTEGRITY);
	package_opened_free(&o);

	/* ... and moves the expiry too: the contents still name A's header */
	n = body_decode(text.p, body, sizeof(body));
	memcpy(body, f->id[C].pub.box, 32);
	memcpy(body + 32, f->id[C].pub.sign, 32);
	body[127] ^= 1;
	body_sign(body, n, &f->id[C]);
	body_encode(body, n, &fwd);
	rc = open_as(f, B, &tb, fwd.p, fwd.len, NOW, &o, &why);
	assert_refused(rc, &o, why, PACKAGE_ERESIGNED, RC_EINTEGRITY);
	package_opened_free(&o);
	buf_free(&fwd);
	buf_free(&text);
}

/* Packages a trusted but broken (or hostile) partner could sign. */
static void
test_signed_but_unusable_packages_are_refused(void **state)
{
	struct fixture *f = *state;
	struct trust tb = { { &f->id[A].pub }, 1, 0 };
	struct package_opened o;
	enum package_why why;
	struct buf text = BUF_INIT;
	uint8_t body[4096];
	size_t n;
	int rc;

	/* the forger is right about the format: a good one opens */
	box_forge(&f->id[A], &f->id[B].pub, NOW, NOW + 3600, case_payload, 1, &text);
	assert_int_equal(open_as(f, B, &tb, text.p, text.len, NOW, &o, &why), RC_OK);
	assert_string_equal(o.payload, case_payload);
	package_opened_free(&o);

	/* ciphertext changed, then signed again by the sender */
	n = body_decode(text.p, body, sizeof(body));
	body[HEADER_BYTES + 20] ^= 0x40;
	body_sign(body, n, &f->id[A]);
	body_encode(body, n, &text);
	rc = open_as(f, B, &tb, text.p, text.len, NOW, &o, &why);
	assert_refused(rc, &o, why, PACKAGE_EDECRYPT, RC_EINTEGRITY);
	package_opened_free(&o);

	box_forge(&f->id[A], &f->id[B].pub, NOW, NOW + 3600, case_payload, 0, &text);
	rc = open_as(f, B, &tb, text.p, text.len, NOW, &o, &why);
	assert_refused(rc, &o, why, PACKAGE_ERESIGNED, RC_EINTEGRITY);
	package_opened_free(&o);

	box_forge(&f->id[A], &f->id[B].pub, NOW, NOW + 3600, "not json", 1, &text);
	rc = open_as(f, B, &tb, text.p, text.len, NOW, &o, &why);
	assert_refused(rc, &o, why, PACKAGE_EPAYLOAD, RC_EINVALID);
	package_opened_free(&o);
	box_forge(&f->id[A], &f->id[B].pub, NOW, NOW + 3600, "{\"kind\":\"invoice\"}", 1,
	    &text);
	rc = open_as(f, B, &tb, text.p, text.len, NOW, &o, &why);
	assert_refused(rc, &o, why, PACKAGE_EPAYLOAD, RC_EINVALID);
	package_opened_free(&o);

	/* validity periods package_seal never makes */
	box_forge(&f->id[A], &f->id[B].pub, NOW, NOW, case_payload, 1, &text);
	rc = open_as(f, B, &tb, text.p, text.len, NOW - 10, &o, &why);
	assert_refused(rc, &o, why, PACKAGE_EMALFORMED, RC_EINVALID);
	assert_int_equal(strlen(o.id), PACKAGE_ID_LEN);	/* signed: the id is known */
	package_opened_free(&o);
	box_forge(&f->id[A], &f->id[B].pub, NOW, NOW + PACKAGE_TTL_MAX + 1, case_payload, 1,
	    &text);
	rc = open_as(f, B, &tb, text.p, text.len, NOW, &o, &why);
	assert_refused(rc, &o, why, PACKAGE_EMALFORMED, RC_EINVALID);
	package_opened_free(&o);
	box_forge(&f->id[A], &f->id[B].pub, NOW, UINT64_MAX, case_payload, 1, &text);
	rc = open_as(f, B, &tb, text.p, text.len, NOW, &o, &why);
	assert_refused(rc, &o, why, PACKAGE_EMALFORMED, RC_EINVALID);
	package_opened_free(&o);
	buf_free(&text);
}

/* ---- acknowledgements ---------------------------------------------------------- */

static void
test_acknowledgement_goes_back_to_the_sender(void **state)
{
	struct fixture *f = *state;
	static const char reason_ar[] = "\xd8\xa7\xd9\x84\xd8\xb7\xd9\x81\xd9\x84 "
	    "\xd9\x84\xd9\x8a\xd8\xb3 \xd9\x87\xd9\x86\xd8\xa7";	/* fictional */
	struct trust tb = { { &f->id[A].pub }, 1, 0 };
	struct trust ta = { { &f->id[B].pub }, 1, 0 };
	char id[PACKAGE_ID_SIZE], ack_id[PACKAGE_ID_SIZE], orig[PACKAGE_ID_SIZE];
	char reason[PACKAGE_REASON_MAX + 1], long_reason[PACKAGE_REASON_MAX + 2], want[128];
	static const char bad_id[] =
	    "{\"kind\":\"ack\",\"package_id\":\"x\",\"decision\":\"accepted\"}";
	struct buf text = BUF_INIT, ack = BUF_INIT, reply = BUF_INIT;
	enum package_decision d;
	struct package_opened o;

	seal(f, A, B, case_payload, NOW, &text, id);
	assert_int_equal(open_as(f, B, &tb, text.p, text.len, NOW, &o, NULL), RC_OK);
	assert_int_equal(package_ack_payload(o.id, PACKAGE_DECLINED, reason_ar, &ack), RC_OK);
	package_opened_free(&o);
	seal(f, B, A, ack.p, NOW + 5, &reply, ack_id);
	assert_string_not_equal(ack_id, id);

	assert_int_equal(open_as(f, A, &ta, reply.p, reply.len, NOW + 9, &o, NULL), RC_OK);
	assert_int_equal(o.kind, PACKAGE_KIND_ACK);
	assert_true(package_pub_equal(&o.sender, &f->id[B].pub));
	assert_int_equal(package_ack_read(o.payload, o.payload_len, orig, &d, reason,
	    sizeof(reason)), RC_OK);
	assert_string_equal(orig, id);
	assert_int_equal(d, PACKAGE_DECLINED);
	assert_string_equal(reason, reason_ar);
	assert_int_equal(package_ack_read(o.payload, o.payload_len, orig, &d, reason, 5),
	    RC_ETOOBIG);
	assert_string_equal(orig, "");
	package_opened_free(&o);

	buf_reset(&ack);
	assert_int_equal(package_ack_payload(id, PACKAGE_ACCEPTED, NULL, &ack), RC_OK);
	snprintf(want, sizeof(want), "{\"decision\":\"accepted\",\"kind\":\"ack\","
	    "\"package_id\":\"%s\"}", id);
	assert_string_equal(ack.p, want);
	assert_int_equal(package_ack_read(ack.p, ack.len, orig, &d, reason, sizeof(reason)),
	    RC_OK);
	assert_int_equal(d, PACKAGE_ACCEPTED);
	assert_string_equal(reason, "");
	assert_string_equal(orig, id);

	/* what an acknowledgement cannot be */
	buf_reset(&ack);
	assert_int_equal(package_ack_payload(id, PACKAGE_DECLINED, NULL, &ack), RC_EINVALID);
	assert_int_equal(package_ack_payload(id, PACKAGE_DECLINED, "", &ack), RC_EINVALID);
	assert_int_equal(package_ack_payload("123", PACKAGE_ACCEPTED, NULL, &ack),
	    RC_EINVALID);
	assert_int_equal(package_ack_payload("0123456789ABCDEF0123456789abcdef",
	    PACKAGE_ACCEPTED, NULL, &ack), RC_EINVALID);
	assert_int_equal(package_ack_payload(id, PACKAGE_DECLINED, "\xff\xfe", &ack),
	    RC_EINVALID);
	memset(long_reason, 'r', sizeof(long_reason) - 1);
	long_reason[sizeof(long_reason) - 1] = '\0';
	assert_int_equal(package_ack_payload(id, PACKAGE_DECLINED, long_reason, &ack),
	    RC_EINVALID);
	assert_int_equal(ack.len, 0);
	assert_int_equal(package_ack_read(case_payload, strlen(case_payload), orig, &d, reason,
	    sizeof(reason)), RC_EINVALID);
	assert_int_equal(package_ack_read(bad_id, strlen(bad_id), orig, &d, reason,
	    sizeof(reason)), RC_EINVALID);
	buf_free(&reply);
	buf_free(&ack);
	buf_free(&text);
}

static void
test_every_reason_has_a_name_and_words(void **state)
{
	size_t i, k;

	(void)state;
	for (i = 0; i < PACKAGE__MAX; i++) {
		assert_true(strlen(package_why_text(i)) > 10);
		for (k = i + 1; k < PACKAGE__MAX; k++)
			assert_string_not_equal(package_why_name(i), package_why_name(k));
	}
	/* what the operator reads for a changed byte */
	assert_non_null(strstr(package_why_text(PACKAGE_ESIGNATURE), "signature"));
	assert_non_null(strstr(package_why_text(PACKAGE_EMALFORMED), "signature"));
	assert_non_null(strstr(package_why_text(PACKAGE_EDECRYPT), "decryption"));
	assert_string_equal(package_why_name(PACKAGE__MAX), "internal");
	assert_string_equal(package_kind_name(PACKAGE_KIND_ACK), "ack");
	assert_null(package_kind_name(PACKAGE_KIND__MAX));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_identity_is_derived_from_the_master_key_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_identity_of_a_known_master_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_identity_string_round_trips_and_fingerprints_differ, setup, teardown),
		cmocka_unit_test_setup_teardown(test_identity_parse_names_each_problem, setup, teardown),
		cmocka_unit_test_setup_teardown(test_package_round_trip_between_two_instances, setup, teardown),
		cmocka_unit_test_setup_teardown(test_arabic_payload_round_trips_byte_for_byte, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seal_refuses_what_it_cannot_send, setup, teardown),
		cmocka_unit_test_setup_teardown(test_any_changed_byte_is_refused_without_plaintext, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_padded_and_oversized_text_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_largest_payload_fits_and_one_more_byte_does_not, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_recipient_unknown_sender_and_expiry_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forwarded_or_resigned_packages_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signed_but_unusable_packages_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_acknowledgement_goes_back_to_the_sender, setup, teardown),
		cmocka_unit_test(test_every_reason_has_a_name_and_words),
	};

	if (vault_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
