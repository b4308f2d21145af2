/*
 * source.c - plain and gzip file streams (see source.h). Owns the file
 * descriptor, the compressed input block and the zlib state.
 *
 * A gzip file is read in phases: GZ_MEMBER (inflating a member), GZ_NEXT
 * (a member ended: another one, or the tail?), GZ_TAIL_ZEROS (skipping zero
 * padding), GZ_TAIL_PLAIN (copying the remaining bytes as they are) and
 * GZ_END. zs.next_in/avail_in always hold the unread part of s->in, and
 * in_offset is the file offset of zs.next_in.
 */
#include "walk/source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

typedef enum gz_phase {
  GZ_MEMBER,
  GZ_NEXT,
  GZ_TAIL_ZEROS,
  GZ_TAIL_PLAIN,
  GZ_END
} gz_phase;

struct sp_source {
  int fd;
  bool gz, eof;
  gz_phase phase;
  bool last_nl; /* the last inflated byte was '\n' (or none yet) */
  bool need_nl; /* insert '\n' before the plain tail */
  z_stream zs;
  unsigned char *in;
  uint64_t in_offset; /* compressed bytes consumed so far */
  bool is_mem;        /* memory source (tests, fuzzers): no fd */
  const char *mem;
  size_t mem_len, mem_pos;
  uint64_t out_bytes; /* (decompressed) bytes delivered so far */
  sp_source_info info;
  char note[192];
};

static ssize_t read_full(int fd, void *buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, (char *)buf + got, n - got);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      /* Keep what was read; the error comes back on the next call. */
      return got ? (ssize_t)got : -1;
    }
    if (r == 0)
      break;
    got += (size_t)r;
  }
  return (ssize_t)got;
}

sp_err sp_source_open(const char *path, sp_source **out, char *msg,
                      size_t cap) {
  *out = NULL;
  sp_source *s = calloc(1, sizeof *s);
  if (!s)
    return SP_ENOMEM;
  s->fd = open(path, O_RDONLY | O_CLOEXEC);
  if (s->fd < 0) {
    snprintf(msg, cap, "cannot open: %s", strerror(errno));
    free(s);
    return errno == ENOENT ? SP_ENOENT : SP_EIO;
  }
  unsigned char magic[2];
  ssize_t r = pread(s->fd, magic, 2, 0);
  if (r == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
    s->gz = true;
    s->info.gzip = true;
    s->last_nl = true;
    s->phase = GZ_MEMBER;
    s->in = malloc(SP_SOURCE_BLOCK);
    if (!s->in || inflateInit2(&s->zs, 15 + 16) != Z_OK) {
      sp_source_close(s);
      return SP_ENOMEM;
    }
  }
  *out = s;
  return SP_OK;
}

sp_err sp_source_open_raw(const char *path, sp_source **out, char *msg,
                          size_t cap) {
  *out = NULL;
  sp_source *s = calloc(1, sizeof *s);
  if (!s)
    return SP_ENOMEM;
  s->fd = open(path, O_RDONLY | O_CLOEXEC);
  if (s->fd < 0) {
    int err = errno;
    snprintf(msg, cap, "cannot open: %s", strerror(err));
    free(s);
    return err == ENOENT ? SP_ENOENT : SP_EIO;
  }
  *out = s;
  return SP_OK;
}

/* Move the unread input to the start of s->in and read more after it.
 * Returns the bytes read: 0 at the end of the file, -1 on a read error. */
static ssize_t more_input(sp_source *s) {
  size_t keep = s->zs.avail_in;
  if (keep && s->zs.next_in != s->in)
    memmove(s->in, s->zs.next_in, keep);
  ssize_t r = read_full(s->fd, s->in + keep, SP_SOURCE_BLOCK - keep);
  s->zs.next_in = s->in;
  s->zs.avail_in = (uInt)(keep + (r > 0 ? (size_t)r : 0));
  return r;
}

static void skip_input(sp_source *s, size_t n) {
  s->zs.next_in += n;
  s->zs.avail_in -= (uInt)n;
  s->in_offset += n;
}

static void finish_note(sp_source *s) {
  const sp_source_info *i = &s->info;
  if (i->tail_plain_bytes)
    snprintf(s->note, sizeof s->note,
             "%llu bytes of non-gzip data after the gzip stream at offset "
             "%llu were read as plain text",
             (unsigned long long)i->tail_plain_bytes,
             (unsigned long long)i->tail_offset);
}

/* One step of inflating a member into buf[*o..cap). */
static sp_err inflate_step(sp_source *s, char *buf, size_t cap, size_t *o,
                           char *msg, size_t mcap) {
  size_t room = cap - *o;
  s->zs.next_out = (unsigned char *)buf + *o;
  s->zs.avail_out = (uInt)(room > UINT32_MAX ? UINT32_MAX : room);
  uInt in_before = s->zs.avail_in, out_before = s->zs.avail_out;
  int z = inflate(&s->zs, Z_NO_FLUSH);
  s->in_offset += in_before - s->zs.avail_in;
  size_t made = out_before - s->zs.avail_out;
  if (made)
    s->last_nl = buf[*o + made - 1] == '\n';
  *o += made;
  if (z == Z_STREAM_END) {
    s->info.members++;
    s->phase = GZ_NEXT;
  } else if (z != Z_OK && z != Z_BUF_ERROR) {
    s->phase = GZ_END;
    snprintf(msg, mcap, "corrupt gzip data at compressed offset %llu: %s",
             (unsigned long long)s->in_offset,
             s->zs.msg ? s->zs.msg : "inflate error");
    return SP_EFORMAT;
  }
  return SP_OK;
}

