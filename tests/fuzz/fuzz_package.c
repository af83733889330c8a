/*
 * fuzz_package.c — package_open and package_identity_parse on arbitrary bytes.
 *
 * Two fixed instances: the sender S (master key 32 x 0x11) and the recipient R
 * (32 x 0x22), their identities derived through the vault as in production (the key
 * files live for a moment in a temporary folder, under /dev/shm when it exists). The
 * input is opened as R trusting S at a fixed time, so the seeds in corpus/package —
 * real packages from S to R — reach every check after the signature; mutations of
 * them exercise the framing, base64 and every refusal.
 *
 * Checks: never crashes or leaks; RC_OK exactly when why is PACKAGE_OK, and then a
 * NUL-terminated payload of payload_len bytes from S, of a known kind, still valid,
 * that the same package refuses when S is not trusted and that seals and opens again
 * byte for byte; a refusal has no payload, says why, and names no sender unless the
 * signature verified. An identity that parses prints back as the input (trimmed).
 *
 * The seeds are made by this file built as a program (FUZZ_PACKAGE_MAIN):
 *	make build/routecare
 *	cc -std=c17 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -DFUZZ_PACKAGE_MAIN -Isrc \
 *	    -o build/gen_package tests/fuzz/fuzz_package.c build/obj/base/[a-z]*.o \
 *	    build/obj/vault/[a-z]*.o build/obj/gen/embedded.o -lsodium -ljansson
 *	build/gen_package tests/fuzz/corpus/package
 */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/io.h"
#include "vault/package.h"
#include "vault/vault.h"

#define FUZZ_NOW	INT64_C(1767229200)	/* 2026-01-01T01:00:00Z */

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

static struct package_identity	fuzz_id[2];	/* [0] sender S, [1] recipient R */

static void
identity_from_key(uint8_t fill, struct package_identity *id)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	char dir[PATH_MAX], path[PATH_MAX + 16];
	uint8_t key[VAULT_KEY_BYTES];
	struct vault *v = NULL;

	memset(key, fill, sizeof(key));
	snprintf(dir, sizeof(dir), "%s/routecare-fuzz-package-XXXXXX", base);
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/master.key", dir);
	if (io_write_new(path, 0600, key, sizeof(key)) != RC_OK ||
	    vault_open(path, &v) != RC_OK || package_identity(v, id) != RC_OK)
		abort();
	vault_close(v);
	unlink(path);
	rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (vault_init() != 0)
		abort();
	identity_from_key(0x11, &fuzz_id[0]);
	identity_from_key(0x22, &fuzz_id[1]);
	return 0;
}

static int
trust_sender(void *arg, const struct package_pub *sender)
{
	(void)arg;
	return package_pub_equal(sender, &fuzz_id[0].pub);
}

static void
check_opened(const struct package_opened *o)
{
	struct package_opened again;
	enum package_decision d;
	char orig[PACKAGE_ID_SIZE], reason[PACKAGE_REASON_MAX + 1], id[PACKAGE_ID_SIZE];
	struct buf text = BUF_INIT;
	enum package_why why;

	if (o->payload == NULL || strlen(o->payload) != o->payload_len ||
	    o->payload_len > PACKAGE_PAYLOAD_MAX || package_kind_name(o->kind) == NULL ||
	    !package_pub_equal(&o->sender, &fuzz_id[0].pub) || strlen(o->id) != PACKAGE_ID_LEN ||
	    FUZZ_NOW >= o->expires_at || o->expires_at <= o->created_at)
		abort();
	if (o->kind == PACKAGE_KIND_ACK)
		(void)package_ack_read(o->payload, o->payload_len, orig, &d, reason,
		    sizeof(reason));
	/* what opened can be sent again and arrives unchanged */
	if (package_seal(&fuzz_id[0], &fuzz_id[1].pub, o->payload, o->payload_len, FUZZ_NOW,
	    PACKAGE_TTL_DEFAULT, &text, id) != RC_OK)
		abort();
	if (package_open(&fuzz_id[1], trust_sender, NULL, text.p, text.len, FUZZ_NOW, &again,
	    &why) != RC_OK || again.payload_len != o->payload_len ||
	    memcmp(again.payload, o->payload, o->payload_len) != 0 || strcmp(again.id, id) != 0)
		abort();
	package_opened_free(&again);
	buf_free(&text);
}

