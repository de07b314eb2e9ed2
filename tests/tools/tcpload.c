/* tcpload: TCP connections of known shape for the network tools' tests (host and guests).
 *
 *   tcpload serve ADDR PORT COUNT REPLY   listen on ADDR:PORT; print "ready PID"; accept
 *                                          COUNT connections one after another (accept4),
 *                                          each: read to EOF, send REPLY bytes, close; print
 *                                          "conn PEERADDR PEERPORT RECEIVED" per connection
 *   tcpload connect ADDR PORT SEND [LPORT]  connect (from LPORT if given), send SEND bytes,
 *                                          shut the sending side, read to EOF, close; print
 *                                          "done LPORT SENT RECEIVED"; exit 1 if it failed
 *
 * ADDR is an IPv4 or IPv6 literal. Output lines are flushed at once, so a test can wait
 * for them. Either ends (SIGALRM) after 300 s. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

union addr {
    struct sockaddr sa;
    struct sockaddr_in in;
    struct sockaddr_in6 in6;
};

static socklen_t make_addr(const char *host, int port, union addr *a)
{
    memset(a, 0, sizeof(*a));
    if (inet_pton(AF_INET, host, &a->in.sin_addr) == 1) {
        a->in.sin_family = AF_INET;
        a->in.sin_port = htons((unsigned short)port);
        return sizeof(a->in);
    }
    if (inet_pton(AF_INET6, host, &a->in6.sin6_addr) == 1) {
        a->in6.sin6_family = AF_INET6;
        a->in6.sin6_port = htons((unsigned short)port);
        return sizeof(a->in6);
    }
    fprintf(stderr, "tcpload: not an IPv4 or IPv6 address: %s\n", host);
    exit(2);
}

static void die(const char *what)
{
    printf("error %s: %s\n", what, strerror(errno));
    exit(1);
}

static int port_of(const union addr *a, char *host, size_t size)
{
    if (a->sa.sa_family == AF_INET6) {
        inet_ntop(AF_INET6, &a->in6.sin6_addr, host, (socklen_t)size);
        return ntohs(a->in6.sin6_port);
    }
    inet_ntop(AF_INET, &a->in.sin_addr, host, (socklen_t)size);
    return ntohs(a->in.sin_port);
}

static long drain(int fd)
{
    char buf[65536];
    long total = 0;
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) > 0)
        total += n;
    return total;
}

static long send_bytes(int fd, long count)
{
    static char buf[65536];
    long sent = 0;
    memset(buf, 'k', sizeof(buf));
    while (sent < count) {
        size_t chunk = (size_t)(count - sent) < sizeof(buf) ? (size_t)(count - sent) : sizeof(buf);
        ssize_t n = write(fd, buf, chunk);
        if (n <= 0)
            die("write");
        sent += n;
    }
    return sent;
}

static int serve(const char *host, int port, int count, long reply)
{
    union addr a, peer;
    socklen_t len = make_addr(host, port, &a);
    int s = socket(a.sa.sa_family, SOCK_STREAM, 0), one = 1;
    if (s < 0)
        die("socket");
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(s, &a.sa, len) < 0)
        die("bind");
    if (listen(s, 64) < 0)
        die("listen");
    printf("ready %d\n", (int)getpid());
    for (int i = 0; i < count; i++) {
        socklen_t plen = sizeof(peer);
        int c = accept4(s, &peer.sa, &plen, SOCK_CLOEXEC);
        if (c < 0)
            die("accept");
        long got = drain(c);
        send_bytes(c, reply);
        close(c);
        char h[INET6_ADDRSTRLEN];
        int pport = port_of(&peer, h, sizeof(h));
        printf("conn %s %d %ld\n", h, pport, got);
    }
    close(s);
    return 0;
}

static int client(const char *host, int port, long count, int lport)
{
    union addr a, me;
    socklen_t len = make_addr(host, port, &a), mlen = sizeof(me);
    int s = socket(a.sa.sa_family, SOCK_STREAM, 0), one = 1;
    if (s < 0)
        die("socket");
    if (lport) {
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        make_addr(a.sa.sa_family == AF_INET6 ? "::" : "0.0.0.0", lport, &me);
        if (bind(s, &me.sa, len) < 0)
            die("bind");
    }
    if (connect(s, &a.sa, len) < 0)
        die("connect");
    getsockname(s, &me.sa, &mlen);
    char h[INET6_ADDRSTRLEN];
    int myport = port_of(&me, h, sizeof(h));
    long sent = send_bytes(s, count);
    shutdown(s, SHUT_WR);
    long got = drain(s);
    close(s);
    printf("done %d %ld %ld\n", myport, sent, got);
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    /* A connection that never comes (a test that failed before its client ran) must not
     * leave a server, and a test waiting on it, blocked forever: every run takes seconds
     * at most, under emulation too. */
    alarm(300);
    if (argc == 6 && !strcmp(argv[1], "serve"))
        return serve(argv[2], atoi(argv[3]), atoi(argv[4]), atol(argv[5]));
    if ((argc == 5 || argc == 6) && !strcmp(argv[1], "connect"))
        return client(argv[2], atoi(argv[3]), atol(argv[4]), argc == 6 ? atoi(argv[5]) : 0);
    fprintf(stderr, "usage: tcpload serve ADDR PORT COUNT REPLY | "
                    "tcpload connect ADDR PORT SEND [LPORT]\n");
    return 2;
}
