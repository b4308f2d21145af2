/*
 * test_evtx.c - the EVTX reader against files written by the test's own
 * EVTX writer (tools/evtxgen/evtxwrite.c): every BinXML token, every
 * substitution value type (expected renderings worked out from the format:
 * MS-EVEN6 / libyal's EVTX document and the evtx-rs JSON conventions),
 * templates reused across records and chunks, fragments without a
 * template, nested BinXML, and damaged files (truncated last chunk, bad
 * chunk magic, bad record size) with their counts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "evtx/evtx.h"
#include "evtxtest.h"
#include "evtxvals.h"

#define FT_2019 132000000001234567ULL /* 2019-04-17T18:40:00.1234567 */

/* <Event><System>...</System><UserData><Values> leaf per value
 * </Values></UserData></Event>: a leaf named T<i> holds substitution i. */
#define NV 30
static const char *const leaf[NV] = {
    "TNull",   "TString", "TAnsi",   "TInt8",   "TUInt8",  "TInt16",
    "TUInt16", "TInt32",  "TUInt32", "TInt64",  "TUInt64", "TReal32",
    "TReal64", "TBoolT",  "TBoolF",  "TBinary", "TGuid",   "TSizeT",
    "TFile",   "TSys",    "TSid",    "THex32",  "THex64",  "THandle",
    "TNested", "TStrArr", "TU16Arr", "TEvtXml", "TSizeT4", "TSidArr"};

static ew_op ops_values[8 + 4 * NV + 32];
static ew_tpl tpl_values;

static void build_values(void) {
  size_t k = 0;
  ew_op *o = ops_values;
  o[k++] = (ew_op){.k = EW_OPEN, .name = "Event"};
  o[k++] = (ew_op){.k = EW_CLOSE_START};
  o[k++] = (ew_op){.k = EW_OPEN, .name = "System"};
  o[k++] = (ew_op){.k = EW_CLOSE_START};
  o[k++] = (ew_op){.k = EW_OPEN, .name = "EventID", .attrs = true};
  o[k++] = (ew_op){.k = EW_ATTR, .name = "Qualifiers"};
  o[k++] = (ew_op){.k = EW_TEXT, .text = "16384"};
  o[k++] = (ew_op){.k = EW_CLOSE_START};
  o[k++] = (ew_op){.k = EW_TEXT, .text = "7036"};
  o[k++] = (ew_op){.k = EW_END};
  o[k++] = (ew_op){.k = EW_END};
  o[k++] = (ew_op){.k = EW_OPEN, .name = "UserData"};
  o[k++] = (ew_op){.k = EW_CLOSE_START};
  o[k++] = (ew_op){.k = EW_OPEN, .name = "Values"};
  o[k++] = (ew_op){.k = EW_CLOSE_START};
  static const uint8_t types[NV] = {
      0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
      0x0a, 0x0b, 0x0c, 0x0d, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12,
      0x13, 0x14, 0x15, 0x20, 0x21, 0x81, 0x86, 0x23, 0x10, 0x93};
  for (int i = 0; i < NV; i++) {
    o[k++] = (ew_op){.k = EW_OPEN, .name = leaf[i]};
    o[k++] = (ew_op){.k = EW_CLOSE_START};
    o[k++] = (ew_op){.k = EW_SUB, .idx = (uint16_t)i, .type = types[i]};
    o[k++] = (ew_op){.k = EW_END};
  }
  o[k++] = (ew_op){.k = EW_END};
  o[k++] = (ew_op){.k = EW_END};
  o[k++] = (ew_op){.k = EW_END};
  tpl_values = (ew_tpl){.ops = ops_values, .n = k, .guid = {1, 2, 3, 4}};
}

/* The nested template of TNested: <Inner Kind="%0">%1</Inner>. */
static const ew_op ops_inner[] = {
    {.k = EW_OPEN, .name = "Inner", .attrs = true},
    {.k = EW_ATTR, .name = "Kind"},
    {.k = EW_SUB, .idx = 0, .type = 0x01},
    {.k = EW_CLOSE_START},
    {.k = EW_SUB, .idx = 1, .type = 0x08},
    {.k = EW_END},
};
static const ew_tpl tpl_inner = {ops_inner, 6, {9, 9, 9, 9}};

static size_t values_subs(vb *v, ew_val *s, ew_val *inner) {
  size_t n = 0;
  s[n++] = (ew_val){.type = 0x00};
  s[n++] = mk_str(v, "caf\xc3\xa9 \xf0\x9f\x98\x80 ok");
  s[n++] = mk(v, 0x02, "ansi\xe9\0", 6);
  s[n++] = mk_le(v, 0x03, (uint8_t)-5, 1);
  s[n++] = mk_le(v, 0x04, 250, 1);
  s[n++] = mk_le(v, 0x05, (uint16_t)-300, 2);
  s[n++] = mk_le(v, 0x06, 60000, 2);
  s[n++] = mk_le(v, 0x07, (uint32_t)-70000, 4);
  s[n++] = mk_le(v, 0x08, 4000000000u, 4);
  s[n++] = mk_le(v, 0x09, (uint64_t)-5000000000000LL, 8);
  s[n++] = mk_le(v, 0x0a, UINT64_MAX, 8);
  float f = 1.5f;
  uint32_t fu;
  memcpy(&fu, &f, 4);
  s[n++] = mk_le(v, 0x0b, fu, 4);
  double d = -2.25;
  uint64_t du;
  memcpy(&du, &d, 8);
  s[n++] = mk_le(v, 0x0c, du, 8);
  s[n++] = mk_le(v, 0x0d, 1, 4);
  s[n++] = mk_le(v, 0x0d, 0, 4);
  s[n++] = mk(v, 0x0e, "\xde\xad\xbe\xef\x01", 5);
  /* {33221100-5544-7766-8899-AABBCCDDEEFF} in its mixed-endian layout */
  s[n++] = mk(
      v, 0x0f,
      "\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc\xdd\xee\xff", 16);
  s[n++] = mk_le(v, 0x10, 42, 8);
  s[n++] = mk_le(v, 0x11, FT_2019, 8);
  /* SYSTEMTIME 2021-03-02 (Tue) 04:15:02.123 */
  s[n++] = mk(
      v, 0x12,
      "\xe5\x07\x03\x00\x02\x00\x02\x00\x04\x00\x0f\x00\x02\x00\x7b\x00", 16);
  s[n++] = mk(v, 0x13,
              "\x01\x05\x00\x00\x00\x00\x00\x05\x15\x00\x00\x00"
              "\x01\x00\x00\x00\x02\x00\x00\x00\x03\x00\x00\x00"
              "\xf4\x01\x00\x00",
              28);
  s[n++] = mk_le(v, 0x14, 0x2a, 4);
  s[n++] = mk_le(v, 0x15, 0x8000000000000000ULL, 8);
  s[n++] = mk_le(v, 0x20, 77, 8);
  inner[0] = mk_str(v, "deep");
  inner[1] = mk_le(v, 0x08, 123, 4);
  s[n++] = (ew_val){.type = 0x21, .tpl = &tpl_inner, .subs = inner, .nsubs = 2};
  s[n++] = mk(v, 0x81, "a\0b\0\0\0c\0d\0\0\0", 12);
  s[n++] = mk(v, 0x86, "\x01\x00\x02\x00\xff\xff", 6);
  s[n++] = mk(v, 0x23, "\x3c\x00", 2);
  s[n++] = mk_le(v, 0x10, 0x1234, 4);
  s[n++] = mk(v, 0x93,
              "\x01\x01\x00\x00\x00\x00\x00\x05\x12\x00\x00\x00"
              "\x01\x01\x00\x00\x00\x00\x00\x05\x13\x00\x00\x00",
              24);
  return n;
}

