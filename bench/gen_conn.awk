# bench/gen_conn.awk - writes a realistic Zeek conn.log (TSV, Zeek 6 layout)
# of about SIZE bytes to stdout: 5,000 internal hosts, 20,000 external
# servers, tcp/udp mix, the usual services and conn_states, 30 days.
# usage: awk -v SIZE=1073741824 -v SEED=1 -f bench/gen_conn.awk > conn.log
BEGIN {
  srand(SEED ? SEED : 1)
  OFS = "\t"
  print "#separator \\x09"
  print "#set_separator\t,"
  print "#empty_field\t(empty)"
  print "#unset_field\t-"
  print "#path\tconn"
  print "#open\t2024-04-01-00-00-00"
  print "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents"
  print "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]"
  split("ssl http dns - ssh smtp ntp krb", svc, " ")
  split("443 80 53 8443 22 25 123 88", port, " ")
  split("SF SF SF SF S0 REJ RSTO RSTR SH OTH S1", st, " ")
  split("ShADadFf ShADadfF S Sr ShADdaFf Dd ShAdDaR D", hist, " ")
  al = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
  ts = 1711929600.0; bytes = 0
  while (bytes < SIZE) {
    ts += rand() * 0.026
    k = int(rand() * 8) + 1
    uid = "C"
    for (i = 0; i < 17; i++) uid = uid substr(al, int(rand() * 62) + 1, 1)
    h = int(rand() * 5000)
    src = "10." int(h / 250) "." (h % 250) "." (1 + int(rand() * 3))
    d = int(rand() * 20000)
    dst = (k == 3 || k == 8) ? "10.0.0." (1 + d % 4) : (23 + d % 180) "." int(d / 97 % 256) "." (d % 251) "." (1 + d % 253)
    proto = (k == 3 || k == 7) ? "udp" : "tcp"
    s = st[int(rand() * 11) + 1]
    ob = int(rand() * rand() * 200000); rb = int(rand() * rand() * 2000000)
    op = 1 + int(ob / 1400) + int(rand() * 5); rp = 1 + int(rb / 1400) + int(rand() * 5)
    dur = sprintf("%.6f", rand() * rand() * 600)
    line = sprintf("%.6f\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\tT\tF\t0\t%s\t%d\t%d\t%d\t%d\t(empty)", ts, uid, src, 1024 + int(rand() * 64000), dst, port[k], proto, svc[k], dur, ob, rb, s, hist[int(rand() * 8) + 1], op, ob + op * 40, rp, rb + rp * 40)
    print line
    bytes += length(line) + 1
  }
  print "#close\t2024-05-01-00-00-00"
}
