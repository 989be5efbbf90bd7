/* Channels between the stages: socketpair(AF_UNIX, SOCK_SEQPACKET|SOCK_CLOEXEC),
 * one message per packet: a header {u32 type; u32 len} then len bytes.
 *
 * Every receive has a deadline (poll) and accepts MSG_ERROR from the peer in
 * place of the expected message; the error is turned back into the peer's
 * struct nsrt_err so main prints the failing stage's own line.  EOF means the
 * peer died: when the receiver is the peer's parent it says how (exit status
 * or signal, from waitid with WNOWAIT, so the reaping stays with the owner).
 * Malformed packets (short, oversized, unknown type, length not matching the
 * type) are rejected with EBADMSG; an unexpected type with EPROTO.
 */
#ifndef NSRT_CHANNEL_H
#define NSRT_CHANNEL_H

#include <stdint.h>
#include <sys/types.h>

#include "error.h"

struct nsrt_failpoint;

enum msg_type {
  MSG_MAPPING_REQUEST = 1, /* intermediate -> main: write my id maps; no payload */
  MSG_MAPPING_DONE,        /* main -> intermediate; no payload */
  MSG_INTERMEDIATE_READY,  /* intermediate -> main: struct msg_pid (init, host view) */
  MSG_HOOKS_REQUEST,       /* init -> main: run prestart/createRuntime now; no payload */
  MSG_HOOKS_DONE,          /* main -> init; no payload */
  MSG_INIT_READY,          /* init -> main; no payload */
  MSG_ERROR,               /* any -> main: struct msg_error */
  MSG_TYPE_END
};

struct msg_pid {
  int32_t pid;
};

/* The step of the error init sends back on the start socket when a
 * connection carries no valid start request; start then fails and leaves the
 * container created. */
#define START_REJECTED_STEP "start_request"

struct msg_error {
  int32_t errnum;
  char stage[NSRT_ERR_STAGE_MAX];
  char step[NSRT_ERR_STEP_MAX];
  char text[NSRT_ERR_TEXT_MAX];
};

struct msg_hdr {
  uint32_t type;
  uint32_t len;
};

#define MSG_MAX_PAYLOAD 1024

struct msg {
  struct msg_hdr hdr;
  union {
    uint8_t raw[MSG_MAX_PAYLOAD];
    struct msg_pid pid;
    struct msg_error error;
  } u;
};

struct channel {
  int fd;            /* owned */
  const char *peer;  /* stage name of the other end, for messages */
  pid_t peer_pid;    /* > 0 when we are the peer's parent and may waitid it */
  int timeout_ms;    /* deadline of each receive */
};

/* Name of a type ("INIT_READY"), or "unknown". */
const char *msg_type_name(uint32_t type);
/* The payload length a type must carry. */
uint32_t msg_type_len(uint32_t type);

/* Create a pair: a is the parent's end, b the child's. Both SOCK_CLOEXEC. */
int chan_pair(struct channel *a, struct channel *b, struct nsrt_err *err);
void chan_close(struct channel *ch);

/* Send one message.  fp: the send point (FP_SEND("chan.<stage>.send.<TYPE>")),
 * may be NULL.  Errors: stage = current stage, step "send <TYPE>". */
int chan_send(struct channel *ch, struct nsrt_failpoint *fp, uint32_t type, const void *payload,
              uint32_t len, struct nsrt_err *err);

/* Receive the message of type `expect` into *out.  MSG_ERROR from the peer:
 * returns -1 with *err = the peer's error.  Timeout: ETIMEDOUT, step
 * "recv <TYPE>", text "no <TYPE> from <peer> after N ms".  EOF: the peer's
 * death, stage = peer, step "exit", text "<peer> exited with status N before
 * <TYPE>" or "<peer> killed by signal N (SIGKILL) before <TYPE>". */
int chan_recv(struct channel *ch, struct nsrt_failpoint *fp, uint32_t expect, struct msg *out,
              struct nsrt_err *err);

/* Send err as MSG_ERROR (best effort: used on the way out of a failing stage). */
void chan_send_error(struct channel *ch, struct nsrt_failpoint *fp, const struct nsrt_err *err);

/* Validate a received packet (exposed for tests): 0 or -1 with EBADMSG. */
int msg_validate(const struct msg *m, size_t got, struct nsrt_err *err);

/* Default receive deadline: NSRT_SYNC_TIMEOUT_MS from the environment, else 10000. */
int chan_default_timeout_ms(void);

#endif