static void test_value_types(void **state) {
  (void)state;
  build_values();
  ew_file *w = ew_open();
  vb v = {.n = 0};
  ew_val s[NV], inner[2];
  size_t n = values_subs(&v, s, inner);
  assert_int_equal(n, NV);
  assert_int_equal(ew_record(w, &tpl_values, s, n, FT_2019), 0);
  size_t len;
  const uint8_t *buf = ew_finish(w, &len);
  et_run *r = et_read(buf, len);
  assert_int_equal(r->bad, 0);
  assert_int_equal(r->n, 1);
  const et_event *e = &r->ev[0];
  assert_int_equal(e->line, 1);
  assert_int_equal(e->offset, 4096 + 512);
  assert_true(e->ts == 1555526400123456700LL);
  et_assert_field(e, "EventID", "7036");
  et_assert_field(e, "Qualifiers", "16384");
  et_assert_field(e, "event.code", "7036");
  et_assert_field(e, "TNull", "");
  et_assert_field(e, "TString", "caf\xc3\xa9 \xf0\x9f\x98\x80 ok");
  et_assert_field(e, "TAnsi", "ansi\xc3\xa9");
  et_assert_field(e, "TInt8", "-5");
  et_assert_field(e, "TUInt8", "250");
  et_assert_field(e, "TInt16", "-300");
  et_assert_field(e, "TUInt16", "60000");
  et_assert_field(e, "TInt32", "-70000");
  et_assert_field(e, "TUInt32", "4000000000");
  et_assert_field(e, "TInt64", "-5000000000000");
  et_assert_field(e, "TUInt64", "18446744073709551615");
  et_assert_field(e, "TReal32", "1.5");
  et_assert_field(e, "TReal64", "-2.25");
  et_assert_field(e, "TBoolT", "true");
  et_assert_field(e, "TBoolF", "false");
  et_assert_field(e, "TBinary", "DEADBEEF01");
  et_assert_field(e, "TGuid", "33221100-5544-7766-8899-AABBCCDDEEFF");
  et_assert_field(e, "TSizeT", "0x000000000000002a");
  et_assert_field(e, "TSizeT4", "0x00001234");
  et_assert_field(e, "TFile", "2019-04-17T18:40:00.123456Z");
  et_assert_field(e, "TSys", "2021-03-02T04:15:02.123000Z");
  et_assert_field(e, "TSid", "S-1-5-21-1-2-3-500");
  et_assert_field(e, "THex32", "0x2a");
  et_assert_field(e, "THex64", "0x8000000000000000");
  et_assert_field(e, "THandle", "77");
  /* Arrays: one value per item (a list). */
  et_assert_field(e, "TStrArr", "ab");
  assert_string_equal(et_get(e, "TStrArr", 1), "cd");
  assert_null(et_get(e, "TStrArr", 2));
  et_assert_field(e, "TU16Arr", "1");
  assert_string_equal(et_get(e, "TU16Arr", 1), "2");
  assert_string_equal(et_get(e, "TU16Arr", 2), "65535");
  et_assert_field(e, "TEvtXml", "3C00");
  et_assert_field(e, "TSidArr", "S-1-5-18");
  assert_string_equal(et_get(e, "TSidArr", 1), "S-1-5-19");
  /* BinXML value: its element is a UserData leaf in place. */
  et_assert_field(e, "Inner", "123");
  /* Typed integers keep their value. */
  const et_field *f = et_field_get(e, "TInt32");
  assert_non_null(f);
  assert_true(f->typed_int);
  assert_true(f->i == -70000);
  f = et_field_get(e, "EventID");
  assert_non_null(f);
  et_free(r);
  ew_free(w);
}

/* A Security-like event: System with every attribute, EventData with named
 * and unnamed Data, Binary, character and entity references, CDATA, a PI,
 * an attribute of several pieces, an optional substitution left empty. */
