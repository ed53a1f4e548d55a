/* CRC-32C with a slicing-by-8 table: portable, about 1-2 GB/s.  On x86-64
 * CPUs with SSE4.2 the crc32 instruction does the same sum several times
 * faster; the part writer checksums every byte it writes, and at 1.8 GB/s
 * the table alone was its bottleneck on a fast disk (bench/README.md). */
#include "config.h"

#include "util/crc32c.h"
#include "port/thread.h"

static uint32_t table[8][256];
static pl__once table_once = PL__ONCE_INIT;

static void table_init(void) {
  uint32_t i, k;
  for (i = 0; i < 256; i++) {
    uint32_t c = i;
    for (k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    table[0][i] = c;
  }
  for (i = 0; i < 256; i++)
    for (k = 1; k < 8; k++)
      table[k][i] = (table[k - 1][i] >> 8) ^ table[0][table[k - 1][i] & 0xff];
}

#if defined(__GNUC__) && defined(__x86_64__)
#define PL__CRC32C_HW 1
#include <string.h>

/* The instruction computes the same reflected CRC (polynomial 0x82F63B78)
 * without the pre- and post-inversion, which stay here.  One instruction
 * waits for the previous one's result (3 cycles), so long inputs are summed
 * as three independent stripes at once and the three sums joined: running
 * the register s over B equals running s over |B| zero bytes, XORed with
 * running 0 over B (the CRC is linear), and "running over STRIPE zero
 * bytes" is a fixed linear map, tabulated once in shift_table. */
#define STRIPE 8192

static uint32_t shift_table[4][256];
static pl__once shift_once = PL__ONCE_INIT;

__attribute__((target("sse4.2"))) static uint32_t over_zeros(uint32_t c) {
  uint64_t r = c;
  int i;
  for (i = 0; i < STRIPE / 8; i++) r = __builtin_ia32_crc32di(r, 0);
  return (uint32_t)r;
}

static void shift_init(void) {
  uint32_t basis[32];
  int i, k, v, j;
  for (i = 0; i < 32; i++) basis[i] = over_zeros(1u << i);
  for (k = 0; k < 4; k++)
    for (v = 0; v < 256; v++) {
      uint32_t x = 0;
      for (j = 0; j < 8; j++)
        if (v & (1 << j)) x ^= basis[8 * k + j];
      shift_table[k][v] = x;
    }
}

static uint32_t shift(uint32_t c) {
  return shift_table[0][c & 0xff] ^ shift_table[1][(c >> 8) & 0xff] ^
         shift_table[2][(c >> 16) & 0xff] ^ shift_table[3][c >> 24];
}

__attribute__((target("sse4.2"))) static uint32_t crc32c_hw(uint32_t crc, const unsigned char *p, size_t n) {
  uint64_t c = ~crc;
  if (n >= 3 * STRIPE) pl__once_run(&shift_once, shift_init);
  while (n >= 3 * STRIPE) {
    uint64_t a = c, b = 0, d = 0, w;
    int i;
    for (i = 0; i < STRIPE; i += 8) {
      memcpy(&w, p + i, 8);
      a = __builtin_ia32_crc32di(a, w);
      memcpy(&w, p + STRIPE + i, 8);
      b = __builtin_ia32_crc32di(b, w);
      memcpy(&w, p + 2 * STRIPE + i, 8);
      d = __builtin_ia32_crc32di(d, w);
    }
    c = shift(shift((uint32_t)a) ^ (uint32_t)b) ^ (uint32_t)d;
    p += 3 * STRIPE;
    n -= 3 * STRIPE;
  }
  while (n >= 8) {
    uint64_t w;
    memcpy(&w, p, 8);
    c = __builtin_ia32_crc32di(c, w);
    p += 8;
    n -= 8;
  }
  while (n--) c = __builtin_ia32_crc32qi((uint32_t)c, *p++);
  return ~(uint32_t)c;
}

static int hw_usable = -1;
#endif

uint32_t pl__crc32c_extend(uint32_t crc, const void *data, size_t n) {
#if PL__CRC32C_HW
  /* Every thread computes the same answer, so a relaxed race is harmless. */
  int hw = __atomic_load_n(&hw_usable, __ATOMIC_RELAXED);
  if (hw < 0) {
    hw = __builtin_cpu_supports("sse4.2") ? 1 : 0;
    __atomic_store_n(&hw_usable, hw, __ATOMIC_RELAXED);
  }
  if (hw) return crc32c_hw(crc, data, n);
#endif
  return pl__crc32c_extend_portable(crc, data, n);
}

uint32_t pl__crc32c_extend_portable(uint32_t crc, const void *data, size_t n) {
  const unsigned char *p = data;
  pl__once_run(&table_once, table_init);
  crc = ~crc;
  while (n >= 8) {
    uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 |
                         (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
    uint32_t hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 |
                  (uint32_t)p[7] << 24;
    crc = table[7][lo & 0xff] ^ table[6][(lo >> 8) & 0xff] ^
          table[5][(lo >> 16) & 0xff] ^ table[4][lo >> 24] ^
          table[3][hi & 0xff] ^ table[2][(hi >> 8) & 0xff] ^
          table[1][(hi >> 16) & 0xff] ^ table[0][hi >> 24];
    p += 8;
    n -= 8;
  }
  while (n--) crc = table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return ~crc;
}
