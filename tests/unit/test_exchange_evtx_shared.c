/*
 * test_exchange_evtx_shared.c - Exchange's own "MSExchange Management" event
 * log read through the EVTX reader and judged by the cmdlet rules.
 *
 * Truth from outside: the Rust evtx crate's sample MSExchange_Management_wec
 * .evtx (../shared/data/evtx/evtx-rs-samples; its snapshot
 * test_record_samples__event_json_with_multiple_data_elements shows record
 * 3229: provider MSExchange CmdletLogs, Data "Set-Mailbox" and "-Identity
 * "Administrateur" -DeliverToMailboxAndForward "False"
 * -ForwardingSmtpAddress "smtp:test2@example.com"", caller
 * ave.local/Users/Administrateur).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "shared_data.h"
#include "testutil.h"

#define SAMPLE                                                                 \
  SPOOR_SHARED_DIR "/data/evtx/evtx-rs-samples/samples/"                       \
                   "MSExchange_Management_wec.evtx"

static void test_forwarding_from_cmdlet_log(void **state) {
  (void)state;
  sp_result *r = tu_hunt(SAMPLE, 1);
  const sp_finding *f = tu_find(r, "spoor.exchange.admin.mail_forwarding", 0);
  assert_non_null(f);
  assert_int_equal(f->level, SP_LEVEL_MEDIUM);
  assert_int_equal(f->evidence[0].kind, SP_REF_RECORD);
  assert_int_equal(f->evidence[0].where, 3229);
  assert_non_null(strstr(f->reason, "Set-Mailbox"));
  assert_non_null(strstr(f->reason, "smtp:test2@example.com"));
  bool user = false;
  for (size_t i = 0; i < f->n_entities; i++)
    if (!strcmp(f->entities[i].field, "user.name") &&
        strstr(f->entities[i].value, "Administrateur"))
      user = true;
  assert_true(user);
  sp_result_destroy(r);
}

int main(void) {
  int rc = spoor_shared_or_skip(SAMPLE);
  if (rc)
    return rc;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_forwarding_from_cmdlet_log),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