static const ew_op ops_sec[] = {
    {.k = EW_OPEN, .name = "Event", .attrs = true},
    {.k = EW_ATTR, .name = "xmlns"},
    {.k = EW_TEXT,
     .text = "http://schemas.microsoft.com/win/2004/08/events/event"},
    {.k = EW_CLOSE_START},
    {.k = EW_OPEN, .name = "System"},
    {.k = EW_CLOSE_START},
    {.k = EW_OPEN, .name = "Provider", .attrs = true},
    {.k = EW_ATTR, .name = "Name"},
    {.k = EW_SUB, .idx = 0, .type = 0x01},
    {.k = EW_ATTR, .name = "Guid"},
    {.k = EW_SUB, .idx = 1, .type = 0x0f},
    {.k = EW_ATTR, .name = "EventSourceName"},
    {.k = EW_OSUB, .idx = 12, .type = 0x01},
    {.k = EW_CLOSE_EMPTY},
    {.k = EW_OPEN, .name = "EventID"},
    {.k = EW_CLOSE_START},
    {.k = EW_SUB, .idx = 2, .type = 0x06},
    {.k = EW_END},
    {.k = EW_OPEN, .name = "Level"},
    {.k = EW_CLOSE_START},
    {.k = EW_SUB, .idx = 3, .type = 0x04},
    {.k = EW_END},
    {.k = EW_OPEN, .name = "Keywords"},
    {.k = EW_CLOSE_START},
    {.k = EW_SUB, .idx = 4, .type = 0x15},
    {.k = EW_END},
    {.k = EW_OPEN, .name = "TimeCreated", .attrs = true},
    {.k = EW_ATTR, .name = "SystemTime"},
    {.k = EW_SUB, .idx = 5, .type = 0x11},
    {.k = EW_CLOSE_EMPTY},
    {.k = EW_OPEN, .name = "EventRecordID"},
    {.k = EW_CLOSE_START},
    {.k = EW_SUB, .idx = 6, .type = 0x0a},
    {.k = EW_END},
    {.k = EW_OPEN, .name = "Correlation", .attrs = true},
    {.k = EW_ATTR, .name = "ActivityID"},
    {.k = EW_SUB, .idx = 1, .type = 0x0f},
    {.k = EW_CLOSE_EMPTY},
    {.k = EW_OPEN, .name = "Execution", .attrs = true},
    {.k = EW_ATTR, .name = "ProcessID"},
    {.k = EW_SUB, .idx = 7, .type = 0x08},
    {.k = EW_ATTR, .name = "ThreadID"},
    {.k = EW_SUB, .idx = 8, .type = 0x08},
    {.k = EW_CLOSE_EMPTY},
    {.k = EW_OPEN, .name = "Channel"},
    {.k = EW_CLOSE_START},
    {.k = EW_TEXT, .text = "Security"},
    {.k = EW_END},
    {.k = EW_OPEN, .name = "Computer"},
    {.k = EW_CLOSE_START},
    {.k = EW_SUB, .idx = 9, .type = 0x01},
    {.k = EW_END},
    {.k = EW_OPEN, .name = "Security", .attrs = true},
    {.k = EW_ATTR, .name = "UserID"},
    {.k = EW_SUB, .idx = 10, .type = 0x13},
    {.k = EW_CLOSE_EMPTY},
    {.k = EW_END}, /* System */
    {.k = EW_OPEN, .name = "EventData"},
    {.k = EW_CLOSE_START},
    {.k = EW_OPEN, .name = "Data", .attrs = true},
    {.k = EW_ATTR, .name = "Name"},
    {.k = EW_TEXT, .text = "TargetUserName"},
    {.k = EW_CLOSE_START},
    {.k = EW_SUB, .idx = 11, .type = 0x01},
    {.k = EW_END},
    {.k = EW_OPEN, .name = "Data", .attrs = true},
    {.k = EW_ATTR, .name = "Name"},
    {.k = EW_TEXT, .text = "Path"},
    {.k = EW_TEXT, .text = "Name"}, /* an attribute of two pieces */
    {.k = EW_CLOSE_START},
    {.k = EW_TEXT, .text = "C:"},
    {.k = EW_CHARREF, .code = 0x5c},
    {.k = EW_TEXT, .text = "a "},
    {.k = EW_ENTREF, .name = "amp"},
    {.k = EW_TEXT, .text = " b"},
    {.k = EW_ENTREF, .name = "lt"},
    {.k = EW_END},
    {.k = EW_OPEN, .name = "Data"},
    {.k = EW_CLOSE_START},
    {.k = EW_TEXT, .text = "first"},
    {.k = EW_END},
    {.k = EW_OPEN, .name = "Data"},
    {.k = EW_CLOSE_START},
    {.k = EW_CDATA, .text = "<second>"},
    {.k = EW_END},
    {.k = EW_OPEN, .name = "Data", .attrs = true},
    {.k = EW_ATTR, .name = "Name"},
    {.k = EW_TEXT, .text = "Empty"},
    {.k = EW_CLOSE_START},
    {.k = EW_OSUB, .idx = 12, .type = 0x01},
    {.k = EW_END},
    {.k = EW_PI, .name = "pi-target", .text = "pi data"},
    {.k = EW_OPEN, .name = "Binary"},
    {.k = EW_CLOSE_START},
    {.k = EW_SUB, .idx = 13, .type = 0x0e},
    {.k = EW_END},
    {.k = EW_END}, /* EventData */
    {.k = EW_END}, /* Event */
};
static const ew_tpl tpl_sec = {
    ops_sec, sizeof ops_sec / sizeof ops_sec[0], {0x25, 0x74, 0x84, 0x54}};

static size_t sec_subs(vb *v, ew_val *s, uint64_t rid, const char *user) {
  size_t n = 0;
  s[n++] = mk_str(v, "Microsoft-Windows-Security-Auditing");
  s[n++] = mk(
      v, 0x0f,
      "\x25\x74\x84\x54\xde\xf4\x94\x4b\xa5\xba\x3e\x3b\x03\x28\xc3\x0d", 16);
  s[n++] = mk_le(v, 0x06, 4624, 2);
  s[n++] = mk_le(v, 0x04, 0, 1);
  s[n++] = mk_le(v, 0x15, 0x8020000000000000ULL, 8);
  s[n++] = mk_le(v, 0x11, FT_2019, 8);
  s[n++] = mk_le(v, 0x0a, rid, 8);
  s[n++] = mk_le(v, 0x08, 636, 4);
  s[n++] = mk_le(v, 0x08, 4012, 4);
  s[n++] = mk_str(v, "DC01.contoso.local");
  s[n++] = mk(v, 0x13, "\x01\x01\x00\x00\x00\x00\x00\x05\x12\x00\x00\x00", 12);
  s[n++] = mk_str(v, user);
  s[n++] = (ew_val){.type = 0x00};
  s[n++] = mk(v, 0x0e, "\x0a\x0b", 2);
  return n;
}

