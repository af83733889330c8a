/*
 * auth.c — passwords, sessions, lockout and CSRF tokens.
 *
 * Passwords are Argon2id strings (crypto_pwhash_str). A session token is 32 random
 * bytes shown once to the client as base64url; the database keeps only a keyed hash
 * of it (sessions subkey), so a copy of the database opens no session. Sessions end
 * after session_ttl, after session_idle without use, at logout, and at once when the
 * user is disabled or their password changes.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "app/impl.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"

#define TOKEN_BYTES		32
#define TOUCH_EVERY		60	/* seconds between idle-timer refreshes */

/* Password hashing in progress in this process, at most APP_PWHASH_MAX at once. */
static pthread_mutex_t pwhash_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pwhash_cv = PTHREAD_COND_INITIALIZER;
static int pwhash_busy;

void
app_pwhash_enter(void)
{
	pthread_mutex_lock(&pwhash_mu);
	while (pwhash_busy >= APP_PWHASH_MAX)
		pthread_cond_wait(&pwhash_cv, &pwhash_mu);
	pwhash_busy++;
	pthread_mutex_unlock(&pwhash_mu);
}

void
app_pwhash_leave(void)
{
	pthread_mutex_lock(&pwhash_mu);
	pwhash_busy--;
	pthread_cond_signal(&pwhash_cv);
	pthread_mutex_unlock(&pwhash_mu);
}

/* A hash to verify against when the username is unknown, so that the answer takes
 * as long as for a known user. Made once. */
