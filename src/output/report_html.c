/*
 * report_html.c - report.html: one self-contained HTML file an analyst opens
 * offline (an air-gapped analysis machine): the incidents with their
 * narratives and an SVG timeline each, an SVG chart of the evidence
 * coverage per source (so gaps in the logs show), and the findings in a
 * table that inline JavaScript sorts and filters.
 *
 * Safety: evidence is attacker-controlled. Every string from the result goes
 * through sp_html_text (text and quoted attribute values alike); the page is
 * rendered here, in C, and the script only moves and hides existing rows
 * (textContent, never innerHTML). A Content-Security-Policy meta allows
 * nothing but the one inline style sheet and the one inline script, by
 * their SHA-256 hashes: no network, no other script, even if some markup
 * got through.
 *
 * Owns nothing: writes to the caller's FILE.
 */
#include "output/escape.h"
#include "spoor/spoor.h"

#include <inttypes.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <string.h>

/* Findings in the table and marks per incident timeline and coverage rows:
 * the page says when it shows fewer than there are. */
#define TABLE_MAX 20000
#define MARKS_MAX 400
#define COV_FILES_MAX 5000

static const char STYLE[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:0 2em 2em;color:#222}"
    "h1{font-size:1.5em}h2{margin-top:2em;border-bottom:1px solid #ccc}"
    "h3{margin:1.2em 0 .3em}.meta{color:#555}"
    ".lv{font-weight:bold;padding:0 .4em;border-radius:3px;color:#fff}"
    ".critical{background:#8b0000}.high{background:#d62728}"
    ".medium{background:#e08a00}.low{background:#1f77b4}.info{background:#777}"
    ".story{white-space:pre-wrap;font-family:monospace;background:#f6f6f6;"
    "padding:.5em;border-left:3px solid #999}"
    ".ent{font-family:monospace;word-break:break-all}"
    "svg{display:block;max-width:100%;height:auto}"
    "svg text{font:11px sans-serif;fill:#333}"
    ".grid{stroke:#ddd}.axis{stroke:#888}.bar{fill:#4c78a8}"
    ".bad{fill:#d62728}.c-critical{fill:#8b0000;stroke:#8b0000}"
    ".c-high{fill:#d62728;stroke:#d62728}.c-medium{fill:#e08a00;"
    "stroke:#e08a00}.c-low{fill:#1f77b4;stroke:#1f77b4}"
    ".c-info{fill:#777;stroke:#777}"
    "table{border-collapse:collapse;width:100%;font-size:12px}"
    "th,td{border:1px solid #ddd;padding:2px 4px;vertical-align:top;"
    "text-align:left}th{background:#eee;cursor:pointer;user-select:none}"
    "td.mono{font-family:monospace;word-break:break-all}"
    ".controls{margin:.5em 0}.note{color:#8b0000}";

/* Sorts on a header click (numbers by data-v), filters rows by text and
 * minimum level. Touches only textContent, hidden and row order. */
static const char SCRIPT[] =
    "(function(){'use strict';"
    "var t=document.getElementById('findings');if(!t)return;"
    "var tb=t.tBodies[0],rows=Array.prototype.slice.call(tb.rows);"
    "var q=document.getElementById('q'),lv=document.getElementById('lv'),"
    "shown=document.getElementById('shown');"
    "function apply(){var s=q.value.toLowerCase(),m=+lv.value,n=0;"
    "rows.forEach(function(r){var ok=+r.getAttribute('data-sev')>=m&&"
    "(!s||r.textContent.toLowerCase().indexOf(s)>=0);r.hidden=!ok;"
    "if(ok)n++;});shown.textContent=n+' of '+rows.length+' shown';}"
    "q.addEventListener('input',apply);lv.addEventListener('change',apply);"
    "var dir=[];Array.prototype.forEach.call(t.tHead.rows[0].cells,"
    "function(th,i){th.addEventListener('click',function(){"
    "var d=dir[i]=dir[i]===1?-1:1,num=th.getAttribute('data-num')==='1';"
    "function key(r){var c=r.cells[i];var v=c.getAttribute('data-v');"
    "return v===null?c.textContent:v;}"
    "rows.sort(function(a,b){var x=key(a),y=key(b);"
    "if(num)return(+x-+y)*d;return x<y?-d:x>y?d:0;});"
    "rows.forEach(function(r){tb.appendChild(r);});});});"
    "document.body.setAttribute('data-ready','1');apply();})();";

static void h(FILE *out, const char *s) {
  if (s)
    sp_html_text(out, s, strlen(s));
}

/* Multi-line text (a narrative): each line escaped, the line breaks kept
 * for white-space: pre-wrap. */
static void h_lines(FILE *out, const char *s) {
  while (s && *s) {
    const char *nl = strchr(s, '\n');
    size_t n = nl ? (size_t)(nl - s) : strlen(s);
    sp_html_text(out, s, n);
    if (!nl)
      break;
    fputc('\n', out);
    s = nl + 1;
  }
}

/* 'sha256-BASE64' of a text, for the CSP. */
static void csp_hash(FILE *out, const char *text) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  unsigned char b64[100];
  if (!EVP_Digest(text, strlen(text), md, &len, EVP_sha256(), NULL) ||
      len != 32) {
    fputs("'none'", out);
    return;
  }
  EVP_EncodeBlock(b64, md, (int)len);
  fprintf(out, "'sha256-%s'", b64);
}