static sp_err read_gz(sp_source *s, char *buf, size_t cap, size_t *got,
                      char *msg, size_t mcap) {
  size_t o = 0;
  sp_err e = SP_OK;
  while (o < cap && s->phase != GZ_END && e == SP_OK) {
    /* A member's magic needs two bytes; everything else one. */
    size_t want = s->phase == GZ_NEXT ? 2 : 1;
    if (s->zs.avail_in < want) {
      ssize_t r = more_input(s);
      if (r < 0) {
        snprintf(msg, mcap, "read error: %s", strerror(errno));
        e = SP_EIO;
        break;
      }
      if (r == 0 && s->zs.avail_in == 0) { /* end of file */
        if (s->phase == GZ_MEMBER) {
          /* inflate may still hold output for input it already took (the
             rest of a match when the last read filled its buffer): let it
             write that out before calling the stream truncated. */
          size_t before = o;
          e = inflate_step(s, buf, cap, &o, msg, mcap);
          if (e != SP_OK)
            break;
          if (s->phase != GZ_MEMBER || o > before)
            continue;
          snprintf(msg, mcap, "truncated gzip stream at compressed offset %llu",
                   (unsigned long long)s->in_offset);
          e = SP_ETRUNCATED;
        }
        s->phase = GZ_END;
        break;
      }
    }
    switch (s->phase) {
    case GZ_MEMBER:
      e = inflate_step(s, buf, cap, &o, msg, mcap);
      break;
    case GZ_NEXT:
      if (s->zs.avail_in >= 2 && s->zs.next_in[0] == 0x1f &&
          s->zs.next_in[1] == 0x8b) {
        if (inflateReset(&s->zs) != Z_OK) {
          s->phase = GZ_END;
          break;
        }
        s->phase = GZ_MEMBER;
      } else {
        s->phase = GZ_TAIL_ZEROS;
      }
      break;
    case GZ_TAIL_ZEROS: {
      size_t z = 0;
      while (z < s->zs.avail_in && s->zs.next_in[z] == 0)
        z++;
      s->info.tail_zero_bytes += z;
      skip_input(s, z);
      if (s->zs.avail_in) {
        s->info.tail_offset = s->in_offset;
        s->need_nl = !s->last_nl;
        s->phase = GZ_TAIL_PLAIN;
      }
      break;
    }
    case GZ_TAIL_PLAIN: {
      if (s->need_nl) {
        buf[o++] = '\n';
        s->need_nl = false;
        break;
      }
      size_t k = s->zs.avail_in < cap - o ? s->zs.avail_in : cap - o;
      memcpy(buf + o, s->zs.next_in, k);
      o += k;
      s->info.tail_plain_bytes += k;
      skip_input(s, k);
      break;
    }
    case GZ_END:
      break;
    }
  }
  if (s->phase == GZ_END)
    finish_note(s);
  *got = o;
  return e;
}

sp_err sp_source_open_mem(const char *buf, size_t len, sp_source **out) {
  *out = NULL;
  sp_source *s = calloc(1, sizeof *s);
  if (!s)
    return SP_ENOMEM;
  s->fd = -1;
  s->is_mem = true;
  s->mem = buf;
  s->mem_len = len;
  *out = s;
  return SP_OK;
}

static sp_err source_read(sp_source *s, char *buf, size_t cap, size_t *got,
                          char *msg, size_t mcap) {
  *got = 0;
  if (s->is_mem) {
    size_t n = s->mem_len - s->mem_pos;
    if (n > cap)
      n = cap;
    if (n)
      memcpy(buf, s->mem + s->mem_pos, n);
    s->mem_pos += n;
    *got = n;
    return SP_OK;
  }
  if (s->gz)
    return read_gz(s, buf, cap, got, msg, mcap);
  if (s->eof)
    return SP_OK;
  ssize_t r = read_full(s->fd, buf, cap);
  if (r < 0) {
    snprintf(msg, mcap, "read error: %s", strerror(errno));
    return SP_EIO;
  }
  if (r == 0)
    s->eof = true;
  *got = (size_t)r;
  return SP_OK;
}

sp_err sp_source_read(sp_source *s, char *buf, size_t cap, size_t *got,
                      char *msg, size_t mcap) {
  sp_err e = source_read(s, buf, cap, got, msg, mcap);
  s->out_bytes += *got;
  return e;
}

uint64_t sp_source_bytes(const sp_source *s) { return s->out_bytes; }

const char *sp_source_note(const sp_source *s) {
  return s && s->note[0] ? s->note : NULL;
}

void sp_source_get_info(const sp_source *s, sp_source_info *out) {
  *out = s->info;
}

void sp_source_close(sp_source *s) {
  if (!s)
    return;
  if (s->gz)
    inflateEnd(&s->zs);
  if (s->fd >= 0)
    close(s->fd);
  free(s->in);
  free(s);
}
