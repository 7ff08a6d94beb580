// The interface queries older tools and runtimes make with ioctl on any
// socket (Erlang's inet:getiflist/ifget, net-tools' ifconfig, Python's
// fcntl.ioctl idiom for an address): SIOCGIFCONF (the needed length with
// no buffer, a full list, a list cut short), and for lo SIOCGIFFLAGS,
// SIOCGIFMTU, SIOCGIFADDR, SIOCGIFNETMASK, SIOCGIFBRDADDR, SIOCGIFHWADDR,
// SIOCGIFTXQLEN, SIOCGIFMETRIC, on unix, inet and inet6 sockets; an unknown
// name, bad pointers; a list buffer too small for one ifreq; SIOCGIFPFLAGS
// (no handler: EINVAL from inet, ENOTTY elsewhere).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "show_call.h"

static const char* Addr(const struct sockaddr* sa) {
  static char buf[64];
  if (sa->sa_family != AF_INET) {
    snprintf(buf, sizeof buf, "family %d", sa->sa_family);
    return buf;
  }
  return inet_ntop(AF_INET, &((const struct sockaddr_in*)sa)->sin_addr, buf, sizeof buf);
}

static void Conf(int s) {
  struct ifconf ifc = {0};
  SHOW("  SIOCGIFCONF no buffer", ioctl(s, SIOCGIFCONF, &ifc));
  int need = ifc.ifc_len;
  printf("  needed a multiple of ifreq: %d, at least lo: %d\n", need % (int)sizeof(struct ifreq) == 0,
         need >= (int)sizeof(struct ifreq));
  struct ifreq reqs[32];
  memset(reqs, 0, sizeof reqs);
  ifc.ifc_len = sizeof reqs;
  ifc.ifc_req = reqs;
  SHOW("  SIOCGIFCONF", ioctl(s, SIOCGIFCONF, &ifc));
  printf("  same length: %d\n", ifc.ifc_len == need);
  for (int i = 0; i < ifc.ifc_len / (int)sizeof(struct ifreq); i++)
    if (strcmp(reqs[i].ifr_name, "lo") == 0) printf("  lo %s\n", Addr(&reqs[i].ifr_addr));
  memset(reqs, 0, sizeof reqs);
  ifc.ifc_len = sizeof(struct ifreq) + 3;  // room for one
  SHOW("  SIOCGIFCONF room for one", ioctl(s, SIOCGIFCONF, &ifc));
  printf("  length %d name %s\n", ifc.ifc_len, reqs[0].ifr_name);
  // Less room than one ifreq (none, a part, a negative length): nothing
  // written, length 0.
  static const int small[] = {0, 10, -5};
  for (size_t i = 0; i < sizeof small / sizeof small[0]; i++) {
    memset(reqs, 0xAA, sizeof reqs);
    ifc.ifc_len = small[i];
    ifc.ifc_req = reqs;
    char label[64];
    snprintf(label, sizeof label, "  SIOCGIFCONF length %d", small[i]);
    SHOW(label, ioctl(s, SIOCGIFCONF, &ifc));
    int changed = 0;
    for (size_t k = 0; k < sizeof reqs; k++) changed += ((unsigned char*)reqs)[k] != 0xAA;
    printf("  length %d, bytes written %d\n", ifc.ifc_len, changed);
  }
  ifc.ifc_len = sizeof reqs;
  ifc.ifc_req = (struct ifreq*)8;
  SHOW("  SIOCGIFCONF bad buffer", ioctl(s, SIOCGIFCONF, &ifc));
  SHOW("  SIOCGIFCONF bad ifconf", ioctl(s, SIOCGIFCONF, (void*)8));
}

static void Query(int s, const char* name) {
  static const struct {
    unsigned long req;
    const char* label;
  } reqs[] = {{SIOCGIFFLAGS, "SIOCGIFFLAGS"},     {SIOCGIFMTU, "SIOCGIFMTU"},
              {SIOCGIFADDR, "SIOCGIFADDR"},       {SIOCGIFNETMASK, "SIOCGIFNETMASK"},
              {SIOCGIFBRDADDR, "SIOCGIFBRDADDR"}, {SIOCGIFHWADDR, "SIOCGIFHWADDR"},
              {SIOCGIFTXQLEN, "SIOCGIFTXQLEN"},   {SIOCGIFMETRIC, "SIOCGIFMETRIC"}};
  for (size_t i = 0; i < sizeof reqs / sizeof reqs[0]; i++) {
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, name);
    char label[64];
    snprintf(label, sizeof label, "  %s %s", reqs[i].label, name);
    long r = ioctl(s, reqs[i].req, &ifr);
    SHOW(label, r);
    if (r != 0) continue;
    switch (reqs[i].req) {
      case SIOCGIFFLAGS: printf("    up %d loopback %d\n", !!(ifr.ifr_flags & IFF_UP), !!(ifr.ifr_flags & IFF_LOOPBACK)); break;
      case SIOCGIFMTU: printf("    mtu %d\n", ifr.ifr_mtu); break;
      case SIOCGIFHWADDR: printf("    hw family %d\n", ifr.ifr_hwaddr.sa_family); break;
      case SIOCGIFTXQLEN: printf("    txqlen %d\n", ifr.ifr_qlen); break;
      case SIOCGIFMETRIC: printf("    metric %d\n", ifr.ifr_metric); break;
      default: printf("    %s\n", Addr(&ifr.ifr_addr)); break;
    }
  }
  SHOW("  SIOCGIFFLAGS bad pointer", ioctl(s, SIOCGIFFLAGS, (void*)8));
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strcpy(ifr.ifr_name, name);
  SHOW("  SIOCGIFPFLAGS", ioctl(s, SIOCGIFPFLAGS, &ifr));
}

int main(void) {
  static const struct {
    int family, type;
    const char* label;
  } socks[] = {{AF_UNIX, SOCK_DGRAM, "unix dgram"}, {AF_INET, SOCK_DGRAM, "inet dgram"},
               {AF_INET, SOCK_STREAM, "inet stream"}, {AF_INET6, SOCK_DGRAM, "inet6 dgram"}};
  for (size_t i = 0; i < sizeof socks / sizeof socks[0]; i++) {
    int s = socket(socks[i].family, socks[i].type, 0);
    printf("%s:\n", socks[i].label);
    Conf(s);
    Query(s, "lo");
    Query(s, "nosuch0");
    close(s);
  }
  return 0;
}
