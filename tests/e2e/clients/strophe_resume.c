/* A libstrophe (0.12, Debian) client for the XEP-0198 interop test (test_resumption.py):
 * logs in on the first port, prints "connected" and each message body it receives; when its
 * connection drops, takes the stream-management state libstrophe kept and connects with it
 * to the other port, where libstrophe resumes the session. A message "quit" ends it.
 *
 *   strophe_resume JID PASSWORD PORT1 PORT2 CAFILE
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strophe.h>

static const char *jid, *password, *cafile;
static unsigned short ports[2];
static int which, presence_sent, quitting;
static xmpp_ctx_t *ctx;
static xmpp_sm_state_t *saved;
/* Every connection made, released at the end (not from inside its own handler). */
static xmpp_conn_t *conns[64];
static int nconns;

static void connect_next(void);

static int on_message(xmpp_conn_t *conn, xmpp_stanza_t *stanza, void *userdata) {
    (void)userdata;
    char *body = xmpp_message_get_body(stanza);
    if (body == NULL) return 1;
    printf("body %s\n", body);
    fflush(stdout);
    if (strcmp(body, "quit") == 0) {
        quitting = 1;
        xmpp_disconnect(conn);
    }
    xmpp_free(ctx, body);
    return 1;
}

static void on_connection(xmpp_conn_t *conn, xmpp_conn_event_t event, int error,
                          xmpp_stream_error_t *stream_error, void *userdata) {
    (void)error;
    (void)stream_error;
    (void)userdata;
    if (event == XMPP_CONN_CONNECT) {
        if (!presence_sent) {
            xmpp_stanza_t *presence = xmpp_presence_new(ctx);
            xmpp_send(conn, presence);
            xmpp_stanza_release(presence);
            presence_sent = 1;
        }
        printf("connected %d\n", which);
        fflush(stdout);
        return;
    }
    if (event == XMPP_CONN_RAW_CONNECT) return;
    if (quitting) {
        xmpp_stop(ctx);
        return;
    }
    xmpp_sm_state_t *state = xmpp_conn_get_sm_state(conn);
    if (state != NULL) saved = state;
    printf("dropped sm=%d\n", saved != NULL);
    fflush(stdout);
    which = 1 - which;
    connect_next();
}

static void connect_next(void) {
    if (nconns == (int)(sizeof conns / sizeof conns[0])) {
        fprintf(stderr, "too many reconnections\n");
        exit(2);
    }
    xmpp_conn_t *conn = xmpp_conn_new(ctx);
    conns[nconns++] = conn;
    xmpp_conn_set_flags(conn, XMPP_CONN_FLAG_MANDATORY_TLS);
    xmpp_conn_set_cafile(conn, cafile);
    xmpp_conn_set_jid(conn, jid);
    xmpp_conn_set_pass(conn, password);
    if (saved != NULL) {
        xmpp_conn_set_sm_state(conn, saved);
        saved = NULL; /* the connection owns it now */
    }
    xmpp_handler_add(conn, on_message, NULL, "message", NULL, NULL);
    if (xmpp_connect_client(conn, "127.0.0.1", ports[which], on_connection, NULL) != XMPP_EOK) {
        fprintf(stderr, "connect failed\n");
        exit(2);
    }
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: %s JID PASSWORD PORT1 PORT2 CAFILE\n", argv[0]);
        return 2;
    }
    jid = argv[1];
    password = argv[2];
    ports[0] = (unsigned short)atoi(argv[3]);
    ports[1] = (unsigned short)atoi(argv[4]);
    cafile = argv[5];
    xmpp_initialize();
    ctx = xmpp_ctx_new(NULL, getenv("STROPHE_DEBUG") ? xmpp_get_default_logger(XMPP_LEVEL_DEBUG)
                                                     : NULL);
    connect_next();
    xmpp_run(ctx);
    for (int i = 0; i < nconns; ++i) xmpp_conn_release(conns[i]);
    if (saved != NULL) xmpp_free_sm_state(saved);
    xmpp_ctx_free(ctx);
    xmpp_shutdown();
    return 0;
}
