/* gen_flood.c - `spoor-gen flood DIR --size BYTES [--spread]`: what a
 * CVE-2021-26855 scanner that tries every backend URL leaves in the
 * HttpProxy log of an Exchange front end. Every line is an unauthenticated
 * Ecp request whose AnchorMailbox is ServerInfo~a]@x<N>.corp.example:444/
 * ecp/<page N>?# with its own N, so no two lines are alike.
 *
 * With --spread the client address changes on every line (100.64.0.0 + N,
 * as a scanner behind a large address pool or a spoofed X-Forwarded-For
 * produces): each line is then a finding of its own, the worst case for a
 * finding set. Without it one source (203.0.113.99) sends everything.
 *
 * Lines have the 70 columns of Exchange 2016 (about 1 KB each), one per
 * 100 ms from 2021-03-03 00:00 UTC, 64 MiB per file at most. The output
 * depends only on size, seed and --spread. */
#include "gen_flood.h"

#include <stdio.h>
#include <string.h>

#include "gen_formats.h"
#include "gen_util.h"

#define FLOOD_FILE_MAX ((uint64_t)64 << 20)

static const char *const pages[] = {
    "default.flt",
    "themes/resources/logon.css",
    "DDI/DDIService.svc/GetList",
    "PersonalSettings/HomePage.aspx",
    "RulesEditor/InboxRules.svc/GetList",
    "Organize/DeliveryReports.slab",
    "ReportingWebService/reporting.svc",
};

/* One line; returns its length or -1. */
static int flood_line(char *buf, size_t cap, uint64_t n, int spread,
                      int64_t t_ms, gen_rng *r) {
  char iso[25], guid[37], cguid[37], anchor[160], ip[32], info[200];
  char reqb[16], respb[16], took[16];
  gen_fmt_iso_ms(iso, t_ms);
  gen_rng_guid(r, guid);
  gen_rng_guid(r, cguid);
  snprintf(anchor, sizeof anchor,
           "ServerInfo~a]@x%llu.corp.example:444/ecp/%s?#",
           (unsigned long long)n, pages[n % (sizeof pages / sizeof pages[0])]);
  if (spread)
    snprintf(ip, sizeof ip, "100.%u.%u.%u", 64 + (unsigned)((n >> 16) & 63),
             (unsigned)((n >> 8) & 255), (unsigned)(n & 255));
  else
    snprintf(ip, sizeof ip, "203.0.113.99");
  snprintf(info, sizeof info,
           "BeginRequest=%s;CorrelationID=<empty>;ProxyState-Run=None;"
           "ProxyState-Complete=ProxyResponseData;",
           iso);
  snprintf(reqb, sizeof reqb, "%u", 200 + gen_rng_below(r, 4000));
  snprintf(respb, sizeof respb, "%u", 300 + gen_rng_below(r, 60000));
  snprintf(took, sizeof took, "%u", 5 + gen_rng_below(r, 700));
  const char *c[GEN_HP_NCOLS] = {0};
  c[GEN_HP_DateTime] = iso;
  c[GEN_HP_RequestId] = guid;
  c[GEN_HP_MajorVersion] = "15";
  c[GEN_HP_MinorVersion] = "1";
  c[GEN_HP_BuildVersion] = "2176";
  c[GEN_HP_RevisionVersion] = "2";
  c[GEN_HP_ClientRequestId] = cguid;
  c[GEN_HP_Protocol] = "Ecp";
  c[GEN_HP_UrlHost] = "mail.corp.example";
  c[GEN_HP_UrlStem] = "/ecp/y.js";
  c[GEN_HP_IsAuthenticated] = "false";
  c[GEN_HP_AnchorMailbox] = anchor;
  c[GEN_HP_UserAgent] = "python-requests/2.25.1";
  c[GEN_HP_ClientIpAddress] = ip;
  c[GEN_HP_ServerHostName] = "EXCH01";
  c[GEN_HP_HttpStatus] = "500";
  c[GEN_HP_BackEndStatus] = "500";
  c[GEN_HP_Method] = "POST";
  c[GEN_HP_ProxyAction] = "Proxy";
  c[GEN_HP_TargetServer] = "exch01.corp.example";
  c[GEN_HP_TargetServerVersion] = "15.01.2176.002";
  c[GEN_HP_RoutingType] = "IntraForest";
  c[GEN_HP_RoutingHint] = "X-BEResource-Cookie";
  c[GEN_HP_ServerLocatorHost] = "exch01.corp.example";
  c[GEN_HP_ServerLocatorLatency] = "0";
  c[GEN_HP_RequestBytes] = reqb;
  c[GEN_HP_ResponseBytes] = respb;
  c[GEN_HP_TargetOutstandingRequests] = "0";
  c[GEN_HP_HttpPipelineLatency] = "0";
  c[GEN_HP_CalculateTargetBackEndLatency] = "1";
  c[GEN_HP_ActivityContextLifeTime] = took;
  c[GEN_HP_ModuleToHandlerSwitchingLatency] = "0";
  c[GEN_HP_ClientReqStreamLatency] = "0";
  c[GEN_HP_BackendReqInitLatency] = "0";
  c[GEN_HP_BackendReqStreamLatency] = "1";
  c[GEN_HP_BackendProcessingLatency] = took;
  c[GEN_HP_BackendRespInitLatency] = "0";
  c[GEN_HP_ClientRespStreamLatency] = "0";
  c[GEN_HP_KerberosAuthHeaderLatency] = "0";
  c[GEN_HP_HandlerCompletionLatency] = "0";
  c[GEN_HP_RequestHandlerLatency] = "0";
  c[GEN_HP_HandlerToModuleSwitchingLatency] = "0";
  c[GEN_HP_ProxyTime] = took;
  c[GEN_HP_CoreLatency] = "1";
  c[GEN_HP_RoutingLatency] = "0";
  c[GEN_HP_HttpProxyOverhead] = "1";
  c[GEN_HP_TotalRequestTime] = took;
  c[GEN_HP_GenericInfo] = info;
  c[GEN_HP_BackEndGenericInfo] =
      "BEVersion=15.1.2176.2;BackEndTarget=exch01.corp.example;"
      "BEStatus=InternalServerError;BEServerLocatorLatency=0;"
      "ClientCertificate=;OriginalHost=mail.corp.example;"
      "RequestSize=0;ProxyToDownLevel=False;ShouldRetry=False;"
      "RetryOnConnectivityError=False;AnchorMailboxHeader=ServerInfo~;"
      "FailoverDisabled=True;BackEndCookieValid=False;RoutingEntry=;"
      "PercentRequestBodyRead=0;StreamedBody=False;ConnectionIdleTime=0;";
  c[GEN_HP_GenericErrors] =
      "Error=ServerInfo~ with an invalid backend;ExceptionType=HttpException";
  return gen_hp_format(buf, cap, c);
}

