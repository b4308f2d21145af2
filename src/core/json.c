/*
 * json.c - bounded zero-copy JSON tokenizer and flattener (json.h).
 *
 * The tokenizer is a state machine over the input: VALUE (a value is
 * expected), ARR_FIRST (a value or ']'), OBJ_FIRST (a key or '}'), KEY (a
 * key after ','), AFTER (',' or the closing bracket, or the end at depth
 * 0). The container kinds of the open levels are bits of j->arr, so the
 * depth is bounded by SP_JSON_MAX_DEPTH (<= 64).
 */
#include "core/json.h"

enum { ST_VALUE, ST_ARR_FIRST, ST_OBJ_FIRST, ST_KEY, ST_AFTER, ST_DONE };

_Static_assert(SP_JSON_MAX_DEPTH <= 64, "depth bits fit in j->arr");

void sp_json_init(sp_json *j, const char *p, size_t n) {
  memset(j, 0, sizeof *j);
  j->base = j->p = p;
  j->end = p + n;
  j->state = ST_VALUE;
}

static sp_json_tok fail(sp_json *j, const char *why) {
  j->err = why;
  j->err_off = (size_t)(j->p - j->base);
  j->state = ST_DONE;
  return SP_JSON_ERR;
}

static void skip_ws(sp_json *j) {
  while (j->p < j->end &&
         (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
    j->p++;
}

/* j->p at the opening quote. */
static bool scan_string(sp_json *j) {
  const char *s = ++j->p;
  bool esc = false;
  while (j->p < j->end) {
    unsigned char c = (unsigned char)*j->p;
    if (c == '"') {
      j->val = sp_str_make(s, (size_t)(j->p - s));
      j->escaped = esc;
      j->p++;
      return true;
    }
    if (c == '\\') {
      esc = true;
      if (j->end - j->p < 2)
        break;
      j->p += 2;
      continue;
    }
    if (c < 0x20) {
      j->err = "control character in string";
      return false;
    }
    j->p++;
  }
  j->err = "unterminated string";
  return false;
}

static bool digits(sp_json *j) {
  const char *s = j->p;
  while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
    j->p++;
  return j->p > s;
}

static bool scan_number(sp_json *j) {
  const char *s = j->p;
  bool is_int = true;
  if (*j->p == '-')
    j->p++;
  if (j->p < j->end && *j->p == '0')
    j->p++;
  else if (!digits(j))
    return false;
  if (j->p < j->end && *j->p == '.') {
    j->p++;
    is_int = false;
    if (!digits(j))
      return false;
  }
  if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
    j->p++;
    is_int = false;
    if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
      j->p++;
    if (!digits(j))
      return false;
  }
  j->val = sp_str_make(s, (size_t)(j->p - s));
  j->num_int = is_int;
  return true;
}

static bool word(sp_json *j, const char *w, size_t n) {
  if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n) != 0)
    return false;
  j->p += n;
  return true;
}

static sp_json_tok push(sp_json *j, bool arr) {
  if (j->depth >= SP_JSON_MAX_DEPTH)
    return fail(j, "nesting too deep");
  if (arr)
    j->arr |= (uint64_t)1 << j->depth;
  else
    j->arr &= ~((uint64_t)1 << j->depth);
  j->depth++;
  j->p++;
  j->state = arr ? ST_ARR_FIRST : ST_OBJ_FIRST;
  return arr ? SP_JSON_ARR : SP_JSON_OBJ;
}

static bool top_is_arr(const sp_json *j) {
  return j->depth > 0 && ((j->arr >> (j->depth - 1)) & 1);
}

static sp_json_tok pop(sp_json *j, bool arr) {
  if (j->depth == 0 || top_is_arr(j) != arr)
    return fail(j, "mismatched bracket");
  j->depth--;
  j->p++;
  j->state = ST_AFTER;
  return arr ? SP_JSON_ARR_END : SP_JSON_OBJ_END;
}

static sp_json_tok value(sp_json *j) {
  if (j->p >= j->end)
    return fail(j, "value expected");
  char c = *j->p;
  if (c == '{')
    return push(j, false);
  if (c == '[')
    return push(j, true);
  j->state = ST_AFTER;
  if (c == '"')
    return scan_string(j) ? SP_JSON_STR : fail(j, j->err);
  if (c == '-' || (c >= '0' && c <= '9'))
    return scan_number(j) ? SP_JSON_NUM : fail(j, "bad number");
  if (word(j, "true", 4))
    return SP_JSON_TRUE;
  if (word(j, "false", 5))
    return SP_JSON_FALSE;
  if (word(j, "null", 4))
    return SP_JSON_NULL;
  return fail(j, "unexpected character");
}

static sp_json_tok key(sp_json *j) {
  if (j->p >= j->end || *j->p != '"')
    return fail(j, "key expected");
  if (!scan_string(j))
    return fail(j, j->err);
  skip_ws(j);
  if (j->p >= j->end || *j->p != ':')
    return fail(j, "':' expected");
  j->p++;
  j->state = ST_VALUE;
  return SP_JSON_KEY;
}