static void put_time(FILE *out, int64_t ns) {
  char t[40];
  sp_format_time(ns, t, sizeof t);
  fputs(t[0] ? t : "-", out);
}

/* Findings whose time is a file's modification time, not a log record's. */
static bool file_dated(const sp_finding *f) {
  return sp_finding_file_time(f) != 0;
}

static const char *lv(sp_level l) { return sp_level_name(l); }

/* ---- SVG time axis ---------------------------------------------------- */

typedef struct axis {
  int64_t t0, t1;   /* time range shown */
  double x0, width; /* plot area in SVG units */
} axis;

static double ax_x(const axis *a, int64_t t) {
  if (a->t1 <= a->t0)
    return a->x0 + a->width / 2;
  return a->x0 + a->width * ((double)(t - a->t0) / (double)(a->t1 - a->t0));
}

/* Widen a zero or tiny range so marks do not sit on top of each other. */
static void ax_fix(axis *a) {
  if (a->t1 - a->t0 < 60 * 1000000000LL) {
    a->t0 -= 30 * 1000000000LL;
    a->t1 += 30 * 1000000000LL;
  }
}

static void ax_draw(FILE *out, const axis *a, double y_top, double y_axis) {
  fprintf(out,
          "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
          "y2=\"%.1f\"/>",
          a->x0, y_axis, a->x0 + a->width, y_axis);
  for (int i = 0; i <= 4; i++) {
    int64_t t = a->t0 + (int64_t)((double)(a->t1 - a->t0) * i / 4.0);
    double x = ax_x(a, t);
    char buf[40];
    sp_format_time(t, buf, sizeof buf);
    buf[16] = 0; /* YYYY-MM-DDTHH:MM */
    fprintf(out,
            "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
            "y2=\"%.1f\"/><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">%s"
            "</text>",
            x, y_top, x, y_axis, x, y_axis + 14,
            i == 0   ? "start"
            : i == 4 ? "end"
                     : "middle",
            buf);
  }
}

/* ---- incidents ---------------------------------------------------------- */

