/*
 * id.h — record and user identifiers.
 *
 * Ids are UUIDs, 36 characters: random (version 4) for users and agencies, and
 * time-ordered (version 7: 48 bits of milliseconds, then 74 random bits) for records,
 * so that a new record's entries in every index keyed by its id go next to those of
 * the records made just before it, not to a random page. Short ids are 7 characters that a
 * caseworker can read aloud or write on paper: lowercase letters and digits without the
 * look-alikes 0/o, 1/l/i.
 */
#ifndef BASE_ID_H
#define BASE_ID_H

#include <stddef.h>

#define ID_LEN		36
#define ID_SIZE		(ID_LEN + 1)
#define SHORT_ID_LEN	7
#define SHORT_ID_SIZE	(SHORT_ID_LEN + 1)

void	id_uuid4(char out[ID_SIZE]);
void	id_uuid7(char out[ID_SIZE]);	/* ordered by the time it was made, in ms */
void	id_short(char out[SHORT_ID_SIZE]);
int	id_is_uuid(const char *s);	/* 1 when s is a lowercase canonical UUID */
int	id_is_short(const char *s);	/* 1 when s has the short id shape */

#endif