static char dummy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void
dummy_make(void)
{
	char pw[32];

	randombytes_buf(pw, sizeof(pw) - 1);
	pw[sizeof(pw) - 1] = '\0';
	if (crypto_pwhash_str(dummy_hash, pw, sizeof(pw) - 1,
	    crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		dummy_hash[0] = '\0';
	sodium_memzero(pw, sizeof(pw));
}

static void
token_hash(const struct app *a, const char *kind, const uint8_t *raw, size_t n,
    uint8_t out[STORE_HASH_BYTES])
{
	struct vault_part parts[2] = {
		{ kind, strlen(kind) },
		{ raw, n },
	};

	vault_mac(a->vault, VAULT_SESSIONS, parts, 2, out);
}

/* Decode a base64url token; -1 when it is not one of ours. */
static int
token_decode(const char *token, uint8_t raw[TOKEN_BYTES])
{
	char again[APP_TOKEN_SIZE];
	size_t n = 0;

	if (token == NULL || strlen(token) != APP_TOKEN_SIZE - 1)
		return -1;
	if (sodium_base642bin(raw, TOKEN_BYTES, token, APP_TOKEN_SIZE - 1, NULL, &n, NULL,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 || n != TOKEN_BYTES)
		return -1;
	/* one string per token: libsodium's decoder lets bytes >= 0x80 and unused low
	 * bits through, so only the canonical encoding of what was decoded is ours */
	sodium_bin2base64(again, sizeof(again), raw, TOKEN_BYTES,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	if (sodium_memcmp(again, token, APP_TOKEN_SIZE - 1) != 0) {
		sodium_memzero(raw, TOKEN_BYTES);
		return -1;
	}
	return 0;
}

static int
user_to_actor(const struct store_user *su, struct app_actor *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->pu.id, su->id, ID_SIZE);
	str_copy(out->pu.role, sizeof(out->pu.role), su->role);
	memcpy(out->pu.agency_id, su->agency_id, ID_SIZE);
	str_copy(out->pu.location_code, sizeof(out->pu.location_code), su->location_code);
	str_copy(out->username, sizeof(out->username), su->username);
	str_copy(out->language, sizeof(out->language), su->language);
	return RC_OK;
}

int
app_login(struct app *a, const char *username, const char *password,
    struct app_login *out, struct app_error *err)
{
	struct store_session ss = { 0 };
	struct store_user u;
	struct app_actor actor;
	uint8_t raw[TOKEN_BYTES];
	int64_t now = clock_now();
	int rc, ok;

	memset(out, 0, sizeof(*out));
	if (username == NULL || password == NULL || *username == '\0' ||
	    strlen(username) > 63 || strlen(password) > 1024)
		return app_fail(err, RC_EINVALID, "username and password are required");

	rc = store_user_get_by_name(a->store, username, &u);
	if (rc == RC_ENOTFOUND) {
		app_pwhash_enter();
		pthread_once(&dummy_once, dummy_make);
		if (crypto_pwhash_str_verify(dummy_hash, password, strlen(password)) == 0)
			log_error("auth: a password matched the random dummy hash");
		app_pwhash_leave();
		audit_note(a, NULL, "login.failed", NULL, NULL, "unknown user");
		return app_fail(err, RC_EAUTH, "wrong username or password");
	}
	if (rc != RC_OK)
		return app_fail(err, rc, "cannot read users");
	user_to_actor(&u, &actor);
	if (u.locked_until > now) {
		out->retry_after = u.locked_until - now;
		sodium_memzero(u.password_hash, sizeof(u.password_hash));
		audit_note(a, &actor, "login.failed", NULL, NULL, "locked");
		return app_fail(err, RC_ELOCKED, "too many wrong passwords: this account is "
		    "locked for %lld more seconds", (long long)out->retry_after);
	}
	/* the slow check runs outside any transaction */
	app_pwhash_enter();
	ok = crypto_pwhash_str_verify(u.password_hash, password, strlen(password)) == 0;
	app_pwhash_leave();
	sodium_memzero(u.password_hash, sizeof(u.password_hash));

	if ((rc = store_begin(a->store)) != RC_OK)
		return app_fail(err, rc, "database busy; try again");
	/* read again under the write lock: concurrent attempts count once each */
	if ((rc = store_user_get(a->store, actor.pu.id, &u)) != RC_OK)
		goto fail;
	if (!ok || u.disabled) {
		const char *why = u.disabled ? "disabled" : "wrong password";

		if (!u.disabled && ++u.failed_logins >= APP_LOGIN_ATTEMPTS) {
			u.failed_logins = 0;
			u.locked_until = now + a->lockout;
			why = "wrong password; account locked";
		}
		u.updated_at = now;
		if ((rc = store_user_update(a->store, &u)) != RC_OK ||
		    (rc = audit_write(a, &actor, "login.failed", NULL, NULL, why)) != RC_OK ||
		    (rc = store_commit(a->store)) != RC_OK)
			goto fail;
		sodium_memzero(u.password_hash, sizeof(u.password_hash));
		return app_fail(err, RC_EAUTH, "wrong username or password");
	}
	if (u.failed_logins != 0 || u.locked_until != 0) {
		u.failed_logins = 0;
		u.locked_until = 0;
		if ((rc = store_user_update(a->store, &u)) != RC_OK)
			goto fail;
	}
	sodium_memzero(u.password_hash, sizeof(u.password_hash));
	randombytes_buf(raw, sizeof(raw));
	token_hash(a, "session", raw, sizeof(raw), ss.token_hash);
	memcpy(ss.user_id, u.id, ID_SIZE);
	ss.created_at = ss.last_seen = now;
	ss.expires_at = now + a->session_ttl;
	if ((rc = store_session_insert(a->store, &ss)) != RC_OK ||
	    (rc = audit_write(a, &actor, "login", NULL, NULL, "ok")) != RC_OK ||
	    (rc = store_commit(a->store)) != RC_OK)
		goto fail;
	sodium_bin2base64(out->token, sizeof(out->token), raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	out->expires_at = ss.expires_at;
	out->user = app_user_json(a, u.id);
	/* now and then, clear out sessions that ended */
	if (randombytes_uniform(64) == 0)
		store_session_purge(a->store, now, now - a->session_idle);
	return RC_OK;
fail:
	store_rollback(a->store);
	sodium_memzero(u.password_hash, sizeof(u.password_hash));
	sodium_memzero(raw, sizeof(raw));
	return app_fail(err, rc, "cannot sign in now; try again");
}

int
app_logout(struct app *a, const char *token)
{
	uint8_t raw[TOKEN_BYTES], h[STORE_HASH_BYTES];
	struct store_session ss;
	struct store_user u;
	struct app_actor actor;
	int rc;

	if (token_decode(token, raw) != 0)
		return RC_OK;
	token_hash(a, "session", raw, sizeof(raw), h);
	sodium_memzero(raw, sizeof(raw));
	if (store_session_get(a->store, h, &ss) != RC_OK)
		return RC_OK;
	if ((rc = store_begin(a->store)) != RC_OK)
		return rc;
	rc = store_session_delete(a->store, h);
	if (rc == RC_OK && store_user_get(a->store, ss.user_id, &u) == RC_OK) {
		sodium_memzero(u.password_hash, sizeof(u.password_hash));
		user_to_actor(&u, &actor);
		rc = audit_write(a, &actor, "logout", NULL, NULL, "ok");
	}
	if (rc == RC_OK)
		rc = store_commit(a->store);
	if (rc != RC_OK)
		store_rollback(a->store);
	return rc;
}

int
app_session_actor(struct app *a, const char *token, struct app_actor *out,
    struct app_error *err)
{
	uint8_t raw[TOKEN_BYTES], h[STORE_HASH_BYTES];
	struct store_session ss;
	struct store_user u;
	int64_t now = clock_now();
	int rc;

	memset(out, 0, sizeof(*out));
	if (token_decode(token, raw) != 0)
		return app_fail(err, RC_EAUTH, "not signed in");
	token_hash(a, "session", raw, sizeof(raw), h);
	sodium_memzero(raw, sizeof(raw));
	rc = store_session_user(a->store, h, &ss, &u);
	if (rc == RC_ENOTFOUND)
		return app_fail(err, RC_EAUTH, "not signed in, or the session ended");
	if (rc != RC_OK)
		return app_fail(err, rc, "cannot check the session");
	sodium_memzero(u.password_hash, sizeof(u.password_hash));
	if (sodium_memcmp(ss.token_hash, h, STORE_HASH_BYTES) != 0)
		return app_fail(err, RC_EAUTH, "not signed in");
	if (ss.expires_at <= now || ss.last_seen + a->session_idle < now) {
		store_session_delete(a->store, h);
		return app_fail(err, RC_EAUTH, "the session ended; sign in again");
	}
	if (u.disabled) {
		store_session_delete(a->store, h);
		return app_fail(err, RC_EAUTH, "this account is disabled");
	}
	/* refresh the idle timer now and then, well before it runs out */
	if (now - ss.last_seen >= (a->session_idle / 4 < TOUCH_EVERY ?
	    a->session_idle / 4 : TOUCH_EVERY))
		store_session_touch(a->store, h, now);
	return user_to_actor(&u, out);
}

void
app_csrf_token(struct app *a, const char *session_token, char out[APP_TOKEN_SIZE])
{
	uint8_t raw[TOKEN_BYTES], h[STORE_HASH_BYTES];

	if (token_decode(session_token, raw) != 0) {
		out[0] = '\0';
		return;
	}
	token_hash(a, "csrf", raw, sizeof(raw), h);
	sodium_memzero(raw, sizeof(raw));
	sodium_bin2base64(out, APP_TOKEN_SIZE, h, TOKEN_BYTES,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int
app_csrf_check(struct app *a, const char *session_token, const char *csrf)
{
	char want[APP_TOKEN_SIZE];
	int ok;

	if (csrf == NULL || strlen(csrf) != APP_TOKEN_SIZE - 1)
		return 0;
	app_csrf_token(a, session_token, want);
	ok = want[0] != '\0' && sodium_memcmp(want, csrf, APP_TOKEN_SIZE - 1) == 0;
	sodium_memzero(want, sizeof(want));
	return ok;
}

int
app_password_change(struct app *a, const struct app_actor *u, const char *old_password,
    const char *new_password, struct app_error *err)
{
	struct store_user su;
	char hash[crypto_pwhash_STRBYTES];
	int rc;

	if (old_password == NULL || new_password == NULL)
		return app_fail(err, RC_EINVALID, "old_password and new_password are "
		    "required");
	if (strlen(new_password) < APP_PASSWORD_MIN || strlen(new_password) > 1024)
		return app_fail(err, RC_EINVALID, "new_password: at least %d characters",
		    APP_PASSWORD_MIN);
	if ((rc = store_user_get(a->store, u->pu.id, &su)) != RC_OK)
		return app_fail(err, rc, "cannot read your account");
	app_pwhash_enter();
	if (crypto_pwhash_str_verify(su.password_hash, old_password,
	    strlen(old_password)) != 0) {
		app_pwhash_leave();
		sodium_memzero(su.password_hash, sizeof(su.password_hash));
		audit_note(a, u, "password.change", NULL, NULL, "wrong old password");
		return app_fail(err, RC_EAUTH, "old_password is wrong");
	}
	rc = crypto_pwhash_str(hash, new_password, strlen(new_password),
	    crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE);
	app_pwhash_leave();
	if (rc != 0)
		return app_fail(err, RC_ENOMEM, "not enough memory to hash the password");
	if ((rc = store_begin(a->store)) != RC_OK)
		goto out;
	if ((rc = store_user_get(a->store, u->pu.id, &su)) != RC_OK)
		goto fail;
	memcpy(su.password_hash, hash, sizeof(hash));
	su.updated_at = clock_now();
	if ((rc = store_user_update(a->store, &su)) != RC_OK ||
	    (rc = store_session_delete_user(a->store, su.id, NULL)) != RC_OK ||
	    (rc = audit_write(a, u, "password.change", su.id, NULL, "ok")) != RC_OK ||
	    (rc = store_commit(a->store)) != RC_OK)
		goto fail;
	goto out;
fail:
	store_rollback(a->store);
	rc = app_fail(err, rc, "cannot change the password now");
out:
	sodium_memzero(su.password_hash, sizeof(su.password_hash));
	sodium_memzero(hash, sizeof(hash));
	return rc;
}

int64_t
app_sessions_open(struct app *a)
{
	int64_t now = clock_now();

	return store_session_count(a->store, now, now - a->session_idle);
}