static void
check_identity(const uint8_t *data, size_t size)
{
	char *s, out[PACKAGE_IDENTITY_SIZE];
	const char *p, *e;
	enum package_identity_why why = PACKAGE_IDENTITY__MAX;
	struct package_pub pub;
	int rc;

	if ((s = malloc(size + 1)) == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	rc = package_identity_parse(s, &pub, &why);
	if ((rc == RC_OK) != (why == PACKAGE_IDENTITY_OK) || why >= PACKAGE_IDENTITY__MAX ||
	    package_identity_why_text(why) == NULL)
		abort();
	if (rc == RC_OK) {
		for (p = s; *p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'; p++)
			;
		e = p + strlen(p);
		while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
		    e[-1] == '\n'))
			e--;
		if (package_identity_string(&pub, out, sizeof(out)) != RC_OK ||
		    (size_t)(e - p) != PACKAGE_IDENTITY_LEN || memcmp(out, p, PACKAGE_IDENTITY_LEN))
			abort();
	} else {
		static const struct package_pub zero;

		if (memcmp(&pub, &zero, sizeof(pub)) != 0)
			abort();
	}
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct package_pub zero;
	struct package_opened o;
	enum package_why why = PACKAGE__MAX;
	int rc;

	rc = package_open(&fuzz_id[1], trust_sender, NULL, (const char *)data, size, FUZZ_NOW,
	    &o, &why);
	if ((rc == RC_OK) != (why == PACKAGE_OK) || why >= PACKAGE__MAX)
		abort();
	if (rc == RC_OK) {
		check_opened(&o);
		package_opened_free(&o);
		/* the same bytes from a sender nobody trusts */
		if (package_open(&fuzz_id[1], NULL, NULL, (const char *)data, size, FUZZ_NOW,
		    &o, &why) != RC_EDENIED || why != PACKAGE_EUNKNOWN || o.payload != NULL)
			abort();
	} else {
		if (o.payload != NULL || o.payload_len != 0 || package_why_text(why)[0] == '\0')
			abort();
		if (o.id[0] == '\0' && memcmp(&o.sender, &zero, sizeof(zero)) != 0)
			abort();
	}
	package_opened_free(&o);
	check_identity(data, size);
	return 0;
}

#ifdef FUZZ_PACKAGE_MAIN
/* Write the seed corpus into the folder argv[1]. */
static void
seed_write(const char *dir, const char *name, const char *text, size_t n)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL || fwrite(text, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static void
seed_package(const char *dir, const char *name, const char *payload)
{
	struct buf text = BUF_INIT;
	char id[PACKAGE_ID_SIZE];

	if (package_seal(&fuzz_id[0], &fuzz_id[1].pub, payload, strlen(payload),
	    FUZZ_NOW - 600, PACKAGE_TTL_DEFAULT, &text, id) != RC_OK)
		exit(1);
	seed_write(dir, name, text.p, text.len);
	buf_free(&text);
}

int
main(int argc, char **argv)
{
	char s[PACKAGE_IDENTITY_SIZE + 1];
	struct buf ack = BUF_INIT;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	LLVMFuzzerInitialize(&argc, &argv);
	seed_package(argv[1], "case", "{\"kind\":\"case\",\"fields\":{\"name_first\":"
	    "\"Amina\",\"age\":12},\"provenance\":{\"agency\":\"Fictional Aid\","
	    "\"role\":\"caseworker\",\"reason\":\"family tracing\"}}");
	seed_package(argv[1], "referral_ar", "{\"kind\":\"referral\",\"fields\":"
	    "{\"name_first\":\"\xd8\xa3\xd9\x85\xd9\x8a\xd9\x86\xd8\xa9\"},"
	    "\"service\":\"psychosocial\"}");
	if (package_ack_payload("00112233445566778899aabbccddeeff", PACKAGE_DECLINED,
	    "no capacity", &ack) != RC_OK)
		return 1;
	seed_package(argv[1], "ack", ack.p);
	buf_free(&ack);
	package_identity_string(&fuzz_id[0].pub, s, PACKAGE_IDENTITY_SIZE);
	s[PACKAGE_IDENTITY_LEN] = '\n';
	seed_write(argv[1], "identity", s, PACKAGE_IDENTITY_LEN + 1);
	return 0;
}
#endif
