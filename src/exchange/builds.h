/*
 * builds.h - Exchange Server build numbers and the fixed builds of the 2021
 * exploitation waves (ProxyLogon, ProxyShell).
 *
 * A build is four numbers, major.minor.build.revision ("15.1.2176.2"); logs
 * write it with leading zeros ("15.01.2176.002", the "#Version:" header) or
 * in four columns (HttpProxy MajorVersion..RevisionVersion). The table of
 * fixed builds (builds.c) lists, per cumulative update, the first revision
 * that carries each wave's security update, and per product line the first
 * cumulative update released with the fix; its public source is Microsoft's
 * build list (learn.microsoft.com "Exchange Server build numbers and release
 * dates", also github.com/microsoft/Get-ExchangeBuildNumber).
 */
#ifndef SP_EXCHANGE_BUILDS_H
#define SP_EXCHANGE_BUILDS_H

#include "core/str.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sp_exch_build {
  uint32_t v[4]; /* major, minor, build, revision */
} sp_exch_build;

/* Parse "15.01.2176.002" (three dots, numbers only, major 8..15). */
bool sp_exch_build_parse(sp_str s, sp_exch_build *out);
/* Write the canonical form ("15.1.2176.2") into out; its length, or 0 when s
 * is not a build or out is too small. */
size_t sp_exch_build_norm(sp_str s, char *out, size_t cap);
int sp_exch_build_cmp(const sp_exch_build *a, const sp_exch_build *b);

/* The exploitation waves the table covers. */
typedef enum sp_exch_wave {
  SP_WAVE_PROXYLOGON = 0, /* CVE-2021-26855/26857/26858/27065, March 2021 */
  SP_WAVE_PROXYSHELL,     /* CVE-2021-34473/34523/31207, April/May 2021 */
  SP_WAVE__COUNT
} sp_exch_wave;

typedef struct sp_exch_wave_info {
  const char *name;      /* "ProxyLogon" */
  const char *cves;      /* "CVE-2021-26855,CVE-2021-26857,..." */
  const char *update;    /* "March 2021 security update (KB5000871)" */
  int64_t exploited_ns;  /* first exploitation in the wild (ns since epoch) */
  const char *reference; /* public source of the fixed builds */
} sp_exch_wave_info;

const sp_exch_wave_info *sp_exch_wave_get(sp_exch_wave w);

typedef enum sp_exch_exposure {
  SP_EXPO_UNKNOWN = 0,  /* a product line the table does not cover */
  SP_EXPO_NOT_AFFECTED, /* the product line is not affected */
  SP_EXPO_VULNERABLE,
  SP_EXPO_FIXED
} sp_exch_exposure;

/* Whether build b carries wave w's fix. When vulnerable, *fix (if not NULL)
 * gets the first fixed build of the same cumulative update ("15.1.2176.9"),
 * or "" when that update got no fix (a later cumulative update is needed). */
sp_exch_exposure sp_exch_exposure_of(const sp_exch_build *b, sp_exch_wave w,
                                     char *fix, size_t fix_cap);

#endif
