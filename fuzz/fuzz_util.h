/* Helpers shared by the fuzz targets: a private scratch directory per
 * process, and the checksum repair that lets the fuzzer past the CRC of
 * every trace record. */
#ifndef PLINTH_FUZZ_UTIL_H
#define PLINTH_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* The process's scratch directory (created on first use), and a path in
 * it. */
const char *fuzz_dir(void);
const char *fuzz_path(const char *name);
/* Writes n bytes of data to path, replacing it; aborts on failure (the
 * fuzzer must not mistake a full /tmp for a finding). */
void fuzz_write_file(const char *path, const uint8_t *data, size_t n);
/* Writes the input to fuzz_path(name) -- a copy passed through repair
 * first, unless repair is NULL -- and returns the path; NULL if memory for
 * the copy ran out (the run is then skipped, not failed). */
const char *fuzz_input(const char *name, const uint8_t *data, size_t n,
                       void (*repair)(uint8_t *data, size_t n));
/* A target's repair function in its *_repaired build (FUZZ_REPAIR_CRCS),
 * NULL in the plain one: fuzz_input(name, data, n, FUZZ_REPAIR(repair)). */
#ifdef FUZZ_REPAIR_CRCS
#define FUZZ_REPAIR(fn) (fn)
#else
#define FUZZ_REPAIR(fn) NULL
#endif
/* Rewrites, in place, the CRC of every whole record of a trace file image,
 * so mutations of lengths, kinds and paths reach the parser's checks. */
void fuzz_repair_crcs(uint8_t *data, size_t n);
/* Removes everything in dir (not dir itself). */
void fuzz_clear(const char *dir);
/* Aborts if dir holds anything: a write escaped where it should not. */
void fuzz_expect_empty(const char *dir);

#endif