static void check_sec(const et_event *e, const char *rid, const char *user) {
  et_assert_field(e, "Provider_Name", "Microsoft-Windows-Security-Auditing");
  et_assert_field(e, "event.provider", "Microsoft-Windows-Security-Auditing");
  et_assert_field(e, "Provider_Guid", "54847425-F4DE-4B94-A5BA-3E3B0328C30D");
  et_assert_field(e, "ActivityID", "54847425-F4DE-4B94-A5BA-3E3B0328C30D");
  assert_null(et_get(e, "EventSourceName", 0)); /* optional, absent */
  et_assert_field(e, "EventID", "4624");
  et_assert_field(e, "Level", "0");
  et_assert_field(e, "Keywords", "0x8020000000000000");
  et_assert_field(e, "TimeCreated", "2019-04-17T18:40:00.123456Z");
  et_assert_field(e, "EventRecordID", rid);
  et_assert_field(e, "ProcessID", "636");
  et_assert_field(e, "ThreadID", "4012");
  et_assert_field(e, "Channel", "Security");
  et_assert_field(e, "Computer", "DC01.contoso.local");
  et_assert_field(e, "host.name", "DC01.contoso.local");
  et_assert_field(e, "UserID", "S-1-5-18");
  et_assert_field(e, "TargetUserName", user);
  et_assert_field(e, "PathName", "C:\\a & b<");
  et_assert_field(e, "Data", "first");
  assert_string_equal(et_get(e, "Data", 1), "<second>");
  assert_null(et_get(e, "Data", 2));
  et_assert_field(e, "Empty", "");
  et_assert_field(e, "Binary", "0A0B");
  assert_null(et_get(e, "pi-target", 0));
}

static void test_tokens_and_system(void **state) {
  (void)state;
  ew_file *w = ew_open();
  vb v = {.n = 0};
  ew_val s[16];
  size_t n = sec_subs(&v, s, 31794, "alice");
  assert_int_equal(ew_record(w, &tpl_sec, s, n, FT_2019), 0);
  size_t len;
  const uint8_t *buf = ew_finish(w, &len);
  assert_non_null(sp_reader_sniff((const char *)buf, len));
  assert_string_equal(sp_reader_sniff((const char *)buf, len)->name, "evtx");
  et_run *r = et_read(buf, len);
  assert_int_equal(r->bad, 0);
  assert_int_equal(r->n, 1);
  check_sec(&r->ev[0], "31794", "alice");
  et_free(r);
  ew_free(w);
}

/* Many records over several chunks: each chunk defines the template once
 * (inline) and references it after; every record renders its own values. */
static void test_templates_across_chunks(void **state) {
  (void)state;
  ew_file *w = ew_open();
  char user[32];
  for (int i = 0; i < 3000; i++) {
    vb v = {.n = 0};
    ew_val s[16];
    snprintf(user, sizeof user, "user%d", i);
    size_t n = sec_subs(&v, s, 1000 + (uint64_t)i, user);
    assert_int_equal(ew_record(w, &tpl_sec, s, n, FT_2019), 0);
  }
  assert_true(ew_chunks(w) >= 3);
  size_t len;
  const uint8_t *buf = ew_finish(w, &len);
  et_run *r = et_read(buf, len);
  assert_int_equal(r->bad, 0);
  assert_int_equal(r->total, 3000);
  char rid[32];
  for (int i = 0; i < 3000; i += 149) {
    snprintf(user, sizeof user, "user%d", i);
    snprintf(rid, sizeof rid, "%d", 1000 + i);
    check_sec(&r->ev[i], rid, user);
    /* The evidence reference is the EventRecordID of the XML. */
    assert_int_equal(r->ev[i].line, (uint64_t)1000 + (uint64_t)i);
  }
  et_free(r);
  ew_free(w);
}

/* A record without a template, elements written directly. */
static void test_fragment_without_template(void **state) {
  (void)state;
  static const ew_op raw[] = {
      {.k = EW_OPEN, .name = "Event"},
      {.k = EW_CLOSE_START},
      {.k = EW_OPEN, .name = "System"},
      {.k = EW_CLOSE_START},
      {.k = EW_OPEN, .name = "EventID"},
      {.k = EW_CLOSE_START},
      {.k = EW_TEXT, .text = "104"},
      {.k = EW_END},
      {.k = EW_OPEN, .name = "Computer"},
      {.k = EW_CLOSE_START},
      {.k = EW_TEXT, .text = "ws1"},
      {.k = EW_END},
      {.k = EW_END},
      {.k = EW_OPEN, .name = "UserData"},
      {.k = EW_CLOSE_START},
      {.k = EW_OPEN, .name = "LogFileCleared", .attrs = true},
      {.k = EW_ATTR, .name = "xmlns"},
      {.k = EW_TEXT,
       .text = "http://manifests.microsoft.com/win/2004/08/"
               "windows/eventlog"},
      {.k = EW_CLOSE_START},
      {.k = EW_OPEN, .name = "SubjectUserName"},
      {.k = EW_CLOSE_START},
      {.k = EW_TEXT, .text = "bob"},
      {.k = EW_END},
      {.k = EW_OPEN, .name = "Channel"},
      {.k = EW_CLOSE_START},
      {.k = EW_TEXT, .text = "System"},
      {.k = EW_END},
      {.k = EW_END},
      {.k = EW_END},
      {.k = EW_END},
  };
  ew_file *w = ew_open();
  assert_int_equal(ew_record_raw(w, raw, sizeof raw / sizeof raw[0], FT_2019),
                   0);
  size_t len;
  const uint8_t *buf = ew_finish(w, &len);
  et_run *r = et_read(buf, len);
  assert_int_equal(r->bad, 0);
  assert_int_equal(r->n, 1);
  const et_event *e = &r->ev[0];
  et_assert_field(e, "EventID", "104");
  et_assert_field(e, "SubjectUserName", "bob");
  /* UserData leaf "Channel" adds a second Channel value after none in
   * System: the first one is the UserData one here. */
  et_assert_field(e, "Channel", "System");
  /* No SystemTime: the record header's time. */
  assert_true(e->ts == 1555526400123456700LL);
  et_free(r);
  ew_free(w);
}