sp_json_tok sp_json_next(sp_json *j) {
  for (;;) {
    skip_ws(j);
    switch (j->state) {
    case ST_DONE:
      return j->err ? SP_JSON_ERR : SP_JSON_END;
    case ST_VALUE:
      return value(j);
    case ST_ARR_FIRST:
      if (j->p < j->end && *j->p == ']')
        return pop(j, true);
      return value(j);
    case ST_OBJ_FIRST:
      if (j->p < j->end && *j->p == '}')
        return pop(j, false);
      return key(j);
    case ST_KEY:
      return key(j);
    case ST_AFTER:
      if (j->depth == 0) {
        if (j->p != j->end)
          return fail(j, "data after the document");
        j->state = ST_DONE;
        return SP_JSON_END;
      }
      if (j->p >= j->end)
        return fail(j, "unexpected end");
      if (*j->p == ',') {
        j->p++;
        j->state = top_is_arr(j) ? ST_VALUE : ST_KEY;
        continue;
      }
      if (*j->p == ']')
        return pop(j, true);
      if (*j->p == '}')
        return pop(j, false);
      return fail(j, "',' or a closing bracket expected");
    default:
      return fail(j, "bad state");
    }
  }
}

static int hex4(const char *p) {
  int v = 0;
  for (int i = 0; i < 4; i++) {
    int c = (unsigned char)p[i], d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
      d = (c | 0x20) - 'a' + 10;
    else
      return -1;
    v = v * 16 + d;
  }
  return v;
}

static size_t put_utf8(char *o, uint32_t cp) {
  if (cp < 0x80) {
    o[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (char)(0xC0 | (cp >> 6));
    o[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (char)(0xE0 | (cp >> 12));
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (char)(0xF0 | (cp >> 18));
  o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  o[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

size_t sp_json_unescape(sp_str raw, char *out, size_t cap) {
  size_t o = 0;
  const char *p = raw.p, *e = raw.p + raw.n;
  while (p < e) {
    if (o >= cap)
      return SIZE_MAX;
    if (*p != '\\') {
      out[o++] = *p++;
      continue;
    }
    if (e - p < 2)
      return SIZE_MAX;
    char c = p[1];
    p += 2;
    switch (c) {
    case '"':
    case '\\':
    case '/':
      out[o++] = c;
      break;
    case 'b':
      out[o++] = '\b';
      break;
    case 'f':
      out[o++] = '\f';
      break;
    case 'n':
      out[o++] = '\n';
      break;
    case 'r':
      out[o++] = '\r';
      break;
    case 't':
      out[o++] = '\t';
      break;
    case 'u': {
      if (e - p < 4)
        return SIZE_MAX;
      int u = hex4(p);
      if (u < 0)
        return SIZE_MAX;
      p += 4;
      uint32_t cp = (uint32_t)u;
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        int lo = (e - p >= 6 && p[0] == '\\' && p[1] == 'u') ? hex4(p + 2) : -1;
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
          p += 6;
        } else {
          cp = 0xFFFD;
        }
      } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        cp = 0xFFFD;
      }
      if (o + 4 > cap)
        return SIZE_MAX;
      o += put_utf8(out + o, cp);
      break;
    }
    default:
      return SIZE_MAX;
    }
  }
  return o;
}

bool sp_json_flatten(const char *p, size_t n, char *pathbuf, size_t cap,
                     sp_json_leaf_fn leaf, void *user, const char **err,
                     size_t *err_off) {
  sp_json j;
  sp_json_init(&j, p, n);
  size_t plen[SP_JSON_MAX_DEPTH + 1]; /* path length at each depth */
  size_t cur = 0;                     /* current path length */
  sp_json_tok t = sp_json_next(&j);
  if (t != SP_JSON_OBJ) {
    *err = t == SP_JSON_ERR ? j.err : "not a JSON object";
    *err_off = t == SP_JSON_ERR ? j.err_off : 0;
    return false;
  }
  plen[1] = 0;
  while ((t = sp_json_next(&j)) != SP_JSON_END) {
    switch (t) {
    case SP_JSON_ERR:
      *err = j.err;
      *err_off = j.err_off;
      return false;
    case SP_JSON_KEY: {
      size_t base = plen[j.depth];
      size_t need = base + (base ? 1 : 0) + j.val.n;
      if (need > cap) {
        *err = "key path too long";
        *err_off = (size_t)(j.p - p);
        return false;
      }
      cur = base;
      if (base)
        pathbuf[cur++] = '.';
      if (j.escaped) {
        size_t m = sp_json_unescape(j.val, pathbuf + cur, cap - cur);
        if (m == SIZE_MAX) {
          *err = "bad escape in key";
          *err_off = (size_t)(j.p - p);
          return false;
        }
        cur += m;
      } else {
        memcpy(pathbuf + cur, j.val.p, j.val.n);
        cur += j.val.n;
      }
      break;
    }
    case SP_JSON_OBJ:
    case SP_JSON_ARR:
      plen[j.depth] = cur; /* children extend the current path */
      break;
    case SP_JSON_OBJ_END:
    case SP_JSON_ARR_END:
      cur = plen[j.depth + 1];
      if (j.depth >= 1 && top_is_arr(&j))
        cur = plen[j.depth];
      break;
    default: /* a scalar */
      leaf(user, pathbuf, cur, t, &j);
      if (j.depth >= 1 && top_is_arr(&j))
        cur = plen[j.depth];
      break;
    }
  }
  return true;
}
