/* Shared by the fuzz harnesses in tests/fuzz (see README there).
 *
 * Each fuzz-NAME.c defines LLVMFuzzerInitialize and LLVMFuzzerTestOneInput.
 * With clang they are linked with libFuzzer (make fuzz); with any compiler
 * they are linked with replay.c, which feeds them files (make unit replays
 * the seed corpora and the regression inputs that way). */
#ifndef CC_FUZZ_H
#define CC_FUZZ_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant of the code under test: a violation is a finding, reported
 * as a crash so that libFuzzer keeps the input. */
#define FUZZ_CHECK(cond)                                                                          \
	do {                                                                                      \
		if (!(cond)) {                                                                    \
			fprintf(stderr, "fuzz: invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
			abort();                                                                  \
		}                                                                                 \
	} while (0)

/* The input as a C string (a NUL inside ends it, as it would for argv). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
