/*
 * share.c - run-wide state shared by the instances of a detector (see
 * detector.h): a few keyed objects behind one mutex. Workers take the lock
 * only to fold their own batches in, so it is rarely contended.
 */
#include "detect/detector.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SHARE_SLOTS 8

struct sp_dshare {
  pthread_mutex_t lock;
  struct {
    const char *key;
    void *obj;
    void (*destroy)(void *);
  } slot[SHARE_SLOTS];
  size_t n;
};

sp_err sp_dshare_create(sp_dshare **out) {
  *out = NULL;
  sp_dshare *sh = calloc(1, sizeof *sh);
  if (!sh)
    return SP_ENOMEM;
  if (pthread_mutex_init(&sh->lock, NULL) != 0) {
    free(sh);
    return SP_ENOMEM;
  }
  *out = sh;
  return SP_OK;
}

void sp_dshare_destroy(sp_dshare *sh) {
  if (!sh)
    return;
  for (size_t i = 0; i < sh->n; i++)
    sh->slot[i].destroy(sh->slot[i].obj);
  pthread_mutex_destroy(&sh->lock);
  free(sh);
}

void *sp_dshare_get(sp_dshare *sh, const char *key, void *(*make)(void),
                    void (*destroy)(void *)) {
  void *obj = NULL;
  pthread_mutex_lock(&sh->lock);
  for (size_t i = 0; i < sh->n && !obj; i++)
    if (strcmp(sh->slot[i].key, key) == 0)
      obj = sh->slot[i].obj;
  if (!obj && sh->n < SHARE_SLOTS && (obj = make()) != NULL) {
    sh->slot[sh->n].key = key;
    sh->slot[sh->n].obj = obj;
    sh->slot[sh->n].destroy = destroy;
    sh->n++;
  }
  pthread_mutex_unlock(&sh->lock);
  return obj;
}

void sp_dshare_lock(sp_dshare *sh) { pthread_mutex_lock(&sh->lock); }
void sp_dshare_unlock(sp_dshare *sh) { pthread_mutex_unlock(&sh->lock); }

void *sp_dshare_attach(const sp_dctx *ctx, const char *key, void *(*make)(void),
                       void (*destroy)(void *), sp_dshare **share) {
  *share = ctx ? ctx->share : NULL;
  return *share ? sp_dshare_get(*share, key, make, destroy) : make();
}

void sp_dshare_detach(sp_dshare *share, void *obj, void (*destroy)(void *)) {
  if (!share && obj)
    destroy(obj);
}
