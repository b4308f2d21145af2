/*
 * chirp.c - CISA CHIRP indicator files (YAML, one document per indicator,
 * libyaml): documents with ioc_type "network" give their indicator's "ips",
 * "domains", "urls" and "hashes" (block scalars, one value per line, type
 * inferred per line); other ioc_types ("yara", "events", "registry") are
 * CHIRP's own host checks and count as unsupported. confidence (0..10)
 * becomes the score (x10), name the feed, description the comment. A YAML
 * syntax error fails the file with its line. Owns nothing past a call.
 */
#include "ioc/ioc_int.h"

#include <stdio.h>
#include <string.h>
#include <yaml.h>

#define MAX_DOCS 100000

static sp_str scalar(yaml_document_t *d, yaml_node_t *n) {
  if (!n || n->type != YAML_SCALAR_NODE)
    return sp_str_make("", 0);
  return sp_str_make((const char *)n->data.scalar.value, n->data.scalar.length);
}

static yaml_node_t *map_get(yaml_document_t *d, yaml_node_t *map,
                            const char *key) {
  if (!map || map->type != YAML_MAPPING_NODE)
    return NULL;
  for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
       p < map->data.mapping.pairs.top; p++)
    if (sp_str_eq(scalar(d, yaml_document_get_node(d, p->key)), key))
      return yaml_document_get_node(d, p->value);
  return NULL;
}

static sp_err add_block(sp_ioc_set *s, sp_ioc_meta *m, sp_str block) {
  const char *p = block.p, *end = block.p + block.n;
  while (p < end) {
    const char *e = memchr(p, '\n', (size_t)(end - p));
    if (!e)
      e = end;
    sp_str v = sp_str_trim(sp_str_make(p, (size_t)(e - p)));
    p = e + 1;
    if (!v.n || v.p[0] == '#')
      continue;
    sp_ioc_type t;
    if (!sp_ioc_infer(v, &t)) {
      sp_ioc_skip_add(s, SP_IOC_SKIP_BAD);
      continue;
    }
    sp_err err = sp_ioc_add_ex(s, m, t, v, sp_str_make(NULL, 0));
    if (err)
      return err;
  }
  return SP_OK;
}

static sp_err chirp_doc(sp_ioc_set *s, yaml_document_t *d, sp_ioc_meta m) {
  yaml_node_t *root = yaml_document_get_root_node(d);
  if (!root)
    return SP_OK;
  sp_str type = scalar(d, map_get(d, root, "ioc_type"));
  yaml_node_t *ind = map_get(d, root, "indicator");
  if (!sp_str_ieq(type, "network") || !ind) {
    sp_ioc_skip_add(s, SP_IOC_SKIP_UNSUPPORTED);
    return SP_OK;
  }
  sp_str name = scalar(d, map_get(d, root, "name"));
  sp_str desc = scalar(d, map_get(d, root, "description"));
  uint64_t conf;
  if (sp_str_to_u64(scalar(d, map_get(d, root, "confidence")), 10, &conf))
    m.score = (int)conf * 10;
  m.feed = sp_ioc_str(s, name.p, name.n);
  m.comment = sp_ioc_str(s, desc.p, desc.n);
  m.line = (uint32_t)(root->start_mark.line + 1);
  if (m.feed == UINT32_MAX || m.comment == UINT32_MAX)
    return SP_ENOMEM;
  static const char *const keys[] = {
      "ips", "domains", "urls", "hashes", "ip", "domain", "url", "hash", NULL};
  sp_err e = SP_OK;
  for (const char *const *k = keys; *k && !e; k++) {
    yaml_node_t *v = map_get(d, ind, *k);
    if (!v)
      continue;
    if (v->type == YAML_SCALAR_NODE)
      e = add_block(s, &m, scalar(d, v));
    else if (v->type == YAML_SEQUENCE_NODE)
      for (yaml_node_item_t *it = v->data.sequence.items.start;
           it < v->data.sequence.items.top && !e; it++)
        e = add_block(s, &m, scalar(d, yaml_document_get_node(d, *it)));
  }
  return e;
}

sp_err sp_ioc_load_yaml(sp_ioc_set *s, const char *name, const char *buf,
                        size_t n, sp_diag *diag) {
  yaml_parser_t ps;
  if (!yaml_parser_initialize(&ps))
    return SP_ENOMEM;
  yaml_parser_set_input_string(&ps, (const unsigned char *)buf, n);
  sp_ioc_meta m = {.score = -1};
  m.source = sp_ioc_str_cached(s, &s->cache_source, name, strlen(name));
  m.format = sp_ioc_str(s, "chirp", 5);
  sp_err e =
      m.source == UINT32_MAX || m.format == UINT32_MAX ? SP_ENOMEM : SP_OK;
  for (int docs = 0; !e; docs++) {
    if (docs >= MAX_DOCS) {
      sp_ioc_skip_add(s, SP_IOC_SKIP_CUT);
      break;
    }
    yaml_document_t d;
    if (!yaml_parser_load(&ps, &d)) {
      char msg[256];
      snprintf(msg, sizeof msg, "malformed YAML: %s",
               ps.problem ? ps.problem : "syntax error");
      sp_ioc_diag(diag, SP_EFORMAT, name, ps.problem_mark.line + 1, msg);
      e = SP_EFORMAT;
      break;
    }
    if (!yaml_document_get_root_node(&d)) {
      yaml_document_delete(&d);
      break; /* end of stream */
    }
    e = chirp_doc(s, &d, m);
    yaml_document_delete(&d);
  }
  yaml_parser_delete(&ps);
  return e;
}