static void incident_timeline(FILE *out, const sp_result *res,
                              const sp_incident *in) {
  axis a = {.t0 = INT64_MAX, .t1 = INT64_MIN, .x0 = 260, .width = 680};
  size_t n = in->n_findings < MARKS_MAX ? in->n_findings : MARKS_MAX;
  for (size_t j = 0; j < n; j++) {
    const sp_finding *f = sp_result_finding(res, in->findings[j]);
    if (f->first_ns == INT64_MIN)
      continue;
    if (f->first_ns < a.t0)
      a.t0 = f->first_ns;
    int64_t l = f->last_ns != INT64_MIN ? f->last_ns : f->first_ns;
    if (l > a.t1)
      a.t1 = l;
  }
  if (a.t0 == INT64_MAX)
    return; /* no timed finding */
  ax_fix(&a);
  double row = 16, top = 6;
  double y_axis = top + row * (double)n + 4;
  fprintf(out,
          "<svg class=\"timeline\" viewBox=\"0 0 960 %.0f\" width=\"960\" "
          "height=\"%.0f\" role=\"img\"><title>timeline</title>",
          y_axis + 20, y_axis + 20);
  ax_draw(out, &a, top, y_axis);
  for (size_t j = 0; j < n; j++) {
    const sp_finding *f = sp_result_finding(res, in->findings[j]);
    double y = top + row * (double)j + row / 2;
    char label[48];
    snprintf(label, sizeof label, "%.40s", f->rule_id);
    fprintf(out, "<text x=\"4\" y=\"%.1f\">", y + 4);
    h(out, label);
    if (strlen(f->rule_id) > 40)
      fputs("\xe2\x80\xa6", out);
    fputs("</text>", out);
    if (f->first_ns == INT64_MIN)
      continue;
    int64_t l = f->last_ns != INT64_MIN ? f->last_ns : f->first_ns;
    double x1 = ax_x(&a, f->first_ns), x2 = ax_x(&a, l);
    fprintf(out, "<g class=\"c-%s\"><title>", lv(f->level));
    h(out, lv(f->level));
    fputs(" ", out);
    h(out, f->rule_name);
    fputs(": ", out);
    put_time(out, f->first_ns);
    if (l > f->first_ns) {
      fputs(" .. ", out);
      put_time(out, l);
    }
    if (file_dated(f))
      fputs(" (file modification time)", out);
    fputs("</title>", out);
    if (x2 - x1 >= 1)
      fprintf(out,
              "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
              "stroke-width=\"3\"/>",
              x1, y, x2, y);
    if (file_dated(f)) /* a file time: a diamond, not a log mark */
      fprintf(out,
              "<path d=\"M%.1f %.1fl5 5l-5 5l-5 -5z\"/>"
              "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"1\"/>",
              x1, y - 5, x2, y);
    else
      fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\"/>", x1, y);
    fputs("</g>", out);
  }
  fputs("</svg>\n", out);
  if (in->n_findings > n)
    fprintf(out,
            "<p class=\"note\">The timeline shows the first %zu of %zu "
            "findings.</p>\n",
            n, in->n_findings);
}

static void write_incidents(FILE *out, const sp_result *res) {
  size_t n = sp_result_incident_count(res);
  fprintf(out, "<h2 id=\"incidents\">Incidents (%zu)</h2>\n", n);
  if (!n)
    fputs("<p>No incident: no findings were linked.</p>\n", out);
  for (size_t i = 0; i < n; i++) {
    const sp_incident *in = sp_result_incident(res, i);
    fprintf(out, "<section class=\"incident\" id=\"incident-%zu\">", i + 1);
    fprintf(out,
            "<h3><span class=\"lv %s\">%s</span> Incident %zu <span "
            "class=\"ent\">",
            lv(in->level), lv(in->level), i + 1);
    h(out, in->id);
    fputs("</span></h3>\n<p class=\"meta\">First evidence ", out);
    put_time(out, in->first_ns);
    fputs(", last evidence ", out);
    put_time(out, in->last_ns);
    fprintf(out, ", dwell %.2f days, %zu findings", in->dwell_days,
            in->n_findings);
    if (in->exposed_from_ns != INT64_MIN) {
      fputs(", exposed ", out);
      put_time(out, in->exposed_from_ns);
      fputs(" .. ", out);
      put_time(out, in->exposed_to_ns);
    }
    fputs("</p>\n", out);
    if (in->n_tactics) {
      fputs("<p>Tactics: ", out);
      for (size_t k = 0; k < in->n_tactics; k++) {
        if (k)
          fputs(" &rarr; ", out);
        h(out, in->tactics[k]);
      }
      fputs("</p>\n", out);
    }
    fputs("<ul>", out);
    for (int k = 0; k < SP_IENT__COUNT; k++) {
      if (!in->n_entities[k])
        continue;
      fputs("<li>", out);
      h(out, sp_ient_name((sp_ient)k));
      fputs(": <span class=\"ent\">", out);
      for (size_t e = 0; e < in->n_entities[k]; e++) {
        if (e)
          fputs(", ", out);
        h(out, in->entities[k][e]);
      }
      fputs("</span></li>", out);
    }
    fputs("</ul>\n<div class=\"story\">", out);
    h_lines(out, in->summary);
    fputs("</div>\n", out);
    incident_timeline(out, res, in);
    fputs("</section>\n", out);
  }
}

