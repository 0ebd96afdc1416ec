/*
 * log: see log.h.  Messages are formatted once into a bounded buffer, then
 * handed to the hook (tests), syslog or stderr.
 */
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "jescape.h"

#define LOG_LINE_MAX	2048

static const char *log_ident = "bgpd";
static enum log_level log_level = LOG_LVL_INFO;
static bool log_syslog;
static bool log_journal;
static bool log_json;
static log_hook_fn *log_hook;
static void *log_hook_arg;

static const char *const level_names[] = {
	[LOG_LVL_DEBUG] = "debug",
	[LOG_LVL_INFO] = "info",
	[LOG_LVL_NOTICE] = "notice",
	[LOG_LVL_WARN] = "warning",
	[LOG_LVL_ERR] = "error",
};

static const int level_syslog[] = {
	[LOG_LVL_DEBUG] = LOG_DEBUG,
	[LOG_LVL_INFO] = LOG_INFO,
	[LOG_LVL_NOTICE] = LOG_NOTICE,
	[LOG_LVL_WARN] = LOG_WARNING,
	[LOG_LVL_ERR] = LOG_ERR,
};

void
log_init(const char *ident, enum log_level level, bool use_syslog)
{
	if (ident != NULL)
		log_ident = ident;
	log_level = level;
	log_syslog = use_syslog;
	log_journal = getenv("JOURNAL_STREAM") != NULL;
	if (use_syslog)
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_set_json(bool on)
{
	log_json = on;
}

void
log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level
log_get_level(void)
{
	return log_level;
}

bool
log_enabled(enum log_level level)
{
	return level >= log_level;
}

void
log_set_hook(log_hook_fn *fn, void *arg)
{
	log_hook = fn;
	log_hook_arg = arg;
}

const char *
log_level_name(enum log_level level)
{
	if ((unsigned)level > LOG_LVL_ERR)
		return "?";
	return level_names[level];
}

/* Accepts our names and Calico's logSeverityScreen words, any case. */
int
log_level_parse(const char *s, enum log_level *out)
{
	static const struct {
		const char *name;
		enum log_level level;
	} names[] = {
		{ "trace", LOG_LVL_DEBUG }, { "debug", LOG_LVL_DEBUG },
		{ "info", LOG_LVL_INFO }, { "notice", LOG_LVL_NOTICE },
		{ "warning", LOG_LVL_WARN }, { "warn", LOG_LVL_WARN },
		{ "error", LOG_LVL_ERR }, { "fatal", LOG_LVL_ERR },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcasecmp(s, names[i].name) == 0) {
			*out = names[i].level;
			return 0;
		}
	}
	return -1;
}

static void
log_emit(enum log_level level, const char *msg)
{
	if (log_hook != NULL) {
		log_hook(level, msg, log_hook_arg);
		return;
	}
	if (log_syslog) {
		syslog(level_syslog[level], "%s", msg);
		return;
	}
	struct timespec ts;
	struct tm tm;
	char tbuf[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	if (log_json) {
		/* A line is at most LOG_LINE_MAX octets: its escape fits. */
		static char ident[64 * JESCAPE_MAX + 1];
		static char text[LOG_LINE_MAX * JESCAPE_MAX + 1];
		size_t n;

		gmtime_r(&ts.tv_sec, &tm);
		strftime(tbuf, sizeof(tbuf), "%Y-%m-%dT%H:%M:%S", &tm);
		jescape(ident, sizeof(ident), log_ident, strlen(log_ident), &n);
		jescape(text, sizeof(text), msg, strlen(msg), &n);
		fprintf(stderr, "{\"time\":\"%s.%03ldZ\",\"level\":\"%s\","
		    "\"ident\":\"%s\",\"msg\":\"%s\"}\n", tbuf,
		    ts.tv_nsec / 1000000, level_names[level], ident, text);
		return;
	}
	if (log_journal) {
		fprintf(stderr, "<%d>%s\n", level_syslog[level], msg);
		return;
	}
	localtime_r(&ts.tv_sec, &tm);
	strftime(tbuf, sizeof(tbuf), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ld %s %s: %s\n", tbuf, ts.tv_nsec / 1000000,
	    log_ident, level_names[level], msg);
}

void
log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	char buf[LOG_LINE_MAX];

	if (!log_enabled(level))
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	log_emit(level, buf);
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

#define LOG_FN(name, level)					\
void								\
name(const char *fmt, ...)					\
{								\
	va_list ap;						\
								\
	va_start(ap, fmt);					\
	log_vmsg(level, fmt, ap);				\
	va_end(ap);						\
}

LOG_FN(log_debug, LOG_LVL_DEBUG)
LOG_FN(log_info, LOG_LVL_INFO)
LOG_FN(log_notice, LOG_LVL_NOTICE)
LOG_FN(log_warnx, LOG_LVL_WARN)
LOG_FN(log_err, LOG_LVL_ERR)

/* Format the message, then append the errno text saved on entry. */
static void log_verrno(enum log_level level, int saved, const char *fmt,
    va_list ap) __attribute__((format(printf, 3, 0)));

static void
log_verrno(enum log_level level, int saved, const char *fmt, va_list ap)
{
	char buf[LOG_LINE_MAX];

	if (!log_enabled(level))
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	log_msg(level, "%s: %s", buf, strerror(saved));
}

void
log_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_verrno(LOG_LVL_WARN, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

_Noreturn void
fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_verrno(LOG_LVL_ERR, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

_Noreturn void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LVL_ERR, fmt, ap);
	va_end(ap);
	exit(1);
}
