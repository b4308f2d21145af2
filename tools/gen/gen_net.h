/* gen_net.h - `spoor-gen net`: a large Zeek conn.log (plus dns.log) with
 * planted network intrusions under benign periodic traffic, for the
 * network analytics' regression test and benchmark. */
#ifndef GEN_NET_H
#define GEN_NET_H

/* argv[1] is "net". Returns the exit status (0, 1 failure, 2 usage). */
int gen_net_main(int argc, char **argv);

#endif
