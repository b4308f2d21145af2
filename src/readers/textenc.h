/*
 * textenc.h - text encoding detection and an incremental decoder to UTF-8,
 * so logs written as UTF-16 (PowerShell's Out-File default, some export
 * tools) or preceded by NUL padding (a pre-allocated file after a crash) reach
 * the line splitter as the same UTF-8 text a plain log would be.
 *
 * Detection looks at the first bytes: a byte order mark (UTF-8 EF BB BF,
 * UTF-16LE FF FE, UTF-16BE FE FF) decides; without one, text whose code
 * units are mostly ASCII with a NUL high byte is taken for BOM-less UTF-16
 * (see sp_textenc_detect). Anything else is "plain": UTF-8, ASCII or an
 * 8-bit code page, passed through byte for byte (invalid UTF-8 is left for
 * the line splitter and readers to count, as before).
 *
 * The decoder (sp_textdec) is a small value object with no heap memory. It
 * converts block by block: a UTF-16 code unit or a surrogate pair split
 * across blocks is completed by the next block. Unpaired surrogates and a
 * final odd byte become U+FFFD and are counted. Output never exceeds the
 * caller's capacity; input that does not fit is left unconsumed.
 *
 * Worst-case expansion: a UTF-16 code unit (2 bytes) becomes at most 3 UTF-8
 * bytes, a surrogate pair (4 bytes) exactly 4, and a pending half unit or
 * high surrogate from the previous block adds at most 6 more. So
 * SP_TEXTDEC_BOUND(n) bytes of output always take all n input bytes; in auto
 * mode the bound includes the detection window held back from earlier calls.
 *
 * Typical use, in front of the line splitter: sp_textdec_init(&d,
 * SP_TEXTENC_AUTO, SP_TEXTDEC_SKIP_NUL); feed each source block with an
 * output buffer of SP_TEXTDEC_BOUND(block size); sp_textdec_finish at the
 * end; report d.nul_skipped ("skipped N leading NUL bytes") and
 * d.invalid_units. Line numbers are unchanged by decoding, but byte offsets
 * then count decoded UTF-8 bytes, not file bytes (for UTF-16 or NUL padding
 * they differ).
 */
#ifndef SP_READERS_TEXTENC_H
#define SP_READERS_TEXTENC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum sp_textenc {
  SP_TEXTENC_AUTO = 0, /* decoder only: decide from the first bytes */
  SP_TEXTENC_PLAIN,    /* no byte order mark: passed through unchanged */
  SP_TEXTENC_UTF8,     /* UTF-8 with a byte order mark (dropped) */
  SP_TEXTENC_UTF16LE,
  SP_TEXTENC_UTF16BE,
} sp_textenc;

/* "plain", "utf-8", "utf-16le", "utf-16be" ("auto" for SP_TEXTENC_AUTO). */
const char *sp_textenc_name(sp_textenc enc);

/* Bytes the detector wants to see after any leading NUL bytes. */
#define SP_TEXTENC_WINDOW 512u

/* Detect the encoding of a stream from its first len bytes.
 * *nul:  the number of leading NUL bytes (padding, to be skipped and noted:
 *        "skipped 8192 leading NUL bytes"); len when buf is all NUL.
 * *skip: where the text starts: *nul plus the byte order mark, if any. For
 *        BOM-less UTF-16BE after an odd number of NUL bytes, the last NUL is
 *        the high byte of the first character, so *skip = *nul - 1.
 * Either pointer may be NULL. The heuristic for BOM-less UTF-16 looks at up
 * to SP_TEXTENC_WINDOW bytes after the NULs: at least 4 code units, of which
 * at least 3 in 4 are printable ASCII, tab, CR or LF with a NUL high byte.
 * Which byte of the unit is NUL gives the byte order; after a run of
 * leading NULs the text always starts with the non-NUL byte, so an odd run
 * means UTF-16BE that lost its first high byte to the padding. */
sp_textenc sp_textenc_detect(const uint8_t *buf, size_t len, size_t *skip,
                             size_t *nul);

/* Decoder flag: drop NUL bytes (NUL code units for UTF-16) at the start of
 * the stream, counting them in nul_skipped, until the first non-NUL. */
#define SP_TEXTDEC_SKIP_NUL 1u

/* Output capacity that guarantees sp_textdec_feed consumes all n bytes. */
#define SP_TEXTDEC_BOUND(n)                                                    \
  (3u * ((n) / 2u) + 3u * SP_TEXTENC_WINDOW / 2u + 16u)
/* Output capacity sp_textdec_finish may need. */
#define SP_TEXTDEC_FINISH_MAX (3u * SP_TEXTENC_WINDOW / 2u + 16u)
/* Smallest capacity with which every feed call makes progress. */
#define SP_TEXTDEC_MIN_CAP 8u

typedef struct sp_textdec {
  sp_textenc enc;                  /* the encoding in use; AUTO until decided */
  unsigned flags;                  /* SP_TEXTDEC_* */
  bool lead;                       /* still inside the leading NUL run */
  uint8_t hold[SP_TEXTENC_WINDOW]; /* auto mode: bytes not yet decided,
                                      then bytes not yet output */
  size_t nhold, hold_off;
  uint8_t half; /* first byte of a UTF-16 unit split across blocks */
  bool has_half;
  uint16_t high; /* high surrogate waiting for its low half */
  bool has_high;
  bool bom; /* the encoding was decided by a byte order mark */
  /* Counters, for the coverage report. */
  uint64_t nul_skipped;   /* leading NUL bytes dropped */
  uint64_t invalid_units; /* unpaired surrogates and odd final bytes, each
                             written as U+FFFD */
} sp_textdec;

/* Start decoding a stream in encoding enc (SP_TEXTENC_AUTO: detect it from
 * the first SP_TEXTENC_WINDOW bytes after any leading NULs, holding them back
 * until then, and drop a byte order mark). A fixed enc, as chosen by
 * sp_textenc_detect, is given the stream from its *skip: the decoder does
 * not look for a BOM then. flags: 0 or SP_TEXTDEC_SKIP_NUL. */
void sp_textdec_init(sp_textdec *d, sp_textenc enc, unsigned flags);

/* Convert up to n bytes of in into UTF-8 at out (at most cap bytes) and
 * return the number of bytes written. *consumed is how much of in was used;
 * the caller passes the rest again. With cap >= SP_TEXTDEC_BOUND(n) all of
 * in is consumed; with cap >= SP_TEXTDEC_MIN_CAP at least some progress is
 * made whenever there is input or held data to write. UTF-16 output is
 * always valid UTF-8 (NUL code units are written as NUL bytes). */
size_t sp_textdec_feed(sp_textdec *d, const uint8_t *in, size_t n, char *out,
                       size_t cap, size_t *consumed);

/* End of stream: decide the encoding if still undecided, write what is held
 * back, a pending high surrogate or odd final byte as U+FFFD. Returns bytes
 * written (at most cap; cap >= SP_TEXTDEC_FINISH_MAX always suffices; with
 * less, call again until it returns 0). */
size_t sp_textdec_finish(sp_textdec *d, char *out, size_t cap);

#endif
