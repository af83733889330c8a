/*
 * package.h — this instance's public identity and signed, sealed transfer packages for
 * another RouteCare instance (libsodium only; nothing here touches the database).
 *
 * IDENTITY. Each instance has an X25519 key pair (crypto_box, to receive packages) and
 * an Ed25519 key pair (crypto_sign, to sign them). Both are derived from master.key
 * through the TRANSFER subkey (vault.h, VAULT_TRANSFER = 5):
 *
 *	seed_box  = crypto_kdf_derive_from_key(32, 1, "RCtransf", transfer subkey)
 *	seed_sign = crypto_kdf_derive_from_key(32, 2, "RCtransf", transfer subkey)
 *	crypto_box_seed_keypair(seed_box), crypto_sign_seed_keypair(seed_sign)
 *
 * so nothing new has to be backed up; a new master key is a new identity, which every
 * partner must trust again. The numbers and the context are part of the data format.
 *
 * The public identity is one line that an operator copies to a partner:
 *
 *	rcid1:<base64url, no padding, of box_pk || sign_pk: 86 characters>:<checksum>
 *
 * 101 characters. The checksum is 8 base64url characters: the first 6 bytes of
 * BLAKE2b("RouteCare identity checksum\0" || "rcid1:" || the 86 key characters), so a
 * mistyped or cut identity is refused instead of trusting the wrong key. The
 * fingerprint (package_fingerprint) is for people comparing over the phone: the
 * first 100 bits of BLAKE2b-256("RouteCare identity fingerprint\0" || box_pk ||
 * sign_pk) in Crockford base32 (no I, L, O, U), 5 groups of 4: "7KQ2-M9XD-4HBA-RT5Z-0WQE".
 *
 * PACKAGE. A text file that survives mail bodies and USB sticks:
 *
 *	RouteCare transfer package v1
 *	<body in base64url without padding, 76 characters a line (57 bytes), last line 1-76>
 *	end of RouteCare transfer package
 *
 * every line ending in "\n" or "\r\n" (the last one too), nothing before or after.
 * The body is binary with fixed offsets, so that nothing but this framing is parsed
 * before the signature is checked:
 *
 *	  0  32  sender X25519 public key      \
 *	 32  32  sender Ed25519 public key      |
 *	 64  32  recipient X25519 public key    |  the header
 *	 96  16  package id (random)            |
 *	112   8  created_at, Unix seconds, unsigned big-endian
 *	120   8  expires_at, idem               |
 *	128  32  ephemeral X25519 public key    |
 *	160  24  nonce                         /
 *	184   n  crypto_box_easy(inner, nonce, recipient pk, ephemeral sk): 16 + 32 + payload
 *	184+n 64 Ed25519 signature (detached) of "RouteCare transfer package v1 signature\0"
 *	         || body[0, 184 + n)
 *
 *	inner = BLAKE2b-256("RouteCare transfer package v1 header\0" || header) || payload
 *
 * Why this shape:
 * - The signature covers the header AND the ciphertext, so no byte can change without
 *   the signature failing, and the recipient's key is signed: a recipient cannot pass
 *   a package on to a third instance as if it had been addressed to it (surreptitious
 *   forwarding) — the third instance sees "not for us" or a bad signature.
 * - The sealed contents name their header (the hash inside the box). A trusted
 *   instance that swaps in its own keys and signs someone else's ciphertext (re-signing,
 *   claiming authorship of contents it never saw) produces a package that decrypts but
 *   whose inner hash does not match: refused as PACKAGE_ERESIGNED. Only the holder of
 *   the ephemeral secret could rebuild the box, and it is wiped after sealing.
 * - An ephemeral sender key per package: a stolen sender key opens no past package,
 *   and the sender itself cannot read what it sent (it keeps its own copy anyway).
 * - The signature is checked against the key in the package before anything else, so
 *   a damaged byte anywhere in the body is reported as a bad signature, not as some
 *   other field looking wrong; who that key belongs to is asked afterwards.
 *
 * What the caller (app/) must still do: refuse a package id it has already imported
 * (this module has no memory: store ids at least until expires_at); take the sender
 * from package_open's result, never from the payload; check that an acknowledgement
 * comes from the instance the original package was sent to.
 */
#ifndef VAULT_PACKAGE_H
#define VAULT_PACKAGE_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

struct vault;

#define PACKAGE_KEY_BYTES	32
#define PACKAGE_SIGN_SK_BYTES	64

#define PACKAGE_IDENTITY_LEN	101	/* "rcid1:" + 86 + ":" + 8 */
#define PACKAGE_IDENTITY_SIZE	(PACKAGE_IDENTITY_LEN + 1)
#define PACKAGE_FINGERPRINT_LEN	24	/* "XXXX-XXXX-XXXX-XXXX-XXXX" */
#define PACKAGE_FINGERPRINT_SIZE (PACKAGE_FINGERPRINT_LEN + 1)
#define PACKAGE_ID_LEN		32	/* 128 random bits in lowercase hex */
#define PACKAGE_ID_SIZE		(PACKAGE_ID_LEN + 1)

