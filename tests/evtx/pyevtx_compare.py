#!/usr/bin/python3
"""pyevtx_compare.py - compares spoor's EVTX reader (tests/evtx_dump) with
python-evtx (Debian python3-evtx, under /usr/bin/python3) on a folder of
.evtx files: record counts per file and every System / EventData / UserData
value, after normalising python-evtx's renderings to the field contract
(GUIDs upper case without braces, times ISO 8601 with 'Z').

usage: pyevtx_compare.py EVTX_DUMP FOLDER [--max-diffs N]
Records are paired by their byte offset in the file (the record header
number and EventRecordID differ in forwarded logs).
Prints per-file disagreements and a summary line; exits 0 when every file
has the same record count and every compared value agrees except the
documented differences, 1 otherwise, 77 when python-evtx is missing.
"""
import base64
import binascii
import glob
import json
import multiprocessing
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

try:
    import Evtx.Evtx as evtx
except ImportError:
    print("SKIP: python-evtx (python3-evtx) is not installed for", sys.executable)
    sys.exit(77)

NS = "{http://schemas.microsoft.com/win/2004/08/events/event}"
GUID = re.compile(r"^\{([0-9a-fA-F-]{36})\}$")
PYTIME = re.compile(r"^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(\.\d+)?$")


def local(tag):
    return tag.split("}", 1)[-1]


HEX = re.compile(r"^0x0*([0-9a-f]+)$")


def norm(v, is_time=False):
    """python-evtx's rendering -> the field contract's: GUIDs without braces
    in upper case, hex integers without zero padding (python-evtx pads
    HexInt64 to 16 digits, evtx-rs does not), FILETIME as ISO 8601 'Z'."""
    if v is None:
        return ""
    v = v.strip()
    m = GUID.match(v)
    if m:
        return m.group(1).upper()
    if v in ("True", "False"):
        return v.lower()  # python-evtx prints Python booleans
    m = HEX.match(v)
    if m:
        return "0x" + m.group(1)
    m = PYTIME.match(v) if is_time else None
    if m:
        frac = (m.group(3) or ".")[1:]
        return "%sT%s.%sZ" % (m.group(1), m.group(2), (frac + "000000")[:6])
    return v


def same(k, want, got):
    """Equal as rendered, or equal once python-evtx's rendering is brought
    to the contract (norm), or, for FILETIME values (TimeCreated and
    EventData ones), at most two microseconds apart: python-evtx converts
    FILETIME through a float (about 2 us of error at today's dates),
    evtx-rs and spoor truncate exactly."""
    if want == got or norm(want) == got:
        return True
    # XML cannot hold most control characters: python-evtx's XML (read
    # back by ElementTree) loses them, spoor keeps them.
    if got and re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", got) == want:
        return True
    if k == "Binary" or re.match(r"^[A-Za-z0-9+/]+=*$", want):
        # python-evtx prints binary values in base64, evtx-rs in hex.
        try:
            if base64.b64decode(want, validate=True).hex().upper() == got:
                return True
        except (binascii.Error, ValueError):
            pass
    t = norm(want, True)
    if got and t != want and t[:20] == got[:20]:
        try:
            return abs(int(t[20:26]) - int(got[20:26])) <= 2
        except ValueError:
            return False
    return False


def py_fields(xml):
    out = {}
    root = ET.fromstring(xml)

    def add(k, v):
        out.setdefault(k, []).append("" if v is None else v.strip())

    sysn = root.find(NS + "System")
    if sysn is not None:
        for el in sysn:
            name = local(el.tag)
            a = el.attrib
            if name == "Provider":
                if "Name" in a:
                    add("Provider_Name", a["Name"])
                if "Guid" in a:
                    add("Provider_Guid", a["Guid"])
            elif name == "TimeCreated":
                if "SystemTime" in a:
                    add("TimeCreated", a["SystemTime"])
            elif name == "Execution":
                for k in ("ProcessID", "ThreadID"):
                    if k in a:
                        add(k, a[k])
            elif name == "Security":
                if "UserID" in a:
                    add("UserID", a["UserID"])
            elif name == "Correlation":
                for k in ("ActivityID", "RelatedActivityID"):
                    if k in a:
                        add(k, a[k])
            else:
                if el.text is not None and el.text.strip() != "":
                    add(name, el.text)
    ed = root.find(NS + "EventData")
    if ed is not None:
        for el in ed:
            name = local(el.tag)
            if name == "Data":
                add(el.attrib.get("Name", "Data"), el.text)
            elif len(el) == 0:
                add(name, el.text)
    ud = root.find(NS + "UserData")
    if ud is not None:
        for child in ud:
            for el in child.iter():
                if el is child or len(el):
                    continue
                add(local(el.tag), el.text)
    return out


