/* testutil: see testutil.h. */
#include "testutil.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/xalloc.h"

static char tu_dir[256];
static pid_t tu_owner;

static void
tu_cleanup(void)
{
	char cmd[300];

	if (tu_dir[0] == '\0' || getpid() != tu_owner)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tu_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "testutil: could not remove %s\n", tu_dir);
}

const char *
tu_tmpdir(void)
{
	/* Made once, in the parent before check forks: children share it
	 * and only the owner removes it. */
	if (tu_dir[0] == '\0') {
		const char *base = getenv("TMPDIR");

		snprintf(tu_dir, sizeof(tu_dir), "%s/bgpd-unit-XXXXXX",
		    base ? base : "/tmp");
		if (mkdtemp(tu_dir) == NULL)
			fatal("mkdtemp");
		tu_owner = getpid();
		atexit(tu_cleanup);
	}
	return tu_dir;
}

char *
tu_write_file(const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", tu_tmpdir(), name);
	FILE *f = fopen(path, "w");

	if (f == NULL)
		fatal("fopen %s", path);
	fputs(text, f);
	fclose(f);
	return path;
}

char *
tu_read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0, len = 0, n;

	if (f == NULL)
		fatal("fopen %s", path);
	do {
		buf = xgrow(buf, &cap, len + 4096, 1);
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	fclose(f);
	buf[len] = '\0';
	return buf;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

size_t
tu_hex(const char *hex, uint8_t *buf, size_t size)
{
	size_t n = 0;
	int hi = -1;

	for (; *hex != '\0'; hex++) {
		int v = hexval((unsigned char)*hex);

		if (v < 0) {
			if (!isspace((unsigned char)*hex))
				fatalx("tu_hex: bad character '%c'", *hex);
			continue;
		}
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n >= size)
			fatalx("tu_hex: fixture longer than %zu bytes", size);
		buf[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	if (hi >= 0)
		fatalx("tu_hex: odd number of hex digits");
	return n;
}

int
tu_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	tu_tmpdir();
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
