/*
 * testutil: helpers shared by the unit tests (hex fixtures, temp files).
 */
#ifndef BGPD_TESTUTIL_H
#define BGPD_TESTUTIL_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

/* Decode "0a 0b ff" (spaces and newlines ignored) into buf; returns len. */
size_t	 tu_hex(const char *hex, uint8_t *buf, size_t size);
/* Write text to a fresh file under a private temp dir; returns its path. */
char	*tu_write_file(const char *name, const char *text);
/* The private temp dir (created on first use, removed at exit). */
const char *tu_tmpdir(void);
/* Read a whole file into a NUL-terminated malloc'd string. */
char	*tu_read_file(const char *path);

/* Run a suite (CK_NORMAL output); returns the process exit status. */
int	 tu_run(Suite *s);

#endif
