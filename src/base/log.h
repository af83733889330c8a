/*
 * log.h — operational log lines on stderr.
 *
 * Never pass a child's data, a name, a password or a key to these functions: log ids,
 * counts, codes and field ids only.
 */
#ifndef BASE_LOG_H
#define BASE_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void	log_set_level(enum log_level lvl);
void	log_msg(enum log_level lvl, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * A request's line (at LOG_INFO): kept with others and written when 32 KB wait, when
 * the oldest has waited a second, before any other line, or at log_flush() — a
 * write(2) per request cost as much as a tenth of a case read. A crash loses at most
 * the last second of request lines; every other line is written at once.
 */
void	log_access(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_flush(void);	/* write out the waiting request lines now */

#define log_info(...)	log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...)	log_msg(LOG_ERROR, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