#define PACKAGE_TTL_DEFAULT	(30 * 86400)	/* seconds a package stays valid */
#define PACKAGE_TTL_MAX		(366 * 86400)
#define PACKAGE_PAYLOAD_MAX	(8 * 1024 * 1024)	/* JSON payload bytes */
#define PACKAGE_TEXT_MAX	(16 * 1024 * 1024)	/* whole package text */
#define PACKAGE_REASON_MAX	1000	/* bytes of an acknowledgement's reason */

/* An instance's public keys: what a partner trusts. */
struct package_pub {
	uint8_t	box[PACKAGE_KEY_BYTES];		/* X25519: packages are sealed to it */
	uint8_t	sign[PACKAGE_KEY_BYTES];	/* Ed25519: its packages are signed by it */
};

/* This instance's key pairs. Secret: wipe with package_identity_wipe(). */
struct package_identity {
	struct package_pub	pub;
	uint8_t			box_sk[PACKAGE_KEY_BYTES];
	uint8_t			sign_sk[PACKAGE_SIGN_SK_BYTES];
};

/* ---- identity ------------------------------------------------------------------ */

/* Derive this instance's identity from the vault (deterministic: the same master key
 * gives the same identity). RC_OK or RC_EINTERNAL. */
int	package_identity(const struct vault *v, struct package_identity *id);
void	package_identity_wipe(struct package_identity *id);

/* The one-line public identity of `pub` into `out` (NUL-terminated). RC_OK, or
 * RC_ETOOBIG when outsz < PACKAGE_IDENTITY_SIZE (out is then "" when outsz > 0). */
int	package_identity_string(const struct package_pub *pub, char *out, size_t outsz);

/* Why an identity string was refused; package_identity_why_text() says it in words. */
enum package_identity_why {
	PACKAGE_IDENTITY_OK,
	PACKAGE_IDENTITY_EPREFIX,	/* does not start with "rcid1:" */
	PACKAGE_IDENTITY_ESHAPE,	/* not prefix:keys:checksum, or far too long */
	PACKAGE_IDENTITY_ELENGTH,	/* the key part is not 86 characters */
	PACKAGE_IDENTITY_EBASE64,	/* the key part is not canonical base64url */
	PACKAGE_IDENTITY_ECHECKSUM,	/* checksum does not match: a typo somewhere */
	PACKAGE_IDENTITY_EKEY,		/* well formed, but not usable public keys */
	PACKAGE_IDENTITY__MAX
};

/*
 * Parse an identity line (leading and trailing spaces, tabs, CR and LF are ignored).
 * RC_OK and `*pub` set, or RC_EINVALID with `*why` naming the first problem found in
 * the order of the enum (`*pub` is then zeroed). `why` may be NULL.
 */
int	package_identity_parse(const char *s, struct package_pub *pub,
	    enum package_identity_why *why);
/* A sentence for `why` ("checksum does not match: ..."); never NULL. */
const char *package_identity_why_text(enum package_identity_why why);

/* The human fingerprint of `pub`, e.g. "7KQ2-M9XD-4HBA-RT5Z-0WQE". */
void	package_fingerprint(const struct package_pub *pub,
	    char out[PACKAGE_FINGERPRINT_SIZE]);

/* 1 when both keys are equal, else 0. */
int	package_pub_equal(const struct package_pub *a, const struct package_pub *b);

/* ---- packages ------------------------------------------------------------------ */

/* What a payload carries: its "kind" member. */
enum package_kind {
	PACKAGE_KIND_CASE,
	PACKAGE_KIND_REFERRAL,
	PACKAGE_KIND_ACK,
	PACKAGE_KIND__MAX
};

/* "case", "referral", "ack"; NULL when out of range. */
const char *package_kind_name(enum package_kind k);

/*
 * Seal `n` bytes of JSON at `payload` from `me` to the instance `to`, valid from `now`
 * for `ttl` seconds (PACKAGE_TTL_DEFAULT unless there is a reason), and append the
 * package text to `out` (caller owns, buf_free). The payload must be a JSON object
 * whose "kind" is "case", "referral" or "ack"; it travels byte for byte as given.
 * The new package id is written to `id`.
 *
 * RC_OK; RC_EINVALID when the payload is not such an object, `now` < 0, `ttl` is not
 * in 1..PACKAGE_TTL_MAX, or `to` holds unusable keys; RC_ETOOBIG when n >
 * PACKAGE_PAYLOAD_MAX; RC_ENOMEM. On failure `out` holds what it held before and `id`
 * is "".
 */
int	package_seal(const struct package_identity *me, const struct package_pub *to,
	    const char *payload, size_t n, int64_t now, int64_t ttl, struct buf *out,
	    char id[PACKAGE_ID_SIZE]);

/*
 * Why a package was refused, in the order the checks run. Each maps to one enum rc
 * (in brackets) and has a stable name for the audit log and the API
 * (package_why_name) and an English sentence (package_why_text).
 */