int gen_flood_run(const char *dir, uint64_t size, uint64_t seed, int spread) {
  if (size < (4u << 10) || size > ((uint64_t)64 << 30)) {
    fprintf(stderr, "spoor-gen: flood --size must be between 4K and 64G\n");
    return -1;
  }
  if (gen_dir_usable(dir) <= 0) {
    fprintf(stderr, "spoor-gen: %s must not exist or be an empty directory\n",
            dir);
    return -1;
  }
  gen_rng r;
  gen_rng_seed(&r, seed);
  int64_t t = gen_time_utc(2021, 3, 3, 0, 0, 0) * 1000;
  uint64_t written = 0, n = 0;
  char line[GEN_LINE_MAX];
  for (unsigned file = 0; written < size; file++) {
    char name[64], path[GEN_PATH_MAX];
    snprintf(name, sizeof name, "HttpProxy_2021030300-%u.LOG", file + 1);
    if (gen_path_join(path, sizeof path, dir, name) != 0)
      return -1;
    gen_out o;
    if (gen_out_open(&o, path, 0) != 0 || gen_hp_write_header(&o, t) != 0)
      return -1;
    while (written + o.bytes < size && o.bytes < FLOOD_FILE_MAX) {
      int len = flood_line(line, sizeof line, n, spread, t, &r);
      if (len < 0 || gen_out_write(&o, line, (size_t)len) != 0) {
        gen_out_close(&o);
        return -1;
      }
      n++;
      t += 100;
    }
    written += o.bytes;
    if (gen_out_close(&o) != 0)
      return -1;
  }
  printf("httpproxy  lines=%llu bytes=%llu sources=%s\n", (unsigned long long)n,
         (unsigned long long)written, spread ? "one per line" : "1");
  return 0;
}
