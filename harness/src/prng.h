/* A seeded pseudo-random stream for the generator: the splitmix64 sequence.
 * Streams are derived from (seed, purpose, index) so that one case's choices
 * never depend on how many numbers another case drew. */
#ifndef NSC_PRNG_H
#define NSC_PRNG_H

#include <stddef.h>
#include <stdint.h>

#include "failpoint.h" /* nsrt_splitmix64 */

struct nsc_prng {
  uint64_t state;
};

#define NSC_PRNG_GAMMA 0x9e3779b97f4a7c15ULL

/* A stream for (seed, purpose, index); purpose is a constant naming the use. */
static inline struct nsc_prng nsc_prng_stream(uint64_t seed, uint64_t purpose, uint64_t index)
{
  struct nsc_prng r = {nsrt_splitmix64(seed ^ nsrt_splitmix64(purpose ^ nsrt_splitmix64(index)))};
  return r;
}

static inline uint64_t nsc_prng_next(struct nsc_prng *r)
{
  uint64_t out = nsrt_splitmix64(r->state);
  r->state += NSC_PRNG_GAMMA;
  return out;
}

/* A number in [0, n); n > 0.  The multiply-shift map is biased by less than
 * n / 2^64, negligible for the small n used here, and replays exactly. */
static inline size_t nsc_prng_below(struct nsc_prng *r, size_t n)
{
  return (size_t)(((unsigned __int128)nsc_prng_next(r) * n) >> 64);
}

/* Fisher-Yates shuffle of an array of small integers. */
static inline void nsc_prng_shuffle(struct nsc_prng *r, int *v, size_t n)
{
  for (size_t i = n; i > 1; i--) {
    size_t j = nsc_prng_below(r, i);
    int t = v[i - 1];
    v[i - 1] = v[j];
    v[j] = t;
  }
}

#endif
