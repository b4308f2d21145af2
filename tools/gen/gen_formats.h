/* gen_formats.h - line and header formatters for the log formats spoor-gen
 * writes: Exchange HttpProxy CSV logs, IIS W3C logs (two field layouts),
 * Exchange ECP Server logs and OABGenerator logs. All lines end in CRLF, as
 * Windows writes them.
 *
 * Formatters write into caller buffers with an explicit capacity and return
 * the length written, or -1 if the line would not fit (nothing is truncated
 * silently). */
#ifndef SPOOR_GEN_FORMATS_H
#define SPOOR_GEN_FORMATS_H

#include <stddef.h>
#include <stdint.h>

#include "gen_util.h"

#define GEN_LINE_MAX 8192

/* ---- Exchange HttpProxy -------------------------------------------------- */

/* The HttpProxy columns, in the order of the #Fields line of Exchange 2016. */
#define GEN_HP_COLUMNS(X)                                                      \
  X(DateTime) X(RequestId) X(MajorVersion) X(MinorVersion) X(BuildVersion)     \
  X(RevisionVersion) X(ClientRequestId) X(Protocol) X(UrlHost) X(UrlStem)      \
  X(ProtocolAction) X(AuthenticationType) X(IsAuthenticated)                   \
  X(AuthenticatedUser) X(Organization) X(AnchorMailbox) X(UserAgent)           \
  X(ClientIpAddress) X(ServerHostName) X(HttpStatus) X(BackEndStatus)          \
  X(ErrorCode) X(Method) X(ProxyAction) X(TargetServer)                        \
  X(TargetServerVersion) X(RoutingType) X(RoutingHint) X(BackEndCookie)        \
  X(ServerLocatorHost) X(ServerLocatorLatency) X(RequestBytes)                 \
  X(ResponseBytes) X(TargetOutstandingRequests) X(AuthModulePerfContext)       \
  X(HttpPipelineLatency) X(CalculateTargetBackEndLatency)                      \
  X(GlsLatencyBreakup) X(TotalGlsLatency) X(AccountForestLatencyBreakup)       \
  X(TotalAccountForestLatency) X(ResourceForestLatencyBreakup)                 \
  X(TotalResourceForestLatency) X(ADLatency) X(SharedCacheLatencyBreakup)      \
  X(TotalSharedCacheLatency) X(ActivityContextLifeTime)                        \
  X(ModuleToHandlerSwitchingLatency) X(ClientReqStreamLatency)                 \
  X(BackendReqInitLatency) X(BackendReqStreamLatency)                          \
  X(BackendProcessingLatency) X(BackendRespInitLatency)                        \
  X(BackendRespStreamLatency) X(ClientRespStreamLatency)                       \
  X(KerberosAuthHeaderLatency) X(HandlerCompletionLatency)                     \
  X(RequestHandlerLatency) X(HandlerToModuleSwitchingLatency) X(ProxyTime)     \
  X(CoreLatency) X(RoutingLatency) X(HttpProxyOverhead) X(TotalRequestTime)    \
  X(RouteRefresherLatency) X(UrlQuery) X(BackEndGenericInfo) X(GenericInfo)    \
  X(GenericErrors) X(EdgeTraceId) X(DatabaseGuid) X(UserADObjectGuid)          \
  X(PartitionEndpointLookupLatency) X(RoutingStatus)

enum {
#define GEN_HP_ENUM(name) GEN_HP_##name,
  GEN_HP_COLUMNS(GEN_HP_ENUM)
#undef GEN_HP_ENUM
  GEN_HP_NCOLS
};

/* The comma-separated column list (without "#Fields: "). */
const char *gen_hp_field_list(void);
/* Writes the file header: the bare column line Exchange puts first, then
 * #Software, #Version, #Log-type and #Date (from t_ms) and #Fields. */
int gen_hp_write_header(gen_out *o, int64_t t_ms);
/* Formats one record (cols[i] NULL means empty) as CSV, quoting fields that
 * contain ',', '"', CR or LF, and appends CRLF. */
int gen_hp_format(char *buf, size_t cap, const char *const cols[GEN_HP_NCOLS]);

/* ---- IIS W3C ------------------------------------------------------------- */

/* Two layouts: the default Exchange one, and the one IIS writes after a
 * restart with cs-host, sc-bytes and cs-bytes enabled. */
typedef enum gen_iis_layout {
  GEN_IIS_BASIC = 0,
  GEN_IIS_EXTENDED = 1
} gen_iis_layout;

typedef struct gen_iis_rec {
  int64_t t_ms;
  const char *sip, *method, *stem, *query, *user, *cip;
  const char *ua;  /* with spaces; written with '+' */
  const char *ref; /* NULL or "" written as '-' */
  const char *host;
  unsigned port, status, substatus, win32, taken, sc_bytes, cs_bytes;
} gen_iis_rec;

const char *gen_iis_fields(gen_iis_layout l);
/* Writes #Software, #Version, #Date (from t_ms) and #Fields. */
int gen_iis_write_header(gen_out *o, gen_iis_layout l, int64_t t_ms);
/* Formats one line (with CRLF); empty/NULL fields are written as '-'. */
int gen_iis_format(char *buf, size_t cap, gen_iis_layout l,
                   const gen_iis_rec *r);

/* ---- ECP Server ---------------------------------------------------------- */

typedef struct gen_kv {
  const char *key, *value;
} gen_kv;

/* Writes #Software .. #Fields: TimeStamp,ServerName,EventId,EventData. */
int gen_ecp_write_header(gen_out *o, int64_t t_ms);
/* Formats TimeStamp,ServerName,EventId,"EventData" where EventData is the
 * items as S:KEY=value joined by ';'; an item containing ';' or '\'' is
 * wrapped in single quotes with '' escaping, and the whole field is CSV
 * quoted with "" escaping. */
int gen_ecp_format(char *buf, size_t cap, int64_t t_ms, const char *server,
                   const char *event_id, const gen_kv *items, size_t n);

/* ---- OABGenerator -------------------------------------------------------- */

int gen_oab_write_header(gen_out *o, int64_t t_ms);
/* Formats "<iso time>,<server>,<message>" with CRLF. */
int gen_oab_format(char *buf, size_t cap, int64_t t_ms, const char *server,
                   const char *message);

#endif
