/*
 * test_evtx_plan.c - the EVTX reader's template plans (readers/evtx.c)
 * give exactly the events of the full BinXML walk: on templates written to
 * reach every case a plan decides (optional and absent values in
 * attributes and elements, NULL values, fewer values than the template
 * names, literals with spaces, unnamed and empty Data, Binary), on the
 * shapes that must fall back to the walk (a Data Name given by a value,
 * element text in several pieces, a nested BinXML value), and on the
 * reader's own fixtures. The walk is the reference: test_evtx.c checks it
 * against the format, test_evtx_shared.c and evtx.python_evtx against peer
 * tools; test_evtx_shared.c also compares both ways on every EVTX file of
 * ../shared.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "evtxtest.h"
#include "evtxvals.h"

#define FT_2021 132590000000000000ULL

/* System with every attribute the sink reads, partly optional. */
static const ew_op ops_sys[] = {
    {.k = EW_OPEN, .name = "Event"},
    {.k = EW_CLOSE_START},
    {.k = EW_OPEN, .name = "System"},
    {.k = EW_CLOSE_START},
    {.k = EW_OPEN, .name = "Provider", .attrs = true},
    {.k = EW_ATTR, .name = "Name"},
    {.k = EW_OSUB, .idx = 0, .type = 0x01},
    {.k = EW_ATTR, .name = "Guid"},
    {.k = EW_SUB, .idx = 1, .type = 0x0f},
    {.k = EW_ATTR, .name = "EventSourceName"},
    {.k = EW_OSUB, .idx = 2, .type = 0x01},
    {.k = EW_ATTR, .name = "Guid"}, /* index 65535: never there (fuzz) */
    {.k = EW_OSUB, .idx = 65535, .type = 0x0f},
    {.k = EW_CLOSE_EMPTY},
    {.k = EW_OPEN, .name = "EventID", .attrs = true},
    {.k = EW_ATTR, .name = "Qualifiers"},
    {.k = EW_OSUB, .idx = 3, .type = 0x06},
    {.k = EW_CLOSE_START},
    {.k = EW_OSUB, .idx = 4, .type = 0x06},
    {.k = EW_END},
    {.k = EW_OPEN, .name = "TimeCreated", .attrs = true},
    {.k = EW_ATTR, .name = "SystemTime"},
    {.k = EW_OSUB, .idx = 5, .type = 0x11},
    {.k = EW_CLOSE_EMPTY},
    {.k = EW_OPEN, .name = "EventRecordID"},
    {.k = EW_CLOSE_START},
    {.k = EW_OSUB, .idx = 6, .type = 0x0a},
    {.k = EW_END},
    {.k = EW_OPEN, .name = "Execution", .attrs = true},
    {.k = EW_ATTR, .name = "ProcessID"},
    {.k = EW_SUB, .idx = 7, .type = 0x08},
    {.k = EW_ATTR, .name = "ThreadID"},
    {.k = EW_OSUB, .idx = 8, .type = 0x08},
    {.k = EW_CLOSE_EMPTY},
    {.k = EW_OPEN, .name = "Computer"},
    {.k = EW_CLOSE_START},
    {.k = EW_TEXT, .text = "  host1.example.org \n"},
    {.k = EW_END},
    {.k = EW_OPEN, .name = "Security", .attrs = true},
    {.k = EW_ATTR, .name = "UserID"},
    {.k = EW_OSUB, .idx = 9, .type = 0x13},
    {.k = EW_CLOSE_EMPTY},
    {.k = EW_OPEN, .name = "Keywords"},
    {.k = EW_CLOSE_EMPTY},
    {.k = EW_END},
    {.k = EW_OPEN, .name = "EventData"},
    {.k = EW_CLOSE_START},
    {.k = EW_OPEN, .name = "Data", .attrs = true},
    {.k = EW_ATTR, .name = "Name"},
    {.k = EW_TEXT, .text = "A"},
    {.k = EW_CLOSE_START},
    {.k = EW_OSUB, .idx = 10, .type = 0x01},
    {.k = EW_END},
    {.k = EW_OPEN, .name = "Data", .attrs = true},
    {.k = EW_ATTR, .name = "Name"},
    {.k = EW_TEXT, .text = "B"},
    {.k = EW_CLOSE_START},
    {.k = EW_SUB, .idx = 11, .type = 0x08},
    {.k = EW_END},
    {.k = EW_OPEN, .name = "Data"},
    {.k = EW_CLOSE_START},
    {.k = EW_SUB, .idx = 12, .type = 0x01},
    {.k = EW_END},
    {.k = EW_OPEN, .name = "Data", .attrs = true},
    {.k = EW_ATTR, .name = "Name"},
    {.k = EW_TEXT, .text = "Lit"},
    {.k = EW_CLOSE_START},
    {.k = EW_TEXT, .text = "  a literal  "},
    {.k = EW_END},
    {.k = EW_OPEN, .name = "Data", .attrs = true},
    {.k = EW_ATTR, .name = "Name"},
    {.k = EW_TEXT, .text = "Empty"},
    {.k = EW_CLOSE_EMPTY},
    {.k = EW_OPEN, .name = "Data", .attrs = true},
    {.k = EW_ATTR, .name = "Name"},
    {.k = EW_TEXT, .text = "List"},
    {.k = EW_CLOSE_START},
    {.k = EW_OSUB, .idx = 13, .type = 0x81},
    {.k = EW_END},
    {.k = EW_OPEN, .name = "Binary"},
    {.k = EW_CLOSE_START},
    {.k = EW_OSUB, .idx = 14, .type = 0x0e},
    {.k = EW_END},
    {.k = EW_END},
    {.k = EW_END},
};
static const ew_tpl tpl_sys = {
    ops_sys, sizeof ops_sys / sizeof ops_sys[0], {1, 2, 3, 4}};

