/*
 * vault.h — keys, sealing and blind indexes. Nothing here touches the database.
 *
 * The master key (32 bytes, DATA/master.key, mode 0600) never leaves this module: it is
 * read into guarded memory and only subkeys derived with crypto_kdf are used. Each
 * record has its own random data key (struct vault_dk) stored wrapped by the records
 * subkey; destroying the wrapped key makes the record unreadable everywhere.
 */
#ifndef VAULT_VAULT_H
#define VAULT_VAULT_H

#include <stddef.h>
#include <stdint.h>

#define VAULT_KEY_BYTES		32
#define VAULT_NONCE_BYTES	24
#define VAULT_TAG_BYTES		16
#define VAULT_SEAL_OVERHEAD	(VAULT_NONCE_BYTES + VAULT_TAG_BYTES)
#define VAULT_WRAPPED_BYTES	(VAULT_KEY_BYTES + VAULT_SEAL_OVERHEAD)
#define VAULT_BLIND_BYTES	16
#define VAULT_AD_MAX		128

/* Subkeys, one per purpose; the numbers are part of the data format: never reuse. */
enum vault_purpose {
	VAULT_RECORDS = 1,	/* wraps per-record data keys */
	VAULT_BLIND = 2,	/* blind index of name tokens */
	VAULT_AUDIT = 3,	/* audit chain */
	VAULT_SESSIONS = 4,	/* session token hashing */
	VAULT_TRANSFER = 5,	/* instance identity seeds: see package.h */
	VAULT__MAX
};

struct vault;

struct vault_dk {
	uint8_t	k[VAULT_KEY_BYTES];
};

/* Initialise libsodium; call once at start. 0, or -1 when it cannot start. */
int	vault_init(void);

/* Create a new master key file at `path` (mode 0600, fails with RC_EEXIST if present). */
int	vault_key_create(const char *path);

/* Load the master key from `path` and derive the subkeys. RC_OK, RC_ENOTFOUND, RC_EIO
 * (unreadable, wrong size, or readable by group/others: refused), RC_ENOMEM.
 * `*out` is freed with vault_close(). */
int	vault_open(const char *path, struct vault **out);
void	vault_close(struct vault *v);	/* wipes every key; NULL is fine */

/* A fresh random data key; wipe it with vault_dk_wipe() when done. */
void	vault_dk_new(struct vault_dk *dk);
void	vault_dk_wipe(struct vault_dk *dk);

/* Wrap `dk` for `record_id` into out[VAULT_WRAPPED_BYTES]. */
void	vault_dk_wrap(const struct vault *v, const char *record_id,
	    const struct vault_dk *dk, uint8_t out[VAULT_WRAPPED_BYTES]);
/* Unwrap; RC_OK or RC_EINTEGRITY (wrong record, wrong key, tampered). */
int	vault_dk_unwrap(const struct vault *v, const char *record_id,
	    const uint8_t *in, size_t n, struct vault_dk *dk);

/* Build the associated data for a record body or history entry into ad[VAULT_AD_MAX]:
 * "id\ntype\nrev". Returns its length, or 0 when it does not fit. */
size_t	vault_ad(char ad[VAULT_AD_MAX], const char *id, const char *type, int64_t rev);

/*
 * Seal `n` bytes at `plain` under `dk` with associated data `ad`. Writes
 * nonce || ciphertext || tag (n + VAULT_SEAL_OVERHEAD bytes) into `out`, which the
 * caller allocates. Returns RC_OK, or RC_ENOMEM when n + overhead would overflow.
 */
int	vault_seal(const struct vault_dk *dk, const char *ad, size_t adlen,
	    const uint8_t *plain, size_t n, uint8_t *out);
/*
 * Open a sealed buffer of `n` bytes into `out` (n - VAULT_SEAL_OVERHEAD bytes, caller
 * allocates). RC_OK, or RC_EINTEGRITY when it is too short, tampered, or the key or
 * associated data is not the one it was sealed with: the output is then zeroed.
 */
int	vault_unseal(const struct vault_dk *dk, const char *ad, size_t adlen,
	    const uint8_t *in, size_t n, uint8_t *out);

/* Keyed hash of a normalised token under the blind-index subkey; `kind` separates
 * kinds of token ("name", "prefix", ...) so equal text of two kinds never collides. */
void	vault_blind(const struct vault *v, const char *kind, const char *token,
	    uint8_t out[VAULT_BLIND_BYTES]);

#define VAULT_MAC_BYTES		32

/* Keyed BLAKE2b-256 of the parts (ptr, len pairs; each part is length-prefixed so
 * that boundaries cannot shift) under the subkey for `p`. */
struct vault_part {
	const void	*p;
	size_t		 n;
};
void	vault_mac(const struct vault *v, enum vault_purpose p,
	    const struct vault_part *parts, size_t nparts, uint8_t out[VAULT_MAC_BYTES]);

/* Copy the subkey for `p` into out (caller wipes it). RC_OK or RC_EINVALID. */
int	vault_subkey(const struct vault *v, enum vault_purpose p,
	    uint8_t out[VAULT_KEY_BYTES]);

#endif
