/* id.c — random identifiers from libsodium's CSPRNG. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "base/id.h"

static const char short_alphabet[] = "23456789abcdefghjkmnpqrstuvwxyz";

void
id_uuid4(char out[ID_SIZE])
{
	uint8_t r[16];

	randombytes_buf(r, sizeof(r));
	r[6] = (uint8_t)((r[6] & 0x0f) | 0x40);
	r[8] = (uint8_t)((r[8] & 0x3f) | 0x80);
	snprintf(out, ID_SIZE,
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	    r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11],
	    r[12], r[13], r[14], r[15]);
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