static const uint8_t guid[16] = {1, 2,  3,  4,  5,  6,  7,  8,
                                 9, 10, 11, 12, 13, 14, 15, 16};
static const uint8_t sid[12] = {1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0};

/* Values for record variant k: each one leaves other values absent. */
static size_t sys_subs(vb *v, ew_val *s, int k) {
  s[0] = k == 1 ? (ew_val){.type = 0x01} /* optional, empty */
                : mk_str(v, "Microsoft-Windows-Security-Auditing");
  s[1] = k == 2 ? (ew_val){.type = 0x00} : mk(v, 0x0f, guid, 16);
  s[2] = k == 3 ? mk_str(v, " EventLog ") : (ew_val){.type = 0x00};
  s[3] = k == 4 ? mk_le(v, 0x06, 16384, 2) : (ew_val){.type = 0x00};
  s[4] = k == 5 ? (ew_val){.type = 0x00} : mk_le(v, 0x06, 4624, 2);
  s[5] = k == 6 ? (ew_val){.type = 0x00} : mk_le(v, 0x11, FT_2021, 8);
  s[6] = k == 7 ? (ew_val){.type = 0x0a} : mk_le(v, 0x0a, 1000 + k, 8);
  s[7] = mk_le(v, 0x08, 4, 4);
  s[8] = k == 8 ? (ew_val){.type = 0x08} : mk_le(v, 0x08, 77, 4);
  s[9] = k == 9 ? (ew_val){.type = 0x00} : mk(v, 0x13, sid, sizeof sid);
  s[10] = k == 10 ? (ew_val){.type = 0x01} : mk_str(v, "  padded value  ");
  s[11] = k == 11 ? (ew_val){.type = 0x00} : mk_le(v, 0x08, 3, 4);
  s[12] = mk_str(v, k == 12 ? "" : "unnamed");
  if (k == 13) {
    s[13] = (ew_val){.type = 0x81};
  } else {
    uint8_t l[64] = {0}; /* NUL-terminated UTF-16 strings */
    size_t a = ew_utf16("one", l, sizeof l) + 2;
    a += ew_utf16("two", l + a, sizeof l - a) + 2;
    s[13] = mk(v, 0x81, l, a);
  }
  s[14] = k == 14 ? (ew_val){.type = 0x0e} : mk(v, 0x0e, "\x0a\x0b", 2);
  /* k == 15: the last values are missing from the record */
  return k == 15 ? 10 : 15;
}

