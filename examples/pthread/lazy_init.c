/*
 * lazy_init.c — double-checked locking that publishes too early.
 *
 * Two workers need a shared configuration, built on first use. The first
 * to arrive takes the lock, allocates the structure and stores its pointer
 * for everyone, and only then fills it in. A worker that checks the pointer
 * between those two steps skips the lock and reads a configuration that is
 * not ready yet (the classic SCTBench lazy01/CHESS lazyinit shape). With
 * -DFIXED the structure is filled in before it is published.
 *
 *   weft-cc lazy_init.c -o lazy_init && ./lazy_init explore
 */
#include <assert.h>
#include <pthread.h>
#include <stdlib.h>

struct config {
    int workers;
    int ready;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct config *config;

static struct config *get_config(void)
{
    if (config == NULL) {
        pthread_mutex_lock(&lock);
        if (config == NULL) {
            struct config *c = malloc(sizeof *c);
#ifdef FIXED
            c->workers = 4;
            c->ready = 1;
            config = c;
#else
            config = c; /* published before it is filled in */
            c->workers = 4;
            c->ready = 1;
#endif
        }
        pthread_mutex_unlock(&lock);
    }
    return config;
}

static void *worker(void *arg)
{
    struct config *c = get_config();
    assert(c->ready && c->workers == 4);
    return arg;
}

int main(void)
{
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    free(config);
    return 0;
}