/* Nested BinXML: a substitution holding a fragment of elements (no
 * template) and one holding a template instance, inside EventData. */
static void test_nested_binxml(void **state) {
  (void)state;
  static const ew_op outer[] = {
      {.k = EW_OPEN, .name = "Event"},
      {.k = EW_CLOSE_START},
      {.k = EW_OPEN, .name = "EventData"},
      {.k = EW_CLOSE_START},
      {.k = EW_SUB, .idx = 0, .type = 0x21},
      {.k = EW_SUB, .idx = 1, .type = 0x21},
      {.k = EW_END},
      {.k = EW_END},
  };
  static const ew_tpl t_outer = {outer, 8, {7, 7, 7, 7}};
  static const ew_op frag[] = {
      {.k = EW_OPEN, .name = "Data", .attrs = true},
      {.k = EW_ATTR, .name = "Name"},
      {.k = EW_TEXT, .text = "FromFragment"},
      {.k = EW_CLOSE_START},
      {.k = EW_TEXT, .text = "v1"},
      {.k = EW_END},
  };
  static const ew_op inner[] = {
      {.k = EW_OPEN, .name = "Data", .attrs = true},
      {.k = EW_ATTR, .name = "Name"},
      {.k = EW_TEXT, .text = "FromTemplate"},
      {.k = EW_CLOSE_START},
      {.k = EW_SUB, .idx = 0, .type = 0x01},
      {.k = EW_END},
  };
  static const ew_tpl t_inner = {inner, 6, {8, 8, 8, 8}};
  vb v = {.n = 0};
  ew_val in[1] = {mk_str(&v, "v2")};
  ew_val s[2] = {
      {.type = 0x21, .frag = frag, .nfrag = 6},
      {.type = 0x21, .tpl = &t_inner, .subs = in, .nsubs = 1},
  };
  ew_file *w = ew_open();
  assert_int_equal(ew_record(w, &t_outer, s, 2, FT_2019), 0);
  assert_int_equal(ew_record(w, &t_outer, s, 2, FT_2019), 0);
  size_t len;
  const uint8_t *buf = ew_finish(w, &len);
  et_run *r = et_read(buf, len);
  assert_int_equal(r->bad, 0);
  assert_int_equal(r->n, 2);
  for (int i = 0; i < 2; i++) {
    et_assert_field(&r->ev[i], "FromFragment", "v1");
    et_assert_field(&r->ev[i], "FromTemplate", "v2");
  }
  et_free(r);
  ew_free(w);
}

/* A file of `records` records over several chunks. */
static uint8_t *sample(size_t records, size_t *len) {
  ew_file *w = ew_open();
  for (size_t i = 0; i < records; i++) {
    vb v = {.n = 0};
    ew_val s[16];
    size_t n = sec_subs(&v, s, 1 + i, "u");
    assert_int_equal(ew_record(w, &tpl_sec, s, n, FT_2019), 0);
  }
  const uint8_t *b = ew_finish(w, len);
  uint8_t *copy = malloc(*len);
  memcpy(copy, b, *len);
  ew_free(w);
  return copy;
}

static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
         ((uint32_t)p[3] << 24);
}

/* Records of a chunk: count by walking sizes from its first record. */
static size_t chunk_records(const uint8_t *b, size_t at) {
  size_t n = 0;
  uint32_t free_off = rd32(b + at + 48);
  for (uint32_t o = 512; o < free_off; o += rd32(b + at + o + 4))
    n++;
  return n;
}

static void test_damaged(void **state) {
  (void)state;
  size_t len;
  uint8_t *b = sample(2000, &len);
  size_t nchunks = (len - 4096) / 65536;
  assert_true(nchunks >= 3);
  size_t c0 = chunk_records(b, 4096), c1 = chunk_records(b, 4096 + 65536);
  /* Intact. */
  et_run *r = et_read(b, len);
  assert_int_equal(r->total, 2000);
  assert_int_equal(r->bad, 0);
  et_free(r);

  /* Truncated last chunk: cut in the middle of its records. The records
   * wholly before the cut are read; the one cut in two is reported. */
  size_t last = 4096 + (nchunks - 1) * 65536;
  size_t cut_at = last + 512;
  size_t whole = 0;
  uint32_t o = 512;
  while (whole < 5) {
    o += rd32(b + last + o + 4);
    whole++;
  }
  cut_at = last + o + 40; /* 40 bytes into record 6 of the last chunk */
  r = et_read(b, cut_at);
  size_t before = 2000 - chunk_records(b, last);
  assert_int_equal(r->total, before + whole);
  assert_int_equal(r->bad, 1);
  et_free(r);

  /* Bad chunk magic on chunk 1 (the rest intact): reported once, and its
   * records are recovered by their own magic. */
  uint8_t *d = malloc(len);
  memcpy(d, b, len);
  memcpy(d + 4096 + 65536, "BADCHNK\0", 8);
  r = et_read(d, len);
  assert_int_equal(r->bad, 1);
  assert_non_null(strstr(r->bad_reason[0], "bad chunk magic"));
  assert_int_equal(r->total, 2000);
  /* ... and with the whole header wiped too, still every record. */
  memset(d + 4096 + 65536, 0x55, 512);
  et_free(r);
  r = et_read(d, len);
  assert_int_equal(r->bad, 1);
  assert_int_equal(r->total, 2000);
  et_free(r);

  /* Bad record size: record 3 of chunk 0 says 5 bytes. It is reported and
   * the walk picks up at the next record. */
  memcpy(d, b, len);
  uint32_t r3 = 512;
  for (int i = 0; i < 3; i++)
    r3 += rd32(d + 4096 + r3 + 4);
  d[4096 + r3 + 4] = 5;
  d[4096 + r3 + 5] = d[4096 + r3 + 6] = d[4096 + r3 + 7] = 0;
  r = et_read(d, len);
  assert_int_equal(r->bad, 1);
  assert_non_null(strstr(r->bad_reason[0], "record size"));
  assert_int_equal(r->total, 1999);
  et_free(r);

  /* Bad record magic in chunk 1: one record lost, one report. */
  memcpy(d, b, len);
  d[4096 + 65536 + 512] = 'X';
  r = et_read(d, len);
  assert_int_equal(r->bad, 1);
  assert_int_equal(r->total, 1999);
  et_free(r);

  /* The header's chunk count says 1: every chunk is read anyway. */
  memcpy(d, b, len);
  d[42] = 1;
  d[43] = 0;
  r = et_read(d, len);
  assert_int_equal(r->total, 2000);
  assert_int_equal(r->bad, 0);
  et_free(r);

  /* Zeros past the records (a chunk whose header claims more): quiet. */
  memcpy(d, b, len);
  d[4096 + 48] = 0xff;
  d[4096 + 49] = 0xff;
  r = et_read(d, len);
  assert_int_equal(r->total, 2000);
  assert_int_equal(r->bad, 0);
  et_free(r);
  (void)c0;
  (void)c1;
  free(d);
  free(b);
}