/* Fallbacks: a Data Name that is a value; element text in two pieces. */
static const ew_op ops_dyn[] = {
    {.k = EW_OPEN, .name = "Event"},
    {.k = EW_CLOSE_START},
    {.k = EW_OPEN, .name = "EventData"},
    {.k = EW_CLOSE_START},
    {.k = EW_OPEN, .name = "Data", .attrs = true},
    {.k = EW_ATTR, .name = "Name"},
    {.k = EW_SUB, .idx = 0, .type = 0x01},
    {.k = EW_CLOSE_START},
    {.k = EW_SUB, .idx = 1, .type = 0x01},
    {.k = EW_END},
    {.k = EW_END},
    {.k = EW_END},
};
static const ew_tpl tpl_dyn = {
    ops_dyn, sizeof ops_dyn / sizeof ops_dyn[0], {5, 5, 5, 5}};
static const ew_op ops_two[] = {
    {.k = EW_OPEN, .name = "Event"},
    {.k = EW_CLOSE_START},
    {.k = EW_OPEN, .name = "EventData"},
    {.k = EW_CLOSE_START},
    {.k = EW_OPEN, .name = "Data", .attrs = true},
    {.k = EW_ATTR, .name = "Name"},
    {.k = EW_TEXT, .text = "Joined"},
    {.k = EW_CLOSE_START},
    {.k = EW_TEXT, .text = "pre-"},
    {.k = EW_OSUB, .idx = 0, .type = 0x01},
    {.k = EW_END},
    {.k = EW_END},
    {.k = EW_END},
};
static const ew_tpl tpl_two = {
    ops_two, sizeof ops_two / sizeof ops_two[0], {6, 6, 6, 6}};
/* A template whose EventData is a nested BinXML value in some records. */
static const ew_op ops_nest[] = {
    {.k = EW_OPEN, .name = "Event"},
    {.k = EW_CLOSE_START},
    {.k = EW_OPEN, .name = "EventData"},
    {.k = EW_CLOSE_START},
    {.k = EW_OPEN, .name = "Data", .attrs = true},
    {.k = EW_ATTR, .name = "Name"},
    {.k = EW_TEXT, .text = "X"},
    {.k = EW_CLOSE_START},
    {.k = EW_SUB, .idx = 0, .type = 0x01},
    {.k = EW_END},
    {.k = EW_END},
    {.k = EW_END},
};
static const ew_tpl tpl_nest = {
    ops_nest, sizeof ops_nest / sizeof ops_nest[0], {7, 7, 7, 7}};
static const ew_op frag_y[] = {
    {.k = EW_OPEN, .name = "Y"},
    {.k = EW_CLOSE_START},
    {.k = EW_TEXT, .text = "in"},
    {.k = EW_END},
};

/* Windows' own layout: System in the outer template, EventData a nested
 * template instance at Event level; and a Data list nested in EventData,
 * itself holding a nested value two levels down. */
static const ew_op ops_win[] = {
    {.k = EW_OPEN, .name = "Event"},
    {.k = EW_CLOSE_START},
    {.k = EW_OPEN, .name = "System"},
    {.k = EW_CLOSE_START},
    {.k = EW_OPEN, .name = "EventID"},
    {.k = EW_CLOSE_START},
    {.k = EW_SUB, .idx = 0, .type = 0x06},
    {.k = EW_END},
    {.k = EW_OPEN, .name = "Channel", .attrs = true},
    {.k = EW_ATTR, .name = "Note"},
    {.k = EW_OSUB, .idx = 2, .type = 0x21},
    {.k = EW_CLOSE_START},
    {.k = EW_TEXT, .text = "Security"},
    {.k = EW_END},
    {.k = EW_END},
    {.k = EW_OSUB, .idx = 1, .type = 0x21},
    {.k = EW_END},
};
static const ew_tpl tpl_win = {
    ops_win, sizeof ops_win / sizeof ops_win[0], {8, 8, 8, 8}};
