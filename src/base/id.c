/* id.c — identifiers from libsodium's CSPRNG (and, for records, the clock). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "base/id.h"

static const char short_alphabet[] = "23456789abcdefghjkmnpqrstuvwxyz";

static void
id_format(const uint8_t r[16], char out[ID_SIZE])
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[r[i] >> 4];
		out[o++] = hex[r[i] & 0x0f];
	}
	out[o] = '\0';
}

void
id_uuid4(char out[ID_SIZE])
{
	uint8_t r[16];

	randombytes_buf(r, sizeof(r));
	r[6] = (uint8_t)((r[6] & 0x0f) | 0x40);
	r[8] = (uint8_t)((r[8] & 0x3f) | 0x80);
	id_format(r, out);
}

/* RFC 9562 version 7: unix_ts_ms (48 bits, big-endian), ver, rand_a, var, rand_b. */
void
id_uuid7(char out[ID_SIZE])
{
	struct timespec ts;
	uint64_t ms = 0;
	uint8_t r[16];
	int i;

	if (clock_gettime(CLOCK_REALTIME, &ts) == 0 && ts.tv_sec > 0)
		ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
	randombytes_buf(r, sizeof(r));
	for (i = 5; i >= 0; i--) {
		r[i] = (uint8_t)(ms & 0xff);
		ms >>= 8;
	}
	r[6] = (uint8_t)((r[6] & 0x0f) | 0x70);
	r[8] = (uint8_t)((r[8] & 0x3f) | 0x80);
	id_format(r, out);
}

void
id_short(char out[SHORT_ID_SIZE])
{
	size_t i;

	for (i = 0; i < SHORT_ID_LEN; i++)
		out[i] = short_alphabet[randombytes_uniform(sizeof(short_alphabet) - 1)];
	out[SHORT_ID_LEN] = '\0';
}

int
id_is_uuid(const char *s)
{
	size_t i;

	if (strlen(s) != ID_LEN)
		return 0;
	for (i = 0; i < ID_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	}
	return 1;
}

int
id_is_short(const char *s)
{
	size_t i;

	if (strlen(s) != SHORT_ID_LEN)
		return 0;
	for (i = 0; i < SHORT_ID_LEN; i++)
		if (strchr(short_alphabet, s[i]) == NULL || s[i] == '\0')
			return 0;
	return 1;
}
