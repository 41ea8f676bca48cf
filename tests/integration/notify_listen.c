/* notify-listen — test helper standing in for systemd: binds the datagram socket named on the
 * command line (what NOTIFY_SOCKET points at) and prints every notification it receives, one
 * line per field, until SIGTERM or the timeout. Usage: notify-listen SOCKET_PATH SECONDS */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: notify-listen SOCKET_PATH SECONDS\n");
    return 2;
  }
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(argv[1]) >= sizeof addr.sun_path) return 2;
  strcpy(addr.sun_path, argv[1]);
  int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
  unlink(argv[1]);
  if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    perror("notify-listen");
    return 1;
  }
  alarm((unsigned)atoi(argv[2]));
  setvbuf(stdout, NULL, _IOLBF, 0);
  char buf[4096];
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
    if (n < 0) break;
    buf[n] = '\0';
    for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) printf("%s\n", l);
  }
  return 0;
}
