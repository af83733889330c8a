/* test_vault.c — master key handling, sealing, key wrapping, blind index. */
#define _GNU_SOURCE	/* memmem */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/err.h"
#include "base/io.h"
#include "vault/vault.h"

struct fixture {
	char		 dir[64];
	char		 key[96];
	struct vault	*v;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/rc-vault-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->key, sizeof(f->key), "%s/master.key", f->dir);
	if (vault_key_create(f->key) != RC_OK || vault_open(f->key, &f->v) != RC_OK)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	vault_close(f->v);
	unlink(f->key);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void
test_key_file_is_private_and_never_overwritten(void **state)
{
	struct fixture *f = *state;
	struct stat st;

	assert_int_equal(stat(f->key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, VAULT_KEY_BYTES);
	assert_int_equal(vault_key_create(f->key), RC_EEXIST);
}

static void
test_key_readable_by_others_is_refused(void **state)
{
	struct fixture *f = *state;
	struct vault *v = NULL;

	assert_int_equal(chmod(f->key, 0644), 0);
	assert_int_equal(vault_open(f->key, &v), RC_EIO);
	assert_null(v);
	assert_int_equal(chmod(f->key, 0600), 0);
	assert_int_equal(vault_open("/nonexistent/master.key", &v), RC_ENOTFOUND);
}

static void
test_seal_round_trip_and_any_changed_byte_is_detected(void **state)
{
	static const char msg[] = "{\"name_first\":\"Amina\"}";
	struct vault_dk dk;
	uint8_t sealed[sizeof(msg) + VAULT_SEAL_OVERHEAD], plain[sizeof(msg)];
	char ad[VAULT_AD_MAX], ad2[VAULT_AD_MAX];
	size_t adlen, ad2len, i;

	(void)state;
	vault_dk_new(&dk);
	adlen = vault_ad(ad, "id-1", "case", 1);
	assert_int_equal(vault_seal(&dk, ad, adlen, (const uint8_t *)msg, sizeof(msg),
	    sealed), RC_OK);
	assert_null(memmem(sealed, sizeof(sealed), "Amina", 5));
	assert_int_equal(vault_unseal(&dk, ad, adlen, sealed, sizeof(sealed), plain),
	    RC_OK);
	assert_memory_equal(plain, msg, sizeof(msg));
	for (i = 0; i < sizeof(sealed); i++) {
		sealed[i] ^= 0x01;
		assert_int_equal(vault_unseal(&dk, ad, adlen, sealed, sizeof(sealed),
		    plain), RC_EINTEGRITY);
		sealed[i] ^= 0x01;
	}
	/* the same bytes presented as another revision or record are refused */
	ad2len = vault_ad(ad2, "id-1", "case", 2);
	assert_int_equal(vault_unseal(&dk, ad2, ad2len, sealed, sizeof(sealed), plain),
	    RC_EINTEGRITY);
	ad2len = vault_ad(ad2, "id-2", "case", 1);
	assert_int_equal(vault_unseal(&dk, ad2, ad2len, sealed, sizeof(sealed), plain),
	    RC_EINTEGRITY);
	assert_int_equal(vault_unseal(&dk, ad, adlen, sealed, 10, plain), RC_EINTEGRITY);
	vault_dk_wipe(&dk);
}

static void
test_wrapped_key_opens_only_for_its_record(void **state)
{
	struct fixture *f = *state;
	struct vault_dk dk, back;
	uint8_t w[VAULT_WRAPPED_BYTES];

	vault_dk_new(&dk);
	vault_dk_wrap(f->v, "record-a", &dk, w);
	assert_int_equal(vault_dk_unwrap(f->v, "record-a", w, sizeof(w), &back), RC_OK);
	assert_memory_equal(dk.k, back.k, VAULT_KEY_BYTES);
	assert_int_equal(vault_dk_unwrap(f->v, "record-b", w, sizeof(w), &back),
	    RC_EINTEGRITY);
	assert_int_equal(vault_dk_unwrap(f->v, "record-a", w, sizeof(w) - 1, &back),
	    RC_EINTEGRITY);
}

static void
test_another_master_key_opens_nothing(void **state)
{
	struct fixture *f = *state;
	char other[128];
	struct vault *v2 = NULL;
	struct vault_dk dk, back;
	uint8_t w[VAULT_WRAPPED_BYTES], b1[VAULT_BLIND_BYTES], b2[VAULT_BLIND_BYTES];

	snprintf(other, sizeof(other), "%s/other.key", f->dir);
	assert_int_equal(vault_key_create(other), RC_OK);
	assert_int_equal(vault_open(other, &v2), RC_OK);
	vault_dk_new(&dk);
	vault_dk_wrap(f->v, "r", &dk, w);
	assert_int_equal(vault_dk_unwrap(v2, "r", w, sizeof(w), &back), RC_EINTEGRITY);
	vault_blind(f->v, "name", "amina", b1);
	vault_blind(v2, "name", "amina", b2);
	assert_memory_not_equal(b1, b2, VAULT_BLIND_BYTES);
	vault_close(v2);
	unlink(other);
}

static void
test_blind_index_is_deterministic_and_separates_kinds(void **state)
{
	struct fixture *f = *state;
	uint8_t a[VAULT_BLIND_BYTES], b[VAULT_BLIND_BYTES], c[VAULT_BLIND_BYTES];

	vault_blind(f->v, "name", "mohamed", a);
	vault_blind(f->v, "name", "mohamed", b);
	assert_memory_equal(a, b, VAULT_BLIND_BYTES);
	vault_blind(f->v, "prefix", "mohamed", c);
	assert_memory_not_equal(a, c, VAULT_BLIND_BYTES);
	vault_blind(f->v, "name", "mohammed", c);
	assert_memory_not_equal(a, c, VAULT_BLIND_BYTES);
}

static void
test_subkeys_differ_per_purpose(void **state)
{
	struct fixture *f = *state;
	uint8_t a[VAULT_KEY_BYTES], b[VAULT_KEY_BYTES];

	assert_int_equal(vault_subkey(f->v, VAULT_AUDIT, a), RC_OK);
	assert_int_equal(vault_subkey(f->v, VAULT_SESSIONS, b), RC_OK);
	assert_memory_not_equal(a, b, VAULT_KEY_BYTES);
	assert_int_equal(vault_subkey(f->v, VAULT__MAX, a), RC_EINVALID);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_key_file_is_private_and_never_overwritten, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_readable_by_others_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seal_round_trip_and_any_changed_byte_is_detected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrapped_key_opens_only_for_its_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_another_master_key_opens_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blind_index_is_deterministic_and_separates_kinds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subkeys_differ_per_purpose, setup, teardown),
	};

	if (vault_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
