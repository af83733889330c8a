/* vault.c — master key, subkeys, data keys, sealing and blind index (libsodium). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "base/err.h"
#include "base/io.h"
#include "vault/vault.h"

#define VAULT_KDF_CONTEXT	"RouteCar"	/* crypto_kdf: exactly 8 bytes */

struct vault {
	uint8_t	subkey[VAULT__MAX][VAULT_KEY_BYTES];
};

int
vault_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

int
vault_key_create(const char *path)
{
	uint8_t key[VAULT_KEY_BYTES];
	int rc;

	crypto_kdf_keygen(key);
	rc = io_write_new(path, 0600, key, sizeof(key));
	sodium_memzero(key, sizeof(key));
	return rc;
}

static int
vault_key_read(const char *path, uint8_t key[VAULT_KEY_BYTES])
{
	struct stat st;
	ssize_t n;
	uint8_t extra;
	int fd, rc = RC_EIO;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? RC_ENOTFOUND : RC_EIO;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		goto out;
	if ((st.st_mode & 077) != 0)	/* a key others can read is not a secret */
		goto out;
	n = read(fd, key, VAULT_KEY_BYTES);
	if (n != VAULT_KEY_BYTES)
		goto out;
	if (read(fd, &extra, 1) != 0)
		goto out;
	rc = RC_OK;
out:
	close(fd);
	if (rc != RC_OK)
		sodium_memzero(key, VAULT_KEY_BYTES);
	return rc;
}

int
vault_open(const char *path, struct vault **out)
{
	uint8_t master[VAULT_KEY_BYTES];
	struct vault *v;
	int rc, p;

	*out = NULL;
	if ((rc = vault_key_read(path, master)) != RC_OK)
		return rc;
	if ((v = sodium_malloc(sizeof(*v))) == NULL) {
		sodium_memzero(master, sizeof(master));
		return RC_ENOMEM;
	}
	memset(v, 0, sizeof(*v));
	for (p = VAULT_RECORDS; p < VAULT__MAX; p++)
		crypto_kdf_derive_from_key(v->subkey[p], VAULT_KEY_BYTES, (uint64_t)p,
		    VAULT_KDF_CONTEXT, master);
	sodium_memzero(master, sizeof(master));
	sodium_mprotect_readonly(v);
	*out = v;
	return RC_OK;
}

void
vault_close(struct vault *v)
{
	if (v != NULL)
		sodium_free(v);		/* zeroes before freeing */
}

void
vault_dk_new(struct vault_dk *dk)
{
	crypto_aead_xchacha20poly1305_ietf_keygen(dk->k);
}

void
vault_dk_wipe(struct vault_dk *dk)
{
	sodium_memzero(dk, sizeof(*dk));
}

size_t
vault_ad(char ad[VAULT_AD_MAX], const char *id, const char *type, int64_t rev)
{
	int n = snprintf(ad, VAULT_AD_MAX, "%s\n%s\n%lld", id, type, (long long)rev);

	if (n < 0 || n >= VAULT_AD_MAX)
		return 0;
	return (size_t)n;
}

/* XChaCha20-Poly1305 with a random nonce: out = nonce || ciphertext || tag. */
static int
aead_seal(const uint8_t key[VAULT_KEY_BYTES], const char *ad, size_t adlen,
    const uint8_t *plain, size_t n, uint8_t *out)
{
	unsigned long long clen;

	if (n > SIZE_MAX - VAULT_SEAL_OVERHEAD)
		return RC_ENOMEM;
	randombytes_buf(out, VAULT_NONCE_BYTES);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + VAULT_NONCE_BYTES, &clen, plain,
	    n, (const uint8_t *)ad, adlen, NULL, out, key);
	return RC_OK;
}

static int
aead_open(const uint8_t key[VAULT_KEY_BYTES], const char *ad, size_t adlen,
    const uint8_t *in, size_t n, uint8_t *out)
{
	unsigned long long plen;

	if (n < VAULT_SEAL_OVERHEAD)
		return RC_EINTEGRITY;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, &plen, NULL,
	    in + VAULT_NONCE_BYTES, n - VAULT_NONCE_BYTES, (const uint8_t *)ad, adlen,
	    in, key) != 0) {
		sodium_memzero(out, n - VAULT_SEAL_OVERHEAD);
		return RC_EINTEGRITY;
	}
	return RC_OK;
}

int
vault_seal(const struct vault_dk *dk, const char *ad, size_t adlen,
    const uint8_t *plain, size_t n, uint8_t *out)
{
	return aead_seal(dk->k, ad, adlen, plain, n, out);
}

int
vault_unseal(const struct vault_dk *dk, const char *ad, size_t adlen,
    const uint8_t *in, size_t n, uint8_t *out)
{
	return aead_open(dk->k, ad, adlen, in, n, out);
}

void
vault_dk_wrap(const struct vault *v, const char *record_id, const struct vault_dk *dk,
    uint8_t out[VAULT_WRAPPED_BYTES])
{
	aead_seal(v->subkey[VAULT_RECORDS], record_id, strlen(record_id), dk->k,
	    VAULT_KEY_BYTES, out);
}

int
vault_dk_unwrap(const struct vault *v, const char *record_id, const uint8_t *in,
    size_t n, struct vault_dk *dk)
{
	if (n != VAULT_WRAPPED_BYTES)
		return RC_EINTEGRITY;
	return aead_open(v->subkey[VAULT_RECORDS], record_id, strlen(record_id), in, n,
	    dk->k);
}

void
vault_blind(const struct vault *v, const char *kind, const char *token,
    uint8_t out[VAULT_BLIND_BYTES])
{
	crypto_generichash_state st;
	const uint8_t sep = 0;

	crypto_generichash_init(&st, v->subkey[VAULT_BLIND], VAULT_KEY_BYTES,
	    VAULT_BLIND_BYTES);
	crypto_generichash_update(&st, (const uint8_t *)kind, strlen(kind));
	crypto_generichash_update(&st, &sep, 1);
	crypto_generichash_update(&st, (const uint8_t *)token, strlen(token));
	crypto_generichash_final(&st, out, VAULT_BLIND_BYTES);
	sodium_memzero(&st, sizeof(st));
}

void
vault_mac(const struct vault *v, enum vault_purpose p, const struct vault_part *parts,
    size_t nparts, uint8_t out[VAULT_MAC_BYTES])
{
	crypto_generichash_state st;
	uint8_t len[8];
	size_t i, k;

	if (p < VAULT_RECORDS || p >= VAULT__MAX) {	/* a bug: never a usable MAC */
		randombytes_buf(out, VAULT_MAC_BYTES);
		return;
	}
	crypto_generichash_init(&st, v->subkey[p], VAULT_KEY_BYTES, VAULT_MAC_BYTES);
	for (i = 0; i < nparts; i++) {
		uint64_t n = (uint64_t)parts[i].n;

		for (k = 0; k < 8; k++)
			len[k] = (uint8_t)(n >> (8 * k));
		crypto_generichash_update(&st, len, sizeof(len));
		if (parts[i].n > 0)
			crypto_generichash_update(&st, parts[i].p, parts[i].n);
	}
	crypto_generichash_final(&st, out, VAULT_MAC_BYTES);
	sodium_memzero(&st, sizeof(st));
}

int
vault_subkey(const struct vault *v, enum vault_purpose p, uint8_t out[VAULT_KEY_BYTES])
{
	if (p < VAULT_RECORDS || p >= VAULT__MAX)
		return RC_EINVALID;
	memcpy(out, v->subkey[p], VAULT_KEY_BYTES);
	return RC_OK;
}
