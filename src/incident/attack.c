/*
 * attack.c - MITRE ATT&CK (Enterprise) techniques to tactics, for ordering
 * an incident's findings along the kill chain. The table lists each
 * technique (by its top-level id; sub-techniques inherit) under the tactics
 * ATT&CK files it under, as published on attack.mitre.org. A technique not
 * listed contributes no tactic. Owns only the constant table.
 */
#include "incident/incident.h"

#include <stdlib.h>
#include <string.h>

enum {
  RE = 1u << 0,  /* reconnaissance */
  RD = 1u << 1,  /* resource-development */
  IA = 1u << 2,  /* initial-access */
  EX = 1u << 3,  /* execution */
  PE = 1u << 4,  /* persistence */
  PR = 1u << 5,  /* privilege-escalation */
  DE = 1u << 6,  /* defense-evasion */
  CA = 1u << 7,  /* credential-access */
  DI = 1u << 8,  /* discovery */
  LM = 1u << 9,  /* lateral-movement */
  CO = 1u << 10, /* collection */
  C2 = 1u << 11, /* command-and-control */
  EF = 1u << 12, /* exfiltration */
  IM = 1u << 13  /* impact */
};

static const char *const tactic_names[14] = {
    "reconnaissance",  "resource-development",
    "initial-access",  "execution",
    "persistence",     "privilege-escalation",
    "defense-evasion", "credential-access",
    "discovery",       "lateral-movement",
    "collection",      "command-and-control",
    "exfiltration",    "impact"};

const char *sp_attack_tactic_name(unsigned i) {
  return i < 14 ? tactic_names[i] : NULL;
}

typedef struct tech {
  unsigned short id; /* T<id> */
  unsigned short tactics;
} tech;

/* Sorted by id. */
static const tech techs[] = {
    {1001, C2},
    {1003, CA},
    {1005, CO},
    {1006, DE},
    {1007, DI},
    {1008, C2},
    {1010, DI},
    {1011, EF},
    {1012, DI},
    {1014, DE},
    {1016, DI},
    {1018, DI},
    {1020, EF},
    {1021, LM},
    {1025, CO},
    {1027, DE},
    {1029, EF},
    {1030, EF},
    {1033, DI},
    {1036, DE},
    {1037, PE | PR},
    {1039, CO},
    {1040, CA | DI},
    {1041, EF},
    {1046, DI},
    {1047, EX},
    {1048, EF},
    {1049, DI},
    {1052, EF},
    {1053, EX | PE | PR},
    {1055, DE | PR},
    {1056, CO | CA},
    {1057, DI},
    {1059, EX},
    {1068, PR},
    {1069, DI},
    {1070, DE},
    {1071, C2},
    {1072, EX | LM},
    {1074, CO},
    {1078, IA | PE | PR | DE},
    {1080, LM},
    {1082, DI},
    {1083, DI},
    {1087, DI},
    {1090, C2},
    {1091, IA | LM},
    {1095, C2},
    {1098, PE | PR},
    {1102, C2},
    {1104, C2},
    {1105, C2},
    {1106, EX},
    {1110, CA},
    {1111, CA},
    {1112, DE},
    {1113, CO},
    {1114, CO},
    {1115, CO},
    {1119, CO},
    {1120, DI},
    {1123, CO},
    {1124, DI},
    {1125, CO},
    {1127, DE},
    {1129, EX},
    {1132, C2},
    {1133, IA | PE},
    {1134, DE | PR},
    {1135, DI},
    {1136, PE},
    {1137, PE},
    {1140, DE},
    {1176, PE},
    {1185, CO},
    {1187, CA},
    {1189, IA},
    {1190, IA},
    {1195, IA},
    {1197, PE | DE},
    {1199, IA},
    {1200, IA},
    {1201, DI},
    {1202, DE},
    {1203, EX},
    {1204, EX},
    {1205, DE | PE | C2},
    {1207, DE},
    {1210, LM},
    {1211, DE},
    {1212, CA},
    {1213, CO},
    {1216, DE},
    {1217, DI},
    {1218, DE},
    {1219, C2},
    {1220, DE},
    {1221, DE},
    {1222, DE},
    {1480, DE},
    {1482, DI},
    {1484, DE | PR},
    {1485, IM},
    {1486, IM},
    {1489, IM},
    {1490, IM},
    {1491, IM},
    {1495, IM},
    {1496, IM},
    {1497, DE | DI},
    {1498, IM},
    {1499, IM},
    {1505, PE},
    {1518, DI},
    {1525, PE},
    {1526, DI},
    {1528, CA},
    {1529, IM},
    {1530, CO},
    {1531, IM},
    {1534, LM},
    {1535, DE},
    {1537, EF},
    {1538, DI},
    {1539, CA},
    {1542, PE | DE},
    {1543, PE | PR},
    {1546, PE | PR},
    {1547, PE | PR},
    {1548, PR | DE},
    {1550, DE | LM},
    {1552, CA},
    {1553, DE},
    {1554, PE},
    {1555, CA},
    {1556, CA | DE | PE},
    {1557, CA | CO},
    {1558, CA},
    {1559, EX},
    {1560, CO},
    {1561, IM},
    {1562, DE},
    {1563, LM},
    {1564, DE},
    {1565, IM},
    {1566, IA},
    {1567, EF},
    {1568, C2},
    {1569, EX},
    {1570, LM},
    {1571, C2},
    {1572, C2},
    {1573, C2},
    {1574, PE | PR | DE},
    {1578, DE},
    {1580, DI},
    {1583, RD},
    {1584, RD},
    {1585, RD},
    {1586, RD},
    {1587, RD},
    {1588, RD},
    {1589, RE},
    {1590, RE},
    {1591, RE},
    {1592, RE},
    {1593, RE},
    {1594, RE},
    {1595, RE},
    {1596, RE},
    {1597, RE},
    {1598, RE},
    {1599, DE},
    {1600, DE},
    {1601, DE},
    {1602, CO},
    {1606, CA},
    {1608, RD},
    {1609, EX},
    {1610, EX | DE},
    {1611, PR},
    {1612, DE},
    {1613, DI},
    {1615, DI},
    {1619, DI},
    {1620, DE},
    {1621, CA},
    {1647, DE},
    {1651, EX},
    {1652, DI},
    {1654, DI},
    {1656, DE},
    {1657, IM},
    {1659, IA},
};

static int tech_cmp(const void *k, const void *e) {
  unsigned a = *(const unsigned *)k, b = ((const tech *)e)->id;
  return (a > b) - (a < b);
}

unsigned sp_attack_tactics(const char *t, size_t n) {
  while (n && (*t == ' ' || *t == '\t'))
    t++, n--;
  if (n < 5 || (t[0] != 'T' && t[0] != 't'))
    return 0;
  unsigned id = 0;
  size_t i = 1;
  for (; i < n && i < 6 && t[i] >= '0' && t[i] <= '9'; i++)
    id = id * 10 + (unsigned)(t[i] - '0');
  if (i != 5)
    return 0;
  const tech *e = bsearch(&id, techs, sizeof techs / sizeof techs[0],
                          sizeof techs[0], tech_cmp);
  return e ? e->tactics : 0;
}
