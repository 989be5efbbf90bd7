/* Versions, and the runtime-spec features document (features.md). */
#ifndef NSRT_FEATURES_H
#define NSRT_FEATURES_H

#define NSRT_VERSION "0.1.0"
/* The runtime-spec version nsrt implements (ociVersionMax). */
#define NSRT_SPEC_VERSION     "1.3.0"
#define NSRT_SPEC_VERSION_MIN "1.0.0"

/* The features JSON of `nsrt features`, pretty-printed; malloc'd, NULL on
 * allocation failure. */
char *nsrt_features_json(void);

#endif
