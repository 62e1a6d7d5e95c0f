// What a send costs on this host: one send() per socket against one io_uring submission for all of them (docs/benchmarks.md, phase 17).
//   gcc -O2 -o /tmp/send-syscalls bench/Profile/send-syscalls.c -lpthread && /tmp/send-syscalls 500 4400 1000   # sockets, bytes per send, rounds
// Prints wall and CPU microseconds per send for each way, twice. Loopback only; a thread drains the receiving ends.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pthread.h>
#include <time.h>
#include <errno.h>
#include <sys/socket.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <linux/io_uring.h>
#include <stdatomic.h>

static int N = 500, LEN = 4400, ROUNDS = 2000;
static int *snd, *rcv;
static volatile int stop;

static void *drain(void *arg) {
  int ep = epoll_create1(0);
  for (int i = 0; i < N; i++) { struct epoll_event e = {.events = EPOLLIN, .data.fd = rcv[i]}; epoll_ctl(ep, EPOLL_CTL_ADD, rcv[i], &e); }
  char buf[65536]; struct epoll_event ev[256];
  while (!stop) { int n = epoll_wait(ep, ev, 256, 100); for (int i = 0; i < n; i++) while (recv(ev[i].data.fd, buf, sizeof buf, MSG_DONTWAIT) > 0) ; }
  return 0;
}
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
static double cpu(void) { struct rusage r; getrusage(RUSAGE_THREAD, &r); return r.ru_utime.tv_sec + r.ru_utime.tv_usec / 1e6 + r.ru_stime.tv_sec + r.ru_stime.tv_usec / 1e6; }

struct ring { int fd; unsigned *sq_head, *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask; struct io_uring_sqe *sqes; struct io_uring_cqe *cqes; };
static int setup(struct ring *r, unsigned entries) {
  struct io_uring_params p; memset(&p, 0, sizeof p);
  r->fd = syscall(__NR_io_uring_setup, entries, &p); if (r->fd < 0) { perror("setup"); return -1; }
  size_t sqsz = p.sq_off.array + p.sq_entries * sizeof(unsigned), cqsz = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
  char *sq = mmap(0, sqsz, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_POPULATE, r->fd, IORING_OFF_SQ_RING);
  char *cq = (p.features & IORING_FEAT_SINGLE_MMAP) ? sq : mmap(0, cqsz, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_POPULATE, r->fd, IORING_OFF_CQ_RING);
  if (p.features & IORING_FEAT_SINGLE_MMAP && cqsz > sqsz) { munmap(sq, sqsz); sq = cq = mmap(0, cqsz, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_POPULATE, r->fd, IORING_OFF_SQ_RING); }
  r->sq_head = (unsigned*)(sq + p.sq_off.head); r->sq_tail = (unsigned*)(sq + p.sq_off.tail); r->sq_mask = (unsigned*)(sq + p.sq_off.ring_mask); r->sq_array = (unsigned*)(sq + p.sq_off.array);
  r->cq_head = (unsigned*)(cq + p.cq_off.head); r->cq_tail = (unsigned*)(cq + p.cq_off.tail); r->cq_mask = (unsigned*)(cq + p.cq_off.ring_mask); r->cqes = (struct io_uring_cqe*)(cq + p.cq_off.cqes);
  r->sqes = mmap(0, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ|PROT_WRITE, MAP_SHARED|MAP_POPULATE, r->fd, IORING_OFF_SQES);
  printf("io_uring: sq %u cq %u features %#x\n", p.sq_entries, p.cq_entries, p.features);
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 1) N = atoi(argv[1]);
  if (argc > 2) LEN = atoi(argv[2]);
  if (argc > 3) ROUNDS = atoi(argv[3]);
  snd = calloc(N, sizeof(int)); rcv = calloc(N, sizeof(int));
  int l = socket(AF_INET, SOCK_STREAM, 0); struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001)}; int one = 1;
  setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one); bind(l, (void*)&a, sizeof a); listen(l, 4096); socklen_t al = sizeof a; getsockname(l, (void*)&a, &al);
  for (int i = 0; i < N; i++) { rcv[i] = socket(AF_INET, SOCK_STREAM, 0); connect(rcv[i], (void*)&a, sizeof a); snd[i] = accept(l, 0, 0); setsockopt(snd[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); }
  pthread_t t; pthread_create(&t, 0, drain, 0);
  char *buf = malloc(LEN); memset(buf, 'x', LEN);
  struct ring r; if (setup(&r, 1024) < 0) return 1;
  for (int mode = 0; mode < 4; mode++) {
    int uring = mode & 1;
    double t0 = now(), c0 = cpu(); long fails = 0;
    for (int k = 0; k < ROUNDS; k++) {
      if (!uring) { for (int i = 0; i < N; i++) if (send(snd[i], buf, LEN, MSG_DONTWAIT) != LEN) fails++; }
      else {
        unsigned tail = *r.sq_tail;
        for (int i = 0; i < N; i++) {
          unsigned idx = tail & *r.sq_mask; struct io_uring_sqe *s = &r.sqes[idx]; memset(s, 0, sizeof *s);
          s->opcode = IORING_OP_SEND; s->fd = snd[i]; s->addr = (unsigned long)buf; s->len = LEN; s->msg_flags = MSG_DONTWAIT; s->user_data = i;
          r.sq_array[idx] = idx; tail++;
        }
        atomic_store_explicit((_Atomic unsigned*)r.sq_tail, tail, memory_order_release);
        int got = syscall(__NR_io_uring_enter, r.fd, N, N, IORING_ENTER_GETEVENTS, 0, 0);
        if (got != N) { fprintf(stderr, "enter %d %d\n", got, errno); }
        unsigned head = *r.cq_head, ctail = atomic_load_explicit((_Atomic unsigned*)r.cq_tail, memory_order_acquire); int seen = 0;
        while (seen < N) { while (head != ctail) { if (r.cqes[head & *r.cq_mask].res != LEN) fails++; head++; seen++; } if (seen < N) ctail = atomic_load_explicit((_Atomic unsigned*)r.cq_tail, memory_order_acquire); }
        atomic_store_explicit((_Atomic unsigned*)r.cq_head, head, memory_order_release);
      }
    }
    double wall = now() - t0, c = cpu() - c0; double per = 1e6 / ((double)ROUNDS * N);
    printf("%-8s N=%d len=%d: %.2f us wall/send, %.2f us cpu/send, %ld short\n", uring ? "uring" : "send", N, LEN, wall * per, c * per, fails);
  }
  stop = 1; pthread_join(t, 0);
  return 0;
}
