/*
 * log: levelled logging to stderr or syslog, and the fatal() exits.
 *
 * Every module logs through here; nothing else writes diagnostics.  Under
 * systemd (JOURNAL_STREAM set) stderr lines carry a "<N>" priority prefix
 * instead of a timestamp, so journald keeps the level and adds its own time.
 * Tests may install a hook that sees every message that passes the level.
 * With log_set_json(true) each stderr line is one JSON object: time
 * (RFC 3339, UTC), level, ident and msg.
 */
#ifndef BGPD_LOG_H
#define BGPD_LOG_H

#include <stdarg.h>
#include <stdbool.h>

enum log_level {
	LOG_LVL_DEBUG = 0,
	LOG_LVL_INFO,
	LOG_LVL_NOTICE,
	LOG_LVL_WARN,
	LOG_LVL_ERR,
};

typedef void log_hook_fn(enum log_level, const char *msg, void *arg);

void	log_init(const char *ident, enum log_level level, bool use_syslog);
void	log_set_level(enum log_level level);
enum log_level log_get_level(void);
bool	log_enabled(enum log_level level);
int	log_level_parse(const char *s, enum log_level *out);
const char *log_level_name(enum log_level level);
void	log_set_hook(log_hook_fn *fn, void *arg);
void	log_set_json(bool on);

void	log_msg(enum log_level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	log_vmsg(enum log_level, const char *fmt, va_list ap)
	    __attribute__((format(printf, 2, 0)));
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* log_warn appends ": strerror(errno)"; log_warnx does not. */
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Broken invariants and out-of-memory: log and exit(1). */
_Noreturn void fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
_Noreturn void fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

#endif
