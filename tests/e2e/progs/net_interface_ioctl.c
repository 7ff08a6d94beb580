// SIOCGIFINDEX and SIOCGIFNAME on sockets of any family (glibc's
// if_nametoindex/if_indextoname use a unix socket: CPython's test_socket
// testInterfaceNameIndex and the scope-id getaddrinfo cases), for lo;
// unknown names and indexes, a bad pointer, and a descriptor that is not
// a socket.
#define _GNU_SOURCE
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "show_call.h"

static void Ask(const char* label, int s) {
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strcpy(ifr.ifr_name, "lo");
  printf("%s:\n", label);
  SHOW("  SIOCGIFINDEX lo", ioctl(s, SIOCGIFINDEX, &ifr));
  printf("  index %d\n", ifr.ifr_ifindex);
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_ifindex = 1;
  SHOW("  SIOCGIFNAME 1", ioctl(s, SIOCGIFNAME, &ifr));
  printf("  name %s\n", ifr.ifr_name);
  strcpy(ifr.ifr_name, "nosuch0");
  SHOW("  SIOCGIFINDEX nosuch0", ioctl(s, SIOCGIFINDEX, &ifr));
  ifr.ifr_ifindex = 99999;
  SHOW("  SIOCGIFNAME 99999", ioctl(s, SIOCGIFNAME, &ifr));
  SHOW("  bad pointer", ioctl(s, SIOCGIFINDEX, (void*)8));
}

int main(void) {
  Ask("unix dgram", socket(AF_UNIX, SOCK_DGRAM, 0));
  Ask("unix stream", socket(AF_UNIX, SOCK_STREAM, 0));
  Ask("inet dgram", socket(AF_INET, SOCK_DGRAM, 0));
  int p[2];
  pipe(p);
  struct ifreq ifr = {0};
  strcpy(ifr.ifr_name, "lo");
  SHOW("pipe SIOCGIFINDEX", ioctl(p[0], SIOCGIFINDEX, &ifr));
  printf("lo by if_nametoindex: %u\n", if_nametoindex("lo"));
  char name[IF_NAMESIZE] = "";
  printf("1 by if_indextoname: %s\n", if_indextoname(1, name) ? name : "(none)");
  return 0;
}
