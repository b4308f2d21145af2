/*
 * error.c - messages for the one error enum (spoor.h SP_ERRORS) and the
 * level names and ECS severities.
 */
#include "spoor/spoor.h"

static const char *const sp_err_msgs[] = {
#define SP_X_MSG(code, msg) msg,
    SP_ERRORS(SP_X_MSG)
#undef SP_X_MSG
};

const char *sp_strerror(sp_err err) {
  if ((unsigned)err >= SP_ERR__COUNT)
    return "unknown error";
  return sp_err_msgs[err];
}

const char *sp_level_name(sp_level level) {
  static const char *const names[] = {"informational", "low", "medium", "high",
                                      "critical"};
  if ((unsigned)level > SP_LEVEL_CRITICAL)
    return "unknown";
  return names[level];
}

int sp_level_severity(sp_level level) {
  static const int sev[] = {10, 30, 50, 70, 90};
  if ((unsigned)level > SP_LEVEL_CRITICAL)
    return 0;
  return sev[level];
}