/* ---- coverage ----------------------------------------------------------- */

static void write_coverage(FILE *out, const sp_result *res) {
  size_t ns = sp_result_source_count(res), nf = sp_result_file_count(res);
  fputs("<h2 id=\"coverage\">Evidence coverage</h2>\n", out);
  axis a = {.t0 = INT64_MAX, .t1 = INT64_MIN, .x0 = 200, .width = 740};
  for (size_t i = 0; i < ns; i++) {
    const sp_source_cov *s = sp_result_source(res, i);
    if (s->first_ns == INT64_MIN)
      continue;
    if (s->first_ns < a.t0)
      a.t0 = s->first_ns;
    if (s->last_ns > a.t1)
      a.t1 = s->last_ns;
  }
  if (a.t0 != INT64_MAX) {
    ax_fix(&a);
    fputs("<p>Each row is one source; each bar one file, from its first to "
          "its last event. Gaps between bars are periods no evidence of "
          "that source covers.</p>\n",
          out);
    size_t rows = 0;
    for (size_t i = 0; i < ns; i++)
      rows += sp_result_source(res, i)->first_ns != INT64_MIN;
    double row = 22, top = 6, y_axis = top + row * (double)rows + 4;
    fprintf(out,
            "<svg class=\"coverage\" viewBox=\"0 0 960 %.0f\" width=\"960\" "
            "height=\"%.0f\" role=\"img\"><title>coverage</title>",
            y_axis + 20, y_axis + 20);
    ax_draw(out, &a, top, y_axis);
    size_t r = 0, drawn = 0;
    for (size_t i = 0; i < ns; i++) {
      const sp_source_cov *s = sp_result_source(res, i);
      if (s->first_ns == INT64_MIN)
        continue;
      double y = top + row * (double)r++;
      fprintf(out, "<text x=\"4\" y=\"%.1f\">", y + 14);
      h(out, s->source);
      fputs("</text>", out);
      for (size_t k = 0; k < nf; k++) {
        const sp_file_cov *f = sp_result_file(res, k);
        if (f->first_ns == INT64_MIN || strcmp(f->source, s->source) != 0)
          continue;
        if (drawn++ >= COV_FILES_MAX)
          break;
        double x1 = ax_x(&a, f->first_ns), x2 = ax_x(&a, f->last_ns);
        fprintf(out,
                "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                "height=\"%.0f\"><title>",
                f->malformed || f->error ? "bad" : "bar", x1, y + 3,
                x2 - x1 < 2 ? 2 : x2 - x1, row - 6);
        h(out, f->path);
        fputs(": ", out);
        put_time(out, f->first_ns);
        fputs(" .. ", out);
        put_time(out, f->last_ns);
        fprintf(out, ", %" PRIu64 " events", f->events);
        if (f->malformed)
          fprintf(out, ", %" PRIu64 " malformed", f->malformed);
        fputs("</title></rect>", out);
      }
    }
    fputs("</svg>\n", out);
    if (drawn > COV_FILES_MAX)
      fprintf(out,
              "<p class=\"note\">The chart shows the first %d files; "
              "coverage.json lists them all.</p>\n",
              COV_FILES_MAX);
  } else {
    fputs("<p>No evidence carried a time.</p>\n", out);
  }
  fputs("<table class=\"sources\"><thead><tr><th>source</th><th>files</th>"
        "<th>bytes</th><th>events</th><th>malformed</th><th>first</th>"
        "<th>last</th></tr></thead><tbody>\n",
        out);
  for (size_t i = 0; i < ns; i++) {
    const sp_source_cov *s = sp_result_source(res, i);
    fputs("<tr><td>", out);
    h(out, s->source);
    fprintf(out,
            "</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td><td>%" PRIu64
            "</td><td>%" PRIu64 "</td><td>",
            s->files, s->bytes, s->events, s->malformed);
    put_time(out, s->first_ns);
    fputs("</td><td>", out);
    put_time(out, s->last_ns);
    fputs("</td></tr>\n", out);
  }
  fputs("</tbody></table>\n", out);
  size_t nl = sp_result_limit_count(res);
  if (nl || sp_result_problems(res)) {
    fprintf(out,
            "<p class=\"note\">%" PRIu64 " problems (malformed lines, "
            "unreadable or unidentified files); %zu limits reached.</p>",
            sp_result_problems(res), nl);
    fputs("<ul>", out);
    for (size_t i = 0; i < nl; i++) {
      const sp_limit *l = sp_result_limit(res, i);
      fputs("<li>", out);
      h(out, l->name);
      fprintf(out, " %" PRIu64 " ", l->count);
      h(out, l->detail);
      fputs("</li>", out);
    }
    fputs("</ul>\n", out);
  }
}