def spoor_records(dump, path):
    p = subprocess.run([dump, path], capture_output=True, text=True,
                       errors="replace")
    recs, summary = [], None
    for line in p.stdout.splitlines():
        j = json.loads(line)
        if "summary" in j:
            summary = j["summary"]
        else:
            recs.append(j)
    return recs, summary


def py_file(path):
    """python-evtx's fields of every record of one file, by offset."""
    py, fails = {}, 0
    try:
        with evtx.Evtx(path) as log:
            for rec in log.records():
                try:
                    py[rec.offset()] = py_fields(rec.xml())
                except Exception:  # a record python-evtx cannot render
                    fails += 1
    except Exception as e:
        return py, fails + 1, str(e)
    return py, fails, None


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    dump, folder = sys.argv[1], sys.argv[2]
    files = sorted(glob.glob(os.path.join(folder, "**", "*.evtx"),
                             recursive=True))
    n_files = same_count = 0
    values = agree = 0
    py_recs_total = sp_recs_total = 0
    py_fail = 0
    diffs_shown = 0
    bad_files = []
    by_field = {}
    # python-evtx is slow (well under 1 MB/s): read the files on every core.
    with multiprocessing.Pool(os.cpu_count() or 1) as pool:
        parsed = pool.map(py_file, files, chunksize=1)
    for path, (py, fails, err) in zip(files, parsed):
        n_files += 1
        py_fail += fails
        if err:
            print("python-evtx failed on %s: %s" % (path, err))
        recs, summary = spoor_records(dump, path)
        py_recs_total += len(py)
        sp_recs_total += len(recs)
        if len(recs) == len(py):
            same_count += 1
        else:
            bad_files.append(path)
            print("COUNT %s: spoor %d python-evtx %d" % (path, len(recs), len(py)))
        for r in recs:
            want = py.get(r["offset"])
            if want is None:
                continue
            # XML parsing turns CR LF into LF (XML 1.0 end-of-line rule).
            got = {k: [x.replace("\r\n", "\n") for x in v]
                   for k, v in r["fields"].items()}
            for k, vs0 in want.items():
                # python-evtx prints an array as <string>item</string> lines;
                # spoor gives one value per item.
                vs = []
                for v in vs0:
                    if v.startswith("<string>"):
                        vs += re.findall(r"<string>(.*?)</string>", v, re.S)
                    else:
                        vs.append(v)
                values += len(vs)
                g = got.get(k, [])
                if all(v == "" for v in vs) and not g:
                    agree += len(vs)  # an empty attribute / absent value
                    continue
                for i, v in enumerate(vs):
                    if i < len(g) and same(k, v, g[i]):
                        agree += 1
                    else:
                        by_field[k] = by_field.get(k, 0) + 1
                    if not (i < len(g) and same(k, v, g[i])) and diffs_shown < 40:
                        diffs_shown += 1
                        print("DIFF %s record %d %s: python-evtx %r spoor %r" %
                              (os.path.basename(path), r["record"], k, v,
                               g[i] if i < len(g) else None))
    for k, n in sorted(by_field.items(), key=lambda x: -x[1])[:20]:
        print("DISAGREE %s: %d values" % (k, n))
    print("SUMMARY files=%d same_record_count=%d records spoor=%d python-evtx=%d "
          "python_failures=%d values=%d agree=%d (%.3f%%)" %
          (n_files, same_count, sp_recs_total, py_recs_total, py_fail, values,
           agree, 100.0 * agree / values if values else 100.0))
    return 0 if same_count == n_files and agree == values else 1


if __name__ == "__main__":
    sys.exit(main())
