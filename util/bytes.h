/* Fixed-width little-endian integers in byte buffers: the on-disk
 * encodings of the record log, the crash trace file and the compressed
 * stream's chunk headers.  Internal to plinth. */
#ifndef PLINTH_UTIL_BYTES_H
#define PLINTH_UTIL_BYTES_H

#include <stdint.h>

/* Stores the low 16 bits of v at p[0..2), least significant byte first. */
static inline void pl__put16(unsigned char *p, uint32_t v) {
  p[0] = (unsigned char)v;
  p[1] = (unsigned char)(v >> 8);
}

/* Stores v at p[0..4), least significant byte first. */
static inline void pl__put32(unsigned char *p, uint32_t v) {
  p[0] = (unsigned char)v;
  p[1] = (unsigned char)(v >> 8);
  p[2] = (unsigned char)(v >> 16);
  p[3] = (unsigned char)(v >> 24);
}

/* Stores v at p[0..8), least significant byte first. */
static inline void pl__put64(unsigned char *p, uint64_t v) {
  pl__put32(p, (uint32_t)v);
  pl__put32(p + 4, (uint32_t)(v >> 32));
}

/* The values pl__put16, pl__put32 and pl__put64 stored at p. */
static inline uint32_t pl__get16(const unsigned char *p) { return (uint32_t)p[0] | ((uint32_t)p[1] << 8); }
static inline uint32_t pl__get32(const unsigned char *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t pl__get64(const unsigned char *p) {
  return (uint64_t)pl__get32(p) | ((uint64_t)pl__get32(p + 4) << 32);
}

#endif /* PLINTH_UTIL_BYTES_H */