/* ---- findings table ----------------------------------------------------- */

static void evidence_ref(FILE *out, const sp_evidence_ref *r) {
  static const char *const kinds[] = {":", " record ", " offset ", " packet "};
  h(out, r->path);
  fprintf(out, "%s%" PRIu64, kinds[r->kind % 4], r->where);
}

static void write_findings(FILE *out, const sp_result *res) {
  size_t n = sp_result_finding_count(res);
  fprintf(out, "<h2 id=\"findings-h\">Findings (%zu)</h2>\n", n);
  fputs("<div class=\"controls\"><label>Filter <input id=\"q\" "
        "type=\"search\" size=\"40\"></label> <label>Level at least "
        "<select id=\"lv\"><option value=\"0\">info</option>"
        "<option value=\"30\">low</option><option value=\"50\">medium"
        "</option><option value=\"70\">high</option><option value=\"90\">"
        "critical</option></select></label> <span id=\"shown\"></span>"
        " &mdash; click a column header to sort.</div>\n",
        out);
  if (n > TABLE_MAX)
    fprintf(out,
            "<p class=\"note\">The table shows the first %d of %zu findings; "
            "findings.jsonl holds them all.</p>\n",
            TABLE_MAX, n);
  fputs("<table id=\"findings\"><thead><tr><th data-num=\"1\">level</th>"
        "<th>first evidence (UTC)</th><th>last evidence</th>"
        "<th data-num=\"1\">count</th><th>rule</th><th>entities</th>"
        "<th>evidence</th><th>reason</th><th>id</th></tr></thead><tbody>\n",
        out);
  for (size_t i = 0; i < n && i < TABLE_MAX; i++) {
    const sp_finding *f = sp_result_finding(res, i);
    int sev = sp_level_severity(f->level);
    fprintf(out,
            "<tr data-sev=\"%d\"><td data-v=\"%d\"><span class=\"lv %s\">%s"
            "</span></td><td>",
            sev, sev, lv(f->level), lv(f->level));
    put_time(out, f->first_ns);
    if (file_dated(f))
      fputs(" (file mtime)", out);
    fputs("</td><td>", out);
    put_time(out, f->last_ns);
    fprintf(out, "</td><td data-v=\"%" PRIu64 "\">%" PRIu64 "</td><td>",
            f->count, f->count);
    h(out, f->rule_name);
    fputs("<br><span class=\"ent\">", out);
    h(out, f->rule_id);
    fputs("</span></td><td class=\"mono\">", out);
    for (size_t k = 0; k < f->n_entities; k++) {
      if (k)
        fputs("<br>", out);
      h(out, f->entities[k].field);
      fputc('=', out);
      h(out, f->entities[k].value);
    }
    fputs("</td><td class=\"mono\">", out);
    for (size_t k = 0; k < f->n_evidence && k < 3; k++) {
      if (k)
        fputs("<br>", out);
      evidence_ref(out, &f->evidence[k]);
    }
    if (f->n_evidence > 3)
      fprintf(out, "<br>(+%zu more)", f->n_evidence - 3);
    fputs("</td><td>", out);
    h(out, f->reason);
    fputs("</td><td class=\"mono\">", out);
    h(out, f->id);
    fputs("</td></tr>\n", out);
  }
  fputs("</tbody></table>\n", out);
}