enum package_why {
	PACKAGE_OK,
	PACKAGE_ETOOBIG,	/* [RC_ETOOBIG] text over PACKAGE_TEXT_MAX, payload over
				 * PACKAGE_PAYLOAD_MAX: "too_big" */
	PACKAGE_EVERSION,	/* [RC_EINVALID] another format version: "version" */
	PACKAGE_EMALFORMED,	/* [RC_EINVALID] framing, base64, size or validity period
				 * wrong: "malformed" */
	PACKAGE_ESIGNATURE,	/* [RC_EINTEGRITY] signature does not verify: changed after
				 * signing: "signature" */
	PACKAGE_ENOTFORUS,	/* [RC_EDENIED] sealed to another instance: "not_for_us" */
	PACKAGE_EUNKNOWN,	/* [RC_EDENIED] signer is not a trusted partner:
				 * "unknown_sender" */
	PACKAGE_ELOOKUP,	/* [RC_EIO] the trust callback failed: "trust_lookup" */
	PACKAGE_EEXPIRED,	/* [RC_EDENIED] now >= expires_at: "expired" */
	PACKAGE_EDECRYPT,	/* [RC_EINTEGRITY] signed, but does not decrypt with our
				 * key: "decryption" */
	PACKAGE_ERESIGNED,	/* [RC_EINTEGRITY] the sealed contents were made for another
				 * header: re-signed by another instance: "resigned" */
	PACKAGE_EPAYLOAD,	/* [RC_EINVALID] decrypted, but not a JSON object with a
				 * known kind: "payload" */
	PACKAGE_ENOMEM,		/* [RC_ENOMEM] "no_memory" */
	PACKAGE__MAX
};

const char *package_why_name(enum package_why why);	/* never NULL */
const char *package_why_text(enum package_why why);	/* never NULL */

/*
 * Is `sender` a trusted partner? Return 1 for yes, 0 for no, -1 when the lookup
 * itself failed (the package is then refused with PACKAGE_ELOOKUP).
 */
typedef int (*package_trust_fn)(void *arg, const struct package_pub *sender);

/* An opened package. package_opened_free() wipes and frees the payload. */
struct package_opened {
	char			 id[PACKAGE_ID_SIZE];	/* "" until the signature verified */
	struct package_pub	 sender;
	int64_t			 created_at;
	int64_t			 expires_at;
	enum package_kind	 kind;
	char			*payload;	/* the JSON exactly as sealed, NUL-terminated;
						 * NULL unless package_open returned RC_OK */
	size_t			 payload_len;
};

/*
 * Open the package text (`n` bytes at `text`, no NUL needed) addressed to `me`.
 * Checks in this order: size; framing and version; the signature against the
 * sender key inside the package; that it is sealed to `me`; that `trusted(arg,
 * sender)` says 1 (NULL: nobody is trusted); that `now` < expires_at; decryption;
 * that the sealed contents belong to this header; that the payload is a JSON
 * object with a known kind.
 *
 * Returns RC_OK with `*out` filled, or the rc of `*why` (never PACKAGE_OK then).
 * On refusal `out->payload` is NULL and no plaintext is left in memory;
 * `out->id`, `out->sender`, `created_at` and `expires_at` are filled only once the
 * signature verified (so PACKAGE_EUNKNOWN can tell the operator which instance
 * signed: its fingerprint), otherwise `out` is zeroed. Free with
 * package_opened_free() in every case. `why` may be NULL.
 */
int	package_open(const struct package_identity *me, package_trust_fn trusted,
	    void *arg, const char *text, size_t n, int64_t now, struct package_opened *out,
	    enum package_why *why);
void	package_opened_free(struct package_opened *o);	/* zeroes *o; NULL is fine */

/* ---- acknowledgements ---------------------------------------------------------- */

enum package_decision {
	PACKAGE_ACCEPTED,
	PACKAGE_DECLINED
};

/*
 * Append the payload of an acknowledgement to `out`:
 *	{"decision":"accepted"|"declined","kind":"ack","package_id":ORIG,"reason":REASON}
 * (compact, keys sorted; "reason" omitted when NULL or empty). `orig_id` is the
 * acknowledged package's id (32 lowercase hex). RC_OK, or RC_EINVALID when orig_id
 * has another shape, a decline has no reason, or the reason is not UTF-8 or over
 * PACKAGE_REASON_MAX bytes; RC_ENOMEM. Seal it with package_seal to the sender of
 * the original.
 */
int	package_ack_payload(const char *orig_id, enum package_decision d,
	    const char *reason, struct buf *out);

/*
 * Read an acknowledgement payload (from package_open, kind PACKAGE_KIND_ACK):
 * `orig_id`, `*d`, and the reason into `reason` (size `reasonsz`, "" when none).
 * RC_OK; RC_EINVALID when it is not an acknowledgement of that shape; RC_ETOOBIG
 * when the reason does not fit `reasonsz`.
 */
int	package_ack_read(const char *payload, size_t n, char orig_id[PACKAGE_ID_SIZE],
	    enum package_decision *d, char *reason, size_t reasonsz);

#endif