static const ew_op ops_evd[] = {
    {.k = EW_OPEN, .name = "EventData"},
    {.k = EW_CLOSE_START},
    {.k = EW_OPEN, .name = "Data", .attrs = true},
    {.k = EW_ATTR, .name = "Name"},
    {.k = EW_TEXT, .text = "TargetUserName"},
    {.k = EW_CLOSE_START},
    {.k = EW_SUB, .idx = 0, .type = 0x01},
    {.k = EW_END},
    {.k = EW_SUB, .idx = 1, .type = 0x21},
    {.k = EW_END},
};
static const ew_tpl tpl_evd = {
    ops_evd, sizeof ops_evd / sizeof ops_evd[0], {9, 9, 9, 9}};
static const ew_op ops_item[] = {
    {.k = EW_OPEN, .name = "Data", .attrs = true},
    {.k = EW_ATTR, .name = "Name"},
    {.k = EW_TEXT, .text = "Nested"},
    {.k = EW_CLOSE_START},
    {.k = EW_SUB, .idx = 0, .type = 0x01},
    {.k = EW_END},
};
static const ew_tpl tpl_item = {
    ops_item, sizeof ops_item / sizeof ops_item[0], {10, 10, 10, 10}};
static const ew_op frag_ud[] = {
    {.k = EW_OPEN, .name = "UserData"},
    {.k = EW_CLOSE_START},
    {.k = EW_OPEN, .name = "Log"},
    {.k = EW_CLOSE_START},
    {.k = EW_TEXT, .text = "cleared"},
    {.k = EW_END},
    {.k = EW_END},
};

/* Nested templates that leave an element open for the parent to close, or
 * close one of the parent's: the walk keeps one element stack across
 * nesting (found by fuzz_evtx). */
static const ew_op ops_open[] = {
    {.k = EW_OPEN, .name = "Data", .attrs = true},
    {.k = EW_ATTR, .name = "Name"},
    {.k = EW_TEXT, .text = "LeftOpen"},
    {.k = EW_CLOSE_START},
    {.k = EW_OSUB, .idx = 0, .type = 0x01},
};
static const ew_tpl tpl_open = {
    ops_open, sizeof ops_open / sizeof ops_open[0], {11, 11, 11, 11}};
static const ew_op ops_extra[] = {
    {.k = EW_OPEN, .name = "Data", .attrs = true},
    {.k = EW_ATTR, .name = "Name"},
    {.k = EW_TEXT, .text = "Closed"},
    {.k = EW_CLOSE_START},
    {.k = EW_SUB, .idx = 0, .type = 0x01},
    {.k = EW_END},
    {.k = EW_END},
    {.k = EW_OPEN, .name = "Outside"},
    {.k = EW_CLOSE_START},
    {.k = EW_SUB, .idx = 0, .type = 0x01},
    {.k = EW_END},
};
static const ew_tpl tpl_extra = {
    ops_extra, sizeof ops_extra / sizeof ops_extra[0], {12, 12, 12, 12}};
static const ew_op ops_evd1[] = {
    {.k = EW_OPEN, .name = "Event"},
    {.k = EW_CLOSE_START},
    {.k = EW_OPEN, .name = "EventData"},
    {.k = EW_CLOSE_START},
    {.k = EW_SUB, .idx = 0, .type = 0x21},
    {.k = EW_END},
    {.k = EW_END},
};
static const ew_tpl tpl_evd1 = {
    ops_evd1, sizeof ops_evd1 / sizeof ops_evd1[0], {13, 13, 13, 13}};