sp_err sp_write_report_html(const sp_result *res, const sp_run_info *run,
                            FILE *out) {
  if (!res || !out)
    return SP_EINVAL;
  fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
        "<meta http-equiv=\"Content-Security-Policy\" content=\""
        "default-src 'none'; base-uri 'none'; form-action 'none'; style-src ",
        out);
  csp_hash(out, STYLE);
  fputs("; script-src ", out);
  csp_hash(out, SCRIPT);
  fputs("\">\n<meta name=\"referrer\" content=\"no-referrer\">\n"
        "<meta name=\"viewport\" content=\"width=device-width\">\n"
        "<title>spoor report</title>\n<style>",
        out);
  fputs(STYLE, out);
  fputs("</style></head>\n<body>\n<h1>spoor report</h1>\n<p class=\"meta\">"
        "spoor " SPOOR_VERSION,
        out);
  if (run) {
    if (run->host) {
      fputs(" on ", out);
      h(out, run->host);
    }
    if (run->start_ns != INT64_MIN && run->start_ns) {
      fputs(", run started ", out);
      put_time(out, run->start_ns);
    }
    if (run->n_roots) {
      fputs("<br>Evidence: <span class=\"ent\">", out);
      for (size_t i = 0; i < run->n_roots; i++) {
        if (i)
          fputs(", ", out);
        h(out, run->roots[i]);
      }
      fputs("</span>", out);
    }
    if (run->opts && run->opts->detected_ns) {
      fputs("<br>Detected ", out);
      put_time(out, run->opts->detected_ns);
    }
  }
  size_t by_level[SP_LEVEL_CRITICAL + 1] = {0};
  for (size_t i = 0; i < sp_result_finding_count(res); i++)
    by_level[sp_result_finding(res, i)->level]++;
  fprintf(out, "<br>%zu incidents, %zu findings (",
          sp_result_incident_count(res), sp_result_finding_count(res));
  for (int l = SP_LEVEL_CRITICAL; l >= SP_LEVEL_INFO; l--)
    fprintf(out, "%s%s %zu", l == SP_LEVEL_CRITICAL ? "" : ", ",
            lv((sp_level)l), by_level[l]);
  fputs(")</p>\n<p><a href=\"#incidents\">Incidents</a> &middot; <a "
        "href=\"#coverage\">Coverage</a> &middot; <a href=\"#findings-h\">"
        "Findings</a></p>\n",
        out);
  write_incidents(out, res);
  write_coverage(out, res);
  write_findings(out, res);
  fputs("<script>", out);
  fputs(SCRIPT, out);
  fputs("</script>\n</body></html>\n", out);
  return ferror(out) ? SP_EIO : SP_OK;
}
