/* CRC-32C (Castagnoli), the checksum LevelDB and RocksDB frame records
 * with.  Internal to plinth; the part writer and crash examples use it. */
#ifndef PLINTH_UTIL_CRC32C_H
#define PLINTH_UTIL_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Returns the CRC-32C of data[0..n) continuing from crc (0 to start). */
uint32_t pl__crc32c_extend(uint32_t crc, const void *data, size_t n);

/* The same sum by the table alone: what pl__crc32c_extend runs on CPUs
 * without SSE4.2 and off x86-64; declared so that its suite checks it on
 * every host. */
uint32_t pl__crc32c_extend_portable(uint32_t crc, const void *data, size_t n);

static inline uint32_t pl__crc32c(const void *data, size_t n) { return pl__crc32c_extend(0, data, n); }

#endif /* PLINTH_UTIL_CRC32C_H */