/* Elements nested past SP_EVTX_MAX_DEPTH: the record is reported, the
 * others are read. */
static void test_limits(void **state) {
  (void)state;
  enum { DEEP = 80 };
  static ew_op ops[2 * DEEP * 2 + 4];
  size_t k = 0;
  for (int i = 0; i < DEEP; i++) {
    ops[k++] = (ew_op){.k = EW_OPEN, .name = "E"};
    ops[k++] = (ew_op){.k = EW_CLOSE_START};
  }
  for (int i = 0; i < DEEP; i++)
    ops[k++] = (ew_op){.k = EW_END};
  ew_tpl deep = {ops, k, {5, 5, 5, 5}};
  ew_file *w = ew_open();
  vb v = {.n = 0};
  ew_val s[16];
  size_t n = sec_subs(&v, s, 1, "a");
  assert_int_equal(ew_record(w, &tpl_sec, s, n, FT_2019), 0);
  assert_int_equal(ew_record(w, &deep, NULL, 0, FT_2019), 0);
  assert_int_equal(ew_record(w, &tpl_sec, s, n, FT_2019), 0);
  size_t len;
  const uint8_t *buf = ew_finish(w, &len);
  et_run *r = et_read(buf, len);
  assert_int_equal(r->total, 2);
  assert_int_equal(r->bad, 1);
  assert_non_null(strstr(r->bad_reason[0], "nested too deep"));
  et_free(r);
  ew_free(w);

  /* More substitutions than SP_EVTX_MAX_SUBS (1024): the record is read,
   * values past the limit are missing, the limit is counted. */
  static const ew_op many_ops[] = {
      {.k = EW_OPEN, .name = "Event"},
      {.k = EW_CLOSE_START},
      {.k = EW_OPEN, .name = "UserData"},
      {.k = EW_CLOSE_START},
      {.k = EW_OPEN, .name = "R"},
      {.k = EW_CLOSE_START},
      {.k = EW_OPEN, .name = "Low"},
      {.k = EW_CLOSE_START},
      {.k = EW_SUB, .idx = 5, .type = 0x04},
      {.k = EW_END},
      {.k = EW_OPEN, .name = "High"},
      {.k = EW_CLOSE_START},
      {.k = EW_SUB, .idx = 1050, .type = 0x04},
      {.k = EW_END},
      {.k = EW_END},
      {.k = EW_END},
      {.k = EW_END},
  };
  ew_tpl many = {many_ops, sizeof many_ops / sizeof many_ops[0], {6, 6}};
  static ew_val subs[1100];
  static uint8_t bytes[1100];
  for (int i = 0; i < 1100; i++) {
    bytes[i] = (uint8_t)(i % 200);
    subs[i] = (ew_val){.type = 0x04, .p = &bytes[i], .n = 1};
  }
  w = ew_open();
  assert_int_equal(ew_record(w, &many, subs, 1100, FT_2019), 0);
  buf = ew_finish(w, &len);
  r = et_read(buf, len);
  assert_int_equal(r->total, 1);
  assert_int_equal(r->bad, 0);
  assert_true(r->limits >= 1);
  et_assert_field(&r->ev[0], "Low", "5");
  et_assert_field(&r->ev[0], "High", "");
  et_free(r);
  ew_free(w);

  /* Not EVTX at all, or a header alone: no events, no crash. */
  r = et_read("ElfFile\0", 8);
  assert_int_equal(r->total, 0);
  assert_int_equal(r->bad, 1);
  et_free(r);
}

/* Templates are kept across chunks by GUID and size and reused only when
 * the definition matches: two templates with the same GUID and size but a
 * different element name, in different chunks, render as themselves. */