static void check_same(const uint8_t *buf, size_t len, uint64_t planned) {
  et_run *plan = et_read_mode(buf, len, false);
  et_run *walk = et_read_mode(buf, len, true);
  et_assert_same(plan, walk);
  assert_int_equal(walk->planned, 0);
  assert_int_equal(plan->planned, planned);
  assert_int_equal(plan->planned + plan->walked, plan->total);
  et_free(plan);
  et_free(walk);
}

static void test_plan_cases(void **state) {
  (void)state;
  ew_file *w = ew_open();
  for (int round = 0; round < 2; round++)
    for (int k = 0; k <= 15; k++) {
      vb v = {.n = 0};
      ew_val s[16];
      size_t n = sys_subs(&v, s, k);
      assert_int_equal(ew_record(w, &tpl_sys, s, n, FT_2021), 0);
    }
  for (int k = 0; k < 3; k++) {
    vb v = {.n = 0};
    ew_val s[2] = {mk_str(&v, k ? "Named" : "Other"), mk_str(&v, "dyn")};
    assert_int_equal(ew_record(w, &tpl_dyn, s, 2, FT_2021), 0);
    ew_val t[1] = {k == 1 ? (ew_val){.type = 0x01} : mk_str(&v, "post")};
    assert_int_equal(ew_record(w, &tpl_two, t, 1, FT_2021), 0);
    ew_val x[1] = {k == 2 ? (ew_val){.type = 0x21, .frag = frag_y, .nfrag = 4}
                          : mk_str(&v, "plain")};
    assert_int_equal(ew_record(w, &tpl_nest, x, 1, FT_2021), 0);
  }
  /* k = 0: all nested instances; 1: the inner value not BinXML; 2: the
   * EventData value a fragment (the walk); 3: BinXML in an attribute */
  for (int k = 0; k < 4; k++) {
    vb v = {.n = 0};
    ew_val item[1] = {mk_str(&v, k == 1 ? "n1" : "n0")};
    ew_val evd[2] = {mk_str(&v, "alice"), k == 1 ? mk_str(&v, "text")
                                                 : (ew_val){.type = 0x21,
                                                            .tpl = &tpl_item,
                                                            .subs = item,
                                                            .nsubs = 1}};
    ew_val s[3] = {
        mk_le(&v, 0x06, 4624, 2),
        k == 2
            ? (ew_val){.type = 0x21, .frag = frag_ud, .nfrag = 7}
            : (ew_val){.type = 0x21, .tpl = &tpl_evd, .subs = evd, .nsubs = 2},
        k == 3 ? (ew_val){.type = 0x21, .frag = frag_y, .nfrag = 4}
               : (ew_val){.type = 0x00}};
    assert_int_equal(ew_record(w, &tpl_win, s, 3, FT_2021), 0);
  }
  size_t len;
  const uint8_t *buf = ew_finish(w, &len);
  /* walked: 3 of tpl_dyn, 3 of tpl_two, 1 of tpl_nest (BinXML in a Data),
   * 1 of tpl_win (a fragment, not an instance) */
  check_same(buf, len, 45 - 8);

  /* And what the plan gives, read from the template by hand. */
  et_run *r = et_read(buf, len);
  assert_int_equal(r->bad, 0);
  assert_int_equal(r->n, 32 + 9 + 4);
  const et_event *w0 = &r->ev[41];
  et_assert_field(w0, "EventID", "4624");
  et_assert_field(w0, "TargetUserName", "alice");
  et_assert_field(w0, "Nested", "n0");
  et_assert_field(w0, "Channel", "Security");
  assert_null(et_get(w0, "Note", 0));
  et_assert_field(&r->ev[42], "TargetUserName", "alice");
  assert_null(et_get(&r->ev[42], "Nested", 0));
  et_assert_field(&r->ev[43], "Log", "cleared");
  et_assert_field(&r->ev[44], "Nested", "n0");
  const et_event *e0 = &r->ev[0];
  et_assert_field(e0, "Computer", "host1.example.org");
  et_assert_field(e0, "host.name", "host1.example.org");
  et_assert_field(e0, "Lit", "a literal");
  et_assert_field(e0, "A", "padded value");
  et_assert_field(e0, "Empty", "");
  et_assert_field(e0, "Data", "unnamed");
  et_assert_field(e0, "List", "one");
  assert_string_equal(et_get(e0, "List", 1), "two");
  assert_null(et_get(e0, "Qualifiers", 0));      /* NULL: no attribute */
  assert_null(et_get(e0, "EventSourceName", 0)); /* NULL, optional */
  et_assert_field(e0, "EventID", "4624");
  assert_int_equal(e0->line, 1000);
  /* Provider Name optional and empty: dropped with event.provider */
  assert_null(et_get(&r->ev[1], "Provider_Name", 0));
  assert_null(et_get(&r->ev[1], "event.provider", 0));
  /* Guid NULL but not optional: the attribute is there, empty */
  et_assert_field(&r->ev[2], "Provider_Guid", "");
  et_assert_field(&r->ev[3], "EventSourceName", " EventLog ");
  et_assert_field(&r->ev[4], "Qualifiers", "16384");
  assert_null(et_get(&r->ev[5], "EventID", 0)); /* an element without text */
  assert_null(et_get(&r->ev[5], "event.code", 0));
  et_assert_field(&r->ev[10], "A", ""); /* EventData: the Data is kept */
  /* the last values missing from the record: absent, so empty Data */
  et_assert_field(&r->ev[15], "A", "");
  et_assert_field(&r->ev[15], "Binary", "");
  et_assert_field(&r->ev[32], "Other", "dyn");
  et_assert_field(&r->ev[33], "Joined", "pre-post");
  et_assert_field(&r->ev[34], "X", "plain");
  et_assert_field(&r->ev[36], "Joined", "pre-");
  et_assert_field(&r->ev[40], "Y", "in");
  et_free(r);
  ew_free(w);
}

