/*
 * mailbox.c — a condition variable waited on without a predicate loop.
 *
 * The consumer waits for a message with `if (!full) pthread_cond_wait`.
 * Two things go wrong: if the producer signals before the consumer waits,
 * the signal is lost and the consumer waits forever (a deadlock); and a
 * wait may return with nothing sent (POSIX allows spurious wake-ups; weft
 * injects them when --inject-rate is above 0, as explore's swarm does).
 * -DFIXED waits in a `while` loop on the predicate.
 *
 *   weft-cc mailbox.c -o mailbox && ./mailbox explore
 */
#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static int full;
static char message[32];

static void *consumer(void *arg)
{
    pthread_mutex_lock(&lock);
#ifdef FIXED
    while (!full)
        pthread_cond_wait(&changed, &lock);
#else
    if (!full)
        pthread_cond_wait(&changed, &lock);
#endif
    assert(full && message[0] == 'h');
    full = 0;
    pthread_mutex_unlock(&lock);
    return arg;
}

int main(void)
{
    pthread_t c;
    pthread_create(&c, NULL, consumer, NULL);
    usleep(1000); /* "long enough" for the consumer to wait: not a guarantee */
    pthread_mutex_lock(&lock);
    snprintf(message, sizeof message, "hello");
    full = 1;
    pthread_cond_signal(&changed);
    pthread_mutex_unlock(&lock);
    pthread_join(c, NULL);
    return 0;
}