static void test_same_guid_other_template(void **state) {
  (void)state;
  static const ew_op a[] = {
      {.k = EW_OPEN, .name = "Event"},
      {.k = EW_CLOSE_START},
      {.k = EW_OPEN, .name = "UserData"},
      {.k = EW_CLOSE_START},
      {.k = EW_OPEN, .name = "Root"},
      {.k = EW_CLOSE_START},
      {.k = EW_OPEN, .name = "AAAA"},
      {.k = EW_CLOSE_START},
      {.k = EW_SUB, .idx = 0, .type = 0x01},
      {.k = EW_END},
      {.k = EW_END},
      {.k = EW_END},
      {.k = EW_END},
  };
  ew_op b[sizeof a / sizeof a[0]];
  memcpy(b, a, sizeof a);
  b[6].name = "BBBB";
  ew_tpl ta = {a, sizeof a / sizeof a[0], {1, 1, 1, 1, 2, 2}};
  ew_tpl tb = {b, sizeof a / sizeof a[0], {1, 1, 1, 1, 2, 2}};
  ew_file *w = ew_open();
  vb v = {.n = 0};
  ew_val s[1] = {mk_str(&v, "x")};
  /* used[i]: the template of record i+1 (true: tb). */
  static bool used[4096];
  size_t n = 0;
  /* Each chunk starts with its template, so both definitions have their
   * names inline and the same size. */
  for (int c = 0; c < 3; c++) {
    if (c)
      ew_new_chunk(w);
    for (int i = 0; i < 3; i++) {
      assert_int_equal(ew_record(w, c == 1 ? &tb : &ta, s, 1, FT_2019), 0);
      used[n++] = c == 1;
    }
  }
  assert_int_equal(ew_chunks(w), 3);
  size_t len;
  const uint8_t *buf = ew_finish(w, &len);
  et_run *r = et_read(buf, len);
  assert_int_equal(r->bad, 0);
  assert_int_equal(r->n, n);
  size_t c1 = 0, c2 = 0, c3 = 0;
  for (size_t i = 0; i < r->n; i++) {
    size_t chunk = (r->ev[i].offset - 4096) / 65536;
    bool isb = used[r->ev[i].line - 1];
    et_assert_field(&r->ev[i], isb ? "BBBB" : "AAAA", "x");
    assert_null(et_get(&r->ev[i], isb ? "AAAA" : "BBBB", 0));
    c1 += chunk == 0 && !isb;
    c2 += chunk == 1 && isb;
    c3 += chunk == 2 && !isb;
  }
  assert_true(c1 > 0 && c2 > 0 && c3 > 0);
  et_free(r);
  ew_free(w);
}

/* UTF-16LE -> UTF-8 (the value renderer's fast paths: eight ASCII units at
 * a time, an overlapping last block, then one by one) against the
 * conversion as the Unicode standard defines it, written out plainly here:
 * every length from 0 to 40 with a non-ASCII unit (2- and 3-byte forms, a
 * surrogate pair, a lone surrogate -> U+FFFD) at every position. */
static size_t ref_utf8(const uint16_t *u, size_t n, char *out) {
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    uint32_t c = u[i];
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && u[i + 1] >= 0xdc00 &&
        u[i + 1] <= 0xdfff) {
      c = 0x10000 + ((c - 0xd800) << 10) + (u[i + 1] - 0xdc00);
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      c = 0xfffd;
    }
    if (c < 0x80) {
      out[o++] = (char)c;
    } else if (c < 0x800) {
      out[o++] = (char)(0xc0 | (c >> 6));
      out[o++] = (char)(0x80 | (c & 0x3f));
    } else if (c < 0x10000) {
      out[o++] = (char)(0xe0 | (c >> 12));
      out[o++] = (char)(0x80 | ((c >> 6) & 0x3f));
      out[o++] = (char)(0x80 | (c & 0x3f));
    } else {
      out[o++] = (char)(0xf0 | (c >> 18));
      out[o++] = (char)(0x80 | ((c >> 12) & 0x3f));
      out[o++] = (char)(0x80 | ((c >> 6) & 0x3f));
      out[o++] = (char)(0x80 | (c & 0x3f));
    }
  }
  return o;
}

static void test_utf16_all_lengths(void **state) {
  (void)state;
  static const uint16_t odd[] = {0x00e9, 0x20ac, 0xd83d, 0xdc00, 0x7f};
  char text[512], want[512];
  for (size_t n = 0; n <= 40; n++)
    for (size_t at = 0; at <= n; at++) /* at == n: all ASCII */
      for (size_t k = 0; k < sizeof odd / sizeof odd[0]; k++) {
        uint16_t u[48];
        for (size_t i = 0; i < n; i++)
          u[i] = (uint16_t)('a' + (i * 7 + n) % 26);
        if (at < n)
          u[at] = odd[k];
        uint8_t le[96];
        for (size_t i = 0; i < n; i++) {
          le[2 * i] = (uint8_t)u[i];
          le[2 * i + 1] = (uint8_t)(u[i] >> 8);
        }
        sp_evtx_buf b = {text, sizeof text, 0, 0};
        sp_evtx_val v;
        assert_true(sp_evtx_value(SP_EVTX_T_STRING, le, 2 * n, &b, &v));
        size_t wn = ref_utf8(u, n, want);
        if (v.n != wn || memcmp(v.s, want, wn) != 0)
          fail_msg("length %zu, odd unit %04x at %zu: %.*s against %.*s", n,
                   odd[k], at, (int)v.n, v.s, (int)wn, want);
      }
}

/* ---- numbers, hex, GUIDs and SIDs against the C library's printf ----- */

/* The values tried: every power-of-ten boundary (where the digit count
 * changes), both ends of each width, and a pseudo-random sweep. */
static size_t number_probes(uint64_t *out, size_t cap) {
  size_t n = 0;
  uint64_t p = 1;
  for (int i = 0; i < 20 && n + 3 <= cap; i++, p *= 10) {
    out[n++] = p - 1;
    out[n++] = p;
    out[n++] = p + 1;
  }
  static const uint64_t ends[] = {0,
                                  0x7f,
                                  0x80,
                                  0xff,
                                  0x7fff,
                                  0x8000,
                                  0xffff,
                                  0x7fffffff,
                                  0x80000000,
                                  0xffffffff,
                                  0x100000000ULL,
                                  0x7fffffffffffffffULL,
                                  0x8000000000000000ULL,
                                  0xffffffffffffffffULL,
                                  0x0f,
                                  0x10,
                                  0x100,
                                  0xf00,
                                  0x1005,
                                  0xabc};
  for (size_t i = 0; i < sizeof ends / sizeof ends[0] && n < cap; i++)
    out[n++] = ends[i];
  uint64_t x = 0x243f6a8885a308d3ULL;
  while (n < cap) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    out[n++] = x >> (x & 63); /* every magnitude */
  }
  return n;
}

static void le_bytes(uint8_t *d, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; i++)
    d[i] = (uint8_t)(v >> (8 * i));
}