static void test_plan_unbalanced(void **state) {
  (void)state;
  ew_file *w = ew_open();
  vb v = {.n = 0};
  ew_val in[1] = {mk_str(&v, "val")};
  ew_val a[1] = {{.type = 0x21, .tpl = &tpl_open, .subs = in, .nsubs = 1}};
  ew_val b[1] = {{.type = 0x21, .tpl = &tpl_extra, .subs = in, .nsubs = 1}};
  assert_int_equal(ew_record(w, &tpl_evd1, a, 1, FT_2021), 0);
  assert_int_equal(ew_record(w, &tpl_evd1, b, 1, FT_2021), 0);
  size_t len;
  const uint8_t *buf = ew_finish(w, &len);
  check_same(buf, len, 0);
  et_run *r = et_read(buf, len);
  /* the parent's end element closes LeftOpen: its value is the field; a
   * template that closes more than it opened is damage */
  assert_int_equal(r->n, 1);
  assert_int_equal(r->bad, 1);
  et_assert_field(&r->ev[0], "LeftOpen", "val");
  et_free(r);
  ew_free(w);
}

/* Many records over several chunks: the plan is kept across chunks. */
static void test_plan_many_records(void **state) {
  (void)state;
  ew_file *w = ew_open();
  for (int i = 0; i < 3000; i++) {
    vb v = {.n = 0};
    ew_val s[16];
    size_t n = sys_subs(&v, s, i % 16);
    assert_int_equal(ew_record(w, &tpl_sys, s, n, FT_2021 + (uint64_t)i), 0);
  }
  size_t len;
  const uint8_t *buf = ew_finish(w, &len);
  assert_true(ew_chunks(w) >= 2);
  check_same(buf, len, 3000);
  ew_free(w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_plan_cases),
      cmocka_unit_test(test_plan_unbalanced),
      cmocka_unit_test(test_plan_many_records),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