/* One value rendered into a buffer of room `room` (canaries after it):
 * the text printf gives when it fits, else nothing and a cut. */
static void check_text(uint8_t t, const uint8_t *raw, size_t rn,
                       const char *want, bool has_int, int64_t iv) {
  size_t wn = strlen(want);
  for (size_t room = 0; room <= 40; room++) {
    char text[64];
    memset(text, '#', sizeof text);
    sp_evtx_buf b = {text, room, 0, 0};
    sp_evtx_val v;
    assert_true(sp_evtx_value(t, raw, rn, &b, &v));
    for (size_t i = room; i < sizeof text; i++)
      if (text[i] != '#')
        fail_msg("type %#x %s: wrote past the room (%zu)", t, want, room);
    if (room >= wn) {
      if (v.n != wn || memcmp(v.s, want, wn) != 0 || b.cut)
        fail_msg("type %#x: %.*s, printf %s", t, (int)v.n, v.s, want);
      if (has_int && (!v.has_int || v.i != iv))
        fail_msg("type %#x %s: integer %lld", t, want, (long long)v.i);
    } else if (v.n != 0 || b.cut != 1) {
      fail_msg("type %#x %s in %zu bytes: %.*s, cut %llu", t, want, room,
               (int)v.n, v.s, (unsigned long long)b.cut);
    }
  }
}

static void test_numbers_against_printf(void **state) {
  (void)state;
  uint64_t probe[400];
  size_t np = number_probes(probe, sizeof probe / sizeof probe[0]);
  for (size_t k = 0; k < np; k++) {
    uint64_t x = probe[k];
    uint8_t raw[8];
    char want[48];
    le_bytes(raw, x, 8);
    snprintf(want, sizeof want, "%u", (unsigned)(uint8_t)x);
    check_text(SP_EVTX_T_UINT8, raw, 1, want, true, (uint8_t)x);
    snprintf(want, sizeof want, "%d", (int)(int8_t)x);
    check_text(SP_EVTX_T_INT8, raw, 1, want, true, (int8_t)x);
    snprintf(want, sizeof want, "%u", (unsigned)(uint16_t)x);
    check_text(SP_EVTX_T_UINT16, raw, 2, want, true, (uint16_t)x);
    snprintf(want, sizeof want, "%d", (int)(int16_t)x);
    check_text(SP_EVTX_T_INT16, raw, 2, want, true, (int16_t)x);
    snprintf(want, sizeof want, "%lu", (unsigned long)(uint32_t)x);
    check_text(SP_EVTX_T_UINT32, raw, 4, want, true, (uint32_t)x);
    snprintf(want, sizeof want, "%ld", (long)(int32_t)x);
    check_text(SP_EVTX_T_INT32, raw, 4, want, true, (int32_t)x);
    snprintf(want, sizeof want, "%llu", (unsigned long long)x);
    check_text(SP_EVTX_T_UINT64, raw, 8, want, x <= INT64_MAX, (int64_t)x);
    snprintf(want, sizeof want, "%lld", (long long)(int64_t)x);
    check_text(SP_EVTX_T_INT64, raw, 8, want, true, (int64_t)x);
    snprintf(want, sizeof want, "0x%lx", (unsigned long)(uint32_t)x);
    check_text(SP_EVTX_T_HEX32, raw, 4, want, true, (uint32_t)x);
    snprintf(want, sizeof want, "0x%llx", (unsigned long long)x);
    check_text(SP_EVTX_T_HEX64, raw, 8, want, true, (int64_t)x);
  }
}

static void test_guid_sid_against_printf(void **state) {
  (void)state;
  uint64_t probe[64];
  size_t np = number_probes(probe, sizeof probe / sizeof probe[0]);
  for (size_t k = 0; k + 1 < np; k++) {
    uint8_t g[16];
    le_bytes(g, probe[k], 8);
    le_bytes(g + 8, probe[k + 1], 8);
    char want[256];
    /* Data1, Data2, Data3 little-endian, Data4 as bytes, upper case */
    snprintf(want, sizeof want,
             "%08lX-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X",
             (unsigned long)((uint32_t)g[0] | (uint32_t)g[1] << 8 |
                             (uint32_t)g[2] << 16 | (uint32_t)g[3] << 24),
             (unsigned)(g[4] | g[5] << 8), (unsigned)(g[6] | g[7] << 8), g[8],
             g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
    check_text(SP_EVTX_T_GUID, g, 16, want, false, 0);
    /* S-rev-authority(-sub)*: revision, count, 48-bit big-endian
       authority, little-endian 32-bit sub-authorities (MS-DTYP 2.4.2) */
    uint8_t sid[8 + 4 * 5];
    unsigned cnt = (unsigned)(k % 6);
    uint64_t auth = probe[k] % 1000000;
    sid[0] = 1;
    sid[1] = (uint8_t)cnt;
    for (int i = 0; i < 6; i++)
      sid[2 + i] = (uint8_t)(auth >> (8 * (5 - i)));
    int m = snprintf(want, sizeof want, "S-1-%llu", (unsigned long long)auth);
    for (unsigned i = 0; i < cnt; i++) {
      uint32_t sub = (uint32_t)probe[(k + i) % np];
      le_bytes(sid + 8 + 4 * i, sub, 4);
      m += snprintf(want + m, sizeof want - (size_t)m, "-%lu",
                    (unsigned long)sub);
    }
    check_text(SP_EVTX_T_SID, sid, 8 + 4 * cnt, want, false, 0);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_value_types),
      cmocka_unit_test(test_utf16_all_lengths),
      cmocka_unit_test(test_numbers_against_printf),
      cmocka_unit_test(test_guid_sid_against_printf),
      cmocka_unit_test(test_tokens_and_system),
      cmocka_unit_test(test_templates_across_chunks),
      cmocka_unit_test(test_fragment_without_template),
      cmocka_unit_test(test_nested_binxml),
      cmocka_unit_test(test_damaged),
      cmocka_unit_test(test_limits),
      cmocka_unit_test(test_same_guid_other_template),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
